// Package progress shows how far a long run is: done of total, failures so
// far, rate and the time left. On a terminal it keeps one live line at the
// bottom (redrawn at most a few times a second, other output printed
// above it); elsewhere — a CI log, a pipe — it prints a plain line every
// so often and one at the end, so logs stay readable and small.
package progress

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/esimhil/esimhil/internal/bidi"
	"golang.org/x/term"
	"golang.org/x/text/width"
)

// Defaults for how often a line is written.
const (
	// DefaultEvery is the period of plain lines when the output is not a
	// terminal.
	DefaultEvery = 10 * time.Second
	// redraw bounds how often the live line is redrawn.
	redraw = 100 * time.Millisecond
)

// EnvEvery names the variable that sets the period of plain lines (a Go
// duration, such as 30s).
const EnvEvery = "ESIMHIL_PROGRESS_EVERY"

// EnvPeriod is the period EnvEvery sets, and whether it sets one: a Go
// duration greater than 0 (New warns about any other value and keeps its
// default); 0 when it sets none. esimhil run paces a long scenario's own
// "..." lines by it too.
func EnvPeriod() (time.Duration, bool) {
	v, err := time.ParseDuration(os.Getenv(EnvEvery))
	if err != nil || v <= 0 {
		return 0, false
	}
	return v, true
}

// EnvMode names the variable that chooses the live line ("live") or
// plain lines ("plain") whatever the stream is: make explore's test
// writes to go test's pipe, not to the terminal that shows it. Unset or
// "auto", the stream decides. A Live option of the code still wins.
const EnvMode = "ESIMHIL_PROGRESS"

// Warnings about the environment go to warnTo, each variable's value once
// per process: every meter of a run reads the same variables.
var (
	warnMu sync.Mutex
	warnTo io.Writer = os.Stderr
	warned           = map[string]bool{}
)

func warnOnce(name, value, why string) {
	warnMu.Lock()
	defer warnMu.Unlock()
	if key := name + "=" + value; !warned[key] {
		warned[key] = true
		fmt.Fprintf(warnTo, "progress: %s=%q %s\n", name, value, why)
	}
}

// Meter counts finished items of a run and reports them.
type Meter struct {
	mu     sync.Mutex
	w      io.Writer
	live   bool
	label  string
	unit   string
	total  int
	done   int
	failed int
	errors int // items that could not be judged (a file that did not load, a rig that did not start)
	start  time.Time
	last   time.Time // last line written
	every  time.Duration
	drawn  bool // a live line is on the screen
	// above says the line was last drawn under other output (Above): the
	// next count is drawn at once, whatever the redraw's bound.
	above bool
	now   func() time.Time
	note  string
	// frac is how far the run is by a measure of its own (SetFraction),
	// 0 while unknown; fracAt is when it last moved.
	frac   float64
	fracAt time.Time
	// extra, if set, adds to every line what only the run knows at the
	// moment it is drawn (what it waits on).
	extra func() string
	// stopped, once set (Stop), ends the line in the ETA's place; ended
	// says the last line is written (Finish or Stop).
	stopped string
	ended   bool
	// size reads the width of w's terminal, asked at every redraw (a
	// window resized while the run goes on); nil when w is not a file.
	size func() (int, bool)
}

// stalled is how long a run's own measure (SetFraction) may stand still
// before the line stops giving an ETA from it and says so: a storm waiting
// on a slow external server makes no simulated progress, and an ETA
// that grew with every line read as a hung run.
const stalled = 5 * time.Second

// Option configures a Meter.
type Option func(*Meter)

// Every sets the period of plain lines.
func Every(d time.Duration) Option { return func(m *Meter) { m.every = d } }

// Live forces the live line on or off, whatever w is.
func Live(on bool) Option { return func(m *Meter) { m.live = on } }

// Unit names what is counted ("cases", "devices"); default "done".
func Unit(u string) Option { return func(m *Meter) { m.unit = u } }

// Clock replaces time.Now (tests).
func Clock(now func() time.Time) Option { return func(m *Meter) { m.now = now } }

// Extra adds f's text to every line, asked as the line is drawn (a
// heartbeat's too): what the run waits on while it makes no progress.
func Extra(f func() string) Option { return func(m *Meter) { m.extra = f } }

