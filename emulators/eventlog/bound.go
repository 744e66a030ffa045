package eventlog

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxLine bounds a line of events.jsonl, in bytes, its newline not
// counted: the log writes none longer (an event that would be is
// shortened), and every reader of ours (the timeline page,
// scenario.ReadEvents and NotesInLog, fieldlog's replay of a fixture)
// takes lines up to it, so a line over it is one no esimhil wrote.
//
// 1 MiB: an event's line is a few hundred bytes (the longest of the
// exploration cases' is 242), and what an emulator quotes of its peers is
// bounded below it where it is quoted (a platform request body 64 KiB,
// request headers 32 KiB, an APDU's hex 128 KiB, an SM-DP+'s quoted
// request values 300 characters): the writer's shortening is the net
// for an emitter that forgets, not the way events are kept short. The
// page, which holds each line in its data, and fieldlog (MaxLine, for
// every field log) read no more.
const MaxLine = 1 << 20

// TruncatedKey names the field a shortened event gains:
// {"bytes": the line's length as it would have been, "fields": {field:
// its value's length in bytes, for each field cut}} — a string's length
// in UTF-8, any other value's as JSON text. Were there too many fields
// to keep even cut (no event of ours has), it is {"bytes", "dropped": how
// many fields were left out}, the event has no other field and its actor
// and kind are cut to 256 bytes too.
const TruncatedKey = "truncated"

// CutMark ends a value shortened cuts: what it kept of a string, or of
// the JSON text of any other value (which thus becomes a string).
const CutMark = "…[cut]"

// TooLong is a reader's error for a line of events.jsonl length bytes
// long (its end not counted), over MaxLine.
func TooLong(length int64) error {
	return fmt.Errorf("%d bytes long, over the %d MiB a line of events.jsonl may hold (esimhil shortens an event to fit: a damaged or foreign line)", length, MaxLine>>20)
}

// appendLine appends e's line as the log writes it, and returns the
// event the line has: e and appendJSON's line, or, over MaxLine, the
// shortened event and its line. An event that fits costs a length
// compare.
func (e Event) appendLine(b []byte) (Event, []byte, error) {
	start := len(b)
	b, err := e.appendJSON(b)
	if err != nil || len(b)-start <= MaxLine {
		return e, b, err
	}
	n := len(b) - start
	e = e.shorten(n)
	if b, err = e.appendJSON(b[:start]); err == nil && len(b)-start > MaxLine {
		err = fmt.Errorf("event %s: a line of %d bytes, shortened to %d, still over %d", e.Kind, n, len(b)-start, MaxLine)
	}
	return e, b, err
}

// shortened returns e as its line is written: e itself when the line
// fits in MaxLine (or cannot be written: a field JSON has no value for),
// else e with its longest fields cut to fit, each ending with CutMark,
// and TruncatedKey saying what was cut. Cut the same way every time: the
// fields by length then key, the longest cut to the one length that lets
// the rest stay whole (none cut more than another), each kept to whole
// characters.
func (e Event) shortened() Event {
	b, err := e.appendJSON(make([]byte, 0, lineSize))
	if err != nil || len(b) <= MaxLine {
		return e
	}
	return e.shorten(len(b))
}

// part is one field of an event being shortened.
type part struct {
	key  string
	v    any
	text string // the string, or the value's JSON text
	enc  int    // the value's length on the line
}

// minCut is the shortest a cut value is on the line: "", CutMark.
var minCut = 2 + jsonLen(CutMark)

