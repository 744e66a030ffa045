package timeline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/es9"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// maxBodyShown bounds a body in a row's detail.
const maxBodyShown = 4096

// readTraffic decodes the capture (HTTPS with its own TLS secrets) and adds
// each platform and ES9+ exchange as a request and an answer between the
// card and the server.
//
// Rows are placed on the event log's time. A request and an answer whose
// frames carry marks (the tap of a rig: capture.Mark) go exactly where
// they fell among the events (placeMarked). Without marks (a live
// capture, an older file) each exchange goes right before the server's own
// log entry for it (the platform's preferred_list_served, an SM-DP+'s
// mutual_auth, …) and its answer right after, so that request, server
// decision, answer and the card's reaction read in order; an exchange
// without such an entry keeps its capture time when the capture is
// stamped with simulated time (the tap), else the Date header the rig's
// servers stamp with simulated time.
func readTraffic(path string, b *Builder) error {
	ex, err := capture.ReadHTTP(path)
	switch {
	case errors.Is(err, capture.ErrCutShort):
		b.Note("traffic.pcapng: %v", err) // and show what came before the cut
	case err != nil && len(ex) > 0:
		b.Note("traffic.pcapng: %v; the other connections' exchanges are shown", err)
	case err != nil:
		return err
	}
	return b.addTraffic(ex)
}

// addTraffic places the exchanges of a decoded capture (see readTraffic).
func (b *Builder) addTraffic(ex []capture.Exchange) error {
	simStamps := b.stampsSimulated(ex)
	if !simStamps && len(ex) > 0 {
		b.Note("traffic.pcapng: live capture (wall-clock timestamps): HTTP rows placed by the servers' log entries and Date headers")
	}
	used := map[int]bool{}
	type placed = struct{ req, resp Item }
	rows := make([]placed, len(ex))
	anchored := make([]bool, len(ex))
	lanes := make([]string, len(ex))
	for i, e := range ex {
		est := e.Time
		if !simStamps {
			est = e.Date
		}
		lane, req, resp := b.exchangeItems(e)
		lanes[i] = lane
		req.T, resp.T = est, est
		req.priority, resp.priority = prioEvent, prioEvent
		if b.placeMarked(&req, e.Time, e.Mark, e.Frame, simStamps) {
			// The frames say where they fell among the events: no
			// guessing from the servers' entries. An answer without a
			// mark of its own (none came) follows its request.
			anchored[i] = true
			// The answer by its own frame's time, not the request's: a
			// slow platform's answer comes seconds later, and judged by
			// the request's time its mark's neighbourhood (the request's
			// instant up to the answer's) looked right, so it was drawn
			// at the request's instant and the overruling never fired.
			respStamp := e.RespTime
			if respStamp.IsZero() {
				respStamp = e.Time
			}
			if !b.placeMarked(&resp, respStamp, e.RespMark, e.RespFrame, simStamps) {
				resp.T, resp.seq, resp.frame = req.T, req.seq, req.frame
			}
			rows[i] = placed{req, resp}
			continue
		}
		if k, ok := b.anchor(lane, e, est, used); ok {
			used[k] = true
			anchored[i] = true
			req.T, resp.T = b.events[k].T, b.events[k].T
			req.seq, resp.seq = b.evSeq[k]-seqRoom/2, b.evSeq[k]+1
		} else if k, ok := b.liveAnchor(lane, e, est, rows[:i], used); !simStamps && ok {
			// A live capture's exchange whose answer a slow platform held
			// (its Date is the answer's, later than the server's entry)
			// or never sent (no Date): the server's next entry for its
			// route since the exchange before it, up to its Date.
			used[k] = true
			anchored[i] = true
			req.T, resp.T = b.events[k].T, b.events[k].T
			req.seq, resp.seq = b.evSeq[k]-seqRoom/2, b.evSeq[k]+1
			if est.After(req.T) {
				resp.T, resp.seq = est, 0 // the answer at its own (Date) time
			}
		} else if est.IsZero() {
			// No simulated time (a live capture's exchange cut before its
			// answer's Date): right after the one before it in the
			// capture, whose time is known, rather than at the start.
			at, where := b.t.Start, "at the start"
			if i > 0 {
				at, where = rows[i-1].resp.T, fmt.Sprintf("after exchange %d, the one before it in the capture", i)
			}
			b.Note("traffic.pcapng: exchange %d (%s %s) has no simulated time; shown %s", i+1, e.Method, e.Path, where)
			req.T, resp.T = at, at
		}
		rows[i] = placed{req, resp}
	}
	// An exchange the server logs nothing for (initiateAuthentication)
	// goes right before the next exchange on its lane that is placed,
	// when both happen within the same second.
	for i := len(ex) - 1; i >= 0; i-- {
		if anchored[i] {
			continue
		}
		for j := i + 1; j < len(ex); j++ {
			if lanes[j] != lanes[i] || rows[j].req.seq == 0 {
				continue
			}
			if d := rows[j].req.T.Sub(rows[i].req.T); d > time.Second || d < -time.Second {
				break
			}
			next := rows[j].req
			rows[i].req.T, rows[i].resp.T = next.T, next.T
			rows[i].req.seq, rows[i].resp.seq = next.seq-2, next.seq-1
			break
		}
	}
	for _, r := range rows {
		b.addPlaced(r.req)
		b.addPlaced(r.resp)
	}
	return nil
}

