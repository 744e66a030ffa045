package capture

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopacket/gopacket"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/internal/proto/es9"
	"github.com/esimhil/esimhil/internal/tsharktest"
)

// tlsRecord is a TLS 1.2 record (RFC 5246 §6.2.1) of type typ around body.
func tlsRecord(typ byte, body string) []byte {
	return append([]byte{typ, 3, 3, byte(len(body) >> 8), byte(len(body))}, body...)
}

func cat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }

// A flow's steps: the client's bytes as one Read of the server's, the
// server's as one Write, or an event the server logs (its handler's, or
// its key-log line, which the file must have before the Finished).
type flowStep struct {
	client, server []byte
	event          bool
}

func fromClient(bs ...[]byte) flowStep { return flowStep{client: cat(bs...)} }
func fromServer(bs ...[]byte) flowStep { return flowStep{server: cat(bs...)} }

var logged = flowStep{event: true}

// The records of the handshakes below, each tagged so its frame is found.
var (
	clientHello = tlsRecord(recHandshake, "client hello")
	// helloLikeCCS is a ClientHello whose random holds the bytes of a
	// ChangeCipherSpec record, as one in 2^48 does.
	helloLikeCCS = tlsRecord(recHandshake, "client hello \x14\x03\x03\x00\x01\x01 random")
	serverFull   = cat(tlsRecord(recHandshake, "server hello, certificate, key exchange, done"))
	serverResume = cat(tlsRecord(recHandshake, "server hello, new session ticket"), tlsRecord(recChangeCipherSpec, "\x01"), tlsRecord(recHandshake, "server finished"))
	serverCCSFin = cat(tlsRecord(recHandshake, "new session ticket"), tlsRecord(recChangeCipherSpec, "\x01"), tlsRecord(recHandshake, "server finished"))
	keyExchange  = tlsRecord(recHandshake, "client key exchange")
	clientCCS    = tlsRecord(recChangeCipherSpec, "\x01")
	clientFin    = tlsRecord(recHandshake, "client finished")
	request      = tlsRecord(recApplicationData, "POST getBoundProfilePackage")
	answer       = tlsRecord(recApplicationData, "HTTP/1.1 200 OK")
)

// TestTapHoldsOnlyTheFullHandshake drives a tap flow through TLS
// handshakes and checks where each client frame falls among the server's
// events. In a full handshake the client's Finished is held until the
// server writes, after it logged the session's secret; in an abbreviated
// one (a resumed session) the server's ChangeCipherSpec ends the hold, so
// the client's first request is marked before the events its handler
// logs (outside tester sw69: the SM-DP+'s bpp_sent drawn before the
// getBoundProfilePackage that caused it).
func TestTapHoldsOnlyTheFullHandshake(t *testing.T) {
	for _, tc := range []struct {
		name  string
		steps []flowStep
		// want: the event count each tagged client record's frame is
		// marked with.
		want map[string]int
	}{
		{"abbreviated, Finished with the request", []flowStep{
			fromClient(clientHello), fromServer(serverResume),
			fromClient(clientCCS, clientFin, request), logged, fromServer(answer),
		}, map[string]int{"client finished": 0, "POST": 0, "HTTP/1.1": 1}},
		{"abbreviated, Finished and request apart", []flowStep{
			fromClient(clientHello), fromServer(serverResume),
			fromClient(clientCCS, clientFin), fromClient(request), logged, fromServer(answer),
		}, map[string]int{"client finished": 0, "POST": 0}},
		{"abbreviated, server's records cut across writes", []flowStep{
			fromClient(clientHello), fromServer(serverResume[:7]), fromServer(serverResume[7:40]), fromServer(serverResume[40:]),
			fromClient(clientCCS, clientFin, request), logged, fromServer(answer),
		}, map[string]int{"POST": 0}},
		{"full", []flowStep{
			fromClient(clientHello), fromServer(serverFull),
			fromClient(keyExchange, clientCCS, clientFin), logged, fromServer(serverCCSFin),
			fromClient(request), logged, fromServer(answer),
		}, map[string]int{"client hello": 0, "client finished": 1, "POST": 1, "HTTP/1.1": 2}},
		{"full, ChangeCipherSpec cut across reads", []flowStep{
			fromClient(clientHello), fromServer(serverFull),
			fromClient(keyExchange, clientCCS[:3]), fromClient(clientCCS[3:], clientFin), logged, fromServer(serverCCSFin),
			fromClient(request), logged, fromServer(answer),
		}, map[string]int{"client key exchange": 1, "client finished": 1, "POST": 1}},
		{"full, a ClientHello holding a ChangeCipherSpec's bytes", []flowStep{
			fromClient(helloLikeCCS), fromServer(serverFull),
			fromClient(keyExchange, clientCCS, clientFin), logged, fromServer(serverCCSFin),
			fromClient(request), logged, fromServer(answer),
		}, map[string]int{"client finished": 1, "POST": 1}},
		{"not TLS past its first byte", []flowStep{
			fromClient([]byte("\x16 not a record header")), logged, fromServer([]byte("?")),
		}, map[string]int{"not a record": 0}},
		{"a server that speaks first", []flowStep{
			fromServer([]byte("220 ready\r\n")), fromClient(clientHello), logged, fromServer([]byte("?")),
		}, map[string]int{"client hello": 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			type frame struct {
				data []byte
				mark Mark
			}
			var frames []frame
			events := 0
			tp := newTap(clock.NewVirtual(clock.Epoch), eventCount{n: func() int { return events }}, func(_ gopacket.CaptureInfo, b []byte, m Mark) error {
				frames = append(frames, frame{bytes.Clone(b), m})
				return nil
			})
			f := tp.newFlow(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 443}, false)
			for _, s := range tc.steps {
				switch {
				case s.event:
					events++
				case s.client != nil:
					f.clientData(s.client)
				default:
					f.data(false, s.server)
				}
			}
			f.close()
			for tag, want := range tc.want {
				i := slices.IndexFunc(frames, func(f frame) bool { return bytes.Contains(f.data, []byte(tag)) })
				if i < 0 {
					t.Errorf("no frame holds %q", tag)
					continue
				}
				if m := frames[i].mark; m.Events != want {
					t.Errorf("%q: frame %d marked after event %d, want %d", tag, i+1, m.Events, want)
				}
			}
		})
	}
}

