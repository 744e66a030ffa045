package stkterm

import (
	"bytes"
	"fmt"
	"io"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/stk"
)

// maxSessionCommands bounds one proactive session, so a card that answers
// 91xx forever cannot hang the rig.
const maxSessionCommands = 256

// Terminal is the ME side of SIM Toolkit for one card.
//
// Every method must run as simulated work of the loop (inside Loop.Do, a
// posted function or a timer callback): the terminal has no lock of its
// own, the loop serializes it.
type Terminal struct {
	card    Card
	host    Host
	loop    *clock.Loop
	log     *eventlog.Log
	profile stk.TerminalProfile
	lang    string // ISO 639 code PROVIDE LOCAL INFORMATION (language) answers

	trace io.Writer

	running bool
	gen     uint64 // bumped by Stop; stale callbacks compare it

	fetchPosted bool
	fetchLe     byte
	inSession   bool
	// held is an eUICC Profile State Change REFRESH the host is carrying
	// out: the session waits on it, and AnswerRefresh sends its TERMINAL
	// RESPONSE.
	held *stk.Command

	timers [9]*timerState // index 1..8
	polls  *pollState     // proactive polling the card asked for, nil if off
	events map[byte]bool
	lastLS *lsKey

	ch   *channel
	dial Dial // nil: dialer's default
	// linkErr is why the last channel's link failed (LinkError).
	linkErr error
	// hostErr is the first dial the host's own resources failed
	// (HostError).
	hostErr error
	// wall, when set, says the channels' peers run on wall time and
	// counts their closes (SetWallPeers).
	wall *PeerCloses

	pending    []stk.Envelope // envelopes the card answered 9300 to
	retryTimer clock.Timer
	retries    int
}

// New returns a stopped terminal; call Start after the card is reset. log
// may be nil: the terminal emits nothing by default (the card logs the
// method's events).
func New(card Card, host Host, loop *clock.Loop, log *eventlog.Log) *Terminal {
	return &Terminal{card: card, host: host, loop: loop, log: log, profile: Profile(true), lang: DefaultLanguage}
}

// DefaultLanguage is the language a terminal reports until SetLanguage.
const DefaultLanguage = "en"

// SetProfile replaces the TERMINAL PROFILE downloaded at the next Start.
func (t *Terminal) SetProfile(p stk.TerminalProfile) { t.profile = p }

// SetLanguage sets the language PROVIDE LOCAL INFORMATION (language)
// reports: an ISO 639 code of two lower-case letters ("fr").
func (t *Terminal) SetLanguage(code string) error {
	if _, err := stk.EncodeLanguage(code); err != nil {
		return fmt.Errorf("stkterm: %w", err)
	}
	t.lang = code
	return nil
}

// SetTrace writes every toolkit APDU exchange to w (nil turns it off), for
// debugging.
func (t *Terminal) SetTrace(w io.Writer) { t.trace = w }

// Profile is the TERMINAL PROFILE this terminal downloads: timers, POLL
// INTERVAL and POLLING OFF, PROVIDE
// LOCAL INFORMATION (location and IMEI, NMR, date, time and time zone,
// language, access technology), SET UP EVENT LIST with location status,
// data available and channel status, BIP (one channel, TCP client mode)
// and REFRESH, no display and no keypad (byte 14 b6, b7), with the
// "eUICC Profile State Change" mode when
// profileStateChange says the baseband has it. Of PROVIDE LOCAL
// INFORMATION the terminal answers the IMEI with the check digit sent as
// the spare digit 0 (TS 23.003 §6.2.1), the virtual clock's UTC time with
// time zone FF (the emulated network sends no NITZ, so the zone is not
// known) and the language of SetLanguage, "en" by default.
func Profile(profileStateChange bool) stk.TerminalProfile {
	fs := []stk.Facility{stk.FacProfileDownload, stk.FacTimerExpiration, stk.FacCommandResult,
		// NMR as E-UTRAN gives it (the measurement qualifier's form), not
		// GERAN's, which it answers 36 (outside tester sw119).
		stk.FacRefresh, stk.FacPollInterval, stk.FacPollingOff, stk.FacPLILocation, stk.FacPLINMRUTRANEUTRAN, stk.FacPLIAccessTech,
		stk.FacPLIDateTime, stk.FacPLILanguage,
		stk.FacSetUpEventList, stk.FacEventLocationStatus,
		stk.FacEventDataAvailable, stk.FacEventChannelStatus,
		stk.FacTimerStartStop, stk.FacTimerGetValue,
		stk.FacOpenChannel, stk.FacCloseChannel, stk.FacReceiveData, stk.FacSendData,
		stk.FacBearerGPRS, stk.FacTCPClientRemote, stk.FacBearerEUTRAN,
		// A modem has no screen or keys of its own: without these bits
		// the profile claims both (byte 14 all 0: a display of 0
		// characters), which a card's UI commands would take at its word
		// (outside tester sw74).
		stk.FacNoDisplay, stk.FacNoKeypad}
	if profileStateChange {
		fs = append(fs, stk.FacRefreshEUICCProfile)
	}
	return stk.NewTerminalProfile(1, fs...)
}

// timerFacilities are TIMER MANAGEMENT and timer expiration in the
// terminal profile (TS 102 223 §5.2, byte 8 b1-b2 and byte 1 b6).
var timerFacilities = []stk.Facility{stk.FacTimerStartStop, stk.FacTimerGetValue, stk.FacTimerExpiration}

// WithoutTimers is p without TIMER MANAGEMENT and timer expiration: a
// terminal that downloads it refuses TIMER MANAGEMENT (30, beyond the
// terminal's capabilities), as modules that implement little of the
// toolkit do.
func WithoutTimers(p stk.TerminalProfile) stk.TerminalProfile {
	return p.Without(timerFacilities...)
}