// stampsSimulated reports whether the capture's timestamps are simulated
// time (the software tap): they fall inside the event log's span.
func (b *Builder) stampsSimulated(ex []capture.Exchange) bool {
	var earliest time.Time
	for _, e := range ex {
		if !e.Time.IsZero() && (earliest.IsZero() || e.Time.Before(earliest)) {
			earliest = e.Time
		}
	}
	return b.captureOnEventClock(earliest)
}

// serverKinds are the log entries a server writes for a request, by
// route: the platform's by path, an SM-DP+'s by ES9+ function;
// request_cut when the server stopped while reading the request's body.
var serverKinds = map[string][]string{
	platformapi.PathPreferredList: {"preferred_list_served", "request_rejected", "request_cut"},
	platformapi.PathDownload:      {"download_requested", "request_rejected", "request_cut"},
	platformapi.PathNotifications: {"notification_received", "notification_duplicate", "request_rejected", "request_cut"},
	"authenticateClient":          {"mutual_auth", "es9_error", "request_cut"},
	"getBoundProfilePackage":      {"bpp_sent", "es9_error", "request_cut"},
	"handleNotification":          {"notification_received", "notification_duplicate", "es9_error", "request_cut"},
	"initiateAuthentication":      {"es9_error", "request_cut"},
	"cancelSession":               {"session_cancelled", "es9_error", "request_cut"},
}

// anchor finds the first unused server log entry for exchange e on lane
// within a second of est.
func (b *Builder) anchor(lane string, e capture.Exchange, est time.Time, used map[int]bool) (int, bool) {
	if est.IsZero() {
		return 0, false
	}
	return b.anchorIn(lane, e, est.Add(-time.Second), est.Add(time.Second), used)
}

// anchorIn finds the first unused server log entry for exchange e on lane
// from from to until.
func (b *Builder) anchorIn(lane string, e capture.Exchange, from, until time.Time, used map[int]bool) (int, bool) {
	route := e.Path
	if fn, ok := strings.CutPrefix(e.Path, es9.PathPrefix); ok {
		route = fn
	}
	kinds := serverKinds[route]
	if len(kinds) == 0 || e.HeadCut {
		return 0, false
	}
	// In a log in time order, look only at the window, not from the first
	// entry on: a week-long run has 10,000s of exchanges and 100,000s of
	// entries. A log out of order is read whole.
	first := 0
	if b.eventsSorted {
		first = sort.Search(len(b.events), func(k int) bool { return !b.events[k].T.Before(from) })
	}
	for k := first; k < len(b.events); k++ {
		ev := b.events[k]
		if used[k] || ev.T.Before(from) {
			continue
		}
		if ev.T.After(until) {
			if b.eventsSorted {
				break
			}
			continue
		}
		if eventLane(ev) != lane || !contains(kinds, ev.Kind) {
			continue
		}
		// A rejection, cut or ES9+ error names its route: the
		// platform's its path, an SM-DP+'s its function.
		switch ev.Kind {
		case "request_rejected", "request_cut", "es9_error":
			if p := ev.str("path"); p != "" && p != e.Path {
				continue
			}
			if f := ev.str("function"); f != "" && f != route {
				continue
			}
		}
		return k, true
	}
	return 0, false
}