// New starts a meter for total items (0: unknown) writing to w. The live
// line is used when w is a terminal, or as ESIMHIL_PROGRESS says.
func New(w io.Writer, label string, total int, opts ...Option) *Meter {
	m := &Meter{w: w, label: label, total: total, every: DefaultEvery, now: time.Now, unit: "done"}
	// Any writer over a file descriptor (os.File, or one that wraps it)
	// is asked whether it is a terminal.
	if f, ok := w.(interface{ Fd() uintptr }); ok {
		fd := int(f.Fd())
		m.live = term.IsTerminal(fd)
		m.size = func() (int, bool) {
			w, _, err := term.GetSize(fd)
			return w, err == nil
		}
	}
	switch v := os.Getenv(EnvMode); v {
	case "live":
		m.live = true
	case "plain":
		m.live = false
	case "", "auto":
	default:
		warnOnce(EnvMode, v, "is not live, plain or auto; the stream decides")
	}
	for _, o := range opts {
		o(m)
	}
	if d := os.Getenv(EnvEvery); d != "" {
		if v, ok := EnvPeriod(); ok {
			m.every = v
		} else {
			// Silently taking the default hid a typo ("1" for "1s") for as
			// long as nobody counted the lines.
			warnOnce(EnvEvery, d, fmt.Sprintf("is not a Go duration greater than 0 (such as 30s); using %v", m.every))
		}
	}
	m.start = m.now()
	m.last = m.start
	return m
}

// SetTotal changes the total (a run that learns it late).
func (m *Meter) SetTotal(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.total = n
}

// Done counts one finished item; ok false counts it as a failure too.
func (m *Meter) Done(ok bool) { m.Add(1, btoi(!ok)) }

// Errored counts one finished item that ended in an error rather than a
// verdict (a scenario file that did not load, a rig that could not start):
// shown apart from the failures, as the reports count it.
func (m *Meter) Errored() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.done++
	m.errors++
	m.showLocked()
}

// Add counts n finished items of which failed failed.
func (m *Meter) Add(n, failed int) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.done += n
	m.failed += failed
	m.showLocked()
}

// SetFraction says how far the run is by a measure of its own, 0 to 1:
// a storm's simulated time against its whole span. Its items (devices)
// all finish in the run's later part, so a rate of finished items says
// nothing for a long while ("ETA unknown") and then too little; the ETA
// comes from the fraction instead once one is set.
func (m *Meter) SetFraction(f float64) {
	if m == nil || !(f >= 0) { // NaN too
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if f = min(f, 1); f != m.frac || m.fracAt.IsZero() {
		m.frac, m.fracAt = f, m.now()
	}
}

// Creep moves the fraction without counting it as progress: a storm's
// simulated time that moved only because its exchanges with a server
// that stopped answering ran out of time (the 10 s BIP limit, then a
// retry a simulated second on) — the line keeps saying how long nothing
// moved rather than give an ETA that climbs with every line.
func (m *Meter) Creep(f float64) {
	if m == nil || !(f >= 0) {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.frac = min(f, 1)
	if m.fracAt.IsZero() {
		m.fracAt = m.now() // no progress before it to count from
	}
}

// Tick shows the line if it is due, though nothing finished: for runs
// whose items take long (a storm's devices live for simulated hours).
// note, if not empty, is shown at the end of the line from now on.
func (m *Meter) Tick(note string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.note = note
	m.showLocked()
}

// SetNote is Tick's note without showing the line: for a note that must
// be true of the line the next Done draws (a storm's devices still on,
// one fewer with each that retires).
func (m *Meter) SetNote(note string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.note = note
}

// Heartbeat shows the line on the wall clock, as Tick would, though
// nobody calls Tick: for a run that waits on real I/O (a fleet whose
// external platform is slow to answer or does not answer), whose line
// would otherwise stop for as long as it waits — when a CI log most needs
// it to tell a slow peer from a hung run. Call stop before Finish; it
// returns once no line can follow.
func (m *Meter) Heartbeat() (stop func()) {
	if m == nil {
		return func() {}
	}
	m.mu.Lock()
	// A tenth of the period (at most a second), so that a line comes at
	// most that late after the period: the ticker does not start with the
	// last line.
	period := max(min(m.every/10, time.Second), redraw)
	m.mu.Unlock()
	return Ticking(period, func() {
		m.mu.Lock()
		m.showLocked()
		m.mu.Unlock()
	})
}

// Ticking calls f every period on a goroutine of its own until stop,
// which returns once f can no longer be called (and may be called again).
func Ticking(period time.Duration, f func()) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				f()
			}
		}
	})
	var once sync.Once
	return func() { once.Do(func() { close(done); wg.Wait() }) }
}

