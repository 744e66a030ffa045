package rsp

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"testing"

	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// SCP03t's C-DECRYPTION ICV (SGP.22 §5.5, GlobalPlatform Amendment F):
// AES(S-ENC, counter), the 16-byte big-endian counter starting at 1 and
// incremented for every encrypted segment of the session; an 88 (C-MAC
// only) leaves it. Each segment here is built by hand — CBC under the
// worked ICV, 80 00.. padding, the 8-byte C-MAC over MCV ‖ tag ‖ length ‖
// data chained from the previous full CMAC — and must be what Wrap makes
// and what Unwrap opens. A counter reset for each segment (ICV 1 again)
// or left still is a layout the card and SM-DP+ of this project would
// share, so only bytes worked outside them can show it.
func TestSCP03tICVCounter(t *testing.T) {
	k := SessionKeys{MCV: bytes.Repeat([]byte{0x0C}, 16), ENC: bytes.Repeat([]byte{0x11}, 16), MAC: bytes.Repeat([]byte{0x22}, 16)}
	enc, _ := aes.NewCipher(k.ENC)
	mac, _ := aes.NewCipher(k.MAC)
	tests := []struct {
		name    string
		tag     uint32
		payload []byte
		encrypt bool
		counter uint64 // the ICV's counter; 0: not encrypted
	}{
		{"first 87 (ConfigureISDP)", 0x87, []byte("configureISDP"), true, 1},
		{"88 (StoreMetadata), MAC only", 0x88, []byte("metadata"), false, 0},
		{"second encrypted segment", 0x86, bytes.Repeat([]byte{0xAA}, 20), true, 2},
		{"third, one full block", 0x86, bytes.Repeat([]byte{0x55}, 16), true, 3},
		// Lengths in the header's long forms (81 and 82: a segment of a
		// profile package is ~1 KiB), Wrap's buffer laid out for them.
		{"fourth, length 81", 0x86, bytes.Repeat([]byte{0x66}, 119), true, 4},
		{"88, length 82", 0x88, bytes.Repeat([]byte{0x77}, 1020), false, 0},
		{"fifth, length 82", 0x86, bytes.Repeat([]byte{0x99}, 1020), true, 5},
	}
	tx, err := NewSCP03t(k)
	if err != nil {
		t.Fatal(err)
	}
	rx, _ := NewSCP03t(k)
	mcv := k.MCV
	for _, tc := range tests {
		data := tc.payload
		if tc.encrypt {
			n := (len(tc.payload)/aes.BlockSize + 1) * aes.BlockSize
			data = make([]byte, n)
			copy(data, tc.payload)
			data[len(tc.payload)] = 0x80
			icv := make([]byte, aes.BlockSize)
			binary.BigEndian.PutUint64(icv[8:], tc.counter)
			enc.Encrypt(icv, icv)
			cipher.NewCBCEncrypter(enc, icv).CryptBlocks(data, data)
		}
		hdr := tlv.New(tc.tag, make([]byte, len(data)+MACLen)).Bytes()
		hdr = hdr[:len(hdr)-len(data)-MACLen]
		full := cmacBlock(mac, append(append(append([]byte{}, mcv...), hdr...), data...))
		mcv = full
		want := tlv.New(tc.tag, append(append([]byte{}, data...), full[:MACLen]...)).Bytes()

		if got := tx.Wrap(tc.tag, tc.payload, tc.encrypt); !bytes.Equal(got, want) {
			t.Errorf("%s: Wrap gave %X, want %X (ICV = AES(S-ENC, counter %d))", tc.name, got, want, tc.counter)
		}
		seg, _, _ := tlv.ParseOne(want)
		got, err := rx.Unwrap(seg, tc.encrypt)
		if err != nil || !bytes.Equal(got, tc.payload) {
			t.Errorf("%s: Unwrap gave %X, %v; want %X (ICV = AES(S-ENC, counter %d))", tc.name, got, err, tc.payload, tc.counter)
		}
	}
}
