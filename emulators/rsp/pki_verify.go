package rsp

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/esimhil/esimhil/internal/ident"
)

// Typed certificate-check failures (SGP.22 §5.6.3 maps them to subject and
// reason codes: unknown CI → 8.11.1/3.9, expired → 6.3, the rest 6.1, under
// 8.1.2 when ErrEUMCert says the EUM's certificate is the one at fault and
// 8.1.3, the eUICC's, otherwise).
var (
	ErrUnknownCI     = errors.New("certificate chain does not lead to a known CI")
	ErrExpired       = errors.New("certificate expired or not yet valid")
	ErrEIDOutOfRange = errors.New("EID outside the EUM's permitted range")
	ErrBadChain      = errors.New("invalid certificate chain")
	ErrEUMCert       = errors.New("the EUM certificate")
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
		return "", nil, fmt.Errorf("verify eUICC: EUM certificate: %v: %w: %w", err, ErrEUMCert, ErrBadChain)
	}
	leaf, err := x509.ParseCertificate(euiccDER)
	if err != nil {
		return "", nil, fmt.Errorf("verify eUICC: eUICC certificate: %v: %w", err, ErrBadChain)
	}
	if !eum.IsCA || !hasPolicy(eum, OIDRoleEUM) || eum.KeyUsage&x509.KeyUsageCertSign == 0 {
		return "", nil, fmt.Errorf("verify eUICC: EUM certificate is not an EUM CA: %w: %w", ErrEUMCert, ErrBadChain)
	}
	if leaf.IsCA || !hasPolicy(leaf, OIDRoleEUICC) || leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return "", nil, fmt.Errorf("verify eUICC: not an eUICC certificate: %w", ErrBadChain)
	}
	prefixes, eum, err := permittedEIDs(eum)
	if err != nil {
		return "", nil, fmt.Errorf("verify eUICC: %w: %w", ErrEUMCert, err)
	}
	if err := verifyChain(ci, []*x509.Certificate{eum}, leaf, now, x509.ExtKeyUsageAny); err != nil {
		if c := failedCert(err); c != nil && c.Equal(eum) {
			return "", nil, fmt.Errorf("verify eUICC: %w: %w", ErrEUMCert, err)
		}
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
	if EIDPermitted(eid, prefixes) {
		return eid, pub, nil
	}
	return "", nil, fmt.Errorf("verify eUICC: EID %s starts with none of %v: %w", eid, prefixes, ErrEIDOutOfRange)
}

// VerifySMDP checks one SM-DP+ certificate against ci at now and that it
// carries role's policy (and serverAuth for TLS).
func VerifySMDP(ci *x509.Certificate, der []byte, role Role, now time.Time) (*x509.Certificate, error) {
	c, err := x509.ParseCertificate(der)
	return VerifySMDPCert(ci, c, err, role, now)
}

