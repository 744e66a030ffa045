package framework_test

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/framework"
	"github.com/esimhil/esimhil/harness/report"
	"github.com/onsi/ginkgo/v2/types"
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

// Specs skipped for a reason are listed with it; those a filter left out
// (no reason) are not.
func TestSkipSummary(t *testing.T) {
	r := types.Report{SpecReports: types.SpecReports{
		{LeafNodeText: "switches abroad", ContainerHierarchyTexts: []string{"A modem in the lab"}, State: types.SpecStateSkipped,
			Failure: types.Failure{Message: "this lab lacks needs:roaming — a SIM that roams"}},
		{LeafNodeText: "filtered out", State: types.SpecStateSkipped},
		{LeafNodeText: "ran", State: types.SpecStatePassed},
	}}
	want := "skipped 1 spec(s), each for a reason:\n  A modem in the lab switches abroad\n      this lab lacks needs:roaming — a SIM that roams\n"
	if got := framework.SkipSummary(r); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := framework.SkipSummary(types.Report{}); got != "" {
		t.Errorf("no skips: %q", got)
	}
}
