package harness

import (
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/timeline"
)

// The card and the page agree on what a refusal is through the events'
// "result" field, not their words: without coverage each toolkit command
// the terminal answers "no service" (20/04) is counted as a refusal and
// none as a failure; an unreachable platform (3A/07) is a failure, its
// reasons worded alike.
func TestRefusalsOfARealRun(t *testing.T) {
	tests := []struct {
		scenario string
		refused  string // what the card's stk_error/bip_error rows are counted as
	}{
		{"no-coverage-start.yaml", "toolkit command refused: no service"},
		{"roam-platform-unreachable.yaml", ""}, // failed, each of them
	}
	for _, tc := range tests {
		t.Run(strings.TrimSuffix(tc.scenario, ".yaml"), func(t *testing.T) {
			dir := t.TempDir()
			s := loadFixture(t, tc.scenario)
			r := runClosed(t, s, dir)
			tl, err := timeline.Build(dir, r.TimelineRun(Result{Name: s.Name}))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, it := range tl.Items {
				if it.Kind != timeline.KindEvent || !strings.HasPrefix(it.Label, "stk_error ") && !strings.HasPrefix(it.Label, "bip_error ") {
					continue
				}
				n++
				if !strings.Contains(it.Label, " result=") {
					t.Errorf("%s: no result field", it.Label)
				}
				if it.Refused != tc.refused || it.Failed != (tc.refused == "") {
					t.Errorf("%s: refused %q, failed %v; want refused %q", it.Label, it.Refused, it.Failed, tc.refused)
				}
			}
			if n == 0 {
				t.Fatal("no stk_error or bip_error row")
			}
		})
	}
}