// VerifySMDPCert is VerifySMDP of a DER the caller has parsed already, c
// and parseErr being what x509.ParseCertificate returned (the card reads
// CERT.DPauth's name before it checks it), so the same DER is not parsed
// twice, a DER that does not parse included. A missing CI is said first,
// whatever the DER.
func VerifySMDPCert(ci, c *x509.Certificate, parseErr error, role Role, now time.Time) (*x509.Certificate, error) {
	if ci == nil {
		return nil, fmt.Errorf("verify SM-DP+ %s: no CI: %w", role, ErrUnknownCI)
	}
	if parseErr != nil {
		return nil, fmt.Errorf("verify SM-DP+ %s: %v: %w", role, parseErr, ErrBadChain)
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

// PermittedEIDs returns the EID prefixes an EUM certificate may issue: the
// permittedEins extension (SGP.22 v3, OIDPermittedEins), or the serialNumber
// attributes of the directoryName subtrees of a nameConstraints extension
// (SGP.22 v2, matched as prefixes).
func PermittedEIDs(eum *x509.Certificate) ([]string, error) {
	p, _, err := permittedEIDs(eum)
	return p, err
}

// permittedEIDs also returns eum ready for path validation: a v2
// nameConstraints the caller has now processed is taken off the list of
// unhandled critical extensions (crypto/x509 does not do directoryName
// constraints, and SGP.22's prefix rule is not RFC 5280's).
func permittedEIDs(eum *x509.Certificate) ([]string, *x509.Certificate, error) {
	for _, e := range eum.Extensions {
		switch {
		case e.Id.Equal(OIDPermittedEins):
			var list []string
			rest, err := asn1.Unmarshal(e.Value, &list)
			if err != nil || len(rest) != 0 || len(list) == 0 {
				return nil, nil, fmt.Errorf("EUM permittedEins malformed: %w", ErrBadChain)
			}
			for _, p := range list {
				if !ident.Digits(p, 1, 32) {
					return nil, nil, fmt.Errorf("EUM permittedEins: %q is not an EID prefix: %w", p, ErrBadChain)
				}
			}
			return list, eum, nil
		case e.Id.Equal(oidNameConstraints):
			list, err := nameConstraintEIDs(e.Value)
			if err != nil {
				return nil, nil, fmt.Errorf("EUM nameConstraints: %v: %w", err, ErrBadChain)
			}
			c := *eum
			c.UnhandledCriticalExtensions = nil
			for _, u := range eum.UnhandledCriticalExtensions {
				if !u.Equal(oidNameConstraints) {
					c.UnhandledCriticalExtensions = append(c.UnhandledCriticalExtensions, u)
				}
			}
			return list, &c, nil
		}
	}
	return nil, nil, fmt.Errorf("EUM certificate restricts no EIDs: %w", ErrBadChain)
}

// nameConstraintEIDs reads NameConstraints { permittedSubtrees [0]
// GeneralSubtrees } (RFC 5280 §4.2.1.10) and returns the serialNumber
// values of its directoryName [4] bases.
func nameConstraintEIDs(der []byte) ([]string, error) {
	var nc struct {
		Permitted []asn1.RawValue `asn1:"optional,tag:0"`
		Excluded  []asn1.RawValue `asn1:"optional,tag:1"`
	}
	if rest, err := asn1.Unmarshal(der, &nc); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("not a NameConstraints")
	}
	var out []string
	for _, st := range nc.Permitted {
		var sub struct{ Base asn1.RawValue }
		if _, err := asn1.Unmarshal(st.FullBytes, &sub); err != nil {
			return nil, err
		}
		if sub.Base.Class != asn1.ClassContextSpecific || sub.Base.Tag != 4 {
			continue
		}
		var rdns pkix.RDNSequence
		if rest, err := asn1.Unmarshal(sub.Base.Bytes, &rdns); err != nil || len(rest) != 0 {
			return nil, fmt.Errorf("directoryName malformed")
		}
		for _, rdn := range rdns {
			for _, atv := range rdn {
				if s, ok := atv.Value.(string); ok && atv.Type.Equal(oidSerialNumber) && ident.Digits(s, 1, 32) {
					out = append(out, s)
				}
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no serialNumber (EID prefix) in the permitted subtrees")
	}
	return out, nil
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
	case errors.As(err, &ua) && issuedByOneOf(ua.Cert, append([]*x509.Certificate{ci}, inter...)):
		// Its issuer is here, by key identifier, and did not sign it: a
		// broken signature, not an unknown CI.
		return fmt.Errorf("%w: %w", err, ErrBadChain)
	case errors.As(err, &ua):
		return fmt.Errorf("%w: %w", err, ErrUnknownCI)
	case errors.As(err, &ci2) && ci2.Reason == x509.Expired:
		return fmt.Errorf("%w: %w", err, ErrExpired)
	}
	return fmt.Errorf("%w: %w", err, ErrBadChain)
}

// issuedByOneOf reports whether c names one of issuers as its issuer:
// the same name and, when c has one, its authority key identifier.
func issuedByOneOf(c *x509.Certificate, issuers []*x509.Certificate) bool {
	if c == nil {
		return false
	}
	return slices.ContainsFunc(issuers, func(i *x509.Certificate) bool {
		return bytes.Equal(c.RawIssuer, i.RawSubject) && (len(c.AuthorityKeyId) == 0 || bytes.Equal(c.AuthorityKeyId, i.SubjectKeyId))
	})
}

// failedCert is the certificate crypto/x509 names in a chain failure: the
// one whose issuer did not verify, or the one not valid (nil: none named).
func failedCert(err error) *x509.Certificate {
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(err, &ua):
		return ua.Cert
	case errors.As(err, &ci):
		return ci.Cert
	}
	return nil
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

// ErrTLSKey is a TLS server certificate whose key an eUICC cannot use.
var ErrTLSKey = errors.New("TLS certificate key is not ECDSA on NIST P-256")

// CheckTLSKey is a card's check of the server certificate a handshake
// presented (crypto/tls's VerifyConnection): its key must be ECDSA on
// P-256, the curve SGP.22 §2.6.6 names for TLS (brainpoolP256r1, its
// other, Go lacks). A card's ClientHello offers only ecdsa_secp256r1_sha256
// signatures; Go's client offers more and cannot be told otherwise, so a
// P-384 or RSA server would complete a handshake a real card refuses.
func CheckTLSKey(cs tls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return fmt.Errorf("no server certificate: %w", ErrTLSKey)
	}
	leaf := cs.PeerCertificates[0]
	switch k := leaf.PublicKey.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return fmt.Errorf("server certificate %s has an ECDSA key on %s: %w", leaf.Subject, k.Curve.Params().Name, ErrTLSKey)
		}
	default:
		return fmt.Errorf("server certificate %s has a %s key: %w", leaf.Subject, leaf.PublicKeyAlgorithm, ErrTLSKey)
	}
	return nil
}

// EIDPermitted reports whether an EUM permitted to issue the EIDs
// starting with one of prefixes may have issued eid (SGP.22 §4.5.2.1.0.2:
// the EUM certificate's permitted EIDs).
func EIDPermitted(eid string, prefixes []string) bool {
	return slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(eid, p) })
}
