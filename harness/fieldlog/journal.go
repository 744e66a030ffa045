package fieldlog

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The journal's structured outputs (journalctl(1) --output): export
// (systemd's Journal Export Format: "FIELD=value" lines, an entry ending
// at a blank line, a binary-safe field as its name, a 64-bit
// little-endian length and the bytes), json (an object a line; json-seq's
// RS before it, json-sse's "data: " before it), json-pretty (an object
// over several lines) and verbose (a header line with the cursor, then
// the fields indented). journalText writes each entry where its MESSAGE
// is as the line `journalctl -o short-iso-precise` prints for it
// (syslogISO, daemonTag) and blanks its other lines, so every reader of
// a daemon's log takes these as it takes the short forms, and a line
// number still names the file's own line.

// journalText is data with the journal's structured entries written as
// short-iso-precise lines, and whether data was such a journal; together
// is the line (1-based) of a json journal where entries run together,
// which it does not read (0 for none), for Read to name when no reader
// takes the file as it is.
func journalText(data []byte) (_ []byte, ok bool, together int) {
	if out, ok := journalExport(data); ok {
		return out, true, 0
	}
	out, ok, together := journalJSON(data)
	if ok {
		return out, true, 0
	}
	if out, ok := journalVerbose(data); ok {
		return out, true, 0
	}
	return data, false, together
}

// journalEntry is what a short line gives of an entry.
type journalEntry struct {
	realtime         string // µs since 1970, __REALTIME_TIMESTAMP
	host, ident, pid string
	comm, trustedPID string // _COMM and _PID, where SYSLOG_* are missing
	message          []byte
	hasMessage       bool
	messageLine      int    // the entry's line MESSAGE starts on
	boot             string // _BOOT_ID
	start            int    // the entry's first line
}

// bootSeparator is the line journalctl's short outputs write between two
// boots' entries, which a structured output shows as _BOOT_ID changing:
// written on the entry's first line when that is not its message's (a
// json entry of one line has none to spare), for the readers to see the
// host rebooted between them.
func bootSeparator(out []string, e *journalEntry, prev *string) {
	if e.boot != "" && *prev != "" && e.boot != *prev && e.start != e.messageLine && e.start < len(out) {
		out[e.start] = "-- Boot " + e.boot + " --"
	}
	if e.boot != "" {
		*prev = e.boot
	}
}

func (e *journalEntry) set(name string, v []byte) {
	switch name {
	case "__REALTIME_TIMESTAMP":
		e.realtime = string(v)
	case "_HOSTNAME":
		e.host = string(v)
	case "SYSLOG_IDENTIFIER":
		e.ident = string(v)
	case "SYSLOG_PID":
		e.pid = string(v)
	case "_COMM":
		e.comm = string(v)
	case "_PID":
		e.trustedPID = string(v)
	case "MESSAGE":
		e.message, e.hasMessage = v, true
	case "_BOOT_ID":
		e.boot = string(v)
	}
}

// short is the entry as short-iso-precise prints it, a line for each of
// its message's (a binary MESSAGE may hold line feeds).
func (e *journalEntry) short() []string {
	var prefix strings.Builder
	if us, err := strconv.ParseInt(e.realtime, 10, 64); err == nil {
		prefix.WriteString(time.UnixMicro(us).UTC().Format("2006-01-02T15:04:05.000000Z07:00") + " ")
	}
	if e.host != "" {
		prefix.WriteString(e.host + " ")
	}
	ident, pid := cmp.Or(e.ident, e.comm), cmp.Or(e.pid, e.trustedPID)
	if ident != "" {
		prefix.WriteString(ident)
		if pid != "" {
			prefix.WriteString("[" + pid + "]")
		}
		prefix.WriteString(": ")
	}
	msg := strings.Split(strings.TrimSuffix(string(e.message), "\n"), "\n")
	for i := range msg {
		msg[i] = prefix.String() + strings.TrimSuffix(msg[i], "\r")
	}
	return msg
}

// journalField is an export line's field name, as the format allows it:
// upper case, digits and underscores, not starting with a digit.
var journalField = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)

