package explore

import (
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
)

// TestAttachAttemptsOracle feeds attach-attempt-counter logs that keep
// and break TS 24.301 §5.5.1.2.6 c's counter.
func TestAttachAttemptsOracle(t *testing.T) {
	to := func(d time.Duration, plmn string, n int) eventlog.Event {
		return atOffset(d, ev(eventlog.Modem, "attach_timeout", "plmn", plmn, "timer", "T3410", "attempt", n))
	}
	re := func(d time.Duration, plmn string, n int) eventlog.Event {
		return atOffset(d, ev(eventlog.Modem, "attach_retry", "plmn", plmn, "timer", "T3411", "attempt", n))
	}
	try := func(d time.Duration, plmn string) eventlog.Event {
		return atOffset(d, ev(eventlog.World, "attach_attempt", "operator", "cmcc", "plmn", plmn, "tac", 4096))
	}
	s := time.Second
	// chain is n attempts on 20810 from 0, the world's tries included.
	chain := func(n int) []eventlog.Event {
		var out []eventlog.Event
		for k := 1; k <= n; k++ {
			start := time.Duration(k-1) * 25 * s
			if k > 1 {
				out = append(out, re(start, "20810", k))
			}
			out = append(out, try(start, "20810"), to(start+15*s, "20810", k))
		}
		return out
	}
	rej := func(d time.Duration, plmn string, n, cause int) eventlog.Event {
		return atOffset(d, ev(eventlog.Modem, "attach_rejected", "plmn", plmn, "cause", cause, "attempt", n))
	}
	// rejects is n attempts on 20810 from 0 each rejected with cause.
	rejects := func(n, cause int) []eventlog.Event {
		var out []eventlog.Event
		for k := 1; k <= n; k++ {
			start := time.Duration(k-1) * 10 * s
			if k > 1 {
				out = append(out, re(start, "20810", k))
			}
			out = append(out, try(start, "20810"), rej(start, "20810", k, cause))
		}
		return out
	}
	tests := []struct {
		name   string
		events []eventlog.Event
		want   string // substring of the one violation; "" = none
	}{
		{"five attempts", chain(5), ""},
		{"then the next PLMN", append(chain(5), try(115*s, "20801")), ""},
		{"a fresh selection's first", append(chain(2), try(time.Hour, "20801"), to(time.Hour+15*s, "20801", 1)), ""},
		{"a restart finding no cell", append(chain(1), re(25*s, "20810", 2), atOffset(25*s, ev(eventlog.World, "no_service", "operator", "cmcc", "area", "X")), try(time.Hour, "20801")), ""},
		{"a sixth", append(chain(5), re(125*s, "20810", 6), try(125*s, "20810"), to(140*s, "20810", 6)), "outside 1 to 5"},
		{"a restart too soon", append(chain(1), re(24*s, "20810", 2)), "not 10s after attempt 1"},
		{"a restart on another PLMN", append(chain(1), re(25*s, "20801", 2)), "restarted, not 10s"},
		{"a restart trying another PLMN", append(chain(1), re(25*s, "20810", 2), try(25*s, "20801")), "the T3411 restart on 20810 tried 20801"},
		{"a second attempt with no restart", append(chain(1), try(25*s, "20810"), to(40*s, "20810", 2)), "not 15s after that attempt's T3411 restart"},
		{"five abnormal rejects", rejects(5, 17), ""},
		{"rejects, then the next PLMN", append(rejects(5, 17), try(40*s, "20801")), ""},
		{"a #111, then the next PLMN", append(rejects(1, 111), try(0, "20801")), ""},
		{"a restart after a #111", rejects(2, 111), "restarted after #111, which sets the attach attempt counter to 5"},
		{"a restart after a #95", append(rejects(1, 95), re(10*s, "20810", 2)), "restarted after #95"},
		{"a reject, then silence", append(rejects(2, 17), re(20*s, "20810", 3), try(20*s, "20810"), to(35*s, "20810", 3)), ""},
		{"a timeout, then a reject", append(chain(1), re(25*s, "20810", 2), try(25*s, "20810"), rej(25*s, "20810", 2, 17)), ""},
		{"a restart too soon after a reject", append(rejects(1, 17), re(9*s, "20810", 2)), "not 10s after attempt 1"},
		{"a sixth reject", append(rejects(5, 17), re(50*s, "20810", 6), try(50*s, "20810"), rej(50*s, "20810", 6, 17)), "outside 1 to 5"},
		{"a #11 counted", rejects(1, 11), "#11 on 20810 counted"},
		{"a reject with no restart", append(rejects(1, 17), try(10*s, "20810"), rej(10*s, "20810", 2, 17)), "not that attempt's T3411 restart's answer"},
		// restart_searching: the restart's attach the scan's time after
		// the retry, its outcome timed from it.
		{"a shown restart rejected at its attach", append(rejects(1, 17), re(10*s, "20810", 2), try(12*s, "20810"), rej(12*s, "20810", 2, 17)), ""},
		{"a shown restart's expiry", append(chain(1), re(25*s, "20810", 2), try(27*s, "20810"), to(42*s, "20810", 2)), ""},
		{"a reject before the restart's attach", append(rejects(1, 17), re(10*s, "20810", 2), rej(10*s, "20810", 2, 17), try(12*s, "20810")), "not that attempt's T3411 restart's answer"},
		{"a second expiry late", append(chain(1), re(25*s, "20810", 2), try(25*s, "20810"), to(41*s, "20810", 2)), "T3410 ran out on attempt 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := checkAttachAttempts(nil, Outcome{Events: tt.events})
			switch {
			case tt.want == "" && len(v) != 0:
				t.Errorf("violations %q, want none", v)
			case tt.want != "" && (len(v) != 1 || !strings.Contains(v[0], tt.want)):
				t.Errorf("violations %q, want one with %q", v, tt.want)
			}
		})
	}
}
