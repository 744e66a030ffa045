package atclient

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/esimhil/esimhil/harness/transport"
	"github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/stall"
)

// bareURCs are unsolicited lines without a "+NAME:" prefix that modems send
// at any time, even between a command's echo and its final result (27.007
// §4.1): V.250's RING (§5.7, an incoming call), the boot and power URCs
// the AT codec lists (at.BootURCs: RDY, SMS DONE, ^SYSSTART, NORMAL POWER
// DOWN, …, one list for the client and the log readers), and +CUSATEND. A client adds its
// modem's own (WithURCs); other unprefixed lines are a basic command's
// answer, which nothing tells from an unknown URC.
var bareURCs = func() map[string]bool {
	out := map[string]bool{at.Ring: true, "+CUSATEND": true}
	for _, u := range at.BootURCs {
		out[u] = true
	}
	return out
}()

// regURCs are the registration commands whose URC and read answer share a
// prefix (TS 27.007 §7.2, §10.1.20, §10.1.22). The read answer has <n>
// first: its second field is <stat>, a bare number, where the URC's is the
// quoted <lac>/<tac> — which tells a modem's read answer without <AcT>
// (27.007 before Release 7) from another's URC with it, both four fields.
// Without a location they go by field count: the URC has <stat>, or the
// location fields empty and <cause_type>,<reject_cause> (+CGREG with its
// <rac> between), then the PSM timers (n=4 and 5: two for +CEREG, three
// for +CGREG); the read answer one field more.
// reopenBackoff is the first wait before reopening a port that dropped
// again before it said a line.
const reopenBackoff = 50 * time.Millisecond

var regURCs = map[string][]int{"+CREG": {1, 4, 6}, "+CGREG": {1, 4, 7, 10}, "+CEREG": {1, 4, 6, 8}}

// reopen marks the port down, fails the command in flight (naming it), and
// waits up to the reconnect window for the port to come back.
func (c *Client) reopen(cause error) error {
	down := fmt.Errorf("%w: %s: %w", ErrPortDown, c.port.Name(), cause)
	c.mu.Lock()
	c.down = down
	if p := c.pending; p != nil {
		c.pending = nil
		p.err = down
		switch {
		case p.cut != "":
			p.err = fmt.Errorf("%w; %w at %q", down, ErrAnswerCut, p.cut)
		case len(p.lines) > 0:
			p.err = fmt.Errorf("%w; %w after %q", down, ErrAnswerCut, p.lines[len(p.lines)-1])
		}
		p.final <- ""
		switch {
		case p.probe:
			// A probe is no command to resync after: its answer, if it
			// comes, follows what the modem still owes (collector).
			c.probes++
		case !p.poll:
			c.cutOff = p
		}
	}
	// A port that drops again before it said a line since it came back
	// (a server that accepts and hangs up) is not reopened at once: the
	// client backs off, 50 ms doubling to 1 s, within the window.
	quick := c.reopens > 0 && c.heard == 0
	// ser2net's refusal as the first thing a connection said, after the
	// transport's watch had let it through (a loaded host, a long link):
	// the port was never back, and the wait for it goes on in the same
	// window rather than a new one.
	notBack := quick && errors.Is(cause, transport.ErrRefused)
	// Of the client's running time (WithStalls): a modem that came back
	// while the process was stopped is back.
	window := stall.Begin(c.stalls, c.reconnect)
	if notBack {
		c.notBack++
		window = c.window
	}
	c.window = window
	c.mu.Unlock()
	if notBack {
		c.tracef("#", fmt.Sprintf("port dropped (%v): ser2net refused the connection after all, the port was not back; reopening, up to %v more", cause, window.Left(time.Now()).Round(time.Millisecond)))
	} else {
		c.tracef("#", fmt.Sprintf("port dropped (%v); reopening, up to %v", cause, c.reconnect))
	}
	start := time.Now()
	ctx, cancel := window.Context(c.ctx)
	defer cancel()
	if quick {
		c.backoff = min(max(2*c.backoff, reopenBackoff), time.Second)
		t := time.NewTimer(c.backoff)
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	} else {
		c.backoff = 0
	}
	// ser2net's raw TCP port refuses while its device is gone (a USB
	// modem re-enumerating): each refusal is a failed attempt, noted once
	// per text and counted.
	ctx, refused := transport.WatchRefusals(ctx, func(r *transport.RefusedError) {
		c.tracef("#", r.Error()+" (the device behind it is not there: not the port back; trying again)")
	})
	err := c.port.Reopen(ctx)
	count := ""
	if refused.Count() > 0 {
		count = " (" + refused.String() + ")"
	}
	if err != nil {
		if c.ctx.Err() != nil {
			// Not the window running out: the client was closed (its
			// run ended) while the port was still away.
			c.tracef("#", fmt.Sprintf("port still away when the client closed, %v into the %v window%s",
				time.Since(start).Round(time.Millisecond), c.reconnect, count))
			return err
		}
		c.tracef("#", fmt.Sprintf("port did not come back: %v%s", err, count))
		return err
	}
	c.tracef("#", "port back"+count)
	c.mu.Lock()
	c.down = nil
	c.echo = echoUnknown // a new tty, or the modem back to its defaults
	if p := c.cutOff; p != nil {
		// The modem may still answer the command the drop cut, on the
		// port back (ser2net passes on what the tty kept): that answer
		// is the cut command's, filed and noted as late, and the next
		// command resynchronises first (settleLate), never taking it.
		c.cutOff = nil
		lp := newPending(p.line)
		lp.names, lp.echoOK, lp.sent, lp.timeout = p.names, false, p.sent, p.timeout
		lp.late, lp.dropped, lp.timeoutAt = true, p, p.timeoutAt
		c.late, c.pending = lp, lp
	}
	c.reopens++
	c.heard = 0
	c.back, c.bootSince = c.restartWindow(), false
	close(c.upSig)
	c.upSig = make(chan struct{})
	c.mu.Unlock()
	c.kickSetUp()
	return nil
}

