package stall

import (
	"errors"
	"io"
	"net"
	"os"
	"strings"
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

// A Conn half-closes what it wraps when that can (the peer reads the end
// and still answers), and says which connection cannot.
func TestConnCloseWrite(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	served := make(chan error, 1)
	go func() {
		s, err := ln.Accept()
		if err != nil {
			served <- err
			return
		}
		defer s.Close()
		if _, err := io.ReadAll(s); err != nil { // to our end
			served <- err
			return
		}
		_, err = s.Write([]byte("ok"))
		served <- err
	}()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c := NewConn(raw, nil)
	defer c.Close()
	if err := c.CloseWrite(); err != nil {
		t.Fatalf("CloseWrite of a TCP connection: %v", err)
	}
	got, err := io.ReadAll(c)
	if err := <-served; err != nil {
		t.Fatalf("peer: %v", err)
	}
	if err != nil || string(got) != "ok" {
		t.Fatalf("answer after the half-close %q, %v; want ok", got, err)
	}

	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	err = NewConn(a, nil).CloseWrite()
	if !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), "*net.pipe") {
		t.Fatalf("CloseWrite of a pipe: %v, want ErrUnsupported naming *net.pipe", err)
	}
}
