package atclient

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/internal/stall"
)

// A modem that answers in order and is only busy (a network scan,
// AT+COPS=?, takes minutes) and one whose AT task dropped the lines it got
// while stalled both leave the client's command and its resync's AT
// unanswered: the first still owes both answers, the second nothing.
// Nothing in a lone OK tells which. So once a resync's AT goes unanswered
// (silent), no command goes out until the modem answers a probe whose
// answer is its own: ATS3? — the command line terminator, which V.250
// §6.2.1 makes every modem keep and §5.3.2 read back as three digits,
// "013". Final results before it are the owed answers, filed in order
// under the commands that timed out; its answer shows the modem in step
// with the client again, since a modem answers in order. A probe that
// timed out and is answered later is told by its answer too, and never
// taken for a command's. A modem that does not read S3 refuses it
// (ERROR): once nothing else is owed, that refusal is the probe's answer
// all the same.
const probeLine = "ATS3?"

// maxAnsweringProbes is how many probes may time out once the modem has
// answered what it owed before the client stops probing; maxSilence how
// long the modem may answer no probe at all: more than a network scan
// (AT+COPS=?, 30–180 s on LTE modules) takes.
const (
	maxAnsweringProbes = 3
	maxSilence         = 5 * time.Minute
)

// ErrNotSent is wrapped, with ErrTimeout, by the error of a command that
// the client did not send: the modem had answered nothing since an
// earlier command timed out, nor the probe sent before it.
var ErrNotSent = errors.New("at: not sent")

// goSilent takes the modem as silent after lp timed out and the resync's
// AT (at) went unanswered too: until a probe is answered, no command goes
// out, and what comes between commands is collected. Call with c.mu held.
func (c *Client) goSilent(lp, at *pending) {
	c.silent, c.silentSince, c.silentAt = true, lp.line, time.Now()
	c.silence = stall.BeginAt(c.stalls, c.silentAt, maxSilence)
	c.owedTaken, c.answering = 0, 0
	c.owed = append(c.owed[:0:0], lp, at) // a busy modem answers both later, in order
	col := newPending(probeLine)
	col.probe, col.echoOK = true, false
	for _, o := range c.owed {
		for n := range o.names {
			col.addName(n) // an owed answer's lines are its, not URCs
		}
	}
	c.collector = col
}

// endSilence follows a probe's answer: the modem answers in order, so
// owed answers that did not come before it were dropped; the collector
// stays while probes that timed out may still be answered. Call with
// c.mu held.
func (c *Client) endSilence() {
	c.silent, c.owed, c.answering = false, nil, 0
	if c.probes == 0 {
		c.collector = nil
	} else {
		// Probes that timed out may still be answered between commands
		// (one may be under way: its lines stay).
		c.collector.names = nil
	}
}

// isProbeAnswer says whether lines and final are a probe's answer: "013"
// (or "13": the register's value without the leading zeros) and OK (in
// words: route reads a V0 modem's "0" as OK), beside at most the probe's
// own echo.
func isProbeAnswer(lines []string, final string) bool {
	if final != "OK" {
		return false
	}
	value := false
	for _, l := range lines {
		switch l = strings.TrimSpace(l); {
		case l == "013" || l == "13":
			if value {
				return false
			}
			value = true
		case !strings.EqualFold(l, probeLine):
			return false
		}
	}
	return value
}

// readsSRegister says whether p reads an S-parameter (ATS3?, ATS0?):
// its own answer may look like a probe's, so none is taken from it.
func (p *pending) readsSRegister() bool {
	cmds, ok := p.commands()
	if !ok {
		return false
	}
	for _, x := range cmds {
		if len(x.Name) > 1 && (x.Name[0] == 'S' || x.Name[0] == 's') {
			return true
		}
	}
	return false
}

// takeOwed is route's for a final result that belongs to no command in
// flight, as a modem that was silent answers in order: while a probe is
// pending, any final result but its own answers the oldest command still
// owed (filed under it as late); while a command is pending and probes
// that timed out may still be answered, a probe's answer is theirs. It
// reports whether it took the final result, and the trace's note. Call
// with c.mu held.
func (c *Client) takeOwed(p *pending, final string) (string, bool) {
	shaped := isProbeAnswer(p.lines, final)
	refused := func() string {
		return fmt.Sprintf("late answer to %s (a probe that timed out): %s, the modem does not read S3", probeLine, final)
	}
	switch {
	case p.probe && !shaped && len(c.owed) > 0:
		o := c.owed[0]
		c.owed = c.owed[1:]
		c.owedTaken++
		note := c.lateAnswer(o, p.lines, final, time.Now())
		p.lines, p.truncated, p.overlong = nil, 0, 0
		return note, true
	case p == c.collector:
		// Between commands, nothing else owed: a probe's answer (its
		// refusal, from a modem that does not read S3): in step.
		c.probes = max(c.probes-1, 0)
		note := fmt.Sprintf("late answer to %s (a probe that timed out)", probeLine)
		if !shaped {
			note = refused()
		}
		if c.silent {
			note += "; the modem is in step again"
		}
		p.lines, p.truncated, p.overlong = nil, 0, 0
		c.endSilence()
		return note, true
	case p.probe && !shaped && c.probes > 0:
		// Nothing else owed: an earlier probe's refusal. The probe's own
		// answer is still to come.
		c.probes--
		c.owedTaken++
		p.lines, p.truncated, p.overlong = nil, 0, 0
		return refused(), true
	case p.probe:
		return "", false // its own answer (or refusal): in step
	case c.probes > 0 && shaped && !p.readsSRegister():
		c.probes--
		p.lines, p.truncated, p.overlong = nil, 0, 0
		return fmt.Sprintf("late answer to %s (a probe that timed out), not %s's", probeLine, p.line), true
	}
	// Its own answer: every probe sent before it was answered or dropped,
	// since the modem answers in order.
	c.probes = 0
	c.collector = nil
	return "", false
}

