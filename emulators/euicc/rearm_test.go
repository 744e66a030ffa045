package euicc

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/smdp"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/stk"
)

// describe names a proactive command as TestRepeatedTerminalProfile
// lists them.
func describe(cmd stk.Command) string {
	switch cmd.Details.Type {
	case stk.CmdSetUpEventList:
		return fmt.Sprintf("event list %X", cmd.Events)
	case stk.CmdTimerManagement:
		switch cmd.Details.Qualifier {
		case stk.TimerDeactivate:
			return fmt.Sprintf("timer stop %d", cmd.TimerID)
		case stk.TimerGetValue:
			return fmt.Sprintf("timer value %d", cmd.TimerID)
		}
		return fmt.Sprintf("timer start %d %s", cmd.TimerID, cmd.TimerValue)
	case stk.CmdRefresh:
		return fmt.Sprintf("refresh %02X", cmd.Details.Qualifier)
	case stk.CmdProvideLocalInfo:
		return fmt.Sprintf("local info %02X", cmd.Details.Qualifier)
	case stk.CmdPollInterval:
		return "poll interval " + cmd.Duration.D().String()
	case stk.CmdCloseChannel:
		return fmt.Sprintf("CLOSE CHANNEL %d", cmd.Channel())
	}
	return stk.CommandName(cmd.Details.Type)
}

