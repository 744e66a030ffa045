package eventlog

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// An event whose line would be over MaxLine is written shortened: the
// line fits, parses, keeps t, actor and event, and says what was cut; the
// file, Events() and the subscribers hold the same event, the same bytes
// whichever way it is written, whatever order its fields are ranged in.
func TestShortenedLine(t *testing.T) {
	now := time.Date(2026, 1, 1, 1, 2, 3, 4, time.UTC)
	big := func(s string, n int) string { return strings.Repeat(s, n/len(s)) }
	many := F{}
	for i := range 100_000 {
		many[fmt.Sprintf("k%06d", i)] = "sixteen bytes..."
	}
	tests := []struct {
		name   string
		actor  string
		kind   Kind
		f      F
		cut    []string // the fields cut, a "truncated" {fields} key each
		whole  []string // fields kept as they were
		fits   bool     // the line is written as it is
		drops  int      // fields left out, the event too big even cut
		kindTo Kind     // the kind as written, when not kind
	}{
		{name: "normal", actor: EUICC, kind: "stk_error", f: F{"reason": "proactive command 26: result 20/04", "result": "20/04"}, fits: true},
		{name: "just fits", actor: Harness, kind: "x", f: F{"body": big("A", MaxLine-len(`{"t":"2026-01-01T01:02:03.000000004Z","actor":"harness","event":"x","body":""}`))}, fits: true},
		{name: "one byte over", actor: Harness, kind: "x", f: F{"body": big("A", MaxLine+1-len(`{"t":"2026-01-01T01:02:03.000000004Z","actor":"harness","event":"x","body":""}`))},
			cut: []string{"body"}},
		{name: "an SM-DP+ message", actor: SMDP, kind: "es9_error", f: F{"operator": "sfr", "function": "initiateAuthentication", "subject": "8.8.1", "reason": "3.8",
			"message": "smdpAddress " + fmt.Sprintf("%q", big("\x01", 1<<20)) + " is not this SM-DP+"},
			cut: []string{"message"}, whole: []string{"operator", "function", "subject", "reason"}},
		{name: "two long fields", actor: Platform, kind: "request_rejected", f: F{"path": big("/x", 3<<20), "reason": big("why ", 2<<20), "status": 400},
			cut: []string{"path", "reason"}, whole: []string{"status"}},
		{name: "escaped and multibyte", actor: Modem, kind: "card-error", f: F{"error": big("<é\xff\u2028\"", 1<<20)},
			cut: []string{"error"}},
		{name: "a long list", actor: Platform, kind: "preferred_list_served", f: F{"operators": strings.Fields(big("orange-fr ", 2<<20)), "eid": "89049032"},
			cut: []string{"operators"}, whole: []string{"eid"}},
		{name: "a long map", actor: World, kind: "x", f: F{"m": map[string]int{"a": 1, big("b", 2<<20): 2}},
			cut: []string{"m"}},
		{name: "a field named truncated", actor: Harness, kind: "x", f: F{TruncatedKey: true, "body": big("A", 2<<20)},
			cut: []string{"body", TruncatedKey}},
		{name: "too many fields", actor: Harness, kind: "x", f: many, drops: len(many)},
		{name: "a kind too long", actor: Harness, kind: Kind(big("k", 2<<20)), f: F{"a": "b"}, drops: 1, kindTo: Kind(big("k", 256-2-len(CutMark))) + CutMark},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var first []byte
			for range 3 { // the fields are ranged in another order each time
				var file bytes.Buffer
				l := New(func() time.Time { return now })
				if err := l.Stream(&file); err != nil {
					t.Fatal(err)
				}
				var seen []Event
				l.Subscribe(func(e Event) { seen = append(seen, e) })
				l.Emit(tc.actor, tc.kind, tc.f)
				if err := l.StreamErr(); err != nil {
					t.Fatal(err)
				}
				// Without a stream the log keeps the same event.
				mem := New(func() time.Time { return now })
				mem.Emit(tc.actor, tc.kind, tc.f)
				var kept, handed, unstreamed, direct bytes.Buffer
				for _, w := range []struct {
					b  *bytes.Buffer
					ev []Event
				}{{&kept, l.Events()}, {&handed, seen}, {&unstreamed, mem.Events()}, {&direct, []Event{{T: now, Actor: tc.actor, Kind: tc.kind, Fields: tc.f}}}} {
					if err := WriteLines(w.b, w.ev); err != nil {
						t.Fatal(err)
					}
				}
				for name, b := range map[string]*bytes.Buffer{"Events()": &kept, "the subscriber's": &handed, "an unstreamed log's": &unstreamed, "WriteLines'": &direct} {
					if !bytes.Equal(b.Bytes(), file.Bytes()) {
						t.Fatalf("%s event writes %.200q…, the file holds %.200q…", name, b.String(), file.String())
					}
				}
				if first == nil {
					first = file.Bytes()
				} else if !bytes.Equal(first, file.Bytes()) {
					t.Fatal("the same event written twice: two different lines")
				}
			}
			line := bytes.TrimSuffix(first, []byte("\n"))
			if len(line) > MaxLine || bytes.Count(first, []byte("\n")) != 1 {
				t.Fatalf("a line of %d bytes (%d newlines), over %d", len(line), bytes.Count(first, []byte("\n")), MaxLine)
			}
			e, err := ParseLine(line)
			if err != nil {
				t.Fatalf("the line does not parse: %v", err)
			}
			wantKind := tc.kind
			if tc.kindTo != "" {
				wantKind = tc.kindTo
			}
			if !e.T.Equal(now) || e.Actor != tc.actor || e.Kind != wantKind {
				t.Errorf("t, actor, event = %v, %q, %.40q, want %v, %q, %.40q", e.T, e.Actor, e.Kind, now, tc.actor, wantKind)
			}
			tr, _ := e.Fields[TruncatedKey].(map[string]any)
			if tc.fits {
				if _, ok := e.Fields[TruncatedKey]; ok || len(e.Fields) != len(tc.f) {
					t.Errorf("an event that fits was shortened: %.300s", line)
				}
				return
			}
			if tr == nil {
				t.Fatalf("no %s field: %.300s", TruncatedKey, line)
			}
			full, _ := Event{T: now, Actor: tc.actor, Kind: tc.kind, Fields: tc.f}.appendJSON(nil)
			if n, _ := (Event{Fields: tr}).Int("bytes"); n != len(full) {
				t.Errorf("truncated.bytes = %v, want the full line's %d", tr["bytes"], len(full))
			}
			if tc.drops > 0 {
				if n, _ := (Event{Fields: tr}).Int("dropped"); n != tc.drops || len(e.Fields) != 1 {
					t.Errorf("truncated %v, %d fields; want %d dropped, none left", tr, len(e.Fields), tc.drops)
				}
				return
			}
			cut, _ := tr["fields"].(map[string]any)
			if len(cut) != len(tc.cut) {
				t.Errorf("cut %v, want %q", cut, tc.cut)
			}
			for _, k := range tc.cut {
				orig := tc.f[k]
				var want int
				if s, ok := orig.(string); ok {
					want = len(s)
				} else {
					j, _ := appendValue(nil, orig)
					want = len(j)
				}
				if n, ok := (Event{Fields: cut}).Int(k); !ok || n != want {
					t.Errorf("truncated.fields.%s = %v, want its %d bytes", k, cut[k], want)
				}
				if k == TruncatedKey {
					continue
				}
				s := e.Str(k)
				kept, ok := strings.CutSuffix(s, CutMark)
				if !ok {
					t.Errorf("%s = %.60q…%q: no %q at its end", k, s, s[max(0, len(s)-20):], CutMark)
				}
				text, _ := orig.(string)
				if text == "" {
					j, _ := appendValue(nil, orig)
					text = string(j)
				}
				if !strings.HasPrefix(strings.ToValidUTF8(text, "\ufffd"), kept) || len(kept) < MaxLine/(8*len(tc.cut)) {
					t.Errorf("%s keeps %d bytes %.60q…, not a long start of its value", k, len(kept), kept)
				}
			}
			for _, k := range tc.whole {
				if fmt.Sprint(e.Fields[k]) != fmt.Sprint(tc.f[k]) {
					t.Errorf("%s = %v, want it whole: %v", k, e.Fields[k], tc.f[k])
				}
			}
		})
	}
}

