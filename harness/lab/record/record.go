package record

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/dialect"
	"github.com/esimhil/esimhil/harness/lab"
	"github.com/esimhil/esimhil/internal/atomicfile"
	"github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/personality"
	"github.com/esimhil/esimhil/internal/stall"
	"github.com/esimhil/esimhil/internal/yamlnode"
)

// Files of a recording directory.
const (
	ManifestFile = "manifest.yaml"
	ScriptFile   = "script.yaml"
	LogFile      = "at.log"
	// RetryLogFile is the conversation of the script recorded again over
	// the other way to the card (Manifest.RetriedUnder), kept beside
	// at.log when that did not reach the card either.
	RetryLogFile = "retry.log"
	// CaptureFile is the card's APDU lane of the session (lab record
	// --simtrace); there is none without it.
	CaptureFile = "traffic.pcapng"
)

// maxLogLines bounds a conversation kept in memory; MaxLogLines is the
// bound for messages.
const (
	maxLogLines = 100000
	MaxLogLines = maxLogLines
)

// Log is a conversation in at.log form: "<RFC 3339 time> > line" (host to
// modem), "< line" (modem to host), "# note". It takes the AT client's
// trace (atclient.WithTrace with WithTimestamps).
type Log struct {
	mu    sync.Mutex
	lines []string
	part  []byte
	// polling: a ready step is polling, and its AT lines, their echo and
	// their final results are written as "# poll" notes (pollNote).
	polling bool
	// timedOut are the steps whose command the modem did not answer in
	// time (Run): the recording holds them, and says so.
	timedOut []string
	noisy    bool // a timed-out step had noise for its answer (Noisy)
	// cut are the steps whose answer a port drop cut (Run).
	cut []string
	// dropped counts the lines past maxLogLines, not kept.
	dropped int
	// strays counts the final results that came with no command pending
	// during the last Run (atclient.Client.Strays).
	strays int
	// es10 are the last Run's ES10 steps, each with its error (nil: the
	// card answered).
	es10 []stepErr
	// settingUp: SetUp is sending the preparation again, and its lines
	// are written as "# set-up" notes (setUpNote). restarting: the
	// script asked for a restart (Run), whose drop and defaults are the
	// conversation's, not set up again. setUps are SetUp's runs since
	// the last Reset; steps the script's steps, to name them.
	settingUp, restarting bool
	setUps                []setUpRun
	steps                 []string
}

// setUpRun is one run of SetUp: where it began in lines, and its error.
type setUpRun struct {
	line int
	err  error
}

// stepErr is a step and what became of it.
type stepErr struct {
	step string
	err  error
}

// CardRefusal is a Run whose every ES10 step the modem refused before
// an APDU reached the card: an ERROR or +CME ERROR to the commands of the
// dialect's way to it (+CSIM, or +CCHO and +CGLA).
type CardRefusal struct {
	// Steps are the ES10 steps, each with its error.
	Steps []string
	// Lacks: every refusal is one of a command the modem lacks (ERROR,
	// +CME ERROR 3, 4, 100 or a text of its own: at.Result.Refuses),
	// none names the card (SIM not inserted): the other way may reach it.
	Lacks bool
}

// CardRefused returns the last Run's CardRefusal; false when it had no
// ES10 step, or one that reached the card (answered, even with an error
// status word) or that failed otherwise (a timeout, a drop).
func (l *Log) CardRefused() (CardRefusal, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := CardRefusal{Lacks: true}
	for _, s := range l.es10 {
		if !isFinalError(s.err) {
			return CardRefusal{}, false
		}
		r.Steps = append(r.Steps, s.step+": "+refusedText(s.err))
		var cme *atclient.CMEError
		if errors.As(s.err, &cme) && !(at.Result{Kind: at.FinalCME, Code: cme.Code}).Refuses() {
			r.Lacks = false
		}
	}
	return r, len(r.Steps) > 0
}

// Dropped is how many lines past the bound a Log keeps (100,000) were
// not kept: the recording lacks them, and whatever the script did after
// them (outside tester sw128 F4: a URC flood ended the recording
// silently, exit 0).
func (l *Log) Dropped() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dropped
}

// Strays is how many final results came with no command pending during
// the last Run: a modem that sends a result twice or unasked. The client
// took them for no command's, but one that came after the next command
// went out was taken as its answer, and every later answer shifted:
// lab record marks such a recording incomplete (outside tester sw128 F6).
func (l *Log) Strays() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.strays
}

// Cut returns the steps of the last Run whose answer a port drop cut
// (atclient.ErrPortDown): its final result never came, and part of it
// may have (atclient.ErrAnswerCut, # line cut by the port drop). The
// recording is not the modem's conversation: lab record says so, as for
// a timed-out step.
func (l *Log) Cut() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.cut...)
}

// TimedOut returns the steps of the last Run whose command the modem did
// not answer within the client's timeout, each with what became of the
// command (answered late, or never): "step 18 (es10 BF3E035C015A): the
// modem did not answer AT+CCHO=… within 5s (late answer after 8.0s)".
// A ready step's polls are not among them: they expect silence.
func (l *Log) TimedOut() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.timedOut...)
}

