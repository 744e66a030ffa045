package rsp

import (
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"
)

// An Issuer issues test certificates and remembers each by what it was
// issued from (kind, seed, names, the issuer's subject and key), so that a
// process building many rigs from one PKI seed — a suite, an exploration —
// signs each certificate once instead of once per rig. A remembered
// certificate has the same contents as a fresh one (keys and contents are
// functions of those inputs; only the signature bytes would differ) and is
// never changed after issue, so rigs can share it. It keeps at most max
// certificates, forgetting the oldest first. A nil *Issuer remembers
// nothing: the package-level functions are its methods on nil.
type Issuer struct {
	mu    sync.Mutex
	certs map[string]*Cert
	order []string
	max   int
}

// NewIssuer returns an Issuer remembering up to max certificates.
func NewIssuer(max int) *Issuer {
	return &Issuer{certs: map[string]*Cert{}, max: max}
}

// Len is how many certificates it remembers.
func (is *Issuer) Len() int {
	if is == nil {
		return 0
	}
	is.mu.Lock()
	defer is.mu.Unlock()
	return len(is.certs)
}

// cert returns the certificate remembered under key, or issues it with
// make. Two callers asking at once may both issue; the first kept wins.
func (is *Issuer) cert(key string, make func() (*Cert, error)) (*Cert, error) {
	if is == nil {
		return make()
	}
	is.mu.Lock()
	c, ok := is.certs[key]
	is.mu.Unlock()
	if ok {
		return c, nil
	}
	c, err := make()
	if err != nil {
		return nil, err
	}
	is.mu.Lock()
	defer is.mu.Unlock()
	if kept, ok := is.certs[key]; ok {
		return kept, nil
	}
	for len(is.order) >= max(is.max, 1) {
		delete(is.certs, is.order[0])
		is.order = is.order[1:]
	}
	is.certs[key] = c
	is.order = append(is.order, key)
	return c, nil
}

// issuerKey names a parent certificate in a memo key: its subject and its
// key, which is all a child's contents and signature depend on.
func issuerKey(parent *Cert) string {
	if parent == nil || parent.X509 == nil {
		return "-"
	}
	return hex.EncodeToString(parent.X509.RawSubject) + "/" + hex.EncodeToString(SubjectKeyID(parent.X509))
}

// NewCI is the package's NewCI, remembered.
func (is *Issuer) NewCI(name string, seed int64) (*Cert, error) {
	return is.cert(fmt.Sprintf("ci\x00%d\x00%s", seed, name), func() (*Cert, error) { return newCI(name, seed) })
}

// NewEUM is the package's NewEUM, remembered.
func (is *Issuer) NewEUM(ci *Cert, seed int64, prefixes ...string) (*Cert, error) {
	key := fmt.Sprintf("eum\x00%d\x00%s\x00%s", seed, issuerKey(ci), strings.Join(prefixes, ","))
	return is.cert(key, func() (*Cert, error) { return newEUM(ci, seed, prefixes...) })
}

// IssueEUICC is the package's IssueEUICC, remembered.
func (is *Issuer) IssueEUICC(eum *Cert, eid string, seed int64) (*Cert, error) {
	key := fmt.Sprintf("euicc\x00%d\x00%s\x00%s", seed, issuerKey(eum), eid)
	return is.cert(key, func() (*Cert, error) { return issueEUICC(eum, eid, seed) })
}

// IssueSMDP is the package's IssueSMDP, remembered.
func (is *Issuer) IssueSMDP(ci *Cert, operator, host string, role Role, seed int64, notBefore, notAfter time.Time) (*Cert, error) {
	key := fmt.Sprintf("smdp\x00%d\x00%s\x00%s\x00%s\x00%s\x00%d\x00%d", seed, issuerKey(ci), operator, host, role,
		notBefore.UnixNano(), notAfter.UnixNano())
	return is.cert(key, func() (*Cert, error) { return issueSMDP(ci, operator, host, role, seed, notBefore, notAfter) })
}
