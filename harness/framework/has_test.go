package framework

import (
	"strings"
	"testing"
)

// What a lab offers is checked: a typo in HAS is refused, not a silent
// skip of the specs it meant to turn on.
func TestCheckHas(t *testing.T) {
	for _, tc := range []struct {
		has  []string
		want string // "" for none
	}{
		{[]string{"roaming", "radio-control", "port-control", "simtrace"}, ""},
		{nil, ""},
		{[]string{"roaming", "roamin"}, `ESIMHIL_LAB_HAS names "roamin", which no spec needs; known: port-control, radio-control, roaming, simtrace`},
		{[]string{"port_control"}, `names "port_control"`},
	} {
		err := checkHas(tc.has)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%q: %v, want %q", tc.has, err, tc.want)
		}
	}
}