// TestRepeatedTerminalProfile: a TERMINAL PROFILE while the toolkit runs
// is a terminal whose toolkit restarted without resetting the card (a
// modem's +CFUN=1,1 that keeps the card powered). The card gets the new
// terminal the event list again (else no location status event reaches
// it), drops the proactive command the old terminal left unanswered and
// asks again what it was for — the BIP exchange, whose channel was the
// old terminal's, ends as failed —, starts the applet's timers again on
// the new terminal as its profile allows (TIMER MANAGEMENT or polls), and
// never boots the applet a second time. Until 2026-12-07 it ignored the
// command: no event list, and a session left open refused every envelope
// (93 00) for good.
func TestRepeatedTerminalProfile(t *testing.T) {
	withTimers := []stk.Facility{stk.FacTimerStartStop, stk.FacRefresh, stk.FacRefreshEUICCProfile}
	pollsOnly := []stk.Facility{stk.FacPollInterval, stk.FacRefresh}
	timersAndPolls := []stk.Facility{stk.FacTimerStartStop, stk.FacPollInterval, stk.FacRefresh}
	const events = "event list 03090A"
	// Each case boots the card under first (the applet starts timer 1 at
	// its boot), leaves it as the old terminal did (open), then sends the
	// second profile and answers what the card asks, in order (want).
	for _, tc := range []struct {
		name          string
		first, second []stk.Facility
		trigger       applet.Effect // the applet's effect when timer 1 expires
		open          func(tm *term)
		want          []string
		restarted     string // the toolkit_restarted event's dropped/timers
		check         func(t *testing.T, fm *fakeMethod, log *eventlog.Log)
	}{
		{
			name: "idle: event list, the applet's timer again", first: withTimers, second: withTimers,
			open:      func(tm *term) { tm.ok(tm.fetch(stk.CmdTimerManagement)) },
			want:      []string{events, "timer start 1 5m0s"},
			restarted: "<nil>/1",
		},
		{
			name: "first SET UP EVENT LIST unanswered: the boot once, after the new one", first: withTimers, second: withTimers,
			open:      nil, // see below: the card is left with its first command fetched
			want:      []string{events, "timer start 1 5m0s"},
			restarted: "SET UP EVENT LIST/0",
		},
		{
			name: "timer start unanswered: asked again", first: withTimers, second: withTimers,
			open:      func(tm *term) { tm.fetch(stk.CmdTimerManagement) },
			want:      []string{events, "timer start 1 5m0s"},
			restarted: "TIMER MANAGEMENT/1",
		},
		{
			name: "REFRESH fetched: asked again in the new profile's mode", first: withTimers, second: pollsOnly,
			trigger:   applet.Refresh{},
			open:      expireAndFetch(stk.CmdRefresh),
			want:      []string{events, "refresh 04"},
			restarted: "REFRESH/0",
		},
		{
			// The terminal could not reset the card then (20: busy, a
			// call): the switch is still half done, the new profile
			// enabled and the old one's files served, and the runtime
			// living on says no reset came since. The restarted terminal
			// is asked again.
			name: "REFRESH refused, no reset since: asked again", first: withTimers, second: pollsOnly,
			trigger: applet.Refresh{},
			open: func(tm *term) {
				expireAndFetch(0)(tm)
				cmd := tm.fetch(stk.CmdRefresh)
				tm.respond(stk.Respond(cmd, stk.Result{General: stk.ResultTerminalUnable}))
				tm.respond(stk.Respond(tm.fetch(stk.CmdRefresh), stk.Result{General: stk.ResultTerminalUnable}))
			},
			want:      []string{events, "refresh 04"},
			restarted: "<nil>/0",
		},
		{
			name: "location read fetched: asked again, answered once", first: withTimers, second: withTimers,
			trigger:   applet.ReadLocation{},
			open:      expireAndFetch(stk.CmdProvideLocalInfo),
			want:      []string{events, "local info 00"},
			restarted: "PROVIDE LOCAL INFORMATION/0",
			check: func(t *testing.T, fm *fakeMethod, _ *eventlog.Log) {
				if n := count[applet.LocalInfo](fm); n != 1 {
					t.Errorf("%d LocalInfo events, want 1", n)
				}
			},
		},
		{
			name: "BIP channel opening: the exchange fails unsent", first: withTimers, second: withTimers,
			trigger:   notePost,
			open:      expireAndFetch(stk.CmdOpenChannel),
			want:      []string{events},
			restarted: "OPEN CHANNEL/0",
			check:     abandonedPost(true),
		},
		{
			// The channel is closed after the event list: a terminal
			// that restarted answers 3A 03 (no such channel), one whose
			// toolkit did not (a host's TERMINAL PROFILE through +CSIM)
			// frees it — else its one channel stays taken, and every
			// later OPEN CHANNEL is refused 3A 01.
			name: "BIP request sent: the exchange fails, maybe sent, its channel closed", first: withTimers, second: withTimers,
			trigger: notePost,
			open: func(tm *term) {
				expireAndFetch(0)(tm)
				tm.openChannel()
				tm.sendAll() // arms the reply guard: the card waits for the peer
			},
			want:      []string{events, "CLOSE CHANNEL 1"},
			restarted: "<nil>/0",
			check:     abandonedPost(false),
		},
		{
			name: "BIP reply read, CLOSE CHANNEL fetched: the answer stands", first: withTimers, second: withTimers,
			trigger: notePost,
			open: func(tm *term) {
				expireAndFetch(0)(tm)
				tm.openChannel()
				tm.sendAll()
				tm.deliver([]byte("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"))
				tm.held = nil // CLOSE CHANNEL fetched, never answered
			},
			want:      []string{events, "CLOSE CHANNEL 1"},
			restarted: "CLOSE CHANNEL/0",
			check: func(t *testing.T, fm *fakeMethod, log *eventlog.Log) {
				if n := count[applet.HTTPResult](fm); n != 1 {
					t.Errorf("%d HTTP results, want 1", n)
				}
				for _, ev := range fm.events {
					if r, ok := ev.(applet.HTTPResult); ok && (r.Status != 204 || r.Err != "") {
						t.Errorf("HTTP result %+v, want the 204 read", r)
					}
				}
				if e := log.Kind(KindBIPError); len(e) != 0 {
					t.Errorf("bip_error events %v", e)
				}
			},
		},
		{
			name: "POLL INTERVAL fetched: asked again, the timer on the new polls", first: pollsOnly, second: pollsOnly,
			open:      func(tm *term) { tm.fetch(stk.CmdPollInterval) },
			want:      []string{events, "poll interval 5s"},
			restarted: "POLL INTERVAL/1",
		},
		{
			name: "timer start refused, POLL INTERVAL fetched: the timer whole on the new timers", first: timersAndPolls, second: withTimers,
			open: func(tm *term) {
				tm.respond(stk.Respond(tm.fetch(stk.CmdTimerManagement), stk.Result{General: stk.ResultBeyondCapabilities}))
				tm.fetch(stk.CmdPollInterval)
			},
			want:      []string{events, "timer start 1 5m0s"},
			restarted: "POLL INTERVAL/1",
		},
		{
			name: "timer stop fetched: nothing started again", first: withTimers, second: withTimers,
			trigger:   applet.StopTimer{ID: 1},
			open:      expireAndFetch(stk.CmdTimerManagement),
			want:      []string{events},
			restarted: "TIMER MANAGEMENT/0",
		},
		{
			name: "to a terminal without timers: the timer on its polls", first: withTimers, second: pollsOnly,
			open:      func(tm *term) { tm.ok(tm.fetch(stk.CmdTimerManagement)) },
			want:      []string{events, "poll interval 5s"}, // and the polls below
			restarted: "<nil>/1",
		},
		{
			name: "from polls to a terminal with timers: what was left of the timer", first: pollsOnly, second: withTimers,
			open: func(tm *term) {
				tm.expectSW(tm.grantPolls(tm.fetch(stk.CmdPollInterval), stk.Duration{Unit: stk.UnitSeconds, Interval: 5}), apdu.SWOK)
				tm.poll()
				tm.poll()
			},
			want:      []string{events, "timer start 1 4m50s"},
			restarted: "<nil>/1",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := eventlog.New(func() time.Time { return time.Unix(0, 0) })
			cfg := testConfig()
			cfg.Log = log
			fm := &fakeMethod{}
			fm.react = func(ev applet.Event) []applet.Effect {
				switch ev := ev.(type) {
				case applet.Boot:
					return []applet.Effect{applet.StartTimer{ID: 1, D: 5 * time.Minute}}
				case applet.TimerExpired:
					if ev.ID == 1 && tc.trigger != nil {
						return []applet.Effect{tc.trigger}
					}
				}
				return nil
			}
			tm := newTerm(t, cfg, fm)
			if tc.open == nil {
				tm.terminalProfile(tc.first...)
				tm.fetch(stk.CmdSetUpEventList)
			} else {
				tm.boot(tc.first...)
				tc.open(tm)
			}

			tm.terminalProfile(tc.second...)
			var got []string
			for tm.lastSW>>8 == 0x91 && len(got) <= len(tc.want) {
				cmd := tm.fetchAny()
				got = append(got, describe(cmd))
				switch cmd.Details.Type {
				case stk.CmdPollInterval:
					tm.grantPolls(cmd, cmd.Duration)
				case stk.CmdCloseChannel:
					// A restarted terminal has no such channel: the
					// card takes that quietly (the bip_error checks).
					tm.respond(stk.Respond(cmd, stk.Result{General: stk.ResultBIPError, Additional: []byte{stk.BIPChannelIDInvalid}}))
				default:
					tm.ok(cmd)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("after the second TERMINAL PROFILE: %q, want %q", got, tc.want)
			}
			if tm.lastSW != apdu.SWOK {
				t.Fatalf("SW %04X after the last command, want 9000", tm.lastSW)
			}
			// The log says the toolkit restarted, what it dropped and how
			// many timers it started again, once.
			var logged []string
			for _, e := range log.Kind(KindToolkitRestarted) {
				logged = append(logged, fmt.Sprintf("%v/%v", e.Get("dropped"), e.Get("timers")))
			}
			if !slices.Equal(logged, []string{tc.restarted}) {
				t.Errorf("toolkit_restarted events %q, want %q", logged, tc.restarted)
			}
			if n := count[applet.Boot](fm); n != 1 {
				t.Errorf("%d Boot events, want 1: the applet booted again without a reset", n)
			}
			// The card hears the new terminal's location events.
			tm.expectSW(tm.envelope(stk.NewLocationStatusEvent(stk.LocNormal, &stk.LocationInfo{PLMN: "20810", TAC: 1, CellID: 2})), apdu.SWOK)
			if ls, ok := fm.last().(applet.LocationStatus); !ok || ls.PLMN != "20810" {
				t.Errorf("last applet event %+v, want the location status", fm.last())
			}
			if slices.Equal(tc.second, pollsOnly) && tc.trigger == nil {
				// The timer runs on the new terminal's polls: 5 min is
				// 60 polls of 5 s.
				for i := 1; i <= 60; i++ {
					tm.expectSW(tm.poll(), apdu.SWOK)
					if fired := count[applet.TimerExpired](fm) == 1; fired != (i == 60) {
						t.Fatalf("poll %d: timer expired %v", i, fired)
					}
				}
			}
			if tc.check != nil {
				tc.check(t, fm, log)
			}
		})
	}
}

