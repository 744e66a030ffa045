package progress

import (
	"bytes"
	"io"
	"math"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/creack/pty"
)

// fakeClock advances by step at every reading.
type fakeClock struct {
	t    time.Time
	step time.Duration
}

func (c *fakeClock) now() time.Time { c.t = c.t.Add(c.step); return c.t }

func TestPlainLinesArePeriodic(t *testing.T) {
	var out strings.Builder
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), step: time.Second}
	m := New(&out, "explore", 100, Every(10*time.Second), Clock(clk.now), Unit("cases"))
	for i := range 30 {
		m.Done(i%10 != 3)
	}
	m.Finish()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	// 30 s of work at one item a second: a line every 10 s, and the last.
	if len(lines) != 4 {
		t.Fatalf("%d lines, want 4:\n%s", len(lines), out.String())
	}
	if strings.Contains(out.String(), "\r") || strings.Contains(out.String(), "\033") {
		t.Error("terminal control codes in plain output")
	}
	want := "explore 30/100 cases (30.0%), 3 failed, 1.0/s, 31s elapsed, ETA 1m12s"
	if lines[3] != want {
		t.Errorf("last line\n %q, want\n %q", lines[3], want)
	}
}

// Items that ended in an error (a file that did not load) are counted
// apart from those that failed, as the reports count them.
func TestErrorsCountedApart(t *testing.T) {
	for _, tc := range []struct {
		errors int
		want   string
	}{
		{0, "run 3/5 scenarios (60.0%), 1 failed, "},
		{1, "run 4/5 scenarios (80.0%), 1 failed, 1 error, "},
		{2, "run 5/5 scenarios (100.0%), 1 failed, 2 errors, "},
	} {
		clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), step: time.Second}
		m := New(io.Discard, "run", 5, Clock(clk.now), Unit("scenarios"))
		m.Done(true)
		m.Done(false)
		m.Done(true)
		for range tc.errors {
			m.Errored()
		}
		if got := m.Line(); !strings.HasPrefix(got, tc.want) || tc.errors == 0 && strings.Contains(got, "error") {
			t.Errorf("%d errors: %q, want it to start %q", tc.errors, got, tc.want)
		}
		if done, failed := m.Counts(); done != 3+tc.errors || failed != 1 {
			t.Errorf("%d errors: counts %d done, %d failed", tc.errors, done, failed)
		}
	}
	var m *Meter
	m.Errored() // a nil meter stays silent
}

