package fieldlog

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/esimhil/esimhil/internal/codec/at"
)

// atCommandLine is a line a user typed to a modem: "AT" and what follows
// it (any case, as modems take it), or "A/" (repeat the last command).
var atCommandLine = regexp.MustCompile(`^(?i:at)(?:$|[^A-Za-z]|[A-Za-z](?:$|[^a-z]))|^(?i:a/)$`)

// unaskedLine is what a modem says unasked (a URC, RDY after boot), which
// a capture may hold before the first command among the program's banner.
// libraryDebug is a line a host library prints of itself, not the
// modem's: TinyGSM's DBG() ("[10922] ### Unhandled: *ATREADY: 1", its
// millis() then "###").
var libraryDebug = regexp.MustCompile(`^\[\d+\] ###`)

// libraryDebugAfter is such a print run on after a modem's line that had
// no line end yet: a BG96's "POWERED DOWN[6036] ### TinyGSM Version:
// 0.7.9", the modem's URC, then the library's note (outside tester t208).
var libraryDebugAfter = regexp.MustCompile(`\S\[\d+\] ###`)

// libraryLog is what u-blox's ubxlib prints of itself among the AT
// client's traffic (uPortLog): its modules' lines ("U_CELL_NET:
// registering on 22812...", "U_AT_CLIENT_0-0: …"), and the registration
// status it took from a +CxREG line ("-1: Deny" for stat 3, "7: RegH" for
// 1: the access technology, then its word), which no modem sends.
var libraryLog = regexp.MustCompile(`^U_[A-Z][A-Z0-9_]*(?:-\d+)?: |^-?\d+: (?:NReg|RegH|Search|Deny|OoC|RegR|RegS|RegE|RegNC|NRegB|Unk -?\d+)$`)

// libraryTrace is TinyGSM's waitResponse trace ("[16926] < 1 > /OK/": its
// millis(), the index of the response it matched, the data it read up to
// it). Printed the moment the library matches, it lands in the middle of
// the modem's line when the match is the line's start ("+CGREG:[16926]
// < 1 > /+CGREG:", then " 0,0" on the next line): the line's rest follows
// the trace (outside tester sw93, TinyGSM issue 296).
var libraryTrace = regexp.MustCompile(`\[\d+\] < ?\d+ ?> /`)

// libraryUnhandled is TinyGSM's DBG() of a line it read and did not
// handle: the modem's own text after "### Unhandled: ".
var libraryUnhandled = regexp.MustCompile(`^\[\d+\] ### Unhandled: (.+)$`)

var unaskedLine = regexp.MustCompile(`^(?:\+[A-Z][A-Z0-9]*: ?.*|RDY|\^[A-Z]+:.*)$`)

// programExit is what a terminal program prints as it quits, which a copy
// of its window ends with: picocom's "Terminating...", "Skipping tty
// reset..." and "Thanks for using picocom", screen's "[screen is
// terminating]".
var programExit = regexp.MustCompile(`^(?:Terminating\.\.\.|Skipping tty reset\.\.\.|Thanks for using picocom|\[screen is terminating\])$`)

// resultLine is a final result code as a modem prints it in verbose form.
var resultLine = regexp.MustCompile(`^(?:OK|ERROR|NO CARRIER|BUSY|NO ANSWER|NO DIALTONE|CONNECT(?: .*)?|\+CM[ES] ERROR: ?.+)$`)

// unaskedResult is a final result no command shown can have asked for
// (NO CARRIER may come unasked, when a call drops).
var unaskedResult = regexp.MustCompile(`^(?:OK|ERROR|\+CM[ES] ERROR: ?.+)$`)

