package rsp

import (
	"errors"
	"testing"
)

// FuzzVerifyEUICC feeds arbitrary DER as EUM and eUICC certificates: the
// verifier returns one of its typed errors or accepts a real chain, and
// never panics.
func FuzzVerifyEUICC(f *testing.F) {
	p, err := GeneratePKI(PKIConfig{Seed: 1, EIDs: []string{testEID}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(p.EUM.DER, p.EUICC[testEID].DER)
	f.Add(p.EUICC[testEID].DER, p.EUM.DER)
	f.Add([]byte{0x30, 0x00}, []byte{})
	f.Add(p.EUM.DER[:len(p.EUM.DER)/2], p.EUICC[testEID].DER)
	f.Fuzz(func(t *testing.T, eum, euicc []byte) {
		eid, pub, err := VerifyEUICC(p.CI.X509, eum, euicc, testNow)
		if err == nil {
			if eid == "" || pub == nil {
				t.Fatal("accepted without an EID or key")
			}
			return
		}
		if !errors.Is(err, ErrBadChain) && !errors.Is(err, ErrUnknownCI) && !errors.Is(err, ErrExpired) && !errors.Is(err, ErrEIDOutOfRange) {
			t.Fatalf("untyped error %v", err)
		}
	})
}

// FuzzParseCertPEM feeds arbitrary bytes to the PEM fixture reader.
func FuzzParseCertPEM(f *testing.F) {
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := parseCertPEM("fuzz.pem", b)
		if err == nil && (c.X509 == nil || c.Key != nil && !c.Key.PublicKey.Equal(c.X509.PublicKey)) {
			t.Fatal("accepted an inconsistent file")
		}
	})
}
