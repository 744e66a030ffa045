// Package uphex writes bytes as upper-case hex, two digits a byte, as %X
// prints them and as the specifications write them: status words (ISO
// 7816-4), general results (TS 102 223 §8.12), a V.250 string constant's
// escapes (§5.4.2.2). encoding/hex writes lower case only.
package uphex

// Digits are the hex digits, upper case, by value.
const Digits = "0123456789ABCDEF"

// Append appends bs to dst, two digits a byte, no separator.
func Append(dst []byte, bs ...byte) []byte {
	for _, c := range bs {
		dst = append(dst, Digits[c>>4], Digits[c&0x0f])
	}
	return dst
}
