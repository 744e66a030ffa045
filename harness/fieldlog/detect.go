package fieldlog

import (
	"cmp"
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
	// qmiDump is a line of libqmi's or libmbim's dump of a message
	// ("<<<<<< RAW:", ">>>>>>   data   = 01:0C:…", "<<<<<< QMUX:"), as
	// qmicli -v and ModemManager's debug log of a QMI or MBIM modem
	// write them: no ">"/"<" transcript's line.
	qmiDump = regexp.MustCompile(`^\s*(?:<{6}|>{6})`)
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
	var nonblank, atlog, plain, mmLines, logcat, zephyr, mbed, ownMsgs, dumps int
	var arrows [2]int // debug arrows: "-->" and "<--" (arrowMarker)
	first := ""
	logged := loggingLog(lines)
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
		if _, ok := parseZephyr(l); ok || strings.Contains(l, zephyrBanner) {
			zephyr++
		}
		if _, _, rest := splitStamp(l); mbedTag.MatchString(rest) {
			mbed++
		}
		// ModemManager's own lines, behind a syslog, journal or logread
		// prefix or not: at info level they hold no AT traffic.
		if _, _, _, msg := daemonLine(l); mmStamp.MatchString(l) || mmLevel.MatchString(l) || mmLevel.MatchString(msg) {
			mmLines++
		}
		_, _, rest := splitStamp(l)
		if logged {
			var own bool
			if rest, own = loggerMessage(trimEndPictures(rest)); own && !markedText(rest) {
				// The program's own message through its logger (a
				// module's line in nrf-softsim's log): a note of the
				// transcript, as the reader takes it.
				ownMsgs++
			}
		}
		if qmiDump.MatchString(rest) {
			dumps++
		} else if plainLine.MatchString(rest) && !mmLevel.MatchString(rest) && !syslogPRI.MatchString(strings.TrimLeft(rest, " \t")) {
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
	case looksLikeMMCLI(lines):
		return MMCLI, nil
	case looksLikeGsmmodem(lines):
		return Gsmmodem, nil
	case looksLikeShx(lines):
		return Shx, nil
	case looksLikeJpnevulator(lines):
		return Jpnevulator, nil
	case looksLikeBareChat(lines):
		return Chat, nil
	case atlog*10 >= nonblank*8:
		return ATLog, nil
	case strings.HasPrefix(t, "{") || jsonArray(t):
		return Platform, nil
	case plain*2 >= nonblank-ownMsgs && plain > 0:
		return Plain, nil
	case dumps > 0 && dumps*2 >= nonblank-mmLines:
		return "", errAt(file, firstLine(lines), "QMI or MBIM messages (libqmi's or libmbim's dumps, \"<<<<<< RAW:\", as qmicli -v and ModemManager's debug log of a QMI or MBIM modem write them), but no AT port's traffic in the first %d lines: nothing to replay (an lpac log of that modem's APDUs, LPAC_APDU=qmi or mbim with LIBEUICC_DEBUG_APDU=1, is read)", sniffLines)
	case looksLikeTerminal(lines):
		return Terminal, nil
	case logcat*2 >= nonblank:
		return Logcat, nil // the reader says it holds no AT lines
	case mmLines*2 >= nonblank:
		return "", errAt(file, firstLine(lines), "ModemManager's lines, but none of an AT port's traffic (\"[ttyUSB2/at] --> '…'\", logged with --debug) in the first %d: nothing to replay", sniffLines)
	case mbed*2 >= nonblank:
		// An Mbed OS trace with ATHandler's own off (mbed-os-example-
		// cellular issue 75): its lines would else be "no known format".
		return "", errAt(file, firstLine(lines), "Mbed OS trace lines (mbed-trace's \"[DBG ][CELL]: \"), but none of ATHandler's AT traffic (\"[INFO][CELL]: AT TX ( 9): AT+CEREG?\", \"AT RX (…): <cr><ln>…\") in the first %d: nothing to replay; trace it with MBED_CONF_CELLULAR_DEBUG_AT=true (mbed_app.json's \"cellular.debug-at\": true)", sniffLines)
	case zephyr*2 >= nonblank:
		return "", errAt(file, firstLine(lines), "%s", zephyrNothing(fmt.Sprintf(" in the first %d lines", sniffLines)))
	case looksLikeURCCapture(lines), looksLikeCutTerminal(lines):
		return Terminal, nil
	}
	return "", errAt(file, firstLine(lines), "no known log format (a harness at.log, lpac debug output, a ModemManager debug log, a socat -v/-x dump, an strace trace of the port, a jpnevulator dump, a Docklight, SSCOM or QCOM log file, an EWF adapter trace, an AT parser's trace (X-CUBE-CELLULAR), an Mbed OS cellular trace (MBED_CONF_CELLULAR_DEBUG_AT), an Android radio log of a RIL speaking AT, a gammu debug log, oFono's AT debug output (OFONO_AT_DEBUG=1), a LuatOS trace of the ril, pppd's chat -v log, Zephyr's modem_chat debug log, an ESP-IDF log of esp-modem's UART hexdumps, a session of mmcli --command, python-gsmmodem's debug log, a shell's trace (sh -x) of sms_tool, atinout or gcom, a platform request log, a \">\"/\"<\" transcript, or a terminal session of AT commands and their answers: minicom, picocom, PuTTY, Tera Term, CoolTerm); it starts %q%s%s", clip(first), unknownStamps(lines), jsonStringHint(first))
}