func eventLane(e event) string {
	if e.Actor == "smdp" {
		return SMDPLane(e.str("operator"))
	}
	return actorLane(e.Actor)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// addPlaced adds an item whose order was fixed by the caller (seq set).
func (b *Builder) addPlaced(it Item) {
	seq := it.seq
	b.Add(it)
	if seq != 0 {
		b.t.Items[len(b.t.Items)-1].seq = seq
	}
}

// exchangeItems renders one exchange as a request and an answer row.
func (b *Builder) exchangeItems(e capture.Exchange) (lane string, req, resp Item) {
	// Each row names the frame its message starts in (Wireshark's
	// frame.number), as the APDU lane's rows do.
	src, respSrc := "traffic.pcapng", "traffic.pcapng"
	if e.Frame > 0 {
		src = fmt.Sprintf("traffic.pcapng frame %d", e.Frame)
	}
	if e.RespFrame > 0 {
		respSrc = fmt.Sprintf("traffic.pcapng frame %d", e.RespFrame)
	}
	defer func() { resp.unanswered, resp.Source = e.Status == 0, respSrc }()
	// The card's connections are dialed through the tap; a client the
	// tap did not dial is another program on the host (a host LPA, curl:
	// outside tester sw91).
	client := LaneCard
	if e.Mark.Outside {
		client = LaneHost
	}
	meta := fmt.Sprintf("%s → %s (Host %s%s), captured %s", e.Client, e.Server, e.Host, tlsNote(e.TLS), e.Time.Format(time.RFC3339Nano))
	if strings.HasPrefix(e.Path, es9.PathPrefix) {
		m := capture.DecodeES9(e)
		lane = SMDPLane(b.smdpOperator(m.Server))
		req = Item{From: client, To: lane, Kind: KindES9, Source: src,
			Label:  "ES9+ " + m.Function + es9Summary(m),
			Detail: fmt.Sprintf("POST %s\n%s\n\n%s", e.Path, meta, bodyText(e.RequestBody))}
		resp = Item{From: lane, To: client, Kind: KindES9, Reply: true, Source: src}
		var parts []string
		parts = append(parts, statusText(e))
		if m.ExecutionStatus != "" {
			parts = append(parts, m.ExecutionStatus)
		}
		if m.SubjectCode != "" || m.ReasonCode != "" {
			parts = append(parts, fmt.Sprintf("subject %s reason %s", m.SubjectCode, m.ReasonCode))
		}
		if m.StatusMessage != "" {
			parts = append(parts, m.StatusMessage)
		}
		resp.Label = strings.Join(parts, " · ")
		resp.Failed = e.Status == 0 || e.Status >= 400 || (m.ExecutionStatus != "" && m.ExecutionStatus != es9.StatusSuccess) || m.Error != ""
		resp.Detail = fmt.Sprintf("%s\n%s", statusText(e), bodyText(e.ResponseBody))
		if m.Error != "" {
			resp.Detail = "decode: " + m.Error + "\n\n" + resp.Detail
		}
		return lane, req, resp
	}
	lane = LanePlatform
	line := e.Method + " " + e.Path
	if e.Method == "" {
		line = "(request line cut short)"
	}
	req = Item{From: client, To: lane, Kind: KindHTTP, Source: src,
		Label:  line,
		Detail: fmt.Sprintf("%s %s\n%s\n\n%s", e.Method, e.Path, meta, bodyText(e.RequestBody))}
	resp = Item{From: lane, To: client, Kind: KindHTTP, Reply: true, Source: src,
		Detail: fmt.Sprintf("%s\n%s", statusText(e), bodyText(e.ResponseBody))}
	msgs, err := capture.DecodePlatform([]capture.Exchange{e})
	parts := []string{statusText(e)}
	if err != nil {
		resp.Detail = "decode: " + err.Error() + "\n\n" + resp.Detail
		parts = append(parts, "undecodable")
		resp.Failed = true
	} else {
		m := msgs[0]
		req.Label += requestSummary(m)
		parts = append(parts, responseSummary(m)...)
		// A 200 whose body is not the API's is a protocol error like a
		// 5xx: the card could not use it.
		resp.Failed = m.Malformed != ""
	}
	resp.Label = strings.Join(parts, " · ")
	resp.Failed = resp.Failed || e.Status == 0 || e.Status >= 400
	return lane, req, resp
}

// es9Summary names what an ES9+ request carries that a reader traces
// through the other artifacts: a notification's seqNumber and operation,
// and an install result's outcome (outside tester sw87: seq 36 decoded
// from the base64 by hand).
func es9Summary(m capture.ES9Message) string {
	r, ok := m.Request.(*es9.HandleNotificationRequest)
	if !ok {
		return ""
	}
	n, err := es10.DecodePendingNotification(r.PendingNotification)
	if err != nil {
		return ""
	}
	md := n.Metadata()
	s := fmt.Sprintf(" · %s seq %d", md.Event, md.Seq)
	if n.Install != nil {
		if d := n.Install.Data; d.OK {
			s += " ok"
		} else {
			s += " failed, " + es10.Named("errorReason", d.ErrorReason, es10.ReasonName(d.ErrorReason))
		}
	}
	return s
}

func requestSummary(m capture.Message) string {
	switch {
	case m.ListRequest != nil:
		return " · serving " + m.ListRequest.ServingPLMN
	case m.Notification != nil:
		s := " · " + m.Notification.Kind
		if m.Notification.Operator != "" {
			s += " " + m.Notification.Operator
		}
		return s
	case m.Download != nil:
		return " · " + m.Download.Operator
	}
	return ""
}

func responseSummary(m capture.Message) []string {
	var out []string
	switch {
	case m.ListResponse != nil:
		ids := make([]string, len(m.ListResponse.Operators))
		for i, o := range m.ListResponse.Operators {
			ids[i] = o.ID
		}
		out = append(out, "["+strings.Join(ids, " ")+"]")
	case m.Ack != nil && !m.Ack.Ack:
		out = append(out, "not acknowledged")
	case m.DownloadResp != nil:
		out = append(out, m.DownloadResp.SMDPAddress)
	case m.Malformed != "":
		out = append(out, "malformed body: "+m.Malformed)
	}
	if m.Error != "" {
		out = append(out, m.Error)
	}
	return out
}

func statusText(e capture.Exchange) string {
	status := fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status))
	switch {
	case e.HeadCut:
		return "request cut short in its headers · " + status
	case e.Cut && e.Status != 0:
		return "request cut short · " + status
	case e.Cut:
		return "cut short: the connection ended"
	case e.Status == 0:
		return "no answer"
	}
	return status
}

