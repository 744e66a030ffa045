package euicc

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/stk"
)

// Terminals without toolkit timers, as their TERMINAL PROFILE says (TS 102
// 223 §5.2): one that announces POLL INTERVAL and no timers, and one that
// announces timers but refuses TIMER MANAGEMENT all the same.
var (
	noTimerProfile    = []stk.Facility{stk.FacPollInterval, stk.FacPollingOff}
	lyingTimerProfile = []stk.Facility{stk.FacTimerStartStop, stk.FacTimerExpiration, stk.FacPollInterval, stk.FacPollingOff}
)

// sendUnguarded answers the request's SEND DATA commands as sendAll does,
// refuses TIMER MANAGEMENT (30, beyond the terminal's capabilities) if the
// card asks for it, and returns the POLL INTERVAL the card asks for its
// guard, unanswered; ok is false if the card asked for none.
func (tm *term) sendUnguarded() (pi stk.Command, ok bool) {
	tm.t.Helper()
	for tm.lastSW>>8 == 0x91 {
		cmd := tm.fetchAny()
		switch cmd.Details.Type {
		case stk.CmdSendData:
			tr := stk.Respond(cmd, stk.Result{General: stk.ResultOK})
			tr.ChannelDataLength = new(255)
			tm.respond(tr)
		case stk.CmdTimerManagement:
			if cmd.Details.Qualifier != stk.TimerStart || cmd.TimerID != BIPTimer {
				tm.t.Fatalf("reply guard %+v", cmd)
			}
			tm.respond(stk.Respond(cmd, stk.Result{General: stk.ResultBeyondCapabilities}))
		case stk.CmdPollInterval:
			if cmd.Duration.D() != BIPPollInterval {
				tm.t.Fatalf("POLL INTERVAL asks for %s, want %s", cmd.Duration.D(), BIPPollInterval)
			}
			return cmd, true
		case stk.CmdCloseChannel:
			tm.held = &cmd
			return stk.Command{}, false
		default:
			tm.t.Fatalf("proactive command %02X while sending", cmd.Details.Type)
		}
	}
	return stk.Command{}, false
}

// grantPolls answers POLL INTERVAL with the interval the terminal will poll
// at (TS 102 223 §6.4.6).
func (tm *term) grantPolls(cmd stk.Command, every stk.Duration) apdu.Response {
	tm.t.Helper()
	tr := stk.Respond(cmd, stk.Result{General: stk.ResultOK})
	tr.Duration = &every
	return tm.respond(tr)
}

// poll sends the terminal's proactive polling STATUS (TS 102 221 §11.1.2,
// P2 0C: no data).
func (tm *term) poll() apdu.Response {
	tm.t.Helper()
	return tm.send(apdu.Command{CLA: 0x80, INS: 0xF2, P2: 0x0C})
}

