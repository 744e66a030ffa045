package timeline

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// stepEvents is an event log of n entries a minute apart; entry i fails
// when failed(i).
func stepEvents(n int, failed func(int) bool) string {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"t":%q,"actor":"euicc","event":"step","n":%d,"ok":%v}`+"\n",
			t0.Add(time.Duration(i)*time.Minute).Format(time.RFC3339Nano), i, !failed(i))
	}
	return b.String()
}

// pageRows reads the rows' labels out of a written page's data.
func pageRows(t *testing.T, path string) (pageData, []string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)<script id="data" type="application/json">(.*?)</script>`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("%s: no data", path)
	}
	var d pageData
	if err := json.Unmarshal(m[1], &d); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var labels []string
	for _, it := range d.Items {
		labels = append(labels, it.Label)
	}
	return d, labels
}

func TestPages(t *testing.T) {
	for _, tc := range []struct {
		name      string
		rows, per int
		files     []string
		failedOn  []int // failures per page
	}{
		{"fits on one", 12, 100, []string{"timeline.html"}, []int{2}},
		{"exactly one page", 10, 10, []string{"timeline.html"}, []int{2}},
		{"one row over", 11, 10, []string{"timeline.html", "timeline-2.html"}, []int{2, 0}},
		{"three pages", 25, 10, []string{"timeline.html", "timeline-2.html", "timeline-3.html"}, []int{2, 0, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Rows 0, 5 and 20 fail.
			dir := writeArtifacts(t, map[string]string{"events.jsonl": stepEvents(tc.rows, func(i int) bool { return i == 0 || i == 5 || i == 20 })})
			tl, err := Build(dir, Run{Name: "paged", Verdict: "fail"})
			if err != nil {
				t.Fatal(err)
			}
			tl.PageRows = tc.per
			first, err := tl.Write(dir)
			if err != nil {
				t.Fatal(err)
			}
			if first != filepath.Join(dir, FileName) {
				t.Errorf("first page %s", first)
			}
			if n := Pages(dir); n != len(tc.files) {
				t.Errorf("Pages = %d, want %d", n, len(tc.files))
			}
			got, _ := filepath.Glob(filepath.Join(dir, "timeline*.html"))
			for i := range got {
				got[i] = filepath.Base(got[i])
			}
			want := slices.Clone(tc.files)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("pages %q, want %q", got, want)
			}
			var all []string
			for n, f := range tc.files {
				d, labels := pageRows(t, filepath.Join(dir, f))
				all = append(all, labels...)
				failed := 0
				for _, it := range d.Items {
					if it.Failed {
						failed++
					}
				}
				if failed != tc.failedOn[n] {
					t.Errorf("%s: %d failed rows, want %d", f, failed, tc.failedOn[n])
				}
				if len(tc.files) == 1 {
					if d.Page != 0 || d.Pages != nil {
						t.Errorf("%s: a lone page names pages: %d %v", f, d.Page, d.Pages)
					}
					continue
				}
				if d.Page != n+1 || len(d.Pages) != len(tc.files) || d.Pages[n].Failed != tc.failedOn[n] {
					t.Errorf("%s: page %d of %d, failed %d", f, d.Page, len(d.Pages), d.Pages[n].Failed)
				}
				html, _ := os.ReadFile(filepath.Join(dir, f))
				for _, want := range []string{fmt.Sprintf("page %d of %d", n+1, len(tc.files)), `href="timeline.html"`, `href="` + tc.files[len(tc.files)-1] + `"`} {
					if !strings.Contains(string(html), want) {
						t.Errorf("%s lacks %q", f, want)
					}
				}
			}
			// Every row once, in order, across the pages.
			if len(all) != tc.rows {
				t.Fatalf("%d rows over the pages, want %d", len(all), tc.rows)
			}
			for i, l := range all {
				if !strings.Contains(l, fmt.Sprintf("n=%d ", i)) && !strings.HasSuffix(l, fmt.Sprintf("n=%d", i)) {
					t.Errorf("row %d is %q", i, l)
					break
				}
			}
		})
	}
}

// A timeline written again with fewer pages leaves none of the old ones.
func TestPagesOfAnEarlierTimelineRemoved(t *testing.T) {
	dir := writeArtifacts(t, map[string]string{"events.jsonl": stepEvents(30, func(int) bool { return false })})
	tl, err := Build(dir, Run{Name: "x"})
	if err != nil {
		t.Fatal(err)
	}
	tl.PageRows = 7
	if _, err := tl.Write(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "timeline-5.html")); err != nil {
		t.Fatal(err)
	}
	tl.PageRows = 0
	if _, err := tl.Write(dir); err != nil {
		t.Fatal(err)
	}
	got, _ := filepath.Glob(filepath.Join(dir, "timeline*"))
	if len(got) != 1 || filepath.Base(got[0]) != FileName {
		t.Errorf("files after a one-page write: %q", got)
	}
}

func TestFmtSim(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "+00:00:00", 90 * time.Second: "+00:01:30", 26*time.Hour + 3*time.Second: "+1d 02:00:03",
		-time.Hour: "-01:00:00", 1500 * time.Millisecond: "+00:00:01",
	} {
		if got := fmtSim(d); got != want {
			t.Errorf("fmtSim(%v) = %q, want %q", d, got, want)
		}
	}
}

// Write leaves no temporary page behind, and removes those a writer
// killed before its renames left.
func TestPagesWriteLeavesNoTemporaries(t *testing.T) {
	dir := writeArtifacts(t, map[string]string{"events.jsonl": stepEvents(30, func(int) bool { return false })})
	stale := filepath.Join(dir, ".timeline-3.html.tmp-123")
	if err := os.WriteFile(stale, []byte("half a page"), 0o644); err != nil {
		t.Fatal(err)
	}
	tl, err := Build(dir, Run{Name: "x"})
	if err != nil {
		t.Fatal(err)
	}
	tl.PageRows = 7
	if _, err := tl.Write(dir); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".timeline*")); len(left) != 0 {
		t.Errorf("temporary files left: %q", left)
	}
	if n := Pages(dir); n != 5 {
		t.Errorf("%d pages, want 5", n)
	}
}

// TestPageVerdict reads the verdict a written page shows, and none from
// a file that is no page or is cut before its header.
func TestPageVerdict(t *testing.T) {
	dir := t.TempDir()
	run := Run{Name: "x", Verdict: "fail", Mismatches: []string{"attempts: got [sfr], want [orange-fr]"}}
	if err := os.WriteFile(filepath.Join(dir, "events.jsonl"), []byte(`{"t":"2026-01-01T00:00:00Z","actor":"harness","event":"run_started","scenario":"x","seed":1}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	page, err := Write(dir, run)
	if err != nil {
		t.Fatal(err)
	}
	if got := PageVerdict(page); got != "fail" {
		t.Errorf("written page: %q, want fail", got)
	}
	b, _ := os.ReadFile(page)
	cut := filepath.Join(dir, "cut.html")
	if err := os.WriteFile(cut, b[:100], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{cut, filepath.Join(dir, "events.jsonl"), filepath.Join(dir, "none.html")} {
		if got := PageVerdict(p); got != "" {
			t.Errorf("%s: %q, want none", p, got)
		}
	}
}
