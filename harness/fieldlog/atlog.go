package fieldlog

import (
	"errors"
	"strings"

	"github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/textcut"
)

// readATLog reads the harness's at.log: "<RFC 3339 time> <dir> <text>"
// with dir ">" (host to modem), "<" (modem to host) or "#" (a note: a
// script step, a port drop). Emulated runs stamp simulated time, lab runs
// the wall clock; both are absolute.
func readATLog(file string, lines []string) (*Transcript, error) {
	recs := make([]record, 0, len(lines)) // about one a line: no doubling series
	for i, line := range lines {
		n := i + 1
		if strings.TrimSpace(line) == "" {
			continue
		}
		// The codec's reading, the timeline's too (at.ParseLogLine), in
		// this reader's words.
		l, err := at.ParseLogLine(line)
		if err != nil {
			if le := (*at.LogLineError)(nil); errors.As(err, &le) && !le.Stamp {
				_, rest, _ := strings.Cut(line, " ")
				return nil, errAt(file, n, "after the time, want \">\", \"<\" or \"#\" and a space, got %q", clip(rest))
			}
			return nil, errAt(file, n, "want \"<RFC 3339 time> > line\", \"< line\" or \"# note\", got %q", clip(line))
		}
		text := l.Text
		r := record{line: n, dir: Dir(l.Dir), t: l.T, text: text}
		if r.dir == Host {
			// A line sent while a command ran, logged when it came: it
			// is answered after that command (the emulated modem's mark).
			r.text, r.queued = at.CutQueued(text)
		}
		if cmd, ok := strings.CutPrefix(text, noAnswerPrefix); ok && r.dir == Tool {
			r.timeout, r.gaveUpOn = true, cmd
		}
		recs = append(recs, r)
	}
	return finish(file, Absolute, recs, false)
}

// OverlongLine is what the harness's AT client writes to at.log (and
// a replay's host.log) in place of a line over at.MaxResponseLine: its
// own text, never the modem's or the host's. The line's text is lost.
const OverlongLine = "<overlong line dropped>"

// Overlong reports the modem's line the recorder dropped for its length
// (OverlongLine in its place): a line was there, its text is lost.
func (e Entry) Overlong() bool {
	return e.Dir == Modem && strings.TrimSpace(e.Text) == OverlongLine
}

// noAnswerPrefix starts the note a harness writes after a command the
// modem left without a final result, where its host moved on or its log
// ends (NoAnswerNote).
const noAnswerPrefix = "no answer: "

// NoAnswerNote is the at.log note ("# no answer: AT+CSQ") by which the
// writer of a whole log says that the modem never answered cmd, its last
// command: read without it, a log that ends before a command's final
// result is taken for one cut off.
func NoAnswerNote(cmd string) string { return noAnswerPrefix + cmd }

// finish normalises and notes whether the log ever shows an echo.
func finish(file string, c Clock, recs []record, cut bool) (*Transcript, error) {
	t, err := normalise(file, c, false, recs, cut)
	if err != nil {
		return nil, err
	}
	for _, e := range t.Entries {
		if e.Role == Echo {
			t.ShowsEcho = true
			break
		}
	}
	return t, nil
}

// clip shortens a log's line quoted in an error.
func clip(s string) string { return textcut.Cut(s, 80) }
