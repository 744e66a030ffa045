package timeline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/codec/stk"
	"github.com/esimhil/esimhil/internal/linescan"
)

// event is one line of events.jsonl.
type event struct {
	T      time.Time
	Actor  string
	Kind   string
	Fields map[string]any
	Line   int
}

func (e event) str(k string) string {
	s, _ := e.Fields[k].(string)
	return s
}

// maxLineBytes bounds one line of at.log the page reads (events.jsonl's
// is eventlog.MaxLine, which its writer keeps to).
const maxLineBytes = 1 << 20

// maxBadLines is how many unreadable lines of a log the page skips
// before it stops reading: a few are damage (a write cut by a full disk,
// a hand edit) worth reading past, thousands are not an event log.
const maxBadLines = 100

// scanEventLog parses events.jsonl: one JSON object per line with t,
// actor and event first. An unreadable line (one over eventlog.MaxLine
// too, which the log writes none over: a damaged or foreign file's) is
// skipped and the rest read; the error names the lines left out (and a
// last line cut short, which a write that stopped mid-line leaves). lines
// is how many lines the file holds, 0 when reading stopped before its end.
// Each event, as its line is read, goes to each (if not nil), which
// returns what to keep of it; room (if not nil), before the first, is
// told how many lines the file holds that are long enough to be an event
// (an upper bound on its events). A long log's field maps are most of
// what its rows cost: kept all at once beside the rows, a million-line
// log's page took 2 GB (t265).
func scanEventLog(path string, room func(lines int), each func(event) event) (evs []event, lines int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	// Counted first, so that the events and whatever room made are sized
	// once: grown by appends, the old and new arrays are both live.
	// Only a regular file can be read twice. A count that fails costs
	// only the room: the read below meets the same error and keeps the
	// rows before it, naming the line.
	most := 0
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		if most, err = countLines(f, minEventLine); err != nil {
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				return nil, 0, err
			}
			most = 0
		}
	}
	// A foreign file of long lines (reading stops at its 100th bad one)
	// must not have room made for all of them: past maxRoom, appends.
	most = min(most, maxRoom)
	if room != nil {
		room(most)
	}
	out := make([]event, 0, most)
	var bad badLines
	n := 0
	sc := linescan.New(f, eventlog.MaxLine)
	for sc.Scan() {
		n++
		if long, ok := sc.TooLong(); ok {
			if bad.add(n, eventlog.TooLong(long)) {
				break
			}
			continue
		}
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		e, err := parseEvent(line, n)
		if err != nil {
			if bad.add(n, err) {
				break
			}
			continue
		}
		if each != nil {
			e = each(e)
		}
		out = append(out, e)
	}
	errs := bad.report(f, n, "events")
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Sprintf("reading line %d: %v; the events after it are not shown", n+1, err))
	}
	if bad.stopped == 0 && sc.Err() == nil {
		lines = n
	}
	if len(errs) > 0 {
		return out, lines, errors.New(strings.Join(errs, "; "))
	}
	return out, lines, nil
}

// maxRoom bounds the events and rows made room for before reading: four
// times a run's event limit, which only a hand-made log passes.
const maxRoom = 1 << 20

// minEventLine is the shortest line an event can be (t is the one field
// eventlog.ParseLine requires).
var minEventLine = len(`{"t":"2006-01-02T15:04:05Z"}`)

