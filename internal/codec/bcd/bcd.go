// Package bcd holds the digit codings the card, the terminal and the host
// share: swapped BCD with F filler (EF ICCID, TS 102 221 §13.2, the
// SGP.22 Iccid 5A, and the TBCD of the TAC and IMEI in SGP.22 DeviceInfo),
// plain BCD (the EID of SGP.02 §2.2.2), EF IMSI (TS 31.102 §4.2.2, a TS 24.008 mobile
// identity) and the 3-byte PLMN of TS 24.008 §10.5.1.3.
package bcd

import "fmt"

// Swapped packs digits two per byte, low nibble first, into size bytes
// padded with F. Digits beyond 2*size are dropped; callers check lengths.
func Swapped(digits string, size int) []byte { return pack(digits, size, true) }

// pack puts digits two per byte into size bytes of F filler, the first
// digit of each pair in the low nibble when swapped, else in the high one.
func pack(digits string, size int, swapped bool) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = 0xFF
	}
	for i := 0; i < len(digits) && i/2 < size; i++ {
		d := digits[i] - '0'
		shift := 0 // low nibble
		if (i%2 == 0) != swapped {
			shift = 4
		}
		b[i/2] = b[i/2]&^(0x0F<<shift) | d<<shift
	}
	return b
}

// Unswapped decodes swapped BCD; F nibbles may only pad the end.
func Unswapped(b []byte) (string, error) { return digits(b, true) }

// digits decodes BCD, low nibble first when swapped; F nibbles may only
// pad the end.
func digits(b []byte, swapped bool) (string, error) {
	out := make([]byte, 0, 2*len(b))
	done := false
	for _, c := range b {
		first, second := c>>4, c&0x0F
		if swapped {
			first, second = second, first
		}
		for _, d := range []byte{first, second} {
			switch {
			case d == 0x0F:
				done = true
			case done:
				return "", fmt.Errorf("bcd: digit after filler in %X", b)
			case d > 9:
				return "", fmt.Errorf("bcd: non-digit nibble %X in %X", d, b)
			default:
				out = append(out, '0'+d)
			}
		}
	}
	return string(out), nil
}

// IMSI encodes EF IMSI: a length byte, then the digits as a mobile identity
// whose first nibble is 1001 (odd count) or 0001 (even), padded to 9 bytes.
func IMSI(imsi string) []byte {
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
	for i := 0; i+1 < len(digits) && 1+i/2 < len(out); i += 2 {
		out[1+i/2] = digits[i] | digits[i+1]<<4
	}
	return out
}

// ParseIMSI decodes EF IMSI: digit 1 sits above the type nibble (001, b4
// set for an odd digit count), then two digits per byte, F filling the end.
func ParseIMSI(b []byte) (string, error) {
	if len(b) < 2 {
		return "", fmt.Errorf("IMSI: %d bytes, want at least 2", len(b))
	}
	n := int(b[0])
	if n < 1 || n > 8 || n+1 > len(b) {
		return "", fmt.Errorf("IMSI: length byte %d out of range", n)
	}
	if b[1]&0x07 != 0x01 {
		return "", fmt.Errorf("IMSI: type nibble %X, want 1 (IMSI)", b[1]&0x07)
	}
	digits := []byte{b[1] >> 4}
	for _, x := range b[2 : n+1] {
		digits = append(digits, x&0x0F, x>>4)
	}
	out := []byte{}
	for _, d := range digits {
		if d == 0x0F {
			break
		}
		if d > 9 {
			return "", fmt.Errorf("IMSI: non-BCD digit %X", d)
		}
		out = append(out, '0'+d)
	}
	if odd := b[1]&0x08 != 0; odd != (len(out)%2 == 1) {
		return "", fmt.Errorf("IMSI: parity bit says odd=%v but %d digits", odd, len(out))
	}
	return string(out), nil
}

// PLMN encodes "MCC MNC" (5 or 6 digits) as 3 BCD bytes, TS 24.008
// §10.5.1.3: MCC2 MCC1 | MNC3 MCC3 | MNC2 MNC1, MNC3 = F for 2-digit MNCs.
func PLMN(plmn string) ([3]byte, error) { return packPLMN(plmn, false) }

// PLMNPattern encodes a PLMN as PLMN does, each digit of which may also be
// the wildcard E (nibble E): the OperatorId of an SGP.22 Rules
// Authorisation Table (§2.9), e.g. "208EE" for every 2-digit MNC of
// MCC 208. Digits only, it encodes exactly as PLMN.
func PLMNPattern(pattern string) ([3]byte, error) { return packPLMN(pattern, true) }

func packPLMN(plmn string, wild bool) ([3]byte, error) {
	var d [6]byte
	if len(plmn) != 5 && len(plmn) != 6 {
		return [3]byte{}, fmt.Errorf("PLMN %q: want 5 or 6 digits", plmn)
	}
	for i := range 6 {
		if i == len(plmn) {
			d[i] = 0xF
			break
		}
		switch c := plmn[i]; {
		case c >= '0' && c <= '9':
			d[i] = c - '0'
		case c == 'E' && wild:
			d[i] = 0xE
		case wild:
			return [3]byte{}, fmt.Errorf("PLMN %q: not digits and E wildcards", plmn)
		default:
			return [3]byte{}, fmt.Errorf("PLMN %q: not a digit string", plmn)
		}
	}
	// Digits: MCC d0 d1 d2, MNC d3 d4 [d5].
	return [3]byte{d[1]<<4 | d[0], d[5]<<4 | d[2], d[4]<<4 | d[3]}, nil
}

// ParsePLMN decodes 3 BCD bytes (TS 24.008 §10.5.1.3) to "MCCMNC".
func ParsePLMN(b []byte) (string, error) { return unpackPLMN(b, false) }

// ParsePLMNPattern decodes what PLMNPattern encodes: digits, and E for a
// wildcard nibble.
func ParsePLMNPattern(b []byte) (string, error) { return unpackPLMN(b, true) }

func unpackPLMN(b []byte, wild bool) (string, error) {
	if len(b) != 3 {
		return "", fmt.Errorf("PLMN: length %d, want 3", len(b))
	}
	digits := []byte{b[0] & 0xF, b[0] >> 4, b[1] & 0xF, b[2] & 0xF, b[2] >> 4, b[1] >> 4}
	n := 6
	if digits[5] == 0xF {
		n = 5
	}
	out := make([]byte, n)
	for i := range n {
		switch d := digits[i]; {
		case d <= 9:
			out[i] = '0' + d
		case d == 0xE && wild:
			out[i] = 'E'
		default:
			return "", fmt.Errorf("PLMN %X: invalid BCD digit", b)
		}
	}
	return string(out), nil
}

// Plain packs digits two per byte, high nibble first, into size bytes
// padded with F (the EID of SGP.02 §2.2.2). Digits beyond 2*size are dropped; callers check lengths.
func Plain(digits string, size int) []byte { return pack(digits, size, false) }

// Unplain decodes plain BCD; F nibbles may only pad the end.
func Unplain(b []byte) (string, error) { return digits(b, false) }
