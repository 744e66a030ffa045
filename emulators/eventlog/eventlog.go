// Package eventlog records what the rig's actors did, stamped with simulated
// time, and writes it as events.jsonl: one JSON object per line,
// {"t": RFC 3339 with nanoseconds, "actor": ..., "event": ..., fields...},
// fields in key order, so the same scenario and seed give the same bytes.
package eventlog

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esimhil/esimhil/internal/jsonappend"
)

// Actors that emit events.
const (
	EUICC    = "euicc"
	Modem    = "modem"
	World    = "world"
	Platform = "platform"
	SMDP     = "smdp"
	Harness  = "harness"
)

// F holds an event's fields. Values must marshal to JSON deterministically
// (strings, numbers, bools, slices and maps of those).
type F map[string]any

// Event is one entry of the log.
type Event struct {
	T      time.Time
	Actor  string
	Kind   Kind
	Fields F
}

// Get returns a field, or nil.
func (e Event) Get(key string) any { return e.Fields[key] }

// Str returns a field as a string ("" if missing or not a string).
func (e Event) Str(key string) string {
	s, _ := e.Fields[key].(string)
	return s
}

// Strs returns a field as a list of strings, as logged ([]string) or as
// read back from events.jsonl ([]any); nil if missing or not a list.
func (e Event) Strs(key string) []string {
	switch x := e.Fields[key].(type) {
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, v := range x {
			s, _ := v.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}

// Int returns a whole-number field as logged (an int) or as read back
// from events.jsonl (a json.Number, a float64); false if missing or not
// one.
func (e Event) Int(key string) (int, bool) {
	switch x := e.Fields[key].(type) {
	case int:
		return x, true
	case int64:
		return int(x), true
	case json.Number:
		n, err := strconv.Atoi(string(x))
		return n, err == nil
	case float64:
		n := int(x)
		return n, float64(n) == x
	}
	return 0, false
}

// MarshalJSON writes the event's line: t, actor and event first, then
// the fields sorted by key; an event whose line would be over MaxLine as
// shortened.
func (e Event) MarshalJSON() ([]byte, error) {
	_, b, err := e.appendLine(make([]byte, 0, lineSize))
	return b, err
}

// lineSize holds an event's line, newline included, but for a rare long
// one (the longest of the exploration cases' is 242 bytes).
const lineSize = 256

// maxKeptLine bounds the buffer a log keeps for its next line: a rare
// long line (up to MaxLine) is not held for the log's life.
const maxKeptLine = 64 << 10

// appendJSON appends the event's JSON to b.
func (e Event) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"t":`...)
	b = e.T.UTC().AppendFormat(append(b, '"'), time.RFC3339Nano) // digits and signs only
	b = append(b, `","actor":`...)
	b = jsonappend.String(b, e.Actor)
	b = append(b, `,"event":`...)
	b = jsonappend.String(b, string(e.Kind))
	var few [8]string // an event's fields fit: no allocation
	keys := few[:0]
	for key := range e.Fields {
		if key == "t" || key == "actor" || key == "event" {
			continue
		}
		keys = append(keys, key)
	}
	slices.Sort(keys)
	for _, key := range keys {
		b = jsonappend.String(append(b, ','), key)
		b = append(b, ':')
		var err error
		if b, err = appendValue(b, e.Fields[key]); err != nil {
			return nil, fmt.Errorf("event %s field %s: %w", e.Kind, key, err)
		}
	}
	return append(b, '}'), nil
}

// appendValue appends v as json.Marshal writes it: strings, booleans and
// integers here, anything else through json.Marshal.
func appendValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case string:
		return jsonappend.String(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	}
	j, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, j...), nil
}

