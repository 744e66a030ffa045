// Package rsp holds what both ends of GSMA SGP.22 remote SIM provisioning
// share: the test PKI (CI → EUM → eUICC, CI → SM-DP+), ECDSA P-256 signatures
// in the card's raw r‖s form (tag 5F37), certificate-chain checks, and the
// ES9+/ES10b data structures, session-key derivation and bound profile
// package protection. The eUICC (emulators/euicc), the SM-DP+
// (emulators/smdp) and the platform (emulators/platform) all use it, so each
// structure is encoded once and decoded once.
package rsp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
)

// SigLen is the length of a raw P-256 signature r‖s (SGP.22 §2.6.5: each of
// r and s as a 32-byte big-endian integer).
const SigLen = 64

// TagSignature is the BER tag SGP.22 puts signatures under (5F37).
const TagSignature = 0x5F37

// Sign hashes data with SHA-256 and signs it with key, returning r‖s.
func Sign(key *ecdsa.PrivateKey, data []byte) ([]byte, error) {
	h := sha256.Sum256(data)
	r, s, err := ecdsa.Sign(rand.Reader, key, h[:])
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	out := make([]byte, SigLen)
	r.FillBytes(out[:32])
	s.FillBytes(out[32:])
	return out, nil
}

// ErrBadSignature is returned when a signature does not verify.
var ErrBadSignature = errors.New("signature does not verify")

// Verify checks a raw r‖s signature over SHA-256(data).
func Verify(pub *ecdsa.PublicKey, data, sig []byte) error {
	if pub == nil || pub.Curve != elliptic.P256() {
		return fmt.Errorf("verify: want a P-256 public key")
	}
	if len(sig) != SigLen {
		return fmt.Errorf("verify: signature is %d bytes, want %d: %w", len(sig), SigLen, ErrBadSignature)
	}
	h := sha256.Sum256(data)
	r := new(big.Int).SetBytes(sig[:32])
	s := new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(pub, h[:], r, s) {
		return ErrBadSignature
	}
	return nil
}