func (m *Meter) showLocked() {
	if m.ended {
		return // a line after the last would be drawn below it
	}
	now := m.now()
	switch {
	case m.live && (now.Sub(m.last) >= redraw || m.above):
		m.drawLocked(now)
	case !m.live && now.Sub(m.last) >= m.every && (m.total == 0 || m.done < m.total):
		// The line of the last item is Finish's: printed here too, a
		// slow last item (a long scenario) showed the same line twice.
		fmt.Fprintln(m.w, m.lineLocked(now))
		m.last = now
	}
}

// Printf prints a line of other output without breaking the live line,
// its format characters shown as Fprintf shows them.
func (m *Meter) Printf(format string, args ...any) {
	if m == nil {
		return
	}
	m.Above(func() { io.WriteString(m.w, bidi.Term(fmt.Sprintf(format, args...))) })
}

// Fprintf prints a line of other output to w — another stream on the
// same terminal, such as standard error — without running it into the
// live line: the live line is cleared first and drawn again after.
func (m *Meter) Fprintf(w io.Writer, format string, args ...any) {
	// A verdict's names are a scenario's: a format character in one is
	// shown, not obeyed (bidi.Term), as on the page.
	line := bidi.Term(fmt.Sprintf(format, args...))
	if m == nil {
		io.WriteString(w, line)
		return
	}
	m.Above(func() { io.WriteString(w, line) })
}

// Above runs write, which prints whole lines of other output by any
// means (a test's t.Logf), with the live line cleared first and drawn
// again after, so that the output lands above it rather than on its row.
// A count that moves right after (a verdict printed, then counted) is
// drawn at once, not at the line's next turn: until then the line under
// the verdict would still say the count before it.
func (m *Meter) Above(write func()) {
	if m == nil {
		write()
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.drawn {
		fmt.Fprint(m.w, "\r\033[K")
	}
	write()
	if m.drawn {
		m.drawLocked(m.now())
		m.above = true
	}
}

// Finish writes the last line and ends the live line. Only the first of
// Finish and Stop writes: a caller may end the meter early and still
// have a deferred Finish.
func (m *Meter) Finish() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.endLocked()
}

// Stop ends the meter of a run stopped before its end: the last line
// says why (reason, such as "stopped by SIGINT") where the ETA was, as
// a run that will not go on has none, and drops what the run waited on.
func (m *Meter) Stop(reason string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.ended {
		m.stopped = reason
	}
	m.endLocked()
}

func (m *Meter) endLocked() {
	if m.ended {
		return
	}
	m.ended = true
	now := m.now()
	if m.live {
		fmt.Fprintf(m.w, "\r\033[K%s\n", m.lineLocked(now))
		m.drawn = false
		return
	}
	fmt.Fprintln(m.w, m.lineLocked(now))
}

// Counts returns done and failed so far.
func (m *Meter) Counts() (done, failed int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.done, m.failed
}

func (m *Meter) drawLocked(now time.Time) {
	// One column short of the width: a line that fills the last column
	// leaves some terminals' cursor on the next row, and \r would not
	// reach the start of the line again.
	fmt.Fprintf(m.w, "\r\033[K%s", fit(m.partsLocked(now), m.widthLocked()-1))
	m.drawn, m.above = true, false
	m.last = now
}

// widthLocked is the width of the terminal the live line is drawn on:
// w's own, else $COLUMNS (the live line forced on where w is a pipe,
// ESIMHIL_PROGRESS=live under make explore), else 80.
func (m *Meter) widthLocked() int {
	if m.size != nil {
		if w, ok := m.size(); ok && w > 0 {
			return w
		}
	}
	if c, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && c > 0 {
		return c
	}
	return 80
}

