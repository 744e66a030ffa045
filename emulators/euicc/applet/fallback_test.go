package applet

import (
	"slices"
	"strings"
	"testing"
)

const (
	iccidCMCC   = "89860000000000000019"
	iccidSFR    = "89331000000000000029"
	iccidOrange = "89330100000000000012"
)

func threeProfiles(enabled string) []Profile {
	ps := []Profile{
		{ICCID: iccidCMCC, Operator: "cmcc", HomePLMN: "46000", Original: true},
		{ICCID: iccidSFR, Operator: "sfr", HomePLMN: "20810"},
		{ICCID: iccidOrange, Operator: "orange-fr", HomePLMN: "20801"},
	}
	for i := range ps {
		ps[i].Enabled = ps[i].ICCID == enabled
	}
	return ps
}

// The claim-3 paths through a simulated card, terminal and network: the
// log tells the story, the platform's reports are counted.
func TestFallbackPaths(t *testing.T) {
	sfr := func(ocs ...outcome) simOp {
		return simOp{ID: "sfr", PLMN: "20810", ICCID: iccidSFR, Preinstalled: true, Outcomes: ocs}
	}
	orange := func(ocs ...outcome) simOp {
		return simOp{ID: "orange-fr", PLMN: "20801", ICCID: iccidOrange, Preinstalled: true, Outcomes: ocs}
	}
	free := simOp{ID: "free", PLMN: "20815", ICCID: "89331500000000000016"} // refused download
	bytel := simOp{ID: "bouygues", PLMN: "20820", ICCID: "89332000000000000019", DownloadOK: true}
	tests := []struct {
		name         string
		ops          []simOp
		orig         []outcome
		origRecovers bool
		periods      int
		want         string // the log, kinds in order (check/attach_pending left out)
		reports      map[string]int
	}{
		{"claim 3: first rejects, second preinstalled attaches", []simOp{sfr(attachReject), orange(attachOK)}, nil, false, 3,
			"roaming_detected preferred_list_requested preferred_list_received profile_enabled(sfr) attach_failed(sfr) fallback(sfr>cmcc) " +
				"profile_enabled(cmcc) fallback_attached(cmcc) notification_sent(attach-failure) profile_enabled(orange-fr) " +
				"cycle_ended(orange-fr)(attach-success) notification_sent(attach-success)",
			map[string]int{"attach-failure": 1, "attach-success": 1}},
		{"claim 3: reject, download refused, third downloaded attaches", []simOp{sfr(attachReject), free, bytel}, nil, false, 3,
			"roaming_detected preferred_list_requested preferred_list_received profile_enabled(sfr) attach_failed(sfr) fallback(sfr>cmcc) " +
				"profile_enabled(cmcc) fallback_attached(cmcc) profile_not_preinstalled(free) download_requested(free) notification_sent(attach-failure) " +
				"download_result(free) profile_not_preinstalled(bouygues) download_requested(bouygues) download_result(bouygues) notification_sent(download-success) " +
				"profile_enabled(bouygues) cycle_ended(bouygues)(attach-success) notification_sent(attach-success)",
			map[string]int{"attach-failure": 1, "attach-success": 1, "download-success": 1}},
		{"claim 3 and back-off: all fail → list_exhausted, both sit out a period, then the list again", []simOp{sfr(attachTimeout), free}, nil, false, 5,
			"roaming_detected preferred_list_requested preferred_list_received profile_enabled(sfr) attach_failed(sfr) fallback(sfr>cmcc) " +
				"profile_enabled(cmcc) fallback_attached(cmcc) profile_not_preinstalled(free) download_requested(free) notification_sent(attach-failure) " +
				"download_result(free) list_exhausted cycle_ended(list-exhausted) notification_sent(list-exhausted) " +
				// the next period: both backed off, nothing attempted
				"roaming_detected preferred_list_requested preferred_list_received list_passed_over " +
				// then the list again: each sits out two periods after
				"roaming_detected preferred_list_requested preferred_list_received profile_enabled(sfr) attach_failed(sfr) fallback(sfr>cmcc) " +
				"profile_enabled(cmcc) fallback_attached(cmcc) profile_not_preinstalled(free) download_requested(free) notification_sent(attach-failure) " +
				"download_result(free) list_exhausted cycle_ended(list-exhausted) notification_sent(list-exhausted) " +
				"roaming_detected preferred_list_requested preferred_list_received list_passed_over",
			map[string]int{"attach-failure": 2, "list-exhausted": 2}},
		{"claim 3: the original does not re-attach → no profile left to fall back to, the list goes on without a bearer", []simOp{sfr(attachOther), orange(attachOK)},
			[]outcome{attachOK, attachNone}, false, 3,
			"roaming_detected preferred_list_requested preferred_list_received profile_enabled(sfr) attach_failed(sfr) fallback(sfr>cmcc) notification_sent(attach-failure) " +
				"profile_enabled(cmcc) fallback_failed(cmcc) fallback_exhausted profile_enabled(orange-fr) " +
				"cycle_ended(orange-fr)(attach-success) notification_sent(attach-success)",
			map[string]int{"attach-failure": 1, "attach-success": 1}},
		{"claim 1: first attaches, no fallback", []simOp{sfr(attachOK), orange(attachOK)}, nil, false, 3,
			"roaming_detected preferred_list_requested preferred_list_received profile_enabled(sfr) cycle_ended(sfr)(attach-success) notification_sent(attach-success)",
			map[string]int{"attach-success": 1}},
		// The next check finds SFR roaming on 20899 and first on the
		// list: the state the card keeps as preferred_already_enabled.
		{"claims 3 and 7: first attaches through national roaming (a network of its country), no fallback", []simOp{sfr(attachNational), orange(attachOK)}, nil, false, 3,
			"roaming_detected preferred_list_requested preferred_list_received profile_enabled(sfr) cycle_ended(sfr)(attach-success) notification_sent(attach-success) " +
				"roaming_detected preferred_list_requested preferred_list_received preferred_already_enabled(sfr)",
			map[string]int{"attach-success": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(tt.ops, tt.orig)
			s.origRecovers = tt.origRecovers
			s.run(tt.periods)
			if len(s.failures) > 0 {
				t.Fatalf("invariants: %s\nlog: %s", strings.Join(s.failures, "\n"), s.kinds())
			}
			if got := s.kinds(); got != tt.want {
				t.Fatalf("log\n got: %s\nwant: %s", got, tt.want)
			}
			for kind, n := range tt.reports {
				if got := s.count(kind, ""); got != n {
					t.Errorf("%s reports: %d, want %d", kind, got, n)
				}
			}
			if len(s.reports) != sum(tt.reports) {
				t.Errorf("reports %v, want %v", s.reports, tt.reports)
			}
		})
	}
}

