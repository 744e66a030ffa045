package rsp

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
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
	// The second EID is outside the default prefix on purpose: issuing
	// does not check the prefix, the verifier does.
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
	rogueEUM, err := NewEUM(rogue, 1, DefaultEIDPrefixes...)
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
			// A DER parsed by the caller is judged the same, in the same
			// words (the card logs them), one that does not parse too.
			c, perr := x509.ParseCertificate(tc.der)
			_, err2 := VerifySMDPCert(p.CI.X509, c, perr, tc.role, testNow)
			if fmt.Sprint(err2) != fmt.Sprint(err) {
				t.Fatalf("VerifySMDPCert: %v, VerifySMDP: %v", err2, err)
			}
		})
	}
	// Without a CI, that is said, whatever the DER (a card logs it).
	noCI := fmt.Sprintf("verify SM-DP+ %s: no CI: %v", RoleAuth, ErrUnknownCI)
	for _, der := range [][]byte{s.Auth.DER, []byte("nope")} {
		if _, err := VerifySMDP(nil, der, RoleAuth, testNow); !errors.Is(err, ErrUnknownCI) || err.Error() != noCI {
			t.Errorf("VerifySMDP without a CI of %q…: %v, want %q", der[:2], err, noCI)
		}
	}
	if _, err := VerifySMDPCert(nil, s.Auth.X509, nil, RoleAuth, testNow); !errors.Is(err, ErrUnknownCI) || err.Error() != noCI {
		t.Errorf("VerifySMDPCert without a CI: %v, want %q", err, noCI)
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
	// And the same certificates, signatures and all (RFC 6979): a host
	// that reads the card's certificates reads the same bytes every run.
	if !bytes.Equal(a.EUM.DER, b.EUM.DER) || !bytes.Equal(a.EUICC[testEID].DER, b.EUICC[testEID].DER) || !bytes.Equal(a.SMDP["sfr"].Auth.DER, b.SMDP["sfr"].Auth.DER) {
		t.Fatal("same seed gave differently signed certificates")
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
	if _, err := NewEUM(p.CI, 1); err == nil {
		t.Fatal("EUM without a permitted EID prefix accepted")
	}
	if _, err := NewEUM(p.CI, 1, "89O4"); err == nil {
		t.Fatal("non-digit EID prefix accepted")
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
	// Byte for byte what the documented command writes now (its
	// signatures are RFC 6979's): a third-party tool handed ci.pem and
	// `esimhil serve --ci`'s copy must be handed the same certificate.
	dir := t.TempDir()
	g, err = GeneratePKI(PKIConfig{Seed: 1, EIDs: []string{testEID}, SMDPs: want})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Write(dir); err != nil {
		t.Fatal(err)
	}
	fresh, _ := filepath.Glob(filepath.Join(dir, "*.pem"))
	committed, _ := filepath.Glob("../../fixtures/pki/*.pem")
	if len(fresh) != len(committed) {
		t.Errorf("fixtures/pki holds %d PEM files, the generator writes %d", len(committed), len(fresh))
	}
	for _, f := range fresh {
		a, _ := os.ReadFile(f)
		b, err := os.ReadFile(filepath.Join("../../fixtures/pki", filepath.Base(f)))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("fixtures/pki/%s is not what `go run ./harness/cmd/esimhil-pki --seed 1 --out fixtures/pki` writes (delete it and run that): %v", filepath.Base(f), err)
		}
	}
}

// The SGP.22 v2 way to restrict an EUM: a critical nameConstraints with a
// directoryName subtree whose serialNumber is an EID prefix. crypto/x509
// leaves it unhandled; VerifyEUICC applies SGP.22's prefix rule itself.
func TestVerifyEUICCNameConstraints(t *testing.T) {
	p := testPKI(t)
	nc := func(prefix string) pkix.Extension {
		name, err := asn1.Marshal(pkix.Name{Organization: []string{TestOrganization}, SerialNumber: prefix}.ToRDNSequence())
		if err != nil {
			t.Fatal(err)
		}
		base := asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: name}
		sub, _ := asn1.Marshal(struct{ Base asn1.RawValue }{base})
		permitted := asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: sub}
		v, _ := asn1.Marshal(struct{ P asn1.RawValue }{permitted})
		return pkix.Extension{Id: oidNameConstraints, Critical: true, Value: v}
	}
	for _, tc := range []struct {
		prefix string
		want   error
	}{{"89049032", nil}, {"890490329", ErrEIDOutOfRange}} {
		key, _ := deriveKey(1, "eum-v2")
		tmpl := baseTemplate(1, "eum-v2", "esimhil TEST EUM v2", &key.PublicKey, ValidFrom, ValidUntil)
		tmpl.IsCA, tmpl.MaxPathLenZero, tmpl.KeyUsage = true, true, x509.KeyUsageCertSign
		if err := rspExtensions(tmpl, OIDRoleEUM, OIDTestEUM); err != nil {
			t.Fatal(err)
		}
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, nc(tc.prefix))
		eum, err := issue(tmpl, p.CI.X509, key, p.CI.Key)
		if err != nil {
			t.Fatal(err)
		}
		card, err := IssueEUICC(eum, testEID, 1)
		if err != nil {
			t.Fatal(err)
		}
		if prefixes, err := PermittedEIDs(eum.X509); err != nil || len(prefixes) != 1 || prefixes[0] != tc.prefix {
			t.Fatalf("prefixes %v, %v", prefixes, err)
		}
		if _, _, err := VerifyEUICC(p.CI.X509, eum.DER, card.DER, testNow); !errors.Is(err, tc.want) && (err != nil || tc.want != nil) {
			t.Errorf("prefix %s: %v, want %v", tc.prefix, err, tc.want)
		}
	}
}

