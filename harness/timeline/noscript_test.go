package timeline

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// A page read with scripts off says so where the diagram would be, not
// below an empty diagram area, and shows no toolbar that would do
// nothing: the toolbar is hidden until the script shows it (its class's
// display would override the hidden attribute without the rule for it),
// and the empty lanes and rows are hidden by a style only a page without
// scripts applies. The page's static structure, as any browser parses it
// (TestPageWithoutScriptsInChromium sees it in one).
func TestPageWithoutScripts(t *testing.T) {
	dir := writeArtifacts(t, map[string]string{"events.jsonl": `{"t":"2026-01-01T00:00:00Z","actor":"harness","event":"run_started","scenario":"x","seed":1}` + "\n"})
	path, err := Write(dir, Run{Name: "x", Verdict: "pass"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	head, body, _ := strings.Cut(page, "</head>")
	at := func(s string) int {
		i := strings.Index(body, s)
		if i < 0 {
			t.Fatalf("the page's body lacks %s", s)
		}
		return i
	}
	for _, tc := range []struct {
		what string
		ok   bool
	}{
		{"the note comes before the toolbar, the lanes and the rows",
			at(`id="noscript"`) < at(`class="toolbar"`) && at(`id="noscript"`) < at(`id="lanes"`) && at(`id="noscript"`) < at(`id="scroller"`)},
		{"the note is after the artifacts it points to", at(`class="artifacts"`) < at(`id="noscript"`)},
		{"the note is a noscript's", regexp.MustCompile(`<noscript><p [^>]*id="noscript"`).MatchString(body)},
		{"the toolbar is hidden", regexp.MustCompile(`<div class="toolbar" hidden>`).MatchString(body)},
		{"hidden wins over the toolbar's display", strings.Contains(head, ".toolbar[hidden] { display: none; }")},
		{"the script shows the toolbar", strings.Contains(page, `document.querySelector(".toolbar").hidden = false;`)},
		{"without scripts the empty diagram is hidden", regexp.MustCompile(`<noscript><style>#lanes, #scroller \{ display: none; \}`).MatchString(head)},
		{"one note only", strings.Count(page, "<noscript>") == 2},
	} {
		if !tc.ok {
			t.Errorf("%s: not so", tc.what)
		}
	}
}