// Two long fields are cut to the same length: neither is sacrificed for
// the other.
func TestShortenedEvenly(t *testing.T) {
	e := Event{Actor: Harness, Kind: "x", Fields: F{"a": strings.Repeat("a", 3<<20), "b": strings.Repeat("b", 2<<20), "c": strings.Repeat("c", 100)}}.shortened()
	a, b := e.Str("a"), e.Str("b")
	if len(a) != len(b) || e.Str("c") != strings.Repeat("c", 100) || len(a) < MaxLine/2-1000 {
		t.Errorf("a %d bytes, b %d, c %q: want a and b cut alike, c whole", len(a), len(b), e.Str("c"))
	}
}

// lineBound is never under the line's length: a log without a stream
// keeps an event whole only when its line fits.
func FuzzLineBound(f *testing.F) {
	for _, s := range []string{"", "abc", "<&>", "\x00\x01", "\xff", "\u2028", "é中", `"\`} {
		f.Add(s, int64(-1))
	}
	f.Fuzz(func(t *testing.T, s string, n int64) {
		for _, e := range []Event{
			{},
			{Actor: s, Kind: Kind(s)},
			{T: time.Unix(n, n).UTC(), Actor: s, Fields: F{s: s, "n": n, "f": float64(n) / 3, "l": []string{s, s}, "b": true, "z": nil}},
			{T: time.Date(-9999, 1, 1, 0, 0, 0, 1, time.UTC), Fields: F{s: int8(n), "u": uint64(n)}},
		} {
			b, err := e.appendJSON(nil)
			if err == nil && len(b) > lineBound(e) {
				t.Fatalf("%q: a line of %d bytes, bound %d", b, len(b), lineBound(e))
			}
		}
	})
}
