package rsp

import (
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"testing"
	"time"
)

// A ChainCache verifies a chain once and answers from memory after, only
// within the certificates' validity; a chain that fails is checked every
// time.
func TestChainCache(t *testing.T) {
	const eid = "89049032000001000000000000000171"
	pki, err := GeneratePKI(PKIConfig{Seed: 1, EIDs: []string{eid}})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	fail := false
	c := NewChainCache(func(ci *x509.Certificate, eum, euicc []byte, now time.Time) (string, *ecdsa.PublicKey, error) {
		calls++
		if fail {
			return "", nil, errors.New("bad chain")
		}
		return VerifyEUICC(ci, eum, euicc, now)
	})
	inside := ValidFrom.Add(time.Hour)
	eum, card := pki.EUM.DER, pki.EUICC[eid].DER
	for range 3 {
		got, _, err := c.VerifyEUICC(pki.CI.X509, eum, card, inside)
		if err != nil || got != eid {
			t.Fatalf("check: %q %v", got, err)
		}
	}
	if calls != 1 {
		t.Errorf("%d verifications for one chain asked three times", calls)
	}
	// Outside the certificates' validity the cache does not answer.
	if _, _, err := c.VerifyEUICC(pki.CI.X509, eum, card, ValidUntil.Add(time.Hour)); !errors.Is(err, ErrExpired) {
		t.Errorf("expired chain: %v, want ErrExpired", err)
	}
	// The same chain under another CI is that CI's question, not the
	// remembered answer.
	rogue, err := GeneratePKI(PKIConfig{Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.VerifyEUICC(rogue.CI.X509, eum, card, inside); !errors.Is(err, ErrUnknownCI) {
		t.Errorf("chain under another CI: %v, want ErrUnknownCI", err)
	}
	// Another card's chain (here: another EUM bytes) is checked, and a
	// failure is not remembered.
	fail = true
	other := append([]byte(nil), eum...)
	other[len(other)-1] ^= 1
	for range 2 {
		if _, _, err := c.VerifyEUICC(pki.CI.X509, other, card, inside); err == nil {
			t.Fatal("failed chain accepted")
		}
	}
	if calls != 5 {
		t.Errorf("%d verifications, want 5 (1 cached + 1 expired + 1 other CI + 2 failing)", calls)
	}
}
