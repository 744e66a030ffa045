package timeline_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/replay"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/harness/timeline"
	"github.com/esimhil/esimhil/internal/browsertest"
)

// repoRoot is the module root, where out/ lives.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; filepath.Dir(d) != d; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
	}
	t.Fatal("no go.mod above", dir)
	return ""
}

// screenshotDir is out/ under the module root: the screenshots are for
// people (the README's picture comes from there).
func screenshotDir(t *testing.T) string {
	dir := filepath.Join(repoRoot(t), "out")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func checkClean(t *testing.T, p *browsertest.Page, page string) {
	t.Helper()
	if errs := p.Errors(); len(errs) > 0 {
		t.Errorf("console errors:\n  %s", strings.Join(errs, "\n  "))
	}
	for _, u := range p.Requests() {
		if u != "file://"+page {
			t.Errorf("the page requested %s: it must fetch nothing", u)
		}
	}
}

func eval[T any](t *testing.T, p *browsertest.Page, expr string) T {
	t.Helper()
	v, err := browsertest.Eval[T](p, expr)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// A real run — roam, download over TLS with a tampered package, the card
// refusing it, faults on the SM-DP+ — with one expectation that does not
// hold, opened in Chromium.
func TestRunPageInChromium(t *testing.T) {
	b := browsertest.Start(t)
	s, err := scenario.Load(filepath.Join(repoRoot(t), "fixtures", "scenarios", "roam-fr-download-tampered.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s.Expect.Attempts = []string{"orange-fr"} // the card ends on sfr: this fails
	res := harness.RunScenario(s, harness.Options{Dir: t.TempDir(), Capture: capture.Tap})
	if res.Err != nil || res.TimelineErr != nil {
		t.Fatalf("run: %v, timeline: %v", res.Err, res.TimelineErr)
	}
	if res.Verdict() != "fail" {
		t.Fatalf("verdict %s, want fail (mismatches %v)", res.Verdict(), res.Mismatches)
	}
	p := b.Open(t, "file://"+res.Timeline, time.Minute)

	lanes := eval[[]string](t, p, `Array.from(document.querySelectorAll("#lanes text.title")).map(e => e.textContent)`)
	// Every SM-DP+ the scenario configures, in its order, one no card
	// reached saying so (outside tester sw127 F13).
	if want := []string{"world", "host", "modem", "card contacts", "card", "platform", "SM-DP+ orange-fr", "SM-DP+ sfr"}; !slices.Equal(lanes, want) {
		t.Errorf("lanes %q, want %q", lanes, want)
	}
	subs := eval[[]string](t, p, `Array.from(document.querySelectorAll("#lanes text.sub")).map(e => e.textContent)`)
	if want := []string{"nothing reached it", "ES9+"}; len(subs) < 2 || !slices.Equal(subs[len(subs)-2:], want) {
		t.Errorf("SM-DP+ lanes' second lines %q, want %q", subs, want)
	}
	if got := eval[string](t, p, `document.querySelector(".badge").textContent`); got != "fail" {
		t.Errorf("verdict badge %q", got)
	}
	if got := eval[string](t, p, `document.querySelector(".banner.mismatch").textContent`); !strings.Contains(got, "attempts") {
		t.Errorf("mismatch banner %q does not name the expectation", got)
	}
	if err := p.Screenshot(filepath.Join(screenshotDir(t), "timeline.png")); err != nil {
		t.Fatal(err)
	}
	// Known messages of every lane, found through the page's filter.
	for _, want := range []string{"POST /v1/preferred-list", "200 OK · [sfr]", "ES9+ initiateAuthentication", "tampered_bpp", "AT+CEREG=2", "TERMINAL PROFILE"} {
		setFilter(t, p, want)
		pollRows(t, p, func(labels []string) bool {
			for _, l := range labels {
				if strings.Contains(l, want) {
					return true
				}
			}
			return false
		})
	}
	setFilter(t, p, "")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		c := eval[string](t, p, `document.getElementById("count").textContent`)
		if f := strings.Fields(c); len(f) == 4 && f[0] == f[2] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("filter cleared, still %q", c)
		}
	}

	// The failure button opens the first failure's detail.
	if err := p.Run(20*time.Second, chromedp.Click(chromedp.ID("nextfail"))); err != nil {
		t.Fatal(err)
	}
	detail := eval[string](t, p, `document.getElementById("detail").hidden ? "" : document.getElementById("d-meta").textContent`)
	if !strings.Contains(detail, "FAILED") || !strings.Contains(detail, "events.jsonl:") {
		t.Errorf("detail after 'next failure': %q", detail)
	}
	if n := eval[int](t, p, `document.querySelectorAll("#rows g.row.failed").length`); n == 0 {
		t.Error("no failed row highlighted")
	}
	if err := p.Screenshot(filepath.Join(screenshotDir(t), "timeline-failure.png")); err != nil {
		t.Fatal(err)
	}
	// The filter finds the card's ES9+ call and only what matches.
	if err := p.Run(20*time.Second, chromedp.SendKeys(chromedp.ID("q"), "getBoundProfilePackage")); err != nil {
		t.Fatal(err)
	}
	pollRows(t, p, func(labels []string) bool {
		for _, l := range labels {
			if !strings.Contains(l, "getBoundProfilePackage") {
				return false
			}
		}
		return len(labels) > 0
	})
	checkClean(t, p, res.Timeline)
}

// setFilter puts text in the page's filter box as a person typing would
// (the page listens to input events).
func setFilter(t *testing.T, p *browsertest.Page, text string) {
	t.Helper()
	eval[bool](t, p, fmt.Sprintf(`(() => { const q = document.getElementById("q"); q.value = %q; q.dispatchEvent(new Event("input")); return true })()`, text))
}

// pollRows waits until the drawn rows' titles satisfy ok.
func pollRows(t *testing.T, p *browsertest.Page, ok func([]string) bool) []string {
	t.Helper()
	var labels []string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		labels = eval[[]string](t, p, `Array.from(document.querySelectorAll("#rows g.row > title")).map(e => e.textContent)`)
		if ok(labels) {
			return labels
		}
	}
	t.Fatalf("rows never settled: %q", labels)
	return nil
}

// A run of 10,000 events and 2,000 AT lines: the page loads without
// errors, draws only the rows in view, and reaches the last row.
func TestLargePageInChromium(t *testing.T) {
	b := browsertest.Start(t)
	dir := t.TempDir()
	const nEvents = 10000
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ev, at strings.Builder
	actors := []string{"euicc", "modem", "world", "platform", "smdp"}
	for i := range nEvents {
		ts := t0.Add(time.Duration(i) * 7 * time.Second).Format(time.RFC3339Nano)
		a := actors[i%len(actors)]
		fmt.Fprintf(&ev, `{"t":%q,"actor":%q,"event":"step","n":%d,"operator":"sfr","ok":%v}`+"\n", ts, a, i, i%97 != 0)
		if i%10 == 0 {
			fmt.Fprintf(&at, "%s > AT+CEREG?\n%s < +CEREG: 2,5,\"3a9b\",\"0000c33d\",7\n%s < OK\n", ts, ts, ts)
		}
	}
	fmt.Fprintf(&ev, `{"t":%q,"actor":"euicc","event":"the_very_last_event"}`+"\n", t0.Add(nEvents*7*time.Second).Format(time.RFC3339Nano))
	for name, text := range map[string]string{"events.jsonl": ev.String(), "at.log": at.String()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	page, err := timeline.Write(dir, timeline.Run{Name: "ten-thousand", Kind: "scenario", Verdict: "pass"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	p := b.Open(t, "file://"+page, 2*time.Minute)
	t.Logf("%d-row page ready in %v (wall, informative only)", eval[int](t, p, `document.querySelectorAll("#rows g.row").length`), time.Since(start))

	total := eval[string](t, p, `document.getElementById("count").textContent`)
	if want := fmt.Sprintf("%d of %d rows", nEvents+1+2*nEvents/10, nEvents+1+2*nEvents/10); total != want {
		t.Errorf("count %q, want %q", total, want)
	}
	// Virtualised: a screen of rows and a margin, not 13,000 of them.
	if n := eval[int](t, p, `document.querySelectorAll("#rows g").length`); n > 200 {
		t.Errorf("%d row elements in the DOM: the page draws every row", n)
	}
	eval[bool](t, p, `(document.getElementById("scroller").scrollTop = 1e9, true)`)
	pollRows(t, p, func(labels []string) bool { return slices.Contains(labels, "the_very_last_event") })
	if err := p.Screenshot(filepath.Join(screenshotDir(t), "timeline-10k.png")); err != nil {
		t.Fatal(err)
	}
	checkClean(t, p, page)
}

// A timeline of several pages: the pager names them and marks the ones
// with failures, and "failure ▶" past a page's last failure opens the
// next page that has one, with its first failure selected.
func TestPagedTimelineInChromium(t *testing.T) {
	b := browsertest.Start(t)
	dir := t.TempDir()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ev strings.Builder
	for i := range 130 {
		// One failure, row 108: on the third page of 50 rows.
		fmt.Fprintf(&ev, `{"t":%q,"actor":"euicc","event":"step","n":%d,"ok":%v}`+"\n",
			t0.Add(time.Duration(i)*time.Minute).Format(time.RFC3339Nano), i, i != 107)
	}
	if err := os.WriteFile(filepath.Join(dir, "events.jsonl"), []byte(ev.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	tl, err := timeline.Build(dir, timeline.Run{Name: "paged", Kind: "scenario", Verdict: "fail"})
	if err != nil {
		t.Fatal(err)
	}
	tl.PageRows = 50
	page, err := tl.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	p := b.Open(t, "file://"+page, time.Minute)
	if got := eval[string](t, p, `document.getElementById("pages").textContent.replace(/\s+/g, " ")`); !strings.Contains(got, "page 1 of 3") || !strings.Contains(got, "failures on 1 page(s)") {
		t.Errorf("pager %q", got)
	}
	if got := eval[[]string](t, p, `Array.from(document.querySelectorAll("#pages a.bad")).map(a => a.textContent)`); !slices.Equal(got, []string{"3"}) {
		t.Errorf("pages marked failed: %q, want [3]", got)
	}
	if got := eval[string](t, p, `document.getElementById("count").textContent`); got != "50 of 50 rows on this page" {
		t.Errorf("count %q", got)
	}
	if err := p.Run(20*time.Second, chromedp.Click(chromedp.ID("nextfail")),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="true"]`)), chromedp.WaitVisible(chromedp.ID("detail"))); err != nil {
		t.Fatal(err)
	}
	if got := eval[string](t, p, `location.pathname.split("/").pop() + location.hash`); got != "timeline-3.html#first-failure" {
		t.Errorf("after 'failure ▶' the page is %q", got)
	}
	if got := eval[string](t, p, `document.getElementById("d-label").textContent + " | " + document.getElementById("d-meta").textContent`); !strings.Contains(got, "n=107") || !strings.Contains(got, "FAILED") {
		t.Errorf("detail on the page with the failure: %q", got)
	}
	if errs := p.Errors(); len(errs) > 0 {
		t.Errorf("console errors:\n  %s", strings.Join(errs, "\n  "))
	}
	for _, u := range p.Requests() {
		if u != "file://"+page && u != "file://"+filepath.Join(dir, "timeline-3.html") {
			t.Errorf("the pages requested %s: they must fetch nothing but each other", u)
		}
	}
}

// An SM-DP+ lane of the longest operator id a scenario takes (32
// characters) keeps its title inside its own box, clipped with "…", and
// the whole title is the lane's tooltip; the other lanes' titles are whole.
func TestLongLaneTitlesClippedInChromium(t *testing.T) {
	b := browsertest.Start(t)
	src, err := os.ReadFile(filepath.Join(repoRoot(t), "fixtures", "scenarios", "roam-fr-download.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("s", 32)
	s, err := scenario.Parse("long-id.yaml", []byte(strings.ReplaceAll(string(src), "sfr", long)))
	if err != nil {
		t.Fatal(err)
	}
	res := harness.RunScenario(s, harness.Options{Dir: t.TempDir(), Capture: capture.Tap})
	if res.Err != nil || res.TimelineErr != nil {
		t.Fatalf("run: %v, timeline: %v", res.Err, res.TimelineErr)
	}
	p := b.Open(t, "file://"+res.Timeline, time.Minute)
	checkClean(t, p, res.Timeline)
	type lane struct {
		Text, Tip           string
		TextLeft, TextRight float64
		BoxLeft, BoxRight   float64
	}
	lanes := eval[[]lane](t, p, `Array.from(document.querySelectorAll("#lanes text.title")).map(e => {
		const t = e.getBBox(), r = e.parentNode.querySelector("rect").getBBox();
		return {Text: e.textContent, Tip: e.parentNode.querySelector("title").textContent,
			TextLeft: t.x, TextRight: t.x + t.width, BoxLeft: r.x, BoxRight: r.x + r.width};
	})`)
	found := false
	for _, l := range lanes {
		if l.TextLeft < l.BoxLeft || l.TextRight > l.BoxRight {
			t.Errorf("lane title %q spans %.0f–%.0f, its box %.0f–%.0f", l.Text, l.TextLeft, l.TextRight, l.BoxLeft, l.BoxRight)
		}
		if strings.HasPrefix(l.Tip, "SM-DP+ "+long) {
			found = true
			if !strings.HasSuffix(l.Text, "…") {
				t.Errorf("long title shown whole: %q", l.Text)
			}
		} else if !strings.HasPrefix(l.Tip, l.Text) {
			t.Errorf("title %q clipped (tooltip %q)", l.Text, l.Tip)
		}
	}
	if !found {
		t.Errorf("no SM-DP+ lane of the long id among %+v", lanes)
	}
}

// "failure ▶" and "◀ failure" (and n/p) from the top of a page with
// nothing selected reach a failure on the page's first row, filtered to
// failures only or not (outside tester sw127 F1: the search began at row
// 1 going forward and at row -1 going back, so a page whose only failure
// was row 0 showed nothing).
func TestFailureButtonsReachFirstRowInChromium(t *testing.T) {
	b := browsertest.Start(t)
	dir := t.TempDir()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ev strings.Builder
	for i := range 240 {
		// Failures on rows 0 and 200, a few screens below.
		fmt.Fprintf(&ev, `{"t":%q,"actor":"euicc","event":"step","n":%d,"ok":%v}`+"\n",
			t0.Add(time.Duration(i)*time.Second).Format(time.RFC3339Nano), i, i != 0 && i != 200)
	}
	if err := os.WriteFile(filepath.Join(dir, "events.jsonl"), []byte(ev.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	page, err := timeline.Write(dir, timeline.Run{Name: "first-row", Kind: "scenario", Verdict: "fail"})
	if err != nil {
		t.Fatal(err)
	}
	// selected names the selected row by its n, or "none".
	const selected = `(document.getElementById("detail").hidden ? "none" : (document.getElementById("d-label").textContent.match(/n=(\d+)/) || ["", "?"])[1])`
	for _, tc := range []struct {
		name     string
		failOnly bool
		press    []string // button ids or keys, in order
		want     []string // the selection after each
	}{
		{"next", false, []string{"nextfail", "nextfail", "nextfail"}, []string{"0", "200", "200"}},
		{"next, failures only", true, []string{"nextfail", "nextfail"}, []string{"0", "200"}},
		{"prev from the top", false, []string{"prevfail", "prevfail"}, []string{"0", "0"}},
		// Both failures in view: going back starts from the view's bottom.
		{"prev, failures only", true, []string{"prevfail", "nextfail", "prevfail"}, []string{"200", "200", "0"}},
		{"keys", true, []string{"n", "n", "p"}, []string{"0", "200", "0"}},
		// Any row by keyboard: j/k, or the arrows on the focused diagram
		// (rows are drawn, not focusable; outside tester t229).
		{"rows by keys", false, []string{"j", "j", "k", "n", "j"}, []string{"0", "1", "0", "200", "201"}},
		{"rows by arrows", false, []string{"diagram ArrowDown", "diagram ArrowDown", "diagram ArrowUp"}, []string{"0", "1", "0"}},
		{"arrows elsewhere scroll", false, []string{"ArrowDown"}, []string{"none"}},
		// Ctrl+P is the browser's print, Ctrl+N its new window.
		{"with ctrl", false, []string{"ctrl n", "ctrl p", "ctrl j"}, []string{"none", "none", "none"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := b.Open(t, "file://"+page, time.Minute)
			if tc.failOnly {
				got := eval[string](t, p, `(() => { const f = document.getElementById("failonly"); f.checked = true; f.dispatchEvent(new Event("change")); return document.getElementById("count").textContent })()`)
				if got != "2 of 240 rows" {
					t.Fatalf("failures only: count %q", got)
				}
			}
			for i, press := range tc.press {
				js := fmt.Sprintf(`document.getElementById(%q).click()`, press)
				if on, key, ok := strings.Cut(press, " "); ok && on == "diagram" {
					js = fmt.Sprintf(`(document.getElementById("scroller").focus(), document.activeElement.dispatchEvent(new KeyboardEvent("keydown", {key: %q, bubbles: true})))`, key)
				} else if ok && on == "ctrl" {
					js = fmt.Sprintf(`document.dispatchEvent(new KeyboardEvent("keydown", {key: %q, ctrlKey: true}))`, key)
				} else if len(press) == 1 || strings.HasPrefix(press, "Arrow") {
					js = fmt.Sprintf(`document.dispatchEvent(new KeyboardEvent("keydown", {key: %q}))`, press)
				}
				if got := eval[string](t, p, "("+js+", "+selected+")"); got != tc.want[i] {
					t.Errorf("after %q: selected %s, want %s", tc.press[:i+1], got, tc.want[i])
				}
			}
			checkClean(t, p, page)
		})
	}
}

// Refiltering while scrolled down keeps the view on the rows that remain,
// and the filter carries to the page "failure ▶" opens (outside tester
// sw130 N3: ticking "failures only" at the bottom of a long page drew no
// row, and n then skipped the page's failures for the next page).
func TestRefilterScrolledDownInChromium(t *testing.T) {
	b := browsertest.Start(t)
	dir := t.TempDir()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ev strings.Builder
	for i := range 3000 {
		// Page 1 (rows 0–1499): failures 3, 8, … 498 (several screens of
		// them) and 1400; page 2: 1600.
		fail := i < 500 && i%5 == 3 || i == 1400 || i == 1600
		fmt.Fprintf(&ev, `{"t":%q,"actor":"euicc","event":"step","n":%d,"ok":%v}`+"\n",
			t0.Add(time.Duration(i)*time.Second).Format(time.RFC3339Nano), i, !fail)
	}
	if err := os.WriteFile(filepath.Join(dir, "events.jsonl"), []byte(ev.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	tl, err := timeline.Build(dir, timeline.Run{Name: "refilter", Kind: "scenario", Verdict: "fail"})
	if err != nil {
		t.Fatal(err)
	}
	tl.PageRows = 1500
	page, err := tl.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	const (
		selected = `(document.getElementById("detail").hidden ? "none" : (document.getElementById("d-label").textContent.match(/n=(\d+)/) || ["", "?"])[1])`
		failOnly = `(() => { const f = document.getElementById("failonly"); f.checked = true; f.dispatchEvent(new Event("change")); return true })()`
		// inView lists the n of each drawn row inside the scroller's box.
		inView = `(() => { const b = document.getElementById("scroller").getBoundingClientRect();
			return Array.from(document.querySelectorAll("#rows g.row")).filter(g => { const r = g.getBoundingClientRect(); return r.bottom > b.top && r.top < b.bottom })
				.map(g => (g.querySelector("title").textContent.match(/n=(\d+)/) || ["", "?"])[1]) })()`
	)
	// toBottom scrolls to the page's last row and waits until it is drawn.
	toBottom := func(p *browsertest.Page) {
		eval[bool](t, p, `(document.getElementById("scroller").scrollTop = 1e9, true)`)
		pollRows(t, p, func(labels []string) bool {
			return slices.ContainsFunc(labels, func(l string) bool { return strings.Contains(l, "n=1499") })
		})
	}
	press := func(p *browsertest.Page, key string) string {
		return eval[string](t, p, fmt.Sprintf(`(document.dispatchEvent(new KeyboardEvent("keydown", {key: %q})), location.pathname.split("/").pop() + " " + %s)`, key, selected))
	}

	t.Run("failures only at the bottom", func(t *testing.T) {
		p := b.Open(t, "file://"+page, time.Minute)
		toBottom(p)
		// Ticked and n pressed in one go: what the page drew and chose at
		// once, before any later frame could correct it.
		first := eval[struct {
			View []string
			Sel  string
		}](t, p, `(() => { `+failOnly+`; const v = `+inView+`; document.dispatchEvent(new KeyboardEvent("keydown", {key: "n"}));
			return {View: v, Sel: location.pathname.split("/").pop() + " " + `+selected+`} })()`)
		// The view stays at the end, on the page's last failures, and n
		// takes the first of them.
		v := first.View
		if len(v) < 2 || v[len(v)-1] != "1400" {
			t.Fatalf("rows in view after 'failures only' %q, want the page's last failures", v)
		}
		if first.Sel != "timeline.html "+v[0] {
			t.Fatalf("n after 'failures only': %q, want this page's %s", first.Sel, v[0])
		}
		for _, want := range v[1:] {
			if got := press(p, "n"); got != "timeline.html "+want {
				t.Fatalf("n: %q, want %s: the page's failures in view, in order", got, want)
			}
		}
		// Past the page's last failure: the next page, filtered the same.
		press(p, "n")
		if err := p.Run(20*time.Second, chromedp.WaitVisible(chromedp.CSS(`body[data-ready="true"]`)), chromedp.WaitVisible(chromedp.ID("detail"))); err != nil {
			t.Fatal(err)
		}
		got := eval[string](t, p, `location.pathname.split("/").pop() + location.hash + " " + document.getElementById("failonly").checked + " " + document.getElementById("count").textContent + " " + `+selected)
		if want := "timeline-2.html#first-failure&failonly true 1 of 1500 rows on this page 1600"; got != want {
			t.Errorf("next page: %q, want %q", got, want)
		}
	})
	t.Run("search keeps the selected row in view", func(t *testing.T) {
		p := b.Open(t, "file://"+page, time.Minute)
		toBottom(p)
		if got := press(p, "p"); got != "timeline.html 1400" {
			t.Fatalf("p from the bottom: %q", got)
		}
		// "n=1" keeps 1, 10–19, 100–199, 1000–1499: 1400 moves up ~900 rows.
		// The search box refilters 120 ms after typing stops: wait for the
		// count, then look at once (the debounce's own frame drew it).
		setFilter(t, p, "n=1")
		var view []string
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			r := eval[struct {
				Count string
				View  []string
			}](t, p, `({Count: document.getElementById("count").textContent, View: `+inView+`})`)
			if strings.HasPrefix(r.Count, "611 of") {
				view = r.View
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("filter not applied: %q", r.Count)
			}
		}
		if got := view; !slices.Contains(got, "1400") {
			t.Errorf("rows in view after the search %q: the selected row 1400 is not among them", got)
		}
		// The pager's links carry the search to the page they open.
		if got := eval[string](t, p, `document.querySelector('#pages a[rel="next"]').getAttribute("href")`); got != "timeline-2.html#q=n%3D1" {
			t.Errorf("next page link %q", got)
		}
	})
}

// A field replay's page, as a replay spec keeps it (framework.KeepOwnRun):
// its run drawn from the replay's own artifacts (host.log beside at.log,
// no rig to hand the decoded capture over), with no console error.
func TestReplayPageInChromium(t *testing.T) {
	b := browsertest.Start(t)
	res, err := replay.Run(filepath.Join(repoRoot(t), "fixtures", "field", "eg25-echo-runs-on"), replay.Options{Dir: t.TempDir()})
	if err != nil || !res.OK {
		t.Fatalf("replay: %v (%v)", err, res)
	}
	page, err := timeline.Write(res.Dir, timeline.Run{Name: "Field failures replays as its manifest expects: eg25-echo-runs-on", Kind: "spec",
		Seed: res.Seed, Personality: res.Personality, Simulated: res.Simulated, Verdict: "pass"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	p := b.Open(t, "file://"+page, time.Minute)
	if got := eval[string](t, p, `document.querySelector(".badge").textContent`); got != "pass" {
		t.Errorf("verdict badge %q", got)
	}
	for _, want := range []string{"AT+CIMI", "run_started"} {
		setFilter(t, p, want)
		pollRows(t, p, func(labels []string) bool { return len(labels) > 0 })
	}
	checkClean(t, p, page)
	t.Logf("opened and filtered in %v", time.Since(start))
}

// The page with scripts off, in Chromium: the note is in view under the
// header's evidence, where the diagram would be; no toolbar, no empty
// diagram area (it sat at the bottom under one, the toolbar doing
// nothing). With scripts on the toolbar shows and the note does not.
func TestPageWithoutScriptsInChromium(t *testing.T) {
	b := browsertest.Start(t)
	res, err := replay.Run(filepath.Join(repoRoot(t), "fixtures", "field", "eg25-echo-runs-on"), replay.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	page, err := timeline.Write(res.Dir, timeline.Run{Name: "replay", Kind: "spec", Seed: res.Seed, Simulated: res.Simulated, Verdict: "pass"})
	if err != nil {
		t.Fatal(err)
	}
	const shown = `(s => { const e = document.querySelector(s); return !!e && e.getClientRects().length > 0 })`
	off := b.OpenNoScript(t, "file://"+page, time.Minute)
	if eval[bool](t, off, `document.body.dataset.ready === "true"`) {
		t.Fatal("the page's script ran: scripts are not off")
	}
	for sel, want := range map[string]bool{"#noscript": true, ".toolbar": false, "#lanes": false, "#scroller": false, "nav.artifacts": true} {
		if got := eval[bool](t, off, shown+`(`+fmt.Sprintf("%q", sel)+`)`); got != want {
			t.Errorf("scripts off: %s shown %v, want %v", sel, got, want)
		}
	}
	if !eval[bool](t, off, `(r => r.top >= 0 && r.bottom <= innerHeight)(document.querySelector("#noscript").getBoundingClientRect())`) {
		t.Errorf("scripts off: the note is out of view")
	}
	checkClean(t, off, page)
	on := b.Open(t, "file://"+page, time.Minute)
	for sel, want := range map[string]bool{"#noscript": false, ".toolbar": true, "#lanes": true, "#scroller": true} {
		if got := eval[bool](t, on, shown+`(`+fmt.Sprintf("%q", sel)+`)`); got != want {
			t.Errorf("scripts on: %s shown %v, want %v", sel, got, want)
		}
	}
	checkClean(t, on, page)
}
