package smdp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/esimhil/esimhil/internal/httpserve"
	"github.com/esimhil/esimhil/internal/proto/smdplog"
)

// logNotification records one handleNotification request with what became
// of it, as its answer's status is written: an outcome the handler set
// (taken, duplicate, discarded), else refused with the error its answer
// carried. A request answered by no one (the connection reset) is not in
// it.
func (s *Server) logNotification(note *smdplog.Entry, w *statusWriter, body []byte) {
	e := *note
	e.Time, e.Status, e.BodySize = s.cfg.Now(), w.status, len(body)
	if body != nil {
		e.BodySHA256 = httpserve.BodyHash(body)
	}
	if e.Outcome == "" {
		e.Outcome = smdplog.Refused
		if f := w.failed; f != nil {
			e.Subject, e.Reason, e.Error = f.subject, f.reason, f.msg
		}
	}
	s.noteMu.Lock()
	e.Index = s.notes.Total()
	s.notes.Add(e)
	s.noteMu.Unlock()
}

// Notifications returns the notification log kept (the newest
// smdplog.MaxEntries) and how many older entries were dropped.
func (s *Server) Notifications() ([]smdplog.Entry, int) {
	s.noteMu.Lock()
	defer s.noteMu.Unlock()
	return s.notes.Entries(), s.notes.Dropped()
}

// serveNotificationLog answers GET smdplog.Path?offset=N&limit=M with a
// page of the notification log (docs/conformance.md).
func (s *Server) serveNotificationLog(w *statusWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeLogError(w, http.StatusMethodNotAllowed, "method %s: GET the log", r.Method)
		return
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		writeLogError(w, http.StatusBadRequest, "query: %v", err)
		return
	}
	for k, v := range q {
		switch {
		case k != "offset" && k != "limit":
			writeLogError(w, http.StatusBadRequest, "query: unknown parameter %q (offset, limit)", k)
			return
		case len(v) > 1:
			writeLogError(w, http.StatusBadRequest, "query: %s given %d times", k, len(v))
			return
		}
	}
	s.noteMu.Lock()
	total, dropped := s.notes.Total(), s.notes.Dropped()
	s.noteMu.Unlock()
	limit, ok := queryInt(q, "limit", smdplog.DefaultLimit, 1, smdplog.MaxLimit)
	if !ok {
		writeLogError(w, http.StatusBadRequest, "limit: want 1..%d, got %q", smdplog.MaxLimit, q.Get("limit"))
		return
	}
	offset, ok := queryInt(q, "offset", dropped, 0, total)
	if !ok {
		writeLogError(w, http.StatusBadRequest, "offset: want 0..%d (entries so far), got %q", total, q.Get("offset"))
		return
	}
	s.noteMu.Lock()
	// Read again under the lock the page is cut under: entries logged
	// meanwhile are the next page's.
	total, dropped = s.notes.Total(), s.notes.Dropped()
	offset = max(offset, dropped) // older entries are gone: from the oldest kept
	entries := s.notes.Slice(offset, offset+limit)
	s.noteMu.Unlock()
	var next *int
	if n := offset + len(entries); n < total {
		next = &n
	}
	b, err := json.Marshal(smdplog.NewPage(total, dropped, offset, entries, next))
	if err != nil {
		writeLogError(w, http.StatusInternalServerError, "page: %v", err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// queryInt reads a whole number in lo..hi from q, def when absent.
func queryInt(q url.Values, name string, def, lo, hi int) (int, bool) {
	v, ok := q[name]
	if !ok {
		return def, true
	}
	n, err := strconv.Atoi(v[0])
	return n, err == nil && n >= lo && n <= hi && strconv.Itoa(n) == v[0]
}

func writeLogError(w *statusWriter, status int, format string, a ...any) {
	b, _ := json.Marshal(smdplog.ErrorAnswer{Error: fmt.Sprintf(format, a...)})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