// probe runs before cmd goes out while the modem is silent: it sends
// ATS3? and waits up to the client's timeout (at most resyncWait, and no
// longer than cmd is given) for its answer, taking the owed answers that
// come first. nil: the modem answered it and is in step; cmd goes out.
// Otherwise cmd is not sent (ErrNotSent): the next command probes again.
func (c *Client) probe(cmd string, timeout time.Duration) error {
	c.mu.Lock()
	silent, since := c.silent, c.silentSince
	c.mu.Unlock()
	if !silent {
		return nil
	}
	wait := min(c.timeout, resyncWait, timeout)
	if since != "" {
		since = " in step since " + since + " timed out"
	}
	c.tracef("#", fmt.Sprintf("the modem has answered nothing%s: %s before %s, so that no answer it still owes is taken for %s's", since, probeLine, cmd, cmd))
	p := newPending(probeLine)
	p.probe = true
	c.mu.Lock()
	if c.collector != nil {
		p.names = c.collector.names
	}
	c.mu.Unlock()
	lim := limit{deadline: time.Now().Add(wait)}
	defer lim.stop()
	if err := c.send(p, probeLine, wait, &lim); err != nil {
		return fmt.Errorf("%s: %w: %w", cmd, ErrNotSent, err)
	}
	final, how := c.await(p, &lim)
	if how == timedOut {
		final, how = c.expire(p, final)
	}
	c.mu.Lock()
	perr, lines := p.err, p.lines
	c.mu.Unlock()
	switch {
	case how == answered && perr == nil:
		c.mu.Lock()
		c.endSilence()
		c.mu.Unlock()
		if !isProbeAnswer(lines, final) {
			// A modem that does not read S3 still answers in order.
			c.tracef("#", fmt.Sprintf("%s answered %s (the modem does not read S3): its answers are in step again", probeLine, final))
		}
		return nil
	case how == timedOut:
		c.mu.Lock()
		c.probes++
		if len(c.timeouts) < MaxTimeouts {
			c.timeouts = append(c.timeouts, Timeout{Command: cmd, Within: wait, NotSent: true})
		}
		// A modem that answers, but never the probe as V.250 has it (no
		// S3 read, and the refusal dropped or never sent), would keep
		// every command from going out: once it has answered what it
		// owed, three probes more that time out, or a silence longer
		// than any modem's slowest command, end the probing.
		why := ""
		if c.owedTaken > 0 {
			if c.answering++; c.answering >= maxAnsweringProbes {
				why = fmt.Sprintf("the modem answered what it owed, but %d probes since got no answer", maxAnsweringProbes)
			}
		}
		if now := time.Now(); why == "" && c.silence.Left(now) < 0 {
			// A stop of the process is no silence of the modem's.
			d := now.Sub(c.silentAt) - c.silence.Stalled()
			why = fmt.Sprintf("the modem has answered no probe for %v, longer than any command takes", d.Round(time.Second))
		}
		if why != "" {
			c.endSilence()
			c.probes, c.collector = 0, nil
			c.mu.Unlock()
			c.tracef("#", fmt.Sprintf("not sent: %s; %s: commands go out without a probe from now on (an answer it still owes may be taken one command late)", cmd, why))
			return fmt.Errorf("%s: %w (%w after %v to %s): %s", cmd, ErrNotSent, ErrTimeout, wait, probeLine, why)
		}
		c.mu.Unlock()
		if uerr := c.noteUnframed(probeLine, false); uerr != nil {
			// Bytes but no answer: a wrong line speed, which the caller
			// (lab.Check) tells from silence.
			c.tracef("#", fmt.Sprintf("not sent: %s (no answer to %s but %v)", cmd, probeLine, uerr))
			return fmt.Errorf("%s: %w (%w after %v to %s: %w)", cmd, ErrNotSent, ErrTimeout, wait, probeLine, uerr)
		}
		c.tracef("#", fieldlog.NoAnswerNote(probeLine))
		c.tracef("#", fmt.Sprintf("not sent: %s (the modem still answers nothing)", cmd))
		return fmt.Errorf("%s: %w (%w after %v to %s): the modem has answered nothing%s", cmd, ErrNotSent, ErrTimeout, wait, probeLine, since)
	case perr != nil:
		return fmt.Errorf("%s: %w: %s: %w", cmd, ErrNotSent, probeLine, perr)
	}
	c.clearPending(p)
	c.mu.Lock()
	err := c.err
	c.mu.Unlock()
	return fmt.Errorf("%s: %w: %w", cmd, ErrNotSent, err)
}
