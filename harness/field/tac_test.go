package field

import "testing"

// TestTACForms: a manifest gives a cell's tac as YAML does (0x-prefixed
// hex or decimal), a log as +CxREG does (bare hex, 4 or 6 digits); the
// two meet in sameTAC, and a log's reserved values place no cell.
func TestTACForms(t *testing.T) {
	for _, tc := range []struct {
		given, hex    string
		same, reserve bool
	}{
		{"0x0B2C", "0B2C", true, false},
		{"2860", "0b2c", true, false}, // decimal against lower-case hex
		{"0x1000", "1001", false, false},
		{"0x10000", "0000", false, true}, // beyond 16 bits: no manifest TAC
		{"0xFFFE", "FFFE", true, true},   // the loader refuses it; a log shows it
		{"0x1", "FFFFFE", false, true},   // NR's deleted TAI
		{"0x1", "GG", false, false},
	} {
		if got := sameTAC(tc.given, tc.hex); got != tc.same {
			t.Errorf("sameTAC(%q, %q) = %v, want %v", tc.given, tc.hex, got, tc.same)
		}
		if got := reservedTAC(tc.hex); got != tc.reserve {
			t.Errorf("reservedTAC(%q) = %v, want %v", tc.hex, got, tc.reserve)
		}
	}
}
