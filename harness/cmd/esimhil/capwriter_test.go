package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestCapWriter: lines pass until the next would take the file past its
// bound; then one last event says so, the cut is told once, and later
// lines are dropped — the file ends on whole lines, never over the bound.
func TestCapWriter(t *testing.T) {
	line := []byte(`{"t":"2026-12-06T00:00:00Z","actor":"platform","event":"request_rejected","status":400}` + "\n")
	for _, c := range []struct {
		name   string
		max    int64
		lines  int
		passed int
		cut    bool
	}{
		{"room for all", 10 * 1024, 20, 20, false},
		{"cut after some", lastLineRoom + 5*int64(len(line)), 20, 5, true},
		{"cut at once", lastLineRoom, 3, 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			cuts := 0
			w := &capWriter{w: &buf, max: c.max, cut: func() { cuts++ }}
			for range c.lines {
				if n, err := w.Write(line); err != nil || n != len(line) {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			want := c.passed
			if c.cut {
				want++
			}
			if len(lines) != want {
				t.Fatalf("%d lines written, want %d", len(lines), want)
			}
			if int64(buf.Len()) > c.max {
				t.Errorf("%d bytes written, over the bound %d", buf.Len(), c.max)
			}
			if (cuts == 1) != c.cut || cuts > 1 {
				t.Errorf("cut told %d times", cuts)
			}
			if c.cut {
				var last map[string]any
				if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil || last["event"] != "event_limit" || last["limit_bytes"] != float64(c.max) {
					t.Errorf("last line %q (%v), want the event_limit event with limit_bytes %d", lines[len(lines)-1], err, c.max)
				}
			}
		})
	}
}
