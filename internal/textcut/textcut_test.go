package textcut

import "testing"

// TestCut: cut text keeps whole characters and says it was cut.
func TestCut(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"AT+CGMM", 10, "AT+CGMM"},
		{"AT+CGMM", 7, "AT+CGMM"},
		{"AT+CGMM", 4, "AT+C…"},
		{"réseau indisponible", 2, "ré…"},
		{"€€€", 1, "€…"},
		{"", 0, ""},
		{"a longer reason", 8, "a longer…"},
	} {
		if got := Cut(tc.s, tc.n); got != tc.want {
			t.Errorf("Cut(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}