// journalExport reads the Journal Export Format.
func journalExport(data []byte) ([]byte, bool) {
	if !bytes.HasPrefix(data, []byte("__CURSOR=")) && !bytes.HasPrefix(data, []byte("__REALTIME_TIMESTAMP=")) {
		return nil, false
	}
	out := make([]string, bytes.Count(data, []byte{'\n'})+1)
	line := 0 // of data[i]
	e := journalEntry{}
	boot := ""
	flush := func() {
		if e.hasMessage {
			for k, l := range e.short() {
				if e.messageLine+k < len(out) {
					out[e.messageLine+k] = l
				}
			}
			bootSeparator(out, &e, &boot)
		}
		e = journalEntry{start: line + 1}
	}
	for i := 0; i < len(data); {
		end := bytes.IndexByte(data[i:], '\n')
		if end < 0 {
			end = len(data) - i
		}
		l := bytes.TrimSuffix(data[i:i+end], []byte{'\r'})
		if len(l) == 0 {
			flush()
			i, line = i+end+1, line+1
			continue
		}
		if name, v, ok := bytes.Cut(l, []byte{'='}); ok {
			if !journalField.Match(name) {
				return nil, false
			}
			if string(name) == "MESSAGE" {
				e.messageLine = line
			}
			e.set(string(name), v)
			i, line = i+end+1, line+1
			continue
		}
		// A binary-safe field: its name alone, then the length.
		p := i + end + 1
		if !journalField.Match(l) {
			return nil, false
		}
		if p > len(data) {
			break // cut inside a field's name: the entry ends there
		}
		size := data[p:min(p+8, len(data))]
		n, ok := binaryLength(size)
		if !ok {
			return nil, false
		}
		if len(size) < 8 || n > uint64(len(data)-p-8) {
			// The journal cut inside its last field: what came of it
			// is the value, as a text field cut short gives its text,
			// for the reader to say where the log stops.
			n = uint64(max(0, len(data)-p-8))
		}
		v := data[min(p+8, len(data)) : min(p+8, len(data))+int(n)]
		if string(l) == "MESSAGE" {
			e.messageLine = line + 1 + bytes.Count(size, []byte{'\n'})
		}
		e.set(string(l), v)
		next := p + 8 + int(n) + 1 // the value's line feed
		if next > len(data) {
			next = len(data)
		}
		line += bytes.Count(data[i:next], []byte{'\n'})
		i = next
	}
	flush()
	return []byte(strings.Join(out, "\n")), true
}

// binaryLength reads a binary-safe field's length (little-endian, 64
// bits), from as many of its bytes as a file cut inside it holds; ok
// false where its upper half is not zero: no field's length (journald's
// fields are far below 4 GiB), but text, a file that is no journal.
func binaryLength(b []byte) (n uint64, ok bool) {
	for i, c := range b {
		if i >= 4 && c != 0 {
			return 0, false
		}
		n |= uint64(c) << (8 * i)
	}
	return n, true
}

