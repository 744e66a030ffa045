package stall

import (
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/stall/stalltest"
)

// A Conn's deadlines count only the time the process ran: a peer that
// answers (or reads) past the deadline in wall time, but within it once
// a stop is taken off, is heard; a deadline in the past stays past.
func TestConn(t *testing.T) {
	const peerAfter = 300 * time.Millisecond
	tests := []struct {
		name     string
		write    bool          // a write waits for the peer's read, else a read for its write
		deadline time.Duration // from the operation's start
		stopped  time.Duration // 50 ms into it
		wantErr  bool
	}{
		{"read past its deadline", false, 100 * time.Millisecond, 0, true},
		{"read past its deadline, stopped 1 s meanwhile", false, 100 * time.Millisecond, time.Second, false},
		{"read past its deadline, stopped too briefly", false, 100 * time.Millisecond, 50 * time.Millisecond, true},
		{"read with a deadline already past, stopped", false, -time.Second, time.Second, true},
		{"write past its deadline", true, 100 * time.Millisecond, 0, true},
		{"write past its deadline, stopped 1 s meanwhile", true, 100 * time.Millisecond, time.Second, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := net.Pipe() // synchronous: a write waits for the read
			defer a.Close()
			defer b.Close()
			c := NewConn(a, stalltest.StopIn(50*time.Millisecond, tc.stopped))
			peer := time.AfterFunc(peerAfter, func() {
				if tc.write {
					io.ReadFull(b, make([]byte, 2))
				} else {
					b.Write([]byte("ok"))
				}
			})
			defer peer.Stop()
			var err error
			if tc.write {
				c.SetWriteDeadline(time.Now().Add(tc.deadline))
				_, err = c.Write([]byte("ok"))
			} else {
				c.SetReadDeadline(time.Now().Add(tc.deadline))
				_, err = c.Read(make([]byte, 2))
			}
			if tc.wantErr != (err != nil) || err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("error %v, want the deadline's: %v", err, tc.wantErr)
			}
		})
	}
}
