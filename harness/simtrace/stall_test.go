package simtrace

import (
	"net"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/stall/stalltest"
)

// The receiver's drain at Close is quiet for drainQuiet of the time the
// process ran: a datagram sent after it in wall time, but within it once
// a stop of the process is taken off, is read, not left in the socket
// (t192).
func TestDrainCountsRunningTime(t *testing.T) {
	tests := []struct {
		name    string
		stopped time.Duration // 20 ms into the drain
		want    int           // datagrams received
	}{
		{"a datagram past the quiet", 0, 0},
		{"a datagram past the quiet, stopped 1 s meanwhile", time.Second, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sess, _, _ := labCapture(t)
			rx, err := Listen("udp://127.0.0.1:0", sess)
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Close()
			c, err := net.Dial("udp", rx.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			rx.stalls = stalltest.StopIn(20*time.Millisecond, tc.stopped)
			send := time.AfterFunc(3*drainQuiet, func() { c.Write([]byte("not GSMTAP")) })
			defer send.Stop()
			if err := rx.Close(); err != nil {
				t.Fatal(err)
			}
			if got := rx.Stats().Received; got != tc.want {
				t.Errorf("received %d, want %d", got, tc.want)
			}
		})
	}
}
