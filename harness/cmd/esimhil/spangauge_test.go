package main

import (
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/progress"
	"github.com/esimhil/esimhil/harness/scenario"
)

// esimhil run's ETA weighs each scenario by its simulated span: a short
// scenario done first does not promise a long one its pace, and a long
// one running alone has an ETA from how far into its span it is.
func TestRunETAWeighsScenariosBySpan(t *testing.T) {
	fix := func(name string) string {
		return filepath.Join("..", "..", "..", "fixtures", "scenarios", name+".yaml")
	}
	paths := []string{fix("home-no-request"), filepath.Join(t.TempDir(), "missing.yaml"), fix("roam-fr-preinstalled")}
	var spans []time.Duration
	for _, p := range []string{paths[0], paths[2]} {
		s, err := scenario.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		spans = append(spans, s.Horizon())
	}
	now := time.Date(2026, 12, 4, 22, 0, 0, 0, time.UTC)
	m := progress.New(io.Discard, "run", len(paths), progress.Unit("scenarios"), progress.Live(false), progress.Clock(func() time.Time { return now }))
	loaded := make([]loadedScenario, len(paths))
	for i, p := range paths {
		loaded[i].s, loaded[i].source, loaded[i].err = scenario.LoadSource(p)
	}
	g := newSpanGauge(m, loaded, func() time.Time { return now })
	g.creepEvery = 0 // the close's progress is stepped below
	if g.total != spans[0]+spans[1] || g.spans[1] != 0 {
		t.Fatalf("spans %v (total %v), want %v and nothing for the missing file", g.spans, g.total, spans)
	}
	// The fixtures' spans are 1 h and 2 h: a third, then two thirds. A
	// scenario's simulated time is half its weight until a close has
	// been measured, the other half its close (outside tester sw127: a
	// week's close read "ETA ~0s" for as long as its simulation took).
	for _, step := range []struct {
		after time.Duration
		do    func()
		want  string
	}{
		{10 * time.Second, func() {}, "ETA unknown"},
		{0, func() { g.finished(0); m.Done(true) }, "ETA ~20s"},               // a third of the span in 10 s
		{0, func() { g.finished(1); m.Errored() }, "ETA ~20s"},                // the missing file holds no time
		{0, func() { g.at(2, 0) }, "ETA ~20s"},                                // it starts
		{10 * time.Second, func() { g.at(2, time.Hour) }, "ETA ~20s"},         // half of two thirds in 20 s
		{10 * time.Second, func() { g.at(2, 5*time.Hour) }, "ETA ~15s"},       // past its span: held to it
		{0, func() { g.closing(2) }, "ETA ~15s"},                              // its close: not ~0s
		{10 * time.Second, func() { g.creeper(2)(now) }, "ETA ~10.1s"},        // half of its expected 20 s: the ETA comes down
		{30 * time.Second, func() { g.creeper(2)(now) }, "ETA ~3.3s"},         // past its expected length
		{20 * time.Second, func() { g.creeper(2)(now) }, "ETA ~1.5s"},         // and further (t244: "no progress for 20s")
		{20 * time.Second, func() { g.finished(2); m.Done(true) }, "elapsed"}, // done: no ETA
	} {
		now = now.Add(step.after)
		step.do()
		if line := m.Line(); !strings.HasSuffix(line, step.want) {
			t.Errorf("line %q, want it to end %q", line, step.want)
		}
	}
	// The third ran 20 s and closed for 80: the next scenario's close is
	// weighed so.
	if got := g.closeShare(); got != 0.8 {
		t.Errorf("close share %v, want 0.8 (20 s simulating, 80 s closing)", got)
	}
}

// The run's plain lines carry the span's ETA (marked ~) once a scenario
// has moved the simulated time.
func TestRunLinesGiveTheSpansETA(t *testing.T) {
	t.Setenv(progress.EnvMode, "plain")
	t.Setenv(progress.EnvEvery, "1ns") // a line at every verdict
	fix := func(name string) string {
		return filepath.Join("..", "..", "..", "fixtures", "scenarios", name+".yaml")
	}
	var stdout, stderr strings.Builder
	code := cli(t.Context(), []string{"run", "--capture", "tap", "--out", t.TempDir(), fix("home-no-request"), fix("roam-fr-preinstalled")}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, stdout.String(), stderr.String())
	}
	for line := range strings.SplitSeq(stdout.String(), "\n") {
		if strings.HasPrefix(line, "run 1/2 scenarios") {
			if !strings.Contains(line, "ETA ~") {
				t.Errorf("line %q: want the span's ETA (~)", line)
			}
			return
		}
	}
	t.Errorf("no line for 1 of 2 scenarios done:\n%s", stdout.String())
}

// ESIMHIL_PROGRESS_EVERY paces a long scenario's own "..." lines too, not
// only the meter's: they came every 2 s whatever it said.
func TestRunScenarioLinesFollowEvery(t *testing.T) {
	t.Setenv(progress.EnvMode, "plain")
	t.Setenv(progress.EnvEvery, "1ns")
	var stdout, stderr strings.Builder
	scen := filepath.Join("..", "..", "..", "fixtures", "scenarios", "roam-fr-preinstalled.yaml")
	if code := cli(t.Context(), []string{"run", "--capture", "tap", "--out", t.TempDir(), scen}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, stdout.String(), stderr.String())
	}
	if !regexp.MustCompile(`(?m)^\.\.\.   roam-fr-preinstalled: \S+ of \S+ simulated$`).MatchString(stderr.String()) {
		t.Errorf("no \"... of ... simulated\" line with %s=1ns:\n%s", progress.EnvEvery, stderr.String())
	}
}

// A scenario's wall time starts with its rig's, not with its first
// simulated step: a short scenario whose rig took 50 ms to start, then
// simulated for 5 ms and closed for 55 ms spent half its wall time
// closing, not 92%, which gave a week's run after it a close nine times
// its simulation and an ETA of a minute to its end (outside tester o309).
func TestRunCloseShareCountsTheRigsStart(t *testing.T) {
	fix := func(name string) string {
		return filepath.Join("..", "..", "..", "fixtures", "scenarios", name+".yaml")
	}
	paths := []string{fix("home-no-request"), fix("roam-fr-preinstalled")}
	now := time.Date(2026, 12, 7, 23, 0, 0, 0, time.UTC)
	m := progress.New(io.Discard, "run", len(paths), progress.Unit("scenarios"), progress.Live(false), progress.Clock(func() time.Time { return now }))
	loaded := make([]loadedScenario, len(paths))
	for i, p := range paths {
		loaded[i].s, loaded[i].source, loaded[i].err = scenario.LoadSource(p)
		if loaded[i].err != nil {
			t.Fatal(loaded[i].err)
		}
	}
	g := newSpanGauge(m, loaded, func() time.Time { return now })
	g.creepEvery = 0
	closing, advanced := g.scenario(0)
	now = now.Add(50 * time.Millisecond) // the rig starts: no simulated step yet
	advanced(0, g.spans[0])
	now = now.Add(5 * time.Millisecond)
	advanced(g.spans[0], g.spans[0])
	closing()
	now = now.Add(55 * time.Millisecond)
	g.finished(0)
	if got := g.closeShare(); got != 0.5 {
		t.Errorf("close share %v, want 0.5 (55 ms starting and simulating, 55 ms closing)", got)
	}
}
