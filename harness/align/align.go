// Package align lines up two conversations — a recording and what the
// emulator said when the same host commands were played to it — by the
// longest common subsequence of their lines, after masking the values that
// legitimately differ between two devices (EID, ICCIDs, cell ids, signal).
// `lab diff` (harness/lab/record) and `esimhil replay` (harness/replay)
// both compare through it.
package align

import (
	"fmt"
	"regexp"
)

// Op says how one step of an alignment pairs the two sides.
type Op int

const (
	// Same: the two lines are equal.
	Same Op = iota
	// Changed: a line of each side in the same place, with different text.
	Changed
	// OnlyA: a line only the first side (the recording) has.
	OnlyA
	// OnlyB: a line only the second side (the replay) has.
	OnlyB
)

func (o Op) String() string {
	switch o {
	case Same:
		return "same"
	case Changed:
		return "changed"
	case OnlyA:
		return "only-a"
	case OnlyB:
		return "only-b"
	}
	return fmt.Sprintf("Op(%d)", int(o))
}

// Step is one step of an alignment: indexes into a and b, -1 for the side
// a OnlyA or OnlyB step lacks.
type Step struct {
	Op   Op
	A, B int
}

// MaxCells bounds the table the alignment needs (lines of a × lines of b
// once the common head and tail are set aside): 16 Mi cells, 64 MiB.
const MaxCells = 1 << 24

// Lines aligns a with b. Equal lines pair up; a line of each side between
// two pairs is a Changed step when the alignment keeps its length that
// way, else an OnlyA or OnlyB step. The common head and tail cost nothing,
// so long conversations that differ in a few places align cheaply.
func Lines(a, b []string) ([]Step, error) {
	return Func(len(a), len(b), func(i, j int) bool { return a[i] == b[j] })
}

// Func aligns na items with nb as Lines does, item i of one side equal
// to item j of the other where eq says so: for items that match by more
// than their text (a recorded line whose log lost part of it matches any
// line agreeing with what it kept).
func Func(na, nb int, eq func(i, j int) bool) ([]Step, error) {
	head := 0
	for head < na && head < nb && eq(head, head) {
		head++
	}
	tail := 0
	for tail < na-head && tail < nb-head && eq(na-1-tail, nb-1-tail) {
		tail++
	}
	la, lb := na-head-tail, nb-head-tail
	if cells := (la + 1) * (lb + 1); cells > MaxCells {
		return nil, fmt.Errorf("align: %d × %d differing lines is too many to align (at most %d cells)", la, lb, MaxCells)
	}
	same := func(i, j int) bool { return eq(head+i, head+j) }
	out := make([]Step, 0, na+nb-head-tail)
	for i := 0; i < head; i++ {
		out = append(out, Step{Same, i, i})
	}
	// lcs[i][j]: common length of the middles from i and j on.
	lcs := make([][]int32, la+1)
	for i := range lcs {
		lcs[i] = make([]int32, lb+1)
	}
	for i := la - 1; i >= 0; i-- {
		for j := lb - 1; j >= 0; j-- {
			if same(i, j) {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < la || j < lb {
		switch {
		case i < la && j < lb && same(i, j):
			out = append(out, Step{Same, head + i, head + j})
			i++
			j++
		case i < la && j < lb && lcs[i+1][j+1] == lcs[i][j]:
			out = append(out, Step{Changed, head + i, head + j})
			i++
			j++
		case j >= lb || i < la && lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, Step{OnlyA, head + i, -1})
			i++
		default:
			out = append(out, Step{OnlyB, -1, head + j})
			j++
		}
	}
	for k := 0; k < tail; k++ {
		out = append(out, Step{Same, na - tail + k, nb - tail + k})
	}
	return out, nil
}

// Mask is one named pattern: each match is replaced by <Name> on both
// sides before lines are compared.
type Mask struct {
	Name    string
	Pattern *regexp.Regexp
	// Keep keeps the pattern's first group of a match before <name>: what
	// of the match is compared.
	Keep bool
}

// Masks applies its masks in order.
type Masks []Mask

// Apply replaces every mask's matches in line by <name>.
func (ms Masks) Apply(line string) string {
	for _, m := range ms {
		repl := "<" + m.Name + ">"
		if m.Keep {
			repl = "${1}" + repl
		}
		line = m.Pattern.ReplaceAllString(line, repl)
	}
	return line
}