// A run whose items finish late (a storm's devices, at the end of their
// dwell) gives its ETA from its own measure of how far it is, set or not
// yet set, and from the finished items without one.
func TestETAFromFraction(t *testing.T) {
	for _, tc := range []struct {
		name string
		frac float64 // < 0: not set
		done int
		want string
	}{
		{"nothing done, no fraction", -1, 0, "fleet 0/100 devices (0.0%), 0 failed, 0.0/s, 10s elapsed, ETA unknown"},
		{"nothing done, a quarter of the span", 0.25, 0, "fleet 0/100 devices (0.0%), 0 failed, 0.0/s, 10s elapsed, ETA ~30s"},
		{"items done, the fraction rules", 0.5, 10, "fleet 10/100 devices (10.0%), 0 failed, 1.0/s, 10s elapsed, ETA ~10s"},
		{"items done, no fraction", -1, 10, "fleet 10/100 devices (10.0%), 0 failed, 1.0/s, 10s elapsed, ETA 1m30s"},
		{"not a number is ignored", math.NaN(), 0, "fleet 0/100 devices (0.0%), 0 failed, 0.0/s, 10s elapsed, ETA unknown"},
	} {
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		now := start
		m := New(io.Discard, "fleet", 100, Clock(func() time.Time { return now }), Unit("devices"))
		m.Add(tc.done, 0)
		now = start.Add(10 * time.Second)
		if tc.frac >= 0 || math.IsNaN(tc.frac) {
			m.SetFraction(tc.frac)
		}
		if got := m.Line(); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

// A run whose own measure stands still (a storm waiting on a slow external
// server) says so rather than give an ETA that grows with every line, and
// the run's word on what it waits on is asked as each line is drawn.
func TestStalledFractionSaysSo(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := start
	waiting := ""
	m := New(io.Discard, "fleet", 10, Clock(func() time.Time { return now }), Unit("devices"), Extra(func() string { return waiting }))
	now = start.Add(10 * time.Second)
	m.SetFraction(0.5)
	for _, tc := range []struct {
		at      time.Duration
		frac    float64 // set at that time, if > 0
		creep   bool    // set by Creep, not SetFraction
		waiting string
		want    string
	}{
		{at: 12 * time.Second, want: "ETA ~12s"}, // set 2 s ago: the fraction's ETA
		{at: 16 * time.Second, waiting: "3 exchanges with servers in flight", want: "ETA unknown: no progress for 6s, 3 exchanges with servers in flight"},
		{at: 40 * time.Second, want: "ETA unknown: no progress for 30s"},
		{at: 42 * time.Second, frac: 0.6, want: "ETA ~28s"},   // it moved again
		{at: 44 * time.Second, frac: 0.6, want: "ETA ~29.3s"}, // the same value is no move
		{at: 48 * time.Second, frac: 0.6, want: "ETA unknown: no progress for 6s"},
		// Simulated time that creeps only as exchanges with a silent
		// server run out of time is no progress: the stall goes on.
		{at: 52 * time.Second, frac: 0.61, creep: true, want: "ETA unknown: no progress for 10s"},
		{at: 62 * time.Second, frac: 0.62, creep: true, want: "ETA unknown: no progress for 20s"},
		{at: 64 * time.Second, frac: 0.64, want: "ETA ~36s"}, // answered again
	} {
		now, waiting = start.Add(tc.at), tc.waiting
		switch {
		case tc.creep:
			m.Creep(tc.frac)
		case tc.frac > 0:
			m.SetFraction(tc.frac)
		}
		if got := m.Line(); !strings.HasSuffix(got, tc.want) {
			t.Errorf("at %v: %q, want it to end %q", tc.at, got, tc.want)
		}
	}
}

func TestLastItemPrintedOnce(t *testing.T) {
	for _, tc := range []struct {
		name  string
		total int
		want  int // lines
	}{
		// The last item comes after the period: Finish alone prints it.
		{"known total", 1, 1},
		// Without a total the end is unknown: the periodic line, then Finish's.
		{"unknown total", 0, 2},
	} {
		var out strings.Builder
		clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), step: 20 * time.Second}
		m := New(&out, "run", tc.total, Every(10*time.Second), Clock(clk.now), Unit("scenarios"))
		m.Done(true)
		m.Finish()
		if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != tc.want {
			t.Errorf("%s: %d lines, want %d:\n%s", tc.name, len(lines), tc.want, out.String())
		}
	}
}

func TestLiveLineRedraws(t *testing.T) {
	var out strings.Builder
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), step: 200 * time.Millisecond}
	m := New(&out, "fleet", 0, Live(true), Clock(clk.now), Unit("devices"))
	m.Done(true)
	m.Printf("PASS %s\n", "x")
	m.Done(false)
	m.Finish()
	s := out.String()
	if !strings.Contains(s, "\r\033[KPASS x\n\r\033[Kfleet 1 devices") {
		t.Errorf("other output not printed above the live line: %q", s)
	}
	if !strings.HasSuffix(s, "fleet 2 devices, 1 failed, 2.5/s, 800ms elapsed\n") {
		t.Errorf("final line: %q", s)
	}
}

