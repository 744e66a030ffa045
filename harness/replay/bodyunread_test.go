package replay

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRequestBodyUnreadComparedByRoute: a recorded platform request whose
// body the log did not keep whole (cut, or contradicting its body_size)
// has no serving network to compare; its route is compared by route
// alone and the verdict says so, rather than a divergence of the log's
// own loss — which a fixture expecting the failure fixed would have taken
// for the fix (outside tester t166 F7).
func TestRequestBodyUnreadComparedByRoute(t *testing.T) {
	const name = "platform-timeout-keeps-roaming"
	b, err := os.ReadFile(filepath.Join(corpus, name, "platform.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	// edit gives line n (1-based) with its body cut before the end of the
	// member named (its start and 3 bytes of its name), or whole; and a
	// body_size off by extra.
	edit := func(n int, cutIn string, extra int) string {
		var e map[string]any
		if err := json.Unmarshal([]byte(lines[n-1]), &e); err != nil {
			t.Fatal(err)
		}
		body := e["body"].(string)
		e["body_size"] = len(body) + extra
		if cutIn != "" {
			e["body"], e["truncated"] = body[:strings.Index(body, `"`+cutIn+`"`)+4], true
		}
		out, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	for _, tc := range []struct {
		name    string
		line    int
		edited  string
		assumed string // "" when the request is compared whole
	}{
		{"whole", 5, edit(5, "", 0), ""},
		{"list request cut in serving_plmn", 5, edit(5, "serving_plmn", 0), `POST /v1/preferred-list (platform.jsonl:5: body cut at`},
		{"list request cut after serving_plmn: compared whole", 5, edit(5, "signal", 0), ""},
		{"list request contradicting its size", 5, edit(5, "", 7), `POST /v1/preferred-list (platform.jsonl:5: body:`},
		{"notification cut in kind", 6, edit(6, "kind", 0), `POST /v1/notifications (platform.jsonl:6: body cut at`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyFixture(t, name)
			editLine(t, filepath.Join(dir, "platform.jsonl"), tc.line, tc.edited)
			res := replay(t, dir)
			if !res.OK {
				t.Fatalf("not OK: %s\n%s", res.Why, Report(res))
			}
			const said = "compared by route alone"
			switch {
			case tc.assumed == "" && strings.Contains(res.Why, said):
				t.Errorf("verdict says %q of a request compared whole: %s", said, res.Why)
			case tc.assumed != "" && !strings.Contains(res.Why, "assumed: the platform requests to "+tc.assumed):
				t.Errorf("verdict lacks %q: %s", tc.assumed, res.Why)
			}
		})
	}
}
