package fieldlog

import "testing"

// Noise is what no modem's text line holds; Escape shows it, and TAB,
// by value, and leaves text, UTF-8 included, as it is.
func TestNoisyAndEscape(t *testing.T) {
	for _, tc := range []struct {
		in     string
		noisy  bool
		escape string
	}{
		{"+CSQ: 20,99", false, "+CSQ: 20,99"},
		{`+COPS: 0,0,"Telefónica",7`, false, `+COPS: 0,0,"Telefónica",7`},
		{"a\tb", false, `a\x09b`},
		{"\x00\xff\x13garbage\x7f", true, `\x00\xFF\x13garbage\x7F`},
		{"\xffRDY", true, `\xFFRDY`},
		{"OK\r", true, "OK<CR>"},
	} {
		if got := Noisy(tc.in); got != tc.noisy {
			t.Errorf("Noisy(%q) = %v, want %v", tc.in, got, tc.noisy)
		}
		if got := Escape(tc.in); got != tc.escape {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.escape)
		}
	}
}
