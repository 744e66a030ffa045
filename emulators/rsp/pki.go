package rsp

// The test PKI of SGP.22 §4.5 (certificate hierarchy), all ECDSA P-256 with
// SHA-256 and clearly test-only (subject O = "esimhil TEST ONLY"):
//
//	CI (root) ─┬─ EUM (CA, pathlen 0, permitted EIDs) ── eUICC (serialNumber = EID)
//	           └─ per SM-DP+: CERT.DPauth.ECDSA, CERT.DPpb.ECDSA, CERT.DP.TLS
//
// Each certificate follows the profile SGP.22 §4.5.2 gives and the GSMA test
// certificates of SGP.26 carry: the RSP role in a critical certificate
// policy; critical key usage; basicConstraints on the CI and EUM only; the
// CI, EUM and SM-DP+ named by a subjectAltName registeredID (test OIDs
// under 2.999, the example arc);
// CRL distribution points on every certificate a CRL can revoke (all but
// the eUICC's); critical extended key usage on the TLS certificate; and the
// EUM's permitted EIDs as a list of EID prefixes in the GSMA extension
// permittedEins (2.23.146.1.2.2.0). SGP.22 v2 wrote that restriction as a
// critical nameConstraints directoryName whose serialNumber is an EID
// prefix, which RFC 5280 path validation (OpenSSL's too) refuses because a
// directoryName constraint is not a string prefix; the v3 extension keeps
// the chain valid for every X.509 library, and VerifyEUICC reads both.
//
// Keys are derived deterministically from (seed, name), so the same seed
// always gives the same key pairs, subject key identifiers and certificate
// contents. The certificate signatures themselves are NOT reproducible: Go
// 1.26 always randomises ECDSA signing, whatever reader is passed. Write keeps
// an existing file when its to-be-signed part and key are unchanged, so a
// regeneration with the same seed leaves the fixture files byte-identical.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"fmt"
	"math/big"
	"sort"
	"time"

	"github.com/esimhil/esimhil/internal/ident"
)

// Cert is a certificate with its DER form and, when known, its private key.
type Cert struct {
	X509 *x509.Certificate
	DER  []byte
	Key  *ecdsa.PrivateKey // nil if unknown
}

// SMDPCerts are the three certificates of one operator's SM-DP+.
type SMDPCerts struct {
	Host          string
	Auth, PB, TLS *Cert
}

// PKIConfig says what GeneratePKI issues.
type PKIConfig struct {
	Seed  int64
	EIDs  []string
	SMDPs map[string]string // operator id → SM-DP+ TLS host name
	// EIDPrefixes are the EID prefixes the EUM may issue; nil means
	// DefaultEIDPrefixes.
	EIDPrefixes []string
}

// PKI is a generated or loaded test PKI.
type PKI struct {
	CI, EUM *Cert
	EUICC   map[string]*Cert      // by EID
	SMDP    map[string]*SMDPCerts // by operator id
}

// Role is an SM-DP+ certificate's role (SGP.22 §4.5.2.1.0).
type Role int

// The SM-DP+ certificate roles.
const (
	RoleAuth Role = iota // CERT.DPauth.ECDSA: signs serverSigned1
	RolePB               // CERT.DPpb.ECDSA: signs smdpSigned2 and the BPP
	RoleTLS              // CERT.DP.TLS: the ES9+ HTTPS server certificate
)

func (r Role) String() string {
	switch r {
	case RoleAuth:
		return "auth"
	case RolePB:
		return "pb"
	case RoleTLS:
		return "tls"
	}
	return fmt.Sprintf("role(%d)", int(r))
}

// Certificate policy OIDs naming the RSP role of each certificate (SGP.22
// Annex H: id-rspRole = 2.23.146.1.2.1).
var (
	OIDRoleCI     = asn1.ObjectIdentifier{2, 23, 146, 1, 2, 1, 0}
	OIDRoleEUICC  = asn1.ObjectIdentifier{2, 23, 146, 1, 2, 1, 1}
	OIDRoleEUM    = asn1.ObjectIdentifier{2, 23, 146, 1, 2, 1, 2}
	OIDRoleDPTLS  = asn1.ObjectIdentifier{2, 23, 146, 1, 2, 1, 3}
	OIDRoleDPAuth = asn1.ObjectIdentifier{2, 23, 146, 1, 2, 1, 4}
	OIDRoleDPPB   = asn1.ObjectIdentifier{2, 23, 146, 1, 2, 1, 5}
)

