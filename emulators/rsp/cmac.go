package rsp

// AES-CMAC as NIST SP 800-38B defines it (RFC 4493), the MAC of SCP03t
// (SGP.22 §2.6.4 / GlobalPlatform Amendment D).

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
)

// CMAC computes the 16-byte AES-CMAC of msg under key.
func CMAC(key, msg []byte) ([]byte, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cmacBlock(b, msg), nil
}

func cmacBlock(b cipher.Block, msg []byte) []byte {
	const bs = aes.BlockSize
	k1 := make([]byte, bs)
	b.Encrypt(k1, k1) // L = AES(K, 0^128)
	k1 = dbl(k1)
	k2 := dbl(k1)
	n := (len(msg) + bs - 1) / bs
	last := make([]byte, bs)
	if n == 0 || len(msg)%bs != 0 {
		// Incomplete (or empty) last block: pad with 10* and use K2.
		if n == 0 {
			n = 1
		}
		rem := msg[(n-1)*bs:]
		copy(last, rem)
		last[len(rem)] = 0x80
		subtle.XORBytes(last, last, k2)
	} else {
		subtle.XORBytes(last, msg[(n-1)*bs:], k1)
	}
	x := make([]byte, bs)
	for i := 0; i < n-1; i++ {
		subtle.XORBytes(x, x, msg[i*bs:(i+1)*bs])
		b.Encrypt(x, x)
	}
	subtle.XORBytes(x, x, last)
	b.Encrypt(x, x)
	return x
}

// dbl multiplies by x in GF(2^128) (SP 800-38B §6.1 subkey generation).
func dbl(in []byte) []byte {
	out := make([]byte, len(in))
	var carry byte
	for i := len(in) - 1; i >= 0; i-- {
		out[i] = in[i]<<1 | carry
		carry = in[i] >> 7
	}
	if carry != 0 {
		out[len(out)-1] ^= 0x87
	}
	return out
}
