// Package cryptoshare measures the share of a CPU profile spent in Go's
// crypto packages: the floor the download benchmarks compare the rest of
// the work against (non-crypto/crypto).
package cryptoshare

import (
	"bytes"
	"fmt"
	"io"
	"runtime/pprof"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

// Of is the fraction of CPU time in the profile's samples that have a
// crypto/... frame anywhere on their stack, and how many samples it holds.
func Of(r io.Reader) (share float64, samples int64, err error) {
	p, err := profile.Parse(r)
	if err != nil {
		return 0, 0, fmt.Errorf("cpu profile: %w", err)
	}
	var total, crypto int64
	for _, s := range p.Sample {
		v := s.Value[len(s.Value)-1]
		total += v
		samples += s.Value[0]
	sample:
		for _, loc := range s.Location {
			for _, ln := range loc.Line {
				if ln.Function != nil && strings.HasPrefix(ln.Function.Name, "crypto/") {
					crypto += v
					break sample
				}
			}
		}
	}
	if total == 0 {
		return 0, samples, nil
	}
	return float64(crypto) / float64(total), samples, nil
}

// Profiler is a CPU profile being taken of the whole process.
type Profiler struct{ buf bytes.Buffer }

// Start starts profiling the process's CPU. Only one profile can run at a
// time in a process: under go test -cpuprofile this one cannot start, and
// the error says so.
func Start() (*Profiler, error) {
	p := &Profiler{}
	if err := pprof.StartCPUProfile(&p.buf); err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return p, nil
}

// Stop ends the profile and measures it (Of).
func (p *Profiler) Stop() (share float64, samples int64, err error) {
	pprof.StopCPUProfile()
	return Of(&p.buf)
}

// Loop runs run as b's timed loop under a CPU profile, then untimed until
// at least minProfiled runs are profiled (a second of runs is some 200
// samples, and the share moves by points from one run of a benchmark to
// the next with fewer), and reports %crypto, non-crypto/crypto and the
// number of samples. A profile that cannot start (go test -cpuprofile
// holds the process's one) leaves the share unreported, with a log line.
func Loop(b *testing.B, minProfiled int, run func()) {
	prof, err := Start()
	if err != nil {
		b.Logf("crypto share not measured: %v", err)
	} else {
		defer func() {
			if prof != nil { // run failed the benchmark
				_, _, _ = prof.Stop()
			}
		}()
	}
	b.ResetTimer()
	runs := 0
	for b.Loop() {
		run()
		runs++
	}
	b.StopTimer()
	if prof == nil {
		return
	}
	for ; b.N > 1 && runs < minProfiled; runs++ {
		run()
	}
	share, n, err := prof.Stop()
	prof = nil
	if err != nil {
		b.Error(err)
		return
	}
	if n > 0 && share > 0 {
		b.ReportMetric(100*share, "%crypto")
		b.ReportMetric((1-share)/share, "non-crypto/crypto")
		b.ReportMetric(float64(n), "profile-samples")
	}
}