// TestRecordWalk: the walk follows records across any cut of the bytes,
// reports a ChangeCipherSpec by its header only, and gives up on bytes
// that are no TLS records.
func TestRecordWalk(t *testing.T) {
	flight := cat(helloLikeCCS, keyExchange, clientCCS, clientFin, request)
	ccsAt := len(helloLikeCCS) + len(keyExchange)
	for cut := range len(flight) + 1 {
		var w recordWalk
		ccs1, ok1 := w.walk(flight[:cut])
		ccs2, ok2 := w.walk(flight[cut:])
		if !ok1 || !ok2 || ccs1 != (cut > ccsAt+4) || ccs1 == ccs2 {
			t.Errorf("cut at %d: ChangeCipherSpec before %v, after %v (ok %v %v)", cut, ccs1, ccs2, ok1, ok2)
		}
	}
	for _, bad := range [][]byte{
		{0x16, 0x00, 0x03, 0x00, 0x01},             // version major 0
		{0x13, 0x03, 0x03, 0x00, 0x01},             // type 19
		{0x18, 0x03, 0x03, 0x00, 0x01},             // type 24
		{0x17, 0x03, 0x03, 0x48, 0x01},             // longer than 2^14+2048
		cat(clientHello, []byte("GET / HTTP/1.1")), // records, then none
	} {
		var w recordWalk
		if _, ok := w.walk(bad); ok {
			t.Errorf("% x: taken for TLS records", bad)
		}
		if _, ok := w.walk(clientCCS); ok {
			t.Errorf("% x: the walk took records again after it gave up", bad)
		}
	}
}

// resumingClient is an ES9+ client that caches its TLS session (RFC 5077
// ticket) and, as the emulated card does, logs a resumed session's secret
// (which crypto/tls never logs) under the new ClientHello's random before
// the hello goes out.
type resumingClient struct {
	cfg    *tls.Config
	keyLog io.Writer
	mu     sync.Mutex
	master string // hex, the last full handshake's
}

func newResumingClient(sess *Session, clk clock.Clock, roots *x509.CertPool) *resumingClient {
	c := &resumingClient{keyLog: sess.KeyLog()}
	c.cfg = &tls.Config{
		ServerName: smdpHost, RootCAs: roots, Time: clk.Now, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12,
		ClientSessionCache: tls.NewLRUClientSessionCache(1), KeyLogWriter: c,
	}
	return c
}

// Write takes crypto/tls's line of a full handshake.
func (c *resumingClient) Write(line []byte) (int, error) {
	if f := strings.Fields(string(line)); len(f) == 3 && f[0] == "CLIENT_RANDOM" {
		c.mu.Lock()
		c.master = f[2]
		c.mu.Unlock()
	}
	return c.keyLog.Write(line)
}

// helloLogger logs the offered session's secret as the ClientHello leaves.
type helloLogger struct {
	net.Conn
	c    *resumingClient
	done bool
}

func (h *helloLogger) Write(p []byte) (int, error) {
	const randomEnd = 5 + 4 + 2 + 32 // record and handshake headers, version, random
	h.c.mu.Lock()
	master := h.c.master
	h.c.mu.Unlock()
	if !h.done && master != "" && len(p) >= randomEnd {
		h.done = true
		if _, err := fmt.Fprintf(h.c.keyLog, "CLIENT_RANDOM %s %s\n", hex.EncodeToString(p[randomEnd-32:randomEnd]), master); err != nil {
			return 0, err
		}
	}
	return h.Conn.Write(p)
}

