package explore

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"pgregory.net/rapid"

	"github.com/esimhil/esimhil/harness/progress"

	"github.com/esimhil/esimhil/harness/scenario"
)

// DefaultSeed is the rapid seed of the exploration in make test.
const DefaultSeed = 20261129

// TestExplore runs seeded random scenarios (issue 4 §4) through the rig and
// checks every invariant after each run. rapid's -rapid.checks sets the
// number of cases (500 by default here), -rapid.seed replays a run. A
// failure is shrunk by rapid and the smallest failing scenario is written to
// $ESIMHIL_EXPLORE_OUT (default out/explore/) as explore-<seed>.yaml.
func TestExplore(t *testing.T) {
	if testing.Short() {
		t.Skip("exploration skipped in -short mode")
	}
	total, err := requestedChecks()
	if err != nil {
		t.Fatal(err)
	}
	// The shrunk case is saved as a scenario fixture below; rapid's own fail
	// file would land in the source tree.
	if f := flag.Lookup("rapid.nofailfile"); f != nil && !isSet("rapid.nofailfile") {
		if err := f.Value.Set("true"); err != nil {
			t.Fatal(err)
		}
	}
	// make test explores a fixed, seeded set of cases, so a red CI run means
	// a regression and not a new random draw; make explore draws fresh
	// seeds (ESIMHIL_EXPLORE_RANDOM=1) and prints each failing seed.
	if !isSet("rapid.seed") && os.Getenv("ESIMHIL_EXPLORE_RANDOM") == "" {
		if err := flag.Set("rapid.seed", strconv.FormatUint(DefaultSeed, 10)); err != nil {
			t.Fatal(err)
		}
	}
	feats := Probe()
	// harness/power.go counts power-cut trigger events from a log
	// subscriber that the platform's HTTP goroutines also call: a data race
	// (reported to the lead). Until it is fixed, -race runs leave power cuts
	// out; ESIMHIL_EXPLORE_POWER=1 forces them on, =0 off.
	switch os.Getenv("ESIMHIL_EXPLORE_POWER") {
	case "0":
		feats.PowerCuts = false
	case "1":
	default:
		if raceEnabled {
			feats.PowerCuts = false
		}
	}
	t.Logf("features: %+v; %d cases", feats, total)
	// Cases are independent rigs: two rapid runs side by side halve the
	// wall time on two cores. A fixed -rapid.seed replays in one run.
	halves := 2
	if isSet("rapid.seed") || runtime.GOMAXPROCS(0) < 2 || total < 2 {
		halves = 1
	}
	if err := flag.Set("rapid.checks", strconv.Itoa((total+halves-1)/halves)); err != nil {
		t.Fatal(err)
	}
	// Progress for long explorations (make explore): a live line on a
	// terminal, a plain line every 10 s in CI logs.
	meter := progress.New(os.Stdout, "explore", total, progress.Unit("cases"))
	t.Cleanup(meter.Finish)
	for h := range halves {
		t.Run(fmt.Sprintf("run%d", h+1), func(t *testing.T) {
			t.Parallel()
			explore(t, feats, meter)
		})
	}
}

