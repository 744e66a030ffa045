package fieldlog

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
)

// RunEvent is one line of a harness run's events.jsonl (README, "The
// event log"): what an emulator logged, on the run's simulated clock.
type RunEvent struct {
	Line   int
	Time   time.Time
	Actor  string
	Kind   string
	Fields map[string]any
}

// Str returns a field as a string ("" if missing or not one).
func (e RunEvent) Str(key string) string {
	s, _ := e.Fields[key].(string)
	return s
}

// readEvents reads an events.jsonl: one object per line with "t",
// "actor" and "event", in time order.
func readEvents(file string, lines []string, cut bool) (*Transcript, error) {
	t := &Transcript{File: file, Format: Events, Clock: Absolute}
	for i, l := range lines {
		n := i + 1
		if strings.TrimSpace(l) == "" {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader([]byte(l)))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if cut && i == len(lines)-1 {
				return nil, errAt(file, n, "the log is cut off inside an event: %v", err)
			}
			return nil, errAt(file, n, "not an event line: %v", err)
		}
		ts, _ := m["t"].(string)
		actor, _ := m["actor"].(string)
		kind, _ := m["event"].(string)
		tm, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil || actor == "" || kind == "" {
			return nil, errAt(file, n, "an event wants \"t\" (RFC 3339), \"actor\" and \"event\"")
		}
		delete(m, "t")
		delete(m, "actor")
		delete(m, "event")
		if k := len(t.RunEvents); k > 0 && tm.Before(t.RunEvents[k-1].Time) {
			p := t.RunEvents[k-1]
			return nil, errAt(file, n, "time %s is before the %s of line %d: timestamps out of order",
				tm.Format(time.RFC3339Nano), p.Time.Format(time.RFC3339Nano), p.Line)
		}
		t.RunEvents = append(t.RunEvents, RunEvent{Line: n, Time: tm, Actor: actor, Kind: kind, Fields: m})
	}
	if len(t.RunEvents) == 0 {
		return nil, errAt(file, 0, "no events")
	}
	return t, nil
}