// The certificates carry SGP.22 §4.5.2's profile: the role policy marked
// critical (not on TLS, as SGP.26's CERT.DP.TLS), registeredIDs, CRL
// distribution points on what a CRL revokes, and a critical extended key
// usage on TLS.
func TestCertificateProfiles(t *testing.T) {
	p := testPKI(t)
	s := p.SMDP["sfr"]
	critical := func(c *Cert, oid asn1.ObjectIdentifier) bool {
		for _, e := range c.X509.Extensions {
			if e.Id.Equal(oid) {
				return e.Critical
			}
		}
		return false
	}
	for name, c := range map[string]*Cert{"CI": p.CI, "EUM": p.EUM, "eUICC": p.EUICC[testEID], "auth": s.Auth, "pb": s.PB, "tls": s.TLS} {
		if critical(c, oidCertPolicies) != (name != "tls") {
			t.Errorf("%s: certificate policy critical %v", name, critical(c, oidCertPolicies))
		}
		if (name == "eUICC") != (len(c.X509.CRLDistributionPoints) == 0) {
			t.Errorf("%s: CRL distribution points %v", name, c.X509.CRLDistributionPoints)
		}
	}
	for name, want := range map[string]asn1.ObjectIdentifier{"CI": OIDTestCI, "EUM": OIDTestEUM, "auth": SMDPOID("sfr"), "pb": SMDPOID("sfr"), "tls": SMDPOID("sfr")} {
		c := map[string]*Cert{"CI": p.CI, "EUM": p.EUM, "auth": s.Auth, "pb": s.PB, "tls": s.TLS}[name]
		got := RegisteredID(c.X509)
		enc, _ := asn1.Marshal(want)
		if !bytes.Equal(got, enc[2:]) {
			t.Errorf("%s: registeredID %X, want %s", name, got, want)
		}
	}
	if !critical(s.TLS, oidExtKeyUsage) || s.TLS.X509.DNSNames[0] != "smdp.sfr.test" {
		t.Errorf("TLS certificate: EKU critical %v, names %v", critical(s.TLS, oidExtKeyUsage), s.TLS.X509.DNSNames)
	}
	if prefixes, err := PermittedEIDs(p.EUM.X509); err != nil || len(prefixes) != 1 || prefixes[0] != "89049032" {
		t.Errorf("EUM permittedEins %v, %v", prefixes, err)
	}
}