// A count that moves right after other output (a verdict printed, then
// counted) is drawn at once, though the line was drawn a moment before:
// under the verdict, the line does not keep the count before it. Counts
// with no output between them keep the redraw's bound.
func TestCountAfterOutputDrawnAtOnce(t *testing.T) {
	var out strings.Builder
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), step: 10 * time.Millisecond}
	m := New(&out, "run", 3, Live(true), Clock(clk.now), Unit("scenarios"))
	m.Above(func() { out.WriteString("...   long: 1h0m0s of 2h0m0s simulated\n") }) // nothing drawn yet: nothing cleared
	clk.t = clk.t.Add(time.Second)
	m.Tick("") // drawn: 0/3
	m.Printf("PASS  first\n")
	m.Done(true) // 20 ms after the draw, and drawn
	m.Done(true) // 10 ms after that: within the bound, not drawn
	s := out.String()
	if !strings.HasPrefix(s, "...   long: 1h0m0s of 2h0m0s simulated\n\r\033[Krun 0/3") {
		t.Errorf("output before the first line: %q", s)
	}
	if !strings.HasSuffix(s, "\r\033[KPASS  first\n\r\033[Krun 0/3 scenarios (0.0%), 0 failed, 0.0/s, 1s elapsed, ETA unknown\r\033[Krun 1/3 scenarios (33.3%), 0 failed, 1.0/s, 1s elapsed, ETA 2.1s") {
		t.Errorf("the count after the verdict not drawn at once: %q", s)
	}
}

func TestNilMeterIsSilent(t *testing.T) {
	var m *Meter
	m.Done(true)
	m.Printf("x")
	m.Finish()
}

// lines is a writer safe for a heartbeat's goroutine that counts lines.
type lines struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lines) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Split(strings.TrimSpace(l.buf.String()), "\n")
}

// With nothing finished and nobody ticking — a run waiting on a peer —
// the heartbeat still writes a plain line every period, with the counts,
// the rate and the ETA; after stop, none.
func TestHeartbeatWritesWhileNothingHappens(t *testing.T) {
	var out lines
	m := New(&out, "fleet", 4, Every(20*time.Millisecond), Live(false), Unit("devices"))
	m.Done(false)
	m.Tick("1 on, 5s of 10m0s simulated")
	stop := m.Heartbeat()
	deadline := time.Now().Add(30 * time.Second) // generous: only a hung heartbeat reaches it
	for len(out.get()) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	got := out.get()
	if len(got) < 2 {
		t.Fatalf("lines %q, want at least 2", got)
	}
	for _, l := range got {
		if !strings.HasPrefix(l, "fleet 1/4 devices (25.0%), 1 failed, ") || !strings.Contains(l, "/s, ") ||
			!strings.Contains(l, " elapsed, ETA ") || !strings.HasSuffix(l, ", 1 on, 5s of 10m0s simulated") {
			t.Errorf("line %q", l)
		}
	}
	n := len(got)
	time.Sleep(100 * time.Millisecond) // five periods: a line here would be the stopped heartbeat's
	if len(out.get()) != n {
		t.Errorf("lines after stop: %q", out.get()[n:])
	}
	stop() // a second stop is harmless
}

// A line to another stream of the same terminal (standard error) clears
// the live line first and draws it again after, instead of running into
// it.
func TestOtherStreamClearsTheLiveLine(t *testing.T) {
	var tty strings.Builder // both streams, as a terminal shows them
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), step: 200 * time.Millisecond}
	m := New(&tty, "run", 2, Live(true), Clock(clk.now), Unit("scenarios"))
	m.Done(true)
	m.Fprintf(&tty, "...   long: %s simulated\n", "52h0m0s")
	m.Finish()
	if s := tty.String(); !strings.Contains(s, "\r\033[K...   long: 52h0m0s simulated\n\r\033[Krun 1/2") {
		t.Errorf("the other stream's line is not on its own: %q", s)
	}
	var plain, other strings.Builder
	p := New(&plain, "run", 2, Live(false))
	p.Fprintf(&other, "x\n")
	if plain.Len() != 0 || other.String() != "x\n" {
		t.Errorf("without a live line: %q / %q", plain.String(), other.String())
	}
}