// Extension OIDs of the RSP certificates.
var (
	// OIDPermittedEins is the GSMA EUM extension listing permitted EID
	// prefixes: PermittedEins ::= SEQUENCE OF PrintableString.
	OIDPermittedEins   = asn1.ObjectIdentifier{2, 23, 146, 1, 2, 2, 0}
	oidSubjectAltName  = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidCertPolicies    = asn1.ObjectIdentifier{2, 5, 29, 32}
	oidExtKeyUsage     = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidNameConstraints = asn1.ObjectIdentifier{2, 5, 29, 30}
	oidServerAuth      = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 1}
	oidClientAuth      = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 2}
	oidSerialNumber    = asn1.ObjectIdentifier{2, 5, 4, 5}
)

// Test identities (subjectAltName registeredID), under 2.999, the arc ITU-T
// X.660 reserves for examples, as SGP.26 does for its test CI (2.999.1),
// EUM (2.999.5) and SM-DP+ (2.999.10).
var (
	OIDTestCI  = asn1.ObjectIdentifier{2, 999, 1}
	OIDTestEUM = asn1.ObjectIdentifier{2, 999, 5}
)

// SMDPOID is the test SM-DP+ identity of an operator: 2.999.10.<n>, n the
// first 16 bits of SHA-256 over the operator id, so that it never depends
// on which other operators a scenario has.
func SMDPOID(operator string) asn1.ObjectIdentifier {
	h := sha256.Sum256([]byte(operator))
	return asn1.ObjectIdentifier{2, 999, 10, int(binary.BigEndian.Uint16(h[:2]))}
}

// CRL distribution points of the test CI (one per CRL part, as SGP.26).
var crlPoints = []string{"http://ci.esimhil.test/CRL-A.crl", "http://ci.esimhil.test/CRL-B.crl"}

// TestOrganization is the subject O of every test certificate.
const TestOrganization = "esimhil TEST ONLY"

// Default validity of the test certificates; the virtual clock starts at
// 2026-01-01, inside it.
var (
	ValidFrom  = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ValidUntil = time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC)
)

// EUICCValidUntil is the eUICC certificate's notAfter: RFC 5280
// §4.1.2.5's GeneralizedTime 99991231235959Z, no well-defined expiration
// date, as a certificate burnt into a card for its life has (SGP.26's
// test eUICC certificate runs 2,000,000 days for the same reason). An
// SM-DP+ checks it at authenticateClient; a card outliving 2036 must not
// fail there.
var EUICCValidUntil = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// DefaultEIDPrefixes is what the EUM may issue when PKIConfig names no
// prefix: every EID of country 049 and issuer 032 (SGP.29 §2.2).
var DefaultEIDPrefixes = []string{"89049032"}

// DefaultCIName is the common name of the CI that GeneratePKI creates.
const DefaultCIName = "esimhil TEST CI"

// GeneratePKI issues a whole test PKI from cfg. Keys are deterministic in
// cfg.Seed; signatures are random (see the package comment of this file).
func GeneratePKI(cfg PKIConfig) (*PKI, error) { return (*Issuer)(nil).GeneratePKI(cfg) }

