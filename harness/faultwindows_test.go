package harness

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/scenario"
)

// TestOverlappingWindows: two entries of one window fault that overlap
// make one window, from the first's start to the last's end, and the
// event that ends it names the entry in force then, not the first.
func TestOverlappingWindows(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "fixtures", "scenarios", "home-no-request.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(b), "\nexpect:", "\nfaults:\n  - {coverage: lost, from: 10m, until: 30m}\n  - {coverage: lost, from: 20m, until: 40m}\nexpect:", 1)
	s, err := scenario.Parse("overlap.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if res := RunScenario(s, Options{Dir: dir, Capture: capture.Tap}); res.Err != nil {
		t.Fatal(res.Err)
	}
	events, err := os.ReadFile(filepath.Join(dir, EventsFile))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range strings.Split(string(events), "\n") {
		if strings.Contains(l, `"event":"fault"`) {
			got = append(got, l[6:26]+" "+l[strings.Index(l, `"entry"`):strings.Index(l, `,"fault"`)]+" "+l[strings.Index(l, `"on"`):strings.Index(l, `,"target"`)])
		}
	}
	want := []string{`2026-01-01T00:10:00Z "entry":0 "on":true`, `2026-01-01T00:40:00Z "entry":1 "on":false`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("fault events\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
