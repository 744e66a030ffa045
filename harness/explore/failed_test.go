package explore

import (
	"fmt"
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
				if want := fmt.Sprintf("case %d violates (alone: go test", 2*i+1); !strings.HasPrefix(l, want) {
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
