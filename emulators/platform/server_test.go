package platform

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/httpserve"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// post sends one HTTP/1.1 request with Connection: close over a raw TCP
// connection and reads until EOF, as the emulated modem's BIP channel does.
func post(t *testing.T, addr, path, body string) (string, error) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	req := "POST " + path + " HTTP/1.1\r\nHost: platform\r\nContent-Type: application/json\r\nConnection: close\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	if _, err := io.WriteString(c, req); err != nil {
		return "", err
	}
	b, err := io.ReadAll(c) // returns only at EOF: the server must close
	return string(b), err
}

func TestServeOverTCPClosesAfterAnswer(t *testing.T) {
	s, _ := newTestServer(t, nil)
	if err := s.Start("127.0.0.1:0", nil); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	raw, err := post(t, s.Addr().String(), platformapi.PathPreferredList, listBody("20801", ""))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(raw, "HTTP/1.1 200 OK\r\n") || !strings.Contains(raw, "Content-Type: application/json\r\n") ||
		!strings.Contains(raw, `"operators":[{"id":"sfr"`) {
		t.Errorf("answer:\n%s", raw)
	}
}

func TestSetReachable(t *testing.T) {
	s, _ := newTestServer(t, nil)
	if err := s.SetReachable(true); err == nil {
		t.Error("SetReachable before Start succeeded")
	}
	wrapped := 0
	if err := s.Start("127.0.0.1:0", func(l net.Listener) net.Listener { wrapped++; return l }); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	addr := s.Addr()
	if err := s.Start("127.0.0.1:0", nil); err == nil {
		t.Error("second Start succeeded")
	}

	if err := s.SetReachable(false); err != nil {
		t.Fatal(err)
	}
	_, err := post(t, addr.String(), platformapi.PathNotifications, `{}`)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("unreachable platform: err %v, want connection refused", err)
	}
	// The port stays the platform's while it is down: nothing else (another
	// rig's server, say) can listen there and answer its cards.
	if ln, err := net.Listen("tcp", addr.String()); err == nil {
		ln.Close()
		t.Fatal("another listener took the unreachable platform's port")
	}

	if err := s.SetReachable(true); err != nil {
		t.Fatal(err)
	}
	if err := s.SetReachable(true); err != nil { // idempotent
		t.Fatal(err)
	}
	if s.Addr() != addr {
		t.Errorf("address changed: %v → %v", addr, s.Addr())
	}
	if wrapped != 2 {
		t.Errorf("wrap called %d times, want 2 (start and relisten)", wrapped)
	}
	raw, err := post(t, addr.String(), platformapi.PathNotifications, `{"eid":"`+testEID+`","kind":"list-exhausted"}`)
	if err != nil || !strings.HasPrefix(raw, "HTTP/1.1 200") {
		t.Fatalf("after SetReachable(true): %v\n%s", err, raw)
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get("http://" + addr.String() + platformapi.PathInspect); err == nil {
		t.Error("closed server still answers")
	}
	if err := s.SetReachable(true); err == nil {
		t.Error("SetReachable after Close succeeded")
	}
}

// A body slower than the read timeout gets 408 with a JSON reason, and the
// platform goes on serving (issue 9 §3: slow bodies held indefinitely).
// The 408 its log records reaches the client whatever the write limit: the
// write deadline net/http set when the headers arrived runs out with the
// read timeout, and the answer gets a window of its own.
func TestSlowBodyTimesOut(t *testing.T) {
	const read = 300 * time.Millisecond
	tests := []struct {
		name  string
		write time.Duration
	}{
		{"default write limit", 0},
		{"write limit equal to the read limit", read},
		{"write limit shorter than the read limit", read / 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newTestServer(t, func(c *Config) { c.Limits = httpserve.Limits{Read: read, Write: tc.write} })
			if err := s.Start("127.0.0.1:0", nil); err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			c, err := net.Dial("tcp", s.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			io.WriteString(c, "POST "+platformapi.PathPreferredList+" HTTP/1.1\r\nHost: platform\r\nContent-Length: 500\r\n\r\n{\"eid\":")
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			b, err := io.ReadAll(c)
			if err != nil {
				t.Fatalf("read: %v (got %q)", err, b)
			}
			if !strings.HasPrefix(string(b), "HTTP/1.1 408 ") || !strings.Contains(string(b), `{"error":"reading body: not complete within the read timeout"}`) {
				t.Errorf("answer:\n%s", b)
			}
			if got := s.Received(); len(got) != 1 || got[0].Status != http.StatusRequestTimeout || got[0].BodySize != len(`{"eid":`) {
				t.Errorf("request log %+v, want the one 408 the client saw", got)
			}
			if raw, err := post(t, s.Addr().String(), platformapi.PathPreferredList, listBody("20801", "")); err != nil || !strings.HasPrefix(raw, "HTTP/1.1 200 ") {
				t.Errorf("next request: %v %q", err, raw)
			}
		})
	}
}

// Requests net/http refuses before the platform sees them get net/http's
// own text/plain answers (docs/platform-api.md, "Answers from the HTTP
// layer"), and leave no entry in the platform's request log.
func TestHTTPLayerAnswers(t *testing.T) {
	tests := []struct {
		name, request string
		status        string // status line after "HTTP/1.1 "
		textPlain     bool
	}{
		{"garbage request line", "FOO BAR\r\n\r\n", "400 Bad Request", true},
		{"negative Content-Length", "POST /v1/preferred-list HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", "400 Bad Request", true},
		{"no Host", "GET /v1/inspect/received HTTP/1.1\r\n\r\n", "400 Bad Request: missing required Host header", true},
		{"headers over 32 KiB", "GET /v1/inspect/received HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 40<<10) + "\r\n\r\n", "431 Request Header Fields Too Large", true},
		{"unknown transfer coding", "POST /v1/preferred-list HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", "501 Not Implemented", true},
		{"HTTP/2.0 request line", "GET /v1/inspect/received HTTP/2.0\r\nHost: x\r\n\r\n", "505 HTTP Version Not Supported: unsupported protocol version", true},
		{"unknown expectation", "GET /v1/inspect/received HTTP/1.1\r\nHost: x\r\nExpect: foo\r\n\r\n", "417 Expectation Failed", false},
	}
	s, _ := newTestServer(t, nil)
	if err := s.Start("127.0.0.1:0", nil); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", s.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			io.WriteString(c, tc.request)
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			b, _ := io.ReadAll(c) // the 431 ends in a reset once written
			head, _, _ := strings.Cut(string(b), "\r\n\r\n")
			if !strings.HasPrefix(head, "HTTP/1.1 "+tc.status+"\r\n") || !strings.Contains(head, "\r\nConnection: close") ||
				strings.Contains(head, "Content-Type: text/plain; charset=utf-8") != tc.textPlain || strings.Contains(head, "application/json") {
				t.Errorf("answer %q", b)
			}
		})
	}
	if got := s.Received(); len(got) != 0 {
		t.Errorf("the platform logged requests it never saw: %+v", got)
	}
}