// expireAndFetch expires the applet's timer 1 (started at its boot, its
// TIMER MANAGEMENT answered) and fetches the first command of the effect
// that follows, of type typ (0: left to the caller), without answering.
func expireAndFetch(typ byte) func(tm *term) {
	return func(tm *term) {
		tm.t.Helper()
		tm.ok(tm.fetch(stk.CmdTimerManagement))
		tm.envelope(stk.NewTimerExpiration(1, 5*time.Minute))
		if typ != 0 {
			tm.fetch(typ)
		}
	}
}

// abandonedPost checks the applet heard its exchange fail, unsent or not,
// with a bip_error saying why.
func abandonedPost(unsent bool) func(t *testing.T, fm *fakeMethod, log *eventlog.Log) {
	return func(t *testing.T, fm *fakeMethod, log *eventlog.Log) {
		t.Helper()
		var res []applet.HTTPResult
		for _, ev := range fm.events {
			if r, ok := ev.(applet.HTTPResult); ok {
				res = append(res, r)
			}
		}
		if len(res) != 1 || res[0].ReqID != notePost.ReqID || !strings.Contains(res[0].Err, "restarted") || res[0].Unsent != unsent {
			t.Errorf("HTTP results %+v, want one failed, unsent %v", res, unsent)
		}
		if e := log.Kind(KindBIPError); len(e) != 1 || !strings.Contains(fmt.Sprint(e[0].Get("reason")), "TERMINAL PROFILE") {
			t.Errorf("bip_error events %v", e)
		}
	}
}

