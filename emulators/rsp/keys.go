package rsp

// Session keys for the bound profile package (SGP.22 §2.6.7 and §5.5.x
// "Key Derivation", GlobalPlatform Amendment F): an ECKA (ECDH) key
// agreement between the one-time keys otSK.EUICC.ECKA and otSK.DP.ECKA gives
// ShS, the x-coordinate of the shared point; the ANSI X9.63 KDF with SHA-256
// stretches it into the initial MAC chaining value, S-ENC and S-MAC.

import (
	"crypto/ecdh"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/esimhil/esimhil/internal/proto/es10"
)

// SessionKeys are the SCP03t keys of one download session, 16 bytes each.
type SessionKeys struct{ MCV, ENC, MAC []byte }

// X963KDF is the ANSI X9.63 key derivation function with SHA-256:
// K = H(Z ‖ 00000001 ‖ info) ‖ H(Z ‖ 00000002 ‖ info) ‖ ..., truncated.
func X963KDF(z, info []byte, n int) []byte {
	out := make([]byte, 0, n+sha256.Size)
	var ctr [4]byte
	for i := uint32(1); len(out) < n; i++ {
		binary.BigEndian.PutUint32(ctr[:], i)
		h := sha256.New()
		h.Write(z)
		h.Write(ctr[:])
		h.Write(info)
		out = h.Sum(out)
	}
	return out[:n]
}

// SharedInfo is the KDF shared info of SGP.22 §5.5: keyType ‖ keyLength ‖
// L(hostID) ‖ hostID ‖ L(EID) ‖ EID, where EID is its 16 BCD bytes.
func SharedInfo(hostID, eid []byte) []byte {
	b := []byte{es10.KeyTypeAES, es10.KeyLenAES128, byte(len(hostID))}
	b = append(b, hostID...)
	b = append(b, byte(len(eid)))
	return append(b, eid...)
}

// DeriveSessionKeys derives the 48 bytes of key material from ShS and
// splits it: initial MAC chaining value, S-ENC, S-MAC.
func DeriveSessionKeys(shs, hostID, eid []byte) SessionKeys {
	k := X963KDF(shs, SharedInfo(hostID, eid), 3*es10.KeyLenAES128)
	return SessionKeys{MCV: k[:16:16], ENC: k[16:32:32], MAC: k[32:48:48]}
}

// SharedSecret returns ShS for our private key and the peer's uncompressed
// public point (5F49 contents, 65 bytes).
func SharedSecret(priv *ecdh.PrivateKey, peer []byte) ([]byte, error) {
	pub, err := ecdh.P256().NewPublicKey(peer)
	if err != nil {
		return nil, fmt.Errorf("rsp: peer one-time key: %w", err)
	}
	shs, err := priv.ECDH(pub)
	if err != nil {
		return nil, fmt.Errorf("rsp: ECDH: %w", err)
	}
	return shs, nil
}