func (c *Client) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
		close(c.done)
		// No URC will come: a URCSignal waiter wakes to take the error.
		close(c.urcSig)
		c.urcSig = make(chan struct{})
	}
}

// route hands a line to the pending command (or the one that timed out
// and is still awaited) or to the URC list. It returns a note for the
// trace: the final result of a command that timed out is its late answer.
//
// logged is the line as at.log shows it ("" when it is written already:
// a line with noise), queued here, under mu, in its place before
// anything that waits for the line can act on it (a URC's waiter sending
// its next command), marked at.URCMark when the client takes it for a
// URC; readLine writes it (flushTrace) once mu is free, before it wakes
// those waiters (wakeURC for a URC, reported by urc; deliver).
func (c *Client) route(line, logged string) (note string, urc bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer func() {
		if logged != "" {
			if urc {
				logged += at.URCMark
			}
			c.queueTrace("<", logged)
		}
		if c.lineNote != "" { // finalResult's, about this line: after it
			c.queueTrace("#", c.lineNote)
			c.lineNote = ""
		}
	}()
	c.heard++
	p := c.pending
	if p == nil {
		p = c.collector // nil unless the modem is silent
	}
	if p != nil && p.echoOK {
		if whole, piece := p.echoLine(line); whole {
			return c.echoCame(p), false
		} else if piece {
			return "", false // the echo's start, a URC before its end
		}
	}
	if p != nil && p.echoed && strings.EqualFold(strings.TrimSpace(line), p.line) {
		// The command's text again after its echo: a second echo (a
		// modem or a line-doubling adapter), never an answer line.
		return fmt.Sprintf("the modem echoed %s twice: the second copy is not taken as its answer", p.line), false
	}
	line, final, digits := c.finalResult(p, line)
	// An NMEA sentence is never a command's answer: a GPS stream sharing
	// the port (re-tester t145 F1: one inside ATI's answer was printed
	// as part of the modem's identity), and it gives the awaited command
	// no more time (pending.nmea).
	nmea := !final && NMEASentence(line)
	if p != nil && nmea {
		p.nmea = true
	}
	switch {
	case p == nil && final:
		// No command awaits it: the transcript shows it, nothing takes
		// it, and a note says so — a modem that sends a final result
		// twice would otherwise shift the answers (outside tester sw128
		// F6).
		c.strays++
		if c.resyncing {
			return "", false // the resync tells what it was (a late answer)
		}
		c.loose++
		return fmt.Sprintf("%s with no command pending: a final result the modem sent twice or unasked, taken for no command's", strings.TrimSpace(line)), false
	case p == nil || nmea || !final && (c.urcLines[strings.TrimSpace(line)] || isURC(line, p.names) || p.parseOK && vendorURC(line, p.names)):
		if len(c.urcs) >= MaxURCs {
			c.urcs = append(c.urcs[:0], c.urcs[1:]...)
			c.dropped++
		}
		c.urcs = append(c.urcs, line)
		if slices.Contains(c.boot, strings.TrimSpace(line)) {
			note = c.bootURC(strings.TrimSpace(line))
		}
		return note, true // marked (the defer above); its waiters woken once it is written (wakeURC)
	case final:
		if line == "OK" {
			c.storeAfter(p)
		}
		if p.setsV {
			c.numeric = digits // the form of its result shows what took
		}
		if note, taken := c.takeOwed(p, line); taken {
			return note, false
		}
		c.pending = nil
		c.routed, c.routedLine = p, line // readLine's deliver hands it over
		if p.reset && line == "ERROR" {
			note = "a bare ERROR: +CMEE is back to 0 as well, another sign of the reset"
		}
		if p.late {
			return c.lateAnswer(p, p.lines, line, time.Now()), false
		}
		return note, false
	case len(p.lines) >= MaxLines:
		p.truncated++
	default:
		p.addLine(line)
	}
	return "", false
}

