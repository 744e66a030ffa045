package emm

import (
	"slices"
	"testing"
	"time"
)

func TestInvalidatesUSIM(t *testing.T) {
	for cause, want := range map[int]bool{
		3: true, 6: true, 7: true, 8: true,
		0: false, 11: false, 13: false, 15: false, 17: false, 111: false,
	} {
		if got := InvalidatesUSIM(cause); got != want {
			t.Errorf("InvalidatesUSIM(%d) = %v, want %v", cause, got, want)
		}
	}
}

// TestForbiddingCauses: #11 forbids the PLMN on the USIM's list, #14 on
// the ME's list for EPS (TS 24.301 §5.5.1.2.5); #12, #13 and #15 forbid
// a tracking area, #17 nothing.
func TestForbiddingCauses(t *testing.T) {
	for _, tc := range []struct {
		cause     int
		plmn, eps bool
	}{{11, true, false}, {14, false, true}, {12, false, false}, {13, false, false}, {15, false, false}, {17, false, false}, {7, false, false}} {
		if got := ForbidsPLMN(tc.cause); got != tc.plmn {
			t.Errorf("ForbidsPLMN(%d) = %v, want %v", tc.cause, got, tc.plmn)
		}
		if got := ForbidsPLMNForEPS(tc.cause); got != tc.eps {
			t.Errorf("ForbidsPLMNForEPS(%d) = %v, want %v", tc.cause, got, tc.eps)
		}
	}
}

// TestForbiddenSkips: automatic selection skips a PLMN of either list,
// the HPLMN only for the EPS list (TS 23.122 §3.1 keeps it off EF FPLMN).
func TestForbiddenSkips(t *testing.T) {
	f := Forbidden{PLMNs: []string{"20810", "20815"}, EPS: []string{"20801", "20815"}}
	for _, tc := range []struct {
		plmn, home string
		want       bool
	}{
		{"20810", "46000", true},
		{"20810", "20810", false}, // the HPLMN on EF FPLMN
		{"20801", "20801", true},  // the HPLMN after its #14
		{"20815", "20815", true},
		{"26202", "46000", false},
	} {
		if got := f.Skips(tc.plmn, tc.home); got != tc.want {
			t.Errorf("Skips(%s) home %s = %v, want %v", tc.plmn, tc.home, got, tc.want)
		}
	}
}

// TestTACauses: which list of forbidden tracking areas each cause feeds
// and where selection looks next (TS 24.301 §5.5.1.2.5): #12 the list
// for regional provision of service and another TA of the PLMN, #15 the
// list for roaming and another TA, #13 the list for roaming and PLMN
// selection; the PLMN-wide causes none.
func TestTACauses(t *testing.T) {
	for _, tc := range []struct {
		cause int
		list  TAList
		next  Next
	}{
		{12, RegionalTAs, OtherTA},
		{13, RoamingTAs, PLMNSelection},
		{15, RoamingTAs, OtherTA},
		{11, NoTAList, NextPLMN},
		{14, NoTAList, NextPLMN},
		{42, NoTAList, NextPLMN},
		{17, NoTAList, AttemptCounter},
		{111, NoTAList, AttemptCounter},
		{7, NoTAList, Stop},
		{3, NoTAList, Stop},
	} {
		if got := ForbidsTA(tc.cause); got != tc.list {
			t.Errorf("ForbidsTA(%d) = %v, want %v", tc.cause, got, tc.list)
		}
		if got := After(tc.cause); got != tc.next {
			t.Errorf("After(%d) = %v, want %v", tc.cause, got, tc.next)
		}
	}
}

