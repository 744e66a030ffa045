// Package rsp holds the cryptography both ends of GSMA SGP.22 remote SIM
// provisioning share: the test PKI (CI → EUM → eUICC, CI → SM-DP+) with its
// SGP.26-style certificate profiles, ECDSA P-256 signatures in the card's
// raw r‖s form, certificate-chain checks, session-key derivation, SCP03t
// protection, building a bound profile package (SM-DP+) and loading one
// (eUICC). The wire structures themselves are in internal/proto/es10 and
// internal/proto/saip, which host-side code reads too.
package rsp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"

	"github.com/esimhil/esimhil/internal/proto/es10"
)

// Sign hashes data with SHA-256 and signs it with key, returning r‖s.
func Sign(key *ecdsa.PrivateKey, data []byte) ([]byte, error) {
	h := sha256.Sum256(data)
	r, s, err := ecdsa.Sign(rand.Reader, key, h[:])
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	out := make([]byte, es10.SigLen)
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
	if len(sig) != es10.SigLen {
		return fmt.Errorf("verify: signature is %d bytes, want %d: %w", len(sig), es10.SigLen, ErrBadSignature)
	}
	h := sha256.Sum256(data)
	r := new(big.Int).SetBytes(sig[:32])
	s := new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(pub, h[:], r, s) {
		return ErrBadSignature
	}
	return nil
}
