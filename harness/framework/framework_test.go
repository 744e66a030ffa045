package framework_test

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/report"
)

// A spec whose rig fails to close fails, however its own checks went: the
// suite exits non-zero, the failure names the close, and the artifacts are
// kept with a spec.json and a timeline page that say "fail" and why.
func TestCloseFailureFailsTheSpec(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a suite")
	}
	cmd := exec.Command("go", "test", "-count=1", "./testdata/closefail", "-ginkgo.no-color")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the suite passed:\n%s", out)
	}
	text := string(out)
	if !strings.Contains(text, "closing the rig: events of kinds not in the registry: spec/not-a-registered-kind") {
		t.Fatalf("the failure does not name the close:\n%s", text)
	}
	m := regexp.MustCompile(`artifacts kept in (\S+) \(seed \d+\)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no artifacts kept:\n%s", text)
	}
	dir := m[1]
	t.Cleanup(func() { os.RemoveAll(dir) })
	e, err := report.ReadSpecFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	if e.Verdict != "fail" || !strings.HasPrefix(e.Message, "closing the rig: ") || e.Timeline == "" {
		t.Errorf("%s: verdict %q, message %q, timeline %q", report.SpecFile, e.Verdict, e.Message, e.Timeline)
	}
	page, err := os.ReadFile(e.Timeline)
	if err != nil || !strings.Contains(string(page), "not-a-registered-kind") {
		t.Errorf("timeline page %s does not say why (%v)", e.Timeline, err)
	}
}
