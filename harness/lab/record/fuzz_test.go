package record

import (
	"strings"
	"testing"
)

// FuzzParseScript: any script text parses or fails with an error, never a
// panic, and a parsed script masks any line.
func FuzzParseScript(f *testing.F) {
	f.Add("name: x\nmask: [{name: a, pattern: '\\d+'}]\nsteps: [AT, iccid, {es10: BF2D00}]\n", "< +CSQ: 23,99")
	f.Add("name: x\nsteps: [[", "")
	f.Add("name: x\nsteps: [{es10: 0}]\n", "> AT")
	f.Fuzz(func(t *testing.T, text, line string) {
		s, err := ParseScript("f.yaml", []byte(text))
		if err != nil {
			return
		}
		if len(s.Steps) == 0 {
			t.Fatal("a script without steps parsed")
		}
		_ = s.Masked(line)
	})
}

// FuzzDiff: any two conversations align without panic, and a conversation
// never differs from itself.
func FuzzDiff(f *testing.F) {
	f.Add("T > AT\nT < OK\nT # note", "T > AT\nT < ERROR")
	f.Add("", "T <\nT >")
	f.Fuzz(func(t *testing.T, a, b string) {
		s, _ := ParseScript("s.yaml", []byte("name: x\nsteps: [AT]\n"))
		r := &Recording{Script: s, Lines: strings.Split(a, "\n")}
		if _, err := Diff(r, strings.Split(b, "\n")); err != nil {
			t.Fatal(err)
		}
		if ds, _ := Diff(r, r.Lines); len(ds) != 0 {
			t.Fatalf("differs from itself: %v", ds)
		}
	})
}