// captureWarnings sends the package's warnings to a buffer for the test,
// each value warned afresh.
func captureWarnings(t *testing.T) *strings.Builder {
	t.Helper()
	var b strings.Builder
	warnMu.Lock()
	old := warnTo
	warnTo, warned = &b, map[string]bool{}
	warnMu.Unlock()
	t.Cleanup(func() {
		warnMu.Lock()
		warnTo, warned = old, map[string]bool{}
		warnMu.Unlock()
	})
	return &b
}

// A period that is not a Go duration above zero is not silently replaced
// by the default: a warning names the variable, the value and the format,
// once however many meters read it.
func TestBadPeriodWarns(t *testing.T) {
	for _, tc := range []struct {
		value string
		every time.Duration
		warn  bool
	}{
		{"30s", 30 * time.Second, false},
		{"250ms", 250 * time.Millisecond, false},
		{"", DefaultEvery, false},
		{"1", DefaultEvery, true},
		{"banana", DefaultEvery, true},
		{"0", DefaultEvery, true},
		{"-1s", DefaultEvery, true},
	} {
		warnings := captureWarnings(t)
		t.Setenv("ESIMHIL_PROGRESS_EVERY", tc.value)
		m := New(io.Discard, "run", 1)
		New(io.Discard, "run", 1) // a second meter: no second warning
		if m.every != tc.every {
			t.Errorf("%q: every %v, want %v", tc.value, m.every, tc.every)
		}
		got := warnings.String()
		if !tc.warn {
			if got != "" {
				t.Errorf("%q: warned %q", tc.value, got)
			}
			continue
		}
		want := `ESIMHIL_PROGRESS_EVERY="` + tc.value + `" is not a Go duration greater than 0 (such as 30s); using 10s` + "\n"
		if !strings.HasSuffix(got, want) || strings.Count(got, "\n") != 1 {
			t.Errorf("%q: warned %q, want once, ending %q", tc.value, got, want)
		}
	}
}

// The live line is cut to the terminal's width less one column — a line
// that wraps leaves its first rows behind at every redraw, as \r goes
// back only to the start of the last — by dropping whole trailing parts
// first (the counts and the ETA stay), and by cells, never inside a
// UTF-8 sequence, when even its first part is too long. Plain lines and
// the final line stay whole.
func TestLiveLineFitsTheTerminal(t *testing.T) {
	const long = "fleet 0/100000 devices (0.0%), 0 failed, 0.0/s, 4m5s elapsed, ETA ~8m25s, 44644 on, 29m24s of 1h29m59s simulated"
	for _, tc := range []struct {
		name  string
		line  string
		cells int
		want  string
	}{
		{"fits", "run 1/2 scenarios (50.0%)", 80, "run 1/2 scenarios (50.0%)"},
		{"exactly", "abc, def", 8, "abc, def"},
		{"the tail goes first", long, 79, "fleet 0/100000 devices (0.0%), 0 failed, 0.0/s, 4m5s elapsed, ETA ~8m25s, …"},
		{"more of it", long, 50, "fleet 0/100000 devices (0.0%), 0 failed, 0.0/s, …"},
		{"the first part cut", long, 20, "fleet 0/100000 devi…"},
		{"runes, not bytes", "explore ééééééééé, 3 failed", 13, "explore éééé…"},
		{"wide runes take two cells", "探索探索探索, 3 failed", 8, "探索探…"},
		{"no half of a wide rune", "探索探索探索, 3 failed", 7, "探索探…"},
		{"no room", long, 0, ""},
	} {
		ps := []part{}
		for i, x := range strings.Split(tc.line, ", ") {
			ps = append(ps, part{x, rankTail + btoi(i == 0)*rankHead})
		}
		got := fit(ps, tc.cells)
		if got != tc.want {
			t.Errorf("%s: fit(%d)\n got %q\nwant %q", tc.name, tc.cells, got, tc.want)
		}
		if !utf8.ValidString(got) || cells(got) > max(tc.cells, 0) {
			t.Errorf("%s: %q is %d cells or not UTF-8, want at most %d", tc.name, got, cells(got), tc.cells)
		}
	}
}

