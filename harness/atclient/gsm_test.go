package atclient

import "testing"

// TestGSMQuoted: under +CSCS="GSM" the control bytes of a quoted string
// are TS 23.038 codes ('é' 05, '@' 00, ESC 1B before '€' 65), not noise;
// outside the quotes, or with bit 8 set, they stay noise.
func TestGSMQuoted(t *testing.T) {
	for _, c := range []struct {
		line string
		want bool
	}{
		{"+COPS: 0,0,\"T\x05l\x05com Libre\",7", true},
		{"+COPS: 0,1,\"\x00\",7", true},
		{"+COPS: (2,\"Net\x1b\x65\",\"\x7e\",\"20801\",7),,(0-4),(0-2)", true},
		{"+COPS: 0,0,\"T\xc3\xa9l\",7", false},
		{"\x00+COPS: 0,0,\"Orange\",7", false},
		{"+COPS: 0,0,\"Orange\x05", false},
		{"OK\x13", false},
	} {
		if got := gsmQuoted(c.line); got != c.want {
			t.Errorf("gsmQuoted(%q) = %v, want %v", c.line, got, c.want)
		}
	}
}
