package replay

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/modem"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/stall"
)

// syncWait bounds, in the time the process ran (internal/stall), how long the host waits for the modem to
// take a line in or for its output to arrive: both are immediate on a
// quiet machine, and a modem that never does is a failed replay, not a
// hang.
const syncWait = 10 * time.Second

// host plays the recorded host's command lines to the rig's modem over
// its tty, byte for byte, and writes what it sent and read — echo, joined
// lines and URCs included — to host.log in the harness's at.log format,
// stamped with the run's clock. It keeps in step with the rig: a line is
// sent only once every byte the modem wrote before is read, and time
// moves only once the modem has taken the line in and its answer is read,
// so the transcript is the same on every run.
type host struct {
	r   *harness.Rig
	tty *os.File
	out io.Writer

	mu    sync.Mutex
	cond  *sync.Cond
	buf   []byte // bytes read, not yet cut into lines
	total int64  // bytes read
	err   error
	done  chan struct{}

	lines int   // lines written to out
	werr  error // the first write to out that failed
	// open are the commands sent that await their final result, in
	// order: more than one when a line went while another ran (a log's
	// host that did not wait), which the modem answers in turn.
	open []*openCommand
	// modes are the modem's echo and result-code form after the lines
	// sent: under ATV0 a result code ends with a CR alone.
	modes at.Modes
	// powerOns are where in the modem's output (its byte count) it came
	// back on after a power cut, not yet read up to (guarded by mu): a
	// boot that loads the profile AT&W stored, whether or not the
	// personality sends a boot URC after it (a Sierra sends none).
	powerOns []int64
	// echo is the echo of the line being sent, while it is read: the
	// line as the modem received it, ended by S3 alone (V.250 §5.2.1),
	// so one line of what is read even with no LF after it (a line sent
	// while a command ran is echoed at once, its answer comes later).
	echo string
}

// openCommand is a command sent that has no final result yet.
type openCommand struct {
	line string
	at   int // its line in host.log
	// off is why the modem could not answer when it took it in, as it
	// follows "the emulated modem" (" was powered off"); "" it could.
	off string
}

func newHost(r *harness.Rig, out io.Writer) (*host, error) {
	tty, err := os.OpenFile(r.Modem.Path(), os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("replay host: %w", err)
	}
	h := &host{r: r, tty: tty, out: out, done: make(chan struct{}), modes: at.DefaultModes()}
	h.cond = sync.NewCond(&h.mu)
	r.Log.Subscribe(func(e eventlog.Event) {
		// From the loop work that powers the modem on, before its boot
		// writes anything: what it wrote so far went out before it.
		if e.Actor == eventlog.Modem && e.Kind == modem.KindPower && e.Get("on") == true {
			n := r.Modem.Written()
			h.mu.Lock()
			h.powerOns = append(h.powerOns, n)
			h.mu.Unlock()
		}
	})
	go h.read()
	return h, nil
}

func (h *host) read() {
	defer close(h.done)
	b := make([]byte, 4096)
	for {
		n, err := h.tty.Read(b)
		h.mu.Lock()
		h.buf = append(h.buf, b[:n]...)
		h.total += int64(n)
		if err != nil {
			h.err = err
		}
		h.cond.Broadcast()
		h.mu.Unlock()
		if err != nil {
			return
		}
	}
}

func (h *host) close() error {
	err := h.tty.Close()
	<-h.done
	return errors.Join(h.werr, err)
}

