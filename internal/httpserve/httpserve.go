// Package httpserve holds the limits every HTTP server of the rig (the
// management platform, each SM-DP+) runs with, so that no client — slow,
// idle or many — can hold one of them: wall-clock read, header, write and
// idle timeouts, a header size bound, and a cap on connections served at
// once (the rest wait in the kernel's listen backlog). It also serves one
// http.Server on a listener and joins its accept loop on Close.
package httpserve

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/net/netutil"
)

// Limits bound what one client can make a server hold. Times are wall
// clock: they bound real I/O, never simulated time.
type Limits struct {
	// ReadHeader bounds the time to read a request's headers.
	ReadHeader time.Duration
	// Read bounds the time to read a whole request, body included.
	Read time.Duration
	// Write bounds the time from the end of the request headers to the end
	// of the response.
	Write time.Duration
	// Idle bounds how long a kept-alive connection waits for its next request.
	Idle time.Duration
	// MaxHeaderBytes bounds the request line and headers.
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
// for its accept loop, so no goroutine outlives it.
type Server struct {
	srv  *http.Server
	done chan struct{}
	once sync.Once
	err  error

	// active counts handlers running; idle, when set, is closed when the
	// count drops to zero (Close waits on it).
	mu     sync.Mutex
	active int
	idle   chan struct{}
}

// handlerWait bounds how long Close waits for handlers still running.
const handlerWait = 5 * time.Second

// Serve starts serving h on ln with limits (zero fields: Default). wrap, if
// not nil, wraps the connection-capped listener (TLS goes there).
func Serve(ln net.Listener, h http.Handler, limits Limits, wrap func(net.Listener) net.Listener) *Server {
	l := limits.orDefault()
	var capped net.Listener = netutil.LimitListener(ln, l.MaxConns)
	if wrap != nil {
		capped = wrap(capped)
	}
	s := &Server{done: make(chan struct{})}
	s.srv = &http.Server{
		Handler:           s.count(h),
		ReadHeaderTimeout: l.ReadHeader,
		ReadTimeout:       l.Read,
		WriteTimeout:      l.Write,
		IdleTimeout:       l.Idle,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		// Handshake failures and timeouts are expected under faults
		// and bad input; they are the clients' business.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(capped); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.err = err
		}
	}()
	return s
}

// count wraps h so that Close can wait for the handlers in flight.
func (s *Server) count(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.active++
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			if s.active--; s.active == 0 && s.idle != nil {
				close(s.idle)
				s.idle = nil
			}
			s.mu.Unlock()
		}()
		h.ServeHTTP(w, r)
	})
}

// Close closes the listener and every connection, waits for the accept
// loop to end, and for the handlers still running (a request whose client
// went away mid-exchange is still served, and logged, before Close
// returns: the server's log is complete when compared with a capture; at
// most handlerWait). It returns the error that ended serving early, if any.
func (s *Server) Close() error {
	s.once.Do(func() {
		_ = s.srv.Close()
		<-s.done
		s.mu.Lock()
		if s.active == 0 {
			s.mu.Unlock()
			return
		}
		idle := make(chan struct{})
		s.idle = idle
		s.mu.Unlock()
		t := time.NewTimer(handlerWait)
		defer t.Stop()
		select {
		case <-idle:
		case <-t.C:
		}
	})
	return s.err
}

// Request is one request as a server's own log keeps it: enough to match
// it against a capture of the wire (method, path, the body's size and
// SHA-256) without keeping the body.
type Request struct {
	Index  int       `json:"index"` // from 0 over the server's life
	Time   time.Time `json:"t"`
	Method string    `json:"method"`
	Path   string    `json:"path"`
	Status int       `json:"status"` // 0: no answer (connection reset)
	// BodySHA256 is empty when the server refused the request before
	// reading its body.
	BodySize   int    `json:"body_size"`
	BodySHA256 string `json:"body_sha256,omitempty"`
}

// BodyHash is the hex SHA-256 a Request carries for body.
func BodyHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
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
