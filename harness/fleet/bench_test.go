package fleet

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"
)

// BenchmarkFleet runs whole storms of the storm-fr template: every device
// in memory, and every device on a real pty. It reports devices/s (wall),
// the simulated switch time percentiles, the cards' platform requests per
// wall second, the process's peak resident memory and the notifications
// lost (must be 0). Sizes: ESIMHIL_BENCH_FLEET_MEM (default 10000) and
// ESIMHIL_BENCH_FLEET_PTY (default 1000); the 100,000-device storm is a
// documented command (docs/performance.md), too long for make bench.
func BenchmarkFleet(b *testing.B) {
	size := func(env string, def int) int {
		if n, err := strconv.Atoi(os.Getenv(env)); err == nil && n > 0 {
			return n
		}
		return def
	}
	for _, tc := range []struct {
		name          string
		devices, ptys int
	}{
		{"memory", size("ESIMHIL_BENCH_FLEET_MEM", 10000), 0},
		{"pty", size("ESIMHIL_BENCH_FLEET_PTY", 1000), -1},
	} {
		b.Run(tc.name+"-"+strconv.Itoa(tc.devices), func(b *testing.B) {
			tp, err := Load("../../fixtures/fleet/storm-fr.yaml")
			if err != nil {
				b.Fatal(err)
			}
			tp.Devices, tp.PTYs = tc.devices, tc.ptys
			if tc.ptys < 0 {
				tp.PTYs = tc.devices
			}
			tp.ArriveWithin = Duration(time.Hour)
			tp.Dwell = Duration(20 * time.Minute)
			if err := tp.Validate(NoPTYLimit); err != nil {
				b.Fatal(err)
			}
			var last *Result
			for b.Loop() {
				r, err := Run(context.Background(), Config{Template: tp})
				if err != nil {
					b.Fatal(err)
				}
				if lost, _ := r.Lost(); lost != 0 || r.Outcomes[Failed] != 0 {
					b.Fatalf("lost %d notifications, %d devices failed: %q", lost, r.Outcomes[Failed], r.Errors)
				}
				last = r
			}
			lost, _ := last.Lost()
			b.ReportMetric(float64(last.Devices)/last.Wall.Seconds(), "devices/s")
			b.ReportMetric(float64(last.PlatformRequests)/last.Wall.Seconds(), "platform-req/s")
			b.ReportMetric(last.Percentile(50).Seconds(), "p50-switch-s")
			b.ReportMetric(last.Percentile(95).Seconds(), "p95-switch-s")
			b.ReportMetric(last.Percentile(99).Seconds(), "p99-switch-s")
			b.ReportMetric(float64(last.PeakRSS)/(1<<20), "peak-MiB")
			b.ReportMetric(float64(lost), "lost")
		})
	}
}
