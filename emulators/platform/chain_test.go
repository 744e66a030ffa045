package platform

import (
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/rsp"
)

func TestChainCache(t *testing.T) {
	const eid = "89049032000001000000000000000171"
	pki, err := rsp.GeneratePKI(rsp.PKIConfig{Seed: 1, EIDs: []string{eid}})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	fail := false
	c := newChainCache(func(ci *x509.Certificate, eum, euicc []byte, now time.Time) (string, *ecdsa.PublicKey, error) {
		calls++
		if fail {
			return "", nil, errors.New("bad chain")
		}
		return rsp.VerifyEUICC(ci, eum, euicc, now)
	})
	inside := rsp.ValidFrom.Add(time.Hour)
	eum, card := pki.EUM.DER, pki.EUICC[eid].DER
	for range 3 {
		got, _, err := c.check(pki.CI.X509, eum, card, inside)
		if err != nil || got != eid {
			t.Fatalf("check: %q %v", got, err)
		}
	}
	if calls != 1 {
		t.Errorf("%d verifications for one chain asked three times", calls)
	}
	// Outside the certificates' validity the cache does not answer.
	if _, _, err := c.check(pki.CI.X509, eum, card, rsp.ValidUntil.Add(time.Hour)); err == nil {
		t.Error("expired chain accepted from the cache")
	}
	// Another card's chain (here: another EUM bytes) is checked, and a
	// failure is not remembered.
	fail = true
	other := append([]byte(nil), eum...)
	other[len(other)-1] ^= 1
	for range 2 {
		if _, _, err := c.check(pki.CI.X509, other, card, inside); err == nil {
			t.Fatal("failed chain accepted")
		}
	}
	if calls != 4 {
		t.Errorf("%d verifications, want 4 (1 cached + 1 expired + 2 failing)", calls)
	}
}