func sum(m map[string]int) (n int) {
	for _, v := range m {
		n += v
	}
	return n
}

// The three failure signals of claim 3 give their own reasons.
func TestAttachFailureReasons(t *testing.T) {
	tests := []struct {
		oc   outcome
		want string
	}{
		{attachReject, "registration denied (limited service, camped on 20810)"},
		{attachTimeout, "no normal service within 3m0s"},
		{attachOther, "normal service on another network 90188"},
	}
	for _, tt := range tests {
		s := newSim([]simOp{{ID: "sfr", PLMN: "20810", ICCID: iccidSFR, Preinstalled: true, Outcomes: []outcome{tt.oc}}}, nil)
		s.run(2)
		var got string
		for _, l := range s.logs {
			if l.Kind == "attach_failed" {
				got = l.Fields["reason"].(string)
				break
			}
		}
		if got != tt.want || len(s.failures) > 0 {
			t.Errorf("outcome %d: reason %q, want %q (failures %v)", tt.oc, got, tt.want, s.failures)
		}
	}
}

// Power loss at every step of the switch and download flows (claim 3 with
// DESIGN.md §1's open points): afterwards exactly one profile is enabled,
// the cycle resumes or restarts, attempts keep list order, and the
// operator that attaches is reported exactly once.
func TestPowerCutEveryStep(t *testing.T) {
	ops := []simOp{
		{ID: "sfr", PLMN: "20810", ICCID: iccidSFR, Preinstalled: true, Outcomes: []outcome{attachReject}},
		{ID: "free", PLMN: "20815", ICCID: "89331500000000000016"},
		{ID: "orange-fr", PLMN: "20801", ICCID: iccidOrange, Preinstalled: true, Outcomes: []outcome{attachTimeout}},
		{ID: "bouygues", PLMN: "20820", ICCID: "89332000000000000019", DownloadOK: true},
	}
	base := newSim(ops, nil)
	base.run(4)
	if len(base.failures) > 0 || base.enabled().Operator != "bouygues" {
		t.Fatalf("uncut run: %v, on %s\n%s", base.failures, base.enabled().Operator, base.kinds())
	}
	t.Logf("%d power-cut points", base.waits)
	for cut := 1; cut <= base.waits; cut++ {
		for _, double := range []bool{false, true} {
			s := newSim(ops, nil)
			s.cuts = []int{cut}
			if double {
				s.cuts = append(s.cuts, cut+1) // a second cut right after the restart
			}
			s.run(6)
			n := 0
			for _, p := range s.card {
				if p.Enabled {
					n++
				}
			}
			switch {
			case len(s.failures) > 0:
				t.Fatalf("cut %v: %s\n%s", s.cuts, strings.Join(s.failures, "\n"), s.kinds())
			case n != 1:
				t.Fatalf("cut %d: %d profiles enabled", cut, n)
			case s.enabled().Operator != "bouygues" || s.a.State().Cycle != nil:
				t.Fatalf("cut %d: ends on %s, cycle %+v\n%s", cut, s.enabled().Operator, s.a.State().Cycle, s.kinds())
			case s.count("attach-success", "bouygues") != 1:
				t.Fatalf("cut %d: %d attach-success reports\n%s", cut, s.count("attach-success", ""), s.kinds())
			case s.count("download-success", "bouygues") != 1:
				t.Fatalf("cut %d: %d download-success reports", cut, s.count("download-success", ""))
			}
		}
	}
}

