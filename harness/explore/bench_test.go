package explore

import (
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkExploreCases runs generated cases (the same generator and
// invariants as TestExplore, cases drawn from fixed seeds), as many at
// once as TestExplore runs (caseWorkers), and reports cases per second and
// the wall time 10,000 cases would take. Target: 10,000 cases in at most
// 60 s on 2 cores. One op is a batch of 100 cases. The cases' modems
// are linked to their hosts in memory, as in TestExplore;
// ESIMHIL_EXPLORE_LINK=pty measures them over ptys.
func BenchmarkExploreCases(b *testing.B) {
	const batch = 100
	link, err := caseLink()
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("host-modem link: %s ($%s)", link, LinkEnv)
	explorationGC(b) // as TestExplore
	gen := Generator(Probe())
	var next, failed atomic.Int64
	b.ResetTimer()
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
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	perSec := float64(b.N*batch) / b.Elapsed().Seconds()
	b.ReportMetric(perSec, "cases/s")
	b.ReportMetric(10000/perSec, "s/10k-cases")
	b.ReportMetric(float64(failed.Load()), "failed-cases")
}
