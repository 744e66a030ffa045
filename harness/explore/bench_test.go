package explore

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/cputime"
)

// BenchmarkExploreCases runs generated cases (the same generator and
// invariants as TestExplore, cases drawn from fixed seeds), as many at
// once as TestExplore runs (caseWorkers), and reports cases per second and
// the wall time 10,000 cases would take. Target: 10,000 cases in at most
// 60 s on 2 cores. One op is a batch of 100 cases. The cases' modems
// are linked to their hosts in memory, as in TestExplore;
// ESIMHIL_EXPLORE_LINK=pty measures them over ptys. It reports the CPU
// time a case costs too: the wall-clock rate moves by a fifth from one
// hour of this VM to the next, and the CPU a case takes shows whether the
// harness or the machine changed. A case that fails (a violated
// invariant, a rig error) fails the benchmark, naming the first.
func BenchmarkExploreCases(b *testing.B) {
	const batch = 100
	link, err := caseLink()
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("host-modem link: %s ($%s)", link, LinkEnv)
	explorationGC(b) // as TestExplore
	gen := Generator(Probe())
	var (
		next, failed atomic.Int64
		mu           sync.Mutex
		firstSeed    int64 // of the first failing case, 0 for none
		firstV       []string
	)
	b.ResetTimer()
	cpu0 := cputime.Process()
	var wg sync.WaitGroup
	for range caseWorkers() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(b.N*batch) {
					return
				}
				if v := runCase(gen.Example(int(i)), nil); len(v) > 0 {
					failed.Add(1)
					mu.Lock()
					if firstSeed == 0 || i < firstSeed {
						firstSeed, firstV = i, v
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	cases := float64(b.N * batch)
	cpuMS := float64(cputime.Process()-cpu0) / float64(time.Millisecond) / cases
	b.ReportMetric(cpuMS, "cpu-ms/case")
	perSec := cases / b.Elapsed().Seconds()
	b.ReportMetric(perSec, "cases/s")
	b.ReportMetric(10000/perSec, "s/10k-cases")
	b.ReportMetric(float64(failed.Load()), "failed-cases")
	if firstSeed != 0 {
		// go test prints no figures of a failed benchmark: they are
		// logged here.
		b.Logf("%.1f cases/s, %.1f s/10k-cases, %.2f cpu-ms/case, %d of %.0f cases failed",
			perSec, 10000/perSec, cpuMS, failed.Load(), cases)
		b.Errorf("%d of %.0f cases failed; the first, -rapid.seed=%d (go test -run TestExplore ./harness/explore/ -rapid.seed=%d -rapid.checks=1), violates:\n  %s",
			failed.Load(), cases, firstSeed, firstSeed, strings.Join(firstV, "\n  "))
	}
}
