package fieldlog

import (
	"cmp"
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
	clock := logClock{none: !stampedLog(lines)}
	var dir Dir
	var dirTime time.Time
	port := "" // the port of the last marked line (loggerTTY)
	right, err := arrowHost(file, lines)
	if err != nil {
		return nil, err
	}
	logged := loggingLog(lines)
	first := 0  // the first line with a marker
	banner := 0 // unmarked lines before it
	for i, l := range lines {
		n := i + 1
		if strings.TrimSpace(l) == "" {
			continue
		}
		if kernelOwn(l) {
			// The kernel's line (below), its stamp the kernel's clock:
			// seconds since boot among a transcript's wall times.
			recs = append(recs, record{line: n, dir: Tool, t: dirTime, text: strings.TrimSpace(l)})
			continue
		}
		t, c, rest, err := clock.stamp(file, n, l)
		if err != nil {
			return nil, err
		}
		if c != NoTime {
			t = clock.onward(t)
		}
		rest = trimEndPictures(rest)
		ownLine := false // a line of the logging program's own
		linePort := ""   // the tty its logger's name or tag names
		if logged {
			if msg, ok := loggerMessage(rest); ok {
				linePort = loggerTTY.FindString(rest[:len(rest)-len(msg)])
				rest, ownLine = msg, true
			}
		}
		if rest == "" {
			continue
		}
		if d, text, ok := plainArrowMarker(rest, right); ok {
			dir, dirTime, port = d, t, linePort
			first = cmp.Or(first, n)
			if text != "" {
				recs = append(recs, record{line: n, dir: dir, t: t, text: text, port: port})
			}
			continue
		}
		if d, text, ok := plainMarker(rest); ok {
			dir, dirTime, port = d, t, linePort
			first = cmp.Or(first, n)
			if text == "" {
				continue
			}
			recs = append(recs, record{line: n, dir: dir, t: t, text: text, port: port})
			continue
		}
		switch {
		case rest[0] == '#':
			recs = append(recs, record{line: n, dir: Tool, t: t, text: strings.TrimSpace(rest[1:])})
		case ownLine:
			// The script's own message ("opening /dev/ttyUSB3"): a note.
			recs = append(recs, record{line: n, dir: Tool, t: t, text: rest})
		case kernelTagged.MatchString(rest):
			// The kernel's log pasted among the AT lines in the journal's
			// or syslog's form ("kernel: usb 1-1.2: USB disconnect"; dmesg's
			// own lines are taken above): the host's note of what happened
			// to the port, not the modem's text (outside tester sw67: read
			// as URCs).
			recs = append(recs, record{line: n, dir: Tool, t: dirTime, text: strings.TrimSpace(l)})
		case defmtLocation.MatchString(rest):
			// defmt's location line under its log line ("└─ nrf_modem::at
			// @ src/at.rs:170"): the program's note, never the text of
			// the command or answer before it (outside tester t208: a
			// command named "└─ nrf_modem::…" left unanswered).
			recs = append(recs, record{line: n, dir: Tool, t: dirTime, text: strings.TrimSpace(rest)})
		case dir == 0 && banner < maxBanner && !atLike(rest):
			// A ticket's greeting, the tool's banner, before the
			// transcript (outside tester sw67: "Hi support, here is the
			// log…" refused a paste saved as it came): notes. A line of
			// the AT conversation there is no banner: it lost its marker.
			banner++
			recs = append(recs, record{line: n, dir: Tool, t: t, text: rest})
		default:
			if dir == 0 {
				return nil, errAt(file, n, "a line before any direction marker (\">\", \"<\", \"-->\", \"<--\", \"TX:\", \"[RX]\"): %q", clip(l))
			}
			// A second log after this one, past the lines detection
			// looks at (sniffLines), has no markers: its lines would go
			// on as the modem's text.
			if f := foreignLine(l, Plain); f != "" {
				s := twoLogs{file: file, f: Plain, own: first}
				return nil, s.foreign(n, f)
			}
			if c == NoTime {
				t = dirTime
			}
			recs = append(recs, record{line: n, dir: dir, t: t, text: rest, port: port})
		}
	}
	t, err := finish(file, clock.c, recs, false)
	if err != nil {
		return nil, err
	}
	t.ShowsEcho = true // a transcript of the wire shows an echo when there is one
	// A transcript marks every line the host wrote: a final result no
	// command awaits is a command the replay would miss, as in the lpac,
	// mm and terminal readers (outside tester t166 F2).
	if err := oneFinalEach(file, t); err != nil {
		return nil, err
	}
	return t, nil
}

