package platform

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"sync"
	"time"

	"github.com/esimhil/esimhil/emulators/rsp"
)

// verifyEUICC is the chain check the server uses: CI → EUM → eUICC at the
// platform's clock, key usage, and the EID inside the EUM's permitted range
// (SGP.22 §4.5.2.1); it returns the EID and the eUICC public key.
var verifyEUICC chainVerifier = rsp.VerifyEUICC

// maxCachedChains bounds the chain cache (one entry per card); past it the
// cache starts over.
const maxCachedChains = 1 << 18

// chainCache remembers chains that verified, as a platform serving a fleet
// does: a card presents the same two certificates with every request, and
// checking their signatures again is most of a request's cost. An entry
// holds only while both certificates are valid at the time asked, and a
// chain that failed is checked again every time.
type chainCache struct {
	verify chainVerifier
	mu     sync.Mutex
	m      map[[32]byte]chainEntry
}

type chainEntry struct {
	eid         string
	pub         *ecdsa.PublicKey
	from, until time.Time
}

func newChainCache(v chainVerifier) *chainCache {
	return &chainCache{verify: v, m: map[[32]byte]chainEntry{}}
}

func (c *chainCache) check(ci *x509.Certificate, eumDER, euiccDER []byte, now time.Time) (string, *ecdsa.PublicKey, error) {
	h := sha256.New()
	for _, b := range [][]byte{ci.Raw, eumDER, euiccDER} {
		var n [4]byte
		n[0], n[1], n[2], n[3] = byte(len(b)>>24), byte(len(b)>>16), byte(len(b)>>8), byte(len(b))
		h.Write(n[:])
		h.Write(b)
	}
	var key [32]byte
	h.Sum(key[:0])
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && !now.Before(e.from) && !now.After(e.until) {
		return e.eid, e.pub, nil
	}
	eid, pub, err := c.verify(ci, eumDER, euiccDER, now)
	if err != nil {
		return eid, pub, err
	}
	eum, err1 := x509.ParseCertificate(eumDER)
	leaf, err2 := x509.ParseCertificate(euiccDER)
	if err1 != nil || err2 != nil {
		return eid, pub, nil // verified, but not worth remembering
	}
	e = chainEntry{eid: eid, pub: pub, from: latest(eum.NotBefore, leaf.NotBefore), until: earliest(eum.NotAfter, leaf.NotAfter)}
	c.mu.Lock()
	if len(c.m) >= maxCachedChains {
		c.m = map[[32]byte]chainEntry{}
	}
	c.m[key] = e
	c.mu.Unlock()
	return eid, pub, nil
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
