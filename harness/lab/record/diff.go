package record

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/esimhil/esimhil/harness/align"
	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/internal/codec/at"
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
	raw  string // without at.URCMark
	urc  bool   // the client took it for a URC (at.URCMark)
}

// parse keeps the > and < lines, dropping timestamps and notes.
func parse(lines []string, mask func(string) string) []exchange {
	var out []exchange
	for i, l := range lines {
		if al, ok := lineOf(i, l, mask); ok {
			out = append(out, al)
		}
	}
	return out
}

// lineOf reads line i of an at.log as a > or < line (ok false for a
// note or anything else), the client's URC mark taken off (a recording
// made before it had none: both compare alike).
func lineOf(i int, l string, mask func(string) string) (exchange, bool) {
	_, rest, ok := strings.Cut(l, " ")
	if !ok || len(rest) < 2 || (rest[0] != '>' && rest[0] != '<') {
		return exchange{}, false
	}
	urc := false
	if rest[0] == '<' {
		rest, urc = at.CutURC(rest)
	}
	return exchange{line: i + 1, text: mask(rest), raw: rest, urc: urc}, true
}

// row is one exchange of a conversation — a command line with what the
// AT client took as its answer: echo, information lines, final result —
// or one line it took as unsolicited (a URC, a final result with no
// command pending), alone. Rows pair with rows of their kind only, so a
// URC is never paired with an answer line.
type row struct {
	lines []exchange // an exchange's first is its "> " line
	cmd   bool
}

// rows groups the > and < lines into rows (timestamps and notes
// dropped), telling URCs from answers as the client did: by its mark
// (at.URCMark), or for a line without one (a recording made before the
// mark) by its rule (atclient.Unsolicited, with the modem's own
// unprefixed URCs). A URC inside an
// answer becomes a row of its own after that exchange's. An exchange
// ends at its final result, or at the next command line (one that timed
// out).
func rows(lines []string, mask func(string) string, urcs []string) []row {
	var out []row
	open := -1 // the exchange awaiting its final result
	for i, l := range lines {
		al, ok := lineOf(i, l, mask)
		if !ok {
			continue
		}
		rest := al.raw
		if rest[0] == '>' {
			out = append(out, row{lines: []exchange{al}, cmd: true})
			open = len(out) - 1
			continue
		}
		text := strings.TrimSpace(rest[1:])
		if open >= 0 {
			cmd := strings.TrimSpace(out[open].lines[0].raw[1:])
			if !al.urc && (strings.EqualFold(text, cmd) || !atclient.Unsolicited(cmd, text, urcs...)) {
				out[open].lines = append(out[open].lines, al)
				if at.Classify(text).Kind.IsFinal() {
					open = -1
				}
				continue
			}
		}
		out = append(out, row{lines: []exchange{al}})
	}
	return out
}

// Diff aligns the played conversation with the recording exchange by
// exchange (harness/align: longest common subsequence of the rows, an
// exchange matching one of the same masked command line, a URC one of
// the same masked text), then the lines of each paired exchange, and
// returns where they differ, marking the differences the manifest
// accepts. urcs are the modem's unprefixed URCs beyond the built-in
// ones (lab.ModemURCs), as the recording's client was given them.
func Diff(rec *Recording, played []string, urcs ...string) ([]Difference, error) {
	mask := align.Masks(rec.Script.Mask).Apply
	a := rows(rec.Lines, mask, urcs)
	b := rows(played, mask, urcs)
	steps, err := align.Func(len(a), len(b), func(i, j int) bool {
		return a[i].cmd == b[j].cmd && a[i].lines[0].text == b[j].lines[0].text
	})
	if err != nil {
		return nil, fmt.Errorf("diff: %w", err)
	}
	d := differ{at: make([]int, len(played)+2)}
	for _, st := range steps {
		switch {
		case st.Op == align.OnlyA:
			d.onlyA(a[st.A].lines)
		case st.Op == align.OnlyB:
			d.onlyB(b[st.B].lines)
		case st.Op == align.Changed && a[st.A].cmd != b[st.B].cmd:
			// An exchange against a URC: never a pair.
			d.onlyA(a[st.A].lines)
			d.onlyB(b[st.B].lines)
		default:
			if err := d.pair(a[st.A].lines, b[st.B].lines); err != nil {
				return nil, err
			}
		}
	}
	out := d.done()
	for k := range out {
		out[k].Accepted = accepted(rec.Manifest.Accept, out[k])
	}
	return out, nil
}

// differ collects the differences of an alignment. at maps a played
// line to the recorded line paired with it (0: none), so that a line
// only the emulator sent is placed after the recorded line its
// predecessor was paired with.
type differ struct {
	out   []Difference
	after []int // for each of out, the played line an OnlyB follows (0: not one)
	at    []int
}

func (d *differ) onlyA(ls []exchange) {
	for _, l := range ls {
		d.add(Difference{Line: l.line, Recorded: l.raw}, 0)
	}
}

func (d *differ) onlyB(ls []exchange) {
	for _, l := range ls {
		d.add(Difference{Played: l.raw}, l.line)
	}
}

func (d *differ) add(diff Difference, played int) {
	d.out = append(d.out, diff)
	d.after = append(d.after, played)
}

// pair aligns the lines of two paired rows.
func (d *differ) pair(a, b []exchange) error {
	steps, err := align.Func(len(a), len(b), func(i, j int) bool { return a[i].text == b[j].text })
	if err != nil {
		return fmt.Errorf("diff: %w", err)
	}
	for _, st := range steps {
		switch st.Op {
		case align.Same:
			d.at[b[st.B].line] = a[st.A].line
		case align.Changed:
			d.at[b[st.B].line] = a[st.A].line
			d.add(Difference{Line: a[st.A].line, Recorded: a[st.A].raw, Played: b[st.B].raw}, 0)
		case align.OnlyA:
			d.onlyA(a[st.A : st.A+1])
		case align.OnlyB:
			d.onlyB(b[st.B : st.B+1])
		}
	}
	return nil
}

// done places each line only the emulator sent after the recorded line
// paired with the last played line before it that was paired, and sorts
// the differences by recorded line (stable: a paired exchange's before
// the URCs that came inside it; an added line after its line's own).
func (d *differ) done() []Difference {
	last := make([]int, len(d.at))
	for j := 1; j < len(d.at); j++ {
		last[j] = last[j-1]
		if d.at[j] != 0 {
			last[j] = d.at[j]
		}
	}
	type keyed struct {
		Difference
		added bool
	}
	ks := make([]keyed, len(d.out))
	for i, diff := range d.out {
		if j := d.after[i]; j > 0 {
			diff.Line = last[j-1]
		}
		ks[i] = keyed{diff, d.after[i] > 0}
	}
	slices.SortStableFunc(ks, func(x, y keyed) int {
		if c := cmp.Compare(x.Line, y.Line); c != 0 {
			return c
		}
		switch {
		case x.added == y.added:
			return 0
		case x.added:
			return 1
		}
		return -1
	})
	out := make([]Difference, len(ks))
	for i, k := range ks {
		out[i] = k.Difference
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
