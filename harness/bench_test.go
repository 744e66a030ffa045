package harness

import (
	"bufio"
	"bytes"
	"io"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/creack/pty"
	"golang.org/x/term"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/scenario"
)

func loadFixture(tb testing.TB, name string) *scenario.Scenario {
	tb.Helper()
	s, err := scenario.Load(filepath.Join("..", "fixtures", "scenarios", name))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// ptyEchoFloor measures n round trips of "AT\r" → "\r\nOK\r\n" over a raw
// pty pair with the dumbest possible responder: the floor any AT round trip
// over a pty pays on this machine.
func ptyEchoFloor(tb testing.TB, n int) time.Duration {
	master, slave, err := pty.Open()
	if err != nil {
		tb.Skipf("no pty: %v", err)
	}
	defer master.Close()
	defer slave.Close()
	if _, err := term.MakeRaw(int(slave.Fd())); err != nil {
		tb.Fatal(err)
	}
	go func() {
		r := bufio.NewReader(master)
		for {
			if _, err := r.ReadBytes('\r'); err != nil {
				return
			}
			if _, err := master.Write([]byte("\r\nOK\r\n")); err != nil {
				return
			}
		}
	}()
	rd := bufio.NewReader(slave)
	start := time.Now()
	for range n {
		if _, err := slave.Write([]byte("AT\r")); err != nil {
			tb.Fatal(err)
		}
		for {
			line, err := rd.ReadBytes('\n')
			if err != nil {
				tb.Fatal(err)
			}
			if bytes.Equal(line, []byte("OK\r\n")) {
				break
			}
		}
	}
	return time.Since(start)
}

// BenchmarkATRoundTrip: AT → OK through the whole emulated modem (pty, line
// splitter, parser, loop, encoder, client), reported also as a multiple of
// the raw pty echo floor measured in the same run.
func BenchmarkATRoundTrip(b *testing.B) {
	r, err := NewRig(loadFixture(b, "home-no-request.yaml"), Options{Dir: b.TempDir(), Capture: capture.Tap})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	const floorN = 2000
	floor := ptyEchoFloor(b, floorN) / floorN
	b.ResetTimer()
	for b.Loop() {
		if _, err := r.AT.Command("AT"); err != nil {
			b.Fatal(err)
		}
	}
	per := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(floor.Nanoseconds()), "floor-ns/op")
	b.ReportMetric(float64(per)/float64(floor), "x-floor")
}

// BenchmarkPreinstalledSwitchScenario: one whole roaming scenario (2 h of
// simulated time: attach, roam, list request over BIP/TCP, switch, REFRESH,
// re-attach, attach-success) from rig start to artifacts written.
func BenchmarkPreinstalledSwitchScenario(b *testing.B) {
	s := loadFixture(b, "roam-fr-preinstalled.yaml")
	dir := b.TempDir()
	const floorN = 200
	floor := ptyEchoFloor(b, floorN) / floorN
	b.ResetTimer()
	for b.Loop() {
		res := RunScenario(s, Options{Dir: dir, Capture: capture.Tap})
		if !res.OK() {
			b.Fatalf("scenario failed: %v %v", res.Err, res.Mismatches)
		}
	}
	per := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(per)/float64(floor), "x-floor")
}

// BenchmarkDownloadSwitchScenario: one whole claim-2 scenario (roam, list,
// download request, ES9+ mutual authentication over TLS through BIP, bound
// profile package, notifications, switch, re-attach) from rig start to
// artifacts written. It also reports the share of CPU time spent in Go's
// crypto packages (ECDSA, ECDH, AES, TLS), from a CPU profile of the loop.
func BenchmarkDownloadSwitchScenario(b *testing.B) {
	s := loadFixture(b, "roam-fr-download.yaml")
	dir := b.TempDir()
	var prof bytes.Buffer
	if err := pprof.StartCPUProfile(&prof); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		res := RunScenario(s, Options{Dir: dir, Capture: capture.Tap})
		if !res.OK() {
			pprof.StopCPUProfile()
			b.Fatalf("scenario failed: %v %v", res.Err, res.Mismatches)
		}
	}
	b.StopTimer()
	pprof.StopCPUProfile()
	if share, n, err := cryptoShare(&prof); err == nil && n > 0 {
		b.ReportMetric(100*share, "%crypto")
	}
}

// cryptoShare is the fraction of CPU samples with a crypto/... frame.
func cryptoShare(r io.Reader) (float64, int64, error) {
	p, err := profile.Parse(r)
	if err != nil {
		return 0, 0, err
	}
	var total, crypto int64
	for _, s := range p.Sample {
		v := s.Value[len(s.Value)-1]
		total += v
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
		return 0, 0, nil
	}
	return float64(crypto) / float64(total), int64(len(p.Sample)), nil
}

// BenchmarkAPDULaneCost: the preinstalled switch with the card's APDU lane
// recorded (every ATR and APDU at the contacts as a GSMTAP datagram in
// traffic.pcapng, and the lane decoded and checked when the rig closes)
// against the same scenario without it. Each iteration runs both, in
// turns, so that the machine's noise hits both alike; it reports the
// medians of each and of the per-pair ratio, and the ratio of the CPU time
// the process spent (user + system, less sensitive to other tenants).
func BenchmarkAPDULaneCost(b *testing.B) {
	s := loadFixture(b, "roam-fr-preinstalled.yaml")
	dir := b.TempDir()
	run := func(o Options) (wall, cpu time.Duration) {
		c0 := cpuTime()
		start := time.Now()
		res := RunScenario(s, o)
		if !res.OK() {
			b.Fatalf("scenario failed: %v %v", res.Err, res.Mismatches)
		}
		return time.Since(start), cpuTime() - c0
	}
	var with, without, ratio []float64
	var cpuWith, cpuWithout time.Duration
	for i := 0; b.Loop(); i++ {
		lane := Options{Dir: dir, Capture: capture.Tap}
		bare := Options{Dir: dir, Capture: capture.Tap, noLane: true}
		var w, wo, cw, cwo time.Duration
		if i%2 == 0 {
			w, cw = run(lane)
			wo, cwo = run(bare)
		} else {
			wo, cwo = run(bare)
			w, cw = run(lane)
		}
		with, without = append(with, float64(w)), append(without, float64(wo))
		ratio = append(ratio, float64(w)/float64(wo))
		cpuWith, cpuWithout = cpuWith+cw, cpuWithout+cwo
	}
	b.ReportMetric(median(with), "with-lane-ns")
	b.ReportMetric(median(without), "without-lane-ns")
	b.ReportMetric(median(ratio), "x-wall")
	b.ReportMetric(float64(cpuWith)/float64(cpuWithout), "x-cpu")
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// cpuTime is the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