// countLines counts f's lines (a last one without a newline too) of at
// least least bytes, and rewinds f: an upper bound on the events it
// holds that a file of short lines (not an event log) does not make
// large.
func countLines(f *os.File, least int) (int, error) {
	buf := make([]byte, 64<<10)
	n, run := 0, 0 // run: the current line's bytes so far
	for {
		k, err := f.Read(buf)
		for b := buf[:k]; len(b) > 0; {
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				run += len(b)
				break
			}
			if run+i >= least {
				n++
			}
			run, b = 0, b[i+1:]
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	if run >= least {
		n++
	}
	_, err := f.Seek(0, io.SeekStart)
	return n, err
}

// laterFields are the fields of an event that the readers after the
// event log's own look at (the capture's HTTP placed by its server's log
// entry, an SM-DP+ host matched to its operator): Builder.events keeps
// these only.
var laterFields = [...]string{"operator", "path", "function"}

// forLater is what Builder.events keeps of e once its row is made.
func forLater(e event) event {
	var kept map[string]any
	for _, k := range laterFields {
		if v, ok := e.Fields[k]; ok {
			if kept == nil {
				kept = make(map[string]any, len(laterFields))
			}
			kept[k] = v
		}
	}
	e.Fields = kept
	return e
}

// tooLong is the reason a line of at.log over maxLineBytes is skipped.
func tooLong(n int64) error {
	return fmt.Errorf("%d bytes long, over the %d MiB a line of at.log may hold", n, maxLineBytes>>20)
}

// badLines collects the unreadable lines of a line-oriented artifact
// (events.jsonl, at.log) that a reader skips to read the rest.
type badLines struct {
	lines   []int
	first   error
	stopped int // the line reading stopped at (maxBadLines reached), 0 if none
}

// add notes line n unreadable; true when the reader should stop.
func (b *badLines) add(n int, err error) bool {
	b.lines = append(b.lines, n)
	if b.first == nil {
		b.first = err
	}
	if len(b.lines) >= maxBadLines {
		b.stopped = n
		return true
	}
	return false
}

// report says what was left out of f, read to line n; what names the
// file's entries ("events", "lines").
func (b *badLines) report(f *os.File, n int, what string) []string {
	if len(b.lines) == 0 {
		if n > 0 && cutShort(f) {
			return []string{fmt.Sprintf("line %d, the last, has no newline: the log may stop in the middle of a write", n)}
		}
		return nil
	}
	// A last line cut in the middle of a write is named as such, also
	// beside other unreadable lines: it says the writer was stopped.
	lines := b.lines
	cut := b.stopped == 0 && lines[len(lines)-1] == n && cutShort(f)
	cutMsg := fmt.Sprintf("line %d, the last, is cut short (no newline): the log stops in the middle of a write", n)
	if cut {
		lines = lines[:len(lines)-1]
		if len(lines) == 0 {
			return []string{cutMsg}
		}
	}
	bad := fmt.Sprintf("line %d unreadable (%v)", lines[0], b.first)
	if len(lines) > 1 {
		bad = fmt.Sprintf("%d lines unreadable (%s; the first: %v)", len(lines), lineList(lines), b.first)
	}
	if b.stopped > 0 {
		return []string{bad + fmt.Sprintf("; stopped reading at line %d: the %s after it are not shown", b.stopped, what)}
	}
	out := []string{bad + "; left out, the rest of the file was read"}
	if cut {
		out = append(out, cutMsg)
	}
	return out
}

// parseEvent reads line n of events.jsonl.
func parseEvent(line []byte, n int) (event, error) {
	e, err := eventlog.ParseLine(line)
	if err != nil {
		return event{}, err
	}
	return event{T: e.T, Actor: e.Actor, Kind: string(e.Kind), Fields: e.Fields, Line: n}, nil
}

// lineList names line numbers, the first ten of them.
func lineList(ns []int) string {
	var b strings.Builder
	b.WriteString("lines ")
	for i, n := range ns {
		if i == 10 {
			fmt.Fprintf(&b, " and %d more", len(ns)-10)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, n)
	}
	return b.String()
}

// cutShort reports whether f's last byte is not a newline.
func cutShort(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return false
	}
	last := make([]byte, 1)
	if _, err := f.ReadAt(last, fi.Size()-1); err != nil {
		return false
	}
	return last[0] != '\n'
}

// failureKinds are events that report something going wrong, whatever
// their fields say.
var failureKinds = map[string]bool{
	"attach_failed": true, "notification_failed": true, "bip_error": true,
	"preferred_list_failed": true, "profile_enable_failed": true, "es9_error": true,
	"request_rejected": true, "request_cut": true, "attach_timeout": true, "list_exhausted": true,
	"error": true, "no_service": true, "fallback_failed": true, "fallback_exhausted": true,
	"run_incomplete": true, "event_limit": true, "note_dropped": true,
}

// arrows are events that are a message from one actor to another.
var arrows = map[string]struct {
	from, to string
	reply    bool
}{
	"attach_attempt": {LaneModem, LaneWorld, false},
	"attach_result":  {LaneWorld, LaneModem, true},
	"refresh":        {LaneCard, LaneModem, false},
}

// labelOmits are fields left out of a row's label (they stay in its
// detail): the EID is the same on every row of a run.
var labelOmits = map[string]bool{"eid": true}

func readEvents(path string, b *Builder) error {
	// Each row is made as its line is read, and the event kept without
	// the fields no later reader looks at.
	evs, lines, err := scanEventLog(path, func(lines int) {
		// Sized once: growing 100,000 rows by appends was a fifth of a
		// long run's page (each growth copies and faults in fresh pages).
		b.t.Items = slices.Grow(b.t.Items, lines)
		b.evSeq = slices.Grow(b.evSeq, lines)
	}, func(e event) event {
		if !e.T.IsZero() && (b.t.Start.IsZero() || e.T.Before(b.t.Start)) {
			b.t.Start = e.T
		}
		b.onEventClock(e.T)
		b.Add(eventItem(e, b.faults))
		b.evSeq = append(b.evSeq, b.seq)
		return forLater(e)
	})
	b.events, b.eventLines = evs, lines
	b.eventsSorted = slices.IsSortedFunc(evs, func(x, y event) int { return x.T.Compare(y.T) })
	if err == nil && len(evs) == 0 {
		// A run logs run_started first: an empty log was cut to nothing
		// or never written.
		return errors.New("empty: no event to show (a run logs run_started first; this file was cut to nothing or never written)")
	}
	return err
}

