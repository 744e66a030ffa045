package modem

import (
	"encoding/hex"
	"strings"
	"testing"
)

func TestForbiddenList(t *testing.T) {
	orange := [3]byte{0x02, 0xF8, 0x10}
	sfr := [3]byte{0x02, 0xF8, 0x01}
	empty := strings.Repeat("FF", 12)
	for _, tc := range []struct {
		name, list string
		edit       func([]byte) []byte
		want       string
	}{
		{"into an empty list", empty, func(l []byte) []byte { return forbid(l, orange) }, "02F810" + strings.Repeat("FF", 9)},
		{"after the entries there", "02F801" + strings.Repeat("FF", 9), func(l []byte) []byte { return forbid(l, orange) }, "02F80102F810" + strings.Repeat("FF", 6)},
		{"already there", "02F81002F801" + strings.Repeat("FF", 6), func(l []byte) []byte { return forbid(l, orange) }, "02F81002F801" + strings.Repeat("FF", 6)},
		{"a full list loses its oldest", "12F34156F78902F80164F000", func(l []byte) []byte { return forbid(l, orange) }, "56F78902F80164F00002F810"},
		{"taken out, the rest moving up", "02F81002F80164F000FFFFFF", func(l []byte) []byte { return allow(l, orange) }, "02F80164F000FFFFFFFFFFFF"},
		{"taken out of the end", "64F00002F801", func(l []byte) []byte { return allow(l, sfr) }, "64F000FFFFFF"},
		{"not there", empty, func(l []byte) []byte { return allow(l, orange) }, empty},
		{"a list of one entry", "FFFFFF", func(l []byte) []byte { return forbid(l, orange) }, "02F810"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, _ := hex.DecodeString(tc.list)
			if got := strings.ToUpper(hex.EncodeToString(tc.edit(l))); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}
