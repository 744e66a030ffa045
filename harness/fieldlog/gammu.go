package fieldlog

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// gammu's debug log of its AT driver (gammu --debug textall, textalldate
// with the date first; gammu-smsd with debuglevel set, in its logfile
// or through syslog): every frame the driver writes and reads is logged
// as a header and a dump of its bytes,
//
//	SENDING frame type 0x00/length 0x09/9
//	41A|54T|2B+|43C|53S|43C|41A|3F?|0D                              AT+CSCA?.
//
// ("frametype" in old releases; RECEIVED for what it read, the echo
// included), 16 bytes a line, each as two hex digits, itself (a space
// when not printable) and "|", then the bytes as text from the 64th
// column. Between them gammu's own messages, and the lines it parsed
// out of an answer, numbered (`1 "AT+CSCA?"`, `2 "+CSCA: …"`), which
// repeat the RECEIVED frame. When it cannot make sense of an answer it
// reports "UNKNOWN frame." and dumps the LAST SENT frame and the
// RECEIVED one again: repeats too.
var (
	// gammuDate is textalldate's and gammu-smsd's stamp, local time.
	gammuDate = regexp.MustCompile(`^[A-Z][a-z]{2} (\d{4}/\d\d/\d\d \d\d:\d\d:\d\d):? `)
	// gammuDaemon is what gammu-smsd (and syslog before it, its host)
	// puts before the library's message: the daemon and its pid.
	gammuDaemon = regexp.MustCompile(`^` + syslogSource + `([\w./-]+\[\d+\]): (?:gammu: )?`)
	// gammuNoPid is the daemon's name alone, as gammu-smsd built without
	// getpid (on Windows) writes it ("%s: " in SMSD_Log): taken before
	// the library's "gammu: ", or when the name is gammu-smsd's (it
	// holds "smsd"), as gammu's own messages have colons too
	// ("Checking line: OK").
	gammuNoPid = regexp.MustCompile(`^` + syslogSource + `([\w./-]+): gammu: |^` + syslogSource + `((?i:[\w./-]*smsd[\w./-]*)): (?:gammu: )?`)
	gammuFrame = regexp.MustCompile(`^(SENDING|RECEIVED|LAST SENT) frame ?type 0x([0-9A-Fa-f]{2})/length (?:0x[0-9A-Fa-f]+/)?(\d+)\s*$`)
	// gammuParsed is a line gammu parsed out of an answer: its number
	// in the answer and the line between quotes.
	gammuParsed = regexp.MustCompile(`^(\d+) "(.*)"\s*$`)
	// gammuMarker is a message only gammu logs: its banner, and the state
	// its AT parser reached.
	gammuMarker = regexp.MustCompile(`^(?:\[Gammu +- |AT reply state: \d+\s*$)`)
	// gammuTimeout is gammu giving up on an answer: it sends the frame
	// again ("[Retrying 1 type 0x00]") or, out of tries, reports
	// ERR_TIMEOUT ("No response in specified timeout. Probably phone not
	// connected.", alone or after the call that failed, or in
	// gammu-smsd's own words around it).
	gammuTimeout = regexp.MustCompile(`^\[Retrying \d+ type 0x00\]\s*$|No response in specified timeout`)
)

// gammuRowBytes is how many bytes a dump line holds.
const gammuRowBytes = 16

// gammuLine is a log line without its prefix: the time it gives (zero
// without one), the daemon and pid that logged it ("" without a
// prefix naming one) and the library's message.
func gammuLine(l string) (time.Time, Clock, string, string) {
	l = strings.TrimRight(l, "\r")
	t, c := time.Time{}, NoTime
	if m := gammuDate.FindStringSubmatch(l); m != nil {
		if d, err := time.Parse("2006/01/02 15:04:05", m[1]); err == nil {
			t, c = d, Absolute
			l = l[len(m[0]):]
		}
	} else if d, dc, n := syslogPrefix(l); n > 0 {
		// A syslog or journal line: its time, then host and daemon.
		t, c, l = d, dc, l[n:]
	}
	daemon := ""
	if m := gammuDaemon.FindStringSubmatch(l); m != nil {
		l, daemon = l[len(m[0]):], m[1]
	} else if m := gammuNoPid.FindStringSubmatch(l); m != nil {
		l, daemon = l[len(m[0]):], m[1]+m[2]
	}
	return t, c, daemon, strings.TrimPrefix(l, "gammu: ")
}

// gammuRow reads up to n bytes of a dump line: each byte's two hex
// digits, then itself or a space, then "|" but after the line's last.
func gammuRow(s string, n int) ([]byte, bool) {
	n = min(n, gammuRowBytes)
	out := make([]byte, 0, n)
	for i := range n {
		p := 4 * i
		if p+2 > len(s) {
			return nil, false
		}
		v, err := strconv.ParseUint(s[p:p+2], 16, 8)
		if err != nil {
			return nil, false
		}
		b := byte(v)
		if i < gammuRowBytes-1 { // the last byte of a full line has no character: the text starts there
			if p+2 < len(s) && s[p+2] != b && s[p+2] != ' ' {
				return nil, false
			}
			if i < n-1 && (p+3 >= len(s) || s[p+3] != '|') {
				return nil, false
			}
		}
		out = append(out, b)
	}
	return out, true
}

// gammuDump is a frame being read.
type gammuDump struct {
	line   int    // the header's
	daemon string // the header's daemon[pid], "" without one
	kind   string
	need   int
	got    int
	repeat bool // LAST SENT, or the RECEIVED after it: already read
}

