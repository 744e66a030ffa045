package stkterm

import (
	"slices"
	"time"

	"github.com/esimhil/esimhil/internal/codec/stk"
)

// Busy-card retry: when the card answers 9300 outside a proactive session
// (nothing will end to trigger a retry), try again on the virtual clock:
// every second at first, then every half minute, for as long as it stays
// busy — TS 102 223 §7.4 foresees no giving up, and an applet's timer
// whose expiration is dropped never runs again (outside tester sw119).
// At most maxPending envelopes wait; past that the oldest event download
// goes.
const (
	busyRetryDelay = time.Second
	busySlowDelay  = 30 * time.Second
	maxBusyRetries = 10
	maxPending     = 32
)

// sendEnvelope delivers env now, or queues it if a proactive session is
// running or about to run.
func (t *Terminal) sendEnvelope(env stk.Envelope) {
	if !t.running || t.held != nil {
		// Held: the card waits on its REFRESH's answer, and what it
		// would be told now is gone with the reset that follows (or
		// with the restart a refresh_ignored modem waits for).
		return
	}
	if t.inSession || t.fetchPosted || len(t.pending) > 0 {
		if len(t.pending) >= maxPending {
			// The oldest event download goes (a location status, a data
			// available is told afresh by the next; a channel status may
			// not be, but it waits behind newer news of the same channel);
			// a timer's expiration, which nothing else tells, only when
			// nothing but expirations waits (reviewers sw123, sw125).
			i := slices.IndexFunc(t.pending, func(e stk.Envelope) bool { return e.Tag != stk.TagTimerExpiration })
			t.tracef("envelope: %d waiting for a busy card; one dropped", len(t.pending))
			t.pending = slices.Delete(t.pending, max(i, 0), max(i, 0)+1)
		}
		t.pending = append(t.pending, env)
		return
	}
	t.deliver(env)
}

// deliver sends one envelope (TS 102 221 §10.1.2 ENVELOPE, 80 C2) and
// reports whether the card took it.
func (t *Terminal) deliver(env stk.Envelope) bool {
	b, err := env.Encode()
	if err != nil {
		t.tracef("envelope: %v", err)
		return true // undeliverable: drop rather than retry forever
	}
	resp := t.exchange(append([]byte{0x80, stk.InsEnvelope, 0, 0, byte(len(b))}, b...))
	sw1, sw2, ok := sw(resp)
	switch {
	case ok && sw1 == 0x93:
		// Toolkit busy (TS 102 221 §10.2.1.1): deliver after the
		// current proactive session.
		t.pending = append([]stk.Envelope{env}, t.pending...)
		if !t.inSession && !t.fetchPosted {
			t.scheduleRetry()
		}
		return false
	case ok && sw1 == 0x91:
		t.retries = 0
		t.session(sw2)
	case ok && sw1 == 0x90:
		t.retries = 0
	default:
		t.tracef("envelope: card answered % X; dropped", resp)
	}
	return true
}

// flushPending delivers queued envelopes in order; it stops at the first
// one the card is too busy for (deliver requeues it).
func (t *Terminal) flushPending() {
	for len(t.pending) > 0 && t.running && !t.inSession {
		env := t.pending[0]
		t.pending = t.pending[1:]
		if !t.deliver(env) {
			return
		}
	}
}

func (t *Terminal) scheduleRetry() {
	if t.retryTimer != nil {
		return
	}
	delay := busyRetryDelay
	if t.retries >= maxBusyRetries {
		delay = busySlowDelay
	}
	t.retries++
	gen := t.gen
	t.retryTimer = t.loop.Clock().AfterFunc(delay, func() {
		if gen != t.gen {
			return
		}
		t.retryTimer = nil
		t.flushPending()
	})
}