func tlsNote(tls bool) string {
	if tls {
		return ", TLS decrypted"
	}
	return ""
}

// bodyText pretty-prints a JSON body, cut to maxBodyShown.
func bodyText(body []byte) string {
	if len(bytes.TrimSpace(body)) == 0 {
		return "(no body)"
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, body, "", "  "); err != nil {
		buf.Reset()
		buf.Write(body)
	}
	s := buf.String()
	if len(s) > maxBodyShown {
		s = s[:maxBodyShown] + fmt.Sprintf("\n… (%d bytes in all)", len(s))
	}
	return s
}

// smdpOperator maps an SM-DP+ host name to the operator whose log entries
// share its lane: the caller's map, else an operator the event log names
// that is a label of the host ("smdp.sfr.test" → sfr), else the host.
func (b *Builder) smdpOperator(host string) string {
	// A host name has no case (RFC 4343): an LPA may send it upper case,
	// as a QR code's alphanumeric mode writes it (outside tester sw91).
	host = strings.ToLower(host)
	if op, ok := b.t.Run.SMDP[host]; ok {
		return op
	}
	labels := strings.Split(host, ".")
	for _, ev := range b.events {
		if ev.Actor != "smdp" {
			continue
		}
		if op := ev.str("operator"); op != "" && contains(labels, op) {
			return op
		}
	}
	return host
}

// liveAnchor finds, for a live capture's exchange the Date window did not
// place, the first unused server entry for its route from the time of
// the exchange before it (the run's start for the first) to its Date (no
// bound without one).
func (b *Builder) liveAnchor(lane string, e capture.Exchange, est time.Time, before []struct{ req, resp Item }, used map[int]bool) (int, bool) {
	from := b.t.Start
	for j := len(before) - 1; j >= 0; j-- {
		if t := before[j].req.T; !t.IsZero() {
			from = t
			break
		}
	}
	until := est
	if until.IsZero() {
		until = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return b.anchorIn(lane, e, from, until, used)
}
