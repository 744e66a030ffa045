package fleet

import (
	"fmt"
	"slices"
	"strings"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// How the fleet holds the preferred lists its cards get against the
// template's base scenario (Config.Lists, --lists).
const (
	// ListsStrict fails a device given a list other than the one the
	// template configures for its country, in its order_by: the emulated
	// platform always, and by default an external one, which serves the
	// base scenario's configuration (README, Bring your own platform).
	ListsStrict = "strict"
	// ListsReport (external platforms only) counts such lists and names
	// each departure, without failing the device: a platform team's own
	// service whose business rules differ from the template's. What the
	// API fixes whatever the rules is still checked (listBroken).
	ListsReport = "report"
)

// CheckLists refuses a --lists value that is not a mode, and report
// against the emulated platform, which serves the template's lists: a
// departure there is the harness's bug, never a business rule.
func CheckLists(mode, platform string) error {
	switch mode {
	case "", ListsStrict:
	case ListsReport:
		if platform == "" {
			return fmt.Errorf("--lists report: only with --platform (the emulated platform serves the template's lists, so a list that departs from them fails its device)")
		}
	default:
		return fmt.Errorf("--lists %q: want strict or report", mode)
	}
	return nil
}

// listOf reads the list a card logged with preferred_list_received (the
// applet logs it entry by entry: operators, plmns, tariffs as []float64,
// rsrp as []any of int or nil). The fleet reads its cards' events as they
// are logged, never read back from events.jsonl (whose numbers would be
// json.Number).
func listOf(e eventlog.Event) platformapi.ListResponse {
	ids, plmns := e.Strs("operators"), e.Strs("plmns")
	tariffs, _ := e.Get("tariffs").([]float64)
	rsrp, _ := e.Get("rsrp").([]any)
	l := platformapi.ListResponse{Country: e.Str("country"), OrderBy: e.Str("order_by"), Operators: make([]platformapi.ListedOperator, len(ids))}
	for i, id := range ids {
		o := platformapi.ListedOperator{ID: id}
		if i < len(plmns) {
			o.PLMN = plmns[i]
		}
		if i < len(tariffs) {
			o.Tariff = tariffs[i]
		}
		if i < len(rsrp) {
			if v, ok := rsrp[i].(int); ok {
				o.RSRP = &v
			}
		}
		l.Operators[i] = o
	}
	return l
}

// signalOf reads the signal report a card logged with
// preferred_list_requested ([{plmn, rsrp}] as sent, live events:
// []eventlog.F), by PLMN; nil when the event has none (a card that logs
// no report: nothing to hold a list's rsrp to).
func signalOf(e eventlog.Event) map[string]int {
	sig, ok := e.Get("signal").([]eventlog.F)
	if !ok {
		return nil
	}
	out := make(map[string]int, len(sig))
	for _, r := range sig {
		plmn, _ := r["plmn"].(string)
		if v, ok := r["rsrp"].(int); ok && plmn != "" {
			out[plmn] = v
		}
	}
	return out
}

// listBroken says how a list breaks what the API fixes whatever a
// platform's business rules ("" when it does not): an operator the
// template's network does not know, or under another PLMN, one named
// twice, an rsrp that is not the one its card reported (reported: the
// card's signal report by PLMN, nil when unknown — the API's rsrp is the
// device's measurement, so a list ranked by another device's, or by
// none, is no answer to this card's request), an order its own tariff or
// rsrp fields contradict. It fails its device in either mode. (A list
// for a country the serving network does not serve the card refuses
// itself: preferred_list_failed.)
func (t *Template) listBroken(l platformapi.ListResponse, reported map[string]int) string {
	for i, o := range l.Operators {
		known, ok := t.operator(o.ID)
		switch {
		case !ok:
			return fmt.Sprintf("operators[%d]: %s, an operator the template's network does not have", i, o.ID)
		case known.PLMN != o.PLMN:
			return fmt.Sprintf("operators[%d]: %s with plmn %s, the template's has %s", i, o.ID, o.PLMN, known.PLMN)
		}
		if o.RSRP == nil || reported == nil {
			continue
		}
		if v, ok := reported[o.PLMN]; !ok {
			return fmt.Sprintf("operators[%d]: %s with rsrp %d, and the card reported no signal of %s", i, o.ID, *o.RSRP, o.PLMN)
		} else if v != *o.RSRP {
			return fmt.Sprintf("operators[%d]: %s with rsrp %d, the card reported %d for %s", i, o.ID, *o.RSRP, v, o.PLMN)
		}
	}
	return platformapi.OrderContradiction(l)
}

// listDeparture says how a list departs from the one the template's
// platform configures for its country ("" when it does not): another
// order_by, an operator left out or added, another order. The expected
// list is the template's operators for the country, ordered by the same
// rule the emulated platform orders them by (platformapi.SortList), with
// the rsrp its card reported (reported, by PLMN: a list that leaves out
// the rsrp of a network the card measured ranks it among the unreported,
// which the template's does not); when that is unknown (nil), the rsrp
// the list carries. A list may leave its country out (the card needs
// none: docs/platform-api.md); it is then held to the country the
// template's platform serves the card's serving network servedBy.
func (t *Template) listDeparture(l platformapi.ListResponse, servedBy string, reported map[string]int) string {
	p := t.Base.Platform
	orderBy := p.OrderBy
	if orderBy == "" {
		orderBy = platformapi.OrderTariff
	}
	if l.OrderBy != orderBy {
		return fmt.Sprintf("order_by %s, the template's is %s", l.OrderBy, orderBy)
	}
	country := l.Country
	if country == "" {
		c, ok := t.countryOf(servedBy)
		if !ok {
			return fmt.Sprintf("a list naming no country, for serving network %s, where the template's platform serves none", servedBy)
		}
		country = c
	}
	ids, ok := p.Preferred[country]
	if !ok {
		return fmt.Sprintf("a list for %q, for which the template configures none", country)
	}
	rsrp := map[string]*int{}
	for _, o := range l.Operators {
		rsrp[o.ID] = o.RSRP
	}
	want := make([]platformapi.ListedOperator, 0, len(ids))
	for _, id := range ids {
		o, _ := t.operator(id)
		r := rsrp[id]
		if reported != nil {
			r = nil
			if v, ok := reported[o.PLMN]; ok {
				r = &v
			}
		}
		want = append(want, platformapi.ListedOperator{ID: id, PLMN: o.PLMN, Tariff: o.Tariff, RSRP: r})
	}
	platformapi.SortList(want, orderBy)
	got, exp := opIDs(l.Operators), opIDs(want)
	if strings.Join(got, ",") == strings.Join(exp, ",") {
		return ""
	}
	why := fmt.Sprintf("%s's list [%s] is not the template's [%s]", country, strings.Join(got, " "), strings.Join(exp, " "))
	var out, in []string
	for _, id := range exp {
		if !slices.Contains(got, id) {
			out = append(out, id)
		}
	}
	for _, id := range got {
		if !slices.Contains(exp, id) {
			in = append(in, id)
		}
	}
	switch {
	case len(out) > 0:
		why += ": " + strings.Join(out, ", ") + " left out"
	case len(in) > 0:
		why += ": " + strings.Join(in, ", ") + " not in it"
	case orderBy == platformapi.OrderTariff:
		why += ": not in ascending tariff"
	default:
		why += ": not by descending reported rsrp"
	}
	return why
}

// countryOf is the country whose list the template's platform serves a
// card on serving network plmn: the emulated platform's rule,
// platformapi.ServedCountry, over the template's operators.
func (t *Template) countryOf(plmn string) (string, bool) {
	return platformapi.ServedCountry(t.Base.Network.Operators, func(o scenario.Operator) (string, string) { return o.PLMN, o.Country }, plmn)
}

func opIDs(ops []platformapi.ListedOperator) []string {
	ids := make([]string, len(ops))
	for i, o := range ops {
		ids[i] = o.ID
	}
	return ids
}

// listKey names a list in the result's distribution of lists served
// (Result.Lists): its country, order_by and operators in order.
func listKey(l platformapi.ListResponse) string {
	return fmt.Sprintf("%s %s [%s]", l.Country, l.OrderBy, strings.Join(opIDs(l.Operators), " "))
}
