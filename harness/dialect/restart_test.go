package dialect_test

import (
	"slices"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/modem"
	"github.com/esimhil/esimhil/harness/dialect"
	"github.com/esimhil/esimhil/internal/personality"
)

// TestRestartLines: 27.007's AT+CFUN=1,1 wherever the modem takes <rst>,
// an nRF91's minimum functionality and back where it does not.
func TestRestartLines(t *testing.T) {
	for _, tc := range []struct {
		name string
		want []string
	}{
		{"generic", []string{"AT+CFUN=1,1"}},
		{"sierra-em7511", []string{"AT+CFUN=1,1"}}, // has a vendor restart (!RESET) too
		{"ublox-sara-r5", []string{"AT+CFUN=1,1"}},
		{"nordic-nrf9160", []string{"AT+CFUN=0", "AT+CFUN=1"}},
	} {
		p, err := personality.Load(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if got := dialect.RestartLines(p); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestRestartEveryPersonality restarts the modem of every dialect the
// host's way: the modem takes it, the card is read again after a reset
// and the modem comes back at full functionality.
func TestRestartEveryPersonality(t *testing.T) {
	for _, name := range personality.Names() {
		t.Run(name, func(t *testing.T) {
			r := newRig(t, name)
			if err := r.Advance(time.Minute); err != nil {
				t.Fatal(err)
			}
			cards := func() int {
				n := 0
				for _, e := range r.Log.Events() {
					if e.Kind == modem.KindCard {
						n++
					}
				}
				return n
			}
			before := cards()
			if err := r.Host().Restart(); err != nil {
				t.Fatal(err)
			}
			if err := r.Advance(30 * time.Second); err != nil {
				t.Fatal(err)
			}
			if cards() <= before {
				t.Errorf("the card was not read again after the restart (%d card events, %d before)", cards(), before)
			}
			resp, err := r.AT.Command("AT+CFUN?")
			if err != nil || !slices.Contains(resp.Lines, "+CFUN: 1") {
				t.Errorf("AT+CFUN? after the restart: %v %v", resp, err)
			}
		})
	}
}