// readGammu reads gammu's debug log: what it sent is the host's, what it
// read the modem's, cut into lines at CR and LF; its own messages are
// notes, but for the numbered lines it parsed out of an answer and the
// frames an UNKNOWN frame report repeats. A log of gammu's messages alone
// (--debug text: no frame dumps) is read from the lines it parsed out of
// each answer: the modem's lines, the command shown only by its echo
// (the first of them while echo is on), as lpac's old AT_DEBUG lines.
func readGammu(file string, lines []string) (*Transcript, error) {
	framed := false
	for _, l := range lines {
		if _, _, _, body := gammuLine(l); gammuFrame.MatchString(body) {
			framed = true
			break
		}
	}
	var (
		recs    []record
		streams = serialLines{}
		cur     *gammuDump
		clock   = logClock{undated: yearlessTimes} // a syslog prefix's time has no year
		report  bool                               // LAST SENT was dumped: the RECEIVED after it repeats
		traffic int                                // frames read, or answer lines in a log without frames
		// parsed holds the lines gammu parsed out of an answer since the
		// last frame it sent (sent, the last frame's kind): it logs them
		// before the RECEIVED frame they come from, so a log cut between
		// the two has them alone.
		parsed []record
		sent   bool
	)
	for i, raw := range lines {
		n := i + 1
		if strings.TrimSpace(raw) == "" {
			continue
		}
		t, c, daemon, body := gammuLine(raw)
		t, err := clock.take(file, n, t, c) // a line without a stamp takes the one before it
		if err != nil {
			return nil, err
		}
		if cur != nil && daemon != cur.daemon {
			// Another daemon's line in a journal, between two lines of
			// the dump: a note.
			recs = append(recs, record{line: n, dir: Tool, t: t, text: body})
			continue
		}
		if cur != nil {
			row, ok := gammuRow(body, cur.need-cur.got)
			if !ok {
				return nil, errAt(file, n, "expected the dump of the %s frame of line %d (%d of its %d bytes read), found %q", cur.kind, cur.line, cur.got, cur.need, clip(body))
			}
			cur.got += len(row)
			if !cur.repeat {
				dir := Modem
				if cur.kind == "SENDING" {
					dir = Host
				}
				recs = append(recs, streams.feed("", dir, string(row), n, t)...)
			}
			if cur.got == cur.need {
				cur = nil
			}
			continue
		}
		if m := gammuFrame.FindStringSubmatch(body); m != nil {
			size, err := strconv.Atoi(m[3])
			switch {
			case err != nil || size > MaxLine*4:
				return nil, errAt(file, n, "a frame of %s bytes: at most %d", m[3], MaxLine*4)
			case m[2] != "00":
				return nil, errAt(file, n, "gammu frame type 0x%s: not the AT driver's (0x00), a log of another phone protocol", m[2])
			}
			d := &gammuDump{line: n, daemon: daemon, kind: m[1], need: size}
			switch m[1] {
			case "LAST SENT":
				d.repeat, report = true, true
			case "RECEIVED":
				d.repeat, report = report, false
			default:
				report = false
			}
			if !d.repeat {
				if traffic++; traffic > MaxEntries {
					return nil, errAt(file, n, "more than %d frames", MaxEntries)
				}
				parsed, sent = parsed[:0], m[1] == "SENDING" // a new command, or the answer's own frame
			}
			if size > 0 {
				cur = d
			}
			continue
		}
		if m := gammuParsed.FindStringSubmatch(body); m != nil {
			if !framed && m[2] != "" {
				if traffic++; traffic > MaxEntries {
					return nil, errAt(file, n, "more than %d answer lines", MaxEntries)
				}
				recs = append(recs, record{line: n, dir: Modem, t: t, text: m[2], echoOnly: true})
			} else if m[2] != "" && len(parsed) < MaxEntries {
				parsed = append(parsed, record{line: n, dir: Modem, t: t, text: m[2]})
			}
			continue // else it repeats the RECEIVED frame
		}
		recs = append(recs, record{line: n, dir: Tool, t: t, text: body, timeout: gammuTimeout.MatchString(body)})
	}
	if cur != nil {
		return nil, errAt(file, len(lines), "the log ends inside the dump of the %s frame of line %d (%d of its %d bytes read)", cur.kind, cur.line, cur.got, cur.need)
	}
	if traffic == 0 {
		return nil, errAt(file, firstLine(lines), "gammu's messages, but no frame it sent or read (\"SENDING frame type 0x00/length 0x09/9\" and its dump, logged with --debug textall or textalldate) and no line it parsed out of an answer (`1 \"AT+CSQ\"`): nothing to replay")
	}
	if !framed {
		return finish(file, clock.c, recs, false)
	}
	// The log cut after gammu parsed the last answer and before the
	// RECEIVED frame it logs next (outside tester t79: a Huawei log
	// ending "2 \"OK\"", "AT reply state: 1"): the lines it parsed are
	// the answer, the echo among them, as in a log without frames.
	if sent {
		recs = append(recs, parsed...)
	}
	return streams.wire(file, clock.c, recs, false)
}

// looksLikeGammu reports a gammu frame header, its banner or its AT
// parser's state.
func looksLikeGammu(l string) bool {
	// What the patterns below need, found without parsing the line: a
	// long log's every note is asked whether it is gammu's (secondFormat).
	if !strings.Contains(l, "frame") && !strings.Contains(l, "[Gammu") && !strings.Contains(l, "AT reply state") && !strings.Contains(l, "gammu-smsd") {
		return false
	}
	_, _, daemon, body := gammuLine(l)
	// gammu-smsd's own messages are gammu's too, frames or not: an
	// excerpt of them alone is then said to hold no frame.
	return gammuFrame.MatchString(body) || gammuMarker.MatchString(body) || strings.HasPrefix(daemon, "gammu-smsd")
}