// wakeURC wakes the URC waiters: a URC came.
func (c *Client) wakeURC() {
	c.mu.Lock()
	defer c.mu.Unlock()
	close(c.urcSig)
	c.urcSig = make(chan struct{})
}

// echoCame notes p's echo, and returns the trace's note when it shows a
// reset (the echo back on after ATE0). Call with c.mu held.
func (c *Client) echoCame(p *pending) string {
	p.echoOK, p.echoed = false, true // ATE1 echoes the line once
	if c.echo != echoOff {
		return ""
	}
	p.reset = true
	sign := "its echo back on after ATE0"
	if c.suspect != "" {
		sign = c.suspect + ", then " + sign // checkBoot's line showed it
	}
	c.bootedBy(sign)
	again := ""
	if c.setUp != nil {
		again = "; setting it up again after this command"
	}
	return fmt.Sprintf("the modem echoed %s after ATE0 had turned its echo off: it is back to its defaults, a reset that kept the port and sent no boot URC%s", p.line, again)
}

// echoLine tells whether line is p's echo (whole), or a piece of it
// (piece): a URC the modem sent while it was still taking in, and
// echoing, the command line splits the echo in two lines, "AT+CI" and
// "MI" around "+QIND: PB DONE" (u-blox and Telit modules hold URCs back
// while a command runs, not while its line comes in: docs/conformance.md,
// command line echo). The pieces are kept in p.echoPart; the first must hold at
// least "AT", so no answer text is taken for one. Call with c.mu held.
func (p *pending) echoLine(line string) (whole, piece bool) {
	if p.echoPart == "" && strings.EqualFold(strings.TrimSpace(line), p.line) {
		return true, true
	}
	if !p.echoes(line) {
		return false, false
	}
	p.echoPart += line
	if len(p.echoPart) < len(p.line) {
		return false, true
	}
	p.echoPart = ""
	return true, true
}

// echoes says whether s is what of p's echo is still to come, or its
// start (at least "AT" of a first piece).
func (p *pending) echoes(s string) bool {
	rest := p.line[len(p.echoPart):]
	return s != "" && len(s) <= len(rest) && strings.EqualFold(s, rest[:len(s)]) && (p.echoPart != "" || len(s) >= 2)
}

