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

// The cache answers only while every certificate of the chain is valid,
// the eUICC's included. SGP.22 eUICC certificates carry no end of
// validity (99991231235959Z), so only a card whose certificate does end
// shows it: asked after that end, the remembered chain is checked again
// and refused as expired, as VerifyEUICC alone would.
func TestChainCacheEndsWithTheEUICCCertificate(t *testing.T) {
	const eid = "89049032000001000000000000000171"
	pki, err := GeneratePKI(PKIConfig{Seed: 1, EIDs: []string{eid}})
	if err != nil {
		t.Fatal(err)
	}
	key, err := deriveKey(7, "euicc/short/"+eid)
	if err != nil {
		t.Fatal(err)
	}
	end := ValidFrom.Add(48 * time.Hour)
	tmpl := baseTemplate(7, "euicc/short/"+eid, "esimhil TEST eUICC", &key.PublicKey, ValidFrom, end)
	tmpl.Subject.SerialNumber = eid
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	if err := rspExtensions(tmpl, OIDRoleEUICC, nil); err != nil {
		t.Fatal(err)
	}
	card, err := issue(tmpl, pki.EUM.X509, key, pki.EUM.Key)
	if err != nil {
		t.Fatal(err)
	}
	c := NewChainCache(VerifyEUICC)
	for _, tc := range []struct {
		name string
		at   time.Time
		want error
	}{
		{"inside its validity (remembered)", ValidFrom.Add(time.Hour), nil},
		{"inside, again", end.Add(-time.Hour), nil},
		{"after the eUICC certificate's notAfter", end.Add(time.Hour), ErrExpired},
	} {
		if _, _, err := c.VerifyEUICC(pki.CI.X509, pki.EUM.DER, card.DER, tc.at); !errors.Is(err, tc.want) {
			t.Errorf("%s (%s, the eUICC certificate ends %s): %v, want %v", tc.name, tc.at.Format(time.RFC3339), end.Format(time.RFC3339), err, tc.want)
		}
	}
}