// TestPowerCutEveryStepAbroad: in a border area an attempt served by a
// network of another country fails, the original falls back in the list's
// country again, the attempt is backed off and the next one attaches —
// with a power cut at every step: one attach-failure report and one
// back-off step for the attempt, whatever the cut (outside tester sw50:
// a cut between its judgment and its fallback judged it twice).
func TestPowerCutEveryStepAbroad(t *testing.T) {
	ops := []simOp{
		{ID: "sfr", PLMN: "20810", ICCID: iccidSFR, Preinstalled: true, Outcomes: []outcome{attachAbroad}},
		{ID: "orange-fr", PLMN: "20801", ICCID: iccidOrange, Preinstalled: true, Outcomes: []outcome{attachOK}},
	}
	base := newSim(ops, nil)
	base.run(3)
	backoffs := func(s *sim) (n int) {
		for _, l := range s.logs {
			if l.Kind == "backoff" && l.Fields["operator"] == "sfr" {
				n++
			}
		}
		return n
	}
	if len(base.failures) > 0 || base.enabled().Operator != "orange-fr" || backoffs(base) != 1 {
		t.Fatalf("uncut run: %v, on %s, %d back-offs\n%s", base.failures, base.enabled().Operator, backoffs(base), base.kinds())
	}
	for cut := 1; cut <= base.waits; cut++ {
		s := newSim(ops, nil)
		s.cuts = []int{cut}
		s.run(5)
		switch {
		case len(s.failures) > 0:
			t.Fatalf("cut %d: %s\n%s", cut, strings.Join(s.failures, "\n"), s.kinds())
		case s.enabled().Operator != "orange-fr":
			t.Fatalf("cut %d: ends on %s\n%s", cut, s.enabled().Operator, s.kinds())
		case s.count("attach-failure", "sfr") != 1 || s.count("attach-success", "orange-fr") != 1:
			t.Fatalf("cut %d: reports %v, want one attach-failure for sfr and one attach-success\n%s", cut, s.reports, s.kinds())
		case backoffs(s) != 1:
			t.Fatalf("cut %d: %d back-off steps for sfr, want 1\n%s", cut, backoffs(s), s.kinds())
		}
	}
}

