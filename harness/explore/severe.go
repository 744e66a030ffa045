package explore

import (
	"fmt"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/proto/emm"
)

// block is a PLMN a #42 keeps out of automatic selection, as the log
// shows it: the subscriber refused, the refusal and the timer's end.
type block struct {
	sub   string
	until time.Time
	at    eventlog.Event
}

// blocks are the #42 blocks (TS 24.301 §5.5.1.2.5: the PLMN no candidate
// for PLMN selection for 2 × T, T the USIM's EF HPPLMN period,
// emm.BlockPeriod — the default's 60 minutes for a card coding no
// search) that checkMELists holds with the ME's other lists: on, by
// PLMN, and due, the #42s whose plmn_blocked the modem owes at their
// instant.
type blocks struct{ on, due map[string]block }

// add is a #42 from plmn to the subscriber sub of the USIM imsi, at the
// world's attach_result e.
func (bs *blocks) add(s *scenario.Scenario, imsi, plmn, sub string, e eventlog.Event) {
	t, _, ok := searchPeriodOf(s, imsi)
	if !ok {
		return
	}
	if bs.on == nil {
		bs.on, bs.due = map[string]block{}, map[string]block{}
	}
	b := block{sub: sub, until: e.T.Add(emm.BlockPeriod(t)), at: e}
	bs.on[plmn], bs.due[plmn] = b, b
}

// logged checks the modem's plmn_blocked e against the #42 it is owed
// for: at its instant, with its end.
func (bs *blocks) logged(e eventlog.Event) []string {
	plmn := e.Str("plmn")
	want, ok := bs.due[plmn]
	delete(bs.due, plmn)
	switch until, err := time.Parse(time.RFC3339Nano, e.Str("until")); {
	case !ok || !want.at.T.Equal(e.T):
		return []string{fmt.Sprintf("%s: the modem blocked %s with no #42 from it at that instant", at(e), plmn)}
	case err != nil || intField(e, "cause") != emm.SevereNetworkFailure:
		return []string{fmt.Sprintf("%s: plmn_blocked for %s: until %q, cause %d", at(e), plmn, e.Str("until"), intField(e, "cause"))}
	case !until.Equal(want.until):
		return []string{fmt.Sprintf("%s: the modem blocked %s until %s, not 2 × T after %s: %s",
			at(e), plmn, until.UTC().Format("15:04:05.000"), at(want.at), want.until.UTC().Format("15:04:05.000"))}
	}
	return nil
}
