package explore

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/capture"
)

// TestEndsAsTheCLI: a case ends as `esimhil run` ends its scenario
// (harness.Rig.RunToEnd): nothing due at the horizon begins before the end
// read, so the case's events.jsonl is the one the CLI writes for its
// scenario (outside tester t179 F2: example 549 switched the card, to a
// PIN-locked profile, at the horizon before the exploration's end read).
func TestEndsAsTheCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("runs generated cases twice")
	}
	tests := []struct {
		name    string
		example int
	}{
		{"a rescue cycle due at the horizon", 549},
		{"nothing due at the horizon", 1},
	}
	gen := Generator(Probe())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := gen.Example(tc.example)
			dir := t.TempDir()
			if _, err := Run(c.Scenario, dir); err != nil {
				t.Fatalf("explore run: %v", err)
			}
			cli := t.TempDir()
			res := harness.RunScenario(c.Scenario, harness.Options{Dir: cli, Capture: capture.Tap, PKISeed: PKISeed})
			if res.Err != nil {
				t.Fatalf("esimhil run: %v", res.Err)
			}
			got, err := os.ReadFile(filepath.Join(dir, harness.EventsFile))
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join(res.Dir, harness.EventsFile))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				g, w := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
				for i := range min(len(g), len(w)) {
					if !bytes.Equal(g[i], w[i]) {
						t.Fatalf("events.jsonl differs from the CLI's at line %d:\n  explore: %s\n  cli:     %s", i+1, g[i], w[i])
					}
				}
				t.Fatalf("events.jsonl has %d lines, the CLI's %d", len(g), len(w))
			}
		})
	}
}
