package replay

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRequestBodyUnreadComparedByWhatItKept: a recorded platform request
// whose body the log did not keep whole (cut, or contradicting its
// body_size) is compared by the members it kept and the verdict names
// what it lost, rather than a divergence of the log's own loss — which a
// fixture expecting the failure fixed would have taken for the fix
// (outside tester t166 F7) —; what it kept is still compared (t178 N2: a
// notification cut after its kind matched any kind).
func TestRequestBodyUnreadComparedByWhatItKept(t *testing.T) {
	const name = "platform-timeout-keeps-roaming"
	b, err := os.ReadFile(filepath.Join(corpus, name, "platform.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	// edit gives line n (1-based) with its body cut before the end of the
	// member named (its start and 3 bytes of its name), or whole; and a
	// body_size off by extra; its body's first replace[0] replaced by
	// replace[1] before.
	edit := func(n int, cutIn string, extra int, replace ...string) string {
		var e map[string]any
		if err := json.Unmarshal([]byte(lines[n-1]), &e); err != nil {
			t.Fatal(err)
		}
		body := e["body"].(string)
		if len(replace) == 2 {
			body = strings.Replace(body, replace[0], replace[1], 1)
			e["body"] = body
		}
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
	const listExhausted = `"kind":"list-exhausted"`
	for _, tc := range []struct {
		name    string
		line    int
		edited  string
		assumed string // "" when the request is compared whole
		diverge bool   // what it kept differs from the replay's
	}{
		{"whole", 5, edit(5, "", 0), "", false},
		{"list request cut in serving_plmn", 5, edit(5, "serving_plmn", 0), "platform.jsonl:5 (serving_plmn)", false},
		{"list request cut after serving_plmn: compared whole", 5, edit(5, "signal", 0), "", false},
		{"list request contradicting its size", 5, edit(5, "", 7), "platform.jsonl:5 (serving_plmn)", false},
		{"notification cut in kind", 6, edit(6, "kind", 0), "platform.jsonl:6 (kind, operator)", false},
		{"notification cut after kind: kind still compared", 6, edit(6, "iccid", 0), "platform.jsonl:6 (operator)", false},
		{"another kind cut after it: diverges", 6, edit(6, "iccid", 0, `"kind":"attach-success"`, listExhausted), "", true},
		{"another kind, whole: diverges", 6, edit(6, "", 0, `"kind":"attach-success"`, listExhausted), "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyFixture(t, name)
			editLine(t, filepath.Join(dir, "platform.jsonl"), tc.line, tc.edited)
			res := replay(t, dir)
			if tc.diverge {
				if res.OK || res.Divergence == nil || res.Divergence.Track != Requests || res.Divergence.Src.Line != tc.line {
					t.Fatalf("want a divergence at platform.jsonl:%d, got OK=%v %+v: %s", tc.line, res.OK, res.Divergence, res.Why)
				}
				return
			}
			if !res.OK {
				t.Fatalf("not OK: %s\n%s", res.Why, Report(res))
			}
			const said = "compared without what the log lost"
			switch {
			case tc.assumed == "" && strings.Contains(res.Why, said):
				t.Errorf("verdict says %q of a request compared whole: %s", said, res.Why)
			case tc.assumed != "" && !strings.Contains(res.Why, "assumed: the platform request(s) at "+tc.assumed+" "+said):
				t.Errorf("verdict lacks %q: %s", tc.assumed, res.Why)
			}
		})
	}
}
