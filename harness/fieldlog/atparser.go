package fieldlog

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The trace of an AT parser on a microcontroller, as ST's X-CUBE-CELLULAR
// AT core prints it (the Azure FreeRTOS samples on STM32 with a BG96):
// every line stamped "[2024-01-22_11:53:06:302]" — the date, "_", the
// time with its milliseconds after a colon —; before the bytes it writes
// a header with their count, "ATParser:*** SEND (size=12) ***", then the
// bytes, the control characters by their names ("AT+CPIN?<CR>"); what
// it reads is printed indented, a line at a time ("    +CPIN:
// READY<CR><LF>"), or after a "*** RECEIVE (size=n) ***" header; the
// firmware's modules' own lines ("BG96:SIM is ready", "CST: …") are
// notes.
var (
	atpStamp = regexp.MustCompile(`^\[(\d{4})-(\d\d)-(\d\d)_(\d\d):(\d\d):(\d\d):(\d{1,3})\]`)
	// atpHeader is the header before a buffer's bytes, its writer's
	// module name before it or not.
	atpHeader = regexp.MustCompile(`^\s*(?:[\w-]+:\s*)?\*\*\* (SEND|RECEIVE) \(size=(\d+)\) \*\*\*\s*$`)
	// atpModule is a firmware module's line: its name and a colon, no
	// blank before ("BG96:…", "CST: …"), as a modem line the trace reads
	// is indented.
	atpModule = regexp.MustCompile(`^[A-Za-z][\w-]{0,15}:`)
	// atpControl is a control character by its name.
	atpControl = regexp.MustCompile(`<([A-Z][A-Z0-9]{1,2})>`)
)

// readATParser reads an AT parser's trace.
func readATParser(file string, lines []string) (*Transcript, error) {
	var recs []record
	streams := serialLines{}
	send, receive := 0, 0 // bytes a header announced, not yet shown
	seen := false
	for n, l := range textRows(lines) {
		m := atpStamp.FindStringSubmatch(l)
		if m == nil {
			return nil, errAt(file, n, "an AT parser trace line without its stamp (\"[2024-01-22_11:53:06:302]\"): %q", clip(l))
		}
		t, ok := atpTime(m[1:])
		if !ok {
			return nil, errAt(file, n, "an AT parser trace stamp that is no time: %q", m[0])
		}
		rest := l[len(m[0]):]
		if strings.TrimSpace(rest) == "" {
			continue
		}
		if h := atpHeader.FindStringSubmatch(rest); h != nil {
			size, _ := strconv.Atoi(h[2])
			send, receive = 0, 0
			if h[1] == "SEND" {
				send = size
			} else {
				receive = size
			}
			recs = append(recs, record{line: n, dir: Tool, t: t, text: strings.TrimSpace(rest)})
			continue
		}
		data := atpBytes(strings.TrimLeft(rest, " \t"))
		switch {
		case send > 0:
			// The bytes the header before announced; the trace's indent
			// is none of them, as a command line starts with "AT".
			send = max(0, send-len(data))
			seen = true
			recs = append(recs, streams.feed("", Host, data, n, t)...)
		case receive > 0 || len(data) < len(strings.TrimLeft(rest, " \t")) || rest[0] == ' ' && !atpModule.MatchString(strings.TrimLeft(rest, " \t")):
			// Bytes read: after a RECEIVE header, with a control
			// character in them, or indented as the reads are.
			receive = max(0, receive-len(data))
			seen = true
			recs = append(recs, streams.feed("", Modem, data, n, t)...)
		default:
			recs = append(recs, record{line: n, dir: Tool, t: t, text: strings.TrimSpace(rest)})
		}
	}
	if !seen {
		return nil, errAt(file, firstLine(lines), "no bytes written or read in the AT parser trace (\"*** SEND (size=12) ***\", \"    OK<CR><LF>\")")
	}
	return streams.wire(file, Absolute, recs, false)
}

// atpTime reads the stamp's fields: year, month, day, hour, minute,
// second, milliseconds.
func atpTime(f []string) (time.Time, bool) {
	var v [7]int
	for i, s := range f {
		v[i], _ = strconv.Atoi(s)
	}
	if v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60 {
		return time.Time{}, false
	}
	// The last field counts milliseconds, padded ("045") or not.
	return time.Date(v[0], time.Month(v[1]), v[2], v[3], v[4], v[5], v[6]*int(time.Millisecond), time.UTC), true
}

// atpBytes is the bytes a trace line shows, its control characters'
// names ("<CR>", "<LF>") made the characters.
func atpBytes(s string) string {
	if !strings.Contains(s, "<") {
		return s
	}
	return atpControl.ReplaceAllStringFunc(s, func(w string) string {
		if c, ok := docklightControl[w[1:len(w)-1]]; ok {
			return string(rune(c))
		}
		return w
	})
}

// looksLikeATParser reports an AT parser trace's own line: its stamp and
// a buffer's header or a control character's name.
func looksLikeATParser(l string) bool {
	m := atpStamp.FindString(l)
	if m == "" {
		return false
	}
	rest := l[len(m):]
	return atpHeader.MatchString(rest) || strings.Contains(rest, "<CR>") || strings.Contains(rest, "<LF>")
}