// drain waits until every byte the modem wrote is read, then writes the
// complete lines, stamped now, and returns them.
func (h *host) drain() ([]string, error) {
	want := h.r.Modem.Written()
	w := stall.Begin(h.r.Loop.Stalls, syncWait)
	h.mu.Lock()
	w.Await(h.cond, func() bool { return h.total >= want || h.err != nil })
	total, err := h.total, h.err
	var complete []string
	for {
		for len(h.powerOns) > 0 && h.total-int64(len(h.buf)) >= h.powerOns[0] {
			// The modem powered on here: it loads the stored profile
			// (V.250 §6.1.1), and its lines end as that profile says.
			h.powerOns = h.powerOns[1:]
			h.modes = h.modes.After("ATZ")
		}
		i := bytes.IndexByte(h.buf, '\n')
		if j := bytes.IndexByte(h.buf, '\r'); !h.modes.Verbose && j >= 0 && (i < 0 || j < i) {
			i = j // a numeric result code's lone CR ends it (V.250 §5.7.1)
		}
		end := i + 1
		if e := echoEnd(h.buf, h.echo); e >= 0 && (i < 0 || e <= end) {
			i, end = e, e
			h.echo = ""
		}
		if i < 0 {
			break
		}
		complete = append(complete, string(h.buf[:i]))
		h.buf = h.buf[end:]
	}
	h.mu.Unlock()
	switch {
	case total < want && err != nil:
		return nil, fmt.Errorf("replay host: reading the modem: %w", err)
	case total < want:
		return nil, fmt.Errorf("replay host: %d of the modem's %d bytes arrived within %v", total, want, syncWait)
	}
	var out []string
	for _, l := range complete {
		// A line as a sniffer shows it: no line ending, and a CR inside
		// (a final result that ran on into the next echo) dropped.
		l = strings.ReplaceAll(strings.TrimRight(l, "\r"), "\r", "")
		if strings.TrimSpace(l) == "" {
			continue
		}
		h.write("<", l)
		h.answered(l)
		out = append(out, l)
	}
	return out, nil
}

// echoEnd is where echo ends in b when b's first line holds it: at the
// line's start, or after a final result's CR that ran on into it (a
// quirk: the line stays one, as a sniffer shows it); -1 when it does not.
func echoEnd(b []byte, echo string) int {
	if echo == "" {
		return -1
	}
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i+1]
	}
	for p := 0; p < len(b); p++ {
		if (p == 0 || b[p-1] == '\r') && bytes.HasPrefix(b[p:], []byte(echo)) {
			return p + len(echo)
		}
	}
	return -1
}

// flush writes what is left of a line the modem never ended, as a
// sniffer shows the tail of its capture.
func (h *host) flush() {
	h.mu.Lock()
	rest := strings.ReplaceAll(strings.TrimRight(string(h.buf), "\r"), "\r", "")
	h.buf = nil
	h.mu.Unlock()
	if strings.TrimSpace(rest) != "" {
		h.write("<", rest)
		h.answered(rest)
	}
}

// answered takes a line the modem sent: a final result ends the command
// that awaited one, as the log readers pair them. An OK to a restart
// (at.Restarts) is the modem's boot, which loads the profile AT&W stored
// (V.250 §6.1.1): under a stored ATV0 its lines end with a CR alone from
// there, its boot URC's too. (A power cut's boot is drain's, at the power
// event; a boot URC boots nothing: the boot came before it.)
func (h *host) answered(l string) {
	if len(h.open) > 0 && finalResult(l, h.modes) {
		v := l
		if d, ok := at.NumericResult(l); ok && !h.modes.Verbose {
			v = d
		}
		if v == "OK" && at.Restarts(h.open[0].line) {
			h.modes = h.modes.After("ATZ")
		}
		h.open = h.open[1:]
	}
	if at.IsPowerOnURC(l) {
		h.lostWithPower()
	}
}

// lostWithPower notes, as the modem says it came up, the commands a
// powered modem took in and never answered: the power went with them —
// the one running and the lines the host typed ahead of it, queued —
// and they are lost with it (the emulated modem drops a queued line at a
// power cut). host.log says so, as the plan's assumption does, so that
// it reads as whole at the boot. Lines a modem took in off or restarting
// are not its to lose (their no-answer note says why).
func (h *host) lostWithPower() {
	var running string
	var queued []string
	for _, c := range h.open {
		switch {
		case c.off != "":
		case running == "":
			running = fmt.Sprintf("%s (host.log:%d)", c.line, c.at)
		default:
			queued = append(queued, fmt.Sprintf("%s (host.log:%d)", c.line, c.at))
		}
	}
	switch {
	case running == "":
	case len(queued) == 0:
		h.note(fmt.Sprintf("the power went with %s unanswered: lost with it", running))
	default:
		h.note(fmt.Sprintf("the power went with %s running and %s typed ahead, queued: lost with it, unanswered", running, strings.Join(queued, ", ")))
	}
}

