package record

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/esimhil/esimhil/harness/align"
)

// Difference is one place where two conversations disagree.
type Difference struct {
	// Line is the at.log line of the recording (1-based); for a line only
	// the emulator sent, the recording line it follows.
	Line     int
	Recorded string // "" when the emulator sent a line the recording lacks
	Played   string // "" when the emulator lacks a recorded line
	// Accepted holds the manifest's reason when the difference is
	// allowed.
	Accepted string
}

func (d Difference) String() string {
	var s string
	switch {
	case d.Played == "":
		s = fmt.Sprintf("at.log:%d: the emulator did not send: %s", d.Line, d.Recorded)
	case d.Recorded == "":
		s = fmt.Sprintf("at.log:%d: the emulator sent more, after this line: %s", d.Line, d.Played)
	default:
		s = fmt.Sprintf("at.log:%d: recorded %s\n           emulator %s", d.Line, d.Recorded, d.Played)
	}
	if d.Accepted != "" {
		s += " (accepted: " + d.Accepted + ")"
	}
	return s
}

// exchange is one AT line of a conversation: direction and text.
type exchange struct {
	line int    // 1-based line in the file
	text string // "> AT+CGMM", "< OK", masked
	raw  string
}

// parse keeps the > and < lines, dropping timestamps and notes.
func parse(lines []string, mask func(string) string) []exchange {
	var out []exchange
	for i, l := range lines {
		_, rest, ok := strings.Cut(l, " ")
		if !ok || len(rest) < 2 || (rest[0] != '>' && rest[0] != '<') {
			continue
		}
		out = append(out, exchange{line: i + 1, text: mask(rest), raw: rest})
	}
	return out
}

// Diff aligns the played conversation with the recording (harness/align:
// longest common subsequence of the masked lines) and returns where they
// differ, marking the differences the manifest accepts.
func Diff(rec *Recording, played []string) ([]Difference, error) {
	mask := align.Masks(rec.Script.Mask).Apply
	a := parse(rec.Lines, mask)
	b := parse(played, mask)
	steps, err := align.Lines(texts(a), texts(b))
	if err != nil {
		return nil, fmt.Errorf("diff: %w", err)
	}
	var out []Difference
	last := 0
	for _, st := range steps {
		switch st.Op {
		case align.Same:
			last = a[st.A].line
		case align.Changed:
			out = append(out, Difference{Line: a[st.A].line, Recorded: a[st.A].raw, Played: b[st.B].raw})
			last = a[st.A].line
		case align.OnlyA:
			out = append(out, Difference{Line: a[st.A].line, Recorded: a[st.A].raw})
			last = a[st.A].line
		case align.OnlyB:
			out = append(out, Difference{Line: last, Played: b[st.B].raw})
		}
	}
	for k := range out {
		out[k].Accepted = accepted(rec.Manifest.Accept, out[k])
	}
	return out, nil
}

func texts(ex []exchange) []string {
	out := make([]string, len(ex))
	for i, e := range ex {
		out[i] = e.text
	}
	return out
}

func accepted(acc []Accept, d Difference) string {
	for _, a := range acc {
		switch {
		case a.Line != 0 && a.Line == d.Line:
			return a.Reason
		case a.Pattern != "":
			re, err := regexp.Compile(a.Pattern)
			if err == nil && (re.MatchString(d.Recorded) || d.Recorded == "" && re.MatchString(d.Played)) {
				return a.Reason
			}
		}
	}
	return ""
}

// Unaccepted counts the differences the manifest does not accept.
func Unaccepted(ds []Difference) int {
	n := 0
	for _, d := range ds {
		if d.Accepted == "" {
			n++
		}
	}
	return n
}
