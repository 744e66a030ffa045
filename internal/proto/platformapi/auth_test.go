package platformapi

import (
	"encoding/base64"
	"net/http"
	"strconv"
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
