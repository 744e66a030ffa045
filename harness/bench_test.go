package harness

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/term"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/cputime"
	"github.com/esimhil/esimhil/internal/cryptoshare"
	"github.com/esimhil/esimhil/internal/pollfile"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

func loadFixture(tb testing.TB, name string) *scenario.Scenario {
	tb.Helper()
	s, err := scenario.Load(filepath.Join("..", "fixtures", "scenarios", name))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// ptyEcho is the floor any AT round trip over a pty pays on this machine:
// "AT\r" → "\r\nOK\r\n" over a raw pty pair with the dumbest possible
// responder (one goroutine reading the master and writing the answer).
//
// The floor the targets are judged against has both ends on the runtime
// poller, as the emulator's master and atclient's port are: a round trip
// can then stay on one CPU. With blocking files each read sleeps in the
// kernel on its own thread, which the other end's write has to wake —
// often on the other CPU —, and that echo was often slower than the
// emulator's whole AT round trip (0.4–1.2× in one minute, an outside
// audit of 2026-12-04): no floor. It is still reported, as
// blocking-floor-ns/op, for comparison with older figures.
type ptyEcho struct {
	master, slave *os.File
	rd            *bufio.Reader
}

func newPtyEcho(tb testing.TB, onPoller bool) *ptyEcho {
	master, slave, err := pty.Open()
	if err != nil {
		tb.Fatalf("no pty: %v", err)
	}
	if _, err := term.MakeRaw(int(slave.Fd())); err != nil {
		tb.Fatal(err)
	}
	if onPoller {
		if master, err = pollfile.Of(master); err == nil {
			slave, err = pollfile.Of(slave)
		}
		if err != nil {
			tb.Fatal(err)
		}
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
	e := &ptyEcho{master: master, slave: slave, rd: bufio.NewReader(slave)}
	tb.Cleanup(func() { master.Close(); slave.Close() })
	return e
}

// roundTrips runs n echo round trips and returns how long they took.
func (e *ptyEcho) roundTrips(tb testing.TB, n int) time.Duration {
	start := time.Now()
	for range n {
		if _, err := e.slave.Write([]byte("AT\r")); err != nil {
			tb.Fatal(err)
		}
		for {
			line, err := e.rd.ReadBytes('\n')
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

// interleaved runs b.N operations in batches alternating with batches of
// the pty echo floors, so that all see the same machine load, and reports
// the operation's own time as ns/op, the floor's (both ends on the
// poller) as floor-ns/op and their ratio as x-floor, the target's; the
// blocking echo's as blocking-floor-ns/op and x-blocking-floor. allocs/op
// and B/op are the operation's own: the floors' batches run in the same
// timed loop, and go test's counts would bill their allocations to it.
// cpu-ns/op and floor-cpu-ns/op are the process's CPU time (user and
// system, every goroutine) over the op's batches and the poller floor's,
// and over-floor-cpu-ns/op their difference: the CPU the op's own code
// costs, which moves less with other tenants than wall time does.
// minInterleaved is the fewest ops whose ratio to the floors is reported.
const minInterleaved = 200

func interleaved(b *testing.B, op func() error) {
	b.Helper()
	floor, blocking := newPtyEcho(b, true), newPtyEcho(b, false)
	const batch = 25
	var opT, floorT, blockingT, opCPU, floorCPU time.Duration
	var before, after runtime.MemStats
	var allocs, allocBytes uint64
	b.ResetTimer()
	for done := 0; done < b.N; done += batch {
		k := min(batch, b.N-done)
		runtime.ReadMemStats(&before)
		c0, t0 := cputime.Process(), time.Now()
		for range k {
			if err := op(); err != nil {
				b.Fatal(err)
			}
		}
		opT += time.Since(t0)
		opCPU += cputime.Process() - c0
		runtime.ReadMemStats(&after)
		allocs += after.Mallocs - before.Mallocs
		allocBytes += after.TotalAlloc - before.TotalAlloc
		c0 = cputime.Process()
		floorT += floor.roundTrips(b, k)
		floorCPU += cputime.Process() - c0
		blockingT += blocking.roundTrips(b, k)
	}
	b.StopTimer()
	n := float64(b.N)
	per, fl, bl := float64(opT.Nanoseconds())/n, float64(floorT.Nanoseconds())/n, float64(blockingT.Nanoseconds())/n
	b.ReportMetric(per, "ns/op")
	b.ReportMetric(float64(allocs)/n, "allocs/op")
	b.ReportMetric(float64(allocBytes)/n, "B/op")
	if b.N < minInterleaved {
		// One op against one echo (-benchtime=1x) is a warm-up's
		// ratio, anywhere from 0.5 to 7.
		b.Logf("x-floor not reported: %d op(s), fewer than the %d a ratio needs (a longer -benchtime)", b.N, minInterleaved)
		return
	}
	b.ReportMetric(fl, "floor-ns/op")
	b.ReportMetric(per/fl, "x-floor")
	b.ReportMetric(bl, "blocking-floor-ns/op")
	b.ReportMetric(per/bl, "x-blocking-floor")
	oc, fc := float64(opCPU.Nanoseconds())/n, float64(floorCPU.Nanoseconds())/n
	b.ReportMetric(oc, "cpu-ns/op")
	b.ReportMetric(fc, "floor-cpu-ns/op")
	b.ReportMetric(oc-fc, "over-floor-cpu-ns/op")
}

// BenchmarkATRoundTrip: AT → OK through the whole emulated modem (pty, line
// splitter, parser, loop, encoder, client) against the raw pty echo floor,
// measured in alternating batches. Target: x-floor ≤ 1.2.
func BenchmarkATRoundTrip(b *testing.B) {
	r, err := NewRig(loadFixture(b, "home-no-request.yaml"), Options{Dir: b.TempDir(), Capture: capture.Tap})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	if err := r.Script([]string{"ATE0"}); err != nil { // as every host does
		b.Fatal(err)
	}
	interleaved(b, func() error {
		_, err := r.AT.Command("AT")
		return err
	})
}

// BenchmarkGetEIDOverCGLA: GetEID (STORE DATA BF3E on a logical channel
// to the ISD-R) through AT+CGLA — pty, modem, card, ES10c, answer — against
// the same floor, interleaved. Target: x-floor ≤ 1.5.
func BenchmarkGetEIDOverCGLA(b *testing.B) {
	r, err := NewRig(loadFixture(b, "home-no-request.yaml"), Options{Dir: b.TempDir(), Capture: capture.Tap})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	if err := r.Script([]string{"ATE0"}); err != nil {
		b.Fatal(err)
	}
	resp, err := r.AT.Command(`AT+CCHO="` + es10.ISDRAID + `"`)
	if err != nil || len(resp.Lines) != 1 {
		b.Fatalf("open ISD-R: %v %v", resp, err)
	}
	ch := strings.TrimSpace(strings.TrimPrefix(resp.Lines[0], "+CCHO: "))
	cla, _ := strconv.Atoi(ch)
	cmd := fmt.Sprintf(`AT+CGLA=%s,22,"%02XE2910006BF3E035C015A"`, ch, 0x80|cla)
	interleaved(b, func() error {
		resp, err := r.AT.Command(cmd)
		if err == nil && (len(resp.Lines) != 1 || !strings.HasSuffix(resp.Lines[0], `9000"`)) {
			err = fmt.Errorf("GetEID answered %q", resp.Lines)
		}
		return err
	})
}

// BenchmarkPreinstalledSwitchScenario: one whole roaming scenario (2 h of
// simulated time: attach, roam, list request over BIP/TCP, switch, REFRESH,
// re-attach, attach-success) from rig start to artifacts written.
func BenchmarkPreinstalledSwitchScenario(b *testing.B) {
	s := loadFixture(b, "roam-fr-preinstalled.yaml")
	dir := b.TempDir()
	for b.Loop() {
		res := RunScenario(s, Options{Dir: dir, Capture: capture.Tap})
		if !res.OK() {
			b.Fatalf("scenario failed: %v %v", res.Err, res.Mismatches)
		}
	}
}

// BenchmarkDownloadSwitchScenario: one whole claim-2 scenario (roam, list,
// download request, ES9+ mutual authentication over TLS through BIP, bound
// profile package, notifications, switch, re-attach) from rig start to
// artifacts written. It also reports the share of CPU time spent in Go's
// cryptographic primitives (ECDSA, ECDH, AES, SHA-256, HMAC, the TLS
// record's AES-GCM; not crypto/tls's protocol code or socket I/O, nor
// x509's parsing: cryptoshare.Primitive), from a CPU profile of the loop.
func BenchmarkDownloadSwitchScenario(b *testing.B) {
	s := loadFixture(b, "roam-fr-download.yaml")
	dir := b.TempDir()
	// The crypto is the floor here: the rest of the work should cost at
	// most half of it (non-crypto/crypto ≤ 0.5).
	cryptoshare.Loop(b, 400, func() { // ~400 profile samples: fewer move the share by points
		res := RunScenario(s, Options{Dir: dir, Capture: capture.Tap})
		if !res.OK() {
			b.Fatalf("scenario failed: %v %v", res.Err, res.Mismatches)
		}
	})
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
		c0 := cputime.Process()
		start := time.Now()
		res := RunScenario(s, o)
		if !res.OK() {
			b.Fatalf("scenario failed: %v %v", res.Err, res.Mismatches)
		}
		return time.Since(start), cputime.Process() - c0
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