// Each certificate's critical extensions are its SGP.22 §4.5.2.1.0
// profile's, no more (SGP.26's test certificates carry the same): a
// basicConstraints only on the CAs. A verifier that knows only its profile
// (an eUICC checking CERT.DPauth) refuses an unexpected critical one.
func TestCriticalExtensionsPerProfile(t *testing.T) {
	var (
		ku  = asn1.ObjectIdentifier{2, 5, 29, 15}
		bc  = asn1.ObjectIdentifier{2, 5, 29, 19}
		cp  = oidCertPolicies
		eku = oidExtKeyUsage
	)
	p := testPKI(t)
	s := p.SMDP["sfr"]
	for _, tc := range []struct {
		name     string
		c        *Cert
		critical []asn1.ObjectIdentifier
		basic    bool // basicConstraints present
	}{
		{"CI", p.CI, []asn1.ObjectIdentifier{ku, bc, cp}, true},
		{"EUM", p.EUM, []asn1.ObjectIdentifier{ku, bc, cp}, true},
		{"eUICC", p.EUICC[testEID], []asn1.ObjectIdentifier{ku, cp}, false},
		{"CERT.DPauth", s.Auth, []asn1.ObjectIdentifier{ku, cp}, false},
		{"CERT.DPpb", s.PB, []asn1.ObjectIdentifier{ku, cp}, false},
		{"CERT.DP.TLS", s.TLS, []asn1.ObjectIdentifier{ku, eku}, false},
	} {
		var got []string
		basic := false
		for _, e := range tc.c.X509.Extensions {
			if e.Critical {
				got = append(got, e.Id.String())
			}
			basic = basic || e.Id.Equal(bc)
		}
		var want []string
		for _, o := range tc.critical {
			want = append(want, o.String())
		}
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) || basic != tc.basic {
			t.Errorf("%s: critical extensions %v, basicConstraints %v; want %v, %v", tc.name, got, basic, want, tc.basic)
		}
	}
}

// The eUICC certificate has no well-defined expiration date: its notAfter
// is the GeneralizedTime 99991231235959Z (RFC 5280 §4.1.2.5); the others
// keep the test PKI's validity. Past the EUM's end the chain fails on the
// EUM's certificate (SGP.22 8.1.2), not the card's.
func TestEUICCValidity(t *testing.T) {
	p := testPKI(t)
	s := p.SMDP["sfr"]
	notAfter := func(c *Cert) asn1.RawValue {
		var tbs struct {
			Version             asn1.RawValue `asn1:"optional,explicit,tag:0"`
			Serial, Sig, Issuer asn1.RawValue
			Validity            struct{ NotBefore, NotAfter asn1.RawValue }
			Subject, SPKI, Exts asn1.RawValue
		}
		if rest, err := asn1.Unmarshal(c.X509.RawTBSCertificate, &tbs); err != nil || len(rest) != 0 {
			t.Fatalf("TBSCertificate: %v", err)
		}
		return tbs.Validity.NotAfter
	}
	for _, tc := range []struct {
		name string
		c    *Cert
		tag  int
		want string
	}{
		{"eUICC", p.EUICC[testEID], asn1.TagGeneralizedTime, "99991231235959Z"},
		{"EUM", p.EUM, asn1.TagUTCTime, "360101000000Z"},
		{"CI", p.CI, asn1.TagUTCTime, "360101000000Z"},
		{"CERT.DPauth", s.Auth, asn1.TagUTCTime, "360101000000Z"},
	} {
		if got := notAfter(tc.c); got.Tag != tc.tag || string(got.Bytes) != tc.want {
			t.Errorf("%s: notAfter tag %d %q, want %d %q", tc.name, got.Tag, got.Bytes, tc.tag, tc.want)
		}
	}
	_, _, err := VerifyEUICC(p.CI.X509, p.EUM.DER, p.EUICC[testEID].DER, ValidUntil.Add(time.Hour))
	if !errors.Is(err, ErrExpired) || !errors.Is(err, ErrEUMCert) {
		t.Errorf("past the EUM's validity: %v, want the EUM's certificate expired", err)
	}
}