// Start runs after each card reset: it downloads the TERMINAL PROFILE
// (TS 102 221 §11.2.1) and then runs proactive commands while the card
// answers 91xx.
func (t *Terminal) Start() error {
	t.stop()
	t.running = true
	p := t.profile
	resp := t.exchange(append([]byte{0x80, stk.InsTerminalProfile, 0, 0, byte(len(p))}, p...))
	sw1, sw2, ok := sw(resp)
	switch {
	case ok && sw1 == 0x90 && sw2 == 0x00:
	case ok && sw1 == 0x91:
		t.session(sw2)
	default:
		return fmt.Errorf("terminal profile: card answered % X", resp)
	}
	return nil
}

// Stop runs before a reset or power off: timers are cancelled, channels
// closed, pending envelopes dropped, and nothing more is sent to the card.
func (t *Terminal) Stop() { t.stop() }

// AnswerRefresh sends the TERMINAL RESPONSE (command performed) of the
// eUICC Profile State Change REFRESH the host has been handed, once the
// host has ended the card's session, and stops the terminal: the card
// switches and resets itself internally before it answers (TS 102 223
// §6.4.7), and the host initialises it again with Start, without an
// ATR. It reports whether a REFRESH was waiting.
func (t *Terminal) AnswerRefresh() bool {
	c := t.held
	if c == nil {
		return false
	}
	t.held = nil
	if b, err := stk.Respond(*c, result(stk.ResultOK)).Encode(); err == nil {
		if resp := t.respond(b); !bytes.HasSuffix(resp, []byte{0x90, 0x00}) {
			t.tracef("terminal response to the REFRESH: card answered % X", resp)
		}
	}
	t.stop()
	return true
}

func (t *Terminal) stop() {
	t.running = false
	t.gen++
	for i, ts := range t.timers {
		if ts != nil {
			ts.timer.Stop()
			t.timers[i] = nil
		}
	}
	t.stopPolling()
	t.abandonChannel()
	t.events = nil
	t.lastLS = nil
	t.pending = nil
	t.retries = 0
	if t.retryTimer != nil {
		t.retryTimer.Stop()
		t.retryTimer = nil
	}
	t.fetchPosted = false
	t.inSession = false
	t.held = nil
}

// Transmit passes an APDU to the card and returns its answer. When the card
// answers 91xx it queues the FETCH with Loop.Post, so the caller gets its
// answer before the proactive session runs.
func (t *Terminal) Transmit(apdu []byte) []byte {
	resp := t.exchange(apdu)
	if sw1, sw2, ok := sw(resp); ok && sw1 == 0x91 && t.running && !t.inSession {
		t.postFetch(sw2)
	}
	return resp
}

func (t *Terminal) postFetch(le byte) {
	t.fetchLe = le
	if t.fetchPosted {
		return
	}
	t.fetchPosted = true
	gen := t.gen
	t.loop.Post(func() {
		if gen != t.gen || !t.fetchPosted {
			return
		}
		t.fetchPosted = false
		t.session(t.fetchLe)
	})
}

// session fetches and runs proactive commands while the card has one
// pending, then delivers envelopes the card was too busy to take.
func (t *Terminal) session(le byte) {
	t.inSession = true
	gen := t.gen
	for range maxSessionCommands {
		cmd := t.exchange([]byte{0x80, stk.InsFetch, 0, 0, le})
		if sw1, sw2, ok := sw(cmd); ok && len(cmd) == 2 {
			if n, wrong := apdu.RepeatWithLe(uint16(sw1)<<8 | uint16(sw2)); wrong {
				// T=0: the length the card has (TS 102 221 §7.3.1.1.5),
				// when its 91xx said another (outside tester sw119).
				le = n
				cmd = t.exchange([]byte{0x80, stk.InsFetch, 0, 0, le})
			}
		}
		sw1, sw2, ok := sw(cmd)
		if !ok || sw1 != 0x90 || sw2 != 0x00 || len(cmd) == 2 {
			t.tracef("fetch: card answered % X; session ends", cmd)
			break
		}
		tr, respond := t.execute(cmd[:len(cmd)-2])
		if t.held != nil {
			return // the session waits on the host (AnswerRefresh)
		}
		if gen != t.gen || !respond {
			break
		}
		resp := t.respond(tr)
		sw1, sw2, ok = sw(resp)
		if !ok || sw1 != 0x91 {
			if !ok || sw1 != 0x90 {
				t.tracef("terminal response: card answered % X", resp)
			}
			break
		}
		le = sw2
	}
	if gen != t.gen {
		return
	}
	t.inSession = false
	t.flushPending()
}

// respond sends an encoded TERMINAL RESPONSE (TS 102 221 §10.1.2, 80 14)
// and returns the card's answer.
func (t *Terminal) respond(tr []byte) []byte {
	return t.exchange(append([]byte{0x80, stk.InsTerminalResponse, 0, 0, byte(len(tr))}, tr...))
}

func (t *Terminal) exchange(apdu []byte) []byte {
	resp := t.card.Transmit(apdu)
	if t.trace != nil { // asked first: the two slices would be boxed for nothing on every APDU
		t.tracef("> % X\n< % X", apdu, resp)
	}
	return resp
}

func (t *Terminal) tracef(format string, a ...any) {
	if t.trace != nil {
		fmt.Fprintf(t.trace, "stkterm: "+format+"\n", a...)
	}
}

func sw(resp []byte) (sw1, sw2 byte, ok bool) {
	if len(resp) < 2 {
		return 0, 0, false
	}
	return resp[len(resp)-2], resp[len(resp)-1], true
}
