package rsp

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

const testEID = "89049032000001000000000000000171"

var testNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func testPKI(t *testing.T) *PKI {
	t.Helper()
	p, err := GeneratePKI(PKIConfig{
		Seed:  1,
		EIDs:  []string{testEID, "89049033000000000000000000000088"},
		SMDPs: map[string]string{"sfr": "smdp.sfr.test", "orange-fr": "smdp.orange-fr.test"},
	})
	// The second EID is outside the default range on purpose: issuing does
	// not check the range, the verifier does.
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVerifyEUICC(t *testing.T) {
	p := testPKI(t)
	rogue, err := NewCI("rogue CI", 1)
	if err != nil {
		t.Fatal(err)
	}
	rogueEUM, err := NewEUM(rogue, 1, DefaultEIDRange[0], DefaultEIDRange[1])
	if err != nil {
		t.Fatal(err)
	}
	rogueCard, err := IssueEUICC(rogueEUM, testEID, 1)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		eum, euicc []byte
		now        time.Time
		want       error
	}{
		{"ok", p.EUM.DER, p.EUICC[testEID].DER, testNow, nil},
		{"unknown CI", rogueEUM.DER, rogueCard.DER, testNow, ErrUnknownCI},
		{"EUM of another CI", rogueEUM.DER, p.EUICC[testEID].DER, testNow, ErrUnknownCI},
		{"expired", p.EUM.DER, p.EUICC[testEID].DER, ValidUntil.Add(time.Hour), ErrExpired},
		{"not yet valid", p.EUM.DER, p.EUICC[testEID].DER, ValidFrom.Add(-time.Hour), ErrExpired},
		{"EID out of range", p.EUM.DER, p.EUICC["89049033000000000000000000000088"].DER, testNow, ErrEIDOutOfRange},
		{"leaf as EUM", p.EUICC[testEID].DER, p.EUICC[testEID].DER, testNow, ErrBadChain},
		{"SM-DP+ cert as eUICC", p.EUM.DER, p.SMDP["sfr"].Auth.DER, testNow, ErrBadChain},
		{"garbage", []byte{0x30, 0x01}, p.EUICC[testEID].DER, testNow, ErrBadChain},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			eid, pub, err := VerifyEUICC(p.CI.X509, tc.eum, tc.euicc, tc.now)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if eid != testEID || !pub.Equal(&p.EUICC[testEID].Key.PublicKey) {
					t.Fatalf("eid %s, key mismatch", eid)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestVerifySMDP(t *testing.T) {
	p := testPKI(t)
	s := p.SMDP["sfr"]
	expired, err := IssueSMDP(p.CI, "sfr", s.Host, RoleAuth, 1, ValidFrom, testNow.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	rogue, _ := NewCI("rogue CI", 1)
	rogueTLS, err := IssueSMDP(rogue, "sfr", s.Host, RoleTLS, 1, ValidFrom, ValidUntil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		der  []byte
		role Role
		want error
	}{
		{"auth", s.Auth.DER, RoleAuth, nil},
		{"pb", s.PB.DER, RolePB, nil},
		{"tls", s.TLS.DER, RoleTLS, nil},
		{"pb as auth", s.PB.DER, RoleAuth, ErrBadChain},
		{"auth as tls", s.Auth.DER, RoleTLS, ErrBadChain},
		{"eUICC as pb", p.EUICC[testEID].DER, RolePB, ErrBadChain},
		{"expired", expired.DER, RoleAuth, ErrExpired},
		{"rogue CI", rogueTLS.DER, RoleTLS, ErrUnknownCI},
		{"garbage", []byte("nope"), RoleAuth, ErrBadChain},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := VerifySMDP(p.CI.X509, tc.der, tc.role, testNow)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if s.TLS.X509.VerifyHostname("smdp.sfr.test") != nil || s.TLS.X509.VerifyHostname("smdp.orange-fr.test") == nil {
		t.Fatal("TLS certificate names the wrong host")
	}
}

func TestSameSeedSameKeys(t *testing.T) {
	a, b := testPKI(t), testPKI(t)
	c, err := GeneratePKI(PKIConfig{Seed: 2, EIDs: []string{testEID}})
	if err != nil {
		t.Fatal(err)
	}
	if !a.CI.Key.Equal(b.CI.Key) || !a.EUICC[testEID].Key.Equal(b.EUICC[testEID].Key) ||
		!a.SMDP["sfr"].PB.Key.Equal(b.SMDP["sfr"].PB.Key) {
		t.Fatal("same seed gave different keys")
	}
	if !bytes.Equal(a.EUM.X509.RawTBSCertificate, b.EUM.X509.RawTBSCertificate) {
		t.Fatal("same seed gave different certificate contents")
	}
	if a.CI.Key.Equal(c.CI.Key) || a.EUICC[testEID].Key.Equal(c.EUICC[testEID].Key) {
		t.Fatal("another seed gave the same keys")
	}
	if a.SMDP["sfr"].Auth.Key.Equal(a.SMDP["sfr"].PB.Key) || a.SMDP["sfr"].Auth.Key.Equal(a.SMDP["orange-fr"].Auth.Key) {
		t.Fatal("distinct certificates share a key")
	}
	if !bytes.Equal(SubjectKeyID(a.CI.X509), a.CI.X509.SubjectKeyId) || len(SubjectKeyID(a.CI.X509)) != 20 {
		t.Fatal("bad subject key id")
	}
	if !bytes.Equal(a.EUM.X509.AuthorityKeyId, SubjectKeyID(a.CI.X509)) {
		t.Fatal("EUM authority key id is not the CI's key id")
	}
}

func TestWriteLoadRoundTrip(t *testing.T) {
	p := testPKI(t)
	dir := t.TempDir()
	if err := p.Write(dir); err != nil {
		t.Fatal(err)
	}
	q, err := LoadPKI(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(q.CI.DER, p.CI.DER) || !bytes.Equal(q.EUM.DER, p.EUM.DER) || !q.EUM.Key.Equal(p.EUM.Key) {
		t.Fatal("CI/EUM changed in the round trip")
	}
	if len(q.EUICC) != 2 || !bytes.Equal(q.EUICC[testEID].DER, p.EUICC[testEID].DER) {
		t.Fatal("eUICC certificates changed")
	}
	s := q.SMDP["orange-fr"]
	if s == nil || s.Host != "smdp.orange-fr.test" || !s.TLS.Key.Equal(p.SMDP["orange-fr"].TLS.Key) {
		t.Fatalf("SM-DP+ orange-fr changed: %+v", s)
	}
	if _, _, err := VerifyEUICC(q.CI.X509, q.EUM.DER, q.EUICC[testEID].DER, testNow); err != nil {
		t.Fatal(err)
	}
	// Regenerating with the same seed leaves the files byte-identical.
	before, _ := os.ReadFile(filepath.Join(dir, "ci.pem"))
	if err := testPKI(t).Write(dir); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "ci.pem"))
	if !bytes.Equal(before, after) {
		t.Fatal("regeneration with the same seed rewrote ci.pem")
	}
	// A key that does not match its certificate is refused.
	eum := mustRead(t, filepath.Join(dir, "eum.pem"))
	keyAt := []byte("-----BEGIN PRIVATE KEY")
	bad := append(after[:bytes.Index(after, keyAt):bytes.Index(after, keyAt)], eum[bytes.Index(eum, keyAt):]...)
	if err := os.WriteFile(filepath.Join(dir, "ci.pem"), bad, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadPKI(dir); err == nil {
		t.Fatal("mismatched key accepted")
	}
}

func TestBadInputs(t *testing.T) {
	p := testPKI(t)
	if _, err := IssueEUICC(p.EUM, "1234", 1); err == nil {
		t.Fatal("short EID accepted")
	}
	if _, err := NewEUM(p.CI, 1, DefaultEIDRange[1], DefaultEIDRange[0]); err == nil {
		t.Fatal("reversed range accepted")
	}
	if _, err := IssueSMDP(&Cert{X509: p.CI.X509}, "sfr", "h", RoleAuth, 1, ValidFrom, ValidUntil); err == nil {
		t.Fatal("CI without key accepted")
	}
	if _, _, err := VerifyEUICC(nil, p.EUM.DER, p.EUICC[testEID].DER, testNow); !errors.Is(err, ErrUnknownCI) {
		t.Fatal(err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFixtures checks the generated fixtures/pki: it loads, verifies at the
// rig's start time, and holds what fixtures/pki/README.md says.
func TestFixtures(t *testing.T) {
	p, err := LoadPKIFS(os.DirFS("../../fixtures"), "pki")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := VerifyEUICC(p.CI.X509, p.EUM.DER, p.EUICC[testEID].DER, testNow); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"sfr": "smdp.sfr.test", "orange-fr": "smdp.orange-fr.test", "vodafone-de": "smdp.vodafone-de.test"}
	for op, host := range want {
		s := p.SMDP[op]
		if s == nil || s.Host != host {
			t.Fatalf("SM-DP+ %s: %+v", op, s)
		}
		for r, c := range map[Role]*Cert{RoleAuth: s.Auth, RolePB: s.PB, RoleTLS: s.TLS} {
			if _, err := VerifySMDP(p.CI.X509, c.DER, r, testNow); err != nil {
				t.Fatalf("%s %s: %v", op, r, err)
			}
		}
	}
	g, err := GeneratePKI(PKIConfig{Seed: 1, EIDs: []string{testEID}})
	if err != nil {
		t.Fatal(err)
	}
	if !g.CI.Key.Equal(p.CI.Key) || !sameTBS(g.EUICC[testEID].X509, p.EUICC[testEID].X509) {
		t.Fatal("fixtures are not the seed-1 PKI")
	}
}
