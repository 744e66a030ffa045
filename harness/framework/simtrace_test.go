package framework

import (
	"bytes"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/lab"
)

type nopSink struct{}

func (nopSink) WriteDatagramAfterLoss(time.Time, netip.AddrPort, netip.AddrPort, []byte, int, int) error {
	return nil
}

// A taken SIMtrace port (outside tester t136 F3): on the default address
// the run goes on without a receiver, saying why on the console, once,
// and giving the reason for at.log; an address given is the run's error.
func TestSIMTracePortTaken(t *testing.T) {
	held, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	taken := "udp://" + held.LocalAddr().String()
	for _, tc := range []struct {
		name     string
		explicit bool
		runs     int
		err      bool
		console  int // warnings on the console
	}{
		{"the default address", false, 2, false, 1},
		{"an address given", true, 1, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var console bytes.Buffer
			noSIMTraceOnce, labConsole = sync.Once{}, &console
			defer func() { noSIMTraceOnce, labConsole = sync.Once{}, nil }()
			for range tc.runs {
				rx, none, err := startReceiver(taken, tc.explicit, nopSink{})
				if rx != nil {
					rx.Close()
					t.Fatal("listening on a taken port")
				}
				if (err != nil) != tc.err {
					t.Errorf("error %v, want one: %v", err, tc.err)
				}
				if !tc.err && (!strings.Contains(none, "address already in use") || !strings.Contains(none, LabSIMTraceEnv+"=off to go without")) {
					t.Errorf("why there is no receiver: %q", none)
				}
			}
			if n := strings.Count(console.String(), "esimhil lab: warning: no SIMtrace receiver"); n != tc.console || (n > 0 && !strings.Contains(console.String(), "address already in use")) {
				t.Errorf("%d console warnings, want %d:\n%s", n, tc.console, console.String())
			}
		})
	}
}

// A spec that needs a SIMtrace2 in a lab that declares one fails with
// why the run has no receiver, not on the address missing later.
func TestNeedsSIMTraceUnmet(t *testing.T) {
	needs := []string{"env:lab", "needs:simtrace"}
	bind := "SIMtrace receiver on udp://0.0.0.0:4729: listen udp 0.0.0.0:4729: bind: address already in use (ESIMHIL_LAB_SIMTRACE=off to go without, or another address)"
	for _, tc := range []struct {
		name   string
		labels []string
		cfg    lab.Config
		want   string // "" for met
	}{
		{"listening", needs, lab.Config{SIMTrace: netip.MustParseAddrPort("[::]:4729")}, ""},
		{"not needed", []string{"env:lab"}, lab.Config{NoSIMTrace: bind}, ""},
		{"its port taken", needs, lab.Config{NoSIMTrace: bind}, "the spec needs a SIMtrace2 (ESIMHIL_LAB_HAS=simtrace), but the run has no receiver: " + bind},
		{"turned off", needs, lab.Config{}, "but the run has no receiver: ESIMHIL_LAB_SIMTRACE=off"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := needsSIMTraceUnmet(tc.labels, tc.cfg)
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("%q, want %q", got, tc.want)
			}
		})
	}
}
