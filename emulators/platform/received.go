package platform

import (
	"encoding/base64"
	"net/http"
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

// arrive logs a request as it arrives — its headers read, the handler
// called —, numbered and stamped now by the platform's clock, and returns
// its index: the log's order and t are those of arrival, not of the
// answers (outside tester t71, F2: a body sent slowly was logged after a
// later request, 30 s late). Its entry is pending until settle, once its
// answer was written or dropped.
func (s *Server) arrive(r *http.Request) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.received.Total()
	s.received.Add(platformapi.Received{Index: i, Time: s.clk.Now(), Method: r.Method, Path: r.URL.Path})
	s.pending[i] = struct{}{}
	return i
}

// settle completes entry i with its answer as sent (status 0 for none);
// read says the whole body was
// read (else the body is partial or absent and gets no hash). An entry
// dropped meanwhile (MaxReceived arrived after it) is only no longer
// pending.
func (s *Server) settle(i int, a answer, body []byte, read bool) {
	kept, enc, cut := keptBody(body)
	size, sum := httpserve.BodyAsRead(body, read)
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.pending, i)
	if e := s.received.At(i); e != nil {
		e.Status, e.Error = a.status, a.reason
		e.Body, e.BodyEncoding, e.Truncated = kept, enc, cut
		e.BodySize, e.BodySHA256 = size, sum
	}
}

// settledFrom is the index of the first entry from i on whose answer has
// not gone yet — neither written nor dropped — (the log's total when none
// is): what the log shows
// from i stops before it, so an entry, once shown, never changes, and a
// reader that pages on from where it stopped misses none. Callers hold
// mu.
func (s *Server) settledFrom(i int) int {
	end := s.received.Total()
	for p := range s.pending {
		if p >= i && p < end {
			end = p
		}
	}
	return end
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
// the order they arrived, except reads of the inspect route itself; it
// stops before the first whose answer has not gone yet.
func (s *Server) Received() []platformapi.Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.settled()
}

// settled is the kept entries up to the first still pending. Callers
// hold mu.
func (s *Server) settled() []platformapi.Received {
	d := s.received.Dropped()
	return s.received.Slice(d, s.settledFrom(d))
}

// Requests returns the kept requests in the form every server's log shares
// (for matching against a capture) and how many older ones were dropped.
func (s *Server) Requests() ([]httpserve.Request, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.settled()
	out := make([]httpserve.Request, 0, len(kept))
	for _, r := range kept {
		out = append(out, httpserve.Request{Index: r.Index, Time: r.Time, Method: r.Method, Path: r.Path,
			Status: r.Status, BodySize: r.BodySize, BodySHA256: r.BodySHA256})
	}
	return out, s.received.Dropped()
}

// ReceivedCount reports how many requests arrived (answered or not) and
// how many of the oldest the log no longer keeps.
func (s *Server) ReceivedCount() (total, dropped int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.received.Total(), s.received.Dropped()
}

// inspectQuery is how GET /v1/inspect/received pages the log.
var inspectQuery = httpserve.LogQuery{DefaultLimit: DefaultInspectLimit, MaxLimit: MaxInspectLimit, Unit: "requests"}

// inspect answers one page: ?offset=<index of the first request>
// (default: the oldest kept) and ?limit=<at most MaxInspectLimit>, the
// query read as strictly as a body (httpserve.LogQuery).
func (s *Server) inspect(r *http.Request, _ []byte) answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := &s.received
	offset, limit, err := inspectQuery.Read(r.URL.RawQuery, l.Total(), l.Dropped())
	if err != nil {
		return reject(http.StatusBadRequest, "%s", err)
	}
	// The page stops before a request still unanswered; next names it.
	entries := l.Slice(offset, min(offset+limit, s.settledFrom(offset)))
	next := httpserve.LogNext(offset, len(entries), l.Total())
	return answer{status: http.StatusOK, body: platformapi.NewInspectPage(l.Total(), l.Dropped(), offset, entries, next).Started(s.logStarted)}
}