// nmeaSentence is an NMEA 0183 sentence: $, a talker and sentence id,
// its fields, *checksum.
var nmeaSentence = regexp.MustCompile(`^\$[A-Z]{5},.*\*[0-9A-Fa-f]{2}$`)

// NMEASentence tells whether line is an NMEA 0183 sentence ($GPGSV,…*7A):
// what a GPS receiver's port streams, which no modem answers to AT.
func NMEASentence(line string) bool { return nmeaSentence.MatchString(strings.TrimSpace(line)) }

// finalResult tells whether line is a final result code for p (nil: no
// command pending), and returns it in words: under ATV0 (V.250 §6.2.6) a
// modem gives its result codes as digits, "0" for OK, "4" for ERROR.
// They are taken as such while the client knows the modem in V0, while
// p sets V (its own result comes in the new form, or the old one if it
// did not take) and for a probe, whose answer tells them apart from text
// (a modem left in V0 by an earlier session). digits says the result came
// as a digit. A final in words tells the modem is in V1 again (a reset).
// Call with c.mu held.
func (c *Client) finalResult(p *pending, line string) (result string, final, digits bool) {
	if r := at.Classify(line); r.Kind.IsFinal() {
		// +CME ERROR and +CMS ERROR are extended result codes, text in
		// V0 as in V1 (V.250 §5.7.2): only a basic one in words shows V1.
		if basic := r.Kind != at.FinalCME && r.Kind != at.FinalCMS; basic && c.numeric && (p == nil || !p.setsV) {
			c.numeric = false
		}
		return line, true, false
	}
	v, ok := at.NumericResult(strings.TrimSpace(line))
	switch {
	case !ok:
		return line, false, false
	case c.numeric, p != nil && p.setsV, p != nil && p.probe && isProbeAnswer(p.lines, v):
		if !at.Classify(v).Kind.IsFinal() {
			// RING (2) is unsolicited: a URC in words, never a final.
			return v, false, true
		}
		return v, true, true
	case p != nil && p.bare && (v == "OK" || v == "ERROR"):
		// A bare AT has no information text: "0" is a modem an aborted
		// session left in V0 saying OK (outside tester sw66: read as no
		// answer, the modem called silent, ATV1 held back for 30 s).
		c.numeric = true
		c.lineNote = fmt.Sprintf("%s answered %s: the modem gives numeric result codes (ATV0); read as such from here", p.line, strings.TrimSpace(line))
		return v, true, true
	}
	return line, false, false
}

// isURC decides, while a command is pending, whether an information line is
// unsolicited.
func isURC(line string, names map[string]bool) bool {
	if !strings.HasPrefix(line, "+") {
		return false
	}
	name, rest, ok := strings.Cut(line, ":")
	if !ok {
		return !names[name]
	}
	if counts, ok := regURCs[name]; ok {
		fields := strings.Split(rest, ",")
		if _, err := strconv.Atoi(strings.TrimSpace(fields[0])); err == nil {
			if len(fields) >= 3 {
				second := strings.TrimSpace(fields[1])
				if strings.HasPrefix(second, `"`) {
					return true
				}
				if _, err := strconv.Atoi(second); err == nil {
					return !names[name]
				}
			}
			if slices.Contains(counts, len(fields)) {
				return true
			}
		}
	}
	return !names[name]
}

// vendorPrefixes are the first characters of manufacturers' own command
// and result code names, which V.250 leaves to them (§5.4.1 keeps "+"
// for the standard's; §5.8.1): Huawei's and Cinterion's ^, Telit's #,
// Sierra's !, Qualcomm's $, Nordic's %, SIMCom's *.
const vendorPrefixes = "^#!$%*"

