package replay

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/explore"
	"github.com/esimhil/esimhil/harness/scenario"
)

// TestExplorationFixture: a case the exploration writes out is a fixture
// of the same format, replayed by the same command: it reproduces, the
// card's decisions compared by their event kinds; a recorded decision
// changed makes the replay leave the recording at that line of
// events.jsonl.
func TestExplorationFixture(t *testing.T) {
	src := "../../fixtures/scenarios/fallback-reject-then-preinstalled.yaml"
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	s, err := scenario.Parse(src, data)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := explore.WriteFixture(t.TempDir(), explore.Case{Seed: 7, YAML: string(data), Scenario: s}, []string{"an invariant, for the test"})
	if err != nil {
		t.Fatal(err)
	}
	res := replay(t, dir)
	if !res.OK || res.Compared[Decisions] == 0 {
		t.Fatalf("the exploration fixture does not reproduce (%d decisions compared):\n%s", res.Compared[Decisions], Report(res))
	}

	// The recorded card attempted another operator first.
	path := filepath.Join(dir, "events.jsonl")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	n := -1
	for i, l := range lines {
		if strings.Contains(l, `"event":"attempt"`) {
			lines[i] = strings.Replace(l, `"operator":"`, `"operator":"x`, 1)
			n = i + 1
			break
		}
	}
	if n < 0 {
		t.Fatal("no attempt in the recorded events")
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	res = replay(t, dir)
	d := res.Divergence
	if res.OK || d == nil || d.Track != Decisions || d.Src.File != "events.jsonl" || d.Src.Line != n {
		t.Fatalf("divergence %+v, want the card decision at events.jsonl:%d\n%s", d, n, Report(res))
	}
}