// defmtLocation is the location line defmt's printer writes under a log
// line (its default format, "└─ {module} @ {file}:{line}"): box-drawing
// characters no modem sends.
var defmtLocation = regexp.MustCompile(`^\s*└─ \S.* @ \S+:\d+\s*$`)

// kernelLine is a line of the kernel's log (dmesg): seconds since boot
// to the microsecond in brackets, then a driver's or a device's name and
// a colon.
var kernelLine = regexp.MustCompile(`^\s*\[\s*\d+\.\d{6}\]\s+[\w.-]+(?:\s[\w.:-]+)?:\s`)

// kernelOwn reports a line of the kernel's log (kernelLine, kernelHuman),
// not a transcript's line stamped as the kernel stamps ("[0.100000] TX:
// AT", a serial tool's marker where a driver's name would be: outside
// reviewer sw117).
func kernelOwn(l string) bool {
	if !kernelLine.MatchString(l) && !kernelHuman.MatchString(l) {
		return false
	}
	_, after, _ := strings.Cut(l, "]")
	return !txrxMarker.MatchString(strings.TrimLeft(after, " \t"))
}

// kernelHuman is dmesg -T's line: the wall time in brackets
// ("[Mon Nov 30 14:02:15 2026]"), then a driver's or a device's name.
var kernelHuman = regexp.MustCompile(`^\s*\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]?\d \d{2}:\d{2}:\d{2} \d{4}\]\s+[\w.-]+(?:\s[\w.:-]+)?:\s`)

// kernelTagged is the kernel's line in the journal or syslog: "kernel:
// …" or "host kernel: …", after the time stamp the reader took, or after
// syslog's own ("Nov 30 14:02:15 gw kernel: …").
var kernelTagged = regexp.MustCompile(`^(?:[A-Z][a-z]{2}\s+\d{1,2}\s\d{2}:\d{2}:\d{2}\s+)?(?:[\w.-]+\s+)?kernel:\s`)

// maxBanner is how many unmarked lines a plain transcript may open with
// (a banner, a greeting): more is no transcript.
const maxBanner = 5

// atLike reports a line that reads as the AT conversation's own: a
// command, a final result or an information line or URC ("+NAME:").
func atLike(s string) bool {
	u := strings.ToUpper(strings.TrimSpace(s))
	if strings.HasPrefix(u, "AT") || strings.HasPrefix(u, "+") {
		return true
	}
	switch u {
	case "OK", "ERROR", "NO CARRIER", "RING", "NO DIALTONE", "BUSY", "NO ANSWER", "CONNECT":
		return true
	}
	return false
}

// loggerPrefix is what a logging library writes between the time and the
// message: a level, with a logger's name before or after it (Python's
// logging "%(asctime)s %(levelname)s %(name)s: %(message)s", its
// "%(asctime)s - %(name)s - %(levelname)s - %(message)s" and its
// basicConfig's "DEBUG:esim.modem:"; log4j's and logback's "DEBUG
// [main] c.e.Modem - ").
var (
	loggerLevel  = regexp.MustCompile(loggerLead)
	loggerPrefix = regexp.MustCompile(loggerLead + `(?:\[[^\]]{1,40}\]\s*)?(?:` + loggerName + loggerSep + `)?`)
)