// A terminal without timers still bounds the card's wait for a silent
// peer: the card asks it to poll and gives up at the first STATUS poll at
// or past BIPTimeout of the interval the terminal granted; the applet gets
// the same failure as with the timer (its fallback runs from there).
func TestReplyGuardCountedInPolls(t *testing.T) {
	for _, tc := range []struct {
		name    string
		profile []stk.Facility
		grant   stk.Duration
		polls   int // the poll that ends the wait
	}{
		{"no timers, granted as asked", noTimerProfile, stk.Duration{Unit: stk.UnitSeconds, Interval: 5}, 6},
		{"TIMER MANAGEMENT refused, granted as asked", lyingTimerProfile, stk.Duration{Unit: stk.UnitSeconds, Interval: 5}, 6},
		{"granted 10s", noTimerProfile, stk.Duration{Unit: stk.UnitSeconds, Interval: 10}, 3},
		{"granted 7s: 35s", noTimerProfile, stk.Duration{Unit: stk.UnitSeconds, Interval: 7}, 5},
		{"granted 1 min: 60s", lyingTimerProfile, stk.Duration{Unit: stk.UnitMinutes, Interval: 1}, 1},
		{"granted 2.5s", noTimerProfile, stk.Duration{Unit: stk.UnitTenths, Interval: 25}, 12},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if time.Duration(tc.polls)*tc.grant.D() < BIPTimeout || time.Duration(tc.polls-1)*tc.grant.D() >= BIPTimeout {
				t.Fatalf("bad case: %d polls of %s do not end at the first poll past %s", tc.polls, tc.grant.D(), BIPTimeout)
			}
			tm, fm, log := postTerm(t, notePost, tc.profile...)
			tm.openChannel()
			pi, ok := tm.sendUnguarded()
			if !ok {
				t.Fatal("no POLL INTERVAL for the reply guard")
			}
			tm.expectSW(tm.grantPolls(pi, tc.grant), apdu.SWOK)
			for i := 1; i < tc.polls; i++ {
				tm.expectSW(tm.poll(), apdu.SWOK)
			}
			if _, ok := fm.last().(applet.HTTPResult); ok {
				t.Fatalf("exchange ended after %d polls: %+v", tc.polls-1, fm.last())
			}
			if sw := tm.poll().SW; sw>>8 != 0x91 {
				t.Fatalf("poll %d answered %04X, want CLOSE CHANNEL pending", tc.polls, sw)
			}
			tm.closeChannel()
			hr, ok := fm.last().(applet.HTTPResult)
			if !ok || hr.ReqID != 7 || hr.Err != "no reply within 30s" || hr.Status != 0 || tm.lastSW != apdu.SWOK {
				t.Fatalf("last event %+v, SW %04X", fm.last(), tm.lastSW)
			}
			if errs := log.Kind("bip_error"); len(errs) != 1 || errs[0].Str("reason") != "POST /v1/notifications: no reply within 30s" {
				t.Fatalf("bip_error %v", log.Events())
			}
			// Polls after the exchange are plain STATUS again.
			tm.expectSW(tm.poll(), apdu.SWOK)
		})
	}
}

// The poll-counted guard does not cut a peer that answers within it, and
// the next exchange arms it without asking for polling again.
func TestReplyGuardPollsPeerAnswers(t *testing.T) {
	tm, fm, log := postTerm(t, notePost, lyingTimerProfile...)
	post7 := fm.react
	fm.react = func(ev applet.Event) []applet.Effect {
		if hr, ok := ev.(applet.HTTPResult); ok && hr.ReqID == 7 {
			return []applet.Effect{applet.HTTPPost{ReqID: 8, Path: "/v1/notifications", Body: []byte(`{}`)}}
		}
		return post7(ev)
	}
	tm.openChannel()
	pi, _ := tm.sendUnguarded()
	tm.grantPolls(pi, stk.Duration{Unit: stk.UnitSeconds, Interval: 5})
	for range 5 { // 25 s: inside the guard
		tm.expectSW(tm.poll(), apdu.SWOK)
	}
	tm.deliver([]byte("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"))
	tm.closeChannel()
	hr, ok := fm.events[len(fm.events)-1].(applet.HTTPResult)
	if !ok || hr.ReqID != 7 || hr.Err != "" || hr.Status != 204 {
		t.Fatalf("last event %+v", fm.last())
	}
	// A second exchange: the card knows the terminal has no timers now,
	// and its guard starts afresh.
	tm.openChannel()
	if _, asked := tm.sendUnguarded(); asked {
		t.Fatal("POLL INTERVAL asked again")
	}
	for range 5 {
		tm.expectSW(tm.poll(), apdu.SWOK)
	}
	if sw := tm.poll().SW; sw>>8 != 0x91 {
		t.Fatalf("sixth poll answered %04X, want CLOSE CHANNEL pending", sw)
	}
	tm.closeChannel()
	if hr, ok := fm.last().(applet.HTTPResult); !ok || hr.ReqID != 8 || hr.Err != "no reply within 30s" {
		t.Fatalf("last event %+v", fm.last())
	}
	if errs := log.Kind("bip_error"); len(errs) != 1 {
		t.Fatalf("bip_error %v", errs)
	}
}

