package explore

import (
	"fmt"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/modem"
	"github.com/esimhil/esimhil/emulators/world"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/proto/emm"
)

// checkAttachAttempts: the modem's attach attempt counter (TS 24.301
// §5.5.1.2.6 c and d), from the event log alone. Every attach_timeout and
// attach_rejected names an attempt from 1 to 5; one after the first comes
// after the attach_retry of the same attempt on the same PLMN, the
// modem's last event of these kinds, and is timed from the world's
// attach_attempt that carried that restart out — at the retry, or the
// attach's time later for a modem that shows its restart
// (restart_searching): T3410 after it for a timeout, at once for a
// reject, whose cause must be abnormal (emm.Abnormal); every
// attach_retry of attempt n comes T3411 after the attach_timeout or
// attach_rejected of attempt n-1 on its PLMN, the modem's last of these
// kinds, never after a reject whose cause sets the counter to 5
// (emm.EndsAttempts), and the world's next attach_attempt — unless the restart
// finds no cell (no_service, limited_service) — is on that PLMN: the
// restart tries it alone.
func checkAttachAttempts(_ *scenario.Scenario, o Outcome) []string {
	var v []string
	var last *eventlog.Event // the modem's last attach_timeout, attach_rejected or attach_retry
	restart := ""            // the PLMN an attach_retry restarts on, until the world's attempt
	var tried time.Time      // the world's attempt that carried out the last restart (zero: none yet)
	for i, e := range o.Events {
		switch {
		case is(e, eventlog.World, world.KindAttachAttempt) && restart != "":
			if p := e.Str("plmn"); p != restart {
				v = append(v, fmt.Sprintf("%s: the T3411 restart on %s tried %s", at(e), restart, p))
			}
			restart, tried = "", e.T
		case is(e, eventlog.World, world.KindNoService), is(e, eventlog.World, world.KindLimitedService):
			restart = ""
		case is(e, eventlog.Modem, modem.KindAttachTimeout):
			n := intField(e, "attempt")
			switch {
			case n < 1 || n > emm.MaxAttachAttempts:
				v = append(v, fmt.Sprintf("%s: attempt %d on %s, outside 1 to %d", at(e), n, e.Str("plmn"), emm.MaxAttachAttempts))
			case !afterRestart(last, tried, e, n, modem.T3410):
				v = append(v, fmt.Sprintf("%s: T3410 ran out on attempt %d on %s, not %v after that attempt's T3411 restart (the modem's last: %s)", at(e), n, e.Str("plmn"), modem.T3410, describe(last)))
			}
			last = &o.Events[i]
		case is(e, eventlog.Modem, modem.KindAttachRejected):
			n := intField(e, "attempt")
			switch {
			case n < 1 || n > emm.MaxAttachAttempts:
				v = append(v, fmt.Sprintf("%s: abnormal reject on attempt %d on %s, outside 1 to %d", at(e), n, e.Str("plmn"), emm.MaxAttachAttempts))
			case !emm.Abnormal(intField(e, "cause")):
				v = append(v, fmt.Sprintf("%s: #%d on %s counted, a cause TS 24.301 §5.5.1.2.5 treats", at(e), intField(e, "cause"), e.Str("plmn")))
			case !afterRestart(last, tried, e, n, 0):
				v = append(v, fmt.Sprintf("%s: the reject of attempt %d on %s is not that attempt's T3411 restart's answer (the modem's last: %s)", at(e), n, e.Str("plmn"), describe(last)))
			}
			last = &o.Events[i]
		case is(e, eventlog.Modem, modem.KindAttachRetry):
			n := intField(e, "attempt")
			failed := last != nil && (last.Kind == modem.KindAttachTimeout || last.Kind == modem.KindAttachRejected)
			switch {
			case !failed || last.Str("plmn") != e.Str("plmn") || intField(*last, "attempt") != n-1 || !e.T.Equal(last.T.Add(modem.T3411)):
				v = append(v, fmt.Sprintf("%s: attempt %d on %s restarted, not %v after attempt %d failed there, by T3410's expiry or an abnormal reject (the modem's last: %s)", at(e), n, e.Str("plmn"), modem.T3411, n-1, describe(last)))
			case last.Kind == modem.KindAttachRejected && emm.EndsAttempts(intField(*last, "cause")):
				v = append(v, fmt.Sprintf("%s: attempt %d on %s restarted after #%d, which sets the attach attempt counter to 5", at(e), n, e.Str("plmn"), intField(*last, "cause")))
			}
			last = &o.Events[i]
			restart, tried = e.Str("plmn"), time.Time{}
		}
	}
	return v
}

// afterRestart reports whether e, the failure of attempt n, follows
// that attempt's restart, the modem's last event of these kinds (last),
// d after the world's attempt that carried it out (tried): the first
// attempt has none.
func afterRestart(last *eventlog.Event, tried time.Time, e eventlog.Event, n int, d time.Duration) bool {
	if n == 1 {
		return true
	}
	return last != nil && last.Kind == modem.KindAttachRetry && last.Str("plmn") == e.Str("plmn") &&
		intField(*last, "attempt") == n && !tried.IsZero() && e.T.Equal(tried.Add(d))
}

// describe names an attach_timeout, attach_rejected or attach_retry for
// a violation.
func describe(e *eventlog.Event) string {
	if e == nil {
		return "none"
	}
	return fmt.Sprintf("%s {plmn: %s, attempt: %d}", at(*e), e.Str("plmn"), intField(*e, "attempt"))
}