// TestAbnormal: the ATTACH REJECT causes TS 24.301 §5.5.1.2.5 treats
// are not abnormal; every other one is (§5.5.1.2.6 d), and so are #22
// without T3346, #25 from a non-CSG cell and #31 to a UE without N1
// mode, as the emulated networks and modem always are.
func TestAbnormal(t *testing.T) {
	for _, tc := range []struct {
		cause    int
		abnormal bool
	}{
		{0, false}, // no reject
		{3, false}, {6, false}, {7, false}, {8, false},
		{11, false}, {12, false}, {13, false}, {14, false}, {15, false},
		{35, false}, {42, false}, {78, false},
		{2, true}, {5, true}, {9, true}, {10, true},
		{16, true}, {17, true}, {18, true}, {19, true},
		{22, true}, {25, true}, {31, true},
		{40, true}, {95, true}, {96, true}, {97, true}, {98, true}, {99, true}, {100, true}, {101, true}, {111, true},
	} {
		if got := Abnormal(tc.cause); got != tc.abnormal {
			t.Errorf("Abnormal(%d) = %v, want %v", tc.cause, got, tc.abnormal)
		}
		if got := After(tc.cause) == AttemptCounter; got != tc.abnormal {
			t.Errorf("After(%d) = %v: AttemptCounter %v, want %v", tc.cause, After(tc.cause), got, tc.abnormal)
		}
		// The causes the clause treats touch the location; abnormal ones
		// only as the counter runs out (AttemptsRanOut).
		if _, ok := RejectLocation(tc.cause); ok && tc.abnormal {
			t.Errorf("RejectLocation(%d) sets a location for an abnormal cause", tc.cause)
		}
	}
}

// TestAddTA: a list of forbidden tracking areas keeps each TAI once, in
// the order stored, and a full one (40) loses its oldest.
func TestAddTA(t *testing.T) {
	tai := func(tac int) TAI { return TAI{PLMN: "20801", TAC: uint16(tac)} }
	full := func() []TAI {
		var l []TAI
		for i := 1; i <= MaxForbiddenTAs; i++ {
			l = append(l, tai(i))
		}
		return l
	}
	for _, tc := range []struct {
		name  string
		list  []TAI
		add   TAI
		n     int
		first TAI
		last  TAI
	}{
		{"into an empty list", nil, tai(7), 1, tai(7), tai(7)},
		{"at the end", []TAI{tai(1)}, tai(2), 2, tai(1), tai(2)},
		{"already there: stays", []TAI{tai(1), tai(2)}, tai(1), 2, tai(1), tai(2)},
		{"the same TAC of another PLMN is another TA", []TAI{tai(1)}, TAI{PLMN: "20810", TAC: 1}, 2, tai(1), TAI{PLMN: "20810", TAC: 1}},
		{"full: the oldest goes", full(), tai(41), MaxForbiddenTAs, tai(2), tai(41)},
		{"full, already there: nothing goes", full(), tai(1), MaxForbiddenTAs, tai(1), tai(MaxForbiddenTAs)},
	} {
		got := AddTA(tc.list, tc.add)
		if len(got) != tc.n || got[0] != tc.first || got[len(got)-1] != tc.last {
			t.Errorf("%s: %d entries %v…%v, want %d %v…%v", tc.name, len(got), got[0], got[len(got)-1], tc.n, tc.first, tc.last)
		}
	}
	if got := DropTA([]TAI{tai(1), tai(2), tai(3)}, tai(2)); len(got) != 2 || got[0] != tai(1) || got[1] != tai(3) {
		t.Errorf("DropTA: %v", got)
	}
}

// TestForbiddenSkipsCell: a cell is left out for its PLMN (either PLMN
// list) or for its tracking area on either TA list, the HPLMN's areas
// too; another area of the same PLMN stays suitable.
func TestForbiddenSkipsCell(t *testing.T) {
	f := Forbidden{
		PLMNs:    []string{"20810"},
		EPS:      []string{"20815"},
		Regional: []TAI{{"20801", 0x1000}},
		Roaming:  []TAI{{"20801", 0x1001}, {"46000", 0x2000}},
	}
	for _, tc := range []struct {
		tai  TAI
		home string
		want bool
	}{
		{TAI{"20801", 0x1000}, "46000", true},  // regional provision of service
		{TAI{"20801", 0x1001}, "46000", true},  // roaming
		{TAI{"20801", 0x1002}, "46000", false}, // another TA of the PLMN
		{TAI{"46000", 0x2000}, "46000", true},  // the HPLMN's TA
		{TAI{"46000", 0x2001}, "46000", false},
		{TAI{"20810", 0x1000}, "46000", true}, // EF FPLMN
		{TAI{"20810", 0x1000}, "20810", false},
		{TAI{"20815", 0x1000}, "20815", true}, // #14
		{TAI{"26202", 0x1001}, "46000", false},
	} {
		if got := f.SkipsCell(tc.tai, tc.home); got != tc.want {
			t.Errorf("SkipsCell(%v) home %s = %v, want %v", tc.tai, tc.home, got, tc.want)
		}
	}
}

