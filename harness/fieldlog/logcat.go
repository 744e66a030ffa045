package fieldlog

import (
	"regexp"
	"strings"
	"time"
)

// An Android radio log (adb logcat -b radio) of a RIL that speaks AT to
// the modem: AOSP's reference RIL and the vendor RILs built on its
// atchannel log each line they write as "AT> line" and each non-empty
// line they read as "AT< line", under their tag ("AT" up to Android 7,
// "use-Rlog/RLOG-AT" since), and a PDU typed after the "> " prompt as
// "AT> pdu^Z". Some RILs with several AT channels name each ("ATCI: AT>
// AT+CSQ"): they are read as ports. In any of logcat's formats:
//
//	12-02 10:00:00.100  1520  1544 D AT      : AT> AT+CPIN?        threadtime (the default)
//	12-02 10:00:00.120 D/AT      ( 1520): AT< +CPIN: READY         time
//	D/AT      ( 1520): AT< OK                                      brief
//	D/AT      : AT< OK                                             tag
//
// with -v color (its colours dropped), uid (a uid before the pid), year (2026-12-02 …), zone (…
// +0100), epoch (1764669600.100) or monotonic (seconds since boot). The
// radio buffer's other lines (RILJ, RILC, the vendor's own) are left
// out; the atchannel's "EOF reached" and "read error" become notes, as
// they say the port went away.
var (
	// logcatStamped is a threadtime or time line: the stamp, then the rest.
	logcatStamped = regexp.MustCompile(`^\s*(?:(\d{4}-)?(\d\d-\d\d \d\d:\d\d:\d\d\.\d{1,9})(?: ([+-]\d{4}))?|(\d+\.\d{1,9}))\s+(.*)$`)
	// logcatThread is threadtime's rest: pid, tid, priority, tag, message
	// (-v uid puts the uid, a name or a number, first).
	logcatThread = regexp.MustCompile(`^(?:(?:[A-Za-z_][\w.]*|\d+)\s+)?(\d+)\s+\d+\s+[VDIWEFAS]\s(.*?)\s*: (.*)$`)
	// logcatBrief is time's, brief's and tag's rest: priority/tag(pid):
	// message, the pid missing in tag.
	logcatBrief = regexp.MustCompile(`^[VDIWEFAS]/(.*?)(?:\(\s*(\d+)\))?: (.*)$`)
	// logcatAT is a RIL's AT line, with its channel's name if it gives one:
	// AOSP's reference RIL "AT> AT+CPIN?" (a vendor's "name: AT> …"), and
	// Huawei's Balong RIL "[modem_0][ch:8] AT > AT+CPIN?", whose modem and
	// channel name the port (outside tester sw93).
	logcatAT = regexp.MustCompile(`^(?:([^\s:]{1,40}): |\[(\w{1,20})\]\[(ch:\d{1,3})\] )?AT ?([<>]) (.*)$`)
	// logcatColour is an SGR sequence -v color wraps a line in.
	logcatColour = regexp.MustCompile("\x1b\\[[0-9;]*m")
	// logcatBanner is logcat's "--------- beginning of radio" (up to
	// Android 4.4, the buffer's device: "of /dev/log/radio").
	logcatBanner = regexp.MustCompile(`^-{9} (?:beginning of|switch to) (?:/dev/log/)?\w+$`)
)

// logcatLine is one line of logcat output.
type logcatLine struct {
	t   time.Time
	c   Clock
	pid string // "" in -v tag
	tag string
	msg string
}

// parseLogcat reads a line in one of logcat's formats; ok is false for
// anything else (a banner, a line of another tool).
func parseLogcat(l string) (logcatLine, bool) {
	l = strings.TrimSuffix(l, "\r")
	if strings.Contains(l, "\x1b[") {
		l = logcatColour.ReplaceAllString(l, "")
	}
	rest := l
	var out logcatLine
	if m := logcatStamped.FindStringSubmatch(l); m != nil {
		var ok bool
		switch {
		case m[4] != "": // epoch or monotonic seconds
			out.t, out.c, ok = logcatSeconds(m[4])
		default:
			out.t, out.c, ok = logcatDate(m[1], m[2], m[3])
		}
		if !ok {
			return logcatLine{}, false
		}
		rest = m[5]
		if t := logcatThread.FindStringSubmatch(rest); t != nil {
			out.pid, out.tag, out.msg = t[1], t[2], t[3]
			return out, true
		}
	}
	if b := logcatBrief.FindStringSubmatch(rest); b != nil {
		out.tag, out.pid, out.msg = strings.TrimSpace(b[1]), b[2], b[3]
		return out, true
	}
	return logcatLine{}, false
}

// logcatDate reads a date stamp: year 0 when logcat gave none (yearless
// places it), in the zone -v zone printed, else as written.
func logcatDate(year, date, zone string) (time.Time, Clock, bool) {
	layout, s := "01-02 15:04:05.999999999", date
	if year != "" {
		layout, s = "2006-"+layout, year+date
	}
	if zone != "" {
		layout, s = layout+" -0700", s+" "+zone
	}
	t, err := time.Parse(layout, s)
	return t, Absolute, err == nil
}

