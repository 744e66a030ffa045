package httpserve

import (
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"syscall"
	"testing"
)

// An endpoint made unreachable refuses connections like a closed port,
// keeps the port from any other listener, serves again on it, and is done
// after Close.
func TestEndpointKeepsItsPort(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "up") })
	e, err := Listen("127.0.0.1:0", ok, Limits{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ap := e.Addr()
	get := func() error {
		r, err := http.Get("http://" + ap.String() + "/")
		if err == nil {
			r.Body.Close()
		}
		return err
	}
	if err := get(); err != nil {
		t.Fatalf("reachable: %v", err)
	}
	for range 2 { // the second is a no-op
		if err := e.SetReachable(false); err != nil {
			t.Fatal(err)
		}
	}
	if err := get(); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("unreachable: %v, want connection refused", err)
	}
	if runtime.GOOS == "linux" {
		if other, err := net.Listen("tcp", ap.String()); err == nil {
			other.Close()
			t.Fatal("another listener took the unreachable endpoint's port")
		}
	}
	if err := e.SetReachable(true); err != nil {
		t.Fatal(err)
	}
	if e.Addr() != ap {
		t.Fatalf("address moved: %v → %v", ap, e.Addr())
	}
	if err := get(); err != nil {
		t.Fatalf("reachable again: %v", err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.SetReachable(true); err == nil {
		t.Fatal("SetReachable after Close succeeded")
	}
	if err := get(); err == nil {
		t.Fatal("closed endpoint still answers")
	}
}

// A fixed port another endpoint (or anyone) listens on is refused, not
// shared through SO_REUSEPORT: two servers on one port would each get a
// share of the connections. The port is free again after Close.
func TestEndpointRefusesAPortInUse(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "up") })
	first, err := Listen("127.0.0.1:0", ok, Limits{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	addr := first.Addr().String()
	if second, err := Listen(addr, ok, Limits{}, nil, nil); !errors.Is(err, syscall.EADDRINUSE) {
		if second != nil {
			second.Close()
		}
		t.Fatalf("second endpoint on %s: %v, want address in use", addr, err)
	}
	if err := first.SetReachable(false); err != nil {
		t.Fatal(err)
	}
	if second, err := Listen(addr, ok, Limits{}, nil, nil); !errors.Is(err, syscall.EADDRINUSE) {
		if second != nil {
			second.Close()
		}
		t.Fatalf("second endpoint on the held port %s: %v, want address in use", addr, err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := Listen(addr, ok, Limits{}, nil, nil)
	if err != nil {
		t.Fatalf("the port after Close: %v", err)
	}
	again.Close()
}
