package applet

import "testing"

func TestSameArea(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"208", "208", true},
		{"208", "262", false},
		{"310", "313", true}, // the United States' codes
		{"311", "316", true},
		{"404", "406", true},  // India's
		{"440", "441", true},  // Japan's
		{"460", "461", true},  // China's
		{"234", "235", true},  // the United Kingdom's
		{"310", "302", false}, // US and Canada
		{"001", "901", false}, // no country's: areas of their own
		{"901", "901", true},
		{"999", "998", false}, // codes the table does not know
		{"", "208", false},
	} {
		if got := sameArea(c.a, c.b); got != c.want {
			t.Errorf("sameArea(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
		if got := sameArea(c.b, c.a); got != c.want {
			t.Errorf("sameArea(%q, %q) = %v, want %v", c.b, c.a, got, c.want)
		}
	}
}
