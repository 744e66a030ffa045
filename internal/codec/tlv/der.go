package tlv

// DER contents of the primitive ASN.1 types GSMA SGP.22 and the TCA profile
// package use: non-negative INTEGER, BOOLEAN and NULL (X.690 §8.2, §8.3,
// §8.8 with the DER restrictions of §11).

import "fmt"

// Uint returns an INTEGER object holding n ≥ 0 in minimal two's complement
// (X.690 §8.3.2); a negative n is encoded as 0.
func Uint(tag uint32, n int) TLV { return New(tag, UintBytes(n)) }

// UintBytes is the contents of a non-negative INTEGER.
func UintBytes(n int) []byte {
	if n < 0 {
		n = 0
	}
	var b []byte
	for {
		b = append([]byte{byte(n)}, b...)
		n >>= 8
		if n == 0 {
			break
		}
	}
	if b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	return b
}

// ParseUint decodes the contents of a non-negative INTEGER in minimal form
// of at most four value bytes (plus a sign byte).
func ParseUint(v []byte) (int, error) {
	switch {
	case len(v) == 0 || len(v) > 5 || (len(v) == 5 && v[0] != 0):
		return 0, fmt.Errorf("INTEGER of %d bytes: %w", len(v), ErrMalformed)
	case v[0]&0x80 != 0:
		return 0, fmt.Errorf("negative INTEGER %X: %w", v, ErrMalformed)
	case len(v) > 1 && v[0] == 0 && v[1]&0x80 == 0:
		return 0, fmt.Errorf("INTEGER %X not minimal: %w", v, ErrMalformed)
	}
	n := 0
	for _, c := range v {
		n = n<<8 | int(c)
	}
	return n, nil
}

// Bool returns a BOOLEAN object: FF for true, 00 for false (X.690 §11.1).
func Bool(tag uint32, b bool) TLV {
	if b {
		return New(tag, []byte{0xFF})
	}
	return New(tag, []byte{0x00})
}

// ParseBool decodes DER BOOLEAN contents.
func ParseBool(v []byte) (bool, error) {
	if len(v) != 1 || (v[0] != 0 && v[0] != 0xFF) {
		return false, fmt.Errorf("BOOLEAN %X: %w", v, ErrMalformed)
	}
	return v[0] == 0xFF, nil
}

// Null returns a NULL object (empty contents).
func Null(tag uint32) TLV { return New(tag, []byte{}) }