// GeneratePKI is the package's GeneratePKI with every certificate
// remembered.
func (is *Issuer) GeneratePKI(cfg PKIConfig) (*PKI, error) {
	ci, err := is.NewCI(DefaultCIName, cfg.Seed)
	if err != nil {
		return nil, err
	}
	prefixes := cfg.EIDPrefixes
	if prefixes == nil {
		prefixes = DefaultEIDPrefixes
	}
	eum, err := is.NewEUM(ci, cfg.Seed, prefixes...)
	if err != nil {
		return nil, err
	}
	p := &PKI{CI: ci, EUM: eum, EUICC: map[string]*Cert{}, SMDP: map[string]*SMDPCerts{}}
	for _, eid := range cfg.EIDs {
		c, err := is.IssueEUICC(eum, eid, cfg.Seed)
		if err != nil {
			return nil, err
		}
		p.EUICC[eid] = c
	}
	ops := make([]string, 0, len(cfg.SMDPs))
	for op := range cfg.SMDPs {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		host := cfg.SMDPs[op]
		s := &SMDPCerts{Host: host}
		for _, r := range []Role{RoleAuth, RolePB, RoleTLS} {
			c, err := is.IssueSMDP(ci, op, host, r, cfg.Seed, ValidFrom, ValidUntil)
			if err != nil {
				return nil, err
			}
			switch r {
			case RoleAuth:
				s.Auth = c
			case RolePB:
				s.PB = c
			case RoleTLS:
				s.TLS = c
			}
		}
		p.SMDP[op] = s
	}
	return p, nil
}

// NewCI makes a self-signed test CI; another name gives another key, e.g. the
// rogue CI of the "unknown CI" faults.
func NewCI(name string, seed int64) (*Cert, error) { return newCI(name, seed) }

func newCI(name string, seed int64) (*Cert, error) {
	key, err := deriveKey(seed, "ci/"+name)
	if err != nil {
		return nil, err
	}
	tmpl := baseTemplate(seed, "ci/"+name, name, &key.PublicKey, ValidFrom, ValidUntil)
	tmpl.IsCA = true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	tmpl.CRLDistributionPoints = crlPoints
	if err := rspExtensions(tmpl, OIDRoleCI, OIDTestCI); err != nil {
		return nil, err
	}
	return issue(tmpl, tmpl, key, key)
}

// NewEUM makes the EUM certificate under ci, permitted to issue the EIDs
// that start with one of prefixes (at least one, 1 to 32 digits each).
func NewEUM(ci *Cert, seed int64, prefixes ...string) (*Cert, error) {
	return newEUM(ci, seed, prefixes...)
}

func newEUM(ci *Cert, seed int64, prefixes ...string) (*Cert, error) {
	if ci == nil || ci.Key == nil {
		return nil, fmt.Errorf("new EUM: the CI's key is needed")
	}
	if len(prefixes) == 0 {
		return nil, fmt.Errorf("new EUM: no permitted EID prefix")
	}
	for _, p := range prefixes {
		if !ident.Digits(p, 1, 32) {
			return nil, fmt.Errorf("new EUM: EID prefix %q", p)
		}
	}
	eins, err := asn1.Marshal(prefixes) // SEQUENCE OF PrintableString
	if err != nil {
		return nil, fmt.Errorf("new EUM: encode permitted EIDs: %w", err)
	}
	name := "eum/" + ci.X509.Subject.CommonName
	key, err := deriveKey(seed, name)
	if err != nil {
		return nil, err
	}
	tmpl := baseTemplate(seed, name, "esimhil TEST EUM", &key.PublicKey, ValidFrom, ValidUntil)
	tmpl.IsCA = true
	tmpl.MaxPathLen = 0
	tmpl.MaxPathLenZero = true
	tmpl.KeyUsage = x509.KeyUsageCertSign
	tmpl.CRLDistributionPoints = crlPoints[1:]
	if err := rspExtensions(tmpl, OIDRoleEUM, OIDTestEUM); err != nil {
		return nil, err
	}
	tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: OIDPermittedEins, Value: eins})
	return issue(tmpl, ci.X509, key, ci.Key)
}

// IssueEUICC makes the eUICC certificate of eid under eum; the EID is the
// subject serialNumber (SGP.22 §4.5.2.1.0.2).
func IssueEUICC(eum *Cert, eid string, seed int64) (*Cert, error) {
	return issueEUICC(eum, eid, seed)
}

