package httpserve

import (
	"errors"
	"net"
	"runtime"
	"syscall"
	"testing"
)

// A held port refuses connections like a closed one, cannot be taken by
// another listener, and is listened on again by its owner.
func TestHoldKeepsThePort(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("ports are held on Linux only")
	}
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ap := ln.Addr().(*net.TCPAddr).AddrPort()
	h, err := Hold(ap)
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	if c, err := net.Dial("tcp", ap.String()); !errors.Is(err, syscall.ECONNREFUSED) {
		if c != nil {
			c.Close()
		}
		t.Fatalf("dial a held port: %v, want connection refused", err)
	}
	if other, err := net.Listen("tcp", ap.String()); err == nil {
		other.Close()
		t.Fatal("a plain listener took the held port")
	}
	again, err := Listen(ap.String())
	if err != nil {
		t.Fatalf("owner listens again: %v", err)
	}
	defer again.Close()
	if err := h.Release(); err != nil {
		t.Fatal(err)
	}
	if err := h.Release(); err != nil { // once only
		t.Fatal(err)
	}
	go func() {
		if c, err := again.Accept(); err == nil {
			c.Close()
		}
	}()
	c, err := net.Dial("tcp", ap.String())
	if err != nil {
		t.Fatalf("dial after listening again: %v", err)
	}
	c.Close()
}