func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.part = append(l.part, p...)
	for {
		i := bytes.IndexByte(l.part, '\n')
		if i < 0 {
			break
		}
		if len(l.lines) < maxLogLines {
			line := string(l.part[:i])
			switch {
			case l.settingUp:
				line = setUpNote(line)
			case l.polling:
				line = pollNote(line)
			}
			l.lines = append(l.lines, line)
		} else {
			l.dropped++ // the bound keeps memory, Dropped says what it cost
		}
		l.part = l.part[i+1:]
	}
	return len(p), nil
}

// Note adds a comment line.
func (l *Log) Note(now time.Time, format string, args ...any) {
	fmt.Fprintf(l, "%s # %s\n", now.Format(time.RFC3339Nano), fmt.Sprintf(format, args...))
}

// pollNote turns a line of a ready step's polls into a note ("<time> #
// poll > AT"): how many polls a modem needs varies from boot to boot, so
// Diff must not compare them. What else the modem says meanwhile (its
// boot URCs) stays a line of the conversation.
func pollNote(line string) string {
	ts, rest, ok := strings.Cut(line, " ")
	if !ok || len(rest) < 2 {
		return line
	}
	text := strings.TrimSpace(rest[1:])
	switch {
	case rest[0] == '>',
		rest[0] == '<' && (strings.EqualFold(text, readyPoll) || at.Classify(text).Kind != at.Info):
		return ts + " # poll " + rest
	}
	return line
}

// setUpNote turns a line of the set-up sent again after a drop into a
// note ("<time> # set-up > ATE0"): lab record's own commands, not the
// script's, so that neither Diff nor Draft takes them for a step. A URC
// the modem sent meanwhile (its boot URCs, marked by the client) stays a
// line of the conversation.
func setUpNote(line string) string {
	ts, rest, ok := strings.Cut(line, " ")
	if !ok || len(rest) < 2 || (rest[0] != '>' && rest[0] != '<') {
		return line
	}
	if _, urc := at.CutURC(rest); urc {
		return line
	}
	return ts + " # set-up " + rest
}

// setPolling turns the poll notes on or off.
func (l *Log) setPolling(on bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.polling = on
}

// Reset forgets the lines so far.
func (l *Log) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines, l.part, l.timedOut, l.cut, l.strays, l.dropped, l.es10 = nil, nil, nil, nil, 0, 0, nil
	l.setUps, l.restarting = nil, false
}

// Prepare puts a modem in the state every recording starts from: it
// answers AT, echo is off, the registration reports are the power-on
// default (+CEREG=0, +CREG=0, +CGREG=0) and errors come as numbers
// (+CMEE=1: 27.007's codes, where +CMEE=2's wording is each vendor's):
// a host before it (a make lab sets +CEREG=2, the personality probe
// +CMEE=2) would otherwise show in the recording's read forms and
// errors, and a lab diff against a fresh emulator differ for it. A modem
// that refuses one keeps it (the recording shows what it has).
func Prepare(c *atclient.Client) error {
	if err := lab.Check(c); err != nil {
		return err
	}
	if cmd, err := prepare(c.Command); err != nil {
		return prepareFailed(cmd, err, c.Timeouts())
	}
	return nil
}

// prepare sends Prepare's settings with do; it returns the command that
// failed, and how.
func prepare(do func(string) (*atclient.Response, error)) (string, error) {
	for _, cmd := range []string{"ATE0", "AT+CEREG=0", "AT+CREG=0", "AT+CGREG=0", "AT+CMEE=1"} {
		if _, err := do(cmd); err != nil && (cmd == "ATE0" || !isFinalError(err)) {
			return cmd, err
		}
	}
	return "", nil
}

// SetUp is lab record's set-up for atclient.WithSetUp: when the port
// came back from a drop the script did not ask for (ser2net restarted, a
// USB modem that reset and re-enumerated) or the modem restarted on its
// own, it is back at its defaults (echo on, +CEREG=0, +CMEE=0), and the
// steps after it would be recorded against a modem in another state than
// those before. It sends Prepare's settings again, as "# set-up" notes,
// and keeps what came of it for Drops. After a restart the script asked
// for (AT+CFUN=1,1, until its next command step) it sends nothing: the
// modem's defaults are then the conversation's, as the emulator's are
// in lab diff.
func (l *Log) SetUp(do func(string) (*atclient.Response, error)) error {
	l.mu.Lock()
	if l.restarting {
		l.mu.Unlock()
		return nil // at.log as before: the restart's notes say it all
	}
	l.settingUp = true
	start := len(l.lines)
	l.mu.Unlock()
	cmd, err := prepare(do)
	if err != nil && !strings.HasPrefix(err.Error(), cmd+":") {
		err = fmt.Errorf("%s: %w", cmd, err) // a final result (ERROR) does not name it
	}
	l.mu.Lock()
	l.settingUp = false
	l.setUps = append(l.setUps, setUpRun{line: start, err: err})
	l.mu.Unlock()
	return err
}