func issueEUICC(eum *Cert, eid string, seed int64) (*Cert, error) {
	if eum == nil || eum.Key == nil {
		return nil, fmt.Errorf("issue eUICC %s: the EUM's key is needed", eid)
	}
	if !ident.IsEID(eid) {
		return nil, fmt.Errorf("issue eUICC: %q is not an EID (32 digits with MOD 97-10 check digits)", eid)
	}
	key, err := deriveKey(seed, "euicc/"+eid)
	if err != nil {
		return nil, err
	}
	tmpl := baseTemplate(seed, "euicc/"+eid, "esimhil TEST eUICC", &key.PublicKey, ValidFrom, EUICCValidUntil)
	tmpl.Subject.SerialNumber = eid
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	if err := rspExtensions(tmpl, OIDRoleEUICC, nil); err != nil {
		return nil, err
	}
	return issue(tmpl, eum.X509, key, eum.Key)
}

// IssueSMDP makes one SM-DP+ certificate of operator under ci. The TLS
// certificate names host as its DNS subject alternative name.
func IssueSMDP(ci *Cert, operator, host string, role Role, seed int64, notBefore, notAfter time.Time) (*Cert, error) {
	return issueSMDP(ci, operator, host, role, seed, notBefore, notAfter)
}

func issueSMDP(ci *Cert, operator, host string, role Role, seed int64, notBefore, notAfter time.Time) (*Cert, error) {
	if ci == nil || ci.Key == nil {
		return nil, fmt.Errorf("issue SM-DP+ %s %s: the CI's key is needed", operator, role)
	}
	if operator == "" || host == "" {
		return nil, fmt.Errorf("issue SM-DP+ certificate: operator and host are needed")
	}
	name := "smdp/" + operator + "/" + role.String()
	key, err := deriveKey(seed, name)
	if err != nil {
		return nil, err
	}
	tmpl := baseTemplate(seed, name, "esimhil TEST SM-DP+ "+operator, &key.PublicKey, notBefore, notAfter)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.CRLDistributionPoints = crlPoints[:1]
	var err2 error
	switch role {
	case RoleAuth:
		err2 = rspExtensions(tmpl, OIDRoleDPAuth, SMDPOID(operator))
	case RolePB:
		err2 = rspExtensions(tmpl, OIDRoleDPPB, SMDPOID(operator))
	case RoleTLS:
		tmpl.Subject.CommonName = host
		err2 = rspExtensions(tmpl, OIDRoleDPTLS, SMDPOID(operator), host)
		if err2 == nil {
			var eku []byte
			if eku, err2 = asn1.Marshal([]asn1.ObjectIdentifier{oidServerAuth, oidClientAuth}); err2 == nil {
				tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oidExtKeyUsage, Critical: true, Value: eku})
			}
		}
	default:
		return nil, fmt.Errorf("issue SM-DP+ certificate: unknown %s", role)
	}
	if err2 != nil {
		return nil, err2
	}
	return issue(tmpl, ci.X509, key, ci.Key)
}

// rspExtensions adds the certificate policy naming the RSP role and, when
// id is set, a subjectAltName holding the DNS names and the registeredID
// (SGP.22 §4.5.2.1.0). The policy is critical but on CERT.DP.TLS, as in
// SGP.26's test certificates: a TLS certificate goes to general-purpose
// TLS stacks, some of which (rustls' webpki) refuse any critical
// certificatePolicies.
func rspExtensions(tmpl *x509.Certificate, role, id asn1.ObjectIdentifier, dnsNames ...string) error {
	pol, err := asn1.Marshal([]struct{ Policy asn1.ObjectIdentifier }{{role}})
	if err != nil {
		return fmt.Errorf("encode certificate policy: %w", err)
	}
	tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oidCertPolicies, Critical: !role.Equal(OIDRoleDPTLS), Value: pol})
	if id == nil {
		return nil
	}
	var names []asn1.RawValue
	for _, d := range dnsNames {
		names = append(names, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 2, Bytes: []byte(d)})
	}
	oid, err := asn1.Marshal(id)
	if err != nil {
		return fmt.Errorf("encode registeredID: %w", err)
	}
	names = append(names, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 8, Bytes: oid[2:]})
	san, err := asn1.Marshal(names)
	if err != nil {
		return fmt.Errorf("encode subjectAltName: %w", err)
	}
	tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oidSubjectAltName, Value: san})
	return nil
}

