package platformapi

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

func TestCanonicalBytes(t *testing.T) {
	if got := string(CanonicalBytes("POST", "/v1/download", 7, []byte(`{"a":1}`))); got != "POST\n/v1/download\n7\n{\"a\":1}" {
		t.Fatalf("canonical bytes %q", got)
	}
}

func TestAuthHeaders(t *testing.T) {
	h := AuthHeaders(42, []byte{1}, []byte{2}, []byte{3, 4})
	if h.Get(HeaderSeq) != "42" || h.Get(HeaderCertificates) != "AQ==,Ag==" || h.Get(HeaderSignature) != "AwQ=" {
		t.Fatalf("headers %v", h)
	}
}

// A seq is a plain decimal number up to MaxSeq; one beyond is out of range,
// however many digits it has.
func TestParseSeq(t *testing.T) {
	tests := []struct {
		seq  string
		want uint64
		err  string
	}{
		{seq: "0", want: 0},
		{seq: "7", want: 7},
		{seq: "9223372036854775807", want: MaxSeq},
		{seq: "9223372036854775808", err: `header X-Esimhil-Seq: 9223372036854775808 out of range (at most 9223372036854775807)`},
		{seq: "18446744073709551615", err: `header X-Esimhil-Seq: 18446744073709551615 out of range (at most 9223372036854775807)`},
		{seq: "99999999999999999999999", err: `header X-Esimhil-Seq: 99999999999999999999999 out of range (at most 9223372036854775807)`},
		{seq: "0x1", err: `header X-Esimhil-Seq: want a decimal number, got "0x1"`},
		{seq: "01", err: `header X-Esimhil-Seq: want a decimal number, got "01"`},
		{seq: "-1", err: `header X-Esimhil-Seq: want a decimal number, got "-1"`},
		{seq: "+1", err: `header X-Esimhil-Seq: want a decimal number, got "+1"`},
	}
	for _, tc := range tests {
		t.Run(tc.seq, func(t *testing.T) {
			h := AuthHeaders(0, []byte{1}, []byte{2}, make([]byte, 64))
			h.Set(HeaderSeq, tc.seq)
			a, err := ParseAuthHeaders(h)
			switch {
			case tc.err == "" && (err != nil || a.Seq != tc.want):
				t.Fatalf("got %d, %v; want %d", a.Seq, err, tc.want)
			case tc.err != "" && (err == nil || err.Error() != tc.err):
				t.Fatalf("error %v, want %q", err, tc.err)
			}
		})
	}
}

// FuzzAuthHeaders feeds arbitrary header values to the parser: it must
// answer with an error or a well-formed result, never panic.
func FuzzAuthHeaders(f *testing.F) {
	f.Add("1", "AAAA,AAAA", base64.StdEncoding.EncodeToString(make([]byte, 64)))
	f.Add("", ",", "")
	f.Add("18446744073709551615", "a,b,c", "====")
	f.Fuzz(func(t *testing.T, seq, certs, sig string) {
		h := http.Header{}
		h.Set(HeaderSeq, seq)
		h.Set(HeaderCertificates, certs)
		h.Set(HeaderSignature, sig)
		a, err := ParseAuthHeaders(h)
		if err != nil {
			return
		}
		if strconv.FormatUint(a.Seq, 10) != seq || a.Seq > MaxSeq || len(a.Signature) != 64 || len(a.EUICC) == 0 || len(a.EUM) == 0 {
			t.Errorf("accepted %q %q %q as %+v", seq, certs, sig, a)
		}
	})
}

// The counters a platform starts from: EIDs, each at most MaxSeq; the
// first bad entry in EID order is named, the same for the platform's
// configuration and the rig's state file.
func TestCheckReplayCounters(t *testing.T) {
	const other = "89049032000001000000000000000947"
	tests := []struct {
		name     string
		counters map[string]uint64
		want     string
	}{
		{"none", nil, ""},
		{"largest seq", map[string]uint64{testEID: MaxSeq, other: 0}, ""},
		{"not an EID", map[string]uint64{"12": 3}, `c["12"]: not an EID (32 digits)`},
		{"long junk clipped", map[string]uint64{strings.Repeat("x", 40): 3}, `c["xxxxxxxxxxxxxxxxxxxxxxxx…"]: not an EID (32 digits)`},
		{"above MaxSeq", map[string]uint64{testEID: MaxSeq + 1},
			`c["` + testEID + `"]: 9223372036854775808 above 9223372036854775807, the largest seq the platform accepts (remove the entry: the card starts over)`},
		{"first in EID order", map[string]uint64{other: MaxSeq + 2, testEID: MaxSeq + 1, "9": 1},
			`c["` + testEID + `"]: 9223372036854775808 above 9223372036854775807, the largest seq the platform accepts (remove the entry: the card starts over)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckReplayCounters("c", tc.counters)
			if (err == nil) != (tc.want == "") || err != nil && err.Error() != tc.want {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}
