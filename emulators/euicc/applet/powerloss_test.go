package applet

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/proto/es10"
)

// Claim 2 and power loss: a reset that interrupts the download after the
// install reached the card's NVM must not lose the platform's
// download-success notification, and the attempt goes on with the enable;
// one before the install counts as failed and the list goes on.
func TestBootAfterInterruptedDownload(t *testing.T) {
	installed := Profile{ICCID: "89208010000000000019", Operator: "orange-fr", HomePLMN: "20801"}
	for _, tc := range []struct {
		name     string
		profiles []Profile
		ok       bool
		mode     Mode
		step     string // the download's step at the reset ("": before the session)
	}{
		{"install reached NVM", append(testProfiles(), installed), true, ModeAttemptEnabling, ""},
		// Installed, its result taken by the SM-DP+, and the reset during
		// ES10b NotificationSent: installed all the same (tester t139
		// M45: the emulated runtime answers the ES10 call in the step that
		// sends it, so no power cut of the rig lands here, but the step is
		// persisted with the call, and the applet's resume must hold).
		{"reset during NotificationSent", append(testProfiles(), installed), true, ModeAttemptEnabling, dlNotifSent},
		// Still booting: the list goes on once the profile that served is
		// attached again (bounded by the attach timer).
		{"install did not", testProfiles(), false, ModeFallbackAwaitAttach, ""},
		// Mid-install (outside tester t137 F2): the card discarded the
		// partial profile and holds its failed install result, which the
		// pending-notification round after the Boot sends to the SM-DP+;
		// the attempt failed as any download.
		{"install interrupted", testProfiles(), false, ModeFallbackAwaitAttach, dlLoad},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := toDownload(t)
			st, err := DecodeState(mustJSON(a.State()))
			if err != nil || st.Mode != ModeAttemptDownloading {
				t.Fatalf("no download in progress: %v %s", err, mustJSON(st))
			}
			if tc.step != "" {
				dl := st.Cycle.Download
				dl.Step, dl.SMDP, dl.TxID = tc.step, "smdp.orange.test", "0102030405060708"
				if tc.step == dlLoad {
					dl.Seg = 3
				}
			}
			b := New(testCfg, st) // the card was reset: rebuilt from NVM
			var result *Log
			var enabled string
			pending := false
			for _, e := range b.Step(Boot{Profiles: tc.profiles}) {
				switch e := e.(type) {
				case Log:
					if e.Kind == KindDownloadResult {
						result = &e
					}
				case EnableProfile:
					enabled = e.ICCID
				case ES10:
					pending = pending || strings.HasPrefix(fmt.Sprintf("%X", e.Req), "BF28")
				}
			}
			if result == nil || result.Fields["ok"] != tc.ok {
				t.Fatalf("download_result %+v, want ok=%v", result, tc.ok)
			}
			if !pending {
				t.Errorf("no ListNotification after the Boot: the card's pending results would wait")
			}
			if tc.name == "install interrupted" && result.Fields["reason"] != "card reset during step load" {
				t.Errorf("reason %q", result.Fields["reason"])
			}
			got := b.State()
			if got.Mode != tc.mode {
				t.Fatalf("mode %s, want %s", got.Mode, tc.mode)
			}
			if tc.ok {
				// The enable waits for the device's place: it may have
				// moved while it was off (outside tester sw75).
				if enabled != "" || len(got.Outbox) != 1 || got.Outbox[0].Kind != NoteDownloadSuccess || got.Outbox[0].ICCID != installed.ICCID {
					t.Fatalf("enable %q, outbox %+v", enabled, got.Outbox)
				}
				for _, e := range b.Step(LocationStatus{Service: LimitedService, PLMN: "20801"}) {
					if e, ok := e.(EnableProfile); ok {
						enabled = e.ICCID
					}
				}
				if enabled != installed.ICCID {
					t.Fatalf("in the list's country: enable %q, want %s", enabled, installed.ICCID)
				}
			} else {
				b.Step(LocationStatus{Service: NormalService, PLMN: "20801"})
				if got := b.State(); got.Mode != ModeIdle || len(got.Outbox) != 1 || got.Outbox[0].Kind != NoteListExhausted {
					t.Fatalf("after the attach: %s", mustJSON(got))
				}
			}
		})
	}
}

