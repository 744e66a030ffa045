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
	}{
		{"counts", "0\n0\n3\n7\n", []int{0, 0, 3, 7}},
		{"cut short in its last line", "1\n2\n", []int{1, 2}},
		{"empty", "", nil},
		{"not a count", "1\nx\n", nil},
		{"negative", "-1\n", nil},
		{"going back", "4\n3\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), ATMarksFile)
			if err := os.WriteFile(p, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			if got := readATMarks(p); !slices.Equal(got, tc.want) {
				t.Errorf("marks %v, want %v", got, tc.want)
			}
		})
	}
	if got := readATMarks(filepath.Join(t.TempDir(), "none")); got != nil {
		t.Errorf("no file: %v", got)
	}
}