// Of the meter's own parts the note and what the run waits on go first,
// then the elapsed time, then the rate, before the ETA or why the run
// stopped.
func TestFitKeepsTheETA(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := start
	m := New(io.Discard, "fleet", 100000, Clock(func() time.Time { return now }), Unit("devices"),
		Extra(func() string { return "1 exchange with a server in flight" }))
	now = start.Add(10 * time.Second)
	m.SetFraction(0.5)
	now = start.Add(72 * time.Second)
	m.Tick("5 on, 6m28s of 41m59s simulated")
	for _, tc := range []struct {
		cells int
		stop  string
		want  string
	}{
		{200, "", "fleet 0/100000 devices (0.0%), 0 failed, 0.0/s, 1m12s elapsed, ETA unknown: no progress for 1m2s, 5 on, 6m28s of 41m59s simulated, 1 exchange with a server in flight"},
		{110, "", "fleet 0/100000 devices (0.0%), 0 failed, 0.0/s, 1m12s elapsed, ETA unknown: no progress for 1m2s, 5 on, …"},
		{90, "", "fleet 0/100000 devices (0.0%), 0 failed, 0.0/s, ETA unknown: no progress for 1m2s, …"},
		{83, "stopped by SIGINT", "fleet 0/100000 devices (0.0%), 0 failed, 0.0/s, 1m12s elapsed, stopped by SIGINT, …"},
		{79, "stopped by SIGINT", "fleet 0/100000 devices (0.0%), 0 failed, 0.0/s, stopped by SIGINT, …"},
		// Then the rate, before the ETA (outside tester sw127: 50
		// columns showed the rate and no ETA).
		{80, "", "fleet 0/100000 devices (0.0%), 0 failed, ETA unknown: no progress for 1m2s, …"},
		{64, "stopped by SIGINT", "fleet 0/100000 devices (0.0%), 0 failed, stopped by SIGINT, …"},
		// The counts and why it stopped fit without the marker: it goes
		// first (outside tester o309).
		{60, "stopped by SIGINT", "fleet 0/100000 devices (0.0%), 0 failed, stopped by SIGINT"},
		{57, "stopped by SIGINT", "fleet 0/100000 devices (0.0%), 0 failed, …"},
	} {
		m.stopped = tc.stop
		if got := fit(m.partsLocked(now), tc.cells); got != tc.want {
			t.Errorf("%d cells, %q:\n got %q\nwant %q", tc.cells, tc.stop, got, tc.want)
		}
	}
}

// The counts and the ETA stay in 50 columns though ", …" does not fit
// beside them: the marker goes, not the ETA (outside tester o309: `esimhil
// run` over 8 scenarios read "run 3/8 scenarios (37.5%), 0 failed, …").
func TestFitDropsTheMarkerBeforeTheETA(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := start
	m := New(io.Discard, "run", 8, Clock(func() time.Time { return now }), Unit("scenarios"))
	m.Add(3, 0)
	now = start.Add(900 * time.Millisecond)
	m.SetFraction(0.5)
	for _, tc := range []struct {
		cells int
		want  string
	}{
		{80, "run 3/8 scenarios (37.5%), 0 failed, 3.3/s, 900ms elapsed, ETA ~900ms"},
		{60, "run 3/8 scenarios (37.5%), 0 failed, 3.3/s, ETA ~900ms, …"},
		{49, "run 3/8 scenarios (37.5%), 0 failed, ETA ~900ms"},
		{46, "run 3/8 scenarios (37.5%), 0 failed, …"},
	} {
		if got := fit(m.partsLocked(now), tc.cells); got != tc.want {
			t.Errorf("%d cells:\n got %q\nwant %q", tc.cells, got, tc.want)
		}
	}
}

