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

// block is a PLMN a #42 keeps out of automatic selection, as the log
// shows it: the subscriber refused, the refusal and the timer's end.
type block struct {
	sub   string
	until time.Time
	at    eventlog.Event
}

// checkSevereBlocks: a #42 (severe network failure, TS 24.301
// §5.5.1.2.5) keeps its PLMN out of automatic selection for 2 × T, T
// the USIM's EF HPPLMN period (emm.BlockPeriod: the default's 60 minutes
// for a card coding no search), held from the event log alone: after a
// world attach_result denied with #42 to the subscriber of the USIM in
// use, no automatic attach_attempt on that PLMN for that subscriber
// before 2 × T has run, unless the block went first — the power off, a
// restart, the card out, another USIM read (the ME's lists' clearing
// events, as checkMELists has them) or a registration on that PLMN. The
// modem's plmn_blocked for it comes at the reject's instant with that
// end (until). Manual selection is exempt, as in checkMELists.
func checkSevereBlocks(s *scenario.Scenario, o Outcome) []string {
	var v []string
	dev := newDevice(o.ATLog)
	blocks := map[string]block{} // PLMN → its block
	logged := map[string]block{} // the #42s whose plmn_blocked is due at their instant
	of := ""                     // the USIM the blocks were learned with
	var try *eventlog.Event      // the world's attempt awaiting its result
	for i, e := range o.Events {
		if dev.step(e) {
			clear(blocks)
			of = ""
		}
		switch {
		case is(e, eventlog.Modem, modem.KindCard) && boolField(e, "present"):
			if id := e.Str("imsi"); id != "" && of != "" && id != of {
				clear(blocks)
				of = ""
			}
		case is(e, eventlog.Modem, modem.KindPLMNBlocked):
			plmn := e.Str("plmn")
			want, ok := logged[plmn]
			delete(logged, plmn)
			switch until, err := time.Parse(time.RFC3339Nano, e.Str("until")); {
			case !ok || !want.at.T.Equal(e.T):
				v = append(v, fmt.Sprintf("%s: the modem blocked %s with no #42 from it at that instant", at(e), plmn))
			case err != nil || intField(e, "cause") != emm.SevereNetworkFailure:
				v = append(v, fmt.Sprintf("%s: plmn_blocked for %s: until %q, cause %d", at(e), plmn, e.Str("until"), intField(e, "cause")))
			case !until.Equal(want.until):
				v = append(v, fmt.Sprintf("%s: the modem blocked %s until %s, not 2 × T after %s: %s",
					at(e), plmn, until.UTC().Format("15:04:05.000"), at(want.at), want.until.UTC().Format("15:04:05.000")))
			}
		case is(e, eventlog.World, world.KindAttachAttempt):
			try = &o.Events[i]
			plmn, sub := e.Str("plmn"), e.Str("operator")
			if b, ok := blocks[plmn]; ok && !dev.manual && b.sub == sub && e.T.Before(b.until) {
				v = append(v, fmt.Sprintf("%s: automatic selection tried %s's subscriber on PLMN %s, blocked since %s (#42) until %s, with none of power off, restart, card out, another USIM or a registration there since",
					at(e), orNone(sub), plmn, at(b.at), b.until.UTC().Format("15:04:05.000")))
			}
		case is(e, eventlog.World, world.KindAttachResult) && try != nil:
			plmn, sub := try.Str("plmn"), try.Str("operator")
			try = nil
			if boolField(e, "ok") {
				delete(blocks, plmn)
				continue
			}
			if dev.imsi == "" || e.Str("registration") != "denied" || !emm.BlocksPLMN(intField(e, "cause")) {
				continue
			}
			t, _, ok := searchPeriodOf(s, dev.imsi)
			if !ok {
				continue
			}
			if of != "" && of != dev.imsi {
				clear(blocks)
			}
			of = dev.imsi
			b := block{sub: sub, until: e.T.Add(emm.BlockPeriod(t)), at: e}
			blocks[plmn], logged[plmn] = b, b
		}
	}
	return v
}
