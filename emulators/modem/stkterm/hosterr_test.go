package stkterm

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"syscall"
	"testing"

	"github.com/esimhil/esimhil/internal/codec/stk"
)

// TestHostError (outside tester t216): under ulimit -n a run's card was
// told "remote device is not reachable" and the run failed its
// expectations, as if the network had refused: a dial that failed for
// want of the host's own resources is kept apart (HostError), so the rig
// can make the run an error; a peer's refusal or a timeout is not the
// host's.
func TestHostError(t *testing.T) {
	addr := netip.MustParseAddrPort("127.0.0.1:9")
	for _, tc := range []struct {
		name string
		err  error
		host bool
	}{
		{"out of descriptors", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("socket", syscall.EMFILE)}, true},
		{"system out of files", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("socket", syscall.ENFILE)}, true},
		{"out of local ports", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.EADDRNOTAVAIL)}, true},
		{"out of buffers", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("socket", syscall.ENOBUFS)}, true},
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, false},
		{"timed out", &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.term.WrapDial(func(Dial) Dial {
				return func(string, string) (net.Conn, error) { return nil, tc.err }
			})
			r.card.push(stk.NewOpenChannel(1, addr, 1000))
			r.start(t)
			var got, link error
			r.loop.Do(func() { got, link = r.term.HostError(), r.term.LinkError() })
			if tr := r.card.trs[0]; tr.Result.String() != result(0x3A, stk.BIPRemoteNotReachable).String() {
				t.Errorf("result %s, want the card told its remote device is not reachable", tr.Result)
			}
			if !tc.host {
				if got != nil || link != nil {
					t.Fatalf("HostError %v, LinkError %v, want none: not the host's failure", got, link)
				}
				return
			}
			want := "the host ran short of its own resources, not the network: open channel to 127.0.0.1:9: " + tc.err.Error()
			if !errors.Is(got, tc.err) || !errors.Is(got, ErrHostShort) || got.Error() != want || link != got {
				t.Fatalf("HostError %v, LinkError %v, want %q", got, link, want)
			}
		})
	}
}
