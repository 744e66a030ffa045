package eventlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ParseLine reads one line of an events.jsonl back into an event: its
// numbers as their JSON text (json.Number), t, actor and event taken out
// of the fields. The one reader of the format the log writes, for the
// timeline and the checks alike; an error names what t holds when it is
// no RFC 3339 string (a number read as "" was reported as parsing "").
func ParseLine(line []byte) (Event, error) {
	d := json.NewDecoder(bytes.NewReader(line))
	d.UseNumber()
	var f map[string]any
	if err := d.Decode(&f); err != nil {
		return Event{}, err
	}
	t, err := parseTime(f["t"])
	if err != nil {
		return Event{}, err
	}
	actor, _ := f["actor"].(string)
	kind, _ := f["event"].(string)
	delete(f, "t")
	delete(f, "actor")
	delete(f, "event")
	return Event{T: t, Actor: actor, Kind: Kind(kind), Fields: f}, nil
}

func parseTime(v any) (time.Time, error) {
	ts, ok := v.(string)
	switch {
	case v == nil:
		return time.Time{}, errors.New("t: missing (want an RFC 3339 time)")
	case !ok:
		b, _ := json.Marshal(v)
		return time.Time{}, fmt.Errorf("t: %.40s is no RFC 3339 time (a JSON %s, want a string)", b, jsonKind(v))
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return time.Time{}, fmt.Errorf("t: %.40q is no RFC 3339 time", ts)
	}
	return t, nil
}

// jsonKind names a decoded JSON value's type as JSON does.
func jsonKind(v any) string {
	switch v.(type) {
	case json.Number, float64:
		return "number"
	case bool:
		return "boolean"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return "value"
}
