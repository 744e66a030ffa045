package rsp

import (
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"sync"
)

// SeededRandom is a reader of bytes that follow from seed and label alone
// (ChaCha8 keyed with SHA-256 of both), safe for concurrent use. The
// emulated card and SM-DP+ draw their challenges, transaction ids and
// one-time keys from it, so that a run and its seed give the same bytes
// wherever the host reads them (a replay's at.log holds the card's
// challenge and one-time key) — a test tool's reproducibility, not a
// card's secrecy: the seed is in the event log.
func SeededRandom(seed int64, label string) io.Reader {
	key := sha256.Sum256(fmt.Appendf(nil, "esimhil seeded random v1\x00%d\x00%s", seed, label))
	return &lockedReader{r: mrand.NewChaCha8(key)}
}

type lockedReader struct {
	mu sync.Mutex
	r  *mrand.ChaCha8
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}

// readRandom fills b from r, or from crypto/rand when r is nil.
func readRandom(r io.Reader, b []byte) error {
	if r == nil {
		r = rand.Reader
	}
	_, err := io.ReadFull(r, b)
	return err
}

// Nonce fills b from r (crypto/rand when r is nil): a challenge, a
// transaction id.
func Nonce(r io.Reader, b []byte) error {
	if err := readRandom(r, b); err != nil {
		return fmt.Errorf("rsp: nonce: %w", err)
	}
	return nil
}

// NewOneTimeKey makes an ephemeral ECKA key pair on P-256 (SGP.22 §2.6.5)
// from r, or from crypto/rand when r is nil. crypto/ecdh's own generator
// takes no source since Go 1.26, so a seeded key is made of 32 bytes
// read from r that form a valid scalar.
func NewOneTimeKey(r io.Reader) (*ecdh.PrivateKey, error) {
	if r == nil {
		k, err := ecdh.P256().GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("rsp: one-time key: %w", err)
		}
		return k, nil
	}
	var b [32]byte
	for range 64 { // a draw fails with probability 2^-32
		if err := readRandom(r, b[:]); err != nil {
			return nil, fmt.Errorf("rsp: one-time key: %w", err)
		}
		if k, err := ecdh.P256().NewPrivateKey(b[:]); err == nil {
			return k, nil
		}
	}
	return nil, fmt.Errorf("rsp: one-time key: no valid scalar from the source")
}