// count is how many of the applet's events are of type E.
func count[E applet.Event](fm *fakeMethod) int {
	n := 0
	for _, ev := range fm.events {
		if _, ok := ev.(E); ok {
			n++
		}
	}
	return n
}

// TestTerminalProfileTwice: a terminal whose toolkit restarts twice in a
// row (the second TERMINAL PROFILE before, or while, the re-sent event
// list is carried out) has the card do the first restart's work once:
// one event list, each timer started once, a REFRESH owed asked once.
func TestTerminalProfileTwice(t *testing.T) {
	withTimers := []stk.Facility{stk.FacTimerStartStop, stk.FacRefresh}
	const events = "event list 03090A"
	for _, tc := range []struct {
		name    string
		refresh bool // timer 1's expiry asks for a REFRESH, left fetched
		fetched bool // the first restart's event list fetched before the second
		want    []string
	}{
		{name: "event list pending", want: []string{events, "timer start 1 5m0s"}},
		{name: "event list fetched", fetched: true, want: []string{events, "timer start 1 5m0s"}},
		{name: "REFRESH owed", refresh: true, want: []string{events, "refresh 04"}},
		{name: "REFRESH owed, event list fetched", refresh: true, fetched: true, want: []string{events, "refresh 04"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			fm := &fakeMethod{react: func(ev applet.Event) []applet.Effect {
				switch ev.(type) {
				case applet.Boot:
					return []applet.Effect{applet.StartTimer{ID: 1, D: 5 * time.Minute}}
				case applet.TimerExpired:
					return []applet.Effect{applet.Refresh{}}
				}
				return nil
			}}
			tm := newTerm(t, cfg, fm)
			tm.boot(withTimers...)
			if tc.refresh {
				expireAndFetch(stk.CmdRefresh)(tm)
			} else {
				tm.ok(tm.fetch(stk.CmdTimerManagement))
			}
			tm.terminalProfile(withTimers...)
			if tc.fetched {
				tm.fetch(stk.CmdSetUpEventList)
			}
			tm.terminalProfile(withTimers...)
			var got []string
			for tm.lastSW>>8 == 0x91 && len(got) <= len(tc.want) {
				cmd := tm.fetchAny()
				got = append(got, describe(cmd))
				tm.ok(cmd)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("after two TERMINAL PROFILEs: %q, want %q", got, tc.want)
			}
			if n := count[applet.Boot](fm); n != 1 {
				t.Errorf("%d Boot events, want 1", n)
			}
		})
	}
}