// Drops names each time the last Run set the modem up again (SetUp):
// where in the script the port dropped (the last step note before it),
// when it dropped and came back (at.log's # port dropped and # port back
// notes), and whether the set-up went through ("after step 11
// (AT+CEREG?): port dropped at …, back at …, set up again"). failed says
// whether one did not: the steps after it were recorded against a modem
// in another state.
func (l *Log) Drops() (drops []string, failed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// cur is the step whose note came last, last the last step with a
	// line of the modem's conversation: the drop came after it (the
	// reader may notice it before or after the next step's note).
	from, cur, last := 0, 0, 0
	for _, su := range l.setUps {
		dropped, back := "", ""
		for k := from; k < su.line && k < len(l.lines); k++ {
			ts, rest, _ := strings.Cut(l.lines[k], " ")
			note, isNote := strings.CutPrefix(rest, "# ")
			switch {
			case !isNote && dropped == "" && (strings.HasPrefix(rest, "> ") || strings.HasPrefix(rest, "< ")):
				last = cur
			case !isNote:
			case strings.HasPrefix(note, "step ") && dropped == "":
				fmt.Sscanf(note, "step %d:", &cur)
			case strings.HasPrefix(note, "port dropped") && dropped == "":
				dropped = ts
			case strings.HasPrefix(note, "port back"):
				back = ts
			}
		}
		from = su.line
		where := "before step 1"
		if last > 0 && last <= len(l.steps) {
			where = fmt.Sprintf("after step %d (%s)", last, l.steps[last-1])
		}
		what := "the modem restarted on its own (its echo back on, or a boot URC)"
		if dropped != "" {
			what = "port dropped at " + dropped
			if back != "" {
				what += ", back at " + back
			}
		}
		outcome := "set up again"
		if su.err != nil {
			outcome, failed = "setting it up again failed: "+su.err.Error(), true
		}
		drops = append(drops, where+": "+what+", "+outcome)
	}
	return drops, failed
}

// prepareFailed words a failure of Prepare: the client's error names the
// command already (outside tester sw78: "AT+CGREG=0: AT+CGREG=0: …"),
// and a port that dropped meanwhile (ser2net restarted, a modem
// resetting) says what to do, as a drop during the probe or a step does.
func prepareFailed(cmd string, err error, timeouts []atclient.Timeout) error {
	if !strings.HasPrefix(err.Error(), cmd+":") {
		err = fmt.Errorf("%s: %w", cmd, err) // a final result (ERROR) does not name it
	}
	if errors.Is(err, atclient.ErrPortDown) {
		return fmt.Errorf("setting the modem up for the recording: %w; the port dropped before the recording began, so nothing was recorded: record again once it is steady", err)
	}
	// A timeout with noise for its answer is the port's settings
	// (outside testers sw106, sw108: garbage read as a slow modem).
	if n := len(timeouts); n > 0 && errors.Is(err, atclient.ErrTimeout) && timeouts[n-1].Noise > 0 {
		return fmt.Errorf("setting the modem up for the recording: %w; it sent %d line(s) of noise meanwhile, no text: wrong BAUD or parity? (the speed and line settings of the port, or of the serial server in front of it)", err, timeouts[n-1].Noise)
	}
	return fmt.Errorf("setting the modem up for the recording: %w", err)
}

// isFinalError reports a command the modem answered with ERROR or +CME
// ERROR (refused, not gone).
func isFinalError(err error) bool { return errors.Is(err, atclient.ErrError) || isCME(err) }

// Lines returns the lines so far; past the bound, a last note says how
// many were not kept.
func (l *Log) Lines() []string {
	lines, _, _ := l.Snapshot()
	return lines
}

// Snapshot returns Lines, how many of them the modem's conversation
// holds (the note on dropped lines not counted) and how many were
// dropped, all read at one instant: a flood goes on being dropped while
// a recording is saved, and counts read apart disagree with at.log's
// note (outside tester sw130 N9).
func (l *Log) Snapshot() (lines []string, kept, dropped int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	lines = append([]string(nil), l.lines...)
	kept, dropped = len(lines), l.dropped
	if dropped > 0 {
		lines = append(lines, fmt.Sprintf("%s # %d line(s) past the %d kept were dropped: the recording is incomplete", time.Now().Format(time.RFC3339Nano), dropped, maxLogLines))
	}
	return lines, kept, dropped
}

// Clock is the time a script runs on: the wall clock on a real modem
// (Wall), the emulator's virtual clock in playback, where time passes
// only while someone advances it.
type Clock interface {
	Now() time.Time
	// Wait lets up to d pass until done reports true (or fails), and
	// reports whether it did. done is asked at once, and again whenever
	// the modem may have said something.
	Wait(d time.Duration, done func() (bool, error)) (bool, error)
	// Poll calls try at every, 2×every, … from now, up to d, until it
	// reports true (or fails), and reports how many polls were due and
	// whether the last said true. try's argument bounds its wait for an
	// answer. A clock that knows the modem will not answer (the emulator
	// restarting) may skip a poll's try and count it.
	Poll(d, every time.Duration, try func(timeout time.Duration) (bool, error)) (polls int, ok bool, err error)
}

