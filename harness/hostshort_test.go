package harness

import (
	"errors"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/esimhil/esimhil/emulators/modem/stkterm"
	"github.com/esimhil/esimhil/harness/capture"
)

// TestHostShortIsAnError (outside tester t216): under ulimit -n 20 the
// card's channels could not be opened, the card was told its remote
// device is not reachable, and the run was a FAIL of four expectations —
// a verdict on the card for the host's want. It is an error naming the
// cause; a channel the peer refused is still the card's to handle.
func TestHostShortIsAnError(t *testing.T) {
	s := loadFixture(t, "roam-fr-download.yaml")
	for _, tc := range []struct {
		name  string
		err   error
		error bool
	}{
		{"out of descriptors", os.NewSyscallError("socket", syscall.EMFILE), true},
		{"refused", os.NewSyscallError("connect", syscall.ECONNREFUSED), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			channelDial = func(stkterm.Dial) stkterm.Dial {
				return func(network, address string) (net.Conn, error) {
					return nil, &net.OpError{Op: "dial", Net: network, Err: tc.err}
				}
			}
			t.Cleanup(func() { channelDial = func(d stkterm.Dial) stkterm.Dial { return d } })
			res := RunScenario(s, Options{Dir: t.TempDir(), Capture: capture.Tap})
			if !tc.error {
				if res.Err != nil || len(res.Mismatches) == 0 {
					t.Fatalf("verdict %s (%v), want the card's own FAIL", res.Verdict(), res.Err)
				}
				return
			}
			if res.Verdict() != "error" || !errors.Is(res.Err, syscall.EMFILE) || !strings.Contains(res.Err.Error(), "the host ran short of its own resources") {
				t.Fatalf("verdict %s (%v; %v), want an error naming the host's want", res.Verdict(), res.Err, res.Mismatches)
			}
		})
	}
}
