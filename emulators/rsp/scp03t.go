package rsp

// SCP03t segment protection of the bound profile package (SGP.22 §2.6.4,
// §5.5 and GlobalPlatform Amendment F): each protected TLV carries its
// (encrypted) data followed by an 8-byte C-MAC, the leftmost bytes of
// AES-CMAC(S-MAC, MCV ‖ tag ‖ length ‖ data) where length counts the MAC.
// The full 16-byte CMAC becomes the next MAC chaining value, so segments
// verify only in the order they were produced. Encrypted data is AES-CBC
// under S-ENC with 80 00.. padding and ICV = AES(S-ENC, counter), the
// 16-byte big-endian block counter starting at 1 and incremented for each
// encrypted segment.

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// MACLen is the length of the truncated C-MAC in each segment.
const MACLen = 8

// Errors from segment unwrapping; the loader maps them to errorReasons.
var (
	ErrSegmentMAC       = errors.New("rsp: segment MAC does not verify")    // scp03tSecurityError
	ErrSegmentStructure = errors.New("rsp: segment structure is malformed") // scp03tStructureError
)

// SCP03t holds the chaining state of one direction of one session.
type SCP03t struct {
	enc, mac cipher.Block
	mcv      []byte
	counter  uint64
}

// NewSCP03t starts a protection context with the given session keys.
func NewSCP03t(k SessionKeys) (*SCP03t, error) {
	enc, err := aes.NewCipher(k.ENC)
	if err != nil {
		return nil, fmt.Errorf("rsp: S-ENC: %w", err)
	}
	mac, err := aes.NewCipher(k.MAC)
	if err != nil {
		return nil, fmt.Errorf("rsp: S-MAC: %w", err)
	}
	if len(k.MCV) != aes.BlockSize {
		return nil, fmt.Errorf("rsp: MAC chaining value of %d bytes", len(k.MCV))
	}
	return &SCP03t{enc: enc, mac: mac, mcv: append([]byte{}, k.MCV...)}, nil
}

func (s *SCP03t) icv() []byte {
	s.counter++
	iv := make([]byte, aes.BlockSize)
	binary.BigEndian.PutUint64(iv[8:], s.counter)
	s.enc.Encrypt(iv, iv)
	return iv
}

// macInput lays out the CMAC's input, MCV ‖ header ‖ data, in a new
// buffer with room for extra bytes after it; the header is the protected
// TLV's, its length counting the MAC. With data nil the n data bytes are
// left zero for the caller to fill, from at.
func (s *SCP03t) macInput(tag uint32, data []byte, n, extra int) (msg []byte, at int) {
	msg = make([]byte, 0, len(s.mcv)+7+n+extra) // a tag of 3 bytes, a length of 4 at most
	msg = tlv.AppendHeader(append(msg, s.mcv...), tag, n+MACLen)
	at = len(msg)
	if data == nil {
		return msg[:at+n], at
	}
	return append(msg, data...), at
}

// Wrap protects payload as one TLV with tag; encrypt selects C-DECRYPTION
// as well as C-MAC. The TLV is the MAC's input less the MCV in front,
// with the MAC appended: one buffer a segment, not three (the MAC's
// input, the TLV's value and its encoding, each a copy of the data).
func (s *SCP03t) Wrap(tag uint32, payload []byte, encrypt bool) []byte {
	var msg []byte
	if encrypt {
		n := (len(payload)/aes.BlockSize + 1) * aes.BlockSize
		var at int
		msg, at = s.macInput(tag, nil, n, MACLen)
		data := msg[at:] // zero: the padding 80 00.. needs only its 80
		copy(data, payload)
		data[len(payload)] = 0x80
		cipher.NewCBCEncrypter(s.enc, s.icv()).CryptBlocks(data, data)
	} else {
		msg, _ = s.macInput(tag, payload, len(payload), MACLen)
	}
	tlvAt := len(s.mcv)
	full := cmacBlock(s.mac, msg)
	s.mcv = full
	return append(msg[tlvAt:], full[:MACLen]...)
}

// Unwrap verifies the MAC of one protected TLV, advances the chain and
// returns the (decrypted) payload. On a MAC failure the chain is left as it
// was.
func (s *SCP03t) Unwrap(seg tlv.TLV, encrypt bool) ([]byte, error) {
	if len(seg.Value) < MACLen {
		return nil, fmt.Errorf("%X: %d bytes: %w", seg.Tag, len(seg.Value), ErrSegmentStructure)
	}
	data, mac := seg.Value[:len(seg.Value)-MACLen], seg.Value[len(seg.Value)-MACLen:]
	msg, _ := s.macInput(seg.Tag, data, len(data), 0)
	full := cmacBlock(s.mac, msg)
	if subtle.ConstantTimeCompare(full[:MACLen], mac) != 1 {
		return nil, fmt.Errorf("%X: %w", seg.Tag, ErrSegmentMAC)
	}
	s.mcv = full
	if !encrypt {
		return append([]byte{}, data...), nil
	}
	if len(data) == 0 || len(data)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("%X: ciphertext of %d bytes: %w", seg.Tag, len(data), ErrSegmentStructure)
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(s.enc, s.icv()).CryptBlocks(out, data)
	i := bytes.LastIndexByte(out, 0x80)
	if i < 0 || i < len(out)-aes.BlockSize || !allZero(out[i+1:]) {
		return nil, fmt.Errorf("%X: bad padding: %w", seg.Tag, ErrSegmentStructure)
	}
	return out[:i], nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
