// Package rsp holds the cryptography both ends of GSMA SGP.22 remote SIM
// provisioning share: the test PKI (CI → EUM → eUICC, CI → SM-DP+) with its
// SGP.26-style certificate profiles, ECDSA P-256 signatures in the card's
// raw r‖s form, certificate-chain checks, session-key derivation, SCP03t
// protection, building a bound profile package (SM-DP+) and loading one
// (eUICC). The wire structures themselves are in internal/proto/es10 and
// internal/proto/saip, which host-side code reads too.
package rsp

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/esimhil/esimhil/internal/proto/es10"
)

// Sign hashes data with SHA-256 and signs it with key, returning r‖s.
// The signature is RFC 6979's deterministic one: the same key and data
// give the same bytes, so a run and its seed do too (a replay's at.log
// holds the card's signatures), and it verifies as any other.
func Sign(key *ecdsa.PrivateKey, data []byte) ([]byte, error) {
	h := sha256.Sum256(data)
	der, err := key.Sign(nil, h[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	var rs struct{ R, S *big.Int } // ECDSA-Sig-Value (RFC 5480 §2.2.3)
	if rest, err := asn1.Unmarshal(der, &rs); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("sign: the signature does not parse as ECDSA-Sig-Value: %v", err)
	}
	out := make([]byte, es10.SigLen)
	rs.R.FillBytes(out[:32])
	rs.S.FillBytes(out[32:])
	return out, nil
}

// Deterministic signs with RFC 6979's deterministic ECDSA whatever random
// source it is handed: certificates it issues (x509.CreateCertificate)
// are the same bytes for the same key and template.
type Deterministic struct{ *ecdsa.PrivateKey }

// Sign implements crypto.Signer.
func (d Deterministic) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return d.PrivateKey.Sign(nil, digest, opts)
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