// A reset between the install and the switch: the card does not know
// where the device woke up (it may have been carried home, or across a
// border, while it was off), so the enable waits for the first network the
// terminal names, and goes only in the list's country (outside tester
// sw75: back in Beijing the card enabled SFR, was refused, fell back, and
// reported SFR failed in China).
func TestResetBeforeTheSwitchWaitsForThePlace(t *testing.T) {
	installed := Profile{ICCID: "89208010000000000019", Operator: "orange-fr", HomePLMN: "20801"}
	for _, tc := range []struct {
		name   string
		first  Event // after the boot
		then   Event // the download-success's answer, when it went
		enable bool
		ended  string // the cycle_ended reason's end, "" for none
	}{
		{"the list's country, no bearer", LocationStatus{Service: LimitedService, PLMN: "20810"}, nil, true, ""},
		{"the list's country, a bearer: the note first", LocationStatus{Service: NormalService, PLMN: "20801"}, HTTPResult{ReqID: 0, Status: 200, Body: []byte(`{"ack":true,"id":"1"}`)}, true, ""},
		{"home", LocationStatus{Service: NormalService, PLMN: "46000"}, HTTPResult{ReqID: 0, Status: 200, Body: []byte(`{"ack":true,"id":"1"}`)}, false, "now served by 46000"},
		{"another country, refused there", LocationStatus{Service: LimitedService, PLMN: "26201"}, nil, false, "now camped on 26201 (limited service)"},
		{"no network named: the check looks", TimerExpired{ID: CheckTimer}, LocalInfo{Service: LimitedService, PLMN: "20820"}, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := DecodeState(mustJSON(toDownload(t).State()))
			if err != nil {
				t.Fatal(err)
			}
			b := New(testCfg, st)
			var enabled, ended string
			var looked bool
			see := func(effs []Effect) {
				for _, e := range effs {
					switch e := e.(type) {
					case EnableProfile:
						enabled = e.ICCID
					case ReadLocation:
						looked = true
					case Log:
						if e.Kind == KindCycleEnded {
							ended, _ = e.Fields["reason"].(string)
						}
					}
				}
			}
			see(b.Step(Boot{Profiles: append(testProfiles(), installed)}))
			if enabled != "" {
				t.Fatalf("enabled %s at the boot, before the device's place is known", enabled)
			}
			see(b.Step(tc.first))
			if h, ok := tc.then.(HTTPResult); ok {
				if enabled != "" {
					t.Fatalf("enabled %s before the download-success's answer", enabled)
				}
				h.ReqID = b.State().LastReq
				tc.then = h
			}
			if tc.then != nil {
				see(b.Step(tc.then))
			}
			if _, ok := tc.first.(TimerExpired); ok && !looked {
				t.Error("the periodic check did not read the location")
			}
			if got := enabled == installed.ICCID; got != tc.enable {
				t.Errorf("enabled %q, want the enable: %v (%s)", enabled, tc.enable, mustJSON(b.State()))
			}
			if tc.ended != "" && !strings.HasSuffix(ended, tc.ended) || tc.ended == "" && ended != "" {
				t.Errorf("cycle_ended reason %q, want one ending %q", ended, tc.ended)
			}
			if !tc.enable && !slices.ContainsFunc(b.State().Profiles, func(p Profile) bool { return p.ICCID == installed.ICCID }) {
				t.Error("the installed profile is gone")
			}
		})
	}
}

