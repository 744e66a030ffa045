// Package httpserve holds the limits every HTTP server of the rig (the
// management platform, each SM-DP+) runs with, so that no client — slow,
// idle or many — can hold one of them: wall-clock read, header, write and
// idle timeouts, a header size bound, and a cap on connections served at
// once (the rest wait in the kernel's listen backlog). It also serves one
// http.Server on a listener and joins its accept loop on Close.
package httpserve

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esimhil/esimhil/internal/growstack"
	"github.com/esimhil/esimhil/internal/stall"
)

// Limits bound what one client can make a server hold. Times are wall
// clock: they bound real I/O, never simulated time.
type Limits struct {
	// ReadHeader bounds the time to read a request's headers.
	ReadHeader time.Duration
	// Read bounds the time to read a whole request, body included.
	Read time.Duration
	// Write bounds the time from the end of the request headers to the end
	// of the response — from the end of the body for a handler that reads
	// it with ReadBody.
	Write time.Duration
	// Idle bounds how long a kept-alive connection waits for its next request.
	Idle time.Duration
	// MaxHeaderBytes bounds the request line and headers, in bytes
	// read (at least goHeaderSlop+1: net/http cannot hold less).
	MaxHeaderBytes int
	// MaxConns caps the connections served at once.
	MaxConns int
}

// Default is what the platform and the SM-DP+s use unless told otherwise
// (README, "Limits").
var Default = Limits{
	ReadHeader:     10 * time.Second,
	Read:           30 * time.Second,
	Write:          30 * time.Second,
	Idle:           2 * time.Minute,
	MaxHeaderBytes: 32 << 10,
	MaxConns:       64,
}

// orDefault fills zero fields from Default.
func (l Limits) orDefault() Limits {
	d := Default
	if l.ReadHeader > 0 {
		d.ReadHeader = l.ReadHeader
	}
	if l.Read > 0 {
		d.Read = l.Read
	}
	if l.Write > 0 {
		d.Write = l.Write
	}
	if l.Idle > 0 {
		d.Idle = l.Idle
	}
	if l.MaxHeaderBytes > 0 {
		d.MaxHeaderBytes = l.MaxHeaderBytes
	}
	if l.MaxConns > 0 {
		d.MaxConns = l.MaxConns
	}
	return d
}

// Server is one http.Server serving one listener; Close stops it and waits
// for its accept loop and its connections, so no goroutine outlives it.
type Server struct {
	srv     *http.Server
	ln      net.Listener // the listener Serve accepts on (outermost wrap)
	done    chan struct{}
	once    sync.Once
	err     error
	closing atomic.Bool

	// conns holds the connections whose goroutines have not ended; idle,
	// when set, is closed when it empties (Close waits on it).
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	idle  chan struct{}

	flows *flows // nil outside an Endpoint
}

// goHeaderSlop is what net/http reads past Server.MaxHeaderBytes before
// it answers 431 (its "bufio slop"): taken off, so the documented bound
// is the one that holds (outside tester t136 F7: 32 KiB let ~36 KiB in).
const goHeaderSlop = 4096

// connWait bounds how long Close waits for connections still being
// served (a handler still running), in the process's running time. A
// var: tests shorten it.
var connWait = 5 * time.Second

// Serve starts serving h on ln with limits (zero fields: Default). wrap, if
// not nil, wraps the connection-capped listener (TLS goes there).
func Serve(ln net.Listener, h http.Handler, limits Limits, wrap func(net.Listener) net.Listener) *Server {
	return serveFollowed(ln, h, limits, wrap, nil)
}

// serveFollowed is Serve; fl, if not nil, follows the connections' states.
func serveFollowed(ln net.Listener, h http.Handler, limits Limits, wrap func(net.Listener) net.Listener, fl *flows) *Server {
	l := limits.orDefault()
	var capped net.Listener = newCapListener(ln, l.MaxConns)
	if wrap != nil {
		capped = wrap(capped)
	}
	s := &Server{ln: capped, done: make(chan struct{}), conns: map[net.Conn]struct{}{}, flows: fl}
	s.srv = &http.Server{
		Handler:           closeAfterChunked(h),
		ReadHeaderTimeout: l.ReadHeader,
		ReadTimeout:       l.Read,
		WriteTimeout:      l.Write,
		IdleTimeout:       l.Idle,
		MaxHeaderBytes:    max(l.MaxHeaderBytes-goHeaderSlop, 1),
		ConnState:         s.track,
		// ReadBody finds the limits here.
		BaseContext: func(net.Listener) context.Context {
			ctx := context.WithValue(context.Background(), limitsKey{}, l)
			return context.WithValue(ctx, closingKey{}, &s.closing)
		},
		// Handshake failures and timeouts are expected under faults
		// and bad input; they are the clients' business.
		ErrorLog: log.New(io.Discard, "", 0),
		// "OPTIONS *" reaches the server's own handler, which answers
		// it in its API's terms and logs it, as every other request;
		// net/http's own answer (200, no body, no Date of the server's
		// clock) was the server's in nothing (outside tester t71, F6).
		DisableGeneralOptionsHandler: true,
	}
	go func() {
		defer close(s.done)
		growstack.Grow() // accepting runs the capture tap's writes: deep
		err := s.srv.Serve(capped)
		if err != nil && !errors.Is(err, http.ErrServerClosed) && !s.closing.Load() {
			s.err = err
		}
	}()
	return s
}