// A ready step sends readyPoll every readyEvery. The first poll waits
// too: a modem may still answer for a moment after the OK of
// AT+CFUN=1,1.
const (
	readyPoll  = "AT"
	readyEvery = time.Second
)

// Wall is a real modem's clock; AT is the client talking to it, whose
// URCs wake a Wait. Stalls is the meter a Wait's bound reads (nil: the
// process's; a test injects its stalls).
type Wall struct {
	AT     *atclient.Client
	Stalls stall.Reader
}

func (Wall) Now() time.Time { return time.Now() }

// Wait asks done again only when the modem has said something unsolicited
// (or the client failed), and once more at the end: nothing else can make
// an await's line come. d is of the time the process ran: a stop of the
// process (Ctrl-Z) does not run out the modem's time to say it (t192).
func (w Wall) Wait(d time.Duration, done func() (bool, error)) (bool, error) {
	t := stall.Begin(w.Stalls, d).NewTimer()
	defer t.Stop()
	for {
		said := w.AT.URCSignal() // before done looks, so none slips between
		if ok, err := done(); ok || err != nil {
			return ok, err
		}
		select {
		case <-said:
		case now := <-t.C:
			if !t.Out(now) {
				continue
			}
			return done()
		}
	}
}

// Poll gives each try until the next is due: a modem that is up answers
// AT in milliseconds, one that is not (rebooting, its tty gone) must not
// hold the next poll. Polls fall on the wall clock's due times, as on
// the bench; the emulator in playback is polled on its virtual clock
// (harness.Playback), never through Wall.
func (Wall) Poll(d, every time.Duration, try func(time.Duration) (bool, error)) (int, bool, error) {
	start := time.Now()
	due := time.NewTimer(every)
	defer due.Stop()
	for n := 1; time.Duration(n)*every <= d; n++ {
		<-due.C
		if ok, err := try(every); ok || err != nil {
			return n, ok, err
		}
		due.Reset(time.Until(start.Add(time.Duration(n+1) * every)))
	}
	return int(d / every), false, nil
}

// Run plays a script on a modem in a personality's dialect. Commands that
// answer ERROR, or time out, and waits that run out are part of the
// conversation, not failures; Run fails only when the port is gone. An
// await step looks at the unsolicited lines received since the step
// before it began (a fast modem's RDY may come while AT+CFUN=1,1 is still
// being answered), so every other step forgets the older ones.
func Run(c *atclient.Client, p personality.Personality, s *Script, log *Log, clk Clock) error {
	h := dialect.Host{AT: c, P: p}
	// stepOf is the step each timed-out command (by its index in
	// c.Timeouts) was sent in; ready steps' polls are left out.
	before := len(c.Timeouts())
	stepOf := map[int]string{}
	var cut []string
	prevTimedOut := false // the step before timed out
	// The port's reopens since the run began, and those a cut step
	// already stands for: one drop is one cut.
	reopened, attributed := c.Reopens(), 0
	strays := c.Strays()
	log.mu.Lock()
	log.es10, log.steps = nil, nil
	for _, st := range s.Steps {
		log.steps = append(log.steps, st.String())
	}
	log.mu.Unlock()
	defer func() {
		log.mu.Lock()
		log.strays = c.Strays() - strays
		log.mu.Unlock()
	}()
	for i, st := range s.Steps {
		log.Note(clk.Now(), "step %d: %s", i+1, st)
		if st.Ready == 0 && st.Await == "" {
			// A restart the script asks for lasts until its next command
			// step: its ready and await steps see the modem come back.
			log.mu.Lock()
			log.restarting = st.AT != "" && at.Restarts(st.AT)
			log.mu.Unlock()
		}
		if st.Await == "" {
			c.ClearURCs()
		}
		reopens, timeouts := c.Reopens(), len(c.Timeouts())
		var err error
		switch {
		case st.Await != "":
			err = await(c, st, log, clk, i+1)
		case st.Ready != 0:
			err = ready(c, st, log, clk, i+1)
		case st.ICCID:
			_, err = h.ICCID()
		case st.ES10 != nil:
			var sent error
			sent, err = es10(h, st.ES10)
			log.mu.Lock()
			log.es10 = append(log.es10, stepErr{fmt.Sprintf("step %d (%s)", i+1, st), sent})
			log.mu.Unlock()
		default:
			_, err = c.Command(st.AT)
		}
		if errors.Is(err, atclient.ErrClosed) {
			// The port gone for good: the steps a drop cut before (the
			// one whose answer it cut, most often the step just before
			// this one) and those that timed out are still named.
			log.settle(c, stepOf, cut)
			return fmt.Errorf("step %d (%s): %w", i+1, st, err)
		}
		if err != nil && !errors.Is(err, atclient.ErrError) && !isCME(err) {
			log.Note(clk.Now(), "step %d: %v", i+1, err)
		}
		// A drop cuts the step whether part of its answer came or none:
		// either way the recording lacks the modem's answer to it.
		if errors.Is(err, atclient.ErrPortDown) {
			cut = append(cut, fmt.Sprintf("step %d (%s): %v", i+1, st, err))
			attributed++
		} else if timedOut := len(c.Timeouts()) > timeouts; c.Reopens() > reopens && c.Reopens()-reopened > attributed && st.Ready == 0 && st.Await == "" && (timedOut || prevTimedOut) {
			attributed = c.Reopens() - reopened
			// A drop that came to light only after a command timed
			// out — this one's, or the step before's, whose answer the
			// drop took — cuts that step all the same: the timeout is
			// the drop's, not the modem's slowness (outside tester
			// sw104).
			const dropped = "step %d (%s): the port dropped while it awaited its answer (noticed after the command's timeout)"
			if prevTimedOut {
				cut = append(cut, fmt.Sprintf(dropped, i, s.Steps[i-1]))
			}
			if timedOut {
				cut = append(cut, fmt.Sprintf(dropped, i+1, st))
			}
		}
		prevTimedOut = len(c.Timeouts()) > timeouts && st.Ready == 0 && st.Await == "" && !at.Restarts(st.AT) // a restart's port may drop as the modem restarts: no cut
		n := len(c.Timeouts())
		for k := before; k < n; k++ {
			if st.Ready == 0 {
				stepOf[k] = fmt.Sprintf("step %d (%s)", i+1, st)
			}
		}
		before = n
	}
	// The last step's command timed out: its late answer goes into the
	// log, or the log says the modem never answered it, or it would read
	// as cut off.
	c.NoteUnanswered()
	log.settle(c, stepOf, cut)
	return nil
}

