package smdp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/esimhil/esimhil/internal/httpserve"
	"github.com/esimhil/esimhil/internal/proto/smdplog"
)

// logNotification records one handleNotification request with what became
// of it, as its answer's status is written: an outcome the handler set
// (taken, duplicate, discarded), else refused with the error its answer
// carried. A request answered by no one (the connection reset) is not in
// it. whole says body was read whole (else it is what came before a cut).
func (s *Server) logNotification(note *smdplog.Entry, w *statusWriter, body []byte, whole bool) {
	e := *note
	e.Time, e.Status = s.cfg.Now(), w.status
	e.BodySize, e.BodySHA256 = httpserve.BodyAsRead(body, whole)
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

// noteQuery is how GET smdplog.Path pages the log: as the platform's
// request log is paged.
var noteQuery = httpserve.LogQuery{DefaultLimit: smdplog.DefaultLimit, MaxLimit: smdplog.MaxLimit, Unit: "entries"}

// serveNotificationLog answers GET smdplog.Path?offset=N&limit=M with a
// page of the notification log (docs/conformance.md).
func (s *Server) serveNotificationLog(w *statusWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeLogError(w, http.StatusMethodNotAllowed, "method %s: GET the log", r.Method)
		return
	}
	s.noteMu.Lock()
	// The query read and the page cut under one lock: entries logged
	// meanwhile are the next page's.
	total, dropped := s.notes.Total(), s.notes.Dropped()
	offset, limit, err := noteQuery.Read(r.URL.RawQuery, total, dropped)
	var entries []smdplog.Entry
	if err == nil {
		entries = s.notes.Slice(offset, offset+limit)
	}
	s.noteMu.Unlock()
	if err != nil {
		writeLogError(w, http.StatusBadRequest, "%s", err)
		return
	}
	next := httpserve.LogNext(offset, len(entries), total)
	b, err := json.Marshal(smdplog.NewPage(total, dropped, offset, entries, next).Started(s.notesStarted))
	if err != nil {
		writeLogError(w, http.StatusInternalServerError, "page: %v", err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

func writeLogError(w *statusWriter, status int, format string, a ...any) {
	b, _ := json.Marshal(smdplog.ErrorAnswer{Error: fmt.Sprintf(format, a...)})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
