package explore

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness"
)

// The same case run twice gives byte-identical events.jsonl, power cuts
// included: a cut that lands while a request is on its way to a server
// waits for the server's handling (harness.Rig's awaitPeer), whose events
// otherwise fell before or after the cut's as the goroutines went. Only
// cases with a power cut, or with two faults around the card at once, are
// kept: those are where order was at stake.
func TestSameCaseSameEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 2×90 generated cases")
	}
	feats := Probe()
	if !feats.PowerCuts {
		t.Skip("the scenario loader has no power cuts")
	}
	gen := Generator(feats)
	base := t.TempDir()
	events := func(c Case) []byte {
		dir, err := os.MkdirTemp(base, "case-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		if _, err := Run(c.Scenario, dir); err != nil {
			t.Fatalf("case %d: %v", c.Seed, err)
		}
		b, err := os.ReadFile(dir + "/" + harness.EventsFile)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// The cases with a power cut, and those where two faults around the
	// card are in force at once (comboCases: a slow platform's held
	// answer while the card is out, coverage lost while the port hangs;
	// brief t252), whose edges and held answers meet on one instant.
	for _, want := range []struct {
		what string
		n    int
		has  func(Case) bool
	}{
		{"a power cut", 60, func(c Case) bool { return strings.Contains(c.YAML, "power_cut") }},
		{"two faults around the card in force at once", 30, func(c Case) bool {
			return generatorDraws(c.Scenario)["two faults around the card in force at once"]
		}},
	} {
		kept := 0
		for i := 1; kept < want.n && i < 2000; i++ {
			c := gen.Example(i)
			if !want.has(c) {
				continue
			}
			kept++
			a, b := events(c), events(c)
			if !bytes.Equal(a, b) {
				al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
				j := 0
				for j < len(al) && j < len(bl) && al[j] == bl[j] {
					j++
				}
				t.Fatalf("case %d (example %d) gave different events.jsonl; first difference at line %d:\n  %s\n  %s\nscenario:\n%s",
					c.Seed, i, j+1, line(al, j), line(bl, j), c.YAML)
			}
		}
		if kept < want.n {
			t.Fatalf("only %d of the first 2,000 cases had %s", kept, want.what)
		}
	}
}

func line(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "(end of file)"
}