func eventItem(e event, fw *faultWindows) Item {
	lane := actorLane(e.Actor)
	if e.Actor == "smdp" {
		lane = SMDPLane(e.str("operator"))
	}
	it := Item{
		T: e.T, From: lane, Kind: KindEvent,
		Label:    eventLabel(e),
		Detail:   eventDetail(e),
		Source:   fmt.Sprintf("events.jsonl:%d", e.Line),
		Failed:   failureKinds[e.Kind] || e.Fields["ok"] == false || e.str("refused") != "",
		priority: prioEvent,
	}
	if a, ok := arrows[e.Kind]; ok && e.Actor == actorOf(a.from, a.to, e.Actor) {
		it.From, it.To, it.Reply = a.from, a.to, a.reply
	}
	if e.Actor == "world" && e.Kind == "attach_result" && e.str("registration") == "none" {
		// One network of an attach that found none answering: the
		// no_service row after them says so, counted apart; the
		// attempts are no failure either — drawn as such, only not
		// counted twice.
		it.Failed, it.Refused, it.uncounted = false, "a network an attach without service tried", true
	}
	if e.Kind == "fault" {
		it.Kind = KindFault
		it.From, it.fault = fw.add(e)
		it.Failed = false
	}
	if r := refusal(e); r != "" {
		it.Refused, it.Failed = r, false
	}
	return it
}

// refusal names what an event records when it is a refusal a real device
// gives in the run's conditions rather than a failure of the run: the
// terminal answering a toolkit command "currently unable to process"
// (TS 102 223 §8.12: without coverage, "no service"), a card request not
// sent for that reason, an attach that found no network. Rows of one
// name are counted together on the page. "" when it is none.
//
// The card says what the terminal answered in the "result" field of
// stk_error, bip_error and the failures that follow from one ("20/04",
// written by the toolkit codec); the reason's words are for people and
// are not read. profile_enable_failed's result is ES10c's, a number: not
// a toolkit result, so not read either. A result that does not parse is
// no refusal: the row stays what its kind makes it.
func refusal(e event) string {
	if e.Actor == "world" && e.Kind == "no_service" {
		return refusedAttach
	}
	if e.Actor != "euicc" {
		return ""
	}
	s, ok := e.Fields["result"].(string)
	if !ok {
		return ""
	}
	r, err := stk.ParseResult(s)
	if err != nil {
		return ""
	}
	why, ok := r.Refusal()
	switch {
	case !ok:
		return ""
	case e.Kind == "stk_error" || e.Kind == "bip_error":
		return refusedToolkit + ": " + why
	}
	return refusedRequest + ": " + why
}

// The kinds of refusal, as one row is named; refusals counts them.
const (
	refusedAttach  = "attach without service"
	refusedToolkit = "toolkit command refused"
	refusedRequest = "card request not sent"
)

// refusedMany are those names for more than one row.
var refusedMany = map[string]string{
	refusedAttach:  "attaches without service",
	refusedToolkit: "toolkit commands refused",
	refusedRequest: "card requests not sent",
}

// refusalCount is one kind of refusal and how many rows it has.
type refusalCount struct {
	N    int
	What string // "toolkit commands refused: no service"
}

// refusals counts the refused rows by name, in the order each first
// appears.
func refusals(items []Item) []refusalCount {
	var out []refusalCount
	at := map[string]int{}
	for _, it := range items {
		if it.Refused == "" || it.uncounted {
			continue
		}
		i, ok := at[it.Refused]
		if !ok {
			i, at[it.Refused] = len(out), len(out)
			out = append(out, refusalCount{What: it.Refused})
		}
		out[i].N++
	}
	for i, c := range out {
		if c.N == 1 {
			continue
		}
		kind, why, _ := strings.Cut(c.What, ": ")
		if many, ok := refusedMany[kind]; ok {
			out[i].What = many
			if why != "" {
				out[i].What += ": " + why
			}
		}
	}
	return out
}

// actorOf accepts an arrow for the actor that logs it (the world logs
// attach_*, the modem logs refresh).
func actorOf(from, to, actor string) string {
	if l := actorLane(actor); l == from || l == to {
		return actor
	}
	return ""
}

func eventLabel(e event) string {
	var sb strings.Builder
	sb.WriteString(e.Kind)
	for _, k := range slices.Sorted(maps.Keys(e.Fields)) {
		if labelOmits[k] {
			continue
		}
		fmt.Fprintf(&sb, " %s=%s", k, fieldText(e.Fields[k]))
	}
	return sb.String()
}

func eventDetail(e event) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s %s (%s)\n", e.Actor, e.Kind, e.T.Format(time.RFC3339Nano))
	for _, k := range slices.Sorted(maps.Keys(e.Fields)) {
		fmt.Fprintf(&sb, "  %s: %s\n", k, fieldText(e.Fields[k]))
	}
	return sb.String()
}

func fieldText(v any) string {
	switch x := v.(type) {
	case string:
		if x == "" || strings.ContainsAny(x, " \t") {
			return fmt.Sprintf("%q", x)
		}
		return x
	case []any:
		parts := make([]string, len(x))
		for i, y := range x {
			parts[i] = fieldText(y)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case nil:
		return "null"
	}
	// Without HTML escapes: the page escapes the label itself, and
	// json.Marshal's \u003c would be shown for a '<'.
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