// The parts of loggerPrefix: loggerLead runs to the level and the blank
// after it, a thread's "[main]" and a logger's name maybe before it.
const (
	loggerName = `[A-Za-z_][\w.$]*(?:\[[\w.-]+\])?`
	loggerSep  = `(?:\s*[-:|]\s*|\s+)`
	loggerLead = `^(?:[-|:]\s*)?(?:\[[^\]]{1,40}\]\s*)?(?:` + loggerName + loggerSep + `)?\[?(?:` + loggerLevels + `)\]?` + loggerSep
	// loggerLevels are the levels loggerLead knows.
	loggerLevels = `TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|CRITICAL|FATAL`
)

// levelWords are loggerLevels' words, split once: namesLevel asks of
// every line.
var levelWords = strings.Split(loggerLevels, "|")

// namesLevel reports that s holds one of loggerLevels, without which
// loggerPrefix cannot match: asked first, it spares the regexp's walk of
// a long line without a blank, all of which a logger's name may be (an
// AT line of thousands of commands).
func namesLevel(s string) bool {
	for _, lvl := range levelWords {
		if strings.Contains(s, lvl) {
			return true
		}
	}
	return false
}

// pipeLogger is the fields a "|" separates after the time in
// nrf-softsim's log (its backend prints seconds since boot, the thread,
// the module, the level's letter, the message: "13.994|main|CIOT|I|TX:
// AT+COPS=0␊"): the thread may be empty, "14.018||softsim|D|…".
var pipeLogger = regexp.MustCompile(`^[\w.-]*\|[\w.-]+\|[TDIWEV]\|`)

// endPictures is the control pictures a log may end its lines with
// (U+240A SYMBOL FOR LINE FEED, U+240D for carriage return, U+2424 for
// newline): nrf-softsim's backend writes "␊" where the line ended. They
// stand for the line's end, not text the modem sent.
const endPictures = "\u240a\u240d\u2424"

// trimEndPictures is l without the control pictures it ends with, and
// the blanks before them.
func trimEndPictures(l string) string {
	if t := strings.TrimRight(l, endPictures); len(t) < len(l) {
		return strings.TrimRight(t, " \t")
	}
	return l
}

// loggerTTY is the serial port a logging library's logger name or tag
// names ("modem.ttyUSB2", "[ttyACM0]"): a program that talks to two AT
// ports logs each through its own, and each is read as a port of its own,
// as the mm, ofono and logcat readers do (outside tester t166 F2).
var loggerTTY = regexp.MustCompile(`\btty[A-Za-z]*\d+\b`)

// loggerMessage takes a logging library's prefix (loggerPrefix) off the
// text after a line's time: the message, and whether there was one.
func loggerMessage(rest string) (string, bool) {
	// Each regexp only where its separators are: both may walk a whole
	// long line without a blank before they fail.
	if strings.IndexByte(rest, '|') >= 0 {
		if m := pipeLogger.FindString(rest); m != "" {
			return rest[len(m):], true
		}
	}
	if !namesLevel(rest) {
		return rest, false
	}
	m := loggerPrefix.FindString(rest)
	if m == "" {
		return rest, false
	}
	msg := rest[len(m):]
	// A separator's dash that is an arrow's: "TRACE AT -> AT+CGMI" (the
	// nrf-modem crate's defmt log: level, logger "AT", then the arrow)
	// is the logger's name and "->", not a name, " -" and ">".
	if strings.HasSuffix(m, "-") && (strings.HasPrefix(msg, ">") || strings.HasPrefix(msg, "->")) {
		msg = rest[len(m)-1:]
	}
	// The logger's name taken for a message's first word ("DEBUG >
	// AT" has none): a marker right after the level is the message's.
	if lvl := loggerLevel.FindString(rest); lvl != "" {
		after := rest[len(lvl):]
		if strings.HasSuffix(lvl, "-") && strings.HasPrefix(after, ">") {
			// "DEBUG -> Setup": the dash is the arrow's, as above, not
			// a separator before a ">" marker (IteadSIM800's Python
			// log, "%(levelname)s -> %(message)s": its every message
			// was read as a command the host sent).
			after = rest[len(lvl)-1:]
		}
		if markedText(after) {
			return after, true
		}
	}
	return msg, true
}

