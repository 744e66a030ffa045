package fieldlog

import (
	"regexp"
	"strings"
	"time"
)

// QCOM, Quectel's serial tool, with "Show Time" on: a stamp on every line
// it shows, the date and time with a colon before the milliseconds, "_S"
// for what the host sent, "_R" for what the modem sent:
//
//	[2019-01-31 03:12:05:246_S:] AT+CPIN?
//	[2019-01-31 03:12:05:277_R:] AT+CPIN?
//	[2019-01-31 03:12:05:277_R:] +CPIN: READY
//
//	[2019-01-31 03:12:05:277_R:] OK
//
// Each stamped line is a line of the conversation (an empty one is the
// modem's blank line); a line without a stamp goes on with the one
// above's direction, and a blank one is QCOM's spacing. In hex display
// the lines are the bytes ("_R:] 30 0D"), the line ends among them, each
// direction shown so or not on its own. "DSR:1 CTS:1 RI:0 (DCD:1)" is
// QCOM's report of the modem status lines, not the modem's data: a note.
var (
	// qcomLine is a stamped line; the stamp is checked apart, so that one
	// QCOM did not write is named as such.
	qcomLine = regexp.MustCompile(`^\[([^\]_]{1,30})_([SR]):\](.*)$`)
	// qcomStart is how a stamped line starts, to tell one cut off in its
	// stamp or direction from a continuation.
	qcomStart  = regexp.MustCompile(`^\[\d{4}-\d\d-\d\d `)
	qcomStamp  = regexp.MustCompile(`^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d):(\d{3})$`)
	qcomStatus = regexp.MustCompile(`^DSR:[01] CTS:[01] RI:[01] \(DCD:[01]\)$`)
	// qcomDetect is a whole stamp as QCOM writes it (Detect's clue).
	qcomDetect = regexp.MustCompile(`^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}_[SR]:\]`)
)

// readQCOM reads a QCOM log with its time stamps.
func readQCOM(file string, lines []string) (*Transcript, error) {
	type row struct {
		line int
		t    time.Time
		dir  Dir
		text string
	}
	var rows []row
	var notes []record
	shown := map[Dir][]string{} // each direction's rows, to tell its display
	for i, l := range lines {
		n := i + 1
		if m := qcomLine.FindStringSubmatch(l); m != nil {
			s := qcomStamp.FindStringSubmatch(m[1])
			if s == nil {
				return nil, errAt(file, n, "QCOM time %q: want the date and time as [2019-01-31 03:12:05:246_S:]", m[1])
			}
			t, _, ok := parseStamp(s[1] + "." + s[2])
			if !ok {
				return nil, errAt(file, n, "QCOM time %q is no date and time", m[1])
			}
			dir := Modem
			if m[2] == "S" {
				dir = Host
			}
			text := strings.TrimPrefix(m[3], " ")
			if qcomStatus.MatchString(strings.TrimSpace(text)) {
				notes = append(notes, record{line: n, dir: Tool, t: t, text: strings.TrimSpace(text)})
				continue
			}
			rows = append(rows, row{n, t, dir, text})
			shown[dir] = append(shown[dir], text)
			if len(rows) > MaxEntries {
				return nil, errAt(file, n, "more than %d stamped lines", MaxEntries)
			}
			continue
		}
		if qcomStart.MatchString(l) {
			return nil, errAt(file, n, "a QCOM line cut off or malformed: want \"[2019-01-31 03:12:05:246_S:] data\", found %q", clip(l))
		}
		if strings.TrimSpace(l) == "" {
			continue
		}
		if len(rows) == 0 && len(notes) == 0 {
			return nil, errAt(file, n, "expected a QCOM line (\"[2019-01-31 03:12:05:246_S:] AT\"), found %q", clip(l))
		}
		if qcomStatus.MatchString(strings.TrimSpace(l)) {
			notes = append(notes, record{line: n, dir: Tool, text: strings.TrimSpace(l)})
			continue
		}
		if len(rows) == 0 {
			return nil, errAt(file, n, "a line without a QCOM stamp before any data line: %q", clip(l))
		}
		last := rows[len(rows)-1]
		rows = append(rows, row{n, last.t, last.dir, l})
		shown[last.dir] = append(shown[last.dir], l)
	}
	if len(rows) == 0 && len(notes) == 0 {
		return nil, errAt(file, firstLine(lines), "no QCOM line (\"[2019-01-31 03:12:05:246_S:] AT\") in the log")
	}
	hexed := map[Dir]bool{Host: hexDisplay(shown[Host]), Modem: hexDisplay(shown[Modem])}
	var recs []record
	streams := serialLines{}
	for _, r := range rows {
		data := r.text + "\n"
		if hexed[r.dir] {
			b, err := spacedHex(r.text)
			if err != nil {
				return nil, errAt(file, r.line, "QCOM hex data: %v", err)
			}
			data = string(b)
		}
		recs = append(recs, streams.feed("", r.dir, data, r.line, r.t)...)
	}
	return streams.wire(file, Absolute, append(recs, notes...), false)
}

// looksLikeQCOM reports a line QCOM stamped.
func looksLikeQCOM(l string) bool {
	return qcomDetect.MatchString(l)
}
