package harness

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/capture"
)

// TestCaptureMarksInWireshark opens an emulated run's capture with tshark:
// the marks do not stop it reading the file, every frame shows its mark as
// its comment (frame.comment), the marks never go back, and none counts
// more events than events.jsonl holds.
func TestCaptureMarksInWireshark(t *testing.T) {
	r := laneRun(t, "generic")
	out := tshark(t, "-r", filepath.Join(r.Dir(), TrafficFile), "-T", "fields", "-E", "separator=|",
		"-e", "frame.number", "-e", "frame.comment")
	events, err := os.ReadFile(filepath.Join(r.Dir(), EventsFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Count(events, []byte("\n"))
	rows := strings.Split(strings.TrimSpace(out), "\n")
	if len(rows) < 10 {
		t.Fatalf("tshark shows %d frames:\n%s", len(rows), out)
	}
	first, last := -1, 0
	for _, row := range rows {
		n, comment, _ := strings.Cut(row, "|")
		m, ok := capture.ParseMark(comment)
		switch {
		case !ok:
			t.Fatalf("frame %s: comment %q is not a mark", n, comment)
		case m.Events < last:
			t.Errorf("frame %s: after event %d, but the frame before it after %d", n, m.Events, last)
		case m.Events > lines:
			t.Errorf("frame %s: after event %d of %d", n, m.Events, lines)
		}
		if first < 0 {
			first = m.Events
		}
		last = m.Events
	}
	if first < 1 {
		t.Errorf("the first frame comes after %d events; run_started is logged before the capture starts", first)
	}
}