// closeAfterChunked has the connection closed after the answer to a
// request whose body came chunked. RFC 9112 §6.3 has a server close the
// connection after answering a request that carries both Transfer-Encoding
// and Content-Length (a request-smuggling guard); net/http deletes the
// Content-Length of such a request before any handler sees it, so the
// two cannot be told apart here from a chunked request alone — and every
// chunked one is closed after (outside tester t71, F11). A client of
// these servers sends its small bodies with a Content-Length (the card,
// an LPA); one that sends chunked pays a new connection.
func closeAfterChunked(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TransferEncoding) > 0 {
			w.Header().Set("Connection", "close")
		}
		h.ServeHTTP(w, r)
	})
}

// track keeps the set of connections being served: net/http reports
// StateNew before its accept loop goes on, and StateClosed when the
// connection's goroutine ends, after its last handler.
func (s *Server) track(c net.Conn, st http.ConnState) {
	if s.flows != nil {
		s.flows.state(c, st)
	}
	if cc := capOf(c); cc != nil {
		cc.serving.Store(st == http.StateActive)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch st {
	case http.StateNew:
		s.conns[c] = struct{}{}
	case http.StateClosed, http.StateHijacked:
		delete(s.conns, c)
		if len(s.conns) == 0 && s.idle != nil {
			close(s.idle)
			s.idle = nil
		}
	}
}

// Close closes the listener and every connection, waits for the accept
// loop to end and for each connection's goroutine (at most connWait), and
// returns the error that ended serving early, if any.
//
// It closes the connections itself rather than with http.Server.Close:
// once that marks the server as shutting down, net/http drops a request it
// has just read without calling the handler. A request the server read —
// and a capture tap recorded — is then served and logged before Close
// returns, so the server's log is complete when compared with a capture;
// so is one whose client went away mid-exchange.
func (s *Server) Close() error {
	s.once.Do(func() {
		s.closing.Store(true)
		_ = s.ln.Close()
		<-s.done
		s.mu.Lock()
		conns := make([]net.Conn, 0, len(s.conns))
		for c := range s.conns {
			conns = append(conns, c)
		}
		var idle chan struct{}
		if len(s.conns) > 0 {
			idle = make(chan struct{})
			s.idle = idle
		}
		s.mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
		if idle != nil {
			// Of running time: a handler that a stopped process could
			// not run is still served and logged, or the capture's
			// comparison would blame the server's log for the stall
			// (outside tester t179 F1).
			t := stall.Begin(stalls(), connWait).NewTimer()
		wait:
			for {
				select {
				case <-idle:
					break wait
				case now := <-t.C:
					if t.Out(now) {
						break wait
					}
				}
			}
			t.Stop()
		}
		_ = s.srv.Close() // whatever connWait left running
	})
	return s.err
}

// drainMax bounds, in units of a route's body limit, the body declared
// over it that ReadBody reads to its end before refusing it.
const drainMax = 4

// limitsKey holds a served request's Limits in its context.
type limitsKey struct{}

// closingKey holds its server's closing flag (*atomic.Bool).
type closingKey struct{}

// ErrStopped is ReadBody's error for a body cut because the server itself
// closed the connection, stopping (Close: esimhil serve's Ctrl-C, or an
// unreachable fault), not because the client went: the read of a request
// in flight fails then, and no answer can be sent. Callers log it as cut,
// with no status (outside tester t86 F6: a 400 never sent, blamed on a
// client reset).
var ErrStopped = errors.New("the server stopped and closed the connection")

// stopping reports whether r's server is closing (false outside Serve).
func stopping(r *http.Request) bool {
	c, ok := r.Context().Value(closingKey{}).(*atomic.Bool)
	return ok && c.Load()
}

// ReadBody reads r's body whole, at most max bytes (beyond: an
// *http.MaxBytesError), and then gives the answer a write window of its
// own, Limits.Write from now. net/http opens that window when it has read
// the headers, so it runs out with the read timeout: a body cut by the
// read timeout — or one finished just before it — would leave no time to
// write, and the answer a server logged (a 408, say) would never reach the
// client, who would see the connection closed with nothing. A timeout
// while reading is a net.Error whose Timeout() is true; one because the
// server closed the connection, stopping, is ErrStopped. What was read
// before an error is returned with it.
//
// A Content-Length over max is refused without keeping a byte (RFC 9110
// §15.5.14): at once to a client that asked "Expect: 100-continue"
// (net/http sends the 100 only once the body is read: it is told without
// uploading it, §10.1.1) or that declares more than drainMax times max
// (outside tester sw110: 10^12 bytes declared held the connection for
// the read timeout); any other client's body is read to its end and
// dropped, as it sends it anyway: an answer before it would meet a
// client still writing, and a reset.
//
// Outside Serve (httptest) no deadline is touched.
func ReadBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	// The answer's window opens once the body is read (or dropped): the
	// refusal of one over max too, whose drain may have taken the read
	// timeout's time.
	defer func() {
		if l, ok := r.Context().Value(limitsKey{}).(Limits); ok {
			// Best effort: a writer that cannot set deadlines keeps net/http's.
			_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(l.Write))
		}
	}()
	if r.ContentLength > max {
		if r.ContentLength <= drainMax*max && !strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
			_, _ = io.Copy(io.Discard, r.Body) // its own length bounds it
		}
		return nil, &http.MaxBytesError{Limit: max}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil && errors.Is(err, net.ErrClosed) && stopping(r) {
		// The connection was closed here, not by the client, and Close
		// sets closing before it closes the connections.
		err = fmt.Errorf("%w (%w)", ErrStopped, err)
	}
	return body, err
}

