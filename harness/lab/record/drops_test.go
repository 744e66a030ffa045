package record

import (
	"fmt"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/internal/codec/at"
)

// SetUp sends Prepare's settings again after a drop the script did not
// ask for, its lines written as # set-up notes (a boot URC meanwhile
// stays the modem's line), and Drops names where the port dropped —
// after the last step the modem said something in, whichever step's note
// the drop was noticed after — when, and what the set-up gave. After a
// restart the script asked for it sends nothing.
func TestSetUpAfterADrop(t *testing.T) {
	const t0 = "2026-12-07T21:00:00Z"
	for _, tc := range []struct {
		name       string
		before     []string // at.log up to the set-up, "<time> " prefixed
		restarting bool
		refuse     string // the command the modem refuses
		want       []string
		failed     bool
		sent       int
	}{
		{name: "noticed in the next step's note",
			before: []string{"# step 1: AT+CGMM", "> AT+CGMM", "< OK", "# step 2: await RDY within 1s", "# port dropped (EOF)", "# port back", "< RDY" + at.URCMark},
			want:   []string{"after step 1 (AT+CGMM): port dropped at " + t0 + ", back at " + t0 + ", set up again"}, sent: 5},
		{name: "noticed before it",
			before: []string{"# step 1: AT+CGMM", "> AT+CGMM", "< OK", "# port dropped (EOF)", "# step 2: AT+CIMI", "# port back"},
			want:   []string{"after step 1 (AT+CGMM): port dropped at " + t0 + ", back at " + t0 + ", set up again"}, sent: 5},
		{name: "a refused +CGREG is kept, as by Prepare",
			before: []string{"# step 1: AT+CGMM", "> AT+CGMM", "< OK", "# port dropped (EOF)", "# port back"}, refuse: "AT+CGREG=0",
			want: []string{"after step 1 (AT+CGMM): port dropped at " + t0 + ", back at " + t0 + ", set up again"}, sent: 5},
		{name: "ATE0 refused",
			before: []string{"# step 1: AT+CGMM", "> AT+CGMM", "< OK", "# port dropped (EOF)", "# port back"}, refuse: "ATE0",
			want: []string{"after step 1 (AT+CGMM): port dropped at " + t0 + ", back at " + t0 + ", setting it up again failed: ATE0: at: ERROR"}, failed: true, sent: 1},
		{name: "the echo back on, no drop",
			before: []string{"# step 1: AT+CGMM", "> AT+CGMM", "< AT+CGMM", "< OK"},
			want:   []string{"after step 1 (AT+CGMM): the modem restarted on its own (its echo back on, or a boot URC), set up again"}, sent: 5},
		{name: "a restart the script asked for",
			before:     []string{"# step 1: AT+CFUN=1,1", "> AT+CFUN=1,1", "< OK", "# step 2: ready within 60s", "# port dropped (EOF)", "# port back"},
			restarting: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var l Log
			for _, line := range tc.before {
				fmt.Fprintf(&l, "%s %s\n", t0, line)
			}
			l.steps = []string{"AT+CGMM", "AT+CIMI"}
			if tc.restarting {
				l.steps = []string{"AT+CFUN=1,1", "ready within 60s"}
			}
			l.restarting = tc.restarting
			sent := 0
			err := l.SetUp(func(cmd string) (*atclient.Response, error) {
				sent++
				fmt.Fprintf(&l, "%s > %s\n%s < RDY%s\n", t0, cmd, t0, at.URCMark)
				if cmd == tc.refuse {
					fmt.Fprintf(&l, "%s < ERROR\n", t0)
					return nil, fmt.Errorf("%w", atclient.ErrError)
				}
				fmt.Fprintf(&l, "%s < OK\n", t0)
				return &atclient.Response{Final: "OK"}, nil
			})
			drops, failed := l.Drops()
			if strings.Join(drops, "\n") != strings.Join(tc.want, "\n") || failed != tc.failed || (err != nil) != tc.failed || sent != tc.sent {
				t.Errorf("drops %q failed %v (err %v), %d sent; want %q %v, %d", drops, failed, err, sent, tc.want, tc.failed, tc.sent)
			}
			for _, line := range l.Lines()[len(tc.before):] {
				_, rest, _ := strings.Cut(line, " ")
				if _, urc := at.CutURC(rest); urc != strings.HasPrefix(rest, "< ") || !urc && !strings.HasPrefix(rest, "# set-up ") {
					t.Errorf("set-up line %q: want a # set-up note, or the modem's URC", line)
				}
			}
		})
	}
}