// readTerminal reads a terminal session with a modem: minicom, picocom or
// screen captures, a copy of the window, or a microcontroller's serial
// monitor (Arduino's "12:00:01.250 -> " stamps) with its modem library
// dumping what it sends (TinyGSM's StreamDebugger). What is on screen is
// the modem's output, where a typed command shows as its echo: a line
// starting with "AT" is the host's command and, while the modem echoes
// (until ATE0, again after ATE1 or ATZ), its echo — the next line too when
// it repeats the command (a library's dump, then the echo). Every other
// line is the modem's; before the first command, what is not a URC is the
// program's banner: notes, and so are the program's own lines as it quits
// (programExit) at the end. A leading timestamp is taken as in a plain
// transcript.
func readTerminal(file string, lines []string) (*Transcript, error) {
	recs := make([]record, 0, len(lines)) // about one a line: no doubling series
	clock := logClock{none: !stampedLog(lines)}
	started, mode := false, at.DefaultModes()
	type line struct {
		n    int
		t    time.Time
		text string
		note bool // the program's text a command ran on after
	}
	var ls []line
	cont := -1 // the modem's line a library's trace cut, whose rest is the next
	for i, l := range lines {
		n := i + 1
		if strings.TrimSpace(l) == "" {
			continue
		}
		t, _, rest, err := clock.stamp(file, n, l)
		if err != nil {
			return nil, err
		}
		// A CR inside a line is where the modem's output went on without
		// a line feed, as a capture of its bytes keeps it: a numeric
		// result code ends with a lone CR (ATV0), the next echo after it.
		for piece := range strings.SplitSeq(strings.TrimRight(rest, "\r"), "\r") {
			piece = terminalText(piece)
			if cont >= 0 && piece != "" {
				ls[cont].text += piece // the modem's line goes on after the trace
				cont = -1
				continue
			}
			if loc := libraryTrace.FindStringIndex(piece); loc != nil {
				// The trace runs to its closing "/" (the data it read,
				// "/…/"), or to the line's end when the library printed
				// it before the rest of the modem's line came.
				end, closed := len(piece), false
				if i := strings.IndexByte(piece[loc[1]:], '/'); i >= 0 {
					end, closed = loc[1]+i+1, true
				}
				text := piece[:loc[0]] + piece[end:] // the modem's, around it
				if text != "" {
					ls = append(ls, line{n, t, text, false})
					if !closed {
						cont = len(ls) - 1 // its rest is the next line (sw93)
					}
				}
				// Closed, the line was whole, or goes on after it on this
				// line (outside testers sw94, sw96).
				ls = append(ls, line{n, t, piece[loc[0]:end], true})
				continue
			}
			if loc := libraryDebugAfter.FindStringIndex(piece); loc != nil && !atCommandLine.MatchString(piece) {
				ls = append(ls, line{n, t, piece[:loc[0]+1], false}) // the modem's
				piece = piece[loc[0]+1:]                             // the library's, read on below
			}
			if m := libraryUnhandled.FindStringSubmatch(piece); m != nil {
				// TinyGSM read the modem's line and did not handle it: with
				// a StreamDebugger the line itself is on screen just
				// before; without one this is all that shows it (outside
				// tester sw94: a +CGREG: 5 lost).
				shown := false
				for k := len(ls) - 1; k >= 0; k-- {
					if !ls[k].note {
						shown = ls[k].text == m[1]
						break
					}
				}
				ls = append(ls, line{n, t, piece, true})
				if !shown {
					ls = append(ls, line{n, t, m[1], false})
				}
				continue
			}
			if note, cmd, ok := trailingCommand(piece); ok {
				ls = append(ls, line{n, t, note, true}, line{n, t, cmd, false})
			} else if piece != "" {
				ls = append(ls, line{n, t, piece, false})
			}
		}
	}
	texts := make([]string, len(ls))
	for i, l := range ls {
		texts[i] = l.text
	}
	if numericAtStart(texts) {
		mode.Verbose = false // an ATV0 before the capture began
	}
	end := len(ls) // where the program's lines as it quits start
	for end > 0 && programExit.MatchString(strings.TrimSpace(ls[end-1].text)) {
		end--
	}
	awaiting := false // a command shown has not had its final result yet
	restart := false  // the command awaiting its final result restarts the modem
	down := false     // the restart was answered OK, and no boot URC or result came since
	echoOff := 0      // the line of the ATE0 that turned the echo off
	var lastCmd line  // the last command shown
	lastFinal := 0    // the line of its final result
	shownOff := false // a command shown while the echo is off (a library's dump)
	dumped := false   // a command was shown twice, dumped then echoed
	online := false   // a data call's CONNECT came: the modem is in data mode
	// earlier: a command came while the last awaited its final result,
	// and two results follow before the next command: the next result
	// is the last command's (modems answer in order), the other this
	// one's — a host that sends on its information text. One result
	// alone is the new command's, the last one's answer lost.
	earlier := false
	// resultsAhead counts the final results from ls[from] up to the next
	// command line or the program's closing lines.
	resultsAhead := func(from int, mode at.Modes) int {
		n := 0
		for _, l := range ls[from:end] {
			if atCommandLine.MatchString(l.text) {
				break
			}
			if resultLine.MatchString(verboseResult(l.text, mode)) {
				n++
			}
		}
		return n
	}
	for i := 0; i < len(ls); i++ {
		l := ls[i]
		if started && !awaiting && !online && i < end && unaskedResult.MatchString(verboseResult(l.text, mode)) {
			if shownOff || mode.Echo {
				// The capture shows the commands (echoed, or a
				// library dumps them): this result is one too many
				// for the last.
				return nil, errAt(file, l.n, "%s with no command before it: %s (line %d) had its final result at line %d already; a second final result, or the result of a command the capture does not show", resultText(l.text, mode), clip(lastCmd.text), lastCmd.n, lastFinal)
			}
			// A result nobody asked for: the command was typed with the
			// echo off, and the screen never showed it.
			return nil, errAt(file, l.n, "%s with no command before it: the echo is off since line %d, so the capture shows none of the commands typed after it; capture with the echo on (ATE1)", resultText(l.text, mode), echoOff)
		}
		switch {
		case i == end && awaiting && !online:
			// The user quit waiting for an answer that never came: the
			// program's own closing line says the capture was not cut
			// (outside tester sw67: a hung modem read as "truncated?"),
			// so it is the writer giving up, as gammu's timeout is.
			recs = append(recs, record{line: l.n, dir: Tool, t: l.t, text: l.text, timeout: true})
		case i >= end, l.note:
			recs = append(recs, record{line: l.n, dir: Tool, t: l.t, text: l.text})
		case atCommandLine.MatchString(l.text):
			earlier = awaiting && !online && i < end && resultsAhead(i+1, mode) >= 2
			started, lastCmd, online = true, l, false
			shownOff = shownOff || !mode.Echo
			recs = append(recs, record{line: l.n, dir: Host, t: l.t, text: l.text})
			if mode.Echo {
				e := l
				// A library's dump of the command, then the modem's
				// echo: URCs (PB DONE) may come between the two, once
				// the capture has shown a dump (a command other than a
				// bare AT right before its echo) — in a session typed
				// by hand each AT line is a command of its own, the
				// user's while the modem boots among them.
				j := i + 1
				for dumped && j < len(ls) && j-i <= maxDumpURCs && ls[j].text != l.text && unsolicited(ls[j].text, l.text) {
					j++
				}
				if j == i+1 && j < len(ls) && ls[j].text == l.text && !strings.EqualFold(l.text, "AT") {
					dumped = true
				}
				// A restarting modem echoes nothing: there a line that
				// repeats the command is the host's next try (TinyGSM's
				// AT every 300 ms until RDY: outside tester t208), unless
				// a final result answers it before the host's next line;
				// and a library's dump is no echo of its own.
				paired := j < len(ls) && j-i <= maxDumpURCs && ls[j].text == l.text && (!down || resultsAhead(j+1, mode) > 0)
				if paired {
					for _, u := range ls[i+1 : j] {
						recs = append(recs, record{line: u.n, dir: Modem, t: u.t, text: u.text})
					}
					i = j
					e = ls[i]
				}
				if paired || !down || !dumped {
					recs = append(recs, record{line: e.n, dir: Modem, t: e.t, text: e.text})
				}
			}
			next := mode.After(l.text)
			if mode.Echo && !next.Echo {
				echoOff = l.n
			}
			// V applies to this line's own result code already (V.250
			// §6.2.6), E to the next line's echo.
			mode, awaiting, restart = next, true, at.Restarts(l.text)
		case !started && !unaskedLine.MatchString(l.text) && !knownURC(l.text) && !unaskedResult.MatchString(verboseResult(l.text, mode)),
			libraryDebug.MatchString(l.text), libraryLog.MatchString(l.text):
			// Before the first command, a final result is the end of
			// the answer the capture begins inside: the modem's, which
			// normalise skips (skipOpenAnswer) with the URC-shaped
			// lines before it; other lines are the program's banner.
			recs = append(recs, record{line: l.n, dir: Tool, t: l.t, text: l.text})
		default:
			recs = append(recs, record{line: l.n, dir: Modem, t: l.t, text: l.text})
			v := verboseResult(l.text, mode)
			// CONNECT ends a data call's command only (as in normalise):
			// to AT+QHTTPURL it asks for the URL.
			final := resultLine.MatchString(v) && (!connectLine.MatchString(v) || dataCall.MatchString(lastCmd.text))
			if final && earlier {
				recs[len(recs)-1].earlier, earlier = true, false
				continue // the last command's: this one still awaits its own
			}
			if final && awaiting {
				lastFinal = l.n
			}
			if final || at.IsPowerOnURC(l.text) {
				down = false // booted, or answering; a power-down URC is the restart going on
			}
			if final && awaiting && restart && v == "OK" {
				down = true
			}
			if final && awaiting && restart && v == "OK" || at.IsPowerURC(l.text) {
				// The modem restarts (AT+CFUN=1,1 done) or has booted
				// (RDY after a power cut): it comes up with the profile
				// AT&W stored, as after ATZ — the factory's, echo on,
				// unless the log showed an AT&W.
				mode = mode.After("ATZ")
			}
			if final {
				online = awaiting && connectLine.MatchString(v)
				awaiting, restart = false, false
			}
			if v == "NO CARRIER" {
				online = false
			}
		}
	}
	if !started && !slices.ContainsFunc(recs, func(r record) bool { return r.dir == Modem && (unaskedLine.MatchString(r.text) || knownURC(r.text)) }) {
		// URCs alone are a capture of the modem's notifications, which
		// later stages refuse as nothing to replay; without them this
		// is no session with a modem at all.
		return nil, errAt(file, firstLine(lines), "no line starting with AT: not a terminal session with a modem")
	}
	return finish(file, clock.c, recs, false)
}