// FuzzFallback plays random areas (operators, outcomes, downloads, the
// original's coverage) and power cuts through the simulator: attempts stay
// in list order without repeats, at most one EnableProfile per event and
// one enabled profile, never an attempt before the original is back, at
// most len(list) attempts per list, and the run never stalls.
func FuzzFallback(f *testing.F) {
	f.Add([]byte{3, 0x11, 0x22, 0x33, 0x00, 5, 9})
	f.Add([]byte{4, 0x41, 0x12, 0x83, 0x24, 0x01, 2, 3, 4})
	f.Add([]byte{1, 0x03, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		next := func() byte {
			if len(b) == 0 {
				return 0
			}
			x := b[0]
			b = b[1:]
			return x
		}
		plmns := []string{"20810", "20801", "20820", "20815"}
		n := 1 + int(next())%4
		var ops []simOp
		for i := 0; i < n; i++ {
			x := next()
			ops = append(ops, simOp{
				ID: "op" + plmns[i], PLMN: plmns[i], ICCID: "8933" + plmns[i] + "0000000001",
				Preinstalled: x&0x30 != 0x30 && x&0x30 != 0x20, DownloadOK: x&0x30 == 0x20,
				Outcomes: []outcome{[]outcome{attachOK, attachReject, attachTimeout, attachOther, attachAbroad, attachNational}[x%6], outcome(x >> 6)},
			})
		}
		var orig []outcome
		if x := next(); x&1 == 1 {
			orig = []outcome{attachOK, attachNone}
		}
		s := newSim(ops, orig)
		s.origRecovers = true
		for len(b) > 0 && len(s.cuts) < 4 {
			c := 1 + int(next())%40
			if len(s.cuts) == 0 || c > s.cuts[len(s.cuts)-1] {
				s.cuts = append(s.cuts, c)
			}
		}
		s.run(5)
		if len(s.failures) > 0 {
			t.Fatalf("%s\n%s", strings.Join(s.failures, "\n"), s.kinds())
		}
		if s.enabled().ICCID == "" {
			t.Fatal("no profile enabled")
		}
	})
}

// TestJudgeAttachedAs: an attempt's attach is normal service as its
// operator's subscription (attachedAs) — on the operator's own network or,
// national roaming, on a network of its home PLMN's country (TS 23.122
// Annex B: the United States' 310 and 311 are one) —, a rescue attempt's
// on any network; normal service in another country is no attach
// (outside tester o296, D1: Free on Orange in the Creuse was judged
// failed, and the card fell back to international roaming on the same
// Orange). The attach-success names the operator's PLMN, the cycle's end
// the serving one.
func TestJudgeAttachedAs(t *testing.T) {
	list := func(op, serving string) []string {
		return []string{"card cmcc* " + op, "boot", "check", "info normal " + serving + " cells=" + serving + ":-70", "enabled " + op, "boot"}
	}
	rescue := []string{"card cmcc* sfr", "boot", "check", "info none", "check", "info none", "enabled sfr", "boot"}
	tests := []struct {
		name   string
		op     string // the list's operator
		script []string
		plmn   string // the attempt's normal service
		want   string
	}{
		{"its own network", "sfr", list("sfr", "20801"), "20810", "attach-success sfr serving 20810 report 20810"},
		{"national roaming: Orange, of SFR's country", "sfr", list("sfr", "20801"), "20801", "attach-success sfr serving 20801 report 20810"},
		{"national roaming on another MCC of the country: T-Mobile US on Verizon's 311", "tmo-us", list("tmo-us", "311480"), "311480", "attach-success tmo-us serving 311480 report 310260"},
		{"another country, across the border: no attach", "sfr", list("sfr", "20801"), "26201", `attach_failed sfr: normal service on another network 26201`},
		{"an operator of another country roaming in the list's: international roaming, no attach", "telekom-de", list("telekom-de", "20801"), "20801", `attach_failed telekom-de: normal service on another network 20801`},
		{"an international 901 operator on another 901 network: no country's, international roaming, no attach", "iot-901", list("iot-901", "90112"), "90112", `attach_failed iot-901: normal service on another network 90112`},
		{"an international 901 operator on its own network", "iot-901", list("iot-901", "90112"), "90128", "attach-success iot-901 serving 90128 report 90128"},
		{"a rescue attempt: any network, another country's too", "", rescue, "26201", "attach-success sfr serving 26201 report 20810"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &scriptRun{cfg: testCfg}
			r.a = New(r.cfg, State{})
			logs := runAnswered(t, r, tt.op, append(slices.Clone(tt.script), "location normal "+tt.plmn))
			got, report := "", ""
			for _, l := range logs {
				switch {
				case got == "" && strings.HasPrefix(l, "log attach_failed "):
					reason := l[strings.Index(l, "reason=")+len("reason="):]
					got = "attach_failed " + field(l, "operator") + ": " + strings.Trim(reason, `"`)
				case got == "" && strings.HasPrefix(l, "log cycle_ended ") && field(l, "outcome") == OutcomeAttachSuccess:
					got = "attach-success " + field(l, "operator") + " serving " + field(l, "plmn")
				case strings.HasPrefix(l, "log notification_sent ") && field(l, "kind") == "attach-success":
					report = field(l, "plmn")
				}
			}
			if report != "" {
				got += " report " + report
			}
			if got != tt.want {
				t.Errorf("got %q, want %q\n%s", got, tt.want, strings.Join(logs, "\n"))
			}
		})
	}
}

