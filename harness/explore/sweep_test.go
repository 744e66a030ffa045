package explore

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// The sweep of TestExplore claims to run the cases rapid draws from a seed
// (so that -rapid.seed reproduces any of them and rapid can shrink one):
// case k is Generator.Example(rapidSeed(seed, k)). This checks it against
// rapid itself, run in a child process (rapid's seed is a process-wide
// flag, which would stay set for the other tests).
func TestSweepDrawsRapidsCases(t *testing.T) {
	if os.Getenv("ESIMHIL_SWEEP_CHILD") != "" {
		gen := Generator(Probe())
		rapid.Check(t, func(rt *rapid.T) {
			c := gen.Draw(rt, "case")
			fmt.Printf("drawn %d\n", c.Seed)
		})
		return
	}
	const seed, n = 987654321, 6
	cmd := exec.Command(os.Args[0], "-test.run=^TestSweepDrawsRapidsCases$", "-test.count=1",
		"-rapid.seed="+strconv.Itoa(seed), "-rapid.checks="+strconv.Itoa(n), "-rapid.nofailfile")
	cmd.Env = append(os.Environ(), "ESIMHIL_SWEEP_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("rapid in a child process: %v\n%s", err, out)
	}
	var drawn []string
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "drawn "); ok {
			drawn = append(drawn, v)
		}
	}
	gen := Generator(Probe())
	var swept []string
	for k := range n {
		swept = append(swept, strconv.FormatInt(gen.Example(int(rapidSeed(seed, k))).Seed, 10))
	}
	if strings.Join(drawn, " ") != strings.Join(swept, " ") {
		t.Errorf("rapid drew the cases of scenario seeds %v, the sweep %v", drawn, swept)
	}
}
