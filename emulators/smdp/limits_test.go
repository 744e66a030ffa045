package smdp

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/httpserve"
	"github.com/esimhil/esimhil/internal/proto/es9"
)

// A client that opens a connection and says nothing (no TLS ClientHello)
// is closed after the header timeout; one that idles after a request after
// the idle timeout; the SM-DP+ keeps serving (issue 9 §3: 19,900 idle
// connections held).
func TestServerLimits(t *testing.T) {
	e := newEnvWith(t, func(c *Config) {
		c.Limits = httpserve.Limits{ReadHeader: 200 * time.Millisecond, Idle: 200 * time.Millisecond}
	})
	silent, err := net.Dial("tcp", e.srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	silent.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = io.ReadAll(silent)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("a silent connection is still open after 5 s")
	}
	code, m, err := e.card(testEID, "").initiate()
	mustOK(t, "initiateAuthentication after the timeout", code, m, err)
}

// The SM-DP+ keeps its own log of the requests that reached it: method,
// path, status and the body's hash, for matching against a capture.
func TestRequestLog(t *testing.T) {
	e := newEnv(t)
	code, m, err := e.card(testEID, "").initiate()
	mustOK(t, "initiateAuthentication", code, m, err)
	e.post("nope", []byte(`{}`))
	reqs, dropped := e.srv.Requests()
	if dropped != 0 || len(reqs) != 2 {
		t.Fatalf("requests %+v dropped %d", reqs, dropped)
	}
	if r := reqs[0]; r.Method != "POST" || r.Path != es9.PathPrefix+es9.FnInitiateAuthentication || r.Status != 200 || r.BodySHA256 == "" || r.Index != 0 {
		t.Errorf("first request %+v", r)
	}
	if r := reqs[1]; r.Status != 404 || r.BodySHA256 != "" {
		t.Errorf("unknown function %+v (its body is never read)", r)
	}
}