// shorten cuts e, whose line is n bytes long, to fit MaxLine.
func (e Event) shorten(n int) Event {
	var parts []part
	var forced []string // a field of TruncatedKey's name: replaced, named cut
	for k, v := range e.Fields {
		switch k {
		case "t", "actor", "event": // not on the line (appendJSON)
			continue
		case TruncatedKey:
			forced = append(forced, k)
		}
		p := part{key: k, v: v}
		if s, ok := v.(string); ok {
			p.text, p.enc = s, jsonLen(s)
		} else {
			j, err := appendValue(nil, v)
			if err != nil {
				return e // appendJSON fails the same way
			}
			p.text, p.enc = string(j), len(j)
		}
		parts = append(parts, p)
	}
	// The line without the fields' values, and room for TruncatedKey's
	// value when every field is cut: ,"truncated":{"bytes":n,"fields":{}}
	// and "key":n, for each, n of up to 20 digits.
	fixed, reserve := n, 64
	for _, p := range parts {
		fixed -= p.enc
		reserve += jsonLen(p.key) + 24
	}
	budget := MaxLine - fixed - reserve
	cut := make(map[string]any, len(parts))
	for _, k := range forced {
		cut[k] = len(partOf(parts, k).text)
	}
	parts = slices.DeleteFunc(parts, func(p part) bool { return p.key == TruncatedKey })
	slices.SortFunc(parts, func(a, b part) int {
		if a.enc != b.enc {
			return a.enc - b.enc
		}
		return strings.Compare(a.key, b.key)
	})
	// Water-filling: the fields shortest first stay whole while the rest,
	// each cut to the same length, still fit.
	whole, sum, limit := len(parts), 0, 0
	for i, p := range parts {
		if r := len(parts) - i; sum+p.enc*r > budget {
			whole, limit = i, (budget-sum)/r
			break
		}
		sum += p.enc
	}
	if budget < 0 || whole < len(parts) && limit < minCut {
		return e.dropFields(n, len(parts)+len(forced))
	}
	out := make(F, len(parts)+1)
	for i, p := range parts {
		if i < whole {
			out[p.key] = p.v
			continue
		}
		out[p.key] = cutText(p.text, limit)
		cut[p.key] = len(p.text)
	}
	out[TruncatedKey] = map[string]any{"bytes": n, "fields": cut}
	return Event{T: e.T, Actor: e.Actor, Kind: e.Kind, Fields: out}
}

// dropFields is the shortened event of one whose fields do not fit even
// cut: none of them, its actor and kind cut to 256 bytes.
func (e Event) dropFields(n, fields int) Event {
	fit := func(s string) string {
		if jsonLen(s)+2 <= 256 {
			return s
		}
		return cutText(s, 256)
	}
	return Event{T: e.T, Actor: fit(e.Actor), Kind: Kind(fit(string(e.Kind))), Fields: F{
		TruncatedKey: map[string]any{"bytes": n, "dropped": fields},
	}}
}

func partOf(parts []part, key string) part {
	for _, p := range parts {
		if p.key == key {
			return p
		}
	}
	return part{}
}

// cutText is s's first characters and CutMark, quoted in at most limit
// bytes of JSON (limit ≥ minCut).
func cutText(s string, limit int) string {
	room := limit - minCut
	i := 0
	for i < len(s) {
		n, w := jsonRuneLen(s[i:])
		if room < n {
			break
		}
		room -= n
		i += w
	}
	return s[:i] + CutMark
}

// jsonLen is the length of s quoted by jsonappend.String, quotes not
// counted.
func jsonLen(s string) int {
	n := 0
	for i := 0; i < len(s); {
		l, w := jsonRuneLen(s[i:])
		n += l
		i += w
	}
	return n
}

// jsonRuneLen is how many bytes s's first character takes quoted by
// jsonappend.String, and how many it takes in s.
func jsonRuneLen(s string) (n, width int) {
	if c := s[0]; c < utf8.RuneSelf {
		switch {
		case c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&':
			return 1, 1
		case c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t':
			return 2, 1
		}
		return 6, 1 // \u00XX
	}
	r, w := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError && w == 1 || r == '\u2028' || r == '\u2029' {
		return 6, w // \ufffd, \u2028, \u2029
	}
	return w, w
}