// call makes one ES9+ call (Connection: close) and says whether the
// session was resumed.
func (c *resumingClient) call(t *testing.T, addr, fn, body string) bool {
	t.Helper()
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	tc := tls.Client(&helloLogger{Conn: raw, c: c}, c.cfg)
	defer tc.Close()
	if err := tc.Handshake(); err != nil {
		t.Fatalf("%s: TLS handshake: %v", fn, err)
	}
	postES9(t, tc, fn, body)
	return tc.ConnectionState().DidResume
}

// TestTapResumedSessionOrder: an ES9+ client resumes its TLS session with
// crypto/tls for every call after the first (a ticket the server issued),
// as the emulated card does with the rig's SM-DP+, whose handler logs an
// event for each request. Every request is marked before its handler's
// event and every answer after it, in the decoder's reading and in
// tshark's, which decrypts all of them from the file alone.
func TestTapResumedSessionOrder(t *testing.T) {
	clk := clock.NewVirtual(clock.Epoch)
	loop := clock.NewLoop(clk)
	var events atomic.Int64
	path := filepath.Join(t.TempDir(), "resumed.pcapng")
	sess, err := Start(Config{Path: path, Mode: Tap, Clock: clk, KeyLog: true, NoKeysFile: true, Events: func() int { return int(events.Load()) }})
	if err != nil {
		t.Fatal(err)
	}
	raw, roots, srv := serveES9TLSAround(t, sess, clk, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			events.Add(1) // the SM-DP+ logs mutual_auth, bpp_sent… as it handles the request
			h.ServeHTTP(w, r)
		})
	})
	defer srv.Close()

	c := newResumingClient(sess, clk, roots)
	calls := []string{es9.FnInitiateAuthentication, es9.FnAuthenticateClient, es9.FnGetBoundProfilePackage, es9.FnHandleNotification}
	status := func(fn string) int { return map[bool]int{false: 200, true: 204}[fn == es9.FnHandleNotification] }
	for i, fn := range calls {
		if err := loop.Advance(time.Second); err != nil {
			t.Fatal(err)
		}
		if resumed := c.call(t, raw.Addr().String(), fn, `{"transactionId":"0A0B"}`); resumed != (i > 0) {
			t.Fatalf("%s: resumed %v, want %v", fn, resumed, i > 0)
		}
	}
	srv.Close()
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}

	ex, _, err := ReadEvidence(path, 0, 0)
	if err != nil || len(ex) != len(calls) {
		t.Fatalf("%d exchanges (%v), want %d", len(ex), err, len(calls))
	}
	for i, e := range ex {
		if !e.TLS || e.Status != status(calls[i]) || !strings.HasSuffix(e.Path, calls[i]) {
			t.Errorf("exchange %d: %s %s, TLS %v, status %d", i+1, e.Method, e.Path, e.TLS, e.Status)
		}
		if e.Mark.Events != i || e.RespMark.Events != i+1 {
			t.Errorf("%s: request after event %d, answer after %d; want %d and %d", calls[i], e.Mark.Events, e.RespMark.Events, i, i+1)
		}
	}
	out := tsharktest.Run(t, "-r", path, "-Y", "http", "-T", "fields", "-e", "http.request.uri", "-e", "http.response.code", "-e", "frame.comment")
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		uri, rest, _ := strings.Cut(l, "\t")
		code, comment, _ := strings.Cut(rest, "\t")
		got = append(got, strings.TrimPrefix(uri, es9.PathPrefix)+code+" "+comment)
	}
	var want []string
	for i, fn := range calls {
		// The request's frames are a client's the tap did not dial.
		want = append(want, fn+" "+MarkComment(Mark{Events: i})+","+OutsideComment, strconv.Itoa(status(fn))+" "+MarkComment(Mark{Events: i + 1})+","+OutsideComment)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("tshark reads:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// FuzzRecordWalk: any bytes, cut anywhere, walk as they do whole.
func FuzzRecordWalk(f *testing.F) {
	f.Add(cat(clientHello, keyExchange, clientCCS, clientFin, request), 7)
	f.Add(serverResume, 0)
	f.Add([]byte("\x16 not a record header"), 3)
	f.Fuzz(func(t *testing.T, b []byte, cut int) {
		cut = min(max(cut, 0), len(b))
		var whole, parts recordWalk
		ccs, ok := whole.walk(b)
		ccs1, _ := parts.walk(b[:cut])
		ccs2, ok2 := parts.walk(b[cut:])
		if (ccs1 || ccs2) != ccs || ok2 != ok || parts != whole {
			t.Errorf("cut at %d: walked %+v (ChangeCipherSpec %v %v, ok %v), whole %+v (%v, %v)", cut, parts, ccs1, ccs2, ok2, whole, ccs, ok)
		}
	})
}