// Claims 1 and 7: an attach-success report is never lost. When the next
// cycle's switch overtakes a report the platform has not taken, the note
// stays in the outbox across the REFRESH and goes out, in order, with the
// next bearer.
func TestOvertakenAttachSuccessIsKept(t *testing.T) {
	a := New(testCfg, State{})
	for _, ev := range roamToSFR[:9] {
		a.Step(ev)
	}
	a.Step(HTTPResult{ReqID: 4, Status: 503}) // the attach-success is not taken
	a.Step(Boot{Profiles: sfrEnabled()})      // a reset: nothing in flight
	st := a.State()
	if len(st.Outbox) != 1 || st.Outbox[0].Kind != NoteAttachSuccess || st.Outbox[0].Report != 1 || len(st.InFlight) != 1 {
		t.Fatalf("outbox %+v", st.Outbox)
	}
	var posts []string
	for _, e := range a.Step(LocationStatus{Service: NormalService, PLMN: "20810"}) {
		if p, ok := e.(HTTPPost); ok {
			posts = append(posts, string(p.Body))
		}
	}
	if len(posts) != 1 || posts[0] != `{"eid":"89049032000001000000000000000171","kind":"attach-success","iccid":"89331000000000000029","operator":"sfr","plmn":"20810","report":1}` {
		t.Fatalf("posts %q", posts)
	}
}

// A reset between an EnableProfile and its result (found by make explore):
// when the enable reached NVM the card boots on the new profile; the applet
// records the switch as it would have (profile_enabled, with its role),
// awaits the attach without another REFRESH; when it did not, it enables
// again.
func TestBootAfterInterruptedEnable(t *testing.T) {
	attempt := roamToSFR[:6] // the list arrived: EnableProfile(sfr), attempt.enabling
	fallback := append(append([]Event(nil), roamToSFR[:8]...),
		LocationStatus{Service: LimitedService, PLMN: "20810"}) // sfr denied: EnableProfile(cmcc), fallback.enabling
	for _, tc := range []struct {
		name      string
		events    []Event
		enabling  Mode
		boot      []Profile
		logged    string // profile_enabled's iccid and role, "" for none
		mode      Mode
		reenabled string
	}{
		{"attempt, enable in NVM", attempt, ModeAttemptEnabling, sfrEnabled(), "89331000000000000029 attempt", ModeAttemptAwaitAttach, ""},
		{"attempt, enable lost", attempt, ModeAttemptEnabling, testProfiles(), "", ModeAttemptEnabling, ""},
		{"fallback, enable in NVM", fallback, ModeFallbackEnabling, testProfiles(), "89860000000000000019 fallback", ModeFallbackAwaitAttach, ""},
		{"fallback, enable lost", fallback, ModeFallbackEnabling, sfrEnabled(), "", ModeFallbackEnabling, "89860000000000000019"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := New(testCfg, State{})
			for _, ev := range tc.events {
				a.Step(ev)
			}
			st, err := DecodeState(mustJSON(a.State()))
			if err != nil || st.Mode != tc.enabling {
				t.Fatalf("mode %s, want %s (%v)", st.Mode, tc.enabling, err)
			}
			b := New(testCfg, st) // the card was reset: rebuilt from NVM
			var logged, reenabled string
			for _, e := range b.Step(Boot{Profiles: tc.boot}) {
				switch e := e.(type) {
				case Log:
					if e.Kind == KindProfileEnabled {
						logged = fmt.Sprintf("%v %v", e.Fields["iccid"], e.Fields["role"])
					}
				case EnableProfile:
					reenabled = e.ICCID
				case Refresh:
					t.Errorf("a REFRESH after the boot: %s", renderEffect(e))
				}
			}
			if logged != tc.logged || reenabled != tc.reenabled || b.State().Mode != tc.mode {
				t.Errorf("profile_enabled %q, enable %q, mode %s; want %q, %q, %s", logged, reenabled, b.State().Mode, tc.logged, tc.reenabled, tc.mode)
			}
		})
	}
}