// jsonStringHint says what a log pasted as one JSON string is (a ticket
// system's export, a chat's copy: `"AT\r\nOK\r\n…"`): its line ends are
// escapes, so it is one line no reader takes.
func jsonStringHint(first string) string {
	if t := strings.TrimSpace(first); strings.HasPrefix(t, `"`) && (strings.Contains(t, `\n`) || strings.Contains(t, `\r`)) {
		return `: it is a JSON string whose line ends are escapes (\r\n); save its text unescaped (jq -r . FILE > FILE.log) and give that`
	}
	return ""
}

// ownLine names the format whose own marker line l carries, one that
// decides a log's format at once; "" for none. ll and isLogcat are l read
// as logcat (parseLogcat).
func ownLine(l string, ll logcatLine, isLogcat bool) Format {
	switch {
	case looksLikeDocklight(l):
		return Docklight
	case looksLikeEWF(l):
		return EWF
	case looksLikeATParser(l):
		return ATParser
	case looksLikeMbed(l):
		return Mbed
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
	case looksLikeZephyr(l):
		return Zephyr
	case looksLikeESPIDF(l):
		return ESPIDF
	case looksLikeChat(l):
		return Chat
	case lpacATOld.MatchString(l) || lpacAT.MatchString(l) || lpacAPDUTX.MatchString(l) || lpacAPDURX.MatchString(l) || lpacUQMI.MatchString(l) || lpacJSONl.MatchString(l):
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

// secondFormat finds the first note of t that is another format's line
// (foreignLine): a file that holds two logs, one after the other (a
// ModemManager journal and an Android radio log pasted into one ticket
// attachment). Read as t's format, the other's traffic would be notes,
// and a replay would play half the file without a word.
func secondFormat(t *Transcript) error {
	s := twoLogs{file: t.File, f: t.Format}
	var term terminalRun
	// inside is a terminal exchange among a LuatOS trace's own lines, its
	// first command's line: LuatTools shows the firmware's own AT channel
	// untagged among the ril's lines, in one capture (Air720UG's AT+CGSN
	// between two of the ril's AT+CSQ: outside tester t208), which its
	// next ril line shows; a session pasted after the trace has none.
	inside := 0
	for _, e := range t.Entries {
		if e.Role != Note || e.APDU != nil || e.Event != nil {
			term.mine()
			inside = 0
			if err := s.mine(e.Line); err != nil {
				return err
			}
			continue
		}
		f, n := foreignLine(e.Text, t.Format), e.Line
		if f == "" && !e.OpenAnswer && watchesTerminal(t.Format) {
			if from, ok := term.note(e.Line, e.Text); ok {
				f, n = Terminal, from // the session's first command
			}
		}
		if f == Terminal && t.Format == Luat && s.own > 0 {
			inside = cmp.Or(inside, n)
			continue
		}
		if f != "" {
			if err := s.foreign(n, f); err != nil {
				return err
			}
		}
	}
	if inside > 0 {
		return s.foreign(inside, Terminal)
	}
	return s.end()
}

// watchesTerminal reports a format a terminal session is looked for in
// (terminalRun): a program's debug log, whose every line of traffic
// carries the program's marker, so that a bare command line is none of
// its own. A capture of the port's bytes (socat, strace, a serial tool's
// log) has bare command lines of its own, and the bare-line formats read
// a session themselves.
func watchesTerminal(f Format) bool {
	switch f {
	case LPAC, MM, Gammu, Chat, Ofono, Logcat, Luat, Zephyr, Mbed, ESPIDF:
		return true
	}
	return false
}

// terminalRun follows a log's notes for a terminal session pasted with
// it (a minicom test and the daemon's debug output in one ticket): a
// command line as typed at the modem, bare ("AT+CPIN?": one V.250 command
// line, no words after it), then, before the log's own next line, a bare
// final result ("OK", "+CME ERROR: 3"). Either alone is no session: a
// daemon's note may start with "AT" ("AT reply state: 1" is gammu's), but
// no daemon writes both bare, one after the other.
type terminalRun struct {
	cmd int // the first typed command line since the log's own last, 0 for none
}

// mine notes a line of the log's own: a session is in its notes alone.
func (r *terminalRun) mine() { r.cmd = 0 }

// note takes note n's text; it reports the session's first command line
// when text is a final result that closes one of its exchanges.
func (r *terminalRun) note(n int, text string) (int, bool) {
	// Found without a regexp where it can be: a long log's every note
	// is asked. A stamp starts with a bracket or a digit.
	rest := strings.TrimLeft(text, " \t")
	if rest == "" {
		return 0, false
	}
	if c := rest[0]; c == '[' || c >= '0' && c <= '9' {
		_, _, rest = splitStamp(rest)
	}
	rest = strings.TrimSpace(terminalText(rest))
	switch typed, _ := bareCommandLine(rest); {
	case typed:
		if r.cmd == 0 {
			r.cmd = n
		}
	case r.cmd > 0 && resultLine.MatchString(rest):
		return r.cmd, true
	}
	return 0, false
}

// secondFormatLines is secondFormat for a log its reader refused: a log
// cut short with a second one after it (a journal cut after a command,
// then a transcript) fails as cut, and the two logs are what to say. A
// line is f's own when it carries f's marker (ownLine).
func secondFormatLines(file string, lines []string, f Format) error {
	s := twoLogs{file: file, f: f}
	var term terminalRun
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		ll, isLogcat := parseLogcat(l)
		var err error
		if ownLine(l, ll, isLogcat) == f {
			term.mine()
			err = s.mine(i + 1)
		} else if g := foreignLine(l, f); g != "" {
			err = s.foreign(i+1, g)
		} else if watchesTerminal(f) {
			if n, ok := term.note(i+1, l); ok {
				err = s.foreign(n, Terminal)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// twoLogsFix is what to do with a file of two logs.
const twoLogsFix = "a file of two logs is not read as one; put each in a file of its own (a fixture names both in logs:)"

// twoLogs follows a log of format f for a second log in it: another's
// line after f's own, or f's own after another's (a plain transcript has
// no marker that decides at once, so detection takes the log after it).
// Either is refused at the first line of the second log.
type twoLogs struct {
	file  string
	f     Format
	own   int    // f's first line, 0 before it
	other Format // the log before f's first line
	from  int    // its first line
}

// mine notes line n as f's own.
func (s *twoLogs) mine(n int) error {
	if s.own == 0 {
		s.own = n
	}
	if s.other != "" {
		return errAt(s.file, n, "a line of %s's, after %s's lines (from line %d): %s", s.f, s.other, s.from, twoLogsFix)
	}
	return nil
}

// foreign notes line n as one of format g.
func (s *twoLogs) foreign(n int, g Format) error {
	switch {
	case s.own > 0:
		return errAt(s.file, n, "a line of %s's, in a log read as %s (its lines from line %d): %s", g, s.f, s.own, twoLogsFix)
	case s.other == "":
		s.other, s.from = g, n
	}
	return nil
}

// end is the error for a log of notes alone, one of them another
// format's line.
func (s *twoLogs) end() error {
	if s.own == 0 && s.other != "" {
		return errAt(s.file, s.from, "a line of %s's, in a log read as %s (notes only): %s", s.other, s.f, twoLogsFix)
	}
	return nil
}

// foreignLine names the format of another log that line l of a log of
// format f is a line of: another format's own (ownLine), or a plain
// transcript's command line (plainCommand), which the bare-line formats
// take for their own; "" for none.
func foreignLine(l string, f Format) Format {
	ll, isLogcat := parseLogcat(l)
	switch g := ownLine(l, ll, isLogcat); {
	case g == f:
	case g != "":
		return g
	case f != Plain && f != Terminal && f != ATLog && plainCommand(l):
		return Plain
	}
	return ""
}

// plainCommand reports a plain transcript's command line, its time stamp
// or not: "[2026-11-20 09:14:00.101] > AT+CEREG=2", "TX: AT".
func plainCommand(l string) bool {
	// What it needs, found without a regexp: "AT" after a marker's last
	// character (">", ":", "]", "-") and a blank or none. A long log's
	// every note is asked.
	found := false
	for i := 1; i+1 < len(l) && !found; i++ {
		if (l[i] == 'A' || l[i] == 'a') && (l[i+1] == 'T' || l[i+1] == 't') {
			j := i - 1
			if l[j] == ' ' && j > 0 {
				j--
			}
			found = strings.IndexByte(">:]-", l[j]) >= 0
		}
	}
	if !found {
		return false
	}
	_, _, rest := splitStamp(l)
	rest = strings.TrimLeft(rest, " \t")
	if rest == "" {
		return false
	}
	d, text, ok := plainMarker(rest)
	return ok && d == Host && atCommandLine.MatchString(text)
}

// stampLike is what starts a line with a time stamp of some form: a time
// of day, perhaps after a date, or seconds to the millisecond or finer
// (since boot, since the tool started), perhaps bracketed or in
// parentheses.
var stampLike = regexp.MustCompile(`^[\[(<]? *(?:(?:\d{1,4}[-/.]\d\d?[-/.]\d{1,4}[ T_,-]*)?\d\d?:\d\d|\d+[.,]\d{3,}[\])>]?(?:[\s:]|$))`)

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
		if _, c, rest := splitStamp(l); c != NoTime && !stampRest(rest) || !stampLike.MatchString(l) {
			return ""
		}
		n++
	}
	if n == 0 {
		return ""
	}
	return ", and its lines all start with a time stamp of a form not read (those read: RFC 3339, \"2006-01-02 15:04:05.000\", \"2006/01/02 15:04:05.000\", a time of day, \"[12.345]\" seconds since start (dmesg's \"[   12.345678]\" too), Tera Term's; bracketed or not)"
}

// stampRest reports text after a stamp read that is the rest of a longer
// one: a digit, or a separator and a digit (".2024 10:00:00" after the
// "01.02" of "01.02.2024 10:00:00"). A separator before a blank is the
// log's own after a stamp read whole (Python's "%(asctime)s : %(levelname)s":
// "2017-10-03 08:16:58,151 : DEBUG", IteadSIM800's log, was said to be
// stamped in a form not read).
func stampRest(rest string) bool {
	switch {
	case rest == "":
		return false
	case rest[0] >= '0' && rest[0] <= '9':
		return true
	}
	return strings.IndexByte(".:/-", rest[0]) >= 0 && len(rest) > 1 && rest[1] >= '0' && rest[1] <= '9'
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