// trailingCommand finds a command that ran on after a program's text
// on one line, as a sketch's print without a newline leaves its modem
// library's dump of the next command ("Waiting for network...AT+CEREG?",
// TinyGSM's): note is the text, cmd the command. Conservatively: the AT
// (upper case, as libraries send it) follows a character that is not a
// letter, digit, blank or quote (backticks and typographic quotes too),
// and the rest is a whole command line without blanks outside its quotes
// (bareCommandLine) — "Modem: ATI  SIM808 R14.18" and "OKAT+CPIN?" (a
// final result run into an echo) are not.
func trailingCommand(s string) (note, cmd string, ok bool) {
	if atCommandLine.MatchString(s) {
		return "", "", false
	}
	for i := 1; i+1 < len(s); i++ {
		if s[i] != 'A' || s[i+1] != 'T' {
			continue
		}
		switch c := s[i-1]; {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == ' ', c == '\t', c == '"', c == '\'', c == '`':
			continue
		}
		// A note quoting a command in typographic quotes (“AT+X=1”, as a
		// forum turns "…" into them, ‘…’, «…», 「…」) quotes it too.
		if r, _ := utf8.DecodeLastRuneInString(s[:i]); unicode.Is(unicode.Quotation_Mark, r) {
			continue
		}
		// What a library dumps has no blanks: text after an "AT" with
		// them is a message ("*ATREADY: 1", SIMCom's power-on URC).
		if ok, blanks := bareCommandLine(s[i:]); ok && !blanks {
			return s[:i], s[i:], true
		}
	}
	return "", "", false
}

