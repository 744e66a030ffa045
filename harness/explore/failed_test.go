package explore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFailedReport: a sweep's failing cases come from its workers in any
// order; the log names them in case order, the first shownFailed in full,
// and lists every one when there are more (t72 F6).
func TestFailedReport(t *testing.T) {
	for _, n := range []int{1, shownFailed, shownFailed + 1, 3 * shownFailed} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var failed []failedCase
			for i := n - 1; i >= 0; i-- { // the last case first
				failed = append(failed, failedCase{k: 2 * i, seed: uint64(100 + i), failure: failure{v: []string{fmt.Sprint("v", i)}}})
			}
			shown, list := failedReport(failed)
			if want := min(n, shownFailed); len(shown) != want {
				t.Fatalf("%d lines shown, want %d", len(shown), want)
			}
			for i, l := range shown {
				if want := fmt.Sprintf("case %d violates (alone: %sgo test", 2*i+1, reproEnv); !strings.HasPrefix(l, want) {
					t.Errorf("line %d = %q, want it to begin %q", i, l, want)
				}
				if want := fmt.Sprintf("-rapid.seed=%d -rapid.checks=1", 100+i); !strings.Contains(l, want) {
					t.Errorf("line %d = %q, want it to hold %q", i, l, want)
				}
			}
			lines := strings.Split(strings.TrimSuffix(list, "\n"), "\n")
			switch {
			case n <= shownFailed && list != "":
				t.Errorf("a list of %d cases, all shown: %q", n, list)
			case n > shownFailed && len(lines) != n:
				t.Errorf("the list has %d lines, want %d", len(lines), n)
			case n > shownFailed && !strings.HasPrefix(lines[n-1], fmt.Sprintf("case %d\t", 2*n-1)):
				t.Errorf("the list's last line %q is not case %d", lines[n-1], 2*n-1)
			}
		})
	}
}

// TestFailingCasesPerSweep: two sweeps into one out directory keep each
// its own list of failing cases, headed by the sweep; a sweep run again
// replaces its own list (before, every sweep wrote failing-cases.txt, and
// the last one's list was all that was left).
func TestFailingCasesPerSweep(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("ESIMHIL_EXPLORE_OUT", dir)
	cases := func(n int, v string) []failedCase {
		var failed []failedCase
		for k := range n {
			failed = append(failed, failedCase{k: k, seed: uint64(1000 + k), failure: failure{v: []string{v}}})
		}
		return failed
	}
	a, b := sweepRun{seed: 7, n: 500}, sweepRun{seed: 8, n: 500}
	for _, w := range []struct {
		run sweepRun
		n   int
		v   string
	}{
		{a, shownFailed + 5, "first"},
		{b, shownFailed + 3, "other"},
		{a, shownFailed + 1, "again"}, // the same sweep again: its list replaced
	} {
		logFailed(t, w.run, cases(w.n, w.v))
	}
	for _, want := range []struct {
		run   sweepRun
		n     int
		v     string
		sweep string
	}{
		{a, shownFailed + 1, "again", "-rapid.seed=7 "},
		{b, shownFailed + 3, "other", "-rapid.seed=8 "},
	} {
		got, err := os.ReadFile(filepath.Join(dir, want.run.failingCasesFile()))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
		if len(lines) != want.n+1 || !strings.HasPrefix(lines[0], "# ") || !strings.Contains(lines[0], want.sweep) ||
			!strings.HasSuffix(lines[want.n], "\t"+want.v) {
			t.Errorf("%s: %d lines, want a header naming %q and %d cases of %q:\n%s", want.run.failingCasesFile(), len(lines), want.sweep, want.n, want.v, got)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("%d files in the out directory, want the two lists (no temporary file left)", len(ents))
	}
}

// TestFailingCasesListGoesWithItsFailures: a sweep run again that leaves
// no list to write — all its cases pass, or those that fail are all shown
// in the log — removes the list its earlier run left, and no other
// sweep's (outside tester t144 F1: a green rerun kept "52 of 60 cases
// failed").
func TestFailingCasesListGoesWithItsFailures(t *testing.T) {
	for _, tc := range []struct {
		name    string
		earlier bool // an earlier run of the sweep left a list
		failed  int  // how many of its cases fail now
	}{
		{"green, after a red run", true, 0},
		{"all failures shown, after more", true, shownFailed},
		{"green, no list before", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv("ESIMHIL_EXPLORE_OUT", dir)
			cases := func(n int) []failedCase {
				var failed []failedCase
				for k := range n {
					failed = append(failed, failedCase{k: k, seed: uint64(1000 + k), failure: failure{v: []string{"v"}}})
				}
				return failed
			}
			run, other := sweepRun{seed: 5150, n: 60}, sweepRun{seed: 5151, n: 60}
			logFailed(t, other, cases(shownFailed+2))
			if tc.earlier {
				logFailed(t, run, cases(52))
			}
			logFailed(t, run, cases(tc.failed))
			if _, err := os.Stat(filepath.Join(dir, run.failingCasesFile())); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s after the rerun: %v, want it gone", run.failingCasesFile(), err)
			}
			if _, err := os.Stat(filepath.Join(dir, other.failingCasesFile())); err != nil {
				t.Errorf("the other sweep's list: %v", err)
			}
		})
	}
}

// TestReproEnv: the commands a sweep prints carry the variables that
// changed what it drew or which cases failed (t179 F3).
func TestReproEnv(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"none set", nil, ""},
		{"power cuts left out", map[string]string{"ESIMHIL_EXPLORE_POWER": "0"}, "ESIMHIL_EXPLORE_POWER=0 "},
		{"demo failure and power", map[string]string{"ESIMHIL_EXPLORE_DEMO_FAIL": "1", "ESIMHIL_EXPLORE_POWER": "0"},
			"ESIMHIL_EXPLORE_POWER=0 ESIMHIL_EXPLORE_DEMO_FAIL=1 "},
		{"a value a shell must quote", map[string]string{"ESIMHIL_EXPLORE_LENIENT": "it's on"}, `ESIMHIL_EXPLORE_LENIENT='it'\''s on' `},
		{"others not carried", map[string]string{"ESIMHIL_EXPLORE_OUT": "/tmp/x", "ESIMHIL_EXPLORE_LINK": "pty"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := envPrefix(func(k string) string { return tc.env[k] }); got != tc.want {
				t.Errorf("envPrefix = %q, want %q", got, tc.want)
			}
		})
	}
	old := reproEnv
	t.Cleanup(func() { reproEnv = old })
	reproEnv = "ESIMHIL_EXPLORE_POWER=0 "
	shown, _ := failedReport([]failedCase{{k: 5, seed: 792, failure: failure{v: []string{"v"}}}})
	if want := "(alone: ESIMHIL_EXPLORE_POWER=0 go test -count=1 -run '^TestExplore$' ./harness/explore/ -rapid.seed=792 -rapid.checks=1)"; len(shown) != 1 || !strings.Contains(shown[0], want) {
		t.Errorf("shown %q, want a line with %q", shown, want)
	}
}
