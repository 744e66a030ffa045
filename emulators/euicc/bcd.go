package euicc

import "fmt"

// swappedBCD encodes digits two per byte, low nibble first, padded with F:
// the coding of EF ICCID (TS 102 221 §13.2) and of the ES10 ICCID (5A).
func swappedBCD(digits string, size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = 0xFF
	}
	for i := 0; i < len(digits) && i/2 < size; i++ {
		d := digits[i] - '0'
		if i%2 == 0 {
			b[i/2] = 0xF0 | d
		} else {
			b[i/2] = b[i/2]&0x0F | d<<4
		}
	}
	return b
}

// unswapBCD decodes swapped BCD; F nibbles may only pad the end.
func unswapBCD(b []byte) (string, error) {
	out := make([]byte, 0, 2*len(b))
	done := false
	for _, c := range b {
		for _, d := range []byte{c & 0x0F, c >> 4} {
			switch {
			case d == 0x0F:
				done = true
			case done:
				return "", fmt.Errorf("digit after filler in BCD %X", b)
			case d > 9:
				return "", fmt.Errorf("non-digit nibble %X in BCD %X", d, b)
			default:
				out = append(out, '0'+d)
			}
		}
	}
	return string(out), nil
}

// imsiBytes encodes EF IMSI (TS 31.102 §4.2.2): a length byte, then the
// digits as a TS 24.008 mobile identity whose first nibble is 1001 (odd
// count) or 0001 (even), padded to 9 bytes with FF.
func imsiBytes(imsi string) []byte {
	parity := byte(0x1)
	if len(imsi)%2 == 1 {
		parity = 0x9
	}
	digits := make([]byte, 0, 16)
	digits = append(digits, parity)
	for i := 0; i < len(imsi); i++ {
		digits = append(digits, imsi[i]-'0')
	}
	if len(digits)%2 == 1 {
		digits = append(digits, 0xF)
	}
	out := make([]byte, 9)
	for i := range out {
		out[i] = 0xFF
	}
	out[0] = byte(len(digits) / 2)
	for i := 0; i < len(digits); i += 2 {
		out[1+i/2] = digits[i] | digits[i+1]<<4
	}
	return out
}
