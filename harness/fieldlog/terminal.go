package fieldlog

import (
	"regexp"
	"strings"
)

// atCommandLine is a line a user typed to a modem: "AT" and what follows
// it (any case, as modems take it), or "A/" (repeat the last command).
var atCommandLine = regexp.MustCompile(`^(?i:at)(?:$|[^A-Za-z]|[A-Za-z](?:$|[^a-z]))|^(?i:a/)$`)

// unaskedLine is what a modem says unasked (a URC, RDY after boot), which
// a capture may hold before the first command among the program's banner.
var unaskedLine = regexp.MustCompile(`^(?:\+[A-Z][A-Z0-9]*: ?.*|RDY|\^[A-Z]+:.*)$`)

// resultLine is a final result code as a modem prints it in verbose form.
var resultLine = regexp.MustCompile(`^(?:OK|ERROR|NO CARRIER|BUSY|NO ANSWER|NO DIALTONE|CONNECT(?: .*)?|\+CM[ES] ERROR: ?.+)$`)

// readTerminal reads a terminal session as minicom, picocom or screen
// capture it, or a copy of the window: what is on screen is what the
// modem sent, and what was typed shows only as the modem's echo. So a
// line starting with "AT" is the host's command and the modem's echo of
// it at once; every other line is the modem's. Before the first command,
// what is not a URC is the program's banner: notes. A leading timestamp (a capture
// piped through ts, minicom's timestamps) is taken as in a plain
// transcript.
func readTerminal(file string, lines []string) (*Transcript, error) {
	var recs []record
	var clock logClock
	started := false
	for i, l := range lines {
		n := i + 1
		// "AT\r\r\n": the echo ends with the CR that was typed.
		l = strings.TrimRight(l, "\r")
		if strings.TrimSpace(l) == "" {
			continue
		}
		t, _, rest, err := clock.stamp(file, n, l)
		if err != nil {
			return nil, err
		}
		rest = strings.TrimRight(rest, "\r")
		switch {
		case rest == "":
			continue
		case atCommandLine.MatchString(rest):
			started = true
			recs = append(recs, record{line: n, dir: Host, t: t, text: rest}, record{line: n, dir: Modem, t: t, text: rest})
		case !started && !unaskedLine.MatchString(rest):
			recs = append(recs, record{line: n, dir: Tool, t: t, text: strings.TrimSpace(rest)})
		default:
			recs = append(recs, record{line: n, dir: Modem, t: t, text: rest})
		}
	}
	if !started {
		return nil, errAt(file, firstLine(lines), "no line starting with AT: not a terminal session with a modem")
	}
	return finish(file, clock.c, recs, false)
}

// looksLikeTerminal reports a session of typed AT commands and a modem's
// answers: some command lines, some result codes, and no marker of
// another format.
func looksLikeTerminal(lines []string) bool {
	var cmds, results int
	for i, l := range lines {
		if i >= sniffLines {
			break
		}
		_, _, rest := splitStamp(strings.TrimRight(l, "\r"))
		rest = strings.TrimRight(rest, "\r")
		switch {
		case atCommandLine.MatchString(rest):
			cmds++
		case resultLine.MatchString(rest):
			results++
		}
	}
	return cmds > 0 && results > 0
}