// bareCommandLine reports a whole command line and nothing else, as a
// person types it or a library dumps it: "AT" (not "A/") and commands
// V.250 parses, blanks outside a quoted string only where V.250 ignores
// them beside its punctuation ("AT+CCHO= \"A0…\"", "AT+CGLA=1, 16, …",
// "AT+CSQ; +CPIN?": §5.1), never between two letters or digits (a tool's
// message that starts with "AT" has words after it: "AT reply state: 1",
// "AT command sent"). blanks says it held any outside its strings. The
// "AT" is tested first: most lines are none, and the regexp and the
// parser cost.
func bareCommandLine(s string) (ok, blanks bool) {
	if len(s) < 2 || s[0]|0x20 != 'a' || s[1]|0x20 != 't' || !atCommandLine.MatchString(s) {
		return false, false
	}
	quoted := false
	var before byte // the last character outside blanks
	blank := false  // blanks since before
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			quoted = !quoted
		case (c == ' ' || c == '\t') && !quoted:
			blank, blanks = true, true
			continue
		case blank && alnum(before) && alnum(c):
			return false, blanks
		}
		before, blank = c, false
	}
	_, err := at.Parse(s)
	return err == nil, blanks
}

// alnum reports an ASCII letter or digit.
func alnum(c byte) bool {
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z'
}

// maxDumpURCs is how many URCs a library's dump of a command and the
// modem's echo of it may have between them.
const maxDumpURCs = 4

// terminalText is a line's text after its timestamp: without a serial
// monitor's "-> ", the trailing CRs ("AT\r\r\n": the echo ends with the
// CR that was typed) and the trailing blanks, which a copy of a minicom or
// screen window pads each row with — no part of a command typed, which
// the replay would send.
func terminalText(rest string) string {
	rest = strings.TrimPrefix(strings.TrimRight(rest, " \t\r"), "-> ")
	if rest == "->" {
		return ""
	}
	return rest
}