// TestNationalSuccessNoPingPong: a profile that attached through national
// roaming still roams by claim 1's judge (idle.go), so every check asks
// for the list. When the list's first is another operator that fails, the
// card keeps the enabled one (preferred_already_enabled, or the walk
// reaching it) and tries the first again only as its back-off lapses:
// four times in 16 checks, not at every one: no REFRESH storm.
func TestNationalSuccessNoPingPong(t *testing.T) {
	rep := func(o outcome) []outcome { return slices.Repeat([]outcome{o}, 20) }
	s := newSim([]simOp{
		{ID: "orange-fr", PLMN: "20801", ICCID: iccidOrange, Preinstalled: true, Outcomes: rep(attachReject)},
		{ID: "sfr", PLMN: "20810", ICCID: iccidSFR, Preinstalled: true, Outcomes: rep(attachNational)},
	}, nil)
	s.run(16)
	if len(s.failures) > 0 {
		t.Fatalf("invariants: %s\nlog: %s", strings.Join(s.failures, "\n"), s.kinds())
	}
	log := s.kinds()
	if n := strings.Count(log, "profile_enabled(orange-fr)"); n != 4 {
		t.Errorf("orange-fr tried %d times in 16 checks, want 4 (its back-off growing)\nlog: %s", n, log)
	}
	if got, want := s.count("attach-failure", "orange-fr"), 4; got != want {
		t.Errorf("attach-failure reports for orange-fr %d, want %d", got, want)
	}
	if got, want := s.count("attach-success", "sfr"), 4; got != want {
		t.Errorf("attach-success reports for sfr %d, want %d", got, want)
	}
	if strings.Contains(log, "list_exhausted") {
		t.Errorf("a cycle exhausted the list: sfr's national attach was judged failed\nlog: %s", log)
	}
}

// TestAttachedAsEHPLMN: an attempt's operator attached on one of its
// profile's EHPLMNs (EF EHPLMN, TS 23.122 §1.2) attached on its own
// network — one of another MCC too (an operator's network on E.212's
// international 901, listed by its profile as home) —, and on a network
// of another country it did not.
func TestAttachedAsEHPLMN(t *testing.T) {
	p := Profile{ICCID: "89490200000000000013", Operator: "vodafone-de", HomePLMN: "26202", EHPLMNs: []string{"26202", "26209", "90128"}}
	for _, tt := range []struct {
		plmn string
		want bool
	}{
		{"26202", true},
		{"26209", true},
		{"90128", true},
		{"26203", true}, // national roaming, as before
		{"20801", false},
		{"90112", false},
	} {
		if got := attachedAs(p, tt.plmn); got != tt.want {
			t.Errorf("attachedAs(%v, %s) = %v, want %v", p.EHPLMNs, tt.plmn, got, tt.want)
		}
	}
}
