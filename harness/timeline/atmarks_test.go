package timeline

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// at.marks is read only when every line is a count and the counts never go
// back; anything else places no at.log row by mark.
func TestReadATMarks(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []int
		problem    string // what the page is told, "" for nothing
	}{
		{"counts", "0\n0\n3\n7\n", []int{0, 0, 3, 7}, ""},
		{"cut short in its last line", "1\n2\n", []int{1, 2}, ""},
		{"empty", "", nil, ""},
		{"not a count", "1\nx\n", nil, `line 2 is not a count of events ("x")`},
		{"negative", "-1\n", nil, `line 1 is not a count of events ("-1")`},
		{"going back", "4\n3\n", nil, "line 2 goes back (3 after 4): the counts only grow"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), ATMarksFile)
			if err := os.WriteFile(p, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			got, problem := readATMarks(p)
			if !slices.Equal(got, tc.want) || problem != tc.problem {
				t.Errorf("marks %v %q, want %v %q", got, problem, tc.want, tc.problem)
			}
		})
	}
	if got, problem := readATMarks(filepath.Join(t.TempDir(), "none")); got != nil || problem != "" {
		t.Errorf("no file: %v %q", got, problem)
	}
}