// verboseResult is a line as its verbose result code when the modem is
// in numeric mode (ATV0) and the line one of its digits ("0": "OK"), the
// line itself else.
func verboseResult(line string, m at.Modes) string {
	if v, ok := at.NumericResult(line); ok && !m.Verbose {
		return v
	}
	return line
}

// resultText names a result code for a message: "0 (OK)" in numeric mode.
func resultText(line string, m at.Modes) string {
	if v := verboseResult(line, m); v != line {
		return line + " (" + v + ")"
	}
	return line
}

// numericAtStart reports a capture that begins with the modem answering
// in digits (ATV0, V.250 §6.2.6) though it shows no ATV0: before any
// command that sets V, the first answer to end in a result code ends in a
// bare digit that is one (0 OK, 4 ERROR …), the next line a command or
// nothing — not OK or ERROR in words.
func numericAtStart(texts []string) bool {
	afterCmd := false
	for i, t := range texts {
		switch {
		case atCommandLine.MatchString(t):
			if _, sets := at.DefaultModes().SetsVerbose(t); sets {
				return false // the log shows the form it sets
			}
			afterCmd = true
		case resultLine.MatchString(t):
			return false
		case afterCmd:
			v, ok := at.NumericResult(t)
			if ok && at.Classify(v).Kind.IsFinal() && (i+1 == len(texts) || atCommandLine.MatchString(texts[i+1])) {
				return true
			}
		}
	}
	return false
}

// sniffTerminal calls visit with the text of each non-blank line of the
// sniffed head of a terminal capture (stamp and serial monitor's arrow
// taken off), until visit returns false.
func sniffTerminal(lines []string, visit func(text string) bool) {
	for i, l := range lines {
		if i >= sniffLines {
			return
		}
		_, _, rest := splitStamp(l)
		if rest = terminalText(rest); rest != "" && !visit(rest) {
			return
		}
	}
}

// looksLikeURCCapture reports a terminal capture of a modem's URCs alone
// (a serial monitor left open while the SIM comes and goes: "+CPIN: SIM
// REMOVED", "+CPIN: READY"): no command line, and from its first URC on
// nothing but URCs — the program's banner may come before it.
func looksLikeURCCapture(lines []string) bool {
	urcs, ok := 0, true
	sniffTerminal(lines, func(text string) bool {
		switch {
		case atCommandLine.MatchString(text):
			ok = false
		case unaskedLine.MatchString(text) || knownURC(text):
			urcs++
		case urcs > 0:
			ok = false
		}
		return ok
	})
	return ok && urcs > 0
}

// looksLikeCutTerminal reports a terminal session cut before any final
// result: after the program's banner, command lines and the modem's
// information lines or URCs ("AT+CPIN?" then "+CPIN: SIM REMOVED"), at
// least one of each, so that the terminal reader can say where it was cut
// rather than the log be taken for no format at all. The last command's
// answer, where the cut is, may be any text ("Manufacturer: SIMCOM
// INCORPORATED"); an earlier one's only such lines: a command after free
// text with no result between is no cut session.
func looksLikeCutTerminal(lines []string) bool {
	cmds, answers, free, ok := 0, 0, 0, true
	sniffTerminal(lines, func(text string) bool {
		switch {
		case atCommandLine.MatchString(text):
			ok = free == 0
			cmds++
		case cmds == 0:
			// the program's banner
		case unaskedLine.MatchString(text) || knownURC(text):
			answers++
		default:
			free++
		}
		return ok
	})
	return ok && cmds > 0 && answers+free > 0
}

// looksLikeTerminal reports a session of typed AT commands and a modem's
// answers: some command lines, some result codes, and no marker of
// another format.
func looksLikeTerminal(lines []string) bool {
	var cmds, results int
	mode := at.DefaultModes()
	var texts []string
	for i, l := range lines {
		if i >= sniffLines {
			break
		}
		_, _, rest := splitStamp(l)
		if t := terminalText(rest); t != "" {
			texts = append(texts, t)
		}
	}
	if numericAtStart(texts) {
		mode.Verbose = false
	}
	for _, rest := range texts {
		switch {
		case atCommandLine.MatchString(rest):
			cmds++
			mode = mode.After(rest)
		case resultLine.MatchString(verboseResult(rest, mode)):
			results++
		}
	}
	return cmds > 0 && results > 0
}
