//go:build unix

package capture

import (
	"net"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The drain at a server's close takes what the receive queue held, not
// what a client still sending puts into the room each read makes: a bare
// close would have cut that off with its RST. With a client writing
// without pause, the drain stays within the socket's receive buffer (a
// drain until the queue stays empty read on for as long as the client
// kept up).
func TestDrainUnreadStopsAtTheQueue(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	stop := make(chan struct{})
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		buf := make([]byte, 64<<10)
		for {
			select {
			case <-stop:
				return
			default:
			}
			c.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
			c.Write(buf)
		}
	}()
	defer func() { close(stop); <-wrote }()
	raw, err := s.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	rcvbuf := 0
	for deadline := time.Now().Add(10 * time.Second); rcvbuf == 0; { // the queue filled, then its limit
		if time.Now().After(deadline) {
			t.Fatal("the server's receive queue never held 64 KiB")
		}
		raw.Control(func(fd uintptr) {
			if q, _ := unix.IoctlGetInt(int(fd), inq); q >= 64<<10 {
				rcvbuf, _ = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF)
			}
		})
		runtime.Gosched()
	}
	got, err := drainUnread(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || len(got) > rcvbuf {
		t.Errorf("drained %d bytes; the queue holds at most SO_RCVBUF %d", len(got), rcvbuf)
	}
}
