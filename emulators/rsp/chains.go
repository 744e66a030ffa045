package rsp

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"sync"
	"time"
)

// Chains remembers the eUICC chains VerifyEUICC accepted in this process:
// every emulated platform and SM-DP+ asks it. A card presents the same two
// certificates with every platform request, every authenticateClient and
// every notification, and checking their signatures again was 4 % of an
// exploration case's CPU; the answer depends on nothing but the three
// certificates and the time, so servers (of any rig in the process) share
// it the way a platform's nodes would share a verified-chain cache.
var Chains = NewChainCache(VerifyEUICC)

// maxCachedChains bounds a ChainCache (one entry per card); past it the
// cache starts over.
const maxCachedChains = 1 << 18

// ChainCache remembers chains that verified. An entry answers only while
// the CI, EUM and eUICC certificates are all valid at the time asked; a
// chain that failed is checked again every time, so a refusal always
// comes from the check itself with its typed error (ErrUnknownCI, ...).
type ChainCache struct {
	verify func(ci *x509.Certificate, eumDER, euiccDER []byte, now time.Time) (string, *ecdsa.PublicKey, error)
	mu     sync.Mutex
	m      map[[32]byte]chainEntry
}

type chainEntry struct {
	eid         string
	pub         *ecdsa.PublicKey
	from, until time.Time
}

// NewChainCache remembers what verify (VerifyEUICC's shape) accepts.
func NewChainCache(verify func(ci *x509.Certificate, eumDER, euiccDER []byte, now time.Time) (string, *ecdsa.PublicKey, error)) *ChainCache {
	return &ChainCache{verify: verify, m: map[[32]byte]chainEntry{}}
}

// VerifyEUICC is VerifyEUICC, answered from the cache when the chain
// verified before.
func (c *ChainCache) VerifyEUICC(ci *x509.Certificate, eumDER, euiccDER []byte, now time.Time) (string, *ecdsa.PublicKey, error) {
	if ci == nil {
		return c.verify(ci, eumDER, euiccDER, now)
	}
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
	e = chainEntry{eid: eid, pub: pub, from: ci.NotBefore, until: ci.NotAfter}
	for _, x := range []*x509.Certificate{eum, leaf} {
		if x.NotBefore.After(e.from) {
			e.from = x.NotBefore
		}
		if x.NotAfter.Before(e.until) {
			e.until = x.NotAfter
		}
	}
	c.mu.Lock()
	if len(c.m) >= maxCachedChains {
		c.m = map[[32]byte]chainEntry{}
	}
	c.m[key] = e
	c.mu.Unlock()
	return eid, pub, nil
}
