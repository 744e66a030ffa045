package fieldlog

import (
	"fmt"
	"regexp"
	"strings"
)

var (
	atLogLine = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d) [<>#]( |$)`)
	lpacJSONl = regexp.MustCompile(`^\{"type":"(progress|lpa|driver)"`)
	eventLine = regexp.MustCompile(`^\{"t":"[^"]+","actor":"[a-z]+","event":"`)
	// mmLevel is a ModemManager line's level, not a "<" modem line (nor
	// is a syslog priority, "<6>": syslogPRI).
	mmLevel   = regexp.MustCompile(`^\s*<(?:debug|dbg|info|inf|msg|message|warn|wrn|err|error|crit)>`)
	plainLine = regexp.MustCompile(`^\s*(?:[<>]|(?i:\[(?:TX|RX)\]|(?:TX|RX):))`)
)

// sniffLines is how much of a log detection looks at.
const sniffLines = 400

// Detect names the format of a log from its content.
func Detect(file string, data []byte) (Format, error) {
	data = LogText(data)
	ls, _, err := splitLines(file, data)
	if err != nil {
		return "", err
	}
	f, err := detect(file, ls)
	if q, ok := unquoted(data); ok && (err != nil || f == Plain) {
		// As Read takes a quoted log: its lines all start with ">", read
		// as plain they would all be the host's.
		if qs, _, qerr := splitLines(file, q); qerr == nil {
			if qf, qerr := detect(file, qs); qerr == nil {
				return qf, nil
			}
		}
	}
	if err != nil || f == Plain {
		// As Read takes a serial monitor's "12:56:21.319> " lines.
		if u, ok := unprompted(data); ok {
			if us, _, uerr := splitLines(file, u); uerr == nil {
				if uf, uerr := detect(file, us); uerr == nil && uf != Plain {
					return uf, nil
				}
			}
		}
	}
	if err != nil {
		if flush, ok := dedented(data); ok { // as Read takes an indented log
			if ls, _, ferr := splitLines(file, flush); ferr == nil {
				if f, ferr := detect(file, ls); ferr == nil {
					return f, nil
				}
			}
		}
	}
	return f, err
}

// detect looks at the first lines: lpac's, ModemManager's and the serial
// tools' own markers decide at once; the harness's at.log and a plain transcript need most
// lines to fit; JSON that is not lpac's is the platform's log.
func detect(file string, lines []string) (Format, error) {
	var nonblank, atlog, plain, mmLines, logcat int
	var arrows [2]int // debug arrows: "-->" and "<--" (arrowMarker)
	first := ""
	for i, l := range lines {
		if i >= sniffLines {
			break
		}
		if strings.TrimSpace(l) == "" {
			continue
		}
		if first == "" {
			first = l
		}
		nonblank++
		ll, isLogcat := parseLogcat(l)
		if f := ownLine(l, ll, isLogcat); f != "" {
			return f, nil
		}
		if atLogLine.MatchString(l) {
			atlog++
		}
		if isLogcat {
			logcat++
		}
		// ModemManager's own lines, behind a syslog, journal or logread
		// prefix or not: at info level they hold no AT traffic.
		if _, _, _, msg := daemonLine(l); mmStamp.MatchString(l) || mmLevel.MatchString(l) || mmLevel.MatchString(msg) {
			mmLines++
		}
		_, _, rest := splitStamp(l)
		if plainLine.MatchString(rest) && !mmLevel.MatchString(rest) && !syslogPRI.MatchString(strings.TrimLeft(rest, " \t")) {
			plain++
		}
		if m := arrowMarker.FindStringSubmatch(rest); m != nil && m[1] != "" {
			arrows[0]++
		} else if m != nil {
			arrows[1]++
		}
	}
	if arrows[1] > 0 {
		// Arrows both ways: a program's debug prints. "->" alone is a
		// serial monitor's stamp (Arduino's "12:00:01.250 -> ").
		plain += arrows[0]
	}
	t := strings.TrimSpace(first)
	switch {
	case nonblank == 0:
		return "", errAt(file, 0, "no lines to read")
	case looksLikeJpnevulator(lines):
		return Jpnevulator, nil
	case looksLikeBareChat(lines):
		return Chat, nil
	case atlog*10 >= nonblank*8:
		return ATLog, nil
	case strings.HasPrefix(t, "{") || jsonArray(t):
		return Platform, nil
	case plain*2 >= nonblank && plain > 0:
		return Plain, nil
	case looksLikeTerminal(lines):
		return Terminal, nil
	case logcat*2 >= nonblank:
		return Logcat, nil // the reader says it holds no AT lines
	case mmLines*2 >= nonblank:
		return "", errAt(file, firstLine(lines), "ModemManager's lines, but none of an AT port's traffic (\"[ttyUSB2/at] --> '…'\", logged with --debug) in the first %d: nothing to replay", sniffLines)
	case looksLikeURCCapture(lines), looksLikeCutTerminal(lines):
		return Terminal, nil
	}
	return "", errAt(file, firstLine(lines), "no known log format (a harness at.log, lpac debug output, a ModemManager debug log, a socat -v/-x dump, an strace trace of the port, a jpnevulator dump, a Docklight, SSCOM or QCOM log file, an Android radio log of a RIL speaking AT, a gammu debug log, oFono's AT debug output (OFONO_AT_DEBUG=1), a LuatOS trace of the ril, pppd's chat -v log, a platform request log, a \">\"/\"<\" transcript, or a terminal session of AT commands and their answers: minicom, picocom, PuTTY, Tera Term, CoolTerm); it starts %q%s", clip(first), unknownStamps(lines))
}

