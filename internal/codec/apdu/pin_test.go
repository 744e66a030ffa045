package apdu

import (
	"bytes"
	"encoding/hex"
	"testing"
)

func TestPINBlock(t *testing.T) {
	for _, tc := range []struct {
		block string
		min   int
		want  string
		ok    bool
	}{
		{"31323334FFFFFFFF", 4, "1234", true},
		{"3132333435363738", 4, "12345678", true},
		{"313233FFFFFFFFFF", 4, "", false},   // three digits
		{"31323334FF35FFFF", 4, "", false},   // a digit after padding
		{"3132333AFFFFFFFF", 4, "", false},   // not a digit
		{"31323334FFFFFF", 4, "", false},     // 7 bytes
		{"31323334FFFFFFFF", 8, "", false},   // a PUK needs 8
		{"FFFFFFFFFFFFFFFF", 4, "", false},   // empty
		{"3132333435363738FF", 4, "", false}, // 9 bytes
	} {
		b := mustHexPIN(t, tc.block)
		got, ok := PINDigits(b, tc.min)
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("PINDigits(%s, %d) = %q, %v; want %q, %v", tc.block, tc.min, got, ok, tc.want, tc.ok)
		}
		if ok && !bytes.Equal(PINBlock(got), b) {
			t.Errorf("PINBlock(%q) = %X, want %s", got, PINBlock(got), tc.block)
		}
	}
}

func mustHexPIN(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
