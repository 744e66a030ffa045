package fieldlog

import (
	"fmt"
	"slices"
	"testing"
)

// TestTextRows: the serial dumps' readers get each non-blank line with
// its number in the file and without the CRs it ends with (a capture's
// CR CR LF leaves one in the line splitLines gives); a blank line, or
// one of spaces and CRs, is skipped but counted; stopping early stops.
func TestTextRows(t *testing.T) {
	lines := []string{"", "AT\r", "  \r", "OK", "\r\r", " x \r\r"}
	var got []string
	for n, l := range textRows(lines) {
		got = append(got, fmt.Sprintf("%d:%q", n, l))
	}
	if want := []string{`2:"AT"`, `4:"OK"`, `6:" x "`}; !slices.Equal(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
	for n := range textRows(lines) {
		if n != 2 {
			t.Errorf("the first row is line %d, want 2", n)
		}
		break
	}
}
