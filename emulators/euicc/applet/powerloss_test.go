package applet

import (
	"fmt"
	"testing"
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
	}{
		{"install reached NVM", append(testProfiles(), installed), true, ModeAttemptEnabling},
		// Still booting: the list goes on once the profile that served is
		// attached again (bounded by the attach timer).
		{"install did not", testProfiles(), false, ModeFallbackAwaitAttach},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := toDownload(t)
			st, err := DecodeState(mustJSON(a.State()))
			if err != nil || st.Mode != ModeAttemptDownloading {
				t.Fatalf("no download in progress: %v %s", err, mustJSON(st))
			}
			b := New(testCfg, st) // the card was reset: rebuilt from NVM
			var result *Log
			var enabled string
			for _, e := range b.Step(Boot{Profiles: tc.profiles}) {
				switch e := e.(type) {
				case Log:
					if e.Kind == KindDownloadResult {
						result = &e
					}
				case EnableProfile:
					enabled = e.ICCID
				}
			}
			if result == nil || result.Fields["ok"] != tc.ok {
				t.Fatalf("download_result %+v, want ok=%v", result, tc.ok)
			}
			got := b.State()
			if got.Mode != tc.mode {
				t.Fatalf("mode %s, want %s", got.Mode, tc.mode)
			}
			if tc.ok {
				if enabled != installed.ICCID || len(got.Outbox) != 1 || got.Outbox[0].Kind != NoteDownloadSuccess || got.Outbox[0].ICCID != installed.ICCID {
					t.Fatalf("enable %q, outbox %+v", enabled, got.Outbox)
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
		{"attempt, enable lost", attempt, ModeAttemptEnabling, testProfiles(), "", ModeAttemptEnabling, "89331000000000000029"},
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