// String renders the event as its JSON line.
func (e Event) String() string {
	b, err := e.MarshalJSON()
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// Log is an append-only event log. A nil *Log discards everything, so
// emulators can run without one.
type Log struct {
	now  func() time.Time
	mu   sync.Mutex
	evs  []Event
	subs []func(Event)
	// unregistered counts events whose actor/kind pair is not in the
	// registry (Register): a bug the rig reports when it closes.
	unregistered map[string]int
	// limit bounds len(evs) (0: none); past it events are counted in
	// dropped, not kept, and Full reports true.
	limit, dropped int
	// sink receives each event as its JSON line when it is logged.
	sink    io.Writer
	sinkErr error
	// sinkMax bounds the bytes the sink is given (0: none), sinkN counts
	// them; past the bound one LimitKind event ends the stream, full is
	// called once, and later events are not written (StreamBounded).
	sinkMax, sinkN int64
	sinkFull       bool
	full           func()
	// sinkEnded: the record ended (EndStream); only a run_incomplete is
	// written after it.
	sinkEnded bool
	// failed is told the write error that stops the stream, once, as it
	// happens (StreamBounded).
	failed func(error)
	// line is streamLocked's buffer, reused under mu: a sink does not
	// keep what it is given (io.Writer), and a line an event cost an
	// exploration case a few hundred allocations.
	line []byte
	// pass: keep nothing, only hand events on (NewPassing).
	pass bool
	// logged counts the events kept or handed on (Count). It changes
	// under mu, last in Emit; Count reads it without taking mu, which a
	// capture's every frame would contend for.
	logged atomic.Int64
}

// LimitKind is the last event a full log keeps: {limit} (SetLimit); the
// last a bounded stream writes: {limit_bytes, reason} (StreamBounded).
const LimitKind Kind = "event_limit"

// New returns a log that stamps events with now (the rig's virtual clock).
func New(now func() time.Time) *Log {
	return &Log{now: now}
}

// NewPassing returns a log that keeps no events: it hands each one to its
// subscribers (and stream) and forgets it, for runs too large to hold in
// memory (a fleet's shared servers, thousands of devices).
func NewPassing(now func() time.Time) *Log {
	return &Log{now: now, pass: true}
}

// Emit appends an event. A kind not registered for actor is logged all
// the same and counted (Unregistered).
func (l *Log) Emit(actor string, kind Kind, f F) {
	if l == nil {
		return
	}
	e := Event{T: l.now(), Actor: actor, Kind: kind, Fields: f}
	if e.Fields == nil {
		e.Fields = F{}
	}
	known := Known(actor, kind)
	// A field named as the line's own keys would be lost from its line
	// (appendJSON writes those once): as loud as an unknown kind (outside
	// tester sw97: notification_dropped's event never reached the file).
	var reserved []string
	for _, k := range []string{"t", "actor", "event"} {
		if _, ok := f[k]; ok {
			reserved = append(reserved, k)
		}
	}
	l.mu.Lock()
	if !known || len(reserved) > 0 {
		if l.unregistered == nil {
			l.unregistered = map[string]int{}
		}
	}
	if !known {
		l.unregistered[actor+"/"+string(kind)]++
	}
	for _, k := range reserved {
		l.unregistered[actor+"/"+string(kind)+" field "+k+" (a line's own key)"]++
	}
	if l.pass {
		e = l.streamLocked(e)
		l.logged.Add(1)
		subs := l.subs
		l.mu.Unlock()
		for _, s := range subs {
			s(e)
		}
		return
	}
	// run_incomplete says why the run stopped, the limit among the
	// reasons: a full log takes it past its bound.
	closing := actor == Harness && kind == KindRunIncomplete
	if l.limit > 0 && len(l.evs) >= l.limit && !closing {
		l.dropped++
		l.mu.Unlock()
		return
	}
	if l.limit > 0 && len(l.evs) == l.limit-1 && !closing {
		// The last slot says why the log ends here.
		e = Event{T: e.T, Actor: Harness, Kind: LimitKind, Fields: F{"limit": l.limit}}
		l.dropped++
	}
	e = l.streamLocked(e)
	l.evs = append(l.evs, e)
	l.logged.Add(1)
	subs := l.subs
	l.mu.Unlock()
	for _, s := range subs {
		s(e)
	}
}

// Count is how many events the log has taken (kept, or handed on by a
// passing log), not counting those a full log dropped: the line of
// events.jsonl written last, for a log streamed from its start (until
// EndStream: past it, the events the record leaves out count too). Counted
// once an event is streamed, while Emit holds the lock that orders the
// events, it places what another goroutine records (a capture's frames)
// among them.
func (l *Log) Count() int {
	if l == nil {
		return 0
	}
	return int(l.logged.Load())
}

// SetLimit bounds the log to n events (0: no bound): the n-th is an
// event_limit event and later ones are dropped, so a runaway run cannot
// take the machine's memory; a run_incomplete, which ends a log, is kept
// past it.
func (l *Log) SetLimit(n int) {
	l.mu.Lock()
	l.limit = n
	l.mu.Unlock()
}

// Full reports whether the log reached its limit; dropped counts the
// events it did not keep.
func (l *Log) Full() (full bool, dropped int) {
	if l == nil {
		return false, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit > 0 && len(l.evs) >= l.limit, l.dropped
}

// Subscribe calls f for every later event, on the emitter's goroutine.
func (l *Log) Subscribe(f func(Event)) {
	if l == nil {
		return
	}
	l.mu.Lock()
	l.subs = append(l.subs, f)
	l.mu.Unlock()
}

// Events returns a copy of all events so far.
func (l *Log) Events() []Event {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Event(nil), l.evs...)
}

// Unregistered returns "actor/kind" of every event logged with a kind its
// actor did not register, sorted; nil when there was none.
func (l *Log) Unregistered() []string {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for k := range l.unregistered {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Kind returns the events of one kind, in order. Callers that take the kind
// from a user (spec helpers) check it with CheckKind first.
func (l *Log) Kind(kind Kind) []Event {
	var out []Event
	for _, e := range l.Events() {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// Stream writes the events logged so far to w as JSON lines, then every
// later one as it is logged, in log order: a run killed at any point
// leaves every event before the kill on disk (w unbuffered). The first
// write error stops the stream and is kept (StreamErr).
func (l *Log) Stream(w io.Writer) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sink = w
	for _, e := range l.evs {
		l.streamLocked(e)
	}
	return l.sinkErr
}

// StreamLineRoom is the room a bounded stream keeps for its last line,
// the LimitKind event that says it is full: the smallest bound it takes.
const StreamLineRoom = 256

// StreamBounded is Stream with at most max bytes given to w: the event
// whose line would take the stream past max-StreamLineRoom is replaced by
// a LimitKind event {limit_bytes, reason}, full is called (once, under the
// log's lock: it must not log), and no later event is written; the file
// ends on a whole line. failed (if not nil; under the lock too) is told
// the write error that stops the stream as it happens, not only at
// StreamErr: a writer that runs for days (esimhil serve, whose events no
// run limit bounds) says at once that its events are no longer kept.
func (l *Log) StreamBounded(w io.Writer, max int64, full func(), failed func(error)) error {
	if max < StreamLineRoom {
		return fmt.Errorf("stream events: a bound of %d bytes, under the %d its last line needs", max, StreamLineRoom)
	}
	l.mu.Lock()
	l.sinkMax, l.full, l.failed = max, full, failed
	l.mu.Unlock()
	return l.Stream(w)
}

// EndStream ends what the stream records: later events are kept, counted
// and handed on as before, but written only if they say the run did not
// finish (run_incomplete, which ends a log whenever the run stops). A rig
// ends it at run_ended, the record's last event: what the harness then does
// to the device (the exploration's end read, which waits for the power and
// boots the card) is the checker's, not the run's.
func (l *Log) EndStream() {
	if l == nil {
		return
	}
	l.mu.Lock()
	l.sinkEnded = true
	l.mu.Unlock()
}

// StreamErr is the error that stopped the stream, if any.
func (l *Log) StreamErr() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sinkErr
}

// streamLocked writes e to the sink and returns it as its line has it:
// shortened when the line would be over MaxLine; callers hold l.mu.
//
// Emit keeps and hands on the event streamLocked returns: the
// subscribers, Events() and events.jsonl all hold the same shortened
// event, so a run's own check (scenario.Check on Events()) and its
// recheck from the file (scenario.ReadEvents) judge the same event — a
// field over 1 MiB is a peer's junk, whose whole text is not worth a
// verdict that differs with where the events are read. Shortened before
// the log keeps it, an event is the same whether the log streams or not.
// A streamed event's length is its line's, encoded anyway; a log without
// a stream counts a bound from its fields instead (lineBound): an event
// of normal length costs a length compare, or a loop over its fields.
func (l *Log) streamLocked(e Event) Event {
	ended := l.sinkEnded && !(e.Actor == Harness && e.Kind == KindRunIncomplete)
	if l.sink == nil || l.sinkErr != nil || l.sinkFull || ended {
		if lineBound(e) > MaxLine {
			e = e.shortened()
		}
		return e
	}
	if l.line == nil {
		l.line = make([]byte, 0, lineSize)
	}
	e, b, err := e.appendLine(l.line[:0])
	if err == nil && l.sinkMax > 0 && l.sinkN+int64(len(b))+1 > l.sinkMax-StreamLineRoom {
		l.sinkFull = true
		if l.full != nil {
			l.full()
		}
		last := Event{T: e.T, Actor: Harness, Kind: LimitKind, Fields: F{"limit_bytes": l.sinkMax,
			"reason": fmt.Sprintf("the stream reached its bound of %d bytes: later events are not written", l.sinkMax)}}
		_, b, err = last.appendLine(b[:0])
	}
	if err == nil {
		var n int
		b = append(b, '\n')
		n, err = l.sink.Write(b)
		l.sinkN += int64(n)
	}
	if cap(b) <= maxKeptLine {
		l.line = b[:0]
	}
	if err != nil {
		l.sinkErr = fmt.Errorf("stream events: %w", err)
		if l.failed != nil {
			l.failed(l.sinkErr)
		}
	}
	return e
}

// lineBound is at least the length of e's line, counted from its fields'
// lengths (a string's every byte takes at most 6 in JSON, \u00XX; t and
// the keys' quotes and colons fewer than 128); more than MaxLine when a
// field is of a type only its encoding tells the length of (none of
// ours: a map, a struct).
func lineBound(e Event) int {
	n := 128 + 6*(len(e.Actor)+len(e.Kind))
	for k, v := range e.Fields {
		n += 6*len(k) + 4
		switch x := v.(type) {
		case string:
			n += 6*len(x) + 2
		case bool, int, int64, uint64, int32, uint32, int16, uint16, int8, uint8, float64, nil:
			n += 24
		case []string:
			n += 2
			for _, s := range x {
				n += 6*len(s) + 3
			}
		default:
			return MaxLine + 1
		}
	}
	return n
}

// WriteJSONL writes every event as one JSON line.
func (l *Log) WriteJSONL(w io.Writer) error { return WriteLines(w, l.Events()) }

// WriteLines writes events as JSON lines, as a log streams them into
// events.jsonl.
func WriteLines(w io.Writer, events []Event) error {
	for _, e := range events {
		b, err := e.MarshalJSON()
		if err != nil {
			return err
		}
		b = append(b, '\n')
		if _, err := w.Write(b); err != nil {
			return fmt.Errorf("write events: %w", err)
		}
	}
	return nil
}
