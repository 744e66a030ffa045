package modem

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/personality"
)

// TestCFUNResetToFun: TS 27.007 §8.2's <rst> 1 resets the MT before
// setting <fun>, any of them: AT+CFUN=4,1 and 0,1 answer OK, restart as
// AT+CFUN=1,1 does (silent, RDY, the ME's settings cleared, the event
// log's restart) and come up at 4 (the card read, the radio off) or 0
// (the card unpowered too), no attach until +CFUN=1. A personality whose
// manual restricts the reset (cfun_reset_funs) refuses the others as bad
// parameters and stays as it was.
func TestCFUNResetToFun(t *testing.T) {
	load := func(name string) personality.Personality {
		p, err := personality.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	generic, quectel, ublox := personality.Generic(), load("quectel-eg25"), load("ublox-sara-r5")
	for _, tc := range []struct {
		name    string
		p       personality.Personality
		line    string
		fun     int    // what +CFUN? reads after the restart; 0 with refused
		cpin    string // +CPIN? then
		refused bool
	}{
		{"generic 4,1", generic, "AT+CFUN=4,1", 4, "+CPIN: READY|OK", false},
		{"generic 0,1", generic, "AT+CFUN=0,1", 0, "+CME ERROR: 10", false},
		{"generic 1,1", generic, "AT+CFUN=1,1", 1, "+CPIN: READY|OK", false},
		{"u-blox 4,1", ublox, "AT+CFUN=4,1", 4, "+CPIN: READY|OK", false},
		{"u-blox 0,1", ublox, "AT+CFUN=0,1", 0, "", true},
		{"quectel 4,1", quectel, "AT+CFUN=4,1", 0, "", true},
		{"quectel 0,1", quectel, "AT+CFUN=0,1", 0, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := registeredRig(t, tc.p)
			r.cmd(t, "AT+CMEE=1")
			attaches, restarts := len(r.net.attaches), len(r.log.Kind(KindRestart))
			if tc.refused {
				r.exchanges(t, []exchange{{tc.line, "+CME ERROR: 50"}, {"AT+CFUN?", "+CFUN: 1|OK"}, {"AT+CEREG?", "+CEREG: 1,5|OK"}})
				if n := len(r.log.Kind(KindRestart)) - restarts; n != 0 {
					t.Errorf("%d restarts after a refused %s", n, tc.line)
				}
				return
			}
			mark := len(r.atlog.String())
			r.cmd(t, tc.line)
			r.advance(t, time.Minute)
			if _, err := r.c.WaitURC(firstBootURC(tc.p), 2*time.Second); err != nil {
				t.Fatal(err)
			}
			// A fresh boot: +CMEE back to 0, +CEREG URCs off.
			r.cmd(t, "ATE0")
			r.cmd(t, "AT+CMEE=1")
			r.exchanges(t, []exchange{{"AT+CFUN?", "+CFUN: " + strconv.Itoa(tc.fun) + "|OK"}, {"AT+CPIN?", tc.cpin}})
			evs := r.log.Kind(KindRestart)[restarts:]
			if len(evs) != 1 {
				t.Fatalf("restart events %v, want one", evs)
			}
			if got, _ := evs[0].Get("fun").(int); tc.fun != 1 && got != tc.fun || tc.fun == 1 && evs[0].Get("fun") != nil {
				t.Errorf("restart event %+v: want fun %d (left out for 1)", evs[0], tc.fun)
			}
			wantAttaches := map[bool]int{true: 1, false: 0}[tc.fun == 1]
			if n := len(r.net.attaches) - attaches; n != wantAttaches {
				t.Errorf("%d attaches after the restart, want %d", n, wantAttaches)
			}
			if strings.Contains(r.atlog.String()[mark:], "< +CEREG:") {
				t.Errorf("a registration URC after %s:\n%s", tc.line, r.atlog.String()[mark:])
			}
			if tc.fun == 1 {
				return
			}
			// Then +CFUN=1 attaches.
			r.cmd(t, "AT+CEREG=1")
			r.cmd(t, "AT+CFUN=1")
			r.advance(t, time.Minute)
			r.exchanges(t, []exchange{{"AT+CPIN?", "+CPIN: READY|OK"}, {"AT+CEREG?", "+CEREG: 1,5|OK"}})
			if n := len(r.net.attaches) - attaches; n != 1 {
				t.Errorf("%d attaches after +CFUN=1, want 1", n)
			}
		})
	}
}

func firstBootURC(p personality.Personality) string {
	if len(p.BootURCs) == 0 {
		return "RDY"
	}
	return p.BootURCs[0]
}