// markedText reports text that starts with a direction marker: an arrow,
// ">"/"<", or a serial tool's TX/RX.
func markedText(text string) bool {
	if text == "" {
		return false
	}
	_, _, ok := plainMarker(text)
	return ok || arrowMarker.MatchString(text)
}

// loggingLog reports a log a program wrote through a logging library:
// in its first lines (sniffLines), three lines or more, or all the marked
// ones, carry a logger's prefix before a direction marker. Only then does
// a line with a prefix and no marker read as the program's own message,
// not as text the modem sent.
func loggingLog(lines []string) bool {
	prefixed, marked := 0, 0
	for _, l := range lines[:min(len(lines), sniffLines)] {
		_, _, rest := splitStamp(l)
		if markedText(rest) {
			marked++
			continue
		}
		if msg, ok := loggerMessage(rest); ok && markedText(msg) {
			prefixed++
			marked++
		}
	}
	return prefixed > 0 && (prefixed >= 3 || prefixed == marked)
}

// arrowMarker is a debug print's arrow ("-->"/"->" or "<--"/"<-", then
// a space or nothing): a program's log of what it wrote and read, whose
// arrows point from the program's side or to it — the two conventions
// both in use (NetworkManager's lists: "--> AT+ICCID"; Wio LTE's
// library: "<- AT+CEREG?"), so that the lines say which is the host's.
var arrowMarker = regexp.MustCompile(`^(?:(--?>)|(<--?))(?:[ \t]|$)`)

// arrowHost tells which arrow is the host's in a log of arrow lines: the
// one whose lines are all command lines (AT…, A/), the other's not all.
// right is Host when "-->" is the host's, Modem when "<--" is, 0 when the
// log has no arrows; a log whose arrows do not say is an error naming
// its first arrow line.
func arrowHost(file string, lines []string) (right Dir, err error) {
	var first int
	var cmds, other [2]int // by arrow: 0 pointing right, 1 left
	logged := loggingLog(lines)
	for i, l := range lines {
		_, _, rest := splitStamp(l)
		if logged {
			rest, _ = loggerMessage(rest)
		}
		m := arrowMarker.FindStringSubmatch(rest)
		if m == nil {
			continue
		}
		if first == 0 {
			first = i + 1
		}
		side := 0
		if m[2] != "" {
			side = 1
		}
		switch text := strings.TrimSpace(rest[len(m[0]):]); {
		case text == "":
		case looksLikeCommand(text) || strings.EqualFold(text, "A/"):
			cmds[side]++
		default:
			other[side]++
		}
	}
	switch {
	case first == 0 || cmds[0]+other[0] == 0 || cmds[1]+other[1] == 0:
		// No arrows, or one way only: a serial monitor's "-> " stamp
		// (Arduino's), or a "<-" that is text.
		return 0, nil
	case cmds[0] > 0 && other[0] == 0 && other[1] > 0:
		return Host, nil
	case cmds[1] > 0 && other[1] == 0 && other[0] > 0:
		return Modem, nil
	}
	return 0, errAt(file, first, "arrow lines (\"-->\", \"<--\"), but which arrow is the host's the lines do not say: those of one arrow should be all AT commands, and the other's not; mark them \"> \" (host) and \"< \" (modem)")
}

// plainArrowMarker reads a line's arrow (arrowMarker) as right says:
// "-->" is the host's when right is Host, the modem's when it is Modem.
func plainArrowMarker(rest string, right Dir) (Dir, string, bool) {
	if right == 0 {
		return 0, "", false
	}
	m := arrowMarker.FindStringSubmatch(rest)
	if m == nil {
		return 0, "", false
	}
	d := right
	if m[2] != "" {
		d = Host + Modem - right
	}
	return d, oneBlank(rest[len(m[0]):]), true
}

