package fleet

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

// BenchmarkFleet runs whole storms of the storm-fr template: every device
// in memory, and every device on a real pty. It reports devices/s (wall),
// the simulated switch time percentiles, the cards' platform requests per
// wall second, the storm's peak resident memory, the notifications the
// servers' logs were checked against (notes-checked) and those lost (must
// be 0). A storm fails the benchmark as it fails esimhil fleet (Result.OK:
// a failed or never-started device, a notification lost, undelivered or
// extra in the log, a log not read), and so does one with no notification
// to check. Sizes: ESIMHIL_BENCH_FLEET_MEM (default 10000) and
// ESIMHIL_BENCH_FLEET_PTY (default 1000), whole numbers from 1 to
// MaxDevices; the 100,000-device storm is a documented command
// (docs/performance.md), too long for make bench.
func BenchmarkFleet(b *testing.B) {
	size := func(env string, def int) int {
		n, err := benchSize(env, os.Getenv(env), def)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	for _, tc := range []struct {
		name, env     string
		devices, ptys int
	}{
		{"memory", "ESIMHIL_BENCH_FLEET_MEM", size("ESIMHIL_BENCH_FLEET_MEM", 10000), 0},
		{"pty", "ESIMHIL_BENCH_FLEET_PTY", size("ESIMHIL_BENCH_FLEET_PTY", 1000), -1},
	} {
		b.Run(tc.name+"-"+strconv.Itoa(tc.devices), func(b *testing.B) {
			tp, err := Load("../../fixtures/fleet/storm-fr.yaml")
			if err != nil {
				b.Fatal(err)
			}
			ptys := tc.ptys
			if ptys < 0 {
				ptys = tc.devices
			}
			// As flags, so that a refused size is named by its value,
			// not by the fixture's line.
			tp.Override(Flags{Devices: &tc.devices, PTYs: &ptys})
			tp.ArriveWithin = Duration(time.Hour)
			tp.Dwell = Duration(20 * time.Minute)
			if err := tp.Validate(NoPTYLimit); err != nil {
				b.Fatalf("%s=%d: the storm-fr template refuses it: %v", tc.env, tc.devices, err)
			}
			var last *Result
			for b.Loop() {
				r, err := Run(context.Background(), Config{Template: tp})
				if err != nil {
					b.Fatal(err)
				}
				if err := benchVerdict(r); err != nil {
					b.Fatal(err)
				}
				last = r
			}
			lost, _ := last.Lost()
			b.ReportMetric(float64(last.Devices)/last.Wall.Seconds(), "devices/s")
			b.ReportMetric(float64(last.PlatformRequests)/last.Wall.Seconds(), "platform-req/s")
			b.ReportMetric(last.Percentile(50).Seconds(), "p50-switch-s")
			b.ReportMetric(last.Percentile(95).Seconds(), "p95-switch-s")
			b.ReportMetric(last.Percentile(99).Seconds(), "p99-switch-s")
			// The peak is the storm's own only if its reset worked (the
			// storm starts with the memory earlier storms of this process
			// left collected and given back, resetPeakRSS); else it is
			// the whole process's and not reported.
			if err := last.peakRSSLifetime; err != nil {
				b.Logf("peak-MiB not reported: %v, so the peak (%.0f MiB) is the whole test process's, not this storm's", err, float64(last.PeakRSS)/(1<<20))
			} else {
				b.ReportMetric(float64(last.PeakRSS)/(1<<20), "peak-MiB")
			}
			b.ReportMetric(float64(notesChecked(last)), "notes-checked")
			b.ReportMetric(float64(lost), "lost")
		})
	}
}

// benchSize is the storm size the environment variable env holds (value),
// def when it is empty. Anything but a whole number from 1 to MaxDevices
// is refused, naming the variable: it once fell back to def silently.
func benchSize(env, value string, def int) (int, error) {
	if value == "" {
		return def, nil
	}
	n, err := strconv.Atoi(value)
	if err != nil || n < 1 || n > MaxDevices {
		return 0, fmt.Errorf("%s=%q: want a whole number of devices from 1 to %d (unset: %d)", env, value, MaxDevices, def)
	}
	return n, nil
}

// notesChecked counts the notifications the cards count as acknowledged
// in the logs that were read: those Lost compares with the servers' logs.
func notesChecked(r *Result) int {
	n := 0
	if !r.PlatformUnread {
		for _, v := range r.CardToPlatform {
			n += v
		}
	}
	if !r.SMDPUnread {
		for _, v := range r.CardToSMDP {
			n += v
		}
	}
	return n
}

// benchVerdict fails a storm as esimhil fleet does (Result.OK, its
// Verdict the reason), and a storm with no notification checked: every
// storm-fr device sends some, so "0 lost" of none is no pass.
func benchVerdict(r *Result) error {
	if !r.OK() {
		return fmt.Errorf("esimhil fleet: FAIL: %s; errors: %q", r.Verdict(), r.Errors)
	}
	if notesChecked(r) == 0 {
		return fmt.Errorf("no notification checked: the cards of %d devices count none as acknowledged in the logs read", r.Devices)
	}
	return nil
}