// settle keeps, for TimedOut and Cut, the steps whose command timed out
// (stepOf: by index in c.Timeouts) and those a drop cut.
func (l *Log) settle(c *atclient.Client, stepOf map[int]string, cut []string) {
	var timedOut []string
	noisy := false
	for k, to := range c.Timeouts() {
		if step, ok := stepOf[k]; ok {
			timedOut = append(timedOut, step+": "+to.String())
			noisy = noisy || to.Noise > 0
		}
	}
	l.mu.Lock()
	l.timedOut, l.cut, l.noisy = timedOut, cut, noisy
	l.mu.Unlock()
}

// Noisy reports whether a step of the last Run timed out with lines of
// noise for its answer (a wrong speed or parity rather than a slow
// modem).
func (l *Log) Noisy() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.noisy
}

// await lets time pass until the modem sends the line an await step
// waits for, and notes how long it took or that it did not come.
func await(c *atclient.Client, st Step, log *Log, clk Clock, n int) error {
	start := clk.Now()
	var got string
	ok, err := clk.Wait(st.Within, func() (bool, error) {
		u, ok, err := c.TakeURC(st.Matches)
		got = u
		return ok, err
	})
	switch {
	case err != nil:
		return err
	case ok:
		log.Note(clk.Now(), "step %d: %s after %s", n, got, seconds(clk.Now().Sub(start).Round(time.Millisecond)))
	default:
		log.Note(clk.Now(), "step %d: no line matching %s within %s", n, st.Await, seconds(st.Within))
	}
	return nil
}

