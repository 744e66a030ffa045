package platform

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/bodyread"
	"github.com/esimhil/esimhil/internal/httpserve"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// answer is what a route decided: a status and a JSON value, or a reason for
// a 4xx; raw, if set, is sent as the body instead (FaultGarbled).
type answer struct {
	status int
	body   any
	reason string
	raw    []byte
	// cut: the platform stopped while reading the request (it closed
	// the connection): nothing is answered, status is 0.
	cut bool
}

// garbled is what a garbled platform answers each card route with: that
// route's own answer object (platformapi's ListResponse, DownloadResponse,
// NotificationAck) cut off mid-way, sent whole (Content-Length says what
// is sent), so that the HTTP exchange is sound and only the body is not
// the API's. Each is its route's shape, so the card reads a malformed
// answer (unexpected EOF), not a list's members in a download's answer —
// one list fragment for every route read as a platform that mixed up its
// endpoints (outside tester sw51, F6).
var garbled = map[string][]byte{
	platformapi.PathPreferredList: []byte(`{"list_id": "1", "country": "F`),
	platformapi.PathDownload:      []byte(`{"smdp_address": "smdp.`),
	platformapi.PathNotifications: []byte(`{"ack": true, "id": "`),
}

func reject(status int, format string, a ...any) answer {
	return answer{status: status, reason: fmt.Sprintf(format, a...)}
}

type route struct {
	methods []string // what Allow names; the first is the route's own
	card    bool     // a card route: its answers may be held (FaultSlow)
	handle  func(s *Server, r *http.Request, body []byte) answer
}

var routes = map[string]route{
	platformapi.PathPreferredList: {methods: []string{http.MethodPost}, card: true, handle: card(platformapi.DecodeListRequest,
		func(r platformapi.ListRequest) string { return r.EID }, (*Server).preferredList)},
	platformapi.PathNotifications: {methods: []string{http.MethodPost}, card: true, handle: card(platformapi.DecodeNotification,
		func(n platformapi.Notification) string { return n.EID }, (*Server).notification)},
	platformapi.PathDownload: {methods: []string{http.MethodPost}, card: true, handle: card(platformapi.DecodeDownloadRequest,
		func(r platformapi.DownloadRequest) string { return r.EID }, (*Server).download)},
	// HEAD is GET without the body (RFC 9110 §9.3.2), which a
	// general-purpose server must take wherever it takes GET (§9.1).
	platformapi.PathInspect: {methods: []string{http.MethodGet, http.MethodHead}, handle: (*Server).inspect},
}

// allServed is what OPTIONS * (the server as a whole) is told it takes.
const allServed = "GET, HEAD, POST"

// card serves a card route in the documented order: the body on its own,
// declared as JSON (415), decoded and validated (400: a malformed body is
// malformed whoever signed it, and its eid is needed to check the signer);
// then authentication against the body's eid (401; auth.go); then what
// depends on the platform's configuration and state.
func card[T any](decode func([]byte) (T, error), eid func(T) string, serve func(*Server, T) answer) func(*Server, *http.Request, []byte) answer {
	return func(s *Server, r *http.Request, body []byte) answer {
		if err := bodyread.JSONType(r.Header.Values("Content-Type")); err != nil {
			return reject(http.StatusUnsupportedMediaType, "%v", err)
		}
		req, err := decode(body)
		if err != nil {
			return reject(http.StatusBadRequest, "%v", err)
		}
		if a, ok := s.authenticate(r, body, eid(req)); !ok {
			return a
		}
		// Asked after authentication, as garbled below: a platform
		// failing behind its front still checks what it can, and serves
		// nothing (no list, no order, no notification kept).
		if s.status != nil {
			if code := s.status(r.URL.Path); code != 0 {
				return reject(code, "fault: the platform answers %d (Status)", code)
			}
		}
		// Asked after authentication: a garbled platform still refuses a
		// malformed or unauthenticated request, and serves nothing (no
		// list, no order, no notification kept) in place of the garbage.
		if s.injected(FaultGarbled, "", false) {
			return answer{status: http.StatusOK, raw: garbled[r.URL.Path]}
		}
		return serve(s, req)
	}
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rt, known := routes[r.URL.Path]
	if platformapi.IsLogRead(r.Method, r.URL.Path) {
		a, _, _ := s.decide(w, r, rt, known)
		if !s.respond(w, r, rt, known, a).sent() {
			panic(http.ErrAbortHandler)
		}
		return
	}
	// Every other request is logged (refused ones, unknown routes, other
	// methods on the log's route): numbered and stamped as it arrives,
	// its entry completed once its answer was written — or dropped, with
	// status 0: the log says what the client was sent, not what the
	// platform meant to send (t236: a held 200 the client never got was
	// logged 200, and a capture without it could not be told wrong).
	idx := s.arrive(r)
	settled := false
	defer func() {
		if !settled {
			// A handler that failed (a panic, which net/http
			// recovers): no answer, and the entry holds back none
			// after it.
			s.settle(idx, answer{reason: "no answer: the platform failed serving it"}, nil, false)
		}
	}()
	a, body, read := s.decide(w, r, rt, known)
	a = s.respond(w, r, rt, known, a)
	s.settle(idx, a, body, read)
	settled = true
	if !a.sent() {
		panic(http.ErrAbortHandler) // net/http drops the connection
	}
}