// The width is read at every redraw (a window resized while the run goes
// on): from the terminal, else $COLUMNS, else 80.
func TestLiveLineFollowsTheWidth(t *testing.T) {
	for _, tc := range []struct {
		name    string
		columns string // $COLUMNS
		widths  []int  // the terminal's, at each redraw; none: not a terminal
		want    []int  // longest cells at each redraw
	}{
		{"terminal resized", "", []int{40, 60}, []int{39, 59}},
		{"$COLUMNS without a terminal", "50", nil, []int{49, 49}},
		{"nothing: 80", "", nil, []int{79, 79}},
		{"bad $COLUMNS: 80", "wide", nil, []int{79, 79}},
	} {
		t.Setenv("COLUMNS", tc.columns)
		var out strings.Builder
		clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), step: 200 * time.Millisecond}
		note := strings.TrimSuffix(strings.Repeat("x, ", 60), ", ")
		m := New(&out, "fleet", 100000, Live(true), Clock(clk.now), Unit("devices"))
		redraws := 0
		if tc.widths != nil {
			m.size = func() (int, bool) { w := tc.widths[min(redraws, len(tc.widths)-1)]; redraws++; return w, true }
		}
		for range tc.want {
			m.Tick(note)
		}
		m.Finish()
		draws := strings.Split(out.String(), "\r\033[K")[1:]
		if len(draws) != len(tc.want)+1 {
			t.Fatalf("%s: %d draws, want %d: %q", tc.name, len(draws), len(tc.want)+1, out.String())
		}
		for i, w := range tc.want {
			if got := cells(draws[i]); got > w || got == 0 {
				t.Errorf("%s: redraw %d is %d cells, want up to %d: %q", tc.name, i, got, w, draws[i])
			}
		}
		if last := draws[len(draws)-1]; !strings.HasSuffix(last, note+"\n") {
			t.Errorf("%s: the final line is not whole: %q", tc.name, last)
		}
	}
	var plain strings.Builder
	t.Setenv("COLUMNS", "20")
	p := New(&plain, "fleet", 10, Live(false))
	p.Tick(strings.Repeat("x", 100))
	p.Finish()
	if got := plain.String(); !strings.HasSuffix(got, strings.Repeat("x", 100)+"\n") {
		t.Errorf("a plain line was cut: %q", got)
	}
}

// ESIMHIL_PROGRESS chooses the live line or plain lines whatever the
// stream is (make explore: go test's pipe between the test and a
// terminal); anything else is warned about and the stream decides.
func TestEnvChoosesTheLine(t *testing.T) {
	for _, tc := range []struct {
		value string
		live  bool
		warn  bool
	}{
		{"", false, false},
		{"auto", false, false},
		{"live", true, false},
		{"plain", false, false},
		{"Live", false, true},
		{"tty", false, true},
	} {
		warnings := captureWarnings(t)
		t.Setenv("ESIMHIL_PROGRESS", tc.value)
		var out strings.Builder
		clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), step: 200 * time.Millisecond}
		m := New(&out, "explore", 10, Clock(clk.now), Unit("cases"))
		m.Done(true)
		m.Finish()
		if got := strings.Contains(out.String(), "\r\033[K"); got != tc.live {
			t.Errorf("%q: live %v, want %v: %q", tc.value, got, tc.live, out.String())
		}
		want := ""
		if tc.warn {
			want = `progress: ESIMHIL_PROGRESS="` + tc.value + `" is not live, plain or auto; the stream decides` + "\n"
		}
		if got := warnings.String(); got != want {
			t.Errorf("%q: warned %q, want %q", tc.value, got, want)
		}
	}
	// Forced plain on what would be a terminal: the option of the code
	// (Live) stands for the terminal here.
	t.Setenv("ESIMHIL_PROGRESS", "plain")
	var out strings.Builder
	m := New(&out, "explore", 10, Live(true))
	if !m.live {
		t.Error("the code's own Live(true) lost to the environment")
	}
}

