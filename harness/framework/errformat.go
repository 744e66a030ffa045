package framework

import (
	"regexp"
	"strings"

	"github.com/onsi/gomega/format"
)

// Gomega prints an error as its message and then the value's insides
// (<*fmt.wrapError | 0x…>{msg: …, err: <*errors.errorString | 0x…>{s:
// …}}): Go internals that a lab engineer reading a failure cannot use,
// the message over again at each wrapping. The suites register
// errorFormatter (RegisterErrorFormat), and Fail takes out what is left of
// Gomega's framing: the type line and the repeated message.

// Marks around the message errorFormatter gives, for Fail to find.
const (
	errOpen  = "\x1e"
	errClose = "\x1f"
)

// errorFormatter formats an error value as its message.
func errorFormatter(v any) (string, bool) {
	if err, ok := v.(error); ok && err != nil {
		return errOpen + err.Error() + errClose, true
	}
	return "", false
}

// RegisterErrorFormat makes Gomega print errors as their message once.
// A suite calls it once, before its specs run.
func RegisterErrorFormat() { format.RegisterCustomFormatter(errorFormatter) }

// errHeader is the line format.Object starts an error with: its type (and
// address), then the message on the lines after it.
var errHeader = regexp.MustCompile(`(?m)^[ \t]*<[^<>\n]+>: \n`)

// errRepeat is errorFormatter's message where format.Object has just
// printed it (a newline and indentation before it).
var errRepeat = regexp.MustCompile(`\n[ \t]*` + errOpen + `([^` + errClose + `]*)` + errClose)

// cleanErrors takes Gomega's framing of errors out of a failure message:
// each error's type line, and its message a second time; an error inside
// another value keeps its message in place of its insides.
func cleanErrors(msg string) string {
	if !strings.Contains(msg, errOpen) {
		return msg
	}
	var b strings.Builder
	rest := msg
	for {
		loc := errRepeat.FindStringSubmatchIndex(rest)
		if loc == nil {
			b.WriteString(rest)
			break
		}
		before, text := rest[:loc[0]], rest[loc[2]:loc[3]]
		lines := strings.Split(text, "\n")
		// format.Object wrote the message just before, indented: this
		// is its copy. Elsewhere (an error in a slice) it is the value.
		if strings.HasSuffix(strings.TrimRight(before, " \t"), strings.TrimSpace(lines[len(lines)-1])) {
			b.WriteString(before)
		} else {
			b.WriteString(rest[:loc[1]])
		}
		rest = rest[loc[1]:]
	}
	msg = errHeader.ReplaceAllString(b.String(), "")
	return strings.NewReplacer(errOpen, "", errClose, "").Replace(msg)
}
