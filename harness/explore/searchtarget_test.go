package explore

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/scenario"
)

// TestGeneratorSearchTargets: in about one case in four the periodic
// search for a higher priority PLMN gets something to find — mostly
// national roaming (an agreement of the home operator with a network of
// its country, the home network gone for a while from a stay at home),
// else a preferred partner gone from an arrival in its country —, each
// window over a stay in the target's country, as coverage lost or as an
// attach no_service; none without national agreements in the loader; and
// a case that draws none is the one the generator drew without the
// feature, a case that draws one that case with lines added or extended.
func TestGeneratorSearchTargets(t *testing.T) {
	const n = 300
	f := Probe()
	if !f.NationalRoaming || !f.HPLMNSearch {
		t.Fatalf("the loader in this tree takes national agreements and hplmn_search: Probe says %+v", f)
	}
	off := f
	off.NationalRoaming = false
	with, without := Generator(f), Generator(off)
	kinds := map[string]int{}
	national, partner, periods := 0, 0, 0
	for i := 1; i <= n; i++ {
		a, b := with.Example(i), without.Example(i)
		s := a.Scenario
		home := s.Network.Operators[0]
		nat := slices.ContainsFunc(s.Network.Roaming, func(g scenario.Agreement) bool {
			return g.Home == home.ID && opCountry(s, g.Visited) == home.Country
		})
		if slices.ContainsFunc(b.Scenario.Network.Roaming, func(g scenario.Agreement) bool {
			return opCountry(b.Scenario, g.Home) == opCountry(b.Scenario, g.Visited)
		}) {
			t.Errorf("case %d: a national agreement without the feature", i)
		}
		if a.YAML == b.YAML {
			continue
		}
		if !isSubsequence(strings.Split(b.YAML, "\n"), strings.Split(a.YAML, "\n")) {
			t.Errorf("case %d: not the case drawn without the feature with lines added:\n%s\nwithout:\n%s", i, a.YAML, b.YAML)
		}
		target := ""
		switch {
		case nat:
			national++
			target = home.ID
		case len(home.PreferredPartners) > 0:
			partner++
			target = home.PreferredPartners[0]
		}
		// The target's window is the last fault and meets a stay in the
		// target's country.
		fl := s.Faults[len(s.Faults)-1]
		if target == "" || fl.Operator != target || fl.Kind != scenario.CoverageLost && fl.Kind != scenario.AttachNoService {
			t.Errorf("case %d: target %q, last fault %+v", i, target, fl)
			continue
		}
		kinds[string(fl.Kind)]++
		if !staysDuring(s, opCountry(s, target)+"-A", fl.From, fl.Until) {
			t.Errorf("case %d: %s's window %v–%v meets no stay in its country: %+v", i, target, fl.From, fl.Until, s.Itinerary)
		}
		if home.HPLMNSearch != nil && !strings.Contains(b.YAML, "hplmn_search") {
			periods++
		}
	}
	t.Logf("%d of %d cases: %d national roaming, %d partner later, %v, %d home periods given", national+partner, n, national, partner, kinds, periods)
	if national < n/20 || national > n/4 || partner < 3 || national+partner > n/3 {
		t.Errorf("%d national, %d partner cases of %d: want about one case in four, mostly national", national, partner, n)
	}
	if kinds[string(scenario.CoverageLost)] == 0 || kinds[string(scenario.AttachNoService)] == 0 || periods == 0 {
		t.Errorf("want both kinds of window and some home periods: %v, %d", kinds, periods)
	}
}

func opCountry(s *scenario.Scenario, id string) string {
	for _, o := range s.Network.Operators {
		if o.ID == id {
			return o.Country
		}
	}
	return ""
}

// staysDuring reports whether the itinerary is in area at some instant of
// [from, until).
func staysDuring(s *scenario.Scenario, area string, from, until time.Duration) bool {
	for i, st := range s.Itinerary {
		end := time.Duration(1 << 62)
		if i+1 < len(s.Itinerary) {
			end = s.Itinerary[i+1].At
		}
		if st.Area == area && st.At < until && from < end {
			return true
		}
	}
	return false
}

// isSubsequence reports whether every line of short is, in order, a line
// of long or a line of long extended by fields before its closing brace.
func isSubsequence(short, long []string) bool {
	j := 0
	for _, l := range short {
		for j < len(long) && long[j] != l && !(strings.HasSuffix(l, "}") && strings.HasPrefix(long[j], strings.TrimSuffix(l, "}")+", ")) {
			j++
		}
		if j == len(long) {
			return false
		}
		j++
	}
	return true
}

// TestAttachFaulted: the faults already on an operator that keep
// drawSearchTarget from adding an attach window beside them (the loader
// refuses overlapping ones).
func TestAttachFaulted(t *testing.T) {
	for _, c := range attachFaultRows {
		if got := attachFaulted(faultText(c.fault), "fr2"); got != c.any {
			t.Errorf("attachFaulted(%s) = %t, want %t", c.fault, got, c.any)
		}
	}
}
