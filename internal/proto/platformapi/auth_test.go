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
		if strconv.FormatUint(a.Seq, 10) != seq || len(a.Signature) != 64 || len(a.EUICC) == 0 || len(a.EUM) == 0 {
			t.Errorf("accepted %q %q %q as %+v", seq, certs, sig, a)
		}
	})
}
