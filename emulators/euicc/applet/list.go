package applet

import (
	"fmt"

	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// maxListOperators bounds a stored preferred list (as the API does).
const maxListOperators = platformapi.MaxListOperators

// listAnswer stores the preferred list (claim 5) and starts the cycle on it
// (claim 3), unless the list is empty, unusable, or its first operator is
// the one already serving (nothing to attempt).
func (a *Applet) listAnswer(e HTTPResult) {
	c := a.st.Cycle
	fail := func(reason string, kv ...any) {
		a.log(KindPreferredListFailed, append([]any{"reason", reason}, kv...)...)
		a.st.Cycle = nil
		a.become(ModeIdle)
	}
	a.platformAnswered(e)
	if reason := httpFailure(e); reason != "" {
		fail(reason, resultField(e)...)
		return
	}
	l, err := DecodePreferredList(e.Body)
	if err != nil {
		fail(err.Error())
		return
	}
	// The whole list is logged, so that a reader (esimhil fleet) can hold
	// it against the configuration it expects.
	ids, plmns := make([]string, len(l.Operators)), make([]string, len(l.Operators))
	tariffs, rsrp := make([]float64, len(l.Operators)), make([]any, len(l.Operators))
	for i, o := range l.Operators {
		ids[i], plmns[i], tariffs[i] = o.ID, o.PLMN, o.Tariff
		if o.RSRP != 0 {
			rsrp[i] = o.RSRP
		}
	}
	a.log(KindPreferredListReceived, "operators", ids, "plmns", plmns, "tariffs", tariffs, "rsrp", rsrp, "country", l.Country, "order_by", l.OrderBy)
	if now := mcc(a.st.Serving); a.st.Online && now != "" && c.Area != "" && !inArea(now, c.Area, l.Country) {
		// The device crossed into another country while the list was on
		// its way (a slow platform: outside tester sw51): the list is for
		// the one it left, and acting on it would cost a switch there and
		// one back. The next check asks for the new country's. A network
		// on another MCC that may serve the list's country is no crossing
		// (inArea: Puerto Rico's 330 and 310, outside tester t84 N1).
		fail(fmt.Sprintf("the list is for %s, and the device is now served by %s: %s", listPlace(c.Area, l.Country), a.st.Serving, a.staleListNext()))
		return
	}
	if now := mcc(a.st.Serving); l.Country != "" && now != "" && !ident.MCCServes(now, l.Country) {
		// A list is for the serving network's country (docs/platform-api.md):
		// one for a country no network of this MCC may serve is another
		// area's, whatever its operators, and acting on it would leave the
		// place the card is in for a list it did not ask for (outside
		// tester t146 F2). The next check asks again.
		fail(fmt.Sprintf("the list is for %s, and the device is served by %s, a network that does not serve %s: another country's list, not acted on", l.Country, a.st.Serving, l.Country))
		return
	}
	c.Country = l.Country
	a.st.List = l
	if len(l.Operators) == 0 {
		a.log(KindPreferredListEmpty)
		a.st.Cycle = nil
		a.become(ModeIdle)
		return
	}
	if cur, ok := a.enabled(); ok && a.st.Online && serves(cur, l.Operators[0]) {
		// The platform prefers where the device already is.
		a.log(KindPreferredAlreadyEnabled, "operator", l.Operators[0].ID)
		a.st.Cycle = nil
		a.become(ModeIdle)
		return
	}
	c.ListID = l.ListID
	c.Ops = append([]ListOperator(nil), l.Operators...)
	a.startCycle(c)
}

// listPlace names where a list is for in a reason: its country as the
// platform named it, and the MCC its cycle began on.
func listPlace(area, country string) string {
	if country == "" {
		return area
	}
	return country + " (" + area + ")"
}

// staleListNext says, for the reason of a list dropped as the country
// left's, what the next check does where the device now is, decided as
// that check decides (idleCheck) of the network serving and the cells
// last measured: at home — the enabled profile's network, or the home
// profile's serving or measured and not backed off there, which it comes
// home to without a list — it asks none; elsewhere it asks again (outside
// tester t264: a device home while its list was on the way read "the
// next check asks again", and no check asked).
func (a *Applet) staleListNext() string {
	cur, _ := a.enabled()
	e := LocalInfo{Service: NormalService, PLMN: a.st.Serving, Cells: make([]Measurement, len(a.st.Measured))}
	for i, p := range a.st.Measured {
		e.Cells[i].PLMN = p
	}
	if _, ok := a.homeVisible(e, cur, mcc(e.PLMN)); ok || e.PLMN == cur.HomePLMN {
		return "the device is home, where no list is asked"
	}
	return "the next check asks again"
}

// serves reports whether profile p is list operator o's.
func serves(p Profile, o ListOperator) bool { return p.Operator == o.ID || p.HomePLMN == o.PLMN }

// httpFailure returns why e is not a platform's answer (a 2xx with a
// body, platformapi.Answered), or "".
func httpFailure(e HTTPResult) string {
	switch {
	case e.Err != "":
		return e.Err
	case e.Status == 204 || e.Status == 205:
		return fmt.Sprintf("http status %d: no body, where the platform's answer is one (want 200)", e.Status)
	case !platformapi.Answered(e.Status):
		if why := refusal(e.Body); why != "" {
			return fmt.Sprintf("http status %d: %s", e.Status, why)
		}
		return fmt.Sprintf("http status %d", e.Status)
	}
	return ""
}

// resultField is the "result" field of an event whose reason is e.Err: the
// terminal's result (TS 102 223 §8.12) as the toolkit codec writes it,
// "20/04", when a toolkit command ended the exchange; none otherwise.
func resultField(e HTTPResult) []any {
	if e.Err == "" || e.TerminalResult == nil {
		return nil
	}
	return []any{"result", e.TerminalResult.String()}
}

// refusal is the reason in a platform's 4xx answer ({"error": "..."}),
// kept short for the event log, or "".
func refusal(body []byte) string {
	r, err := platformapi.DecodeErrorResponse(body)
	if err != nil {
		return ""
	}
	if len(r.Error) > 160 {
		return r.Error[:160] + "…"
	}
	return r.Error
}

// DecodePreferredList parses and checks the platform's preferred-list
// answer with the API's one strict decoder, as the list the card stores.
// Its error names the field, not the step: the card logs it as the reason
// of preferred_list_failed, whose kind names the step already, and the
// fleet prefixes "preferred list: " to every such reason.
func DecodePreferredList(body []byte) (*PreferredList, error) {
	r, err := platformapi.DecodeListResponse(body)
	if err != nil {
		return nil, err
	}
	l := &PreferredList{ListID: r.ListID, Country: r.Country, OrderBy: r.OrderBy, Operators: make([]ListOperator, len(r.Operators))}
	for i, o := range r.Operators {
		l.Operators[i] = ListOperator{ID: o.ID, PLMN: o.PLMN, Tariff: o.Tariff}
		if o.RSRP != nil {
			l.Operators[i].RSRP = *o.RSRP
		}
	}
	return l, nil
}

// validate checks a list's fields (a list from the platform, or one
// restored from NVM).
func (l *PreferredList) validate() error {
	if len(l.Operators) > maxListOperators {
		return fmt.Errorf("%d operators, at most %d", len(l.Operators), maxListOperators)
	}
	switch l.OrderBy {
	case "tariff", "signal":
	default:
		return fmt.Errorf("order_by %q, want tariff or signal", l.OrderBy)
	}
	return validOps(l.Operators)
}

func validOps(ops []ListOperator) error {
	if len(ops) > maxListOperators {
		return fmt.Errorf("%d operators, at most %d", len(ops), maxListOperators)
	}
	for i, o := range ops {
		if o.ID == "" {
			return fmt.Errorf("operators[%d]: missing id", i)
		}
		if !ident.IsPLMN(o.PLMN) {
			return fmt.Errorf("operators[%d]: plmn %q is not 5 or 6 digits", i, o.PLMN)
		}
	}
	return nil
}
