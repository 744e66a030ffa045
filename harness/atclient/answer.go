package atclient

import (
	"errors"
	"fmt"
	"strings"

	"github.com/esimhil/esimhil/internal/codec/at"
)

// ErrExtraLine is wrapped by One's error when an answer has more lines
// than the one expected.
var ErrExtraLine = errors.New("an extra line in the answer")

// extraLineError names the extra lines: "an extra line "RING" in the
// answer to AT+CPIN? (...)".
type extraLineError struct{ msg string }

func (e *extraLineError) Error() string        { return e.msg }
func (e *extraLineError) Is(target error) bool { return target == ErrExtraLine }

const unknownURC = "an unsolicited result code the personality does not know?"

// One returns the single information line of cmd's answer. A second line
// is most likely an unsolicited result code the client could not tell
// from the answer (an unprefixed vendor URC; the known ones are taken out
// already), and the error says so, naming the line: for a "+NAME" command
// the lines without the "+NAME:" prefix; for a basic command (AT+CIMI,
// AT+CGMM, whose answer has no prefix) every line, since nothing tells
// which one is the answer.
func (r *Response) One(cmd string) (string, error) {
	switch {
	case r == nil || len(r.Lines) == 0:
		final := ""
		if r != nil {
			final = r.Final
		}
		return "", fmt.Errorf("no answer line to %s, only its final result %q", cmd, final)
	case len(r.Lines) == 1:
		return r.Lines[0], nil
	}
	if name := prefixOf(cmd); name != "" {
		var own, extra []string
		for _, l := range r.Lines {
			if strings.HasPrefix(l, name+":") {
				own = append(own, l)
			} else {
				extra = append(extra, l)
			}
		}
		if len(own) == 1 {
			return "", &extraLineError{fmt.Sprintf("%s %s in the answer to %s (%s); its own line: %q",
				plural(len(extra), "an extra line", "extra lines"), quoteAll(extra), cmd, unknownURC, own[0])}
		}
	}
	return "", &extraLineError{fmt.Sprintf("an extra line in the answer to %s, which has %d lines where one was expected: %s (one of them %s)",
		cmd, len(r.Lines), quoteAll(r.Lines), unknownURC)}
}

func plural(n int, one, more string) string {
	if n == 1 {
		return one
	}
	return more
}

// prefixOf is the "+NAME" a command's information text starts with, ""
// for a basic command or a line that does not parse.
func prefixOf(cmd string) string {
	cmds, err := at.Parse(cmd)
	if err != nil || len(cmds) != 1 || !strings.HasPrefix(cmds[0].Name, "+") || at.Unnamed(cmds[0].Name) {
		return "" // +CIMI, +CGMM…: their answers carry no prefix
	}
	return cmds[0].Name
}

func quoteAll(lines []string) string {
	q := make([]string, len(lines))
	for i, l := range lines {
		q[i] = fmt.Sprintf("%q", l)
	}
	return strings.Join(q, ", ")
}

// Unsolicited says whether the client takes line, read while the command
// line cmd awaits its final result ("" for none), for an unsolicited
// result code rather than part of cmd's answer, as route does: a known
// unprefixed URC (RING, the boot URCs, urcs as WithURCs gives them), an
// NMEA sentence, a "+NAME:" line of another name than cmd's answers (a
// registration URC told from its read answer by its fields), a
// manufacturer's result code cmd did not ask for. A final result is no
// URC. What reads a transcript (lab diff) pairs answers with commands by
// it, never an answer line with a URC.
func Unsolicited(cmd, line string, urcs ...string) bool {
	trim := strings.TrimSpace(line)
	if at.Classify(trim).Kind.IsFinal() {
		return false
	}
	if bareURCs[trim] || NMEASentence(line) {
		return true
	}
	for _, u := range urcs {
		if u = strings.TrimSpace(u); u == trim && !strings.HasPrefix(u, "+") {
			return true
		}
	}
	if strings.TrimSpace(cmd) == "" {
		return true // nothing pending: every line is unsolicited
	}
	p := newPending(cmd)
	if cmds, ok := p.commands(); ok {
		for _, x := range cmds {
			p.addName(x.Name)
			for _, a := range answerNames[x.Name] {
				p.addName(a)
			}
		}
	}
	return isURC(line, p.names) || p.parseOK && vendorURC(line, p.names)
}