// explore is one rapid run of TestExplore.
func explore(t *testing.T, feats Features, meter *progress.Meter) {
	var mu sync.Mutex
	var last, first *failure
	var tolerated []failure
	seenKnown := map[string]bool{}
	// Every invariant fails the run; ESIMHIL_EXPLORE_LENIENT=1 only logs the
	// violations tagged KnownIssue (for exploring past a reported bug).
	strict := os.Getenv("ESIMHIL_EXPLORE_LENIENT") == ""
	base := t.TempDir()
	// rapid ends the test with t.Fatal, so the save runs deferred. Its last
	// failing call is the shrunk case it reports; when rapid cannot
	// reproduce a failure (a flaky run), the first failing case is saved.
	defer func() {
		for _, f := range tolerated {
			path, err := writeFixture(OutDir(), "known", f.c, f.v)
			t.Logf("not failed (ESIMHIL_EXPLORE_LENIENT is set): seed %d: %s [%s, err %v]", f.c.Seed, strings.Join(f.v, "; "), path, err)
		}
		f := last
		if f == nil {
			f = first
		}
		if !t.Failed() || f == nil {
			return
		}
		path, err := WriteFixture(OutDir(), f.c, f.v)
		if err != nil {
			t.Errorf("write failing case: %v", err)
			return
		}
		t.Logf("failing case written to %s; replay with: esimhil replay %s", path, path)
	}()
	rapid.Check(t, func(rt *rapid.T) {
		mu.Lock()
		last = nil // a generator failure must not save an older case
		mu.Unlock()
		c := Generator(feats).Draw(rt, "case")
		dir, err := os.MkdirTemp(base, "case-")
		if err != nil {
			rt.Fatal(err)
		}
		defer os.RemoveAll(dir)
		o, err := Run(c.Scenario, dir)
		var v []string
		if err != nil {
			v = []string{"rig: " + err.Error()}
		} else {
			v = Check(c.Scenario, o)
		}
		meter.Done(len(v) == 0)
		if !strict {
			// Bugs already reported (see KnownIssue): logged and saved,
			// while every other violation of the run still fails it.
			var rest, known []string
			for _, x := range v {
				if strings.Contains(x, KnownIssue) {
					known = append(known, x)
				} else {
					rest = append(rest, x)
				}
			}
			mu.Lock()
			for _, k := range known {
				// One example per kind of known issue, not one per case.
				cat := k[strings.Index(k, KnownIssue):]
				cat = cat[:min(len(cat), len(KnownIssue)+24)]
				if !seenKnown[cat] {
					seenKnown[cat] = true
					tolerated = append(tolerated, failure{c, []string{k}})
				}
			}
			mu.Unlock()
			v = rest
		}
		if len(v) > 0 {
			mu.Lock()
			last = &failure{c, v}
			if first == nil {
				first = last
			}
			mu.Unlock()
			rt.Fatalf("scenario seed %d violates:\n  %s\n%s", c.Seed, strings.Join(v, "\n  "), c.YAML)
		}
	})
}

type failure struct {
	c Case
	v []string
}

// requestedChecks is -rapid.checks as given on the command line (500 if
// not), read once: TestExplore rewrites the flag for its halves.
var requestedChecks = sync.OnceValues(func() (int, error) {
	f := flag.Lookup("rapid.checks")
	if f == nil || !isSet("rapid.checks") {
		return 500, nil
	}
	n, err := strconv.Atoi(f.Value.String())
	if err != nil || n < 1 {
		return 0, fmt.Errorf("-rapid.checks=%s: want a positive count", f.Value.String())
	}
	return n, nil
})

func isSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// TestRegressions replays the cases exploration found (testdata/regressions,
// each headed by what it found) against every invariant.
func TestRegressions(t *testing.T) {
	if testing.Short() {
		t.Skip("regressions skipped in -short mode")
	}
	files, err := filepath.Glob(filepath.Join("testdata", "regressions", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no regression cases: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".yaml"), func(t *testing.T) {
			replay(t, f)
		})
	}
}

// replay runs one scenario file through the rig and the invariants.
func replay(t *testing.T, file string) {
	t.Helper()
	s, err := scenario.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	o, err := Run(s, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range Check(s, o) {
		t.Error(v)
	}
}

// TestReplay runs the scenario files named in $ESIMHIL_EXPLORE_REPLAY
// (space separated, e.g. a case TestExplore saved) through the same run and
// invariants, so a fix can be checked without rapid.
func TestReplay(t *testing.T) {
	files := strings.Fields(os.Getenv("ESIMHIL_EXPLORE_REPLAY"))
	if len(files) == 0 {
		t.Skip("set ESIMHIL_EXPLORE_REPLAY to scenario files to replay")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) { replay(t, f) })
	}
}