// TestSelectionRank: TS 23.122 §4.4.3.1's order — the RPLMN, the HPLMN,
// EF PLMNwAcT's PLMNs, EF OPLMNwAcT's, then the others together (by
// signal, the caller's) — a PLMN on two lists at its first place.
func TestSelectionRank(t *testing.T) {
	const home = "20801"
	full := Selection{RPLMN: "23415", User: []string{"26202", "23410"}, Operator: []string{home, "22210", "26202", "21401"}}
	for _, tc := range []struct {
		name string
		s    Selection
		plmn string
		want int
	}{
		{"rplmn first", full, "23415", 0},
		{"then home", full, home, 1},
		{"user list in order", full, "26202", 2},
		{"user list second", full, "23410", 3},
		{"operator list after user", full, "22210", 5},
		{"operator list last entry", full, "21401", 7},
		{"others after all lists", full, "31026", 8},
		{"the rplmn is the home", Selection{RPLMN: home}, home, 0},
		{"no rplmn: home first", Selection{}, home, 1},
		{"no lists: others", Selection{}, "26202", 2},
		{"rplmn on a list goes first", Selection{RPLMN: "22210", Operator: []string{"21401", "22210"}}, "22210", 0},
		{"operator list alone", Selection{Operator: []string{"21401", "22210"}}, "22210", 3},
		// The search on the VPLMN 20810 (an operator list entry, in the
		// HPLMN's country): the PLMNs above it, then it, then those
		// ranked with or below it.
		{"search: the home first", Selection{Search: true, RPLMN: "20810", Operator: []string{"20820", "20810", "20815"}}, home, 1},
		{"search: an entry above the RPLMN", Selection{Search: true, RPLMN: "20810", Operator: []string{"20820", "20810", "20815"}}, "20820", 2},
		{"search: then the RPLMN", Selection{Search: true, RPLMN: "20810", Operator: []string{"20820", "20810", "20815"}}, "20810", 3},
		{"search: an entry below it after it", Selection{Search: true, RPLMN: "20810", Operator: []string{"20820", "20810", "20815"}}, "20815", 5},
		{"search: on an unlisted VPLMN, it before the others", Selection{Search: true, RPLMN: "31026"}, "31026", 2},
		{"search: the others after it", Selection{Search: true, RPLMN: "31026"}, "26202", 3},
		// §4.4.3.3.1 f: the search tries the higher priority PLMNs of
		// the VPLMN's country only; the others go with the rest.
		{"search: the HPLMN of another country with the rest", Selection{Search: true, RPLMN: "26201", Operator: []string{"26202", "26201"}}, home, 5},
		{"search: an entry above of another country with the rest", Selection{Search: true, RPLMN: "26201", Operator: []string{"23410", "26202", "26201"}}, "23410", 6},
		{"search: an entry above in the country first", Selection{Search: true, RPLMN: "26201", Operator: []string{"23410", "26202", "26201"}}, "26202", 3},
		{"search: the RPLMN after it", Selection{Search: true, RPLMN: "26201", Operator: []string{"23410", "26202", "26201"}}, "26201", 4},
		{"search: Annex B, 311 is 310's country", Selection{Search: true, RPLMN: "310260", Operator: []string{"311480", "310260"}}, "311480", 2},
		// EF EHPLMN (§4.4.3.1.1 i): its PLMNs in its order take the
		// home step; the HPLMN not on it is one of the others.
		{"ehplmn: first of the list", Selection{EHPLMNs: []string{"20815", home}}, "20815", 1},
		{"ehplmn: the HPLMN second", Selection{EHPLMNs: []string{"20815", home}}, home, 2},
		{"ehplmn: user list after the list", Selection{EHPLMNs: []string{"20815", home}, User: []string{"26202"}}, "26202", 3},
		{"ehplmn: the HPLMN not listed is another", Selection{EHPLMNs: []string{"20815"}}, home, 2},
		{"ehplmn: others after the list", Selection{EHPLMNs: []string{"20815", "20820", home}}, "26202", 4},
		{"ehplmn: the rplmn still first", Selection{RPLMN: "23415", EHPLMNs: []string{"20815", home}}, "23415", 0},
		{"ehplmn search: an EHPLMN above the VPLMN of its country", Selection{Search: true, RPLMN: "20810", EHPLMNs: []string{"20815", home}}, "20815", 1},
	} {
		if got := tc.s.Rank(tc.plmn, home); got != tc.want {
			t.Errorf("%s: Rank(%s) = %d, want %d", tc.name, tc.plmn, got, tc.want)
		}
	}
}

