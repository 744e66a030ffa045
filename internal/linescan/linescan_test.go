package linescan

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

func TestScanner(t *testing.T) {
	const max = 8
	long := strings.Repeat("x", 200000) // over the reader's buffer too
	for _, tc := range []struct {
		name, in string
		want     []string // each line, or "TOO LONG n" for one passed over
	}{
		{"empty", "", nil},
		{"lines", "a\nbb\n\nccc\n", []string{"a", "bb", "", "ccc"}},
		{"CRLF and no last newline", "a\r\nb", []string{"a", "b"}},
		// A long line's length is the line's, its end not counted, as
		// the bound does not count it (outside tester t63 read 1048578
		// for a line of 1048577).
		{"at the bound", "12345678\n123456789\n", []string{"12345678", "TOO LONG 9"}},
		{"at the bound with CRLF", "12345678\r\n123456789\r\n", []string{"12345678", "TOO LONG 9"}},
		{"a CR of its own over the bound", "12345678\r\r\n", []string{"TOO LONG 9"}},
		{"long line read past", "a\n" + long + "\nb\n", []string{"a", fmt.Sprintf("TOO LONG %d", len(long)), "b"}},
		{"long line with CRLF", "a\r\n" + long + "\r\nb\r\n", []string{"a", fmt.Sprintf("TOO LONG %d", len(long)), "b"}},
		{"long last line", "a\n" + long, []string{"a", fmt.Sprintf("TOO LONG %d", len(long))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, r := range []io.Reader{strings.NewReader(tc.in), iotest.OneByteReader(strings.NewReader(tc.in))} {
				s := New(r, max)
				var got []string
				for s.Scan() {
					if n, ok := s.TooLong(); ok {
						got = append(got, fmt.Sprintf("TOO LONG %d", n))
					} else {
						got = append(got, s.Text())
					}
					if s.Line() != len(got) {
						t.Errorf("line %d numbered %d", len(got), s.Line())
					}
				}
				if s.Err() != nil {
					t.Errorf("error %v", s.Err())
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("got %q, want %q", got, tc.want)
				}
			}
		})
	}
}

func TestScannerReadError(t *testing.T) {
	boom := errors.New("boom")
	s := New(io.MultiReader(strings.NewReader("a\nb"), iotest.ErrReader(boom)), 8)
	var got []string
	for s.Scan() {
		got = append(got, s.Text())
	}
	if !slices.Equal(got, []string{"a", "b"}) || !errors.Is(s.Err(), boom) {
		t.Errorf("got %q, error %v", got, s.Err())
	}
}