// vendorURC decides, while a command whose line parsed is pending (names:
// its answers' names), whether an information line is a manufacturer's
// result code that command did not ask for: Huawei's ^RSSI:18 and
// ^SIMST: 1, Telit's #QSS: 1, sent between any two lines (ModemManager's
// Huawei plugin has to ignore them for the same reason), never a
// standard command's answer, nor ATI's, which is text. A command line
// that did not parse (AT*CNTI?) keeps such lines as its answer.
// The name is at.InfoName's ("#1 fan: on" is text, not a name); a line
// with no colon is the boot lines' (^SYSSTART).
func vendorURC(line string, names map[string]bool) bool {
	if line == "" || !strings.ContainsRune(vendorPrefixes, rune(line[0])) || !strings.Contains(line, ":") {
		return false
	}
	// SIMCom's '*' starts no extended name in V.250 (nor at.InfoName): its
	// name is read as a '^' one's.
	name, ok := at.InfoName("^" + line[1:])
	return ok && !names[line[:1]+name[1:]]
}

// URCs returns the unsolicited lines received so far, oldest first.
func (c *Client) URCs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.urcs...)
}

// PortErr says why the port is not there: it dropped and is being
// reopened (ErrPortDown), or the client gave up on it (it did not come
// back, or was closed); nil while it is up. A wait on URCs alone cannot
// tell a modem that stopped talking from one that did not register: it
// asks this first.
func (c *Client) PortErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	return c.down
}

// Reopens is how many times the port dropped and came back: a check
// that a port was really taken away (a lab's port-control) reads it
// before and after, since commands alone cannot tell a drop that never
// happened from one the client rode out.
func (c *Client) Reopens() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reopens - c.notBack
}

// Boots is how many times the modem said it booted (its boot URC,
// WithSetUp) since the client opened: a restart that kept the port.
func (c *Client) Boots() int {
	c.awaitBootCheck()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.boots
}

// Dropped is how many URCs were dropped because MaxURCs were waiting.
func (c *Client) Dropped() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dropped
}

// ClearURCs forgets all received URCs.
func (c *Client) ClearURCs() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.urcs = nil
}

// WaitURC returns the oldest URC starting with prefix, removing it from the
// list, waiting up to timeout for one to arrive: of the client's running
// time, as a command's timeout (WithStalls).
func (c *Client) WaitURC(prefix string, timeout time.Duration) (string, error) {
	t := stall.Begin(c.stalls, timeout).NewTimer()
	defer t.Stop()
	match := func(u string) bool { return strings.HasPrefix(u, prefix) }
	for {
		c.mu.Lock()
		if u, ok := c.takeURC(match); ok {
			c.mu.Unlock()
			return u, nil
		}
		sig, done, err := c.urcSig, c.done, c.err
		c.mu.Unlock()
		if err != nil {
			return "", fmt.Errorf("wait URC %q: %w", prefix, err)
		}
		select {
		case <-sig:
		case <-done:
		case now := <-t.C:
			if !t.Out(now) {
				continue // the process could not run meanwhile
			}
			if n := c.Dropped(); n > 0 {
				// The one waited for may be among them: say so.
				return "", fmt.Errorf("wait URC %q: %w after %v; %d URCs were dropped unread (more than %d waited)", prefix, ErrTimeout, timeout, n, MaxURCs)
			}
			return "", fmt.Errorf("wait URC %q: %w after %v", prefix, ErrTimeout, timeout)
		}
	}
}

// URCSignal returns a channel closed when the next URC arrives, or the
// client fails: a caller that takes URCs itself (TakeURC) gets it before
// it looks, so that one arriving meanwhile still wakes it, and waits on
// it when it found none.
func (c *Client) URCSignal() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.done
	}
	return c.urcSig
}

// TakeURC removes and returns the oldest URC that match accepts, without
// waiting: for a caller that lets time pass itself (a script's wait on the
// emulator's virtual clock). It fails once the client has: the port gone
// for good.
func (c *Client) TakeURC(match func(string) bool) (string, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if u, ok := c.takeURC(match); ok {
		return u, true, nil
	}
	if c.err != nil {
		return "", false, fmt.Errorf("take URC: %w", c.err)
	}
	return "", false, nil
}

// takeURC removes the oldest URC match accepts. Call with c.mu held.
func (c *Client) takeURC(match func(string) bool) (string, bool) {
	for i, u := range c.urcs {
		if match(u) {
			c.urcs = append(c.urcs[:i:i], c.urcs[i+1:]...)
			return u, true
		}
	}
	return "", false
}