// logcatSeconds reads -v epoch (seconds since 1970: Absolute) or -v
// monotonic (seconds since boot: Relative) as parseStamp reads seconds; a
// boot is never 30 years old.
func logcatSeconds(s string) (time.Time, Clock, bool) {
	t, c, ok := parseStamp(s)
	if !ok || c != Relative {
		return time.Time{}, NoTime, false
	}
	if since := t.Sub(RelativeEpoch); since >= 1e9*time.Second {
		return time.Unix(0, 0).UTC().Add(since), Absolute, true
	}
	return t, Relative, true
}

// readLogcat reads a RIL's AT traffic out of an Android radio log.
func readLogcat(file string, lines []string, cut bool) (*Transcript, error) {
	var recs []record
	var pids []string                         // each record's process
	clock := logClock{undated: yearlessTimes} // "12-02 10:00:01.000"
	sawLogcat := false
	for i, l := range lines {
		n := i + 1
		if t := strings.TrimSpace(l); t == "" || logcatBanner.MatchString(t) {
			continue
		}
		ll, ok := parseLogcat(l)
		if !ok {
			if !sawLogcat {
				return nil, errAt(file, n, "expected a logcat line (\"12-02 10:00:00.100  1520  1544 D AT      : AT> AT+CPIN?\"), found %q", clip(l))
			}
			// A message logcat printed over several lines goes on here;
			// only the RIL's one-line AT records matter.
			continue
		}
		sawLogcat = true
		if ll.c != NoTime { // a line of -v brief has no time: none is given it
			var err error
			if ll.t, err = clock.take(file, n, ll.t, ll.c); err != nil {
				return nil, err
			}
		}
		if m := logcatAT.FindStringSubmatch(ll.msg); m != nil {
			text, dir, port := m[5], m[4], m[1]
			if m[2] != "" {
				port = m[2] + "/" + m[3] // each channel of each modem a port
			}
			if dir == ">" {
				// writeCtrlZ logs what follows the "> " prompt with a
				// caret: the modem was sent the Ctrl-Z itself.
				if pdu, ok := strings.CutSuffix(text, "^Z"); ok {
					text = pdu + "\x1a"
				}
			}
			recs = append(recs, record{line: n, dir: Dir(dir[0]), t: ll.t, text: text, port: port})
			pids = append(pids, ll.pid)
		} else if strings.HasPrefix(ll.msg, "atchannel: ") {
			recs = append(recs, record{line: n, dir: Tool, t: ll.t, text: ll.tag + ": " + ll.msg})
			pids = append(pids, ll.pid)
		}
		if len(recs) > MaxEntries {
			return nil, errAt(file, n, "more than %d AT lines", MaxEntries)
		}
	}
	if !sawLogcat {
		return nil, errAt(file, firstLine(lines), "no logcat line in the log")
	}
	if !hasTraffic(recs) {
		return nil, errAt(file, firstLine(lines), "an Android log without a RIL's AT lines (\"AT> …\", \"AT< …\"): a RIL that speaks QMI, MBIM or a vendor protocol logs none, and only the radio buffer (adb logcat -b radio) holds them: nothing to replay")
	}
	portsByProcess(recs, pids)
	t, err := finish(file, clock.c, recs, cut)
	if err == nil {
		t.ShowsEcho = true // the RIL logs every line it reads, an echo too
	}
	return t, err
}

// portsByProcess names each record's port after its process when AT
// lines of two processes interleave: a dual-SIM device runs a RIL daemon
// a SIM, each on its own AT port. One after the other is a RIL
// restarted on the same port: its conversation goes on there (the new
// RIL's first command ends the wait of the one that died).
func portsByProcess(recs []record, pids []string) {
	type span struct{ first, last int }
	spans := map[string]*span{}
	for i, r := range recs {
		if r.dir == Tool || pids[i] == "" {
			continue
		}
		if sp := spans[pids[i]]; sp != nil {
			sp.last = i
		} else {
			spans[pids[i]] = &span{i, i}
		}
	}
	interleaved := false
	for p, a := range spans {
		for q, b := range spans {
			if p < q && a.first < b.last && b.first < a.last {
				interleaved = true
			}
		}
	}
	if !interleaved {
		return
	}
	for i := range recs {
		if pids[i] == "" {
			continue
		}
		p := "pid " + pids[i]
		if recs[i].port != "" {
			p += " " + recs[i].port
		}
		recs[i].port = p
	}
}

// hasTraffic reports a record that is a line of the conversation.
func hasTraffic(recs []record) bool {
	for _, r := range recs {
		if r.dir != Tool {
			return true
		}
	}
	return false
}

// looksLikeLogcat reports a logcat line that is a RIL's AT line, or
// logcat's banner: an Android log either way. ll and parsed are the
// line as parseLogcat read it.
func looksLikeLogcat(l string, ll logcatLine, parsed bool) bool {
	return parsed && logcatAT.MatchString(ll.msg) || logcatBanner.MatchString(strings.TrimSpace(l))
}
