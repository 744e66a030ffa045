package saip

import (
	"encoding/hex"
	"strings"
	"testing"
)

func TestEPSLOCIOf(t *testing.T) {
	orange := [3]byte{0x02, 0xF8, 0x10} // 208 01
	for _, c := range []struct {
		name string
		got  []byte
		want string
	}{
		{"a new profile's", EPSLOCI(orange), strings.Repeat("FF", 12) + "02F810FFFE01"},
		{"after an attach", EPSLOCIOf(GUTI(orange, 0x8001, 0x02, 0xC0FFEE01), orange, 0x3A9B, EPSUpdated),
			"0BF6" + "02F810" + "8001" + "02" + "C0FFEE01" + "02F8103A9B00"},
		{"after a reject", EPSLOCIOf(nil, orange, TACDeleted, EPSRoamingNotAllowed), strings.Repeat("FF", 12) + "02F810FFFE02"},
		{"a GUTI of the wrong length is none", EPSLOCIOf([]byte{0x0B}, orange, 1, EPSUpdated), strings.Repeat("FF", 12) + "02F810000100"},
	} {
		if got := strings.ToUpper(hex.EncodeToString(c.got)); got != c.want || len(c.got) != 18 {
			t.Errorf("%s: %s (%d bytes), want %s", c.name, got, len(c.got), c.want)
		}
	}
}