// TestRefreshOwedBeforeTerminalProfile: an ES10c switch with refreshFlag
// (SGP.22 §3.2.1) the card executes before the terminal's toolkit has
// started — an LPA's enable ahead of the profile download — owes the
// REFRESH all the same: it goes out once the toolkit runs, right after
// the event list. Until 2026-12-07 none went: the card refused every
// later switch (69 85) and served the old profile's files until some
// reset.
func TestRefreshOwedBeforeTerminalProfile(t *testing.T) {
	tm := newTerm(t, testConfig(), &fakeMethod{})
	runScript(t, tm.c, []step{{"00A4040C10" + isdrAID, "9000"}, {"80E2910014BF3111A00C5A0A" + iccidSFR + "8101FF00", "BF3103800100 9000"}})
	if r := tm.boot(stk.FacRefresh); r.SW>>8 != 0x91 {
		t.Fatalf("after SET UP EVENT LIST: %04X, want the REFRESH pending", r.SW)
	}
	if ref := tm.fetch(stk.CmdRefresh); ref.Details.Qualifier != stk.RefreshUICCReset {
		t.Fatalf("REFRESH %02X, want UICC reset", ref.Details.Qualifier)
	}
	tm.c.Reset()
	runScript(t, tm.c, []step{{"00A4000C022FE2", "9000"}, {"00B000000A", iccidSFR + "9000"}})
}

// TestRearmMidDownload: a terminal whose toolkit restarts while the
// applet's download waits for its getBoundProfilePackage channel (OPEN
// CHANNEL fetched, unanswered) — the real applet, ISD-R and SM-DP+. The
// exchange fails unsent, the download ends as failed with the restart as
// its reason, nothing is installed and the original profile stays
// enabled; the applet's state is one its decoder takes back, its check
// timer runs again on the new terminal, and the card is left idle, not
// looping on the restart.
func TestRearmMidDownload(t *testing.T) {
	r := newE2ERig(t, smdp.Faults{})
	tm := r.tm
	// The list, the download request, initiateAuthentication and
	// authenticateClient; then getBoundProfilePackage's channel.
	for range 4 {
		tm.relay(1000)
	}
	for tm.lastSW>>8 == 0x91 {
		cmd := tm.fetchAny()
		if cmd.Details.Type == stk.CmdOpenChannel {
			break
		}
		tm.ok(cmd)
	}
	tm.terminalProfile()
	got := []string{}
	for i := 0; tm.lastSW>>8 == 0x91 && i < 32; i++ {
		cmd := tm.fetchAny()
		got = append(got, describe(cmd))
		if cmd.Details.Type == stk.CmdOpenChannel {
			tm.relayFrom(cmd, 1000) // the failure's notes to the platform
			continue
		}
		tm.ok(cmd)
	}
	if tm.lastSW>>8 == 0x91 {
		t.Fatalf("the card still asks after %q", got)
	}
	if len(got) == 0 || got[0] != "event list 03090A" || !slices.Contains(got, "timer start 1 5m0s") {
		t.Fatalf("after the TERMINAL PROFILE: %q, want the event list first and the check timer started again", got)
	}
	res := r.log.Kind("download_result")
	if len(res) != 1 || res[0].Fields["ok"] != false || !strings.Contains(fmt.Sprint(res[0].Fields["reason"]), "restarted") {
		t.Fatalf("download_result %v\nevents: %s", res, kinds(r.log, "euicc"))
	}
	if len(r.c.profiles) != 2 || !r.c.profiles[0].Enabled {
		t.Fatalf("profiles changed: %+v", r.c.profiles)
	}
	if err := r.c.appletState.Validate(); err != nil {
		t.Fatalf("applet state after the restart: %v", err)
	}
	if n := len(r.log.Kind(KindToolkitRestarted)); n != 1 {
		t.Fatalf("%d toolkit_restarted events, want 1", n)
	}
}