// finalResult reports a final result code, in words or, under ATV0, a
// digit.
func finalResult(l string, m at.Modes) bool {
	if v, ok := at.NumericResult(l); ok && !m.Verbose {
		l = v
	}
	return at.Classify(l).Kind.IsFinal()
}

func (h *host) write(dir, text string) {
	// An SMS PDU's Ctrl-Z, or any control byte the modem sent, shown as
	// the log readers show it: host.log stays a text log (fieldlog refuses
	// binary data in one).
	_, err := fmt.Fprintf(h.out, "%s %s %s\n", h.r.Loop.Now().Format(time.RFC3339Nano), dir, fieldlog.Escape(text))
	if err != nil && h.werr == nil {
		// A host.log that lost lines (a full disk) is no transcript
		// to judge the replay by: close says so.
		h.werr = fmt.Errorf("%s: %w", HostLog, err)
	}
	h.lines++
}

// note writes a "#" line: what the replay did that the recording lacks.
func (h *host) note(text string) { h.write("#", text) }

// send writes one command line, waits until the modem has taken it in
// and its answer is read, and returns the lines read meanwhile.
func (h *host) send(line string) ([]string, error) {
	if _, err := h.drain(); err != nil {
		return nil, err
	}
	in := h.r.Modem.LinesIn()
	var running bool
	h.r.Loop.Do(func() { running = h.r.Modem.Answering() })
	if running {
		// Sent while a command runs (the log's host did not wait):
		// marked as at.log marks it, so that its readers pair it with
		// the answer after that one's.
		h.write(">", line+at.QueuedMark)
	} else {
		// Nothing runs: a command still open is one the modem will
		// never answer (it took it in powered off, or a power cut
		// dropped it).
		h.write(">", line)
		h.open = h.open[:0]
	}
	c := &openCommand{line: line, at: h.lines}
	h.open = append(h.open, c)
	before := h.modes
	echo := h.modes.Echo          // E applies after the line's own echo
	h.modes = h.modes.After(line) // V applies to the line's own result already
	if _, err := io.WriteString(h.tty, line+"\r"); err != nil {
		return nil, fmt.Errorf("replay host: write %q: %w", line, err)
	}
	if !h.r.Modem.AwaitLinesIn(in, syncWait) {
		return nil, fmt.Errorf("replay host: the modem did not take %q in within %v", line, syncWait)
	}
	// The modem's state as it took the line in (nothing has run since):
	// why it may never answer.
	h.r.Loop.Do(func() {
		switch {
		case !h.r.Modem.Powered():
			c.off = " was powered off"
		case h.r.Modem.Restarting(): // its own state first: a hang is an assumption
			c.off = " was restarting"
		case h.r.Modem.Hung():
			c.off = "'s AT port was hung"
		}
	})
	if c.off != "" {
		// Not taken in: the line sets nothing (a restarting modem boots
		// with the stored profile all the same).
		h.modes = before
	}
	if echo && c.off == "" {
		// A/ runs at its "/" and is echoed so; the CR sent after it
		// ends an empty line, which is not echoed.
		h.echo = line + "\r"
		if strings.EqualFold(line, "A/") {
			h.echo = line
		}
	}
	defer func() { h.echo = "" }() // echoed otherwise, it reads as before
	if _, err := h.r.AdvanceUntil(h.r.Now(), nil); err != nil {
		return nil, err
	}
	return h.drain()
}

// until runs the rig to run time t, stopping whenever the modem says
// something so that it is read and stamped when it was said.
func (h *host) until(t time.Duration) error {
	for {
		seen := h.r.Modem.Written()
		said, err := h.r.AdvanceUntil(t, func() bool { return h.r.Modem.Written() != seen })
		if err != nil {
			return err
		}
		if _, err := h.drain(); err != nil {
			return err
		}
		if !said {
			return nil
		}
	}
}