// fit shortens a line of parts to at most n display cells: whole parts
// first, the lowest rank and, of equal ones, the last first (the run's
// note, what it waits on, then the elapsed time), ", …" marking them;
// the head cut by cells, "…" marking the cut, when even it does not fit.
func fit(ps []part, n int) string {
	if line := join(ps); cells(line) <= n {
		return line
	}
	kept := slices.Clone(ps)
	for len(kept) > 1 {
		drop := len(kept) - 1
		for i := len(kept) - 1; i > 0; i-- {
			if kept[i].rank < kept[drop].rank {
				drop = i
			}
		}
		// The counts and the ETA (or why the run stopped) are what the
		// line is for: they keep their cells before the marker does
		// (outside tester o309: 50 columns dropped "ETA ~900ms" for ", …").
		if kept[drop].rank >= rankCore && len(kept) < len(ps) {
			if s := join(kept); cells(s) <= n {
				return s
			}
		}
		kept = slices.Delete(kept, drop, drop+1)
		if s := join(kept) + ", …"; cells(s) <= n {
			return s
		}
	}
	if n < 1 {
		return ""
	}
	used := 0
	for i, r := range ps[0].text {
		if used+cellsOf(r) > n-1 {
			return ps[0].text[:i] + "…"
		}
		used += cellsOf(r)
	}
	return ps[0].text
}

// cells is how many terminal columns s takes.
func cells(s string) int {
	n := 0
	for _, r := range s {
		n += cellsOf(r)
	}
	return n
}

// cellsOf is the columns r takes: two for East Asian wide and
// full-width characters, one for the rest.
func cellsOf(r rune) int {
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// Line renders the current state.
func (m *Meter) Line() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lineLocked(m.now())
}

func (m *Meter) lineLocked(now time.Time) string { return join(m.partsLocked(now)) }

// A part of the line, ranked for a narrow terminal (fit): the lowest
// rank is dropped first, the head (label and counts) never.
type part struct {
	text string
	rank int
}

const (
	rankTail    = iota // the run's note and what it waits on
	rankElapsed        // also the clock's
	rankRate           // what the counts and the ETA say again, per second
	rankCore           // failed, errors, ETA or why it stopped
	rankHead
)

func join(ps []part) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.text)
	}
	return b.String()
}

func (m *Meter) partsLocked(now time.Time) []part {
	el := now.Sub(m.start)
	var b strings.Builder
	ps := []part{}
	add := func(rank int) {
		ps = append(ps, part{strings.TrimPrefix(b.String(), ", "), rank})
		b.Reset()
	}
	b.WriteString(m.label)
	if m.total > 0 {
		fmt.Fprintf(&b, " %d/%d %s (%.1f%%)", m.done, m.total, m.unit, 100*float64(m.done)/float64(m.total))
	} else {
		fmt.Fprintf(&b, " %d %s", m.done, m.unit)
	}
	add(rankHead)
	fmt.Fprintf(&b, ", %d failed", m.failed)
	add(rankCore)
	switch {
	case m.errors == 1:
		b.WriteString(", 1 error")
	case m.errors > 1:
		fmt.Fprintf(&b, ", %d errors", m.errors)
	}
	if b.Len() > 0 {
		add(rankCore)
	}
	rate := 0.0
	if el > 0 {
		rate = float64(m.done) / el.Seconds()
	}
	fmt.Fprintf(&b, ", %.1f/s", rate)
	add(rankRate)
	fmt.Fprintf(&b, ", %s elapsed", round(el))
	add(rankElapsed)
	switch {
	case m.stopped != "":
		b.WriteString(", " + m.stopped)
	case m.total > 0 && m.done < m.total:
		if still := now.Sub(m.fracAt); m.frac > 0 && still >= stalled {
			fmt.Fprintf(&b, ", ETA unknown: no progress for %s", round(still))
		} else if m.frac > 0 {
			left := float64(el) * (1 - m.frac) / m.frac
			// "~": time measured by the run's own yardstick does not cost
			// the same wall time everywhere (a storm's quiet start runs fast).
			fmt.Fprintf(&b, ", ETA ~%s", round(time.Duration(left)))
		} else if rate > 0 {
			fmt.Fprintf(&b, ", ETA %s", round(time.Duration(float64(m.total-m.done)/rate*float64(time.Second))))
		} else {
			b.WriteString(", ETA unknown")
		}
	}
	if b.Len() > 0 {
		add(rankCore)
	}
	tail := []string{m.note}
	if m.extra != nil && m.stopped == "" {
		tail = append(tail, m.extra())
	}
	for _, t := range tail {
		// Each of its own parts apart: the last go first.
		for x := range strings.SplitSeq(t, ", ") {
			if x != "" {
				ps = append(ps, part{x, rankTail})
			}
		}
	}
	return ps
}

func round(d time.Duration) time.Duration {
	if d >= time.Minute {
		return d.Round(time.Second)
	}
	return d.Round(100 * time.Millisecond)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
