package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// serve keeps an earlier serve's events.jsonl, moved aside and said so,
// and refuses an --out that holds a run's record rather than replace its
// events (outside tester t86 F3: both were emptied without a word).
func TestServeKeepsEarlierEvents(t *testing.T) {
	scen := filepath.Join("..", "..", "..", "fixtures", "scenarios", "roam-fr-download.yaml")
	mtime := time.Date(2026, 12, 6, 4, 33, 37, 0, time.UTC)
	const earlier = `{"event":"earlier"}` + "\n"
	for _, tc := range []struct {
		name  string
		files map[string]string // in --out before serve starts
		code  int
		// stderr holds it; kept names each file that must be there after,
		// with what it holds ("" for any).
		stderr string
		kept   map[string]string
	}{
		{"no earlier file", nil, 0, "", map[string]string{"events.jsonl": ""}},
		{"an empty one", map[string]string{"events.jsonl": ""}, 0, "", map[string]string{"events.jsonl": ""}},
		{"an earlier serve's", map[string]string{"events.jsonl": earlier}, 0,
			"the earlier events.jsonl moved to ", map[string]string{"events-20261206T043337Z.jsonl": earlier, "events.jsonl": ""}},
		{"its name taken", map[string]string{"events.jsonl": earlier, "events-20261206T043337Z.jsonl": "older"}, 0,
			"events-20261206T043337Z-2.jsonl", map[string]string{"events-20261206T043337Z.jsonl": "older", "events-20261206T043337Z-2.jsonl": earlier}},
		{"a run's results", map[string]string{"results.json": "{}", "events.jsonl": earlier}, 2,
			"holds a run's record (results.json): serve would replace its events.jsonl; give serve its own --out", map[string]string{"events.jsonl": earlier}},
		{"a scenario's run", map[string]string{"at.log": "AT\r\n", "events.jsonl": earlier}, 2,
			"holds a run's record (at.log)", map[string]string{"events.jsonl": earlier}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, body := range tc.files {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.Chtimes(p, mtime, mtime); err != nil {
					t.Fatal(err)
				}
			}
			ctx, stop := context.WithCancel(context.Background())
			stop() // serve starts, and stops at once
			var stdout, stderr strings.Builder
			code := cli(ctx, []string{"serve", "--scenario", scen, "--out", dir}, &stdout, &stderr)
			if code != tc.code || !strings.Contains(stderr.String(), tc.stderr) || tc.stderr == "" && strings.Contains(stderr.String(), "moved") {
				t.Errorf("exit %d, want %d; stderr lacks %q:\n%s", code, tc.code, tc.stderr, stderr.String())
			}
			for name, want := range tc.kept {
				b, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil || want != "" && string(b) != want {
					t.Errorf("%s: %q, %v; want %q", name, b, err, want)
				}
			}
		})
	}
}
