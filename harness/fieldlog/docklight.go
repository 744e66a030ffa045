package fieldlog

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Docklight's log file (plain text, not HTML): a header
//
//	Docklight Log File (HEX) - Started 08/08/2013 10:04:27.025
//
// then the data, a date/time stamp and the channel before each run of it
// (Docklight stamps where the direction changes and before each Send
// Sequence):
//
//	01/12/2026 10:15:03.123 [TX] - AT+CGMI<CR>
//	01/12/2026 10:15:03.140 [RX] - <CR><LF>Quectel<CR><LF><CR><LF>OK<CR><LF>
//
// in the display's representation: HEX ("0D 0A 4F 4B 0D 0A"), or ASCII
// with the control characters by their names (<CR>, <LF>, <ESC>, <NUL>,
// …). The channel is [TX]/[RX] in Send/Receive mode, the two ports'
// names ([COM8]) in Monitoring mode. The date is the Windows locale's:
// day or month first, told apart by the stamps themselves.
var (
	docklightHeader = regexp.MustCompile(`^Docklight Log File(?: \(([A-Za-z]+)\))? - Started (.*)$`)
	docklightLine   = regexp.MustCompile(`^(\d{1,4})[./-](\d{1,2})[./-](\d{1,4}) (\d{1,2}:\d\d:\d\d(?:[.,]\d{1,9})?)(?: ?([AaPp][Mm]))? \[([^\]]+)\] -(?: (.*))?$`)
	// docklightStart is how a stamped line starts, to tell one cut off
	// in its stamp or channel from a continuation.
	docklightStart = regexp.MustCompile(`^\d{1,4}[./-]\d{1,2}[./-]\d{1,4} \d`)
	docklightHex   = regexp.MustCompile(`^[0-9A-Fa-f]{1,2}(?: [0-9A-Fa-f]{1,2})*$`)
)

// docklightControl names the control characters as Docklight's ASCII
// display writes them.
var docklightControl = map[string]byte{
	"NUL": 0x00, "SOH": 0x01, "STX": 0x02, "ETX": 0x03, "EOT": 0x04, "ENQ": 0x05, "ACK": 0x06, "BEL": 0x07,
	"BS": 0x08, "HT": 0x09, "LF": 0x0a, "VT": 0x0b, "FF": 0x0c, "CR": 0x0d, "SO": 0x0e, "SI": 0x0f,
	"DLE": 0x10, "DC1": 0x11, "DC2": 0x12, "DC3": 0x13, "DC4": 0x14, "NAK": 0x15, "SYN": 0x16, "ETB": 0x17,
	"CAN": 0x18, "EM": 0x19, "SUB": 0x1a, "ESC": 0x1b, "FS": 0x1c, "GS": 0x1d, "RS": 0x1e, "US": 0x1f,
	"DEL": 0x7f,
}

// docklightWord is an upper-case word in angle brackets: a control
// character's name, or a mistake.
var docklightWord = regexp.MustCompile(`^<([A-Z][A-Z0-9]{1,3})>`)

// dlChunk is one stamped run of data and its continuation lines.
type dlChunk struct {
	line int
	t    time.Time
	src  string
	rows []jpnRow
}

