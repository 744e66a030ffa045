package explore

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"pgregory.net/rapid"
)

// targetCases: a case draws a search target (drawSearchTarget) when a
// uniform draw of 0..targetCases-1 is 0, about one case in four.
const targetCases = 4

// targetPeriods are the hplmn_search a search target's case gives the home
// operator when it has none: periods short enough that the search comes
// inside a stay of the itinerary (30 to 90 min, shorter when fast).
var targetPeriods = []string{"6m", "12m", "30m"}

// stop is one stop of a case's itinerary: its area and arrival.
type stop struct {
	area string
	at   time.Duration
}

// drawSearchTarget gives, in about one case in four, the periodic search
// for a higher priority PLMN (TS 23.122 §4.4.3.3.1) something to find: a
// network of higher priority than the one the device lands on, absent or
// refusing when it arrives and back while it stays. Two times in three
// national roaming: an agreement letting the home operator's subscribers on
// another network of its country with a cell there (Annex B: the US's 310
// and 311 are one country), and the home network gone for 10 to 60 min
// from a stay at home's arrival (the device at switch-on, back from a
// trip) or from a drawn instant inside it; else a preferred partner (the
// home operator's first, or one given to it now, in a country the
// itinerary visits, with an agreement) gone from an arrival there. Gone
// two times in three as `coverage: lost` (no cell, so the search finds
// nothing until it is back), else, from the arrival, as `attach:
// no_service` when no attach fault of the network could overlap (in
// sight: the search fires, is refused and stays on the VPLMN). Half the time a home operator without
// hplmn_search gets one of targetPeriods. Drawn last, after
// drawHPLMNSearch, so the cases drawn before keep all their draws; stops
// are the itinerary's (its first at home at 0s), horizon the run's end.
func drawSearchTarget(t *rapid.T, text string, ops []op, stops []stop, horizon time.Duration, f Features) string {
	if rapid.IntRange(0, targetCases-1).Draw(t, "search_target") != 0 {
		return text
	}
	home := ops[0]
	kind := "national" // two times in three
	if f.Partners && uniform(t, indexes(3), "search_target_kind") == 2 {
		kind = "partner"
	}
	var target op
	var edit func(string) string // the agreement (and partner) the target needs
	given := ""
	switch kind {
	case "national":
		var national []op
		for _, o := range ops[1:] {
			if o.Country == home.Country && o.RSRP != 0 {
				national = append(national, o)
			}
		}
		if len(national) == 0 {
			return text
		}
		v := uniform(t, national, "national_partner")
		edit = func(text string) string { return withAgreement(text, home.ID, v.ID) }
		target = home
	case "partner":
		line := operatorLine(text, home)
		const key = "preferred_partners: ["
		first := ""
		if k := strings.Index(line, key); k >= 0 {
			first, _, _ = strings.Cut(line[k+len(key):], "]")
			first, _, _ = strings.Cut(first, ",")
		} else {
			var can []op
			for _, o := range ops {
				if o.Country != home.Country && o.RSRP != 0 && slices.ContainsFunc(stops, func(s stop) bool { return s.area == o.Country+"-A" }) {
					can = append(can, o)
				}
			}
			if len(can) == 0 {
				return text
			}
			first = uniform(t, can, "later_partner").ID
			given = "preferred_partners: [" + first + "]"
		}
		i := slices.IndexFunc(ops, func(o op) bool { return o.ID == first })
		if i < 0 || ops[i].RSRP == 0 {
			return text
		}
		target = ops[i]
		edit = func(text string) string {
			if given != "" {
				text = withField(text, home, given)
			}
			return withAgreement(text, home.ID, target.ID)
		}
	}

	type stay struct{ from, to time.Duration }
	var in []stay
	for i, s := range stops {
		if s.area != target.Country+"-A" {
			continue
		}
		to := horizon
		if i+1 < len(stops) {
			to = stops[i+1].at
		}
		in = append(in, stay{s.at, to})
	}
	if len(in) == 0 {
		return text
	}
	s := uniform(t, in, "target_stay")
	const step = 10 * time.Minute
	from := s.from / step * step
	if n := int((s.to - time.Nanosecond - from) / step); n >= 1 && rapid.Bool().Draw(t, "target_drops") {
		from += time.Duration(uniformInt(t, 1, n, "target_from")) * step
	}
	until := from + time.Duration(uniformInt(t, 1, 6, "target_len"))*step
	text = edit(text)
	kind = "coverage: lost"
	// A network that starts refusing attaches keeps the device it holds:
	// a refusal's window covers the arrival.
	if f.AttachKinds && from == s.from/step*step && !attachFaulted(text, target.ID) && rapid.IntRange(0, 2).Draw(t, "target_refuses") == 0 {
		kind = "attach: no_service"
	}
	if !strings.Contains(text, "\nfaults:\n") {
		text += "faults:\n"
	}
	text += fmt.Sprintf("  - {%s, operator: %s, from: %s, until: %s}\n", kind, target.ID, shortDur(from), shortDur(until))

	if !strings.Contains(operatorLine(text, home), "hplmn_search:") && rapid.Bool().Draw(t, "target_period") {
		text = withField(text, home, "hplmn_search: "+rapid.SampledFrom(targetPeriods).Draw(t, "target_period_value"))
	}
	return text
}

// operatorLine is o's line in text's network.operators, "" if none.
func operatorLine(text string, o op) string {
	head := fmt.Sprintf("    - {id: %s, plmn: %q,", o.ID, o.PLMN)
	i := strings.Index(text, head)
	if i < 0 {
		return ""
	}
	return text[i : i+strings.Index(text[i:], "}\n")]
}

// withField appends field to o's line in text's network.operators.
func withField(text string, o op, field string) string {
	line := operatorLine(text, o)
	if line == "" {
		return text
	}
	end := strings.Index(text, line) + len(line)
	return text[:end] + ", " + field + text[end:]
}

// withAgreement adds the agreement {home, visited} to text's
// network.roaming (which comes right before network.cells) unless it is
// there: the loader refuses one given twice.
func withAgreement(text, home, visited string) string {
	line := fmt.Sprintf("    - {home: %s, visited: %s}\n", home, visited)
	if strings.Contains(text, line) {
		return text
	}
	if !strings.Contains(text, "\n  roaming:\n") {
		line = "  roaming:\n" + line
	}
	i := strings.Index(text, "\n  cells:\n") + 1
	return text[:i] + line + text[i:]
}

// attachFaulted reports whether text's faults hold an attach fault on
// operator id for any subscriber: a windowed one for every attempt beside
// it might be refused by the loader (one fault an attempt, subscriber and
// window), so none is added — more cautious than the loader, simpler.
func attachFaulted(text, id string) bool {
	_, faults, _ := strings.Cut(text, "\nfaults:\n")
	for _, l := range strings.Split(faults, "\n") {
		if strings.HasPrefix(l, "  - {attach") && (strings.Contains(l, "operator: "+id+",") || strings.Contains(l, "operator: "+id+"}")) &&
			!strings.Contains(l, "subscriber:") {
			return true
		}
	}
	return false
}
