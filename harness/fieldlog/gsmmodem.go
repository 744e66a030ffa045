package fieldlog

import (
	"regexp"
	"strconv"
	"strings"
)

// python-gsmmodem's debug log (its SMS gateways, identify-modem.py, the
// scripts of its issues), through Python's logging at DEBUG level in any
// of its usual formats ("%(levelname)s: %(message)s", basicConfig's
// default "DEBUG:gsmmodem.serial_comms.SerialComms:write: ATZ", or an
// asctime and " - " separators before the level):
//
//	DEBUG: write: AT+CPIN?
//	DEBUG: response: ['AT+CPIN?\r', '+CPIN: SIM PIN', 'OK']
//	DEBUG: notification: ['+CUSD: 5']
//
// SerialComms.write logs what it writes ("write: ", the command without
// its CR) and, when the final result comes, the lines it read for it as
// a Python list ("response: ", its repr): the echo with its CR (a line
// the modem ended with CR alone, which the library splits only at LF),
// the answer, the final result, blank lines left out. The reader thread
// logs lines no command awaited as "notification: " lists (a final
// result among them the modem sent late, Entry.Late). A command
// the modem never finished raises TimeoutException, which the script's
// traceback (or its own log) prints: the library gave up on it. The
// library's other messages and the script's prints are notes.

// gsmmodemMsg is one of the library's three messages behind the logging
// format's level and logger name.
var gsmmodemMsg = regexp.MustCompile(`^(?:.*?[\s:|\]-])?DEBUG(?::[\w.]*)?[:\s|-]*?\s?(write|response|notification): (.*)$`)

// gsmmodemTimeout is the library's TimeoutException, as a traceback's
// last line names it ("gsmmodem.exceptions.TimeoutException"), not the
// "raise TimeoutException()" of the frame above it.
var gsmmodemTimeout = regexp.MustCompile(`^\s*(?:[\w.]*\.)?TimeoutException\b`)

// parseGsmmodem reads line l as a python-gsmmodem message: its kind
// ("write", "response", "notification") and text.
func parseGsmmodem(l string) (kind, text string, ok bool) {
	_, _, rest := splitStamp(strings.TrimRight(l, "\r"))
	m := gsmmodemMsg.FindStringSubmatch(rest)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

// looksLikeGsmmodem reports python-gsmmodem's log: a write whose next
// library message is its response list.
func looksLikeGsmmodem(lines []string) bool {
	wrote := false
	for i, l := range lines {
		if i >= sniffLines {
			break
		}
		kind, text, ok := parseGsmmodem(l)
		switch {
		case !ok:
		case kind == "write":
			wrote = true
		case kind == "response" && wrote && strings.HasPrefix(strings.TrimSpace(text), "["):
			return true
		default:
			wrote = false
		}
	}
	return false
}

// readGsmmodem reads python-gsmmodem's debug log. Its one port is the
// modem's.
func readGsmmodem(file string, lines []string) (*Transcript, error) {
	var recs []record
	clock := NoTime
	pending := ""              // the command written and not yet answered
	notified := map[int]bool{} // the lines of notification lists
	for i, raw := range lines {
		n, l := i+1, strings.TrimRight(raw, "\r")
		if strings.TrimSpace(l) == "" {
			continue
		}
		t, c, _ := splitStamp(l)
		if c != NoTime && clock == NoTime {
			clock = c
		}
		kind, text, ok := parseGsmmodem(l)
		if !ok {
			r := record{line: n, dir: Tool, t: t, text: l}
			if pending != "" && gsmmodemTimeout.MatchString(l) {
				r.timeout, r.gaveUpOn = true, pending
				pending = ""
			}
			recs = append(recs, r)
			continue
		}
		if kind == "write" {
			recs = append(recs, record{line: n, dir: Host, t: t, text: text})
			pending = text
			continue
		}
		items, err := pyStrList(text)
		if err != "" {
			return nil, errAt(file, n, "python-gsmmodem's %s list: %s: %q", kind, err, clip(text))
		}
		for _, it := range items {
			// A line the modem ended with CR alone is one item: the
			// echo ("ATZ\r"), or two echoes run together.
			for _, part := range strings.Split(it, "\r") {
				if strings.TrimSpace(part) != "" {
					recs = append(recs, record{line: n, dir: Modem, t: t, text: part})
				}
			}
		}
		if kind == "response" {
			pending = ""
		}
		notified[n] = kind == "notification"
	}
	t, err := finish(file, clock, recs, false)
	if err != nil {
		return nil, err
	}
	// A final result in a notification came after its command's own
	// (the library calls it "Unhandled unsolicited"): the modem sent
	// it, so the log stands, but it answers nothing the replay plays.
	for i, e := range t.Entries {
		if e.Dir == Modem && e.Role == Final && e.Cmd < 0 && notified[e.Line] {
			t.Entries[i].Late = LateNotification
		}
	}
	return t, nil
}

// LateNotification is Entry.Late on a final result python-gsmmodem logged
// as a notification.
const LateNotification = "python-gsmmodem's notification: a final result no command awaits (sent late by the modem): not compared"

// pyStrList reads a Python list of strings as repr prints it: ['a',
// "b'c"], each item in single quotes (double quotes when it holds a
// single quote and no double one), with repr's escapes; Python 2's u'…'
// and a bytes b'…' prefix too. err says what does not read.
func pyStrList(s string) ([]string, string) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "[") {
		return nil, "not a list (no opening [)"
	}
	var out []string
	i := 1
	for {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i >= len(s) {
			return nil, "cut before its closing ]"
		}
		if s[i] == ']' {
			if strings.TrimSpace(s[i+1:]) != "" {
				return nil, "text after its closing ]"
			}
			return out, ""
		}
		if s[i] == 'u' || s[i] == 'b' {
			i++
		}
		if i >= len(s) || s[i] != '\'' && s[i] != '"' {
			return nil, "an item that is no quoted string"
		}
		q := s[i]
		var b strings.Builder
		closed := false
		for i++; i < len(s); i++ {
			c := s[i]
			if c == q {
				closed = true
				i++
				break
			}
			if c != '\\' || i+1 >= len(s) {
				b.WriteByte(c)
				continue
			}
			i++
			switch e := s[i]; e {
			case 'r':
				b.WriteByte('\r')
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case '\\', '\'', '"':
				b.WriteByte(e)
			case 'x', 'u':
				w := 2 // \xhh
				if e == 'u' {
					w = 4 // \uhhhh
				}
				if i+w >= len(s) {
					return nil, "an escape cut short"
				}
				v, err := strconv.ParseUint(s[i+1:i+1+w], 16, 32)
				if err != nil {
					return nil, "an escape of no hex digits"
				}
				// Python 3's character (below U+0100 for \x); Python
				// 2's str byte, read as the Latin-1 character.
				b.WriteRune(rune(v))
				i += w
			default:
				b.WriteByte('\\')
				b.WriteByte(e)
			}
		}
		if !closed {
			return nil, "an item whose quote is not closed: cut"
		}
		out = append(out, b.String())
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i < len(s) && s[i] == ',' {
			i++
		} else if i < len(s) && s[i] != ']' {
			return nil, "items not parted by commas"
		}
	}
}
