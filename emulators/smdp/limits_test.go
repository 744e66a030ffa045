package smdp

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
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

// A body cut short by the read timeout is answered (408, with SGP.22's
// error envelope) and the answer reaches the card, whatever the write limit: the log
// holds no answer the wire lacks.
func TestSlowBodyAnswered(t *testing.T) {
	const read = 300 * time.Millisecond
	for _, write := range []time.Duration{read, read / 3} {
		t.Run("write "+write.String(), func(t *testing.T) {
			e := newEnvWith(t, func(c *Config) { c.Limits = httpserve.Limits{Read: read, Write: write} })
			c, err := tls.Dial("tcp", e.srv.Addr().String(), e.client.Transport.(*http.Transport).TLSClientConfig)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			fmt.Fprintf(c, "POST %s%s HTTP/1.1\r\nHost: %s\r\nX-Admin-Protocol: %s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"transactionId\":",
				es9.PathPrefix, es9.FnInitiateAuthentication, testHost, es9.AdminProtocol)
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			b, err := io.ReadAll(c)
			if !strings.HasPrefix(string(b), "HTTP/1.1 408 ") || !strings.Contains(string(b), "reading body: not complete within the read timeout") {
				t.Fatalf("answer %q (%v), want the function's error", b, err)
			}
			if reqs, _ := e.srv.Requests(); len(reqs) != 1 || reqs[0].Status != http.StatusRequestTimeout {
				t.Errorf("request log %+v, want the one answer the card saw", reqs)
			}
		})
	}
}