// The fallback's enable waits for a pending SGP.22 notification on its way
// to its SM-DP+, as for a note to the platform: the REFRESH would cut the
// answer, the card keep the notification and send it again (a duplicate
// install at the SM-DP+ once the enable after a reset waited for the
// device's place). The card removes it first, then enables.
func TestFallbackWaitsForTheSMDPNotification(t *testing.T) {
	a := New(testCfg, smdpNoteOut())
	var got []string
	see := func(effs []Effect) {
		for _, e := range effs {
			switch e.(type) {
			case EnableProfile, ES10:
				got = append(got, renderEffect(e))
			}
		}
	}
	see(a.Step(TimerExpired{ID: AttachTimer}))
	if a.State().Mode != ModeFallbackEnabling || len(got) != 0 {
		t.Fatalf("mode %s, effects %q: want the fallback's enable held", a.State().Mode, got)
	}
	// The attempt's attach-failure went to the platform too, over the
	// same bearer: both answers come before the enable.
	note := slices.IndexFunc(a.State().InFlight, func(r Request) bool { return r.Owner == ownerOutbox })
	if note < 0 {
		t.Fatalf("no attach-failure in flight: %s", mustJSON(a.State()))
	}
	noteID := a.State().InFlight[note].ID
	see(a.Step(HTTPResult{ReqID: 5, Status: 204}))
	if len(got) != 1 || !strings.HasPrefix(got[0], "ES10") {
		t.Fatalf("after the SM-DP+'s answer: %q, want the notification removed, the enable still held for the platform's", got)
	}
	see(a.Step(HTTPResult{ReqID: noteID, Status: 200, Body: []byte(`{"ack":true,"id":"1"}`)}))
	if len(got) != 2 || got[1] != "EnableProfile cmcc" {
		t.Fatalf("after both answers: %q, want the enable", got)
	}
}

// And the other way round: the platform's answer first, the SM-DP+'s
// last, which lets the enable go.
func TestFallbackWaitsForTheLastNote(t *testing.T) {
	a := New(testCfg, smdpNoteOut())
	a.Step(TimerExpired{ID: AttachTimer})
	note := a.State().LastReq
	for _, e := range a.Step(HTTPResult{ReqID: note, Status: 200, Body: []byte(`{"ack":true,"id":"1"}`)}) {
		if _, ok := e.(EnableProfile); ok {
			t.Fatal("enabled with the SM-DP+'s notification still out")
		}
	}
	enabled := false
	for _, e := range a.Step(HTTPResult{ReqID: 5, Status: 204}) {
		_, ok := e.(EnableProfile)
		enabled = enabled || ok
	}
	if !enabled {
		t.Fatalf("no enable after the last answer: %s", mustJSON(a.State()))
	}
}

// smdpNoteOut is an attempt on sfr awaiting its attach, with the card's
// install notification on its way to sfr's SM-DP+ (request 5).
func smdpNoteOut() State {
	return State{
		Profiles: sfrEnabled(), Home: "89860000000000000019", Mode: ModeAttemptAwaitAttach,
		Cycle: &Cycle{Trigger: TriggerList, Area: "208", Original: "89860000000000000019", Ops: []ListOperator{{ID: "sfr", PLMN: "20810"}},
			Next: 1, Tried: []string{"sfr"}, Attempts: 1, Current: "sfr", Target: "89331000000000000029", Booted: true},
		InFlight: []Request{{ID: 5, Answer: answerHTTP, Owner: ownerRetry}}, LastReq: 5,
		Retry:  &NotifRetry{Step: rtHandle, Seqs: []int{1}, Address: "smdp.sfr.test", Kind: "install"},
		Online: true, Serving: "20810", AttachArmed: true,
	}
}

