package lab

import (
	"errors"
	"strings"
	"testing"
)

func TestAfterEnable(t *testing.T) {
	for _, tc := range []struct {
		name       string
		urcs       []string
		want, nots []string
	}{
		{"denied, fell back", []string{"+CEREG: 0", `+CEREG: 3,"1000","00010001",7`, "+CEREG: 0", `+CEREG: 1,"1000","00010001",7`},
			[]string{"EnableProfile(8933) answered ok, but the card is on 8986", `+CEREG: 3,"1000","00010001",7 (registration denied)`, "+CEREG: 0 (not registered)", "denied registration on the new profile, and the card fell back"}, nil},
		{"no denial", []string{"+CEREG: 0", "+CEREG: 1"},
			[]string{"+CEREG: 1 (registered, home)"}, []string{"denied"}},
		{"no registration", []string{"+CPIN: READY"},
			[]string{"reported no registration (+CEREG) after the enable"}, []string{"+CPIN"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := AfterEnable("8933", "8986", tc.urcs)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("AfterEnable = %q, want it to hold %q", got, w)
				}
			}
			for _, n := range tc.nots {
				if strings.Contains(got, n) {
					t.Errorf("AfterEnable = %q, want no %q", got, n)
				}
			}
		})
	}
}

func TestEnableOutcome(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"answered", nil, "0 (ok)"},
		{"failed call", errors.New("open ISD-R: at: client closed"), "not done: open ISD-R: at: client closed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := EnableOutcome("0 (ok)", tc.err); got != tc.want {
				t.Errorf("EnableOutcome = %q, want %q", got, tc.want)
			}
		})
	}
}