// sent reports whether the answer went out: a status was written.
func (a answer) sent() bool { return a.status != 0 && !a.cut }

// respond sends what decide decided and returns the answer as sent: its
// status 0, and why in its reason, when nothing was.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, rt route, known bool, a answer) answer {
	if a.cut {
		// Serve stopping (or the platform made unreachable) closed the
		// connection mid-body: no status was sent, and no client is to
		// blame (outside tester t86 F6: logged as a 400 and a reset).
		s.log.Emit(eventlog.Platform, KindRequestCut, eventlog.F{"path": r.URL.Path, "reason": a.reason})
		return a
	}
	if a.reason != "" {
		s.log.Emit(eventlog.Platform, KindRequestRejected, eventlog.F{
			"path": r.URL.Path, "status": a.status, "reason": a.reason,
		})
		a.body = platformapi.ErrorResponse{Error: a.reason}
		if a.status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", platformapi.AuthScheme)
		}
	}
	if known && rt.card && a.status < 400 {
		if d, ok := s.hold(r); !ok {
			// The client left, or the server closed, while the answer
			// was held: nothing is sent.
			return answer{reason: fmt.Sprintf("no answer: the %d, held %s (%s), was dropped: the connection closed first", a.status, d, FaultSlow)}
		}
	}
	if a.raw != nil {
		s.writeRaw(w, a.status, a.raw)
	} else {
		s.writeJSON(w, a.status, a.body)
	}
	return a
}

// decide answers a request: its route and method, then its body read
// whole and the route's handler.
func (s *Server) decide(w http.ResponseWriter, r *http.Request, rt route, known bool) (a answer, body []byte, read bool) {
	switch {
	case r.Method == http.MethodOptions && r.URL.Path == "*":
		// OPTIONS * asks about the server as a whole (RFC 9110
		// §9.3.7): it takes no OPTIONS, and Allow names the methods
		// its routes take.
		w.Header().Set("Allow", allServed)
		a = reject(http.StatusMethodNotAllowed, "method OPTIONS not allowed on * (the platform takes POST on its card routes, GET and HEAD on %s)", platformapi.PathInspect)
	case !known:
		a = reject(http.StatusNotFound, "no route %s", r.URL.Path)
	case !slices.Contains(rt.methods, r.Method):
		allow := strings.Join(rt.methods, ", ")
		w.Header().Set("Allow", allow)
		a = reject(http.StatusMethodNotAllowed, "method %s not allowed on %s (use %s)", r.Method, r.URL.Path, strings.Join(rt.methods, " or "))
	default:
		var err error
		body, err = httpserve.ReadBody(w, r, platformapi.MaxBody)
		read = err == nil
		switch f := bodyread.Classify(err, platformapi.MaxBody); {
		case f != nil && f.Kind == bodyread.Stopped:
			a = answer{reason: f.Reason, cut: true}
		case f != nil:
			a = reject(f.Status(), "%s", f.Reason)
		default:
			a = rt.handle(s, r, body)
		}
	}
	return a, body, read
}

// hold keeps a card request's answer for as long as Config.Slow says
// (FaultSlow), and returns how long that was; false if the client went
// away or the server closed first. While held, the client counts as
// served (Consumed): the request is handled, its delay decided and
// logged, only its answer waits.
func (s *Server) hold(r *http.Request) (time.Duration, bool) {
	if s.slow == nil {
		return 0, true
	}
	d := s.slow()
	if d <= 0 {
		return 0, true
	}
	return d, s.held.Hold(d, r, nil)
}