// The back-off's clock survives a reset while an operator sits out: each
// entry's end is a check count, so a count taken back to the last write
// would lengthen the pause by every check since (outside tester t137 F1:
// checks at home, no other write, a power cut, the pause doubled). With
// no back-off outstanding a check makes no write (NVM wears).
func TestBackoffClockSurvivesReset(t *testing.T) {
	sfr := func(until uint64) []BackoffEntry {
		return []BackoffEntry{{Operator: "sfr", Area: "208", Country: "FR", Failures: 1, Until: until}}
	}
	for _, tc := range []struct {
		name    string
		backoff []BackoffEntry
		checks  int    // periodic checks from check 10, nothing else happening
		want    uint64 // the count a reset resumes from
		writes  int
	}{
		{"no back-off: no write", nil, 5, 10, 0},
		{"an operator sits out: every check", sfr(33), 5, 15, 5},
		{"up to its end, not past it", sfr(12), 5, 12, 2},
		{"ended before: no write", sfr(8), 5, 10, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := State{Mode: ModeIdle, Profiles: testProfiles(), Checks: 10, Backoff: tc.backoff}
			a := New(testCfg, st)
			nvm, writes := a.State(), 0 // what the card holds: the last Persist
			for range tc.checks {
				for _, e := range a.Step(TimerExpired{ID: CheckTimer}) {
					if p, ok := e.(Persist); ok {
						nvm, writes = p.State, writes+1
					}
				}
			}
			if a.State().Checks != 10+uint64(tc.checks) {
				t.Fatalf("live count %d, want %d", a.State().Checks, 10+tc.checks)
			}
			b, err := DecodeState(mustJSON(nvm))
			if err != nil {
				t.Fatal(err)
			}
			if b.Checks != tc.want || writes != tc.writes {
				t.Errorf("after a reset: check %d, want %d (%d writes, want %d)", b.Checks, tc.want, writes, tc.writes)
			}
			// Who sits out is the same with or without the reset.
			_, live := a.backedOff("sfr", "208", "FR")
			if _, after := New(testCfg, b).backedOff("sfr", "208", "FR"); after != live {
				t.Errorf("sfr backed off after the reset: %v, without it %v", after, live)
			}
		})
	}
}

// A reset right after the card stored a segment of the package — the
// first one included — resumes from the NVM written before that segment
// went to the card: step "load", as the card's install_interrupted says
// (outside tester t144 F4: after the first segment the applet's NVM still
// said "get-bpp", the reason a package that never reached the card gives).
func TestResetAfterASegmentSaysLoad(t *testing.T) {
	bpp := testBPP(t)
	segs, err := es10.BPPSegments(bpp)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		seg  int // the segment the card stored, from 1
	}{
		{"the first segment", 1},
		{"the second", 2},
		{"the last but one", len(segs) - 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := toDownload(t)
			runDL(t, a, append(append([]dlStep(nil), toSession...), toBPP...))
			nvm := a.saved.clone() // what NVM holds: the last Persist
			events := []Event{bppStep(bpp).ev(a)}
			sent := 0
		feed:
			for len(events) > 0 {
				e := events[0]
				events = events[1:]
				for _, eff := range a.Step(e) {
					switch eff := eff.(type) {
					case Persist:
						nvm = eff.State
					case ES10:
						if sent++; sent == tc.seg {
							break feed // the card stores it, and the power goes
						}
						events = append(events, ES10Result{ReqID: eff.ReqID, SW: 0x9000})
					}
				}
			}
			if sent != tc.seg {
				t.Fatalf("%d segments sent, want %d", sent, tc.seg)
			}
			st, err := DecodeState(mustJSON(nvm))
			if err != nil {
				t.Fatal(err)
			}
			var reason any
			for _, eff := range New(testCfg, st).Step(Boot{Profiles: testProfiles()}) {
				if l, ok := eff.(Log); ok && l.Kind == KindDownloadResult {
					reason = l.Fields["reason"]
				}
			}
			if reason != "card reset during step load" {
				t.Errorf("download_result reason %q after segment %d, want \"card reset during step load\"", reason, tc.seg)
			}
		})
	}
}

