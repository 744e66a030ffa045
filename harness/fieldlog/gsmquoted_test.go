package fieldlog

import "testing"

// TestTextLineGSMQuoted: inside a quoted string a control byte is a GSM
// default alphabet code (+CSCS="GSM": 'é' 05, '@' 00, ESC 1B before
// '€' 65, 'à' 7F), kept as it is; outside one it is still padding (NUL)
// or binary.
func TestTextLineGSMQuoted(t *testing.T) {
	for _, c := range []struct {
		in, want string
		bad      bool
	}{
		{"+COPS: 0,0,\"T\x05l\x05com\",7", "+COPS: 0,0,\"T\x05l\x05com\",7", false},
		{"+COPS: 0,1,\"a\x00b\x1b\x65\x7f\",7", "+COPS: 0,1,\"a\x00b\x1b\x65\x7f\",7", false},
		{"\x00OK", "OK", false},
		{"+COPS: 0,0,\"T\x05l", "", true},
		{"O\x05K", "", true},
	} {
		got, err := textLine([]byte(c.in), false)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("textLine(%q) = %q, %v; want %q, error %v", c.in, got, err, c.want, c.bad)
		}
	}
}
