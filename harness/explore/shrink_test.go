package explore

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestShrinkBudget(t *testing.T) {
	// Each step: whether the candidate runs, and whether it then fails.
	type step struct{ run, fail bool }
	tests := []struct {
		name  string
		runs  int
		steps []step
	}{
		{"within the budget every candidate runs", 3, []step{{true, true}, {true, false}, {true, false}, {true, false}}},
		{"past it none", 2, []step{{true, false}, {true, false}, {false, false}, {false, false}}},
		{"a failure's confirming run is free", 2, []step{{true, true}, {true, true}, {true, false}, {true, false}, {false, false}}},
		{"the last run failing still gets its confirmation", 1, []step{{true, true}, {true, false}, {false, false}}},
		{"a budget of 0 runs none", 0, []step{{false, false}, {false, false}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := &shrinkBudget{runs: tc.runs}
			for i, s := range tc.steps {
				if got := b.take(); got != s.run {
					t.Fatalf("step %d: take = %v, want %v", i, got, s.run)
				}
				if s.fail {
					b.failed()
				}
			}
		})
	}
}

func TestNewShrinkBudget(t *testing.T) {
	tests := []struct {
		v       string
		want    int
		wantErr bool
	}{
		{"", DefaultShrinkRuns, false},
		{"0", 0, false},
		{"250", 250, false},
		{"-1", 0, true},
		{"lots", 0, true},
		{"1e3", 0, true},
	}
	for _, tc := range tests {
		b, err := newShrinkBudget(tc.v)
		if (err != nil) != tc.wantErr {
			t.Errorf("newShrinkBudget(%q) error = %v, want error %v", tc.v, err, tc.wantErr)
			continue
		}
		if err == nil && b.runs != tc.want {
			t.Errorf("newShrinkBudget(%q).runs = %d, want %d", tc.v, b.runs, tc.want)
		}
	}
}

// A failing case's command (-rapid.seed=S -rapid.checks=1) writes the same
// fixture however fast the machine shrinks it: run here as a child under
// GOMAXPROCS=1 and 4. rapid's shrinking stopped at 30 s of wall time, so
// the two shrank to different scenarios (outside tester t201); bounded by
// time again (RAPID_SHRINKTIME=700ms in place of the budget), this test
// fails.
func TestShrinkSameFixture(t *testing.T) {
	if testing.Short() {
		t.Skip("shrinks a failing case twice")
	}
	if raceDetector {
		// Two child processes under -race take 30 s; what is checked is
		// their output, not their memory accesses (TestShrinkBudget runs).
		t.Skip("the children's output does not depend on -race")
	}
	fixture := func(procs string) []byte {
		out := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^TestExplore$", "-test.count=1", "-rapid.seed=12348", "-rapid.checks=1")
		cmd.Env = append(os.Environ(), "GOMAXPROCS="+procs, "ESIMHIL_EXPLORE_DEMO_FAIL=1",
			ShrinkRunsEnv+"=25", "ESIMHIL_EXPLORE_OUT="+out)
		log, err := cmd.CombinedOutput()
		if err == nil {
			t.Fatalf("GOMAXPROCS=%s: the case did not fail (has it a fault still?):\n%s", procs, log)
		}
		dirs, err := filepath.Glob(filepath.Join(out, "explore-*"))
		if err != nil || len(dirs) != 1 {
			t.Fatalf("GOMAXPROCS=%s: want one fixture in %s, got %q (%v)\n%s", procs, out, dirs, err, log)
		}
		b := []byte(filepath.Base(dirs[0]) + "\n")
		for _, f := range []string{"scenario.yaml", "events.jsonl", "at.log"} {
			data, err := os.ReadFile(filepath.Join(dirs[0], f))
			if err != nil {
				t.Fatalf("GOMAXPROCS=%s: %v\n%s", procs, err, log)
			}
			// The scenario's head names the directory it was written to.
			if f == "scenario.yaml" {
				data = bytes.ReplaceAll(data, []byte(out), []byte("OUT"))
			}
			b = append(append(b, f+"\n"...), data...)
		}
		return b
	}
	a, b := fixture("1"), fixture("4")
	if !bytes.Equal(a, b) {
		t.Errorf("the same failing case shrank to different fixtures:\nGOMAXPROCS=1:\n%s\nGOMAXPROCS=4:\n%s", head(a), head(b))
	}
}

// head is the first 2,000 bytes of b, for a message.
func head(b []byte) []byte { return b[:min(len(b), 2000)] }
