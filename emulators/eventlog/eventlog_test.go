package eventlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestJSONLinesAreCanonical(t *testing.T) {
	now := time.Date(2026, 1, 1, 1, 2, 3, 4, time.UTC)
	tests := []struct {
		name  string
		actor string
		kind  Kind
		f     F
		want  string
	}{
		{"no fields", Modem, "refresh", nil,
			`{"t":"2026-01-01T01:02:03.000000004Z","actor":"modem","event":"refresh"}`},
		{"fields sorted", EUICC, "profile_enabled", F{"operator": "sfr", "iccid": "8933", "original": false},
			`{"t":"2026-01-01T01:02:03.000000004Z","actor":"euicc","event":"profile_enabled","iccid":"8933","operator":"sfr","original":false}`},
		{"reserved keys ignored", World, "x", F{"t": "bad", "event": "bad", "plmn": "20801"},
			`{"t":"2026-01-01T01:02:03.000000004Z","actor":"world","event":"x","plmn":"20801"}`},
		{"lists and nested", Platform, "preferred_list_served", F{"operators": []string{"sfr", "orange-fr"}, "n": map[string]int{"b": 2, "a": 1}},
			`{"t":"2026-01-01T01:02:03.000000004Z","actor":"platform","event":"preferred_list_served","n":{"a":1,"b":2},"operators":["sfr","orange-fr"]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := New(func() time.Time { return now })
			l.Emit(tc.actor, tc.kind, tc.f)
			var b bytes.Buffer
			if err := l.WriteJSONL(&b); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); got != tc.want+"\n" {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestNilLogDiscards(t *testing.T) {
	var l *Log
	l.Emit(Modem, "x", nil)
	if n := len(l.Events()); n != 0 {
		t.Fatalf("nil log holds %d events", n)
	}
}

func TestUnmarshalableFieldIsAnError(t *testing.T) {
	l := New(time.Now)
	l.Emit(Harness, "bad", F{"ch": make(chan int)})
	if err := l.WriteJSONL(&bytes.Buffer{}); err == nil {
		t.Fatal("a channel field marshalled without error")
	}
}

func TestSubscribeAndKind(t *testing.T) {
	l := New(time.Now)
	var seen []Kind
	l.Subscribe(func(e Event) { seen = append(seen, e.Kind) })
	l.Emit(EUICC, "a", nil)
	l.Emit(EUICC, "b", F{"k": "v"})
	l.Emit(EUICC, "a", nil)
	if len(seen) != 3 || len(l.Kind("a")) != 2 || l.Kind("b")[0].Str("k") != "v" {
		t.Fatalf("seen %v, kinds a=%d", seen, len(l.Kind("a")))
	}
}

// The registry: kinds are registered per actor; an event of a kind its
// actor did not register is still logged, and counted.
func TestRegistry(t *testing.T) {
	Register("test-actor", "tested", "probed")
	if !Known("test-actor", "tested") || Known("test-actor", "other") || Known(World, "tested") || !KnownKind("probed") {
		t.Fatal("registry lookups")
	}
	if err := CheckKind("no_such_kind_anywhere"); err == nil || !strings.Contains(err.Error(), `"no_such_kind_anywhere"`) {
		t.Fatalf("CheckKind: %v", err)
	}
	if ks := Registered()["test-actor"]; len(ks) != 2 || ks[0] != "probed" || ks[1] != "tested" {
		t.Fatalf("registered %v", ks)
	}
	l := New(time.Now)
	l.Emit("test-actor", "tested", nil)
	l.Emit("test-actor", "unheard_of", nil)
	l.Emit("test-actor", "unheard_of", nil)
	if u := l.Unregistered(); len(u) != 1 || u[0] != "test-actor/unheard_of" || len(l.Events()) != 3 {
		t.Fatalf("unregistered %v, %d events", u, len(l.Events()))
	}
	// A field named as a line's own key would be lost from the line: as
	// loud as an unknown kind (outside tester sw97).
	l.Emit("test-actor", "tested", F{"event": "x"})
	if u := l.Unregistered(); len(u) != 2 || u[0] != "test-actor/tested field event (a line's own key)" {
		t.Fatalf("unregistered %v", u)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("an empty kind registered")
		}
	}()
	Register("test-actor", "")
}

// The limit keeps the first n-1 events and an event_limit event; the rest
// are counted, and Full says so.
func TestLimit(t *testing.T) {
	l := New(func() time.Time { return time.Unix(0, 0) })
	l.SetLimit(3)
	for i := range 5 {
		l.Emit(EUICC, "tick", F{"i": i})
	}
	evs := l.Events()
	if len(evs) != 3 || evs[2].Kind != LimitKind || evs[2].Get("limit") != 3 || evs[1].Get("i") != 1 {
		t.Fatalf("events %v", evs)
	}
	if full, dropped := l.Full(); !full || dropped != 3 {
		t.Errorf("Full() = %v, %d; want true, 3", full, dropped)
	}
	// The run_incomplete that ends a stopped run is kept past the limit.
	l.Emit(Harness, KindRunIncomplete, F{"reason": "event limit reached"})
	if evs := l.Events(); len(evs) != 4 || evs[3].Kind != KindRunIncomplete {
		t.Errorf("after run_incomplete: %v", evs)
	}
}

// Stream writes what was logged before it started, then each event as it
// is logged, byte for byte as WriteJSONL does.
func TestStream(t *testing.T) {
	l := New(func() time.Time { return time.Unix(0, 0) })
	l.Emit(Modem, "before", nil)
	var got bytes.Buffer
	if err := l.Stream(&got); err != nil {
		t.Fatal(err)
	}
	l.Emit(World, "after", F{"k": "v"})
	if !strings.Contains(got.String(), `"event":"after"`) {
		t.Fatalf("the later event is not streamed at once: %q", got.String())
	}
	var all bytes.Buffer
	if err := l.WriteJSONL(&all); err != nil || all.String() != got.String() {
		t.Errorf("stream %q\nwant %q (%v)", got.String(), all.String(), err)
	}
	l2 := New(time.Now)
	l2.Stream(failWriter{})
	l2.Emit(Modem, "x", nil)
	if l2.StreamErr() == nil {
		t.Error("a failed write is not reported")
	}
}

// TestEndStream: past EndStream the stream writes only a run_incomplete;
// the log keeps, counts and hands on every event as before.
func TestEndStream(t *testing.T) {
	tests := []struct {
		name  string
		after []Kind // harness events logged after the end
		want  []string
	}{
		{"nothing after", nil, []string{"run_ended"}},
		{"a boot after", []Kind{"power", "card"}, []string{"run_ended"}},
		{"incomplete after", []Kind{"power", KindRunIncomplete}, []string{"run_ended", "run_incomplete"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := New(func() time.Time { return time.Unix(0, 0) })
			var got bytes.Buffer
			if err := l.Stream(&got); err != nil {
				t.Fatal(err)
			}
			seen := 0
			l.Subscribe(func(Event) { seen++ })
			l.Emit(Harness, KindRunEnded, nil)
			l.EndStream()
			for _, k := range tt.after {
				l.Emit(Harness, k, nil)
			}
			var kinds []string
			for _, line := range strings.Split(strings.TrimSuffix(got.String(), "\n"), "\n") {
				e, err := ParseLine([]byte(line))
				if err != nil {
					t.Fatal(err)
				}
				kinds = append(kinds, string(e.Kind))
			}
			if !slices.Equal(kinds, tt.want) {
				t.Errorf("streamed %v, want %v", kinds, tt.want)
			}
			n := 1 + len(tt.after)
			if len(l.Events()) != n || l.Count() != n || seen != n {
				t.Errorf("kept %d, counted %d, handed on %d events, want %d each", len(l.Events()), l.Count(), seen, n)
			}
		})
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// Count is the line of events.jsonl written last: every event kept or
// handed on, none of those a full log dropped.
func TestCount(t *testing.T) {
	at := func() time.Time { return time.Unix(0, 0) }
	tests := []struct {
		name string
		log  func() *Log
		emit int
		want int
	}{
		{"nil log", func() *Log { return nil }, 2, 0},
		{"kept", func() *Log { return New(at) }, 4, 4},
		{"limit", func() *Log { l := New(at); l.SetLimit(3); return l }, 5, 3},
		{"passing", func() *Log { return NewPassing(at) }, 4, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := tc.log()
			var lines bytes.Buffer
			if l != nil {
				if err := l.Stream(&lines); err != nil {
					t.Fatal(err)
				}
			}
			for i := range tc.emit {
				l.Emit(EUICC, "tick", F{"i": i})
			}
			if got := l.Count(); got != tc.want {
				t.Errorf("Count() = %d, want %d", got, tc.want)
			}
			if l != nil && strings.Count(lines.String(), "\n") != tc.want {
				t.Errorf("events.jsonl has %d lines, Count says %d", strings.Count(lines.String(), "\n"), tc.want)
			}
		})
	}
}

// An event's line is json.Marshal's for every value, whichever path
// writes it.
func FuzzValueAsJSON(f *testing.F) {
	for _, s := range []string{"", "abc", `a"b`, `a\b`, "<&>", "é", "\u2028", "\xff", "tab\there", "~\x7f"} {
		f.Add(s, int64(-3))
	}
	f.Fuzz(func(t *testing.T, s string, n int64) {
		for _, v := range []any{s, n, int(n), uint64(n), n > 0, []string{s}, Kind(s), map[string]any{s: n}} {
			want, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := appendValue([]byte("x"), v); err != nil || string(got[1:]) != string(want) {
				t.Fatalf("%#v: %s, %v; json.Marshal %s", v, got[1:], err, want)
			}
		}
	})
}

// TestStrs: a list field reads the same logged and read back from JSON.
func TestStrs(t *testing.T) {
	logged := Event{Fields: F{"ops": []string{"sfr", "orange-fr"}}}
	b, err := json.Marshal(logged)
	if err != nil {
		t.Fatal(err)
	}
	var line map[string]any // as a reader of events.jsonl decodes a line
	if err := json.Unmarshal(b, &line); err != nil {
		t.Fatal(err)
	}
	back := Event{Fields: F{"ops": line["ops"]}}
	for _, e := range []Event{logged, back} {
		if got := e.Strs("ops"); !slices.Equal(got, []string{"sfr", "orange-fr"}) {
			t.Errorf("Strs %q from %#v", got, e.Fields["ops"])
		}
	}
	if got := logged.Strs("missing"); got != nil {
		t.Errorf("missing field: %q", got)
	}
}

// TestInt: a whole-number field reads the same logged and read back from
// JSON, as numbers or as json.Number; a fraction or a string is none.
func TestInt(t *testing.T) {
	logged := Event{Fields: F{"entry": 3, "big": int64(7), "frac": 1.5, "text": "3"}}
	b, err := json.Marshal(logged)
	if err != nil {
		t.Fatal(err)
	}
	var line map[string]any
	if err := json.Unmarshal(b, &line); err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var numbers map[string]any
	if err := d.Decode(&numbers); err != nil {
		t.Fatal(err)
	}
	for _, e := range []Event{logged, {Fields: line}, {Fields: numbers}} {
		if n, ok := e.Int("entry"); !ok || n != 3 {
			t.Errorf("entry %d %v from %#v", n, ok, e.Fields["entry"])
		}
		if n, ok := e.Int("big"); !ok || n != 7 {
			t.Errorf("big %d %v from %#v", n, ok, e.Fields["big"])
		}
		for _, k := range []string{"frac", "text", "missing"} {
			if _, ok := e.Int(k); ok {
				t.Errorf("%s read as a whole number from %#v", k, e.Fields[k])
			}
		}
	}
}

// failingWriter takes ok bytes, then fails every write.
type failingWriter struct {
	ok     int
	writes int
}

func (w *failingWriter) Write(b []byte) (int, error) {
	w.writes++
	if len(b) > w.ok {
		n := w.ok
		w.ok = 0
		return n, syscall.ENOSPC
	}
	w.ok -= len(b)
	return len(b), nil
}

// A bounded stream whose writer fails says so once, as the write fails —
// not only at StreamErr, which a long-lived serve reads at exit (outside
// tester t86 F4) — and writes nothing more.
func TestStreamBoundedFailed(t *testing.T) {
	for _, c := range []struct {
		name   string
		ok     int // bytes the writer takes before it fails
		events int
		told   int // failed's calls
		writes int // the writer's calls
	}{
		{"no failure", 1 << 20, 5, 0, 5},
		{"fails at the first", 0, 5, 1, 1},
		{"fails mid-way", 250, 5, 1, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := &failingWriter{ok: c.ok}
			var told []error
			l := NewPassing(time.Now)
			if err := l.StreamBounded(w, 1<<20, nil, func(err error) { told = append(told, err) }); err != nil {
				t.Fatal(err)
			}
			for range c.events {
				l.Emit("platform", "request_rejected", F{"status": 400, "reason": strings.Repeat("x", 80)})
			}
			if len(told) != c.told || w.writes != c.writes {
				t.Fatalf("failed told %d times (%v), %d writes; want %d, %d", len(told), told, w.writes, c.told, c.writes)
			}
			if c.told > 0 && (!errors.Is(told[0], syscall.ENOSPC) || told[0] != l.StreamErr()) {
				t.Errorf("told %v, StreamErr %v: want the write's error, the same", told[0], l.StreamErr())
			}
		})
	}
}