// txrxMarker is a serial tool's direction marker ("TX:", "[RX]", "[TX] -").
var txrxMarker = regexp.MustCompile(`^(?i:\[(TX|RX)\]|(TX|RX):)(?: -(?:[ \t]|$))?`)

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
	return d, oneBlank(text), true
}

// oneBlank is s without the space or the tab it starts with: the blank
// after a marker, where a tool that lines its columns up writes a tab.
func oneBlank(s string) string {
	if s != "" && (s[0] == ' ' || s[0] == '\t') {
		return s[1:]
	}
	return s
}

// logClock holds the kind of time a log's stamps are: the first stamped
// line sets it, and a line stamped otherwise is an error (kind). It holds
// the last time too, to carry times of day past midnight (onward), or to
// give a line without a stamp (take). It is the one such check: each
// reader's in its own words, and normalise's over every reader's records.
type logClock struct {
	c    Clock
	k    timeKind // the kind of the first stamp's time
	from int      // its line
	last time.Time
	none bool // the log has no stamps (stampedLog): a line's text is all its own
	// undated is what the log's wall-clock times without a year are:
	// times of day unless set (logcat's dates have no year).
	undated timeKind
	years   yearless // where take places a date without a year
}

// stampedLog reports whether a log's stamps hold over it: from its first
// stamped line on, half its lines or more are stamped, and no command or
// final result comes before that line (a banner may). A line among
// unstamped ones that only starts like a stamp (u-blox's ATI9 answer
// "03.15 A00.01") is the modem's text, not a clock.
func stampedLog(lines []string) bool {
	stamped, after := 0, 0
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		_, c, rest := splitStamp(l)
		if stamped == 0 && c == NoTime {
			if _, text, ok := plainMarker(strings.TrimSpace(rest)); ok {
				rest = text
			}
			if text := strings.TrimSpace(rest); atCommandLine.MatchString(text) || resultLine.MatchString(text) {
				return false
			}
			continue
		}
		after++
		if c != NoTime {
			stamped++
		}
	}
	return stamped > 0 && stamped*2 >= after
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
	if k.none {
		return time.Time{}, NoTime, l, nil
	}
	t, c, rest := splitStamp(l)
	return t, c, rest, k.kind(file, n, t, c)
}

// kind takes the kind of line n's time t (clock c): the first stamped
// line sets the log's, and another kind later is an error (a time of
// day among dated times too, both Absolute).
func (k *logClock) kind(file string, n int, t time.Time, c Clock) error {
	if c == NoTime {
		return nil
	}
	undated := k.undated
	if undated == (timeKind{}) {
		undated = timesOfDay
	}
	switch got := kindOf(t, c, undated); {
	case k.c == NoTime:
		k.c, k.k, k.from = c, got, n
	case got != k.k:
		return mixedTimes(file, n, got, k.k, k.from)
	}
	return nil
}

// take is line n's time, of clock c: a stamped one, its kind checked
// (kind) and a date without a year placed in a year (yearless); a line
// without a stamp takes the time of the one before it (a daemon's line
// run over several, another daemon's line without one in a journal).
func (k *logClock) take(file string, n int, t time.Time, c Clock) (time.Time, error) {
	if c == NoTime {
		return k.last, nil
	}
	if err := k.kind(file, n, t, c); err != nil {
		return time.Time{}, err
	}
	if c == Absolute && t.Year() == 0 {
		t = k.years.place(t)
	}
	k.last = t
	return t, nil
}

// splitStamp takes a leading timestamp off a line.
func splitStamp(l string) (time.Time, Clock, string) {
	m := leadingStamp.FindStringSubmatchIndex(l)
	if m == nil {
		return time.Time{}, NoTime, l
	}
	t, c, ok := parseStamp(l[m[2]:m[3]])
	if !ok {
		return time.Time{}, NoTime, l
	}
	rest := l[m[3]:]
	return t, c, rest[len(stampEnd.FindString(rest)):]
}
