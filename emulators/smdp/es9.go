package smdp

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/bodyread"
	"github.com/esimhil/esimhil/internal/httpserve"
	"github.com/esimhil/esimhil/internal/proto/es9"
	"github.com/esimhil/esimhil/internal/proto/smdplog"
)

// es9Error is a function failure with its SGP.22 subject and reason codes
// (SGP.22 §5.6 per function; generic format errors as in §6.5).
type es9Error struct {
	subject, reason, msg string
	http                 int // 0 = 200
	// discard: a notification the SM-DP+ cannot take (unknown, forged,
	// not a notification), acknowledged 204 and dropped (handleNotification).
	discard bool
}

func (e *es9Error) Error() string { return fmt.Sprintf("%s/%s: %s", e.subject, e.reason, e.msg) }

// maxQuoted bounds a peer's value quoted in an error, in characters: an
// FQDN's 255 and then some. A megabyte of junk in a request is not
// quoted whole into the answer and the event log (textcut marks the cut).
const maxQuoted = 300

func fail(subject, reason, format string, a ...any) *es9Error {
	return &es9Error{subject: subject, reason: reason, msg: fmt.Sprintf(format, a...)}
}

var errNoContent = errors.New("no content") // handleNotification answers 204

// serveHTTP routes /gsma/rsp2/es9plus/<function> (and ES2+'s
// /gsma/rsp2/es2plus/<function>) and wraps every answer in
// the ES9+ envelope; nothing a client sends can panic it.
func (s *Server) serveHTTP(rw http.ResponseWriter, r *http.Request) {
	w := &statusWriter{ResponseWriter: rw, now: s.cfg.Now}
	var body []byte
	whole := false // body was read to its end
	// note is what became of a handleNotification request, for the
	// notification log (notelog.go); nil for every other request.
	var note *smdplog.Entry
	defer func() { s.logRequest(r, w.status, body, whole) }()
	var (
		fn    string
		h     handler
		known bool
	)
	switch {
	case r.URL.Path == smdplog.Path:
		// The emulator's own route, outside SGP.22's /gsma/rsp2/.
		s.serveNotificationLog(w, r)
		return
	case strings.HasPrefix(r.URL.Path, es9.PathPrefix):
		fn = strings.TrimPrefix(r.URL.Path, es9.PathPrefix)
		if fn == es9.FnHandleNotification {
			note = &smdplog.Entry{}
			// Logged as the answer goes, not after: a reader that saw
			// the 204 finds the entry.
			w.onAnswer = func() { s.logNotification(note, w, body, whole) }
		}
		h, known = s.handlers(note)[fn]
	case strings.HasPrefix(r.URL.Path, ES2PathPrefix):
		fn = strings.TrimPrefix(r.URL.Path, ES2PathPrefix)
		h, known = s.es2Handlers()[fn]
	}
	// The header names the version the sender implements (SGP.22
	// §6.5.1): ours, whatever the client named, even when refusing it.
	w.Header().Set(es9.AdminProtocolHeader, es9.AdminProtocol)
	proto := r.Header.Get(es9.AdminProtocolHeader)
	switch {
	case !known:
		s.writeErr(w, fn, &es9Error{subject: es9.SubjectFunction, reason: es9.ReasonUnknown, msg: "unknown function " + r.URL.Path, http: http.StatusNotFound})
		return
	case r.Method != http.MethodPost:
		w.Header().Set("Allow", http.MethodPost)
		s.writeErr(w, fn, &es9Error{subject: es9.SubjectFunction, reason: es9.ReasonUnsupported, msg: "method " + r.Method, http: http.StatusMethodNotAllowed})
		return
	case proto == "":
		s.writeErr(w, fn, &es9Error{subject: es9.SubjectFunction, reason: es9.ReasonMissing, msg: "missing X-Admin-Protocol header", http: http.StatusBadRequest})
		return
	case len(r.Header.Values(es9.AdminProtocolHeader)) > 1:
		// Which one the client meant is not ours to guess (Content-Type
		// given twice is refused the same way): outside tester sw65.
		s.writeErr(w, fn, &es9Error{subject: es9.SubjectFunction, reason: es9.ReasonInvalidFormat, msg: "X-Admin-Protocol given more than once", http: http.StatusBadRequest})
		return
	case !es9.TakesProtocol(proto):
		s.writeErr(w, fn, &es9Error{subject: es9.SubjectFunction, reason: es9.ReasonUnsupported, msg: "unsupported X-Admin-Protocol " + proto + " (taken: gsma/rsp/v2.x.y and v3.x.y)", http: http.StatusBadRequest})
		return
	}
	// A body declared as anything but JSON is not read as JSON (the
	// platform's 415 too): a client that sends a form or no type at all is
	// told so rather than answered as if it had sent JSON.
	if err := bodyread.JSONType(r.Header.Values("Content-Type")); err != nil {
		s.writeErr(w, fn, &es9Error{subject: es9.SubjectFunction, reason: es9.ReasonUnsupported, msg: err.Error(), http: http.StatusUnsupportedMediaType})
		return
	}
	body, err := httpserve.ReadBody(w, r, es9.MaxBody)
	f := bodyread.Classify(err, es9.MaxBody)
	if f != nil && f.Kind == bodyread.Stopped {
		// Serve stopping (or the SM-DP+ made unreachable) closed the
		// connection mid-body: nothing is answered, no status logged
		// (outside tester t86 F6: an es9_error of a 400 never sent).
		s.emit(KindRequestCut, eventlog.F{"operator": s.cfg.Operator, "function": fn, "reason": f.Reason})
		panic(http.ErrAbortHandler)
	}
	if f != nil {
		// Not read whole: the logs give the size read and no hash.
		// A body that is not an HTTP message's whole (a broken chunk,
		// cut short, over the limit) is refused at the HTTP layer, 400,
		// 408 or 413 (RFC 9112 §6.3, RFC 9110 §15.5), with the ES9+
		// envelope as with an unknown path: SGP.22 §6.5.1's 200 is for
		// requests that were HTTP whole (outside testers sw74, sw100).
		s.writeErr(w, fn, &es9Error{subject: es9.SubjectFunction, reason: es9.ReasonInvalidFormat, msg: f.Reason, http: f.Status()})
		return
	}
	whole = true
	if s.held != nil && strings.HasPrefix(r.URL.Path, es9.PathPrefix) {
		// smdp: slow: every answer of the function, a failure's too,
		// waits; an answer nobody waits for any more is not sent.
		w.hold = func(status int) {
			d := s.cfg.Slow(fn)
			// Logged as the answer would have gone (Hold's dropped): the
			// SM-DP+ finds its client gone as it writes.
			dropped := func() {
				s.emit(KindAnswerDropped, eventlog.F{"operator": s.cfg.Operator, "function": fn, "status": status, "delay": d.String(),
					"reason": fmt.Sprintf("the %d, held %s (smdp: slow), was dropped: the connection closed first", status, d)})
			}
			if s.held.Hold(d, r, dropped) {
				return
			}
			w.dropped = true
			panic(http.ErrAbortHandler) // net/http drops the connection
		}
	}
	out, err := h(w, body)
	var e *es9Error
	switch {
	case errors.Is(err, errHijacked):
		return
	case errors.Is(err, errNoContent):
		w.WriteHeader(http.StatusNoContent)
		return
	case errors.As(err, &e) && e.discard:
		// SGP.22 §5.6.4 and §6.5.2.9 give handleNotification no output
		// and no error of its own: the SM-DP+ acknowledges (204) and
		// discards a notification it cannot take (forged, unknown, not
		// a notification), which the event log keeps. An error answer
		// would have an LPA that deletes a notification once delivered
		// send it for ever (outside tester sw65). A request the binding
		// cannot read (malformed JSON, a missing member) is still
		// answered with the generic 1.2 codes.
		s.emit(KindES9Error, eventlog.F{"operator": s.cfg.Operator, "function": fn, "subject": e.subject, "reason": e.reason, "message": e.msg + " (discarded, acknowledged 204)"})
		note.Outcome, note.Subject, note.Reason, note.Error = smdplog.Discarded, e.subject, e.reason, e.msg
		w.WriteHeader(http.StatusNoContent)
		return
	case errors.As(err, &e):
		s.writeErr(w, fn, e)
		return
	case err != nil:
		s.writeErr(w, fn, fail(es9.SubjectFunction, es9.ReasonExecution, "%v", err))
		return
	}
	s.writeJSON(w, http.StatusOK, out)
}

