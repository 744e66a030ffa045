package rsp

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	"github.com/esimhil/esimhil/internal/ident"
)

// Typed certificate-check failures (SGP.22 §5.6 maps them to subject/reason
// codes: unknown CI → 8.11.1/3.9, expired → x/6.3, EID range → 8.1.3 ...).
var (
	ErrUnknownCI     = errors.New("certificate chain does not lead to a known CI")
	ErrExpired       = errors.New("certificate expired or not yet valid")
	ErrEIDOutOfRange = errors.New("EID outside the EUM's permitted range")
	ErrBadChain      = errors.New("invalid certificate chain")
)

// VerifyEUICC checks the chain ci → EUM → eUICC at now (never the wall
// clock): signatures, validity, CA flags and path length, key usages, the
// RSP role policies, and that the EID (the eUICC subject serialNumber) lies
// in the EUM's permitted range (SGP.22 §5.6.2 authenticateClient checks).
// It returns the EID and the eUICC public key for verifying euiccSignature1.
func VerifyEUICC(ci *x509.Certificate, eumDER, euiccDER []byte, now time.Time) (string, *ecdsa.PublicKey, error) {
	if ci == nil {
		return "", nil, fmt.Errorf("verify eUICC: no CI: %w", ErrUnknownCI)
	}
	eum, err := x509.ParseCertificate(eumDER)
	if err != nil {
		return "", nil, fmt.Errorf("verify eUICC: EUM certificate: %v: %w", err, ErrBadChain)
	}
	leaf, err := x509.ParseCertificate(euiccDER)
	if err != nil {
		return "", nil, fmt.Errorf("verify eUICC: eUICC certificate: %v: %w", err, ErrBadChain)
	}
	if !eum.IsCA || !hasPolicy(eum, OIDRoleEUM) || eum.KeyUsage&x509.KeyUsageCertSign == 0 {
		return "", nil, fmt.Errorf("verify eUICC: EUM certificate is not an EUM CA: %w", ErrBadChain)
	}
	if leaf.IsCA || !hasPolicy(leaf, OIDRoleEUICC) || leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return "", nil, fmt.Errorf("verify eUICC: not an eUICC certificate: %w", ErrBadChain)
	}
	if err := verifyChain(ci, []*x509.Certificate{eum}, leaf, now, x509.ExtKeyUsageAny); err != nil {
		return "", nil, fmt.Errorf("verify eUICC: %w", err)
	}
	pub, err := p256Key(leaf)
	if err != nil {
		return "", nil, fmt.Errorf("verify eUICC: %w", err)
	}
	eid := leaf.Subject.SerialNumber
	if !ident.IsEID(eid) {
		return "", nil, fmt.Errorf("verify eUICC: subject serialNumber %q is not an EID: %w", eid, ErrBadChain)
	}
	lo, hi, err := EIDRangeOf(eum)
	if err != nil {
		return "", nil, fmt.Errorf("verify eUICC: %w", err)
	}
	if eid < lo || eid > hi { // equal-length digit strings compare numerically
		return "", nil, fmt.Errorf("verify eUICC: EID %s not in %s..%s: %w", eid, lo, hi, ErrEIDOutOfRange)
	}
	return eid, pub, nil
}

// VerifySMDP checks one SM-DP+ certificate against ci at now and that it
// carries role's policy (and serverAuth for TLS).
func VerifySMDP(ci *x509.Certificate, der []byte, role Role, now time.Time) (*x509.Certificate, error) {
	if ci == nil {
		return nil, fmt.Errorf("verify SM-DP+ %s: no CI: %w", role, ErrUnknownCI)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("verify SM-DP+ %s: %v: %w", role, err, ErrBadChain)
	}
	want, eku := OIDRoleDPAuth, x509.ExtKeyUsageAny
	switch role {
	case RolePB:
		want = OIDRoleDPPB
	case RoleTLS:
		want, eku = OIDRoleDPTLS, x509.ExtKeyUsageServerAuth
	case RoleAuth:
	default:
		return nil, fmt.Errorf("verify SM-DP+: unknown %s: %w", role, ErrBadChain)
	}
	if c.IsCA || !hasPolicy(c, want) || c.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return nil, fmt.Errorf("verify SM-DP+ %s: wrong role or key usage: %w", role, ErrBadChain)
	}
	if err := verifyChain(ci, nil, c, now, eku); err != nil {
		return nil, fmt.Errorf("verify SM-DP+ %s: %w", role, err)
	}
	if _, err := p256Key(c); err != nil {
		return nil, fmt.Errorf("verify SM-DP+ %s: %w", role, err)
	}
	return c, nil
}

// EIDRangeOf reads the permitted EID range extension (OIDEIDRange) of an
// EUM certificate.
func EIDRangeOf(eum *x509.Certificate) (lo, hi string, err error) {
	for _, e := range eum.Extensions {
		if !e.Id.Equal(OIDEIDRange) {
			continue
		}
		var r eidRange
		rest, err := asn1.Unmarshal(e.Value, &r)
		if err != nil || len(rest) != 0 || !ident.IsEID(r.First) || !ident.IsEID(r.Last) {
			return "", "", fmt.Errorf("EUM EID range extension malformed: %w", ErrBadChain)
		}
		return r.First, r.Last, nil
	}
	return "", "", fmt.Errorf("EUM certificate has no EID range: %w", ErrBadChain)
}

func verifyChain(ci *x509.Certificate, inter []*x509.Certificate, leaf *x509.Certificate, now time.Time, eku x509.ExtKeyUsage) error {
	roots := x509.NewCertPool()
	roots.AddCert(ci)
	ip := x509.NewCertPool()
	for _, c := range inter {
		ip.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: ip,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{eku},
	})
	if err == nil {
		return nil
	}
	var ua x509.UnknownAuthorityError
	var ci2 x509.CertificateInvalidError
	switch {
	case errors.As(err, &ua):
		return fmt.Errorf("%v: %w", err, ErrUnknownCI)
	case errors.As(err, &ci2) && ci2.Reason == x509.Expired:
		return fmt.Errorf("%v: %w", err, ErrExpired)
	}
	return fmt.Errorf("%v: %w", err, ErrBadChain)
}

func hasPolicy(c *x509.Certificate, oid asn1.ObjectIdentifier) bool {
	want := mustOID(oid)
	for _, p := range c.Policies {
		if p.Equal(want) {
			return true
		}
	}
	for _, p := range c.PolicyIdentifiers {
		if p.Equal(oid) {
			return true
		}
	}
	return false
}

func p256Key(c *x509.Certificate) (*ecdsa.PublicKey, error) {
	pub, ok := c.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, fmt.Errorf("certificate key is not ECDSA P-256: %w", ErrBadChain)
	}
	return pub, nil
}

// sameTBS reports whether two certificates differ at most in their signature.
func sameTBS(a, b *x509.Certificate) bool {
	return a != nil && b != nil && bytes.Equal(a.RawTBSCertificate, b.RawTBSCertificate)
}