// RegisteredID returns the contents of the registeredID in c's
// subjectAltName (the SM-DP+ OID SGP.22 puts in smdpOid), nil if none.
func RegisteredID(c *x509.Certificate) []byte {
	if c == nil {
		return nil
	}
	for _, e := range c.Extensions {
		if !e.Id.Equal(oidSubjectAltName) {
			continue
		}
		var names []asn1.RawValue
		if rest, err := asn1.Unmarshal(e.Value, &names); err != nil || len(rest) != 0 {
			return nil
		}
		for _, n := range names {
			if n.Class == asn1.ClassContextSpecific && n.Tag == 8 {
				return append([]byte(nil), n.Bytes...)
			}
		}
	}
	return nil
}

// SubjectKeyID returns the certificate's subject key identifier, computed as
// RFC 5280 §4.2.1.2 method 1 when the extension is absent. SGP.22 names CIs
// by it (euiccCiPKId).
func SubjectKeyID(c *x509.Certificate) []byte {
	if c == nil {
		return nil
	}
	if len(c.SubjectKeyId) > 0 {
		return c.SubjectKeyId
	}
	pub, ok := c.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return nil
	}
	return keyID(pub)
}

// deriveKey turns (seed, name) into a P-256 private key: SHA-256 over a
// domain label, the seed and the name (and a counter, in the rare case the
// digest is not a valid scalar).
func deriveKey(seed int64, name string) (*ecdsa.PrivateKey, error) {
	for ctr := uint32(0); ctr < 16; ctr++ {
		h := sha256.New()
		h.Write([]byte("esimhil test PKI key v1\x00"))
		var b [12]byte
		binary.BigEndian.PutUint64(b[:8], uint64(seed))
		binary.BigEndian.PutUint32(b[8:], ctr)
		h.Write(b[:])
		h.Write([]byte(name))
		if k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), h.Sum(nil)); err == nil {
			return k, nil
		}
	}
	return nil, fmt.Errorf("derive key %q: no valid scalar", name)
}

func baseTemplate(seed int64, name, cn string, pub *ecdsa.PublicKey, nb, na time.Time) *x509.Certificate {
	h := sha256.Sum256(fmt.Appendf(nil, "esimhil test PKI serial v1\x00%d\x00%s", seed, name))
	h[0] &= 0x7f // positive, at most 20 octets (RFC 5280 §4.1.2.2)
	return &x509.Certificate{
		SerialNumber:       new(big.Int).SetBytes(h[:16]),
		Subject:            pkix.Name{CommonName: cn, Organization: []string{TestOrganization}},
		NotBefore:          nb,
		NotAfter:           na,
		SubjectKeyId:       keyID(pub),
		SignatureAlgorithm: x509.ECDSAWithSHA256,
	}
}

// issue signs tmpl with signer under parent; key is the subject's own key.
func issue(tmpl, parent *x509.Certificate, key, signer *ecdsa.PrivateKey) (*Cert, error) {
	// basicConstraints on the CAs only: SGP.22 §4.5.2.1.0's end-entity
	// profiles (eUICC, SM-DP+ auth, binding, TLS) have none, nor have
	// SGP.26's certificates, and a verifier that knows no more than its
	// profile refuses a critical extension it does not expect.
	tmpl.BasicConstraintsValid = tmpl.IsCA
	// Deterministic signatures: the keys and serials follow from the
	// seed, and so, byte for byte, does every certificate.
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, Deterministic{signer})
	if err != nil {
		return nil, fmt.Errorf("issue %q: %w", tmpl.Subject.CommonName, err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("issue %q: parse: %w", tmpl.Subject.CommonName, err)
	}
	return &Cert{X509: c, DER: der, Key: key}, nil
}

// keyID is SHA-1 over the subjectPublicKey bits (RFC 5280 §4.2.1.2 method 1).
func keyID(pub *ecdsa.PublicKey) []byte {
	raw, err := pub.Bytes()
	if err != nil {
		return nil
	}
	h := sha1.Sum(raw)
	return h[:]
}

func mustOID(o asn1.ObjectIdentifier) x509.OID {
	ints := make([]uint64, len(o))
	for i, v := range o {
		ints[i] = uint64(v)
	}
	x, err := x509.OIDFromInts(ints)
	if err != nil {
		panic(err) // only called on the constants above
	}
	return x
}