// writeRaw sends b as it is, declared JSON: a garbled answer.
func (s *Server) writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", platformapi.ContentType)
	w.Header().Set("Date", s.clk.Now().UTC().Format(http.TimeFormat))
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(platformapi.ErrorResponse{Error: "encoding answer: " + err.Error()})
	}
	w.Header().Set("Content-Type", platformapi.ContentType)
	// Date from the platform's clock, not net/http's wall clock, so captures
	// of an emulated run are reproducible (RFC 9110 §6.6.1).
	w.Header().Set("Date", s.clk.Now().UTC().Format(http.TimeFormat))
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func (s *Server) preferredList(req platformapi.ListRequest) answer {
	s.mu.Lock()
	cat := s.cat
	country, ok := cat.country(req.ServingPLMN)
	if !ok {
		s.mu.Unlock()
		return reject(http.StatusNotFound, "serving_plmn %s: no known operator in that country", req.ServingPLMN)
	}
	s.listID++
	resp := platformapi.ListResponse{
		ListID:    strconv.Itoa(s.listID),
		Country:   country,
		OrderBy:   cat.orderBy,
		Operators: cat.list(country, req.Signal),
	}
	s.mu.Unlock()
	ids := make([]string, len(resp.Operators))
	for i, o := range resp.Operators {
		ids[i] = o.ID
	}
	// What the card reported of the cells it sees, as it reported it: the
	// signal order rests on it, and only the log can show it to be the
	// world's (TS 31.111 NMR: the serving cell and up to eight others).
	signal := make([]eventlog.F, len(req.Signal))
	for i, r := range req.Signal {
		signal[i] = eventlog.F{"plmn": r.PLMN, "rsrp": r.RSRP}
	}
	s.log.Emit(eventlog.Platform, KindPreferredListServed, eventlog.F{
		"eid": req.EID, "serving_plmn": req.ServingPLMN, "country": country, "operators": ids, "signal": signal,
	})
	return answer{status: http.StatusOK, body: resp}
}

// AckWindow is how many acknowledged notes the platform remembers a card
// by, to answer a repeat with the first answer's id. A card repeats only
// the note whose answer it lost, and sends its notes in order from an
// outbox of 64, so a repeat comes before more than a few of its other
// notes are taken; the oldest past the window is forgotten, so a
// long-lived card does not grow the platform's state with every cycle
// (outside tester t244: a month-long run's every report was kept).
const AckWindow = 1024

// rememberAck records that the note key of card eid was acknowledged with
// id, forgetting that card's oldest past AckWindow. Callers hold s.mu.
func (s *Server) rememberAck(eid, key, id string) {
	s.acked[key] = id
	order := append(s.ackOrder[eid], key)
	if len(order) > AckWindow {
		delete(s.acked, order[0])
		order = order[1:]
	}
	s.ackOrder[eid] = order
}

func (s *Server) notification(n platformapi.Notification) answer {
	s.mu.Lock()
	if n.Operator != "" {
		o, ok := s.cat.byID[n.Operator]
		if !ok {
			s.mu.Unlock()
			return reject(http.StatusBadRequest, "operator: unknown %q", n.Operator)
		}
		if n.PLMN != "" && n.PLMN != o.PLMN {
			s.mu.Unlock()
			return reject(http.StatusBadRequest, "plmn: %s is not operator %s (%s)", n.PLMN, o.ID, o.PLMN)
		}
	}
	noAck := s.faults.NoAck
	s.mu.Unlock()
	// Asked without s.mu: the injector logs.
	if s.injected(FaultNoAck, n.Operator, noAck) {
		return reject(http.StatusServiceUnavailable, "fault: notifications are not acknowledged (NoAck)")
	}
	s.mu.Lock()
	// An ICCID is installed once: a card that sends its download-success
	// again after a power cut (it never saw our answer) gets the same
	// acknowledgement and is not counted twice.
	key := n.EID + "/" + n.ICCID
	if n.Report != 0 {
		key = fmt.Sprintf("%s/%s/%d", n.EID, n.Kind, n.Report)
	}
	if id, dup := s.acked[key]; dup && (n.Kind == platformapi.KindDownloadSuccess || n.Report != 0) {
		s.mu.Unlock()
		f := eventlog.F{"kind": n.Kind, "eid": n.EID}
		if n.ICCID != "" {
			f["iccid"] = n.ICCID
		}
		if n.Report != 0 {
			f["report"] = n.Report
		}
		s.log.Emit(eventlog.Platform, KindNotificationDuplicate, f)
		return answer{status: http.StatusOK, body: platformapi.NotificationAck{Ack: true, ID: id}}
	}
	s.noteID++
	id := strconv.Itoa(s.noteID)
	if n.Kind == platformapi.KindDownloadSuccess || n.Report != 0 {
		s.rememberAck(n.EID, key, id)
	}
	s.mu.Unlock()
	// Every field the note carried: what was taken, to be held against
	// what the card sent (esimhil fleet).
	f := eventlog.F{"kind": n.Kind, "eid": n.EID, "operator": n.Operator}
	if n.Kind == platformapi.KindDownloadSuccess || n.ICCID != "" {
		f["iccid"] = n.ICCID
	}
	if n.PLMN != "" {
		f["plmn"] = n.PLMN
	}
	if n.Cause != nil {
		f["cause"] = *n.Cause
	}
	if n.Report != 0 {
		f["report"] = n.Report
	}
	s.log.Emit(eventlog.Platform, KindNotificationReceived, f)
	return answer{status: http.StatusOK, body: platformapi.NotificationAck{Ack: true, ID: id}}
}
