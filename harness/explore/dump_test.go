package explore

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness"
)

// TestDumpCases writes the events.jsonl, at.log and at.marks of the first
// $ESIMHIL_EXPLORE_DUMP_N (default 200) generated cases to
// $ESIMHIL_EXPLORE_DUMP/<example>/, with verdict.txt, the invariants the
// case breaks as the exploration runs it (runCase: scratch, in memory;
// empty when it passes), so that a change meant to be invisible (a
// speed-up) can be shown to leave every case's record byte-identical and
// its verdict the same: dump before, dump after, `diff -r`. Skipped
// unless $ESIMHIL_EXPLORE_DUMP is set.
func TestDumpCases(t *testing.T) {
	out := os.Getenv("ESIMHIL_EXPLORE_DUMP")
	if out == "" {
		t.Skip("set ESIMHIL_EXPLORE_DUMP to a directory")
	}
	n := 200
	if s := os.Getenv("ESIMHIL_EXPLORE_DUMP_N"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			t.Fatalf("ESIMHIL_EXPLORE_DUMP_N=%q: want a positive count", s)
		}
	}
	gen := Generator(Probe())
	for i := 1; i <= n; i++ {
		c := gen.Example(i)
		dir := filepath.Join(out, fmt.Sprintf("%04d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := Run(c.Scenario, dir); err != nil {
			t.Fatalf("example %d (seed %d): %v", i, c.Seed, err)
		}
		// Only the deterministic records are kept: the capture's TLS
		// randoms and the key log differ from run to run by design.
		keep := map[string]bool{harness.EventsFile: true, harness.ATLogFile: true, harness.ATMarksFile: true}
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if !keep[e.Name()] {
				if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
					t.Fatal(err)
				}
			}
		}
		verdict := strings.Join(runCase(c, nil), "\n")
		if err := os.WriteFile(filepath.Join(dir, "verdict.txt"), []byte(verdict), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
