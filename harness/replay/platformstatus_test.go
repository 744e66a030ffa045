package replay

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPlatformStatusCompared: a recorded request's HTTP status is part of
// the exchange the replay must reproduce (t225 replays a 5xx as the
// platform: status fault with its code); a replay whose platform answers
// otherwise diverges there, both statuses named.
func TestPlatformStatusCompared(t *testing.T) {
	const name = "platform-timeout-keeps-roaming"
	b, err := os.ReadFile(filepath.Join(corpus, name, "platform.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for _, tc := range []struct {
		name               string
		line               int
		from, to           string
		recorded, replayed string // "" for no divergence
	}{
		{"as recorded", 0, "", "", "", ""},
		{"a note the field platform refused", 6, `"status":200`, `"status":409`,
			"POST /v1/notifications attach-success",
			"→ HTTP 200"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyFixture(t, name)
			if tc.line > 0 {
				edited := strings.Replace(lines[tc.line-1], tc.from, tc.to, 1)
				if edited == lines[tc.line-1] {
					t.Fatalf("line %d has no %s", tc.line, tc.from)
				}
				editLine(t, filepath.Join(dir, "platform.jsonl"), tc.line, edited)
			}
			res := replay(t, dir)
			if tc.recorded == "" {
				if !res.OK {
					t.Fatalf("not OK: %s\n%s", res.Why, Report(res))
				}
				return
			}
			d := res.Divergence
			if res.OK || d == nil || d.Track != Requests || d.Src.Line != tc.line {
				t.Fatalf("want a divergence at platform.jsonl:%d, got OK=%v %+v: %s", tc.line, res.OK, d, res.Why)
			}
			if !strings.Contains(d.Recorded, tc.recorded) || !strings.HasSuffix(d.Recorded, "→ HTTP 409") || !strings.HasSuffix(d.Replayed, tc.replayed) {
				t.Errorf("divergence recorded %q, replayed %q; want %q … → HTTP 409 and … %q", d.Recorded, d.Replayed, tc.recorded, tc.replayed)
			}
		})
	}
}
