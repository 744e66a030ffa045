package rsp

import (
	"bytes"
	"testing"
)

// An Issuer hands back the certificate it issued for the same inputs, a
// different one for any other input, verifiable like a fresh one; past its
// bound it forgets the oldest. A nil Issuer issues anew every time.
func TestIssuerRemembers(t *testing.T) {
	is := NewIssuer(3)
	ci, err := is.NewCI(DefaultCIName, 7)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := is.NewCI(DefaultCIName, 7)
	if again != ci {
		t.Error("the same CI was issued twice")
	}
	fresh, err := NewCI(DefaultCIName, 7)
	if err != nil {
		t.Fatal(err)
	}
	if fresh == ci || !bytes.Equal(fresh.X509.RawTBSCertificate, ci.X509.RawTBSCertificate) {
		t.Error("a remembered CI must have the contents of a fresh one (and the package function must not remember)")
	}
	for _, c := range []struct {
		name string
		get  func() (*Cert, error)
	}{
		{"another seed", func() (*Cert, error) { return is.NewCI(DefaultCIName, 8) }},
		{"another name", func() (*Cert, error) { return is.NewCI("other CI", 7) }},
	} {
		other, err := c.get()
		if err != nil || other == ci {
			t.Errorf("%s: got the remembered CI (%v)", c.name, err)
		}
	}
	// The bound is 3: the first CI is gone, a fourth certificate issued.
	eum, err := is.NewEUM(ci, 7, DefaultEIDPrefixes...)
	if err != nil {
		t.Fatal(err)
	}
	if is.Len() != 3 {
		t.Errorf("remembers %d certificates, bound 3", is.Len())
	}
	if again, _ := is.NewCI(DefaultCIName, 7); again == ci {
		t.Error("the oldest certificate was not forgotten past the bound")
	}
	const eid = "89049032000001000000000000000171"
	card, err := is.IssueEUICC(eum, eid, 7)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := is.IssueEUICC(eum, eid, 7); again != card {
		t.Error("the same eUICC certificate was issued twice")
	}
	if err := card.X509.CheckSignatureFrom(eum.X509); err != nil {
		t.Errorf("remembered eUICC certificate: %v", err)
	}
	if err := eum.X509.CheckSignatureFrom(ci.X509); err != nil {
		t.Errorf("remembered EUM certificate: %v", err)
	}
	// A CI with the same name and seed but another key (loaded from
	// elsewhere) is another issuer: its children are not mixed up.
	other, _ := NewCI(DefaultCIName, 9)
	auth1, _ := is.IssueSMDP(ci, "sfr", "smdp.sfr.test", RoleAuth, 7, ValidFrom, ValidUntil)
	auth2, _ := is.IssueSMDP(other, "sfr", "smdp.sfr.test", RoleAuth, 7, ValidFrom, ValidUntil)
	if auth1 == nil || auth1 == auth2 || auth2.X509.CheckSignatureFrom(other.X509) != nil {
		t.Error("SM-DP+ certificates of two CIs were mixed up")
	}
	var none *Issuer
	a, _ := none.NewCI(DefaultCIName, 7)
	b, _ := none.NewCI(DefaultCIName, 7)
	if a == b || none.Len() != 0 {
		t.Error("a nil Issuer remembered")
	}
}

// GeneratePKI through an Issuer gives the PKI GeneratePKI gives, sharing
// its certificates with the next call.
func TestIssuerGeneratePKI(t *testing.T) {
	is := NewIssuer(64)
	cfg := PKIConfig{Seed: 3, EIDs: []string{"89049032000001000000000000000171"}, SMDPs: map[string]string{"sfr": "smdp.sfr.test"}}
	p1, err := is.GeneratePKI(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := is.GeneratePKI(cfg)
	plain, _ := GeneratePKI(cfg)
	if p1.SMDP["sfr"].TLS != p2.SMDP["sfr"].TLS || p1.CI != p2.CI {
		t.Error("the second PKI was issued anew")
	}
	if !bytes.Equal(p1.SMDP["sfr"].PB.X509.RawTBSCertificate, plain.SMDP["sfr"].PB.X509.RawTBSCertificate) {
		t.Error("a remembered PKI differs from a fresh one")
	}
	if _, _, err := VerifyEUICC(p1.CI.X509, p1.EUM.DER, p1.EUICC[cfg.EIDs[0]].DER, ValidFrom.AddDate(1, 0, 0)); err != nil {
		t.Errorf("remembered chain: %v", err)
	}
}
