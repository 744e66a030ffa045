package euicc

import (
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/stk"
)

// sendRefusingTimer answers the request's SEND DATA commands as sendAll
// does, but refuses the reply guard's TIMER MANAGEMENT as a terminal
// without timers does (30, beyond the terminal's capabilities), and
// returns the POLL INTERVAL the card asks for instead, unanswered.
func (tm *term) sendRefusingTimer() stk.Command {
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
			return tm.fetch(stk.CmdPollInterval)
		default:
			tm.t.Fatalf("proactive command %02X while sending", cmd.Details.Type)
		}
	}
	tm.t.Fatal("no reply guard after the request")
	return stk.Command{}
}

// grantPolls answers POLL INTERVAL with the interval the terminal will poll
// at (TS 102 223 §6.4.6).
func (tm *term) grantPolls(cmd stk.Command, every stk.Duration) {
	tm.t.Helper()
	tr := stk.Respond(cmd, stk.Result{General: stk.ResultOK})
	tr.Duration = &every
	tm.expectSW(tm.respond(tr), apdu.SWOK)
}

// poll sends the terminal's proactive polling STATUS (TS 102 221 §11.1.2,
// P2 0C: no data).
func (tm *term) poll() apdu.Response {
	tm.t.Helper()
	return tm.send(apdu.Command{CLA: 0x80, INS: 0xF2, P2: 0x0C})
}

// pollsOff expects the channel's CLOSE CHANNEL, then POLLING OFF ending the
// poll-counted guard.
func (tm *term) pollsOff() {
	tm.t.Helper()
	tm.armed = false // no toolkit timer to deactivate
	tm.closeChannel()
	tm.expectSW(tm.ok(tm.fetch(stk.CmdPollingOff)), apdu.SWOK)
}

// A terminal that refuses TIMER MANAGEMENT still bounds the card's wait for
// a silent peer: the card asks it to poll and gives up at the first STATUS
// poll at or past BIPTimeout of the interval the terminal granted; the
// applet gets the failure (its fallback runs from there).
func TestReplyGuardCountedInPolls(t *testing.T) {
	for _, tc := range []struct {
		name  string
		grant stk.Duration
		polls int // the poll that ends the wait
	}{
		{"granted as asked, 5s", stk.Duration{Unit: stk.UnitSeconds, Interval: 5}, 6},
		{"granted 10s", stk.Duration{Unit: stk.UnitSeconds, Interval: 10}, 3},
		{"granted 7s: 35s", stk.Duration{Unit: stk.UnitSeconds, Interval: 7}, 5},
		{"granted 1 min: 60s", stk.Duration{Unit: stk.UnitMinutes, Interval: 1}, 1},
		{"granted 2.5s", stk.Duration{Unit: stk.UnitTenths, Interval: 25}, 12},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tm, fm, log := httpTerm(t)
			tm.openChannel()
			pi := tm.sendRefusingTimer()
			if pi.Duration.D() != BIPPollInterval {
				t.Fatalf("POLL INTERVAL asks for %s, want %s", pi.Duration.D(), BIPPollInterval)
			}
			tm.grantPolls(pi, tc.grant)
			for i := 1; i < tc.polls; i++ {
				tm.expectSW(tm.poll(), apdu.SWOK)
			}
			if _, ok := fm.last().(applet.HTTPResult); ok {
				t.Fatalf("exchange ended after %d polls: %+v", tc.polls-1, fm.last())
			}
			if sw := tm.poll().SW; sw>>8 != 0x91 {
				t.Fatalf("poll %d answered %04X, want CLOSE CHANNEL pending", tc.polls, sw)
			}
			tm.pollsOff()
			hr, ok := fm.last().(applet.HTTPResult)
			if !ok || hr.ReqID != 7 || !strings.HasPrefix(hr.Err, "no reply within 30s (") || hr.Status != 0 {
				t.Fatalf("last event %+v", fm.last())
			}
			if time.Duration(tc.polls)*tc.grant.D() < BIPTimeout || time.Duration(tc.polls-1)*tc.grant.D() >= BIPTimeout {
				t.Fatalf("bad case: %d polls of %s do not end at the first poll past %s", tc.polls, tc.grant.D(), BIPTimeout)
			}
			if errs := log.Kind("bip_error"); len(errs) != 1 || !strings.Contains(errs[0].Str("reason"), "STATUS polls") {
				t.Fatalf("bip_error %v", log.Events())
			}
			// Polls after the exchange are plain STATUS again.
			tm.expectSW(tm.poll(), apdu.SWOK)
		})
	}
}

// The poll-counted guard does not cut a peer that answers: the reply is
// taken, and POLLING OFF follows the CLOSE CHANNEL.
func TestReplyGuardPollsPeerAnswers(t *testing.T) {
	tm, fm, log := httpTerm(t)
	tm.openChannel()
	tm.grantPolls(tm.sendRefusingTimer(), stk.Duration{Unit: stk.UnitSeconds, Interval: 5})
	for range 5 { // 25 s: inside the guard
		tm.expectSW(tm.poll(), apdu.SWOK)
	}
	tm.deliver([]byte("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"))
	tm.pollsOff()
	hr, ok := fm.last().(applet.HTTPResult)
	if !ok || hr.Err != "" || hr.Status != 204 {
		t.Fatalf("last event %+v", fm.last())
	}
	if errs := log.Kind("bip_error"); len(errs) != 0 {
		t.Fatalf("bip_error %v", errs)
	}
}

// A terminal that refuses both TIMER MANAGEMENT and POLL INTERVAL, or
// grants polling without saying at what interval, leaves the card no way
// to bound the wait: the exchange ends at once, cleanly.
func TestNoReplyGuard(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer func(tm *term, pi stk.Command)
		want   string
	}{
		{"POLL INTERVAL refused", func(tm *term, pi stk.Command) {
			tm.respond(stk.Respond(pi, stk.Result{General: stk.ResultBeyondCapabilities}))
		}, "no reply guard: TIMER MANAGEMENT result 30, POLL INTERVAL: result 30"},
		{"no interval in the answer", func(tm *term, pi stk.Command) {
			tm.respond(stk.Respond(pi, stk.Result{General: stk.ResultOK}))
		}, "no reply guard: POLL INTERVAL answered without the interval"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tm, fm, log := httpTerm(t)
			tm.openChannel()
			tc.answer(tm, tm.sendRefusingTimer())
			if tm.lastSW>>8 != 0x91 {
				t.Fatalf("SW %04X, want CLOSE CHANNEL pending", tm.lastSW)
			}
			tm.closeChannel() // nothing armed: no POLLING OFF
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

// With the toolkit timer as the guard, STATUS polls count for nothing: the
// timer's expiry ends the wait, not the polls.
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