// Request is one request as a server's own log keeps it: enough to match
// it against a capture of the wire (method, path, the body's size and
// SHA-256) without keeping the body.
type Request struct {
	Index  int       `json:"index"` // from 0 over the server's life
	Time   time.Time `json:"t"`
	Method string    `json:"method"`
	Path   string    `json:"path"`
	// Status is the one written, not the one decided: 0 for no answer
	// (a connection reset, the server stopping, an answer held and then
	// dropped), so a capture can be held to it (capture.Compare).
	Status int `json:"status"`
	// BodySize counts the body's bytes read (BodyAsRead); BodySHA256 is
	// empty when it was not read whole (refused before, or cut).
	BodySize   int    `json:"body_size"`
	BodySHA256 string `json:"body_sha256,omitempty"`
}

// BodyHash is the hex SHA-256 a Request carries for body.
func BodyHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// BodyAsRead is what a server's log records of a request body: the bytes
// read (those before a cut too), and their SHA-256 only when whole — a
// part's hash matches no body a client sent (docs/conformance.md: "the
// body as read, no hash when it was not read whole").
func BodyAsRead(body []byte, whole bool) (size int, sha256 string) {
	if whole {
		sha256 = BodyHash(body)
	}
	return len(body), sha256
}

// Ring keeps the newest max entries of a log and counts the rest.
type Ring[T any] struct {
	max     int
	entries []T // oldest first
	total   int
}

// NewRing returns a ring that keeps max entries.
func NewRing[T any](max int) Ring[T] { return Ring[T]{max: max} }

// Add appends v and returns its index (counted from 0 over the ring's life).
func (r *Ring[T]) Add(v T) int {
	i := r.total
	r.total++
	if len(r.entries) == r.max {
		copy(r.entries, r.entries[1:])
		r.entries = r.entries[:r.max-1]
	}
	r.entries = append(r.entries, v)
	return i
}

// At is the kept entry with index i, to be changed in place while the
// caller holds what guards the ring; nil once dropped (or never added).
func (r *Ring[T]) At(i int) *T {
	if i -= r.Dropped(); i < 0 || i >= len(r.entries) {
		return nil
	}
	return &r.entries[i]
}

// Entries returns a copy of the kept entries, oldest first.
func (r *Ring[T]) Entries() []T { return append([]T(nil), r.entries...) }

// Total counts every entry ever added; Dropped the oldest no longer kept.
func (r *Ring[T]) Total() int   { return r.total }
func (r *Ring[T]) Dropped() int { return r.total - len(r.entries) }

// Slice returns the kept entries with indexes from..to-1 (clamped).
func (r *Ring[T]) Slice(from, to int) []T {
	d := r.Dropped()
	from, to = max(from-d, 0), min(to-d, len(r.entries))
	if from >= to {
		return []T{}
	}
	return append([]T{}, r.entries[from:to]...)
}