// ready polls the modem with AT until it answers OK, and notes how long
// it took and how many polls, or that it did not answer. The polls are
// notes in the log, not lines of the conversation (pollNote). It fails
// only when the port is gone for good.
func ready(c *atclient.Client, st Step, log *Log, clk Clock, n int) error {
	start := clk.Now()
	log.setPolling(true)
	polls, ok, err := clk.Poll(st.Ready, readyEvery, func(timeout time.Duration) (bool, error) {
		rsp, err := c.Poll(readyPoll, timeout)
		if errors.Is(err, atclient.ErrClosed) {
			return false, err
		}
		// Silence, ERROR or the port still down: not yet.
		return err == nil && rsp.Final == "OK", nil
	})
	log.setPolling(false)
	switch {
	case err != nil:
		return err
	case ok:
		log.Note(clk.Now(), "step %d: ready after %s (%s)", n, seconds(clk.Now().Sub(start).Round(time.Millisecond)), plural(polls, "poll"))
	default:
		log.Note(clk.Now(), "step %d: not ready within %s (%s)", n, seconds(st.Ready), plural(polls, "poll"))
	}
	return nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func isCME(err error) bool {
	var cme *atclient.CMEError
	return errors.As(err, &cme)
}

// es10 sends an ES10 request on an ISD-R channel it opens and closes:
// sent is the error of the request itself (opening the channel, STORE
// DATA), err that or the close's (a modem without +CCHC under a
// personality with it refuses the close, not the request).
func es10(h dialect.Host, req []byte) (sent, err error) {
	ch, err := h.OpenISDR()
	if err != nil {
		return err, err
	}
	_, err = ch.StoreData(req)
	sent = err
	if cerr := ch.Close(); err == nil {
		err = cerr
	}
	return sent, err
}

// Record plays the script on a prepared modem (Prepare) in the
// personality's dialect, with wall-clock time in the log, and returns the
// modem's identity (its +CGMM answer, IdentityOf), or why the
// conversation holds none.
//
// A run the port's loss stopped returns its error with the identity
// recorded before it: the incomplete recording's manifest still says
// which modem it was.
func Record(c *atclient.Client, p personality.Personality, s *Script, log *Log) (Identity, error) {
	err := Run(c, p, s, log, Wall{AT: c})
	return IdentityOf(log.Lines()), err
}

// Manifest describes a recording.
type Manifest struct {
	Script      string `yaml:"script"`
	Modem       string `yaml:"modem"`
	Personality string `yaml:"personality"`
	Identity    string `yaml:"identity,omitempty"`
	// NoIdentity says why identity: is empty (IdentityOf): the script
	// sent no AT+CGMM, or its answer held nothing that can be the
	// modem's model. Lab personality drafts no model then.
	NoIdentity string    `yaml:"no_identity,omitempty"`
	Recorded   time.Time `yaml:"recorded"`
	// Timeout is the time each command was given (lab record --timeout):
	// `lab diff` gives the emulator's answers the same, so that an answer
	// the bench waited 10 s for is not a timeout in the diff.
	Timeout time.Duration `yaml:"timeout,omitempty"`
	// Scenario is the emulator scenario `lab diff` plays the script
	// against (fixtures/scenarios/<name>.yaml).
	Scenario string `yaml:"scenario"`
	// Accept lists the differences the emulator is allowed: by line of
	// at.log, or by a pattern on the recorded line.
	Accept []Accept `yaml:"accept,omitempty"`
	// Note is free text: what device, card and firmware.
	Note string `yaml:"note,omitempty"`
	// Incomplete says why the recording stopped before the script's end
	// (the port gone for good, a signal): at.log holds what came before.
	// Load refuses such a recording: diffed or drafted from, it would
	// pass for the modem's whole conversation.
	Incomplete string `yaml:"incomplete,omitempty"`
	// Cut names the steps whose answer a port drop cut (Log.Cut): at.log
	// holds the part that came, marked. Load refuses it too.
	Cut string `yaml:"cut,omitempty"`
	// RetriedUnder names the personality the script was recorded again
	// under, over the other way to the card, when every ES10 step at.log
	// holds was refused and that recording was no better: its
	// conversation is in retry.log, and Retried says what it gave
	// ("every ES10 step (3) was refused there too (the first: …)").
	RetriedUnder string `yaml:"retried_under,omitempty"`
	Retried      string `yaml:"retried,omitempty"`
	// Drops names each drop of the port the script did not ask for
	// (Log.Drops): where, when it dropped and came back, and that the
	// modem was set up again before the next step. Between steps the
	// recording is whole with them; one whose set-up failed is
	// incomplete: too, and a drop that cut a step's answer is in cut:.
	Drops []string `yaml:"drops,omitempty"`
}

// Accept is one accepted difference, with the reason.
type Accept struct {
	Line    int    `yaml:"line,omitempty"`
	Pattern string `yaml:"pattern,omitempty"`
	Reason  string `yaml:"reason"`
}

// ParseManifest reads a recording's manifest. Errors name the file, line,
// column and field (accept[1].line), never the YAML library's types.
func ParseManifest(file string, data []byte) (Manifest, error) {
	var m Manifest
	f := newYAMLFile(file)
	top, err := f.root(data)
	if err != nil {
		return m, err
	}
	fields, err := f.fields(top, "", may("script"), may("modem"), may("personality"), may("identity"), may("no_identity"), need("recorded"), may("scenario"), may("accept"), may("note"), may("incomplete"), may("cut"), may("timeout"), may("retried_under"), may("retried"), may("drops"))
	if err != nil {
		return m, err
	}
	for k, dst := range map[string]*string{
		"script": &m.Script, "modem": &m.Modem, "personality": &m.Personality, "identity": &m.Identity, "no_identity": &m.NoIdentity,
		"scenario": &m.Scenario, "note": &m.Note, "incomplete": &m.Incomplete, "cut": &m.Cut,
		"retried_under": &m.RetriedUnder, "retried": &m.Retried,
	} {
		if n := fields[k]; n != nil {
			if *dst, err = f.str(n, k); err != nil {
				return m, err
			}
		}
	}
	if m.Recorded, err = f.timestamp(fields["recorded"], "recorded"); err != nil {
		return m, err
	}
	if n := fields["timeout"]; n != nil {
		if m.Timeout, err = f.duration(n, "timeout"); err != nil {
			return m, err
		}
	}
	if n := fields["drops"]; n != nil {
		items, err := f.list(n, "drops", "a list of texts")
		if err != nil {
			return m, err
		}
		for i, item := range items {
			d, err := f.str(item, fmt.Sprintf("drops[%d]", i))
			if err != nil {
				return m, err
			}
			m.Drops = append(m.Drops, d)
		}
	}
	if n := fields["accept"]; n != nil {
		items, err := f.list(n, "accept", "a list of {line or pattern, reason}")
		if err != nil {
			return m, err
		}
		for i, item := range items {
			a, err := f.accept(item, fmt.Sprintf("accept[%d]", i))
			if err != nil {
				return m, err
			}
			m.Accept = append(m.Accept, a)
		}
	}
	return m, nil
}

// accept reads one accepted difference: a line of at.log or a pattern,
// and the reason.
func (f yamlFile) accept(n *yaml.Node, path string) (Accept, error) {
	var a Accept
	fields, err := f.fields(n, path, may("line"), may("pattern"), need("reason"))
	if err != nil {
		return a, err
	}
	if (fields["line"] == nil) == (fields["pattern"] == nil) {
		return a, f.ErrAt(n, path, "want a line or a pattern (one of them), and a reason")
	}
	if l := fields["line"]; l != nil {
		if a.Line, err = f.count(l, yamlnode.Join(path, "line"), "a line of at.log (1 up)"); err != nil {
			return a, err
		}
	}
	if p := fields["pattern"]; p != nil {
		re, err := f.pattern(p, yamlnode.Join(path, "pattern"))
		if err != nil {
			return a, err
		}
		if a.Pattern = re.String(); a.Pattern == "" {
			return a, f.ErrAt(p, yamlnode.Join(path, "pattern"), "want a pattern, got \"\" (it would accept every line)")
		}
	}
	r := fields["reason"]
	if a.Reason, err = f.str(r, yamlnode.Join(path, "reason")); err != nil {
		return a, err
	}
	if strings.TrimSpace(a.Reason) == "" {
		return a, f.ErrAt(r, yamlnode.Join(path, "reason"), "want a reason, got %s", yamlnode.Describe(r))
	}
	return a, nil
}

// Recording is a directory: manifest, script, conversation, and the
// conversation recorded again over the other way to the card, when the
// manifest names one (RetryLines, retry.log).
type Recording struct {
	Dir        string
	Manifest   Manifest
	Script     *Script
	Lines      []string
	RetryLines []string
}

// Session is what one lab record session leaves in a recording
// directory.
type Session struct {
	Manifest Manifest
	Script   []byte
	Lines    []string // at.log
	// Retry is the conversation the manifest's retried_under names
	// (retry.log); nil when there is none.
	Retry []string
	// Capture is the session's finished card capture, a file in the
	// directory (StageCapture) that becomes traffic.pcapng; "" when the
	// session had none.
	Capture string
}

// Save writes a recording directory of one session without a retry or a
// capture; a manifest without its time gets the present one.
func Save(dir string, m Manifest, scriptText []byte, lines []string) error {
	return SaveSession(dir, Session{Manifest: m, Script: scriptText, Lines: lines})
}

// SaveSession makes dir the recording of s, whole: every file is written
// beside its target before any is renamed over it, and an earlier
// recording's file the session has none of (retry.log, traffic.pcapng) is
// removed. A directory never holds two sessions' files (outside tester
// t136 F1: a record again without --simtrace left the earlier capture
// beside the new at.log). What a person wrote in the manifest is the
// caller's to carry over.
func SaveSession(dir string, s Session) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	m := s.Manifest
	if m.Recorded.IsZero() {
		// Load refuses a recording without its time.
		m.Recorded = time.Now().UTC().Truncate(time.Second)
	}
	mb, err := yaml.Marshal(m)
	if err != nil {
		return err
	}
	type file struct {
		name string
		data []byte
	}
	files := []file{{ScriptFile, s.Script}, {LogFile, textLines(s.Lines)}}
	if s.Retry != nil {
		files = append(files, file{RetryLogFile, textLines(s.Retry)})
	}
	// The manifest last: renamed in place only once every file it
	// speaks of (retried_under: retry.log) is this session's.
	files = append(files, file{ManifestFile, mb})
	type move struct{ from, to string }
	var moves []move
	removeTemps := func() {
		for _, mv := range moves {
			if mv.from != s.Capture {
				os.Remove(mv.from)
			}
		}
	}
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		tmp, err := atomicfile.Temp(path, 0o644, false, func(w io.Writer) error {
			_, err := w.Write(f.data)
			return err
		})
		if err != nil {
			removeTemps()
			return fmt.Errorf("write %s: %w", path, err)
		}
		moves = append(moves, move{tmp, path})
	}
	if s.Capture != "" {
		// First, so that the manifest (last) is never beside another
		// session's capture.
		moves = append([]move{{s.Capture, filepath.Join(dir, CaptureFile)}}, moves...)
	}
	var gone []string
	if s.Retry == nil {
		gone = append(gone, RetryLogFile)
	}
	if s.Capture == "" {
		gone = append(gone, CaptureFile)
	}
	for _, name := range gone {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			removeTemps()
			return fmt.Errorf("remove the earlier recording's %s: %w", name, err)
		}
	}
	for i, mv := range moves {
		if err := os.Rename(mv.from, mv.to); err != nil {
			moves = moves[i:]
			removeTemps()
			return fmt.Errorf("write %s: %w", mv.to, err)
		}
	}
	// The temporary files of a session killed before it was saved (its
	// capture above all, StageCapture's): the directory is this session's
	// now, and nothing of another stays (re-tester t145 F6). Only the
	// recording's own names: whatever else is in the directory is not
	// ours to remove.
	for _, name := range []string{ManifestFile, ScriptFile, LogFile, RetryLogFile, CaptureFile} {
		atomicfile.RemoveStale(filepath.Join(dir, name))
	}
	return nil
}