type handler func(w http.ResponseWriter, body []byte) (es9.Message, error)

// statusWriter remembers the status a request was answered with, for the
// server's request log; 0 means no answer (hijacked and reset). It dates
// the answer as it is written.
type statusWriter struct {
	http.ResponseWriter
	status int
	now    func() time.Time
	// failed is the function error the answer carried (writeErr).
	failed *es9Error
	// onAnswer, if set, is called as the answer's status is written.
	onAnswer func()
	// hold, if set, holds the answer before its status is written
	// (Config.Slow); it does not return if the answer is dropped.
	hold func(status int)
	// dropped: the answer was held and nobody waited for it any more.
	dropped bool
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && !w.dropped {
		if h := w.hold; h != nil {
			w.hold = nil
			h(code)
		}
		w.status = code
		// Date is when the answer was made (RFC 9110 §6.6.1), by the
		// virtual clock: the rig's time, so a run's traffic is the same
		// whatever the wall clock says. Set here, not when the request
		// came: a body read for 30 s (a 408) was dated at its start
		// (outside tester t71 F7).
		w.Header().Set("Date", w.now().UTC().Format(http.TimeFormat))
		if w.onAnswer != nil {
			w.onAnswer()
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (Hijack).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// handlers is the ES9+ functions; note is the request's entry of the
// notification log, which handleNotification fills (one handler per
// function: r85 #13, where a second one logged nothing).
func (s *Server) handlers(note *smdplog.Entry) map[string]handler {
	return map[string]handler{
		es9.FnInitiateAuthentication: s.initiateAuthentication,
		es9.FnAuthenticateClient:     s.authenticateClient,
		es9.FnGetBoundProfilePackage: s.getBoundProfilePackage,
		es9.FnHandleNotification: func(_ http.ResponseWriter, body []byte) (es9.Message, error) {
			return s.handleNotification(body, note)
		},
		es9.FnCancelSession: s.cancelSession,
	}
}

func (s *Server) writeErr(w *statusWriter, fn string, e *es9Error) {
	w.failed = e
	s.emit(KindES9Error, eventlog.F{"operator": s.cfg.Operator, "function": fn, "subject": e.subject, "reason": e.reason, "message": e.msg})
	code := e.http
	if code == 0 {
		code = http.StatusOK // SGP.22 §6.5: function errors travel in a 200 answer
	}
	s.writeJSON(w, code, es9.HeaderOnly{Header: es9.Failure(e.subject, e.reason, e.msg)})
}

func (s *Server) writeJSON(w http.ResponseWriter, code int, body es9.Message) {
	w.Header().Set("Content-Type", es9.ContentType)
	w.WriteHeader(code)
	_, _ = w.Write(es9.Encode(body))
}

// decode reads a request body with es9's strict decoder and turns its
// complaints into SGP.22 codes: a missing field 2.2, a malformed one 2.1,
// under the transactionId's own subject when it is the transactionId.
func decode(body []byte, m es9.Message) error {
	err := es9.Decode(body, m)
	var fe *es9.FieldError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &fe) && fe.Missing:
		return fail(es9.SubjectFunction, es9.ReasonMissing, "%v", fe)
	case errors.As(err, &fe) && fe.Field == "transactionId":
		return fail(es9.SubjectTransactionID, es9.ReasonInvalidFormat, "%v", fe)
	}
	return fail(es9.SubjectFunction, es9.ReasonInvalidFormat, "%v", err)
}

func hexID(b []byte) string { return es9.TransactionID(b).String() }
