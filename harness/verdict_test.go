package harness

import (
	"errors"
	"testing"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/timeline"
)

// TestVerdict: any one expectation that does not hold fails the run, and a
// rig that failed is an error whatever the expectations said.
func TestVerdict(t *testing.T) {
	for _, tc := range []struct {
		name string
		res  Result
		want string
	}{
		{"every expectation held", Result{}, "pass"},
		{"one expectation failed", Result{Mismatches: []string{"list_requests: got 1, want 2"}}, "fail"},
		{"two expectations failed", Result{Mismatches: []string{"attempts: …", "final: …"}}, "fail"},
		{"the rig failed", Result{Err: errors.New("close: capture incomplete")}, "error"},
		{"the rig failed and an expectation", Result{Err: errors.New("run: …"), Mismatches: []string{"final: …"}}, "error"},
	} {
		if got := tc.res.Verdict(); got != tc.want {
			t.Errorf("%s: verdict %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestOneFailedExpectationFailsTheRun runs a scenario whose expectations
// all hold but one, and reads the verdict as a user does: the page's.
func TestOneFailedExpectationFailsTheRun(t *testing.T) {
	s := loadFixture(t, "roam-fr-preinstalled.yaml") // expects list_requests: 1
	s.Expect.ListRequests = new(2)
	res := RunScenario(s, Options{Dir: t.TempDir(), Capture: capture.Tap})
	if res.Err != nil || len(res.Mismatches) != 1 {
		t.Fatalf("err %v, mismatches %q: want the one list_requests mismatch", res.Err, res.Mismatches)
	}
	if v := res.Verdict(); v != "fail" {
		t.Errorf("verdict %q with one expectation failed (%s), want fail", v, res.Mismatches[0])
	}
	if v := timeline.PageVerdict(res.Timeline); v != "fail" {
		t.Errorf("the page shows %q with one expectation failed (%s), want fail", v, res.Mismatches[0])
	}
}