func textLines(ls []string) []byte { return []byte(strings.Join(ls, "\n") + "\n") }

// StageCapture names a new file in dir (made if need be) for the card
// capture of a session: it becomes traffic.pcapng when SaveSession puts
// the session in place, and until then an earlier recording's stays
// whole. It is atomicfile's temporary file of traffic.pcapng (the name
// RemoveStale finds; 0644, as the recording's other files). The caller
// removes it when the session is not saved.
func StageCapture(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return atomicfile.Temp(filepath.Join(dir, CaptureFile), 0o644, false, func(io.Writer) error { return nil })
}

// maxRecording bounds a recording's files.
const maxRecording = 16 << 20

// Load reads a recording directory.
func Load(dir string) (*Recording, error) {
	read := func(name string) ([]byte, error) {
		p := filepath.Join(dir, name)
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if fi.Size() > maxRecording {
			return nil, fmt.Errorf("%s: %d bytes, more than %d", p, fi.Size(), maxRecording)
		}
		return os.ReadFile(p)
	}
	r := &Recording{Dir: dir}
	mb, err := read(ManifestFile)
	if err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	if r.Manifest, err = ParseManifest(filepath.Join(dir, ManifestFile), mb); err != nil {
		return nil, err
	}
	if r.Manifest.Incomplete != "" {
		return nil, fmt.Errorf("%s: the recording stopped before the script's end (%s): record it again", filepath.Join(dir, ManifestFile), r.Manifest.Incomplete)
	}
	if r.Manifest.Cut != "" {
		return nil, fmt.Errorf("%s: a port drop cut the answer of %s: record it again", filepath.Join(dir, ManifestFile), r.Manifest.Cut)
	}
	sb, err := read(ScriptFile)
	if err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	if r.Script, err = ParseScript(filepath.Join(dir, ScriptFile), sb); err != nil {
		return nil, err
	}
	lb, err := read(LogFile)
	if err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	r.Lines = strings.Split(strings.TrimRight(string(lb), "\n"), "\n")
	if r.Manifest.RetriedUnder != "" {
		b, err := read(RetryLogFile)
		if err != nil {
			return nil, fmt.Errorf("recording: the manifest's retried_under: %s: %w", r.Manifest.RetriedUnder, err)
		}
		r.RetryLines = strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	}
	return r, nil
}

