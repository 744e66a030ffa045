package timeline

import (
	"os"
	"strings"
	"testing"
)

// TestNoStartRecorded (outside tester t216): a run whose events.jsonl
// was never written (a disk full before its first event) has no start;
// the page said "started 0001-01-01T00:00:00Z", a start nobody
// recorded. It says so; a run with events keeps its start.
func TestNoStartRecorded(t *testing.T) {
	const started = `{"t":"2026-01-01T00:00:00Z","actor":"harness","event":"run_started","scenario":"x","seed":1}` + "\n"
	for _, tc := range []struct {
		events, want, data string
	}{
		{"", "· started not recorded ·", `{"start":"not recorded",`},
		{started, "· started 2026-01-01T00:00:00Z ·", `{"start":"2026-01-01T00:00:00Z",`},
	} {
		dir := writeArtifacts(t, map[string]string{"events.jsonl": tc.events})
		page, err := Write(dir, Run{Name: "x"})
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		head, _, _ := strings.Cut(string(b), "</header>")
		if !strings.Contains(head, tc.want) || strings.Contains(head, "0001-01-01") {
			t.Errorf("events %q: page header lacks %q:\n%s", tc.events, tc.want, head[max(0, len(head)-1500):])
		}
		// The page's data too (r215 F4): its start said year 1.
		if !strings.Contains(string(b), tc.data) || strings.Contains(string(b), "0001-01-01") {
			t.Errorf("events %q: page data lacks %s (or has year 1)", tc.events, tc.data)
		}
	}
}