// TestHigherPriority: the periodic search on a VPLMN (TS 23.122
// §4.4.3.3.1) looks for the HPLMN or a PLMN ranked above the serving one
// on the selector lists, in the serving PLMN's country, not forbidden;
// the RPLMN counts for nothing there.
func TestHigherPriority(t *testing.T) {
	const home = "20815" // Free
	tai := func(plmns ...string) []TAI {
		var out []TAI
		for _, p := range plmns {
			out = append(out, TAI{PLMN: p, TAC: 1})
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		s       Selection
		serving string
		visible []TAI
		want    bool
	}{
		{"the HPLMN in sight", Selection{}, "20801", tai("20801", "20815"), true},
		{"the HPLMN in sight, the serving one the RPLMN", Selection{RPLMN: "20801"}, "20801", tai("20801", "20815"), true},
		{"the HPLMN not in sight", Selection{}, "20801", tai("20801", "20810"), false},
		{"only others, by signal, never higher", Selection{}, "20801", tai("20810"), false},
		{"an operator list entry above the serving one", Selection{Operator: []string{"26202", "26201"}}, "26201", tai("26201", "26202"), true},
		{"an operator list entry below the serving one", Selection{Operator: []string{"26201", "26202"}}, "26201", tai("26201", "26202"), false},
		{"a listed PLMN serving: others are not higher", Selection{Operator: []string{"26201"}}, "26201", tai("26201", "26203"), false},
		{"another country's HPLMN-ranked PLMN: not searched", Selection{Operator: []string{"26202"}}, "23410", tai("23410", "26202"), false},
		{"Annex B: MCC 311 is 310's country", Selection{Operator: []string{"311480", "310260"}}, "310260", tai("310260", "311480"), true},
		{"Annex B: 404 and 405 are India", Selection{Operator: []string{"40445"}}, "40510", tai("40510", "40445"), true},
		{"Annex B: 330 (Puerto Rico) is not 310's country", Selection{Operator: []string{"330110"}}, "310260", tai("310260", "330110"), false},
		{"the HPLMN forbidden for EPS", Selection{Forbidden: Forbidden{EPS: []string{home}}}, "20801", tai("20801", "20815"), false},
		{"the HPLMN's area forbidden", Selection{Forbidden: Forbidden{Roaming: []TAI{{PLMN: home, TAC: 1}}}}, "20801", tai("20801", "20815"), false},
	} {
		if got := tc.s.HigherPriority(tc.serving, home, tc.visible); got != tc.want {
			t.Errorf("%s: HigherPriority = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestAttachAttempts: the attach attempt counter (TS 24.301 §5.5.1.2.6
// c): restarted at T3411 below 5, PLMN selection at 5; a selection leaves
// out the PLMNs it is done with, and, restarting on one PLMN, every other;
// Remaining says whether anything is left to try.
func TestAttachAttempts(t *testing.T) {
	for n, want := range map[int]bool{1: true, 4: true, 5: false, 6: false} {
		if got := RetriesAttach(n); got != want {
			t.Errorf("RetriesAttach(%d) = %v, want %v", n, got, want)
		}
	}
	// The causes that set the counter to 5 (§5.5.1.2.6 d), all abnormal;
	// #98 and #100, #101 between them count one by one, and so does
	// #19, whose setting is a "may".
	for cause, want := range map[int]bool{95: true, 96: true, 97: true, 99: true, 111: true,
		17: false, 19: false, 22: false, 98: false, 100: false, 101: false, 11: false, 0: false} {
		if got := EndsAttempts(cause); got != want {
			t.Errorf("EndsAttempts(%d) = %v, want %v", cause, got, want)
		}
		if want && !Abnormal(cause) {
			t.Errorf("EndsAttempts(%d) for a cause that is not abnormal", cause)
		}
	}
	sfr, orange := TAI{PLMN: "20810", TAC: 1}, TAI{PLMN: "20801", TAC: 2}
	const home = "46000"
	for _, tc := range []struct {
		name          string
		sel           Selection
		leavesSFR     bool
		leavesOrange  bool
		remainingBoth bool
	}{
		{"a new selection", Selection{}, false, false, true},
		{"a restart on SFR", Selection{Only: "20810"}, false, true, true},
		{"SFR done with", Selection{Failed: []string{"20810"}}, true, false, true},
		{"SFR done with, Orange forbidden", Selection{Failed: []string{"20810"}, Forbidden: Forbidden{PLMNs: []string{"20801"}}}, true, true, false},
		{"both done with", Selection{Failed: []string{"20801", "20810"}}, true, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.sel.Leaves(sfr, home); got != tc.leavesSFR {
				t.Errorf("Leaves(SFR) = %v", got)
			}
			if got := tc.sel.Leaves(orange, home); got != tc.leavesOrange {
				t.Errorf("Leaves(Orange) = %v", got)
			}
			if got := tc.sel.Remaining([]TAI{sfr, orange}, home); got != tc.remainingBoth {
				t.Errorf("Remaining = %v", got)
			}
		})
	}
}

// TestRejectLocation: TS 24.301 §5.5.1.2.5 — the causes it treats set
// EU3 and delete the GUTI and last visited registered TAI, #42 EU2 and
// the same deletions; the others
// (#17 network failure, #22 congestion without T3346, #111 protocol
// error, ...) are abnormal (§5.5.1.2.6 d): nothing until the counter's
// fifth, which sets EU2 and deletes the same.
func TestRejectLocation(t *testing.T) {
	eu3 := Location{Status: EU3RoamingNotAllowed, Delete: true}
	for _, tc := range []struct {
		cause int
		want  Location
		ok    bool
	}{
		{3, eu3, true}, {6, eu3, true}, {7, eu3, true}, {8, eu3, true},
		{11, eu3, true}, {12, eu3, true}, {13, eu3, true}, {14, eu3, true}, {15, eu3, true},
		{42, Location{Status: EU2NotUpdated, Delete: true}, true}, // severe network failure: EU2, deleted
		{0, Location{}, false}, {17, Location{}, false}, {22, Location{}, false},
		{25, Location{}, false}, {95, Location{}, false}, {111, Location{}, false},
	} {
		got, ok := RejectLocation(tc.cause)
		if got != tc.want || ok != tc.ok {
			t.Errorf("RejectLocation(%d) = %+v, %v; want %+v, %v", tc.cause, got, ok, tc.want, tc.ok)
		}
	}
	if AttemptsRanOut != (Location{Status: EU2NotUpdated, Delete: true}) {
		t.Errorf("AttemptsRanOut = %+v, want EU2 and deleted", AttemptsRanOut)
	}
	// EF EPSLOCI's byte 18 (TS 31.102 §4.2.91).
	if EU1Updated != 0 || EU2NotUpdated != 1 || EU3RoamingNotAllowed != 2 {
		t.Error("update status codes are not EF EPSLOCI's 00, 01, 02")
	}
}

// TestSevereNetworkFailure: #42 (TS 24.301 §5.5.1.2.5) blocks the PLMN
// that sent it, the PLMN alone, for 2 × T (TS 23.122 §4.4.3.3.1's T:
// EF HPPLMN's, 60 minutes when the card gives none or codes no search).
func TestSevereNetworkFailure(t *testing.T) {
	for cause, want := range map[int]bool{42: true, 0: false, 11: false, 14: false, 17: false, 22: false} {
		if got := BlocksPLMN(cause); got != want {
			t.Errorf("BlocksPLMN(%d) = %v, want %v", cause, got, want)
		}
	}
	// Blocked for a while, not forbidden: on no list.
	if ForbidsPLMN(42) || ForbidsPLMNForEPS(42) || ForbidsTA(42) != NoTAList || Abnormal(42) {
		t.Error("#42 forbids a PLMN or a tracking area, or counts as abnormal")
	}
	for _, tc := range []struct {
		t, want time.Duration
	}{
		{time.Hour, 2 * time.Hour},              // the default EF HPPLMN
		{6 * time.Minute, 12 * time.Minute},     // '01'
		{8 * time.Hour, 16 * time.Hour},         // '50', the longest
		{0, 2 * DefaultSearchPeriod},            // '00', no search: the default T
		{-time.Minute, 2 * DefaultSearchPeriod}, // none read
	} {
		if got := BlockPeriod(tc.t); got != tc.want {
			t.Errorf("BlockPeriod(%v) = %v, want %v", tc.t, got, tc.want)
		}
	}
}

// TestBlocks: a #42's block runs until its timer's expiry, the PLMN a
// candidate again from that instant; a #42 again starts the timer
// afresh; expired blocks go as another is stored.
func TestBlocks(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := func(plmn string, h int) Block { return Block{PLMN: plmn, Until: t0.Add(time.Duration(h) * time.Hour)} }
	for _, tc := range []struct {
		name    string
		list    []Block
		add     Block
		at      int // hours after t0 it is added at
		stored  []Block
		blocked map[int][]string // hours after t0: Blocked then
	}{
		{"into an empty list", nil, b("20810", 2), 0, []Block{b("20810", 2)},
			map[int][]string{0: {"20810"}, 1: {"20810"}, 2: nil, 3: nil}},
		{"a second PLMN: both, each its own timer", []Block{b("20810", 2)}, b("20801", 3), 1,
			[]Block{b("20810", 2), b("20801", 3)},
			map[int][]string{1: {"20810", "20801"}, 2: {"20801"}, 3: nil}},
		{"the same PLMN again: the new timer", []Block{b("20810", 2)}, b("20810", 3), 1, []Block{b("20810", 3)},
			map[int][]string{2: {"20810"}, 3: nil}},
		{"an expired block goes", []Block{b("20810", 2)}, b("20801", 4), 2, []Block{b("20801", 4)},
			map[int][]string{2: {"20801"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := slices.Clone(tc.list)
			got := AddBlock(tc.list, tc.add, t0.Add(time.Duration(tc.at)*time.Hour))
			if !slices.Equal(got, tc.stored) {
				t.Errorf("stored %v, want %v", got, tc.stored)
			}
			if !slices.Equal(tc.list, before) {
				t.Errorf("AddBlock changed its argument: %v", tc.list)
			}
			for h, want := range tc.blocked {
				if got := Blocked(got, t0.Add(time.Duration(h)*time.Hour)); !slices.Equal(got, want) {
					t.Errorf("Blocked at +%dh = %v, want %v", h, got, want)
				}
			}
		})
	}
}

// TestBlockedSkipped: automatic selection leaves a blocked PLMN out,
// the HPLMN too (#42 makes no exception for it), all its tracking
// areas; the periodic search finds no higher priority PLMN in one.
func TestBlockedSkipped(t *testing.T) {
	const home = "20801"
	f := Forbidden{Blocked: []string{"20810", home}}
	for _, tc := range []struct {
		tai  TAI
		want bool
	}{
		{TAI{"20810", 1}, true},
		{TAI{"20810", 2}, true},
		{TAI{home, 1}, true},
		{TAI{"20815", 1}, false},
	} {
		if got := f.SkipsCell(tc.tai, home); got != tc.want {
			t.Errorf("SkipsCell(%v) = %v, want %v", tc.tai, got, tc.want)
		}
		if got := (Selection{Forbidden: f}).Leaves(tc.tai, home); got != tc.want {
			t.Errorf("Leaves(%v) = %v, want %v", tc.tai, got, tc.want)
		}
	}
	visible := []TAI{{"20815", 1}, {home, 1}}
	if (Selection{Forbidden: f}).HigherPriority("20815", home, visible) {
		t.Error("the blocked HPLMN found as a higher priority PLMN")
	}
	if !(Selection{}).HigherPriority("20815", home, visible) {
		t.Error("the HPLMN unblocked not found as a higher priority PLMN")
	}
	if (Selection{Forbidden: f}).Remaining([]TAI{{"20810", 1}, {home, 1}}, home) {
		t.Error("Remaining with only blocked PLMNs in sight")
	}
}
