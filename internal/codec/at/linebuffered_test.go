package at

import (
	"strings"
	"testing"
)

// LineBuffered says whether Next can return a line without reading more.
func TestLineBuffered(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		reads    int // Next calls first
		want     bool
	}{
		{"nothing read", "", 0, false},
		{"a line behind OK", "\r\nOK\r\nMODEM READY\r\n", 1, true},
		{"only the terminators behind OK", "\r\nOK\r\n", 1, false},
		{"a line without its end", "\r\nOK\r\nMODEM", 1, false},
		{"empty lines only", "OK\r\n\r\n\r\n", 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := NewLineReader(strings.NewReader(tc.in))
			for range tc.reads {
				if _, err := l.Next(); err != nil {
					t.Fatal(err)
				}
			}
			if got := l.LineBuffered(); got != tc.want {
				t.Errorf("LineBuffered() = %v, want %v", got, tc.want)
			}
		})
	}
}