// Every certificate GeneratePKI makes, and every one in fixtures/pki,
// verifies with OpenSSL (RFC 5280 path validation by an independent
// implementation) at the rig's epoch, and OpenSSL reads the SGP.22 fields.
func TestOpenSSLVerifies(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed (ci/install.sh installs it)")
	}
	dir := t.TempDir()
	if err := testPKI(t).Write(dir); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{dir, "../../fixtures/pki"} {
		files, _ := filepath.Glob(filepath.Join(d, "*.pem"))
		for _, f := range files {
			base := filepath.Base(f)
			args := []string{"verify", "-attime", fmt.Sprint(testNow.Unix()), "-CAfile", filepath.Join(d, "ci.pem")}
			if strings.HasPrefix(base, "euicc-") {
				args = append(args, "-untrusted", filepath.Join(d, "eum.pem"))
			}
			out, err := exec.Command(openssl, append(args, f)...).CombinedOutput()
			if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), ": OK") {
				if strings.HasPrefix(base, "euicc-89049033") {
					continue // outside the EUM's EIDs: only VerifyEUICC knows
				}
				t.Errorf("openssl verify %s: %v\n%s", f, err, out)
			}
		}
	}
	text := func(f string) string {
		out, err := exec.Command(openssl, "x509", "-noout", "-text", "-in", filepath.Join(dir, f)).CombinedOutput()
		if err != nil {
			t.Fatalf("openssl x509 %s: %v\n%s", f, err, out)
		}
		return string(out)
	}
	for f, want := range map[string][]string{
		"ci.pem":                    {"X509v3 Certificate Policies: critical", "Policy: 2.23.146.1.2.1.0", "Registered ID:2.999.1", "CRL Distribution Points", "Certificate Sign, CRL Sign"},
		"eum.pem":                   {"Policy: 2.23.146.1.2.1.2", "2.23.146.1.2.2.0", "Registered ID:2.999.5", "pathlen:0"},
		"smdp-sfr-auth.pem":         {"Policy: 2.23.146.1.2.1.4", "Registered ID:" + SMDPOID("sfr").String()},
		"smdp-sfr-tls.pem":          {"X509v3 Extended Key Usage: critical", "TLS Web Server Authentication", "DNS:smdp.sfr.test", "Policy: 2.23.146.1.2.1.3"},
		"euicc-" + testEID + ".pem": {"serialNumber = " + testEID, "Policy: 2.23.146.1.2.1.1"},
	} {
		got := text(f)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: openssl shows no %q:\n%s", f, w, got)
			}
		}
	}
}

// TestVerifyEUICCNamesTheCertificate: a chain failure says which
// certificate is at fault, for SGP.22's codes (8.1.2 the EUM's, 8.1.3 the
// eUICC's), and a broken signature under an issuer that is there is no
// unknown CI (outside tester sw120).
func TestVerifyEUICCNamesTheCertificate(t *testing.T) {
	p := testPKI(t)
	broken := func(der []byte) []byte {
		b := slices.Clone(der)
		b[len(b)-1] ^= 0x01 // the signature's last octet
		return b
	}
	leaf := p.EUICC[testEID].DER
	for _, tc := range []struct {
		name       string
		eum, euicc []byte
		eumAtFault bool
	}{
		{"the EUM's signature broken", broken(p.EUM.DER), leaf, true},
		{"the eUICC's signature broken", p.EUM.DER, broken(leaf), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := VerifyEUICC(p.CI.X509, tc.eum, tc.euicc, testNow)
			if !errors.Is(err, ErrBadChain) || errors.Is(err, ErrUnknownCI) || errors.Is(err, ErrEUMCert) != tc.eumAtFault {
				t.Errorf("err = %v: want a bad chain, the EUM at fault %v", err, tc.eumAtFault)
			}
		})
	}
	if _, _, err := VerifyEUICC(p.CI.X509, p.EUM.DER, p.EUICC["89049033000000000000000000000088"].DER, testNow); !errors.Is(err, ErrEIDOutOfRange) || errors.Is(err, ErrEUMCert) {
		t.Errorf("EID out of range: %v, want the eUICC's certificate at fault", err)
	}
	if _, err := VerifySMDP(p.CI.X509, broken(p.SMDP["sfr"].Auth.DER), RoleAuth, testNow); !errors.Is(err, ErrBadChain) || errors.Is(err, ErrUnknownCI) {
		t.Errorf("CERT.DPauth with a broken signature: %v, want a bad chain, not an unknown CI", err)
	}
}