// TestStreamBounded: lines pass until the next would take the stream past
// its bound (less the room of its last line); then one event_limit event
// says so, full is told once, and later events are not written — the file
// ends on whole lines, never over the bound.
func TestStreamBounded(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	one := func() int { // one event's line, newline included
		var b bytes.Buffer
		l := NewPassing(func() time.Time { return t0 })
		l.Stream(&b)
		l.Emit("platform", "request_rejected", F{"status": 400})
		return b.Len()
	}()
	for _, c := range []struct {
		name   string
		max    int64
		events int
		passed int
		full   bool
	}{
		{"room for all", 10 * 1024, 20, 20, false},
		{"full after some", StreamLineRoom + 5*int64(one), 20, 5, true},
		{"full at once", StreamLineRoom, 3, 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			fulls := 0
			l := NewPassing(func() time.Time { return t0 })
			if err := l.StreamBounded(&buf, c.max, func() { fulls++ }, nil); err != nil {
				t.Fatal(err)
			}
			for range c.events {
				l.Emit("platform", "request_rejected", F{"status": 400})
			}
			lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			want := c.passed
			if c.full {
				want++
			}
			if len(lines) != want {
				t.Fatalf("%d lines written, want %d:\n%s", len(lines), want, buf.String())
			}
			if int64(buf.Len()) > c.max {
				t.Errorf("%d bytes written, over the bound %d", buf.Len(), c.max)
			}
			if (fulls == 1) != c.full || fulls > 1 {
				t.Errorf("full told %d times", fulls)
			}
			if c.full {
				var last map[string]any
				if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil || last["event"] != string(LimitKind) || last["limit_bytes"] != float64(c.max) || last["t"] != "2026-12-06T00:00:00Z" {
					t.Errorf("last line %q (%v), want the event_limit event with limit_bytes %d, on the log's clock", lines[len(lines)-1], err, c.max)
				}
			}
			if err := l.StreamErr(); err != nil {
				t.Error(err)
			}
		})
	}
	if err := NewPassing(time.Now).StreamBounded(io.Discard, StreamLineRoom-1, nil, nil); err == nil {
		t.Error("a bound under the last line's room taken")
	}
}