// readDocklight reads a Docklight log file.
func readDocklight(file string, lines []string) (*Transcript, error) {
	mode := "" // HEX or ASCII: the header's, or what the data reads as
	var chunks []dlChunk
	var notes []record
	type stamp struct {
		line        int
		a, b, y     int
		clock, ampm string
	}
	var stamps []stamp
	var datas []string // each row's data as written
	var cols []int     // and the column before it on its line
	for n, l := range textRows(lines) {
		if m := docklightHeader.FindStringSubmatch(l); m != nil {
			switch up := strings.ToUpper(m[1]); up {
			case "", "HEX", "ASCII":
				if up != "" {
					mode = up
				}
			default:
				return nil, errAt(file, n, "a Docklight log of the %s display: log the data as HEX or ASCII", m[1])
			}
			notes = append(notes, record{line: n, dir: Tool, text: l})
			continue
		}
		if m := docklightLine.FindStringSubmatch(l); m != nil {
			a, _ := strconv.Atoi(m[1])
			b, _ := strconv.Atoi(m[2])
			y, _ := strconv.Atoi(m[3])
			stamps = append(stamps, stamp{n, a, b, y, m[4], m[5]})
			chunks = append(chunks, dlChunk{line: n, src: m[6]})
			datas = append(datas, m[7])
			cols = append(cols, len(l)-len(m[7]))
			chunks[len(chunks)-1].rows = append(chunks[len(chunks)-1].rows, jpnRow{line: n})
			if len(chunks) > MaxEntries {
				return nil, errAt(file, n, "more than %d stamped lines", MaxEntries)
			}
			continue
		}
		if docklightStart.MatchString(l) {
			return nil, errAt(file, n, "a Docklight line cut off or malformed: want \"01/12/2026 10:15:03.123 [TX] - data\", found %q", clip(l))
		}
		if len(chunks) == 0 {
			return nil, errAt(file, n, "expected a Docklight header (\"Docklight Log File (HEX) - Started …\") or a stamped line (\"01/12/2026 10:15:03.123 [TX] - …\"), found %q", clip(l))
		}
		// A line without a stamp goes on with the data above it: the
		// file's line break is no data, which Docklight spells out.
		c := &chunks[len(chunks)-1]
		c.rows = append(c.rows, jpnRow{line: n})
		datas = append(datas, l)
		cols = append(cols, 0)
	}
	if len(chunks) == 0 {
		return nil, errAt(file, firstLine(lines), "no Docklight data line (\"01/12/2026 10:15:03.123 [TX] - …\") in the log")
	}
	if mode == "" {
		mode = "HEX"
		for _, d := range datas {
			if d != "" && !docklightHex.MatchString(d) {
				mode = "ASCII"
				break
			}
		}
	}
	// Day or month first: a field over 12 says which; a log that never
	// shows one is read day first.
	dayFirst, monthFirst, yearFirst := false, false, false
	for _, s := range stamps {
		switch {
		case s.a > 31:
			yearFirst = true
		case s.a > 12:
			dayFirst = true
		case s.b > 12:
			monthFirst = true
		}
	}
	if dayFirst && monthFirst {
		return nil, errAt(file, stamps[0].line, "Docklight dates both day first and month first: not one locale's")
	}
	k := 0 // index into datas
	for ci := range chunks {
		s := stamps[ci]
		y, mo, d := s.y, s.b, s.a
		switch {
		case yearFirst:
			y, mo, d = s.a, s.b, s.y
		case monthFirst:
			mo, d = s.a, s.b
		}
		t, ok := docklightTime(y, mo, d, s.clock, s.ampm)
		if !ok {
			return nil, errAt(file, s.line, "Docklight time %q is no date and time", strings.SplitN(lines[s.line-1], " [", 2)[0])
		}
		chunks[ci].t = t
		for ri := range chunks[ci].rows {
			r := &chunks[ci].rows[ri]
			var err error
			if mode == "HEX" {
				r.data, err = spacedHex(datas[k])
			} else {
				r.data, err = docklightASCII(datas[k], cols[k])
			}
			if err != nil {
				return nil, errAt(file, r.line, "Docklight %s data: %v", mode, err)
			}
			k++
		}
	}
	hosts := map[string]bool{}
	named := false
	for _, c := range chunks {
		switch strings.ToUpper(c.src) {
		case "TX":
			hosts[c.src] = true
		case "RX":
		default:
			named = true
		}
	}
	if named {
		// Monitoring mode: the port whose data are all commands is the
		// host's, as in a jpnevulator dump.
		js := make([]jpnChunk, len(chunks))
		for i, c := range chunks {
			js[i] = jpnChunk{line: c.line, src: c.src, rows: c.rows}
		}
		hosts = jpnHosts(js)
	}
	recs := notes
	streams := serialLines{}
	for _, c := range chunks {
		dir := Modem
		if hosts[c.src] {
			dir = Host
		}
		for _, r := range c.rows {
			recs = append(recs, streams.feed("", dir, string(r.data), r.line, c.t)...)
		}
	}
	return streams.wire(file, Absolute, recs, false)
}

// docklightTime is a stamp's time: a 24-hour clock, or 12-hour with AM/PM.
func docklightTime(y, mo, d int, clock, ampm string) (time.Time, bool) {
	if y < 100 {
		y += 2000
	}
	if mo < 1 || mo > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	tod, err := time.Parse("15:04:05.999999999", strings.Replace(clock, ",", ".", 1))
	if err != nil {
		return time.Time{}, false
	}
	h := tod.Hour()
	switch strings.ToUpper(ampm) {
	case "AM":
		if h == 12 {
			h = 0
		}
	case "PM":
		if h < 12 {
			h += 12
		}
	}
	t := time.Date(y, time.Month(mo), d, h, tod.Minute(), tod.Second(), tod.Nanosecond(), time.UTC)
	if t.Day() != d {
		return time.Time{}, false // 31/02
	}
	return t, true
}

// docklightASCII reads ASCII data: text, control characters by name; col
// is where s starts on its line, for messages.
func docklightASCII(s string, col int) ([]byte, error) {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '<' {
			out = append(out, s[i])
			continue
		}
		if m := docklightWord.FindStringSubmatch(s[i:]); m != nil {
			c, ok := docklightControl[m[1]]
			if !ok {
				return nil, fmt.Errorf("<%s> at column %d is no control character's name (<CR>, <LF>, <ESC>, <NUL>, …)", m[1], col+i+1)
			}
			out = append(out, c)
			i += len(m[0]) - 1
			continue
		}
		if rest := s[i+1:]; len(rest) >= 1 && len(rest) <= 3 && rest == strings.ToUpper(rest) && strings.Trim(rest, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == "" {
			return nil, fmt.Errorf("the line ends inside a control character's name (%q)", s[i:])
		}
		out = append(out, '<') // a '<' of the data
	}
	return out, nil
}

// looksLikeDocklight reports Docklight's header or a stamped line of it.
func looksLikeDocklight(l string) bool {
	if !strings.Contains(l, "] -") && !strings.HasPrefix(l, "Docklight") { // what the patterns need, found cheaply
		return false
	}
	l = strings.TrimRight(l, "\r")
	return docklightHeader.MatchString(l) || docklightLine.MatchString(l)
}
