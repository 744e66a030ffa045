package wire

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"testing"

	"github.com/esimhil/esimhil/emulators/rsp"
)

func TestCanonicalBytes(t *testing.T) {
	if got := string(CanonicalBytes("POST", "/v1/download", 7, []byte(`{"a":1}`))); got != "POST\n/v1/download\n7\n{\"a\":1}" {
		t.Fatalf("canonical bytes %q", got)
	}
}

func TestSignRequestVerifies(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"eid":"1"}`)
	h, err := SignRequest(key, []byte{1}, []byte{2}, "POST", "/v1/notifications", 42, body)
	if err != nil {
		t.Fatal(err)
	}
	if h.Get(HeaderSeq) != "42" || h.Get(HeaderCertificates) != "AQ==,Ag==" {
		t.Fatalf("headers %v", h)
	}
	sig, _ := base64.StdEncoding.DecodeString(h.Get(HeaderSignature))
	if err := rsp.Verify(&key.PublicKey, CanonicalBytes("POST", "/v1/notifications", 42, body), sig); err != nil {
		t.Fatalf("signature: %v", err)
	}
	if rsp.Verify(&key.PublicKey, CanonicalBytes("POST", "/v1/notifications", 43, body), sig) == nil {
		t.Fatal("signature verifies for another seq")
	}
}
