package httpserve

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// serveTLS is serve over TLS (a self-signed certificate), as the SM-DP+
// and an HTTPS platform are served: the TLS listener wraps the capped one.
func serveTLS(t *testing.T, l Limits, h http.HandlerFunc) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "x"}, DNSNames: []string{"x"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := Serve(ln, h, l, func(l net.Listener) net.Listener { return tls.NewListener(l, cfg) })
	t.Cleanup(func() { s.Close() })
	return ln.Addr().String()
}

// dialAs connects to addr in clear or over TLS (trusting any certificate:
// the server's answers are under test, not its name).
func dialAs(t *testing.T, addr string, overTLS bool) net.Conn {
	t.Helper()
	c := dial(t, addr)
	if !overTLS {
		return c
	}
	tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true, ServerName: "x"})
	if err := tc.Handshake(); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	return tc
}

// A request whose line or headers are still arriving when the header
// timeout runs out gets no answer: the connection is closed, on a new
// connection or a kept-alive one, in clear or over TLS. net/http answered
// "400 Bad Request" in plain text to a request line cut so (its reader
// hands the part as a whole line): a slow client told its request is bad
// (outside tester t71, F5). A request line that does not parse, sent
// whole, still gets net/http's 400, on a kept-alive connection too.
func TestSlowHeadersGetNoAnswer(t *testing.T) {
	short := Limits{ReadHeader: 200 * time.Millisecond, Read: time.Second, Idle: time.Second}
	tests := []struct {
		name      string
		keptAlive bool   // a first request answered on the connection before
		send      string // and nothing more
		want      string // the answer's start; "" none
	}{
		{"part of a method", false, "P", ""},
		{"part of a request line", false, "POST /v1/n", ""},
		{"a request line without its end", false, "POST /v1/notifications HTTP/1.1", ""},
		{"part of the headers", false, "POST / HTTP/1.1\r\nHost: x\r\nX-A: 1", ""},
		{"part of a request line, kept alive", true, "POST /v1/n", ""},
		{"a request line that does not parse", false, "FOO\r\n\r\n", "HTTP/1.1 400 Bad Request"},
		{"a request line that does not parse, kept alive", true, "FOO\r\n\r\n", "HTTP/1.1 400 Bad Request"},
	}
	for _, overTLS := range []bool{false, true} {
		for _, tc := range tests {
			name := tc.name
			if overTLS {
				name += ", TLS"
			}
			t.Run(name, func(t *testing.T) {
				var addr string
				if overTLS {
					addr = serveTLS(t, short, ok)
				} else {
					addr, _ = serve(t, short, ok)
				}
				c := dialAs(t, addr, overTLS)
				if tc.keptAlive {
					fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
					resp, err := http.ReadResponse(bufio.NewReader(c), nil)
					if err != nil || resp.StatusCode != 200 {
						t.Fatalf("first request: %v %v", resp, err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				fmt.Fprint(c, tc.send)
				got := closedWithin(t, c, 5*time.Second)
				switch {
				case tc.want == "" && got != "":
					t.Fatalf("answered %q, want the connection closed with no answer", got)
				case tc.want != "" && !strings.HasPrefix(got, tc.want):
					t.Fatalf("answered %q, want %q…", got, tc.want)
				}
			})
		}
	}
}

// A request with a chunked body is answered with "Connection: close" and
// its connection closed: one with both Transfer-Encoding and
// Content-Length must be (RFC 9112 §6.3), and net/http hides the
// Content-Length from the handler. One with a Content-Length alone keeps
// its connection (outside tester t71, F11).
func TestChunkedRequestClosesTheConnection(t *testing.T) {
	tests := []struct {
		name    string
		headers string
		body    string
		closed  bool
	}{
		{"Content-Length and chunked", "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n", "2\r\nok\r\n0\r\n\r\n", true},
		{"chunked and Content-Length", "Transfer-Encoding: chunked\r\nContent-Length: 40\r\n", "2\r\nok\r\n0\r\n\r\n", true},
		{"chunked", "Transfer-Encoding: chunked\r\n", "2\r\nok\r\n0\r\n\r\n", true},
		{"Content-Length", "Content-Length: 2\r\n", "ok", false},
	}
	for _, overTLS := range []bool{false, true} {
		for _, tc := range tests {
			name := tc.name
			if overTLS {
				name += ", TLS"
			}
			t.Run(name, func(t *testing.T) {
				var addr string
				l := Limits{Idle: time.Minute}
				if overTLS {
					addr = serveTLS(t, l, ok)
				} else {
					addr, _ = serve(t, l, ok)
				}
				c := dialAs(t, addr, overTLS)
				fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\n%s\r\n%s", tc.headers, tc.body)
				br := bufio.NewReader(c)
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				resp, err := http.ReadResponse(br, nil)
				if err != nil || resp.StatusCode != 200 {
					t.Fatalf("answer: %v %v", resp, err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.Close != tc.closed { // "Connection: close" (ReadResponse takes it out of Header)
					t.Errorf("answer says Connection: close %v, want %v", resp.Close, tc.closed)
				}
				if !tc.closed {
					// Kept: a second request is answered on it.
					fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
					if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != 200 {
						t.Fatalf("second request: %v %v", resp, err)
					}
					return
				}
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
					t.Fatalf("after the answer: %q, %v; want the connection closed", rest, err)
				}
			})
		}
	}
}

// Requests net/http would answer by itself reach the server's handler,
// which answers them in its API's terms and logs them: OPTIONS * (net/http
// answered a bodiless 200 that no server's log held: outside tester t71,
// F6).
func TestRequestsReachTheHandler(t *testing.T) {
	tests := []struct{ name, line, method, path string }{
		{"OPTIONS *", "OPTIONS * HTTP/1.1", "OPTIONS", "*"},
		{"OPTIONS of a path", "OPTIONS /x HTTP/1.1", "OPTIONS", "/x"},
		{"HEAD", "HEAD /x HTTP/1.1", "HEAD", "/x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr, _ := serve(t, Limits{}, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Seen", r.Method+" "+r.URL.Path)
				w.WriteHeader(http.StatusTeapot)
			})
			c := dial(t, addr)
			fmt.Fprint(c, tc.line+"\r\nHost: x\r\nConnection: close\r\n\r\n")
			resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: tc.method})
			if err != nil {
				t.Fatal(err)
			}
			if want := tc.method + " " + tc.path; resp.StatusCode != http.StatusTeapot || resp.Header.Get("X-Seen") != want {
				t.Errorf("answered %d, handler saw %q; want the handler's 418 for %q", resp.StatusCode, resp.Header.Get("X-Seen"), want)
			}
		})
	}
}