// TestRearmAwaitingAttach: the real applet waits for the attach of the
// profile it switched to (claim 3) when the terminal's toolkit restarts.
// Its check and attach timers start again on the new terminal, whole; it
// still waits, the attach timer still armed; and the attach the new
// terminal reports ends the wait as before the restart: the attach timer
// stopped, the applet idle.
func TestRearmAwaitingAttach(t *testing.T) {
	c := newTestCard(t, testConfig())
	runScript(t, c, []step{{"00A4040C10" + isdrAID, "9000"}, {"80E2910014BF3111A00C5A0A" + iccidSFR + "81010000", "BF3103800100 9000"}})
	img, err := c.NVM()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(img, &m); err != nil {
		t.Fatal(err)
	}
	m["applet"] = json.RawMessage(`{"profiles":[{"ICCID":"89860000000000000019","Operator":"cmcc","HomePLMN":"46000","Original":true},{"ICCID":"89331000000000000029","Operator":"sfr","HomePLMN":"20810","Enabled":true}],"original":"89860000000000000019","await":{"iccid":"89331000000000000029","operator":"sfr","plmn":"20810"},"list":{"list_id":"1","country":"FR","order_by":"tariff","operators":[{"id":"sfr","plmn":"20810"}]},"cycle":{"next":1,"phase":"attempt","current":"sfr","tried":["sfr"]}}`)
	if img, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	r, err := Restore(testConfig(), img)
	if err != nil {
		t.Fatal(err)
	}
	r.Reset()
	t.Cleanup(r.PowerOff) // ends the attach note's exchange left open
	tm := &term{t: t, c: r}
	drain := func() (got []string) {
		for tm.lastSW>>8 == 0x91 {
			cmd := tm.fetchAny()
			got = append(got, describe(cmd))
			if cmd.Details.Type == stk.CmdOpenChannel {
				break // the attach-success note: not this test's
			}
			tm.ok(cmd)
		}
		return got
	}
	tm.boot(stk.FacTimerStartStop)
	if got, want := drain(), []string{"timer start 1 5m0s", "timer start 2 3m0s"}; !slices.Equal(got, want) {
		t.Fatalf("at the boot: %q, want %q", got, want)
	}
	tm.terminalProfile(stk.FacTimerStartStop)
	if got, want := drain(), []string{"event list 03090A", "timer start 1 5m0s", "timer start 2 3m0s"}; !slices.Equal(got, want) {
		t.Fatalf("after the second TERMINAL PROFILE: %q, want %q", got, want)
	}
	if st := r.appletState; st.Mode != applet.ModeAttemptAwaitAttach || !st.AttachArmed {
		t.Fatalf("after the restart: mode %s, attach timer armed %v; want still awaiting, armed", st.Mode, st.AttachArmed)
	}
	tm.envelope(stk.NewLocationStatusEvent(stk.LocNormal, &stk.LocationInfo{PLMN: "20810", TAC: 1, CellID: 2}))
	if got := drain(); len(got) == 0 || got[0] != "timer stop 2" {
		t.Fatalf("after the attach: %q, want the attach timer stopped first", got)
	}
	if st := r.appletState; st.Mode != applet.ModeIdle || st.AttachArmed {
		t.Fatalf("after the attach: mode %s, attach timer armed %v; want idle, not armed", st.Mode, st.AttachArmed)
	}
}