// A terminal that cannot poll for the card either (POLL INTERVAL refused,
// not announced, or granted without an interval) leaves no way to bound
// the wait: the exchange ends at once, cleanly.
func TestNoReplyGuard(t *testing.T) {
	for _, tc := range []struct {
		name    string
		profile []stk.Facility
		answer  func(tm *term, pi stk.Command)
		want    string
	}{
		{"POLL INTERVAL refused", lyingTimerProfile, func(tm *term, pi stk.Command) {
			tm.respond(stk.Respond(pi, stk.Result{General: stk.ResultBeyondCapabilities}))
		}, "no reply guard: no toolkit timers, and POLL INTERVAL: result 30"},
		{"no interval in the answer", noTimerProfile, func(tm *term, pi stk.Command) {
			tm.respond(stk.Respond(pi, stk.Result{General: stk.ResultOK}))
		}, "no reply guard: POLL INTERVAL answered without the interval"},
		{"neither timers nor POLL INTERVAL announced", nil, nil, "no reply guard: the terminal has neither toolkit timers nor polling"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tm, fm, log := postTerm(t, notePost, tc.profile...)
			tm.openChannel()
			pi, asked := tm.sendUnguarded()
			if asked != (tc.answer != nil) {
				t.Fatalf("POLL INTERVAL asked: %v", asked)
			}
			if asked {
				tc.answer(tm, pi)
			}
			tm.closeChannel()
			if tm.lastSW != apdu.SWOK {
				t.Fatalf("SW %04X after CLOSE CHANNEL", tm.lastSW)
			}
			hr, ok := fm.last().(applet.HTTPResult)
			if !ok || !strings.HasPrefix(hr.Err, tc.want) {
				t.Fatalf("last event %+v, want error %q", fm.last(), tc.want)
			}
			if len(log.Kind("bip_error")) != 1 {
				t.Fatalf("bip_error not logged once: %v", log.Events())
			}
		})
	}
}

// With the toolkit timer as the guard, STATUS polls count for nothing.
func TestPollsIgnoredUnderTimerGuard(t *testing.T) {
	tm, fm, _ := httpTerm(t)
	tm.openChannel()
	tm.sendAll()
	if !tm.armed {
		t.Fatal("timer guard not armed")
	}
	for range 20 {
		tm.expectSW(tm.poll(), apdu.SWOK)
	}
	if _, ok := fm.last().(applet.HTTPResult); ok {
		t.Fatalf("exchange ended on polls: %+v", fm.last())
	}
	tm.deliver([]byte("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"))
	tm.closeChannel()
	if hr, ok := fm.last().(applet.HTTPResult); !ok || hr.Status != 204 {
		t.Fatalf("last event %+v", fm.last())
	}
}

// The applet's own timers (its periodic check, its attach wait) run on
// the polls too: the first poll at or past the duration expires them, a
// stopped one never does, and polling is asked for once.
func TestAppletTimersOnPolls(t *testing.T) {
	for _, tc := range []struct {
		name    string
		profile []stk.Facility
	}{
		{"no timers announced", noTimerProfile},
		{"TIMER MANAGEMENT refused", lyingTimerProfile},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fm := &fakeMethod{}
			fm.react = func(ev applet.Event) []applet.Effect {
				switch ev := ev.(type) {
				case applet.Boot:
					return []applet.Effect{applet.StartTimer{ID: 1, D: 12 * time.Second}, applet.StartTimer{ID: 2, D: 5 * time.Second}, applet.StartTimer{ID: 3, D: time.Minute}}
				case applet.TimerExpired:
					if ev.ID == 1 {
						return []applet.Effect{applet.StopTimer{ID: 3}, applet.StartTimer{ID: 4, D: 10 * time.Second}}
					}
				}
				return nil
			}
			tm := newTerm(t, testConfig(), fm)
			tm.boot(tc.profile...)
			cmd := tm.fetchAny()
			if cmd.Details.Type == stk.CmdTimerManagement {
				tm.respond(stk.Respond(cmd, stk.Result{General: stk.ResultBeyondCapabilities}))
				cmd = tm.fetchAny()
			}
			if cmd.Details.Type != stk.CmdPollInterval {
				t.Fatalf("proactive command %02X, want POLL INTERVAL", cmd.Details.Type)
			}
			tm.expectSW(tm.grantPolls(cmd, stk.Duration{Unit: stk.UnitSeconds, Interval: 5}), apdu.SWOK)
			var fired []string
			for i := 1; i <= 20; i++ { // 100 s
				tm.expectSW(tm.poll(), apdu.SWOK)
				for _, ev := range fm.events {
					if te, ok := ev.(applet.TimerExpired); ok {
						fired = append(fired, fmt.Sprintf("%d@%s", te.ID, time.Duration(i)*5*time.Second))
					}
				}
				fm.events = fm.events[:0]
			}
			if got, want := strings.Join(fired, " "), "2@5s 1@15s 4@25s"; got != want {
				t.Fatalf("timers expired %s, want %s", got, want)
			}
		})
	}
}
