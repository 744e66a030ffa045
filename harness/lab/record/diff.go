package record

import (
	"fmt"
	"regexp"
	"strings"
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

// maxDiffCells bounds the alignment table (lines × lines).
const maxDiffCells = 1 << 24

// Diff aligns the played conversation with the recording (longest common
// subsequence of the masked lines) and returns where they differ, marking
// the differences the manifest accepts.
func Diff(rec *Recording, played []string) ([]Difference, error) {
	a := parse(rec.Lines, rec.Script.Masked)
	b := parse(played, rec.Script.Masked)
	if (len(a)+1)*(len(b)+1) > maxDiffCells {
		return nil, fmt.Errorf("diff: %d × %d lines is too many to align", len(a), len(b))
	}
	// lcs[i][j]: common length of a[i:] and b[j:].
	lcs := make([][]int32, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i].text == b[j].text {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []Difference
	last := 0
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i].text == b[j].text:
			last = a[i].line
			i++
			j++
		case i < len(a) && j < len(b) && lcs[i+1][j+1] == lcs[i][j]:
			// A changed line: both sides move on together.
			out = append(out, Difference{Line: a[i].line, Recorded: a[i].raw, Played: b[j].raw})
			last = a[i].line
			i++
			j++
		case j >= len(b) || i < len(a) && lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, Difference{Line: a[i].line, Recorded: a[i].raw})
			last = a[i].line
			i++
		default:
			out = append(out, Difference{Line: last, Played: b[j].raw})
			j++
		}
	}
	for k := range out {
		out[k].Accepted = accepted(rec.Manifest.Accept, out[k])
	}
	return out, nil
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