// A streamed event's line is encoded into the log's own buffer, reused
// from one event to the next (the sink keeps nothing it is given), and
// each line reaches the sink whole: an event of normal length costs the
// stream no allocation, and a long line in between leaves the next ones
// as they are.
func TestStreamReusesItsLineBuffer(t *testing.T) {
	now := time.Date(2026, 1, 1, 1, 2, 3, 4, time.UTC)
	var out bytes.Buffer
	l := NewPassing(func() time.Time { return now })
	if err := l.Stream(&out); err != nil {
		t.Fatal(err)
	}
	f := F{"operator": "sfr", "iccid": "8933"}
	l.Emit(Harness, KindRunStarted, f)
	if n := testing.AllocsPerRun(100, func() { out.Reset(); l.Emit(Harness, KindRunStarted, f) }); n != 0 {
		t.Errorf("%v allocations an event streamed, want 0", n)
	}
	out.Reset()
	long := strings.Repeat("x", 100<<10) // over the buffer the log keeps
	for _, f := range []F{{"a": "1"}, {"a": long}, {"a": "2"}, {"a": long[:300]}, {"a": "3"}} {
		l.Emit(Harness, KindRunStarted, f)
	}
	want := ""
	for _, v := range []string{"1", long, "2", long[:300], "3"} {
		want += `{"t":"2026-01-01T01:02:03.000000004Z","actor":"harness","event":"run_started","a":"` + v + "\"}\n"
	}
	if got := out.String(); got != want {
		t.Errorf("lines differ from the events':\n%.300s\nwant\n%.300s", got, want)
	}
}