// A power cut while the download's platform request is out (step
// "platform"): the card knows whether the request's first byte left
// (HTTPSent, kept in NVM). One that never left — queued behind a note,
// its channel still opening — reached no platform: nothing was ordered,
// no REFRESH came, and the operator is not backed off (t219, as t221 for
// an exchange that fails before its first byte). One that left may have
// been ordered: the back-off stays. Either way the attempt fails, the
// original stays the one enabled profile and the list goes on.
func TestBootWhileThePlatformRequestWasOut(t *testing.T) {
	for _, tc := range []struct {
		name    string
		sent    func(dl int) []Event // stepped before the cut
		backoff bool
		reason  string
	}{
		{"request never left", func(int) []Event { return nil }, false,
			"card reset during step platform, before the request left the card"},
		{"another request's first byte", func(dl int) []Event { return []Event{HTTPSent{ReqID: dl + 5}} }, false,
			"card reset during step platform, before the request left the card"},
		{"request left, no answer", func(dl int) []Event { return []Event{HTTPSent{ReqID: dl}} }, true,
			"card reset during step platform"},
		{"first byte heard twice", func(dl int) []Event { return []Event{HTTPSent{ReqID: dl}, HTTPSent{ReqID: dl}} }, true,
			"card reset during step platform"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := toDownload(t)
			req, ok := modeRequest(a.State(), answerHTTP)
			if !ok || req.Owner != ownerDownload {
				t.Fatalf("no download request in flight: %s", mustJSON(a.State()))
			}
			var persisted []byte
			for _, ev := range tc.sent(req.ID) {
				for _, e := range a.Step(ev) {
					switch e := e.(type) {
					case Persist:
						persisted = mustJSON(e.State)
					default:
						t.Errorf("%T after %T: the first byte is only noted", e, ev)
					}
				}
			}
			nvm := mustJSON(a.State())
			if persisted != nil && !slices.Equal(persisted, nvm) {
				t.Fatalf("persisted %s, state %s", persisted, nvm)
			}
			st, err := DecodeState(nvm) // the card was reset: rebuilt from NVM
			if err != nil {
				t.Fatal(err)
			}
			b := New(testCfg, st)
			var reason any
			backoff := false
			for _, e := range b.Step(Boot{Profiles: testProfiles()}) {
				switch e := e.(type) {
				case Log:
					switch e.Kind {
					case KindDownloadResult:
						reason = e.Fields["reason"]
					case KindBackoff:
						backoff = true
					}
				case EnableProfile:
					t.Errorf("enable %s: the original never stopped being enabled", e.ICCID)
				}
			}
			if reason != tc.reason {
				t.Errorf("download_result reason %q, want %q", reason, tc.reason)
			}
			got := b.State()
			if backoff != tc.backoff || (len(got.Backoff) > 0) != tc.backoff {
				t.Errorf("backoff logged %v, entries %+v; want %v", backoff, got.Backoff, tc.backoff)
			}
			if got.Mode != ModeFallbackAwaitAttach {
				t.Fatalf("mode %s, want %s", got.Mode, ModeFallbackAwaitAttach)
			}
			b.Step(LocationStatus{Service: NormalService, PLMN: "20801"})
			got = b.State()
			if got.Mode != ModeIdle || len(got.Outbox) != 1 || got.Outbox[0].Kind != NoteListExhausted {
				t.Fatalf("after the attach: %s", mustJSON(got))
			}
			if n := enabledCount(got.Profiles); n != 1 {
				t.Errorf("%d profiles enabled, want 1", n)
			}
		})
	}
}

func enabledCount(ps []Profile) int {
	n := 0
	for _, p := range ps {
		if p.Enabled {
			n++
		}
	}
	return n
}