// TestRearmAsksTimersStillRunning: a terminal that announces TIMER
// MANAGEMENT's get current value is asked, after a TERMINAL PROFILE, for
// the timers the card had it run before starting them again. One whose
// toolkit restarted runs none (24) and the timer starts again, whole,
// with no stk_error for the expected answer; one whose toolkit ran on (a
// host's TERMINAL PROFILE through +CSIM) still runs it, and the card
// leaves it so: the check is not pushed back by a profile that restarted
// nothing, and its expiry, when it comes, is taken.
func TestRearmAsksTimersStillRunning(t *testing.T) {
	profile := []stk.Facility{stk.FacTimerStartStop, stk.FacTimerGetValue}
	for _, tc := range []struct {
		name    string
		running bool // the terminal still runs timer 1
		want    []string
	}{
		{"restarted: started again", false, []string{"event list 03090A", "timer value 1", "timer start 1 5m0s"}},
		{"ran on: left running", true, []string{"event list 03090A", "timer value 1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := eventlog.New(func() time.Time { return time.Unix(0, 0) })
			cfg := testConfig()
			cfg.Log = log
			fm := &fakeMethod{react: func(ev applet.Event) []applet.Effect {
				if _, ok := ev.(applet.Boot); ok {
					return []applet.Effect{applet.StartTimer{ID: 1, D: 5 * time.Minute}}
				}
				return nil
			}}
			tm := newTerm(t, cfg, fm)
			tm.boot(profile...)
			tm.ok(tm.fetch(stk.CmdTimerManagement))
			tm.terminalProfile(profile...)
			var got []string
			for tm.lastSW>>8 == 0x91 && len(got) <= len(tc.want) {
				cmd := tm.fetchAny()
				got = append(got, describe(cmd))
				if cmd.Details.Type == stk.CmdTimerManagement && cmd.Details.Qualifier == stk.TimerGetValue {
					if tc.running {
						tr := stk.Respond(cmd, stk.Result{General: stk.ResultOK})
						tr.TimerID, tr.TimerValue = 1, new(3*time.Minute)
						tm.respond(tr)
					} else {
						tm.respond(stk.Respond(cmd, stk.Result{General: stk.ResultTimerContradiction}))
					}
					continue
				}
				tm.ok(cmd)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("after the second TERMINAL PROFILE: %q, want %q", got, tc.want)
			}
			if e := log.Kind(KindSTKError); len(e) != 0 {
				t.Errorf("stk_error events %v", e)
			}
			tm.expectSW(tm.envelope(stk.NewTimerExpiration(1, 5*time.Minute)), apdu.SWOK)
			if te, ok := fm.last().(applet.TimerExpired); !ok || te.ID != 1 {
				t.Errorf("last applet event %+v, want timer 1's expiry", fm.last())
			}
			// A timer left running is still the card's: a second restart
			// asks for it again (here: expired, so nothing to ask).
			tm.terminalProfile(profile...)
			if cmd := tm.fetch(stk.CmdSetUpEventList); tm.ok(cmd).SW != apdu.SWOK {
				t.Errorf("after the second restart's event list: %04X, want nothing more", tm.lastSW)
			}
		})
	}
}

// unknownOp is an operation rearm was not taught (one added later).
type unknownOp struct{}

func (unknownOp) start() stk.Command { return stk.NewPollingOff(1) }
func (unknownOp) response(stk.TerminalResponse) (*stk.Command, bool, applet.Event) {
	return nil, true, nil
}
func (unknownOp) envelope(stk.Envelope) (*stk.Command, bool, applet.Event) { return nil, false, nil }

// An operation abandon does not know is dropped with an stk_error naming
// it, not in silence.
func TestRearmUnknownOperation(t *testing.T) {
	log := eventlog.New(func() time.Time { return time.Unix(0, 0) })
	cfg := testConfig()
	cfg.Log = log
	tm := newTerm(t, cfg, &fakeMethod{})
	tm.boot(stk.FacTimerStartStop)
	tm.c.rt.cur = unknownOp{}
	tm.terminalProfile(stk.FacTimerStartStop)
	e := log.Kind(KindSTKError)
	if len(e) != 1 || !strings.Contains(fmt.Sprint(e[0].Get("reason")), "unknownOp") {
		t.Errorf("stk_error events %v, want one naming the dropped operation", e)
	}
}
