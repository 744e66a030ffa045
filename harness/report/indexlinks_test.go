package report

import (
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The index's links resolve, as a browser reads them, to the very files
// whatever the path between the index and a run holds: a '#' or '?' would
// end the path, a '%' start an escape, a ':' in the first segment make a
// scheme (html/template leaves all of these as they are; outside tester
// t229). The link's text is the path as it is on disk.
func TestIndexLinksResolveToTheirFiles(t *testing.T) {
	root := t.TempDir()
	out := filepath.Join(root, "out")
	for _, tc := range []struct{ name, dir string }{
		{"hash", filepath.Join(root, "ci#3", "specs", "a")},
		{"query", filepath.Join(root, "why?", "specs", "a")},
		{"percent", filepath.Join(root, "100%41", "specs", "a")},
		{"space", filepath.Join(root, "two words", "specs", "a")},
		{"colon first", filepath.Join(out, "x:y")},
		{"plain", filepath.Join(out, "specs", "a")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page := filepath.Join(tc.dir, "timeline.html")
			b, err := Index(out, []Entry{{Kind: "spec", Name: "s", Verdict: "pass", Dir: tc.dir, Timeline: page}}, nil, time.Unix(0, 0))
			if err != nil {
				t.Fatal(err)
			}
			base, err := url.Parse("file://" + filepath.ToSlash(filepath.Join(out, IndexFile)))
			if err != nil {
				t.Fatal(err)
			}
			links := regexp.MustCompile(`<a href="([^"]*)">([^<]*)</a>`).FindAllStringSubmatch(string(b), -1)
			if len(links) != 2 {
				t.Fatalf("links %q, want the page's and the directory's", links)
			}
			for i, want := range []string{page, tc.dir} {
				href := strings.ReplaceAll(links[i][1], "&amp;", "&")
				ref, err := url.Parse(href)
				if err != nil {
					t.Fatalf("href %q: %v", href, err)
				}
				got := base.ResolveReference(ref)
				if got.Scheme != "file" || got.Path != filepath.ToSlash(want) || got.Fragment != "" || got.RawQuery != "" {
					t.Errorf("href %q opens %s (path %q), want %s", href, got, got.Path, want)
				}
			}
			rel, _ := filepath.Rel(out, tc.dir)
			if text := links[1][2]; text != htmlText(filepath.ToSlash(rel)) {
				t.Errorf("link text %q, want the path %q", text, rel)
			}
		})
	}
}

func htmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}
