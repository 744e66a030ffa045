package fieldlog

import "testing"

// TestClip: a clipped line keeps whole characters and says it was cut.
func TestClip(t *testing.T) {
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
	} {
		if got := Clip(tc.s, tc.n); got != tc.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}
