package fleet

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/progress"
)

// Simulated time that moves after exchanges only ran out (a paused
// server: each BIP limit expires, the cards try again a second on) is no
// progress until one is answered; a storm whose exchanges are answered,
// or that has none, progresses.
func TestProgressGate(t *testing.T) {
	g := progressGate{rel: 10, exp: 0}
	for i, tc := range []struct {
		rel, exp uint64 // the loop's counts at the tick
		want     bool
	}{
		{12, 0, true},  // answered
		{12, 0, true},  // nothing ended: time moved on timers alone
		{15, 3, false}, // three ran out, none answered
		{15, 3, false}, // the retries' timers: still counted from the stall
		{18, 6, false}, // ran out again
		{18, 7, false}, // one counted expired before its release
		{20, 7, true},  // one answered: the server is back
		{23, 8, true},  // one ran out beside two answered
	} {
		if got := g.progress(tc.rel, tc.exp); got != tc.want {
			t.Errorf("tick %d (%d ended, %d expired): progress %v, want %v", i, tc.rel, tc.exp, got, tc.want)
		}
	}
}

// A peak that could not be reset is said to be the process's whole
// life's, never passed as the storm's own.
func TestResetPeakRSS(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		err        string // a part of the error, "" for none
	}{
		{"procfs", clearRefs, ""},
		{"not there", filepath.Join(t.TempDir(), "no", "clear_refs"), "the peak resident memory was not reset"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := os.Stat(tc.file); tc.err == "" && err != nil {
				t.Skipf("no %s here: %v", tc.file, err)
			}
			defer func(f string) { clearRefs = f }(clearRefs)
			clearRefs = tc.file
			err := resetPeakRSS()
			switch {
			case tc.err == "" && err != nil:
				t.Errorf("resetPeakRSS = %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("resetPeakRSS = %v, want an error with %q", err, tc.err)
			}
		})
	}
}

// Every progress line counts a device once: done or on, never both (outside
// tester sw127: "fleet 1/300 devices … 300 on", the count of the tick
// before the retirement the line was drawn for).
func TestProgressCountsADeviceOnce(t *testing.T) {
	t.Setenv(progress.EnvEvery, "1ns") // a plain line at every retirement
	t.Setenv(progress.EnvMode, "plain")
	tp := loadTemplate(t, 40, 0)
	var out strings.Builder
	if _, err := Run(context.Background(), Config{Template: tp, Progress: &out}); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^fleet (\d+)/(\d+) devices .*, (\d+) on,`)
	lines := 0
	for _, l := range strings.Split(out.String(), "\n") {
		m := re.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		lines++
		done, total, on := atoi(t, m[1]), atoi(t, m[2]), atoi(t, m[3])
		if done+on > total {
			t.Errorf("%d done and %d on of %d: %s", done, on, total, l)
		}
	}
	if lines < 40 {
		t.Errorf("%d progress lines, want one at each of 40 retirements at least:\n%s", lines, out.String())
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
