package fieldlog

import (
	"regexp"
	"strings"
	"time"
)

// readPlain reads a ">"/"<" transcript: each line "[time] > text" (host to
// modem) or "[time] < text" (modem to host), the space after the marker
// optional (or a serial tool's "TX:"/"RX:", "[TX]"/"[RX]", plainMarker); a line without a marker continues the previous one's
// direction (a sniffer printing a multi-line read); "#" starts a note.
// The time, if any, is an RFC 3339 or "2006-01-02 15:04:05.000" time, a
// time of day, or seconds since the start ("[12.345]"), bracketed or not.
func readPlain(file string, lines []string) (*Transcript, error) {
	recs := make([]record, 0, len(lines)) // about one a line: no doubling series
	var clock logClock
	var dir Dir
	var dirTime time.Time
	for i, l := range lines {
		n := i + 1
		if strings.TrimSpace(l) == "" {
			continue
		}
		t, c, rest, err := clock.stamp(file, n, l)
		if err != nil {
			return nil, err
		}
		if c != NoTime {
			t = clock.onward(t)
		}
		if rest == "" {
			continue
		}
		if d, text, ok := plainMarker(rest); ok {
			dir, dirTime = d, t
			if text == "" {
				continue
			}
			recs = append(recs, record{line: n, dir: dir, t: t, text: text})
			continue
		}
		switch rest[0] {
		case '#':
			recs = append(recs, record{line: n, dir: Tool, t: t, text: strings.TrimSpace(rest[1:])})
		default:
			if dir == 0 {
				return nil, errAt(file, n, "a line before any \">\" or \"<\" line: %q", clip(l))
			}
			if c == NoTime {
				t = dirTime
			}
			recs = append(recs, record{line: n, dir: dir, t: t, text: rest})
		}
	}
	t, err := finish(file, clock.c, recs, false)
	if err == nil {
		t.ShowsEcho = true // a transcript of the wire shows an echo when there is one
	}
	return t, err
}

// txrxMarker is a serial tool's direction marker ("TX:", "[RX]", "[TX] -").
var txrxMarker = regexp.MustCompile(`^(?i:\[(TX|RX)\]|(TX|RX):)(?: -(?: |$))?`)

// plainMarker reads a line's direction marker: ">" host, "<" modem (or
// doubled, ">>"/"<<"), or a serial tool's "TX:"/"RX:", "[TX]"/"[RX]"; the
// text after it loses one space.
func plainMarker(rest string) (Dir, string, bool) {
	var d Dir
	var text string
	switch m := txrxMarker.FindStringSubmatch(rest); {
	case m != nil:
		d, text = Host, rest[len(m[0]):]
		if strings.EqualFold(m[1]+m[2], "RX") {
			d = Modem
		}
	case rest[0] == '>' || rest[0] == '<':
		d, text = Dir(rest[0]), rest[1:]
		if text != "" && text[0] == rest[0] {
			text = text[1:]
		}
	default:
		return 0, "", false
	}
	return d, strings.TrimPrefix(text, " "), true
}

// logClock holds the kind of time a log's stamps are: the first stamped
// line sets it, and a line stamped otherwise is an error. It holds the
// last time too, to carry times of day past midnight (onward).
type logClock struct {
	c    Clock
	last time.Time
}

// onward places a time of day (year 0) on the day after when it is more
// than 12 hours before the last one: the log ran past midnight, and a
// step back that far is no reordering a tool makes.
func (k *logClock) onward(t time.Time) time.Time {
	if t.Year() == 0 && !k.last.IsZero() && t.Before(k.last) && k.last.Sub(t) > 12*time.Hour {
		t = t.Add(24 * time.Hour * time.Duration(1+int(k.last.Sub(t)/(24*time.Hour))))
	}
	k.last = t
	return t
}

// stamp takes a leading timestamp off line n (splitStamp), checking its kind.
func (k *logClock) stamp(file string, n int, l string) (time.Time, Clock, string, error) {
	t, c, rest := splitStamp(l)
	return t, c, rest, k.kind(file, n, c)
}

// kind takes line n's kind of time: the first stamped line sets the
// log's, and another kind later is an error.
func (k *logClock) kind(file string, n int, c Clock) error {
	switch {
	case c == NoTime:
	case k.c == NoTime:
		k.c = c
	case k.c != c:
		return errAt(file, n, "a %s time among %s ones", c, k.c)
	}
	return nil
}

// splitStamp takes a leading timestamp off a line.
func splitStamp(l string) (time.Time, Clock, string) {
	m := leadingStamp.FindStringSubmatch(l)
	if m == nil {
		return time.Time{}, NoTime, l
	}
	t, c, ok := parseStamp(m[1])
	if !ok {
		return time.Time{}, NoTime, l
	}
	return t, c, m[2]
}
