package apdu

import (
	"bytes"

	"github.com/esimhil/esimhil/internal/ident"
)

// The user verification commands of TS 102 221 §11.1.9–11.1.13, which the
// card answers and the modem sends for +CPIN, +CLCK "SC" and +CPWD.
const (
	InsVerifyPIN  = 0x20
	InsChangePIN  = 0x24
	InsDisablePIN = 0x26
	InsEnablePIN  = 0x28
	InsUnblockPIN = 0x2C
)

// Status words of user verification (TS 102 221 §10.2.1.5).
const (
	SWPINBlocked     uint16 = 0x6983 // authentication/PIN method blocked
	SWPINInvalidated uint16 = 0x6984 // referenced data invalidated: the PIN is disabled
	SWVerifyFailed   uint16 = 0x63C0 // 63CX: verification failed, X attempts left
)

// PINBlockLen is the length of a PIN or PUK block.
const PINBlockLen = 8

// PINBlock is a PIN or PUK as the commands and the profile package carry
// it (TS 102 221 §9.5.2): its ASCII digits, FF-padded to 8 bytes.
func PINBlock(digits string) []byte {
	b := bytes.Repeat([]byte{0xFF}, PINBlockLen)
	copy(b, digits)
	return b
}

// PINDigits reads a PIN block back: its digits, and whether the block is
// minDigits to 8 ASCII digits then FF padding to the end.
func PINDigits(b []byte, minDigits int) (string, bool) {
	if len(b) != PINBlockLen {
		return "", false
	}
	s := string(bytes.TrimRight(b, "\xFF"))
	return s, ident.Digits(s, minDigits, PINBlockLen)
}
