package fieldlog

import (
	"bytes"
	"testing"
)

// TestGammuRowLayouts: a dump line reads the same in both layouts gammu
// has written — the text column at the 64th column with the 16th byte's
// own character left out (gammu 1.13), or at the 65th with it (1.3x and
// later) — and with the padding a log tool trimmed; a character that is
// not its byte's, or a missing separator, is no dump line.
func TestGammuRowLayouts(t *testing.T) {
	want := []byte("AT+CMEE=1\r\r\nOK\r\n")
	for _, tc := range []struct {
		name, row string
		n         int
		ok        bool
	}{
		{"old layout", "41A|54T|2B+|43C|4DM|45E|45E|3D=|311|0D |0D |0A |4FO|4BK|0D |0A AT+CMEE=1...OK..", 16, true},
		{"new layout", "41A|54T|2B+|43C|4DM|45E|45E|3D=|311|0D |0D |0A |4FO|4BK|0D |0A  AT+CMEE=1...OK..", 16, true},
		{"a short last row", "41A|54T|2B+|43C|4DM|45E|45E|3D=|311|0D                         AT+CMEE=1.", 10, true},
		{"trimmed after its last byte", "41A|54T|2B+|43C|4DM|45E|45E|3D=|311|0D", 10, true},
		{"a character not its byte's", "41B|54T|2B+|43C|4DM|45E|45E|3D=|311|0D", 10, false},
		{"a separator missing", "41A 54T|2B+|43C|4DM|45E|45E|3D=|311|0D", 10, false},
		{"not hex", "4GA|54T|2B+|43C|4DM|45E|45E|3D=|311|0D", 10, false},
		{"too short", "41A|54T", 10, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := gammuRow(tc.row, tc.n)
			if ok != tc.ok || ok && !bytes.Equal(got, want[:tc.n]) {
				t.Errorf("gammuRow = %q, %v; want %q, %v", got, ok, want[:tc.n], tc.ok)
			}
		})
	}
}
