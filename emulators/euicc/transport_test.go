package euicc

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// testTLSServer is a real loopback HTTPS server whose certificate is issued
// by a CI made here; its handler echoes the request body reversed.
type testTLSServer struct {
	addr    string
	ci      *x509.Certificate
	roots   *x509.CertPool
	suite   chan uint16
	resumed chan bool // each request's connection: a resumed session?
}

func newTestTLSServer(t *testing.T, host string) *testTLSServer {
	t.Helper()
	return newTestTLSServerOn(t, host, elliptic.P256())
}

// newTestTLSServerOn is newTestTLSServer with its certificate's key on
// curve (the CI's stays on P-256).
func newTestTLSServerOn(t *testing.T, host string, curve elliptic.Curve) *testTLSServer {
	t.Helper()
	ciKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ciTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CI", Organization: []string{"esimhil TEST ONLY"}},
		NotBefore: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	ciDER, err := x509.CreateCertificate(rand.Reader, ciTmpl, ciTmpl, &ciKey.PublicKey, ciKey)
	if err != nil {
		t.Fatal(err)
	}
	ci, _ := x509.ParseCertificate(ciDER)
	key, _ := ecdsa.GenerateKey(curve, rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: host},
		NotBefore: ciTmpl.NotBefore, NotAfter: ciTmpl.NotAfter, DNSNames: []string{host},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ci, &key.PublicKey, ciKey)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &testTLSServer{addr: ln.Addr().String(), ci: ci, roots: x509.NewCertPool(), suite: make(chan uint16, 8), resumed: make(chan bool, 8)}
	s.roots.AddCert(ci)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.suite <- r.TLS.CipherSuite
		select {
		case s.resumed <- r.TLS.DidResume:
		default: // a test that does not ask
		}
		body, _ := io.ReadAll(r.Body)
		for i, j := 0, len(body)-1; i < j; i, j = i+1, j-1 {
			body[i], body[j] = body[j], body[i]
		}
		// An SM-DP+'s answer headers (SGP.22 §6.5.1), which the card checks.
		w.Header().Set("X-Admin-Protocol", r.Header.Get("X-Admin-Protocol"))
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		_, _ = w.Write(body)
	}), ErrorLog: log.New(io.Discard, "", 0)}
	cfg := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, Time: func() time.Time { return testNow }}
	go func() { _ = srv.Serve(tls.NewListener(ln, cfg)) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// pump plays the BIP channel with a real socket: it resumes the coroutine,
// writes its output, and feeds back what the socket returns in reads of
// the given sizes (cycled), so the protocol sees arbitrary segmenting.
func pump(t *testing.T, addr string, co *coroutine, sizes []int) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	var in []byte
	eof := false
	for i := 0; !co.done; i++ {
		out := co.resume(in, eof)
		in = nil
		if len(out) > 0 {
			if _, err := conn.Write(out); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if co.done {
			break
		}
		buf := make([]byte, sizes[i%len(sizes)])
		n, err := conn.Read(buf)
		in = buf[:n]
		if err != nil {
			eof = true
		}
	}
}

func TestTransportHTTPSOverChunks(t *testing.T) {
	const host = "smdp.sfr.test"
	srv := newTestTLSServer(t, host)
	body := bytes.Repeat([]byte("0123456789abcdef"), 300) // several TLS records
	want := bytes.Clone(body)
	for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 {
		want[i], want[j] = want[j], want[i]
	}
	for _, sizes := range [][]int{{1}, {7, 200, 3}, {237}, {4096}} {
		var keylog bytes.Buffer
		var rep httpReply
		h := http.Header{}
		h.Set("X-Admin-Protocol", "gsma/rsp/v2.2.0")
		req := httpRequest{Host: host, Path: "/gsma/rsp2/es9plus/initiateAuthentication", Header: h, Body: body}
		co := newCoroutine(roundTrip(req, &tlsParams{Roots: srv.roots, Now: func() time.Time { return testNow }, KeyLog: &keylog}, &rep))
		pump(t, srv.addr, co, sizes)
		if co.err != nil {
			t.Fatalf("sizes %v: %v", sizes, co.err)
		}
		if rep.Status != 200 || !bytes.Equal(rep.Body, want) || rep.Header.Get("X-Admin-Protocol") != "gsma/rsp/v2.2.0" {
			t.Fatalf("sizes %v: reply %d %q", sizes, rep.Status, rep.Header)
		}
		if s := <-srv.suite; s != tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 {
			t.Fatalf("cipher suite %04X", s)
		}
		if !strings.HasPrefix(keylog.String(), "CLIENT_RANDOM ") {
			t.Fatalf("key log %q", keylog.String())
		}
	}
}

// The card resumes a session from its cache (RFC 5077 ticket) and logs
// the resumed connection's client random with the session's master
// secret, which crypto/tls logs for full handshakes only; a cache lost
// (a reset) means a full handshake again.
func TestTransportResumesSessions(t *testing.T) {
	const host = "smdp.sfr.test"
	srv := newTestTLSServer(t, host)
	var keylog bytes.Buffer
	connect := func(cache *tlsSessions) (resumed bool, line []string) {
		t.Helper()
		keylog.Reset()
		var rep httpReply
		req := httpRequest{Host: host, Path: "/x", Body: []byte("abc")}
		co := newCoroutine(roundTrip(req, &tlsParams{Roots: srv.roots, Now: func() time.Time { return testNow }, KeyLog: &keylog, Sessions: cache}, &rep))
		pump(t, srv.addr, co, []int{4096})
		if co.err != nil || rep.Status != 200 || string(rep.Body) != "cba" {
			t.Fatalf("exchange: %v, reply %d %q", co.err, rep.Status, rep.Body)
		}
		<-srv.suite
		f := strings.Fields(keylog.String())
		if len(f) != 3 || f[0] != "CLIENT_RANDOM" {
			t.Fatalf("key log %q: want one CLIENT_RANDOM line", keylog.String())
		}
		return <-srv.resumed, f
	}
	var cache tlsSessions
	full, first := connect(&cache)
	again, second := connect(&cache)
	if full || !again {
		t.Fatalf("resumed: first connection %v, second %v; want false, true", full, again)
	}
	if second[1] == first[1] || second[2] != first[2] {
		t.Errorf("resumed session's key log line %q: want a new client random with the master secret of %q", second, first)
	}
	if resumed, _ := connect(&tlsSessions{}); resumed {
		t.Error("a card reset (cache lost) resumed a session")
	}
	if resumed, _ := connect(nil); resumed {
		t.Error("a card without a cache resumed a session")
	}
}

func TestTransportTLSRefusals(t *testing.T) {
	const host = "smdp.sfr.test"
	srv := newTestTLSServer(t, host)
	other := newTestTLSServer(t, host) // same name, another CI
	p384 := newTestTLSServerOn(t, host, elliptic.P384())
	tests := []struct {
		name  string
		at    *testTLSServer // nil: srv
		host  string
		roots *x509.CertPool
		now   time.Time
		want  string
	}{
		{"wrong host name", nil, "smdp.other.test", srv.roots, testNow, "not smdp.other.test"},
		{"unknown CI", nil, host, other.roots, testNow, "unknown authority"},
		{"expired at virtual now", nil, host, srv.roots, time.Date(2037, 1, 1, 0, 0, 0, 0, time.UTC), "expired"},
		// SGP.22 §2.6.6: the card's TLS is on P-256, whatever Go's
		// client would otherwise accept.
		{"a server key on P-384", p384, host, p384.roots, testNow, "server certificate CN=smdp.sfr.test has an ECDSA key on P-384"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rep httpReply
			req := httpRequest{Host: tt.host, Path: "/x", Body: []byte("{}")}
			co := newCoroutine(roundTrip(req, &tlsParams{Roots: tt.roots, Now: func() time.Time { return tt.now }}, &rep))
			at := srv
			if tt.at != nil {
				at = tt.at
			}
			pump(t, at.addr, co, []int{512})
			if co.err == nil || !strings.Contains(co.err.Error(), tt.want) || !strings.HasPrefix(co.err.Error(), "tls handshake: ") {
				t.Fatalf("error %v, want %q", co.err, tt.want)
			}
		})
	}
}

// TestCoroutineAbort: an abandoned exchange ends its goroutine, and a reply
// cut short by the peer is an error, not a hang.
func TestCoroutineAbort(t *testing.T) {
	var rep httpReply
	co := newCoroutine(roundTrip(httpRequest{Host: "p", Path: "/"}, nil, &rep))
	if out := co.resume(nil, false); !bytes.HasPrefix(out, []byte("POST / HTTP/1.1\r\n")) {
		t.Fatalf("request %q", out)
	}
	co.abort()
	if !co.done || co.err == nil {
		t.Fatalf("after abort: done %v err %v", co.done, co.err)
	}
	co = newCoroutine(roundTrip(httpRequest{Host: "p", Path: "/"}, nil, &rep))
	co.resume(nil, false)
	co.resume([]byte("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc"), false)
	if co.done {
		t.Fatal("done before the body was complete")
	}
	co.resume(nil, true)
	if !co.done || co.err == nil || !strings.Contains(co.err.Error(), "unexpected EOF") {
		t.Fatalf("truncated body: done %v err %v", co.done, co.err)
	}
}
