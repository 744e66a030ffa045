package apdu

import "testing"

// A SELECT names its file by P1's way (outside tester sw127 F11: a
// SELECT by path showed no file on the APDU lane).
func TestSelectTarget(t *testing.T) {
	for _, tc := range []struct {
		p1   byte
		data string
		want string
	}{
		{0x00, "3F00", "3F00"},
		{0x08, "7FFF6FE3", "3F00/7FFF/6FE3"}, // ADF/EF.EPSLOCI: the MF's id left out
		{0x09, "5F3A4F09", "./5F3A/4F09"},
		{0x04, "A0000005591010FFFFFFFF8900000100", "A0000005591010FFFFFFFF8900000100"},
		{0x08, "7FFF6F", ""}, // half a file id
		{0x00, "", ""},
		{0x00, "3F007FFF", ""},
		// The MF's id in a path from the MF; the parent DF (outside
		// tester sw130 N9: "3F00/3F00/7FFF/6FE3", and no name).
		{0x08, "3F007FFF6FE3", "path 3F00/7FFF/6FE3 from the MF, naming the MF's own 3F00 (TS 102 221 §11.1.1.2 excludes it)"},
		{0x03, "", "parent DF"},
	} {
		if got := SelectTarget(tc.p1, mustHexPIN(t, tc.data)); got != tc.want {
			t.Errorf("P1 %02X data %s: %q, want %q", tc.p1, tc.data, got, tc.want)
		}
	}
}
