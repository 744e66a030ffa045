package platform

import (
	"encoding/base64"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/esimhil/esimhil/internal/httpserve"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// Bounds on what the request log keeps (README, "Limits"): the newest
// MaxReceived requests, each body cut after MaxRecordedBody bytes (its
// SHA-256 is of the whole body, so a capture can still be matched).
const (
	MaxReceived     = 10000
	MaxRecordedBody = 2 << 10
	// Pages of GET /v1/inspect/received: limit defaults to
	// DefaultInspectLimit and is at most MaxInspectLimit.
	DefaultInspectLimit = 100
	MaxInspectLimit     = 1000
)

// record logs a request; read says its whole body was read (else the
// body is partial or absent and gets no hash).
func (s *Server) record(r *http.Request, body []byte, read bool, a answer) {
	rec := platformapi.Received{
		Time: s.clk.Now(), Method: r.Method, Path: r.URL.Path, Status: a.status,
		BodySize: len(body), Error: a.reason,
	}
	if read {
		rec.BodySHA256 = httpserve.BodyHash(body)
	}
	rec.Body, rec.BodyEncoding, rec.Truncated = keptBody(body)
	s.mu.Lock()
	rec.Index = s.received.Total()
	s.received.Add(rec)
	s.mu.Unlock()
}

// keptBody is what the log keeps of a body: its first MaxRecordedBody
// bytes at most, as text when they are UTF-8 — cut at a character's
// start, so that a UTF-8 body's part is UTF-8 too — and else in base64
// (platformapi.BodyBase64): exact either way.
func keptBody(body []byte) (kept, encoding string, truncated bool) {
	keep := body
	if len(body) > MaxRecordedBody {
		n := MaxRecordedBody
		for i := n; i > n-utf8.UTFMax && i > 0; i-- {
			if utf8.RuneStart(body[i]) {
				n = i
				break
			}
		}
		keep, truncated = body[:n], true
	}
	if utf8.Valid(keep) {
		return string(keep), "", truncated
	}
	return base64.StdEncoding.EncodeToString(body[:min(len(body), MaxRecordedBody)]), platformapi.BodyBase64, truncated
}

// Received returns the requests kept so far (the newest MaxReceived), in
// order, except reads of the inspect route itself.
func (s *Server) Received() []platformapi.Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.received.Entries()
}

// Requests returns the kept requests in the form every server's log shares
// (for matching against a capture) and how many older ones were dropped.
func (s *Server) Requests() ([]httpserve.Request, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]httpserve.Request, 0, len(s.received.Entries()))
	for _, r := range s.received.Entries() {
		out = append(out, httpserve.Request{Index: r.Index, Time: r.Time, Method: r.Method, Path: r.Path,
			Status: r.Status, BodySize: r.BodySize, BodySHA256: r.BodySHA256})
	}
	return out, s.received.Dropped()
}

// ReceivedCount reports how many requests arrived and how many of the
// oldest the log no longer keeps.
func (s *Server) ReceivedCount() (total, dropped int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.received.Total(), s.received.Dropped()
}

// inspect answers one page: ?offset=<index of the first request>
// (default: the oldest kept) and ?limit=<at most MaxInspectLimit>.
//
// The query is read as strictly as a body: a parameter of another name, one
// given twice or given empty is refused (400), not ignored, taken first or
// read as its default (outside tester t71, F6).
func (s *Server) inspect(r *http.Request, _ []byte) answer {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return reject(http.StatusBadRequest, "query: %v", err)
	}
	for _, name := range slices.Sorted(maps.Keys(q)) {
		switch {
		case name != "offset" && name != "limit":
			return reject(http.StatusBadRequest, "query: unknown parameter %q (want offset, limit)", name)
		case len(q[name]) > 1:
			return reject(http.StatusBadRequest, "%s: given %d times, want once", name, len(q[name]))
		}
	}
	param := func(name string, def, max int) (int, bool) {
		vs, given := q[name]
		if !given {
			return def, true
		}
		n, err := strconv.Atoi(vs[0])
		return n, err == nil && n >= 0 && n <= max && strconv.Itoa(n) == vs[0]
	}
	limit, ok := param("limit", DefaultInspectLimit, MaxInspectLimit)
	if !ok || limit == 0 {
		return reject(http.StatusBadRequest, "limit: want 1..%d, got %q", MaxInspectLimit, q.Get("limit"))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := &s.received
	offset, ok := param("offset", l.Dropped(), l.Total())
	if !ok {
		return reject(http.StatusBadRequest, "offset: want 0..%d (requests so far), got %q", l.Total(), q.Get("offset"))
	}
	offset = max(offset, l.Dropped()) // older entries are gone: start at the oldest kept
	entries := l.Slice(offset, offset+limit)
	var next *int
	if n := offset + len(entries); n < l.Total() {
		next = &n
	}
	return answer{status: http.StatusOK, body: platformapi.NewInspectPage(l.Total(), l.Dropped(), offset, entries, next)}
}