// refusedText is a refusal's error up to the modem's final result: the
// dialect's advice after it (a personality that takes the other way) is
// lab record's to give, once, not once a step.
func refusedText(err error) string {
	text, final := err.Error(), atclient.ErrError.Error()
	var cme *atclient.CMEError
	if errors.As(err, &cme) {
		final = cme.Error()
	}
	if i := strings.Index(text, final); i >= 0 {
		return text[:i+len(final)]
	}
	return text
}

// OtherWay is the way to the card a personality does not take, which lab
// record tries when every ES10 step was refused on its own: the test
// forms that say the modem has it, and the built-in personality that
// takes it (generic, the 27.007 dialect, for +CCHO/+CGLA; the csim_only
// one, simcom-a7600, for +CSIM).
type OtherWay struct {
	Name        string   // "+CCHO/+CGLA" or "+CSIM"
	Tests       []string // "AT+CCHO=?", …: one answered OK says the modem has it
	Personality personality.Personality
}

// OtherWayOf returns the way to the card p does not take.
func OtherWayOf(p personality.Personality) (OtherWay, error) {
	if p.CSIMOnly {
		g, err := personality.Load("generic")
		return OtherWay{Name: "+CCHO/+CGLA", Tests: []string{"AT+CCHO=?", "AT+CGLA=?"}, Personality: g}, err
	}
	w := OtherWay{Name: "+CSIM", Tests: []string{"AT+CSIM=?"}}
	for _, q := range personality.Builtin() {
		if q.CSIMOnly {
			w.Personality = q
			return w, nil
		}
	}
	return w, fmt.Errorf("no built-in personality reaches the card through %s alone", w.Name)
}

// TestAnswered looks in a conversation (at.log's lines) for the way's
// test forms: the first answered OK, else the first sent. sent says
// whether any was; command is that test form, final its final result
// ("OK", "+CME ERROR: 4"; "" for none) and line the final's line in
// at.log (1-based; 0 for none).
func (w OtherWay) TestAnswered(lines []string) (command, final string, line int, sent bool) {
	ex := parse(lines, func(s string) string { return s })
	for i, e := range ex {
		cmd := strings.TrimSpace(e.raw[1:])
		if e.raw[0] != '>' || !slices.ContainsFunc(w.Tests, func(t string) bool { return strings.EqualFold(cmd, t) }) {
			continue
		}
		fin, at := "", 0
		for k := i + 1; k < len(ex) && ex[k].raw[0] == '<'; k++ {
			if r := parseFinal(ex[k].raw[1:]); r != "" {
				fin, at = r, ex[k].line
				break
			}
		}
		if fin == "OK" {
			return cmd, fin, at, true
		}
		if !sent {
			command, final, line, sent = cmd, fin, at, true
		}
	}
	return command, final, line, sent
}

// parseFinal is a received line's final result, "" if it is none.
func parseFinal(raw string) string {
	t := strings.TrimSpace(raw)
	if at.Classify(t).Kind.IsFinal() {
		return t
	}
	return ""
}