// journalJSON reads -o json, json-seq, json-sse and json-pretty; where
// entries run together on a line, it reads none and says which
// (together, 1-based; 0 for nowhere).
func journalJSON(data []byte) (_ []byte, ok bool, together int) {
	if !bytes.Contains(data, []byte(`"__REALTIME_TIMESTAMP"`)) && !bytes.Contains(data, []byte(`"__CURSOR"`)) {
		return nil, false, 0
	}
	buf := bytes.ReplaceAll(data, []byte{0x1e}, []byte{' '}) // json-seq's RS
	lines := bytes.Split(buf, []byte{'\n'})
	for i, l := range lines {
		if bytes.HasPrefix(l, []byte("data: ")) { // json-sse
			copy(l, "      ")
		} else if t := bytes.TrimSpace(l); bytes.Equal(t, []byte("data:")) || bytes.HasPrefix(t, []byte("id:")) || bytes.HasPrefix(t, []byte("event:")) {
			lines[i] = bytes.Repeat([]byte{' '}, len(l))
		}
	}
	buf = bytes.Join(lines, []byte{'\n'})
	if t := bytes.TrimSpace(buf); len(t) == 0 || t[0] != '{' {
		return nil, false, 0
	}
	out := make([]string, len(lines))
	boot := ""
	prevEnd := -1 // the line the entry before ended on
	// lineAt is the line of buf[off], counted on from the offset asked
	// before (asked in order: counted from the start each time, a long
	// journal's entries took time growing with the square of its size).
	at, atLine := 0, 0
	lineAt := func(off int) int {
		atLine += bytes.Count(buf[at:off], []byte{'\n'})
		at = off
		return atLine
	}
	dec := json.NewDecoder(bytes.NewReader(buf))
	for dec.More() {
		var m map[string]json.RawMessage
		start := dec.InputOffset()
		if err := dec.Decode(&m); err != nil {
			if start == 0 || dec.More() && !errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, false, 0
			}
			// The journal's last entry cut short: its text kept, for
			// the reader to say where it stops.
			from := lineAt(int(start))
			for i, l := range lines[from:] {
				out[from+i] = string(l)
			}
			break
		}
		end := dec.InputOffset()
		if _, ok := m["__REALTIME_TIMESTAMP"]; !ok {
			if _, ok := m["__CURSOR"]; !ok {
				return nil, false, 0
			}
		}
		obj := buf[start:end]
		first := int(start) + len(obj) - len(bytes.TrimLeft(obj, " \t\r\n"))
		e := journalEntry{messageLine: lineAt(first)}
		if e.messageLine == prevEnd {
			// Entries run together on one line (a paste that lost the
			// line feeds journalctl writes between them): the line can
			// stand for one entry only, and the others would be lost
			// without a word. Not read as a journal; Read names the
			// line (journalText's together).
			return nil, false, e.messageLine + 1
		}
		e.start = e.messageLine
		for k, raw := range m {
			if v, ok := journalValue(raw); ok {
				e.set(k, v)
			}
		}
		if k := bytes.Index(obj, []byte(`"MESSAGE"`)); k >= 0 {
			e.messageLine = lineAt(int(start) + k)
		}
		prevEnd = lineAt(int(end))
		if !e.hasMessage {
			continue
		}
		// One line for the entry, the line numbers being the file's: a
		// message's line feeds (a binary MESSAGE's) written "\n".
		e.message = bytes.ReplaceAll(bytes.TrimSuffix(e.message, []byte{'\n'}), []byte{'\n'}, []byte(`\n`))
		out[e.messageLine] = e.short()[0]
		bootSeparator(out, &e, &boot)
	}
	return []byte(strings.Join(out, "\n")), true, 0
}

// journalValue is a JSON field's value: a string, or a binary field's
// array of bytes; null (a field too large to show) is none.
func journalValue(raw json.RawMessage) ([]byte, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []byte(s), true
	}
	var b []byte
	var nums []int
	if json.Unmarshal(raw, &nums) != nil {
		return nil, false
	}
	for _, n := range nums {
		b = append(b, byte(n))
	}
	return b, true
}

// journalVerboseHead is -o verbose's line before an entry's fields: the
// time ("Mon 2026-03-02 10:00:01.105911 CET") and the cursor, whose b=
// is the boot and t= the realtime in hexadecimal µs.
var journalVerboseHead = regexp.MustCompile(`^[A-Z][a-z]{2} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[s=[0-9a-f]+;i=[0-9a-f]+;b=([0-9a-f]+);m=[0-9a-f]+;t=([0-9a-f]+);x=[0-9a-f]+\]$`)

// journalVerbose reads -o verbose.
func journalVerbose(data []byte) ([]byte, bool) {
	head, _, _ := bytes.Cut(data, []byte{'\n'})
	if !journalVerboseHead.Match(bytes.TrimSuffix(head, []byte{'\r'})) {
		return nil, false
	}
	lines := strings.Split(string(data), "\n")
	out := make([]string, len(lines))
	var e journalEntry
	boot := ""
	flush := func() {
		if e.hasMessage {
			out[e.messageLine] = e.short()[0]
			bootSeparator(out, &e, &boot)
		}
		e = journalEntry{}
	}
	for i, l := range lines {
		l = strings.TrimSuffix(l, "\r")
		if m := journalVerboseHead.FindStringSubmatch(l); m != nil {
			flush()
			if us, err := strconv.ParseInt(m[2], 16, 64); err == nil {
				e.realtime = strconv.FormatInt(us, 10)
			}
			e.start, e.boot = i, m[1]
			continue
		}
		name, v, ok := strings.Cut(strings.TrimLeft(l, " "), "=")
		if !ok || !strings.HasPrefix(l, "    ") || !journalField.MatchString(name) {
			out[i] = l // not a field: kept as it is
			continue
		}
		if name == "MESSAGE" {
			e.messageLine = i
		}
		if name != "__REALTIME_TIMESTAMP" && name != "_BOOT_ID" {
			e.set(name, []byte(v))
		}
	}
	flush()
	return []byte(strings.Join(out, "\n")), true
}