// On a real terminal (a pty): the live line, cut to the terminal's own
// width rather than $COLUMNS, unless ESIMHIL_PROGRESS says plain.
func TestTerminal(t *testing.T) {
	for _, tc := range []struct {
		env  string
		live bool
	}{
		{"", true},
		{"plain", false},
	} {
		t.Setenv("ESIMHIL_PROGRESS", tc.env)
		t.Setenv("COLUMNS", "200")
		ptmx, tty, err := pty.Open()
		if err != nil {
			t.Fatalf("pty: %v", err)
		}
		if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: 30}); err != nil {
			t.Fatalf("pty size: %v", err)
		}
		m := New(tty, "fleet", 10)
		if m.live != tc.live {
			t.Errorf("%q: live %v, want %v", tc.env, m.live, tc.live)
		}
		if got := m.widthLocked(); got != 30 {
			t.Errorf("%q: width %d, want the terminal's 30", tc.env, got)
		}
		tty.Close()
		ptmx.Close()
	}
}

// A run stopped before its end (a signal) ends its line saying so, with
// no ETA and no word of what it waited on, on a terminal and as a last
// plain line elsewhere; an end after that writes nothing more.
func TestStopEndsTheLine(t *testing.T) {
	for _, tc := range []struct {
		name   string
		live   bool
		failed int // failures counted without an item done (a fleet's devices still on)
		want   string
	}{
		{"plain", false, 0, "run 1/3 scenarios (33.3%), 0 failed, 1.0/s, 1s elapsed, stopped by SIGINT, 1 on\n"},
		{"live", true, 0, "\r\033[Krun 1/3 scenarios (33.3%), 0 failed, 1.0/s, 1s elapsed, stopped by SIGINT, 1 on\n"},
		{"failed but not done", false, 2, "run 1/3 scenarios (33.3%), 2 failed, 1.0/s, 1s elapsed, stopped by SIGINT, 1 on\n"},
	} {
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		now := start
		var out strings.Builder
		m := New(&out, "run", 3, Live(tc.live), Clock(func() time.Time { return now }), Unit("scenarios"),
			Every(time.Hour), Extra(func() string { return "1 exchange with a server in flight" }))
		m.Done(true)
		m.Tick("1 on")
		m.Add(0, tc.failed)
		now = start.Add(time.Second)
		out.Reset()
		m.Stop("stopped by SIGINT")
		m.Finish()
		m.Stop("stopped by SIGTERM")
		if got := out.String(); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
	var m *Meter
	m.Stop("stopped by SIGINT") // a nil meter stays silent
}

// A verdict line shows a format character in a name as its escape, as the
// page does, on the meter's stream and another (outside tester sw127 F14:
// a U+202E in an operator id reversed the rest of the FAIL line).
func TestPrintedNamesShowFormatCharacters(t *testing.T) {
	var out, errOut bytes.Buffer
	m := New(&out, "run", 1, Unit("scenarios"))
	m.Printf("      - final: got home (%s on 20810)\n", "x\u202eevil")
	m.Fprintf(&errOut, "esimhil run: %s\n", "a\u2066b\u200d")
	var none *Meter
	none.Fprintf(&errOut, "%s\n", "\u202b")
	if got, want := out.String(), `      - final: got home (x\u202eevil on 20810)`+"\n"; got != want {
		t.Errorf("Printf: %q, want %q", got, want)
	}
	if got, want := errOut.String(), `esimhil run: a\u2066b\u200d`+"\n"+`\u202b`+"\n"; got != want {
		t.Errorf("Fprintf: %q, want %q", got, want)
	}
}