// ownLine names the format whose own marker line l carries, one that
// decides a log's format at once; "" for none. ll and isLogcat are l read
// as logcat (parseLogcat).
func ownLine(l string, ll logcatLine, isLogcat bool) Format {
	switch {
	case looksLikeDocklight(l):
		return Docklight
	case looksLikeSSCOM(l):
		return SSCOM
	case looksLikeQCOM(l):
		return QCOM
	case looksLikeLogcat(l, ll, isLogcat):
		return Logcat
	case looksLikeGammu(l):
		return Gammu
	case looksLikeOfono(l):
		return Ofono
	case looksLikeLuat(l):
		return Luat
	case looksLikeChat(l):
		return Chat
	case lpacATOld.MatchString(l) || lpacAT.MatchString(l) || lpacAPDUTX.MatchString(l) || lpacAPDURX.MatchString(l) || lpacJSONl.MatchString(l):
		return LPAC
	case mmIO.MatchString(l):
		return MM
	case socatHeader.MatchString(strings.TrimSuffix(l, "\r")):
		return Socat
	case straceCallLine(l):
		return Strace
	case eventLine.MatchString(l):
		return Events
	}
	return ""
}

// secondFormat finds the first note of t that is another format's own
// line (ownLine): a file that holds two logs, one after the other (a
// ModemManager journal and an Android radio log pasted into one ticket
// attachment). Read as t's format, the other's traffic would be notes,
// and a replay would play half the file without a word.
func secondFormat(t *Transcript) error {
	for _, e := range t.Entries {
		if e.Role != Note || e.APDU != nil || e.Event != nil {
			continue
		}
		ll, isLogcat := parseLogcat(e.Text)
		if f := ownLine(e.Text, ll, isLogcat); f != "" && f != t.Format {
			return errAt(t.File, e.Line, "a line of %s's, in a log read as %s (%s): a file of two logs is not read as one; put each in a file of its own (a fixture names both in logs:)", f, t.Format, firstOf(t))
		}
	}
	return nil
}

// firstOf says where t's own lines begin.
func firstOf(t *Transcript) string {
	for _, e := range t.Entries {
		if e.Role != Note {
			return fmt.Sprintf("its lines from line %d", e.Line)
		}
	}
	return "notes only"
}

// stampLike is what starts a line with a time stamp of some form: a time
// of day, perhaps after a date, perhaps bracketed.
var stampLike = regexp.MustCompile(`^\[?(?:\d{1,4}[-/.]\d\d?[-/.]\d{1,4}[ T_,-]*)?\d\d?:\d\d`)

// unknownStamps says, for the error of a log of no known format, that its
// lines all start with a time stamp no reader takes (stampLayouts): the
// stamp is what to change, not the rest.
func unknownStamps(lines []string) string {
	n := 0
	for i, l := range lines {
		if i >= sniffLines {
			break
		}
		if strings.TrimSpace(l) == "" {
			continue
		}
		// A stamp read in part ("01.02" of "01.02.2024 10:00:00") leaves
		// the rest of it.
		if _, c, rest := splitStamp(l); c != NoTime && !strings.ContainsAny(rest[:min(1, len(rest))], "0123456789.:/-") || !stampLike.MatchString(l) {
			return ""
		}
		n++
	}
	if n == 0 {
		return ""
	}
	return ", and its lines all start with a time stamp of a form not read (those read: RFC 3339, \"2006-01-02 15:04:05.000\", \"2006/01/02 15:04:05.000\", a time of day, \"[12.345]\" seconds since start, Tera Term's; bracketed or not)"
}

// firstLine is the 1-based number of the first non-blank line.
func firstLine(lines []string) int {
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			return i + 1
		}
	}
	return 0
}

// jsonArray reports a line that opens a JSON array of objects ("[{" or
// "[ ]"), not a bracketed timestamp.
func jsonArray(l string) bool {
	rest := strings.TrimSpace(strings.TrimPrefix(l, "["))
	return strings.HasPrefix(l, "[") && (rest == "" || rest[0] == '{' || rest[0] == ']')
}
