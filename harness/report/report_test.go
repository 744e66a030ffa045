package report

import (
	"encoding/json"
	"encoding/xml"
	"html"
	"html/template"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/esimhil/esimhil/harness/owed"
	"github.com/esimhil/esimhil/internal/browsertest"
)

// ginkgoReport writes a JSON report as `ginkgo --json-report` does, with a
// passing spec that kept its artifacts and a failing one.
func ginkgoReport(t *testing.T, dir string) {
	t.Helper()
	entry := func(name string, v any) types.ReportEntry {
		return types.ReportEntry{Name: name, Value: types.WrapEntryValue(v)}
	}
	rep := types.Report{
		SuiteDescription: "esimhil emulated rig",
		SuiteConfig:      types.SuiteConfig{RandomSeed: 42},
		SpecReports: types.SpecReports{
			{LeafNodeType: types.NodeTypeIt, LeafNodeText: "switches", ContainerHierarchyTexts: []string{"roaming"},
				State: types.SpecStatePassed, RunTime: 120 * time.Millisecond,
				ReportEntries: types.ReportEntries{
					entry(EntrySeed, int64(42)), entry(EntryArtifacts, filepath.Join(dir, "specs", "roaming-switches")),
					entry(EntryTimeline, filepath.Join(dir, "specs", "roaming-switches", "timeline.html")),
					entry(EntrySimulated, "2h0m0s"),
				}},
			{LeafNodeType: types.NodeTypeIt, LeafNodeText: "falls back", ContainerHierarchyTexts: []string{"roaming"},
				State: types.SpecStateFailed, RunTime: 80 * time.Millisecond,
				Failure: types.Failure{Message: "Expected\n    <string>: sfr\nto equal\n    <string>: orange-fr"},
				ReportEntries: types.ReportEntries{entry(EntrySeed, int64(42)),
					entry(EntryArtifacts, filepath.Join(dir, "specs", "roaming-falls-back")),
					entry(EntryTimeline, filepath.Join(dir, "specs", "roaming-falls-back", "timeline.html"))}},
			{LeafNodeType: types.NodeTypeBeforeSuite, State: types.SpecStatePassed},
		},
	}
	b, err := json.Marshal([]types.Report{rep})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	writePages(t, filepath.Join(dir, "specs", "roaming-switches"), filepath.Join(dir, "specs", "roaming-falls-back"))
}

// writePages puts a page in each run directory: the index links only
// pages that exist.
func writePages(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "timeline.html"), []byte("<!DOCTYPE html>\n<html></html>\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestGatherAndIndex(t *testing.T) {
	out := t.TempDir()
	ginkgoReport(t, out)
	// A name of the most characters a scenario's takes (100), as its
	// directory's: the page must not grow wider than the window for it.
	long := "roam-fr-download-" + strings.Repeat("x", 83)
	scen := []Entry{{Kind: "scenario", Name: long, Verdict: "pass", Seed: new(int64(1)), Simulated: 2 * time.Hour,
		Wall: 35 * time.Millisecond, Dir: filepath.Join(out, "scenarios", long),
		Timeline: filepath.Join(out, "scenarios", long, "timeline.html")}}
	if err := WriteScenarios(filepath.Join(out, "scenarios", ScenariosFile), scen); err != nil {
		t.Fatal(err)
	}
	writePages(t, scen[0].Dir)
	entries, notes, err := Gather(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 0 {
		t.Errorf("notes: %q", notes)
	}
	if len(entries) != 3 {
		t.Fatalf("%d entries, want 2 specs (the BeforeSuite is no spec) and 1 scenario: %+v", len(entries), entries)
	}
	if e := entries[0]; e.Name != "roaming switches" || e.Verdict != "pass" || e.Seed == nil || *e.Seed != 42 || e.Simulated != 2*time.Hour ||
		!strings.HasSuffix(e.Timeline, "roaming-switches/timeline.html") {
		t.Errorf("spec entry %+v", e)
	}
	if e := entries[1]; e.Verdict != "fail" || !strings.Contains(e.Message, "orange-fr") {
		t.Errorf("failed spec entry %+v", e)
	}
	page, err := WriteIndex(out, entries, notes)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(page)
	html := string(b)
	for _, want := range []string{
		`href="specs/roaming-switches/timeline.html"`, `href="scenarios/` + long + `/timeline.html"`,
		"2 of 3 passed", "1 failed", ">42<", "2h0m0s",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("index lacks %q", want)
		}
	}
	// Failures come first.
	if strings.Index(html, "falls back") > strings.Index(html, "roaming switches") {
		t.Error("the failed spec is not listed first")
	}

	// In a browser: no errors, no fetches, links where they should be.
	br := browsertest.Start(t)
	p := br.Open(t, "file://"+page, time.Minute)
	links, err := browsertest.Eval[[]string](p, `Array.from(document.querySelectorAll("a")).map(a => a.getAttribute("href"))`)
	if err != nil {
		t.Fatal(err)
	}
	if len(links) != 6 {
		t.Errorf("links %q, want a timeline and an artifacts link per run", links)
	}
	if errs := p.Errors(); len(errs) > 0 {
		t.Errorf("console errors: %q", errs)
	}
	if reqs := p.Requests(); len(reqs) != 1 {
		t.Errorf("requests %q: the index fetches nothing", reqs)
	}
	if w, err := browsertest.Eval[[]int](p, `[document.documentElement.scrollWidth, window.innerWidth]`); err != nil || w[0] > w[1] {
		t.Errorf("the page is %v px wide for a window of %v (%v): a long name widened it", w[0], w[1], err)
	}
}

func TestGatherSaysWhatIsMissing(t *testing.T) {
	entries, notes, err := Gather(t.TempDir())
	if err != nil || len(entries) != 0 {
		t.Fatalf("entries %v, err %v", entries, err)
	}
	if len(notes) != 2 || !strings.Contains(notes[0], "report.json") || !strings.Contains(notes[1], "results.json") {
		t.Errorf("notes %q", notes)
	}
}

// The directory `esimhil run --out` wrote holds results.json and no
// suite: nothing is missing there, so no note says the suite did not run.
func TestGatherOfEsimhilRunsOut(t *testing.T) {
	out := t.TempDir()
	if err := os.WriteFile(filepath.Join(out, ScenariosFile), []byte(`[]`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, notes, err := Gather(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range notes {
		if strings.Contains(n, "report.json") {
			t.Errorf("note %q for esimhil run's own --out", n)
		}
	}
}

// make lab's directory holds the lab's specs and no scenarios, and the
// index does not say it lacks them; make run's does, when they are missing.
func TestGatherOfALabRun(t *testing.T) {
	for _, tc := range []struct {
		filter string
		note   bool
	}{{"env:lab", false}, {"!env:lab", true}} {
		out := t.TempDir()
		b, err := json.Marshal([]types.Report{{SuiteConfig: types.SuiteConfig{LabelFilter: tc.filter}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, "report.json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		_, notes, err := Gather(out)
		if err != nil {
			t.Fatal(err)
		}
		said := strings.Contains(strings.Join(notes, "\n"), "no scenario results")
		if said != tc.note {
			t.Errorf("label filter %q: notes %q", tc.filter, notes)
		}
	}
}

// The index tells failures from errors, as JUnit does.
func TestIndexCountsErrorsApart(t *testing.T) {
	b, err := Index(t.TempDir(), []Entry{
		{Kind: "scenario", Name: "a", Verdict: "fail"},
		{Kind: "scenario", Name: "b", Verdict: "error"},
		{Kind: "scenario", Name: "c", Verdict: "pass"},
	}, nil, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "1 failed</b> · <b style=\"color:#dc2626\">1 error</b>") {
		t.Errorf("index headline: %s", regexp.MustCompile(`<p class="meta">.*</p>`).Find(b))
	}
}

// A suite killed before it wrote report.json: the index lists the kept
// spec directories, from their spec.json, and the one stopped in the
// middle as not finished.
func TestGatherWithoutTheSuitesReport(t *testing.T) {
	out := t.TempDir()
	write := func(rel, text string) {
		t.Helper()
		p := filepath.Join(out, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	done := Entry{Kind: "spec", Name: "roaming switches", Verdict: "fail", Seed: new(int64(7)), Simulated: time.Hour, Wall: time.Second,
		Dir: filepath.Join(out, "specs", "roaming-switches"), Timeline: filepath.Join(out, "specs", "roaming-switches", "timeline.html"),
		Message: "Expected sfr"}
	b, _ := json.Marshal(done)
	write("specs/roaming-switches/"+SpecFile, string(b))
	write("specs/roaming-switches/timeline.html", "<!DOCTYPE html>")
	write("specs/roaming-falls-back/events.jsonl", "{}\n")
	write("specs/roaming-falls-back/INCOMPLETE", "the rig was not closed (killed?)\n")
	write("specs/not-a-dir.txt", "x")
	entries, notes, err := Gather(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("entries %+v", entries)
	}
	if entries[0].Name != "roaming-falls-back" || entries[0].Verdict != "error" ||
		entries[0].Message != "did not finish: the suite stopped during this spec (the rig was not closed (killed?))" || entries[0].Timeline != "" {
		t.Errorf("unfinished spec %+v", entries[0])
	}
	if !reflect.DeepEqual(entries[1], done) {
		t.Errorf("finished spec %+v, want %+v", entries[1], done)
	}
	if len(notes) < 1 || !strings.Contains(notes[0], "the suite did not finish") || !strings.Contains(notes[0], "2 spec directories") ||
		!strings.Contains(notes[0], "1 without one") {
		t.Errorf("notes %q", notes)
	}
}

func TestJUnitCarriesSeedAndArtifacts(t *testing.T) {
	b, err := JUnit("esimhil scenarios", "", []Entry{
		{Kind: "scenario", Name: "a", Verdict: "pass", Seed: new(int64(7)), Dir: "out/scenarios/a", Timeline: "out/scenarios/a/timeline.html", Wall: time.Second, Capture: "live",
			OpenCycle: "the run ended inside a cycle the card started at 1h55m0s (trigger list) and had not ended: the end state was read mid-switch"},
		{Kind: "scenario", Name: "b", Verdict: "fail", Seed: new(int64(8)), Message: "attempts: got [], want [sfr]\nmore"},
		{Kind: "scenario", Name: "c.yaml", Verdict: "error", Message: "c.yaml:3:3: network.cells: required field missing"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(b, &got); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if got.Tests != 3 || got.Failures != 1 || got.Errors != 1 {
		t.Errorf("totals %d/%d/%d", got.Tests, got.Failures, got.Errors)
	}
	props := map[string]string{}
	for _, p := range got.Suites[0].Cases[0].Properties.Properties {
		props[p.Name] = p.Value
	}
	if props["seed"] != "7" || props["artifacts"] != "out/scenarios/a" || props["timeline"] != "out/scenarios/a/timeline.html" || props["capture"] != "live" ||
		!strings.HasPrefix(props[EntryOpenCycle], "the run ended inside a cycle") {
		t.Errorf("properties %v", props)
	}
	if f := got.Suites[0].Cases[1].Failure; f == nil || f.Message != "attempts: got [], want [sfr] (and 1 more)" {
		t.Errorf("failure %+v", f)
	}
	if p := got.Suites[0].Cases[2].Properties; p != nil {
		t.Errorf("a scenario that never loaded has properties %+v (a seed it never had; an empty element no XSD allows)", p)
	}
	if strings.Contains(string(b), "<properties></properties>") {
		t.Errorf("an empty <properties> element:\n%s", b)
	}
	if tm := got.Suites[0].Cases[2].Time; tm != nil {
		t.Errorf("a scenario that never loaded has a time (%v): nothing was measured", *tm)
	}
	if got.Time == nil {
		t.Error("no suite time: a scenario that never ran leaves nothing unmeasured")
	}
	x := string(b)
	caseB := x[strings.Index(x, `name="b"`):]
	if !strings.Contains(x, `time="1.000"`) || strings.Index(caseB, "<properties>") > strings.Index(caseB, "<failure") {
		t.Errorf("times to the millisecond, properties before the failure:\n%s", x)
	}
}

// Scenario results store their artifact paths relative to the results
// file, so an index built from another working directory, or from a copy
// of the output directory, links to the copy's own pages.
func TestScenarioPathsFollowTheirDirectory(t *testing.T) {
	tmp := t.TempDir()
	out := filepath.Join(tmp, "out")
	dir := filepath.Join(out, "scenarios", "roam")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	es := []Entry{
		{Kind: "scenario", Name: "roam", Verdict: "pass", Dir: dir, Timeline: filepath.Join(dir, "timeline.html")},
		{Kind: "scenario", Name: "elsewhere", Verdict: "pass", Dir: "/var/tmp/elsewhere"},
	}
	if err := WriteScenarios(filepath.Join(out, "scenarios", ScenariosFile), es); err != nil {
		t.Fatal(err)
	}
	moved := filepath.Join(tmp, "moved")
	if err := os.Rename(out, moved); err != nil {
		t.Fatal(err)
	}
	got, err := ReadScenarios(filepath.Join(moved, "scenarios", ScenariosFile))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(moved, "scenarios", "roam"); got[0].Dir != want || got[0].Timeline != filepath.Join(want, "timeline.html") {
		t.Errorf("moved entry: %q %q, want under %q", got[0].Dir, got[0].Timeline, want)
	}
	if got[1].Dir != "/var/tmp/elsewhere" {
		t.Errorf("an entry outside the directory: %q", got[1].Dir)
	}
	b, err := Index(moved, got, nil, time.Unix(0, 0))
	if err != nil || !strings.Contains(string(b), `href="scenarios/roam/timeline.html"`) {
		t.Errorf("index of the moved directory does not link its own page (%v)", err)
	}
}

// A suite's out/ moved or copied elsewhere (a CI artifact downloaded)
// reports from the copy: its specs' records are read where they are now,
// whether the suite's report (report.json, absolute paths of where the
// specs ran) or their spec.json (relative, or absolute as an older
// esimhil wrote them) names them, and the index links the copy's own
// pages without a note — even while the original is still there.
func TestCopiedOutReports(t *testing.T) {
	for _, tc := range []struct {
		name      string
		suite     bool // report.json written (else only the specs' spec.json)
		oldSpecs  bool // spec.json with absolute paths, as an older esimhil wrote
		keepFirst bool // the original stays where it was (a copy, not a move)
	}{
		{"moved, with the suite's report", true, false, false},
		{"copied, with the suite's report", true, false, true},
		{"moved, spec.json only", false, false, false},
		{"copied, spec.json only", false, false, true},
		{"moved, older absolute spec.json", false, true, false},
		{"copied, older absolute spec.json", false, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			out := filepath.Join(tmp, "repo", "out")
			if err := os.MkdirAll(out, 0o755); err != nil {
				t.Fatal(err)
			}
			ginkgoReport(t, out) // the specs' directories and pages too
			if !tc.suite {
				os.Remove(filepath.Join(out, "report.json"))
			}
			for _, name := range []string{"roaming-switches", "roaming-falls-back"} {
				dir := filepath.Join(out, "specs", name)
				e := Entry{Kind: "spec", Name: "roaming " + strings.ReplaceAll(strings.TrimPrefix(name, "roaming-"), "-", " "), Verdict: "pass",
					Seed: new(int64(42)), Simulated: time.Hour, Wall: time.Second, Dir: dir, Timeline: filepath.Join(dir, "timeline.html")}
				if tc.oldSpecs {
					b, _ := json.Marshal(e)
					if err := os.WriteFile(filepath.Join(dir, SpecFile), b, 0o644); err != nil {
						t.Fatal(err)
					}
				} else if err := WriteSpecFile(dir, e); err != nil {
					t.Fatal(err)
				}
			}
			scen := filepath.Join(out, "scenarios", "roam")
			writePages(t, scen)
			if err := WriteScenarios(filepath.Join(out, "scenarios", ScenariosFile), []Entry{{Kind: "scenario", Name: "roam", Verdict: "pass",
				Seed: new(int64(1)), Dir: scen, Timeline: filepath.Join(scen, "timeline.html")}}); err != nil {
				t.Fatal(err)
			}
			copied := filepath.Join(tmp, "work", "outcopy")
			if err := os.MkdirAll(filepath.Dir(copied), 0o755); err != nil {
				t.Fatal(err)
			}
			var err error
			if tc.keepFirst {
				err = exec.Command("cp", "-a", out, copied).Run()
			} else {
				err = os.Rename(out, copied)
			}
			if err != nil {
				t.Fatal(err)
			}
			entries, notes, err := Gather(copied)
			if err != nil {
				t.Fatal(err)
			}
			wantNotes := 0
			if !tc.suite {
				wantNotes = 1 // no report.json: listed from the specs' spec.json
			}
			if len(notes) != wantNotes {
				t.Errorf("notes %q", notes)
			}
			if len(entries) != 3 {
				t.Fatalf("entries %+v", entries)
			}
			for _, e := range entries {
				if !strings.HasPrefix(e.Dir, copied+string(filepath.Separator)) || e.Timeline != filepath.Join(e.Dir, "timeline.html") {
					t.Errorf("%s: dir %q, page %q: not the copy's", e.Name, e.Dir, e.Timeline)
				}
			}
			b, err := Index(copied, entries, notes, time.Unix(0, 0))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{`href="specs/roaming-switches/timeline.html"`, `href="specs/roaming-falls-back/timeline.html"`, `href="scenarios/roam/timeline.html"`} {
				if !strings.Contains(string(b), want) {
					t.Errorf("the copy's index lacks %s", want)
				}
			}
			if strings.Contains(string(b), "repo/out") {
				t.Errorf("the copy's index links the original:\n%s", b)
			}
		})
	}
}

// The index lists every failed expectation of an entry, up to five, then
// says how many more its page has.
func TestIndexListsTheFailedExpectations(t *testing.T) {
	msg := "attempts: got [sfr], want [orange-fr]\nlist_requests: got 1, want 2"
	b, err := Index(t.TempDir(), []Entry{{Kind: "scenario", Name: "s", Verdict: "fail", Message: msg}}, nil, time.Unix(0, 0))
	if err != nil || !strings.Contains(string(b), "want [orange-fr]\nlist_requests: got 1, want 2") {
		t.Errorf("index lacks the second expectation (%v)", err)
	}
	// A bidi override in a name or message is shown, not obeyed.
	b, err = Index(t.TempDir(), []Entry{{Kind: "scenario", Name: "\u202eLMTH.yaml", Verdict: "fail", Message: "attempts: got [sfr\u202e], want [orange-fr]"}}, nil, time.Unix(0, 0))
	if err != nil || strings.ContainsRune(string(b), '\u202e') || !strings.Contains(string(b), `got [sfr\u202e], want [orange-fr]`) || !strings.Contains(string(b), `\u202eLMTH.yaml`) {
		t.Errorf("index obeys or loses a bidi override (%v)", err)
	}
}

// A failure message is cut to its first lines only where a timeline page
// has the rest; a run without one shows it whole (up to a bound), never
// pointing to a page that does not exist (outside tester sw127 F2).
func TestIndexMessageWholeWithoutAPage(t *testing.T) {
	gomega := "Expected\n    <[]string | len:2, cap:2>: [\n        \"notifications: …\",\n        \"final: …\",\n    ]\nto be empty"
	long := strings.TrimSuffix(strings.Repeat("x\n", indexWholeLines+3), "\n")
	for _, tc := range []struct {
		name, msg, page string
		want            string // in the index
		not             string // not in it
	}{
		{"page-less spec: whole", gomega, "", "    ]\nto be empty</", "on its page"},
		{"with a page: first lines", gomega, "timeline.html", "… and 1 more (on its page)", "to be empty"},
		{"page-less, over the bound", long, "", "x\n… and 3 more (in junit.xml)", "on its page"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			e := Entry{Kind: "spec", Name: "s", Verdict: "fail", Message: tc.msg}
			if tc.page != "" {
				e.Timeline, e.Dir = filepath.Join(dir, "s", tc.page), filepath.Join(dir, "s")
			}
			b, err := Index(dir, []Entry{e}, nil, time.Unix(0, 0))
			if err != nil {
				t.Fatal(err)
			}
			html := strings.ReplaceAll(string(b), "&#34;", `"`)
			if !strings.Contains(html, tc.want) {
				t.Errorf("index lacks %q:\n%s", tc.want, html)
			}
			if strings.Contains(html, tc.not) {
				t.Errorf("index holds %q", tc.not)
			}
		})
	}
}

// An entry recorded before its run ended is described by what its
// directory holds now: the page written since, the seed and reach of its
// events, and a simulation that finished after all is said to disagree
// with the record, not silently taken for either.
func TestReconcileWithTheDirectory(t *testing.T) {
	const (
		started  = `{"t":"2026-01-01T00:00:00Z","actor":"harness","event":"run_started","seed":0}` + "\n"
		later    = `{"t":"2026-01-02T15:44:00Z","actor":"card","event":"check"}` + "\n"
		stopped  = `{"t":"2026-01-02T15:44:00Z","actor":"harness","event":"run_incomplete","reason":"stopped"}` + "\n"
		pending  = "page pending: run finished and its artifacts closed\n"
		killed   = "run not finished: started by process 1\n"
		reached  = 39*time.Hour + 44*time.Minute
		disagree = "its directory says the simulation finished"
	)
	for _, tc := range []struct {
		name             string
		events, marker   string
		page, unfinished bool
		wantSim          time.Duration
		wantDisagree     bool
	}{
		{name: "killed mid-run", events: started + later, marker: killed, page: true, unfinished: true, wantSim: reached},
		{name: "killed, no page yet", events: started + later, marker: killed, unfinished: true, wantSim: reached},
		{name: "page pending", events: started + later, marker: pending, unfinished: true, wantSim: reached, wantDisagree: true},
		{name: "page rebuilt, marker gone", events: started + later, page: true, unfinished: true, wantSim: reached, wantDisagree: true},
		{name: "stopped by a signal", events: started + stopped, marker: "stopped", unfinished: true, wantSim: reached},
		{name: "last line cut", events: started + later + `{"t":"2026-01-0`, unfinished: true, wantSim: reached},
		{name: "finished, page written later", events: started + later, page: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			files := map[string]string{"events.jsonl": tc.events}
			if tc.marker != "" {
				files["INCOMPLETE"] = tc.marker
			}
			if tc.page {
				files["timeline.html"] = "<!DOCTYPE html>"
			}
			for name, text := range files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			e := Entry{Kind: "scenario", Name: "long", Verdict: "error", Dir: dir, Unfinished: tc.unfinished, Message: "not finished"}
			if !tc.unfinished {
				e.Digests = Digests(dir) // a finished run's record holds them
			}
			notes := Reconcile(&e)
			if got := e.Timeline != ""; got != tc.page {
				t.Errorf("page linked: %v, want %v", got, tc.page)
			}
			if e.Simulated != tc.wantSim {
				t.Errorf("simulated %v, want %v", e.Simulated, tc.wantSim)
			}
			if tc.unfinished && (e.Seed == nil || *e.Seed != 0) {
				t.Errorf("seed %v, want run_started's 0", e.Seed)
			}
			if got := strings.Contains(e.Message, disagree); got != tc.wantDisagree || (len(notes) > 0) != tc.wantDisagree {
				t.Errorf("disagreement said: %v in %q, notes %q; want %v", got, e.Message, notes, tc.wantDisagree)
			}
		})
	}
}

// What nobody recorded is said so on the index and in JUnit, never shown
// as a zero.
func TestUnrecordedIsNotZero(t *testing.T) {
	es := []Entry{
		{Kind: "scenario", Name: "bad.yaml", Verdict: "error", Message: "did not load"},
		{Kind: "scenario", Name: "long", Verdict: "error", Seed: new(int64(0)), Dir: "out/long", Unfinished: true,
			Simulated: 39 * time.Hour, Message: "not finished"},
	}
	b, err := Index(t.TempDir(), es, nil, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	x := string(b)
	for _, want := range []string{"none (did not run)", "not recorded; its events reach ≥ 39h0m0s", `<td class="num">0</td>`} {
		if !strings.Contains(x, want) {
			t.Errorf("index lacks %q", want)
		}
	}
	if strings.Contains(x, ">0s<") {
		t.Errorf("index shows a 0s nobody measured:\n%s", x)
	}
	j, err := JUnit("s", "", es)
	if err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(j, &got); err != nil {
		t.Fatal(err)
	}
	props := map[string]string{}
	for _, p := range got.Suites[0].Cases[1].Properties.Properties {
		props[p.Name] = p.Value
	}
	if props["seed"] != "0" || props["timeline"] != filepath.Join("out/long", "timeline.html") || !strings.HasPrefix(props["simulated"], "not recorded") {
		t.Errorf("killed scenario's properties %v", props)
	}
	// Its wall time was never measured: no time attribute (optional in
	// JUnit), not time="0.000"; nor a suite total that leaves it out.
	if got.Suites[0].Cases[1].Time != nil || got.Suites[0].Time != nil || got.Time != nil {
		t.Errorf("a time nobody measured:\n%s", j)
	}
	if c := string(j)[strings.Index(string(j), `<testcase name="long"`):]; strings.Contains(c[:strings.Index(c, ">")], "time=") {
		t.Errorf("killed scenario's test case has a time:\n%s", j)
	}
	if b, _ := json.Marshal(es[0]); strings.Contains(string(b), `"seed"`) {
		t.Errorf("results.json records a seed for a scenario that never ran: %s", b)
	}
}

// A spec that recorded no seed or simulated time (it built no rig: a
// kill -9 child's run, a field replay) reads "not recorded" in both
// cells — not the suite's --seed, not an empty cell — while what a spec
// did record is shown.
func TestSpecsWithoutRecordsReadNotRecorded(t *testing.T) {
	entry := func(name string, v any) types.ReportEntry {
		return types.ReportEntry{Name: name, Value: types.WrapEntryValue(v)}
	}
	rep := types.Report{SuiteConfig: types.SuiteConfig{RandomSeed: 1}, SpecReports: types.SpecReports{
		{LeafNodeType: types.NodeTypeIt, LeafNodeText: "survives kill -9", State: types.SpecStatePassed, RunTime: time.Second},
		{LeafNodeType: types.NodeTypeIt, LeafNodeText: "meets its expectations", State: types.SpecStatePassed, RunTime: time.Second,
			ReportEntries: types.ReportEntries{entry(EntrySeed, int64(5)), entry(EntrySimulated, "3h0m0s")}},
	}}
	// Through JSON, as report.json is read (a seed comes back a float64).
	path := filepath.Join(t.TempDir(), "report.json")
	b, err := json.Marshal([]types.Report{rep})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	es, err := ReadGinkgo(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		e               Entry
		seed, simulated string
	}{
		{es[0], "not recorded", "not recorded"},
		{es[1], "5", "3h0m0s"},
	} {
		b, err := Index(t.TempDir(), []Entry{tc.e}, nil, time.Unix(0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if want := `<td class="num">` + tc.seed + `</td><td class="num">` + tc.simulated + `</td>`; !strings.Contains(string(b), want) {
			t.Errorf("%s: row lacks %s:\n%s", tc.e.Name, want, b)
		}
	}
	if es[0].Seed != nil {
		t.Errorf("a spec that recorded no seed has the suite's: %d", *es[0].Seed)
	}
}

// The suite's JUnit, written from its Ginkgo report: paths as plain text
// relative to the file (not Ginkgo's JSON of a string, in quotes), every
// other report entry as text, properties before the failure and its
// GinkgoWriter output, times to the millisecond, and a failed suite-level
// node as a case of its own.
func TestSuiteJUnit(t *testing.T) {
	out := t.TempDir()
	dir := filepath.Join(out, "specs", "roaming-falls-back")
	entry := func(name string, v any) types.ReportEntry {
		return types.ReportEntry{Name: name, Value: types.WrapEntryValue(v)}
	}
	rep := types.Report{
		SuiteDescription: "esimhil emulated rig", RunTime: 25100 * time.Millisecond,
		SpecReports: types.SpecReports{
			{LeafNodeType: types.NodeTypeIt, LeafNodeText: "falls back", ContainerHierarchyTexts: []string{"roaming"},
				State: types.SpecStateFailed, RunTime: 80*time.Millisecond + 123*time.Microsecond,
				Failure: types.Failure{Message: "Expected\n    <string>: sfr\nto equal\n    <string>: orange-fr", FailureNodeType: types.NodeTypeIt,
					Location: types.CodeLocation{FileName: "/src/specs/roaming_test.go", LineNumber: 42}},
				CapturedGinkgoWriterOutput: "artifacts kept in " + dir + " (seed 42)\n",
				ReportEntries: types.ReportEntries{entry(EntrySeed, int64(42)), entry(EntryArtifacts, dir),
					entry(EntryTimeline, filepath.Join(dir, "timeline.html")), entry(EntrySimulated, "2h0m0s"),
					entry("replay", "fixtures/field/x")}},
			{LeafNodeType: types.NodeTypeAfterSuite, State: types.SpecStateFailed, RunTime: 80764 * time.Nanosecond,
				Failure: types.Failure{Message: "goroutines leaked"}},
			{LeafNodeType: types.NodeTypeIt, LeafNodeText: "panics", State: types.SpecStatePanicked,
				Failure: types.Failure{Message: "Test Panicked", ForwardedPanic: "runtime error: index out of range [3] with length 0", FailureNodeType: types.NodeTypeIt,
					Location: types.CodeLocation{FileName: "/src/specs/x_test.go", LineNumber: 30, FullStackTrace: "main.f()\n\t/src/specs/x_test.go:30"}}},
			{LeafNodeType: types.NodeTypeIt, LeafNodeText: "needs a callbox", State: types.SpecStateSkipped,
				Failure: types.Failure{Message: "needs:radio-control — no callbox to move the device"}},
			{LeafNodeType: types.NodeTypeBeforeSuite, State: types.SpecStatePassed},
		},
	}
	b, err := json.Marshal([]types.Report{rep})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "report.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	writePages(t, dir)
	path, err := WriteSuiteJUnit(out)
	if err != nil || path != filepath.Join(out, SuiteJUnitFile) {
		t.Fatalf("%q, %v", path, err)
	}
	x, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Suites []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Time     string `xml:"time,attr"`
			Cases    []struct {
				Name  string `xml:"name,attr"`
				Time  string `xml:"time,attr"`
				Inner string `xml:",innerxml"`
				Props []struct {
					Name  string `xml:"name,attr"`
					Value string `xml:"value,attr"`
				} `xml:"properties>property"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(x, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Suites) != 1 || got.Suites[0].Name != "esimhil emulated rig" || got.Suites[0].Tests != 4 || got.Suites[0].Failures != 2 || got.Suites[0].Time != "25.100" {
		t.Fatalf("%s", x)
	}
	c := got.Suites[0].Cases
	props := map[string]string{}
	for _, p := range c[0].Props {
		props[p.Name] = p.Value
	}
	want := map[string]string{"seed": "42", "artifacts": "specs/roaming-falls-back", "timeline": "specs/roaming-falls-back/timeline.html", "simulated": "2h0m0s", "replay": "fixtures/field/x"}
	if !reflect.DeepEqual(props, want) || c[0].Name != "roaming falls back" || c[0].Time != "0.080" {
		t.Errorf("case %q time %s, properties %v, want %v", c[0].Name, c[0].Time, props, want)
	}
	for _, v := range props {
		if _, err := os.Stat(filepath.Join(out, v)); strings.Contains(v, "/") && !strings.HasPrefix(v, "fixtures") && err != nil {
			t.Errorf("%s does not resolve from the JUnit's directory: %v", v, err)
		}
	}
	inner := c[0].Inner
	if p, f, e := strings.Index(inner, "<properties>"), strings.Index(inner, "<failure"), strings.Index(inner, "<system-err>"); p < 0 || f < p || e < f || !strings.Contains(inner, "artifacts kept in") {
		t.Errorf("properties, failure, system-err out of order or missing:\n%s", inner)
	}
	// A spec's failure: its Gomega message on one line, and where it failed.
	for _, want := range []string{`message="Expected &lt;string&gt;: sfr to equal &lt;string&gt;: orange-fr"`, "In [It] at: /src/specs/roaming_test.go:42"} {
		if !strings.Contains(inner, want) {
			t.Errorf("failure lacks %q:\n%s", want, inner)
		}
	}
	for _, tc := range c {
		switch tc.Name {
		case "panics":
			for _, want := range []string{`message="Test Panicked: runtime error: index out of range [3] with length 0"`, "[PANICKED]", "Full Stack Trace", "/src/specs/x_test.go:30"} {
				if !strings.Contains(tc.Inner, want) {
					t.Errorf("panic lacks %q:\n%s", want, tc.Inner)
				}
			}
		case "needs a callbox":
			if !strings.Contains(tc.Inner, `<skipped message="needs:radio-control — no callbox to move the device">`) {
				t.Errorf("skip reason lost:\n%s", tc.Inner)
			}
		}
	}
	if c[1].Name != "[AfterSuite]" || c[1].Time != "0.000" || !strings.Contains(c[1].Inner, "goroutines leaked") || !strings.Contains(c[1].Inner, "In [AfterSuite]") {
		t.Errorf("suite node case %q time %q:\n%s", c[1].Name, c[1].Time, c[1].Inner)
	}
	// No report (the suite was killed): no JUnit made from what is left.
	if p, err := WriteSuiteJUnit(t.TempDir()); p != "" || err != nil {
		t.Errorf("without a report: %q, %v", p, err)
	}
}

// A directory under specs/ that holds no run of its own (no spec.json,
// no events.jsonl) but runs below it — the field replays' specs/field/,
// one directory per fixture — is no spec: a killed suite's index does
// not list it as the spec it stopped in; the runs below it are read as
// specs are, each replay that wrote its record listed with it and one
// stopped in the middle (events, no record) listed as unfinished.
func TestReadSpecDirsSkipsContainersOfRuns(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []string // under specs/
		want  []string // the entries' names, unfinished ones with a "!"
	}{
		{"field replays beside a killed spec",
			[]string{"field/a7600-no-ccho/events.jsonl", "field/a7600-no-ccho/at.log", "field/reattach/events.jsonl",
				"roaming-falls-back/events.jsonl", "roaming-falls-back/INCOMPLETE"},
			[]string{"!field/a7600-no-ccho", "!field/reattach", "!roaming-falls-back"}},
		{"field replays only", []string{"field/a/events.jsonl", "field/b/events.jsonl"}, []string{"!field/a", "!field/b"}},
		// A replay's spec that ended wrote its record: listed; one
		// stopped in the middle wrote none: unfinished.
		{"field replays, one recorded", []string{"field/a/events.jsonl", "field/a/spec.json", "field/b/events.jsonl"}, []string{"field/a", "!field/b"}},
		// A directory below with neither an event log nor a record is
		// no run.
		{"field replays and a stray directory", []string{"field/a/spec.json", "field/notes/x.txt"}, []string{"field/a"}},
		// Killed before its event log was made: still the spec it was in.
		{"a spec killed before its events", []string{"early/INCOMPLETE", "field/a/events.jsonl", "field/a/spec.json"}, []string{"!early", "field/a"}},
		{"an empty directory", []string{"empty/"}, []string{"!empty"}},
		// Its own events make it a run, whatever lies below it.
		{"a spec with a directory of its own below", []string{"s/events.jsonl", "s/sub/events.jsonl"}, []string{"!s"}},
		// Below it only what no run holds: not a container of runs.
		{"a directory with no runs below", []string{"x/sub/notes.txt"}, []string{"!x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			specs := filepath.Join(t.TempDir(), "specs")
			for _, f := range tc.files {
				p := filepath.Join(specs, f)
				if strings.HasSuffix(f, "/") {
					if err := os.MkdirAll(p, 0o755); err != nil {
						t.Fatal(err)
					}
					continue
				}
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				b := []byte("{}\n")
				if filepath.Base(f) == SpecFile {
					b = []byte(`{"kind":"spec","name":"` + filepath.Dir(f) + `","verdict":"pass"}`)
				}
				if err := os.WriteFile(p, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			es, unfinished, err := ReadSpecDirs(specs)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			n := 0
			for _, e := range es {
				name := e.Name
				if e.Unfinished {
					name, n = "!"+name, n+1
				}
				got = append(got, name)
			}
			if !reflect.DeepEqual(got, tc.want) || n != unfinished {
				t.Errorf("entries %q (%d unfinished), want %q", got, unfinished, tc.want)
			}
		})
	}
}

// JUnit's simulated property says what the index's cell does: 0s for a
// run that recorded it (its artifacts kept), nothing for one that never
// recorded it.
func TestJUnitSimulatedAsTheIndexHasIt(t *testing.T) {
	for _, tc := range []struct {
		name string
		e    Entry
		want string // "" for no property
	}{
		{"a rig spec that simulated 0s", Entry{Kind: "spec", Verdict: "pass", Seed: new(int64(1)), Dir: "specs/s"}, "0s"},
		{"a rig spec that simulated 2h", Entry{Kind: "spec", Verdict: "pass", Seed: new(int64(1)), Dir: "specs/s", Simulated: 2 * time.Hour}, "2h0m0s"},
		{"a scenario whose rig did not start", Entry{Kind: "scenario", Verdict: "error", Seed: new(int64(1)), Dir: "scenarios/s"}, "0s"},
		{"a spec with no rig", Entry{Kind: "spec", Verdict: "pass"}, ""},
		{"a scenario that did not load", Entry{Kind: "scenario", Verdict: "error", Message: "x.yaml:1:1: bad"}, ""},
		{"a killed run", Entry{Kind: "scenario", Verdict: "error", Dir: "scenarios/s", Unfinished: true}, "not recorded (the run did not finish)"},
		// A real modem's lab run simulated nothing (outside tester t63:
		// its servers' 210 ms stood under "simulated").
		{"a lab run on the wall clock", Entry{Kind: "spec", Verdict: "pass", Seed: new(int64(1)), Dir: "specs/s", Simulated: 210 * time.Millisecond, LabSpeed: 1}, "none (lab run on the wall clock)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.e.Name = "x"
			b, err := JUnit("s", "", []Entry{tc.e})
			if err != nil {
				t.Fatal(err)
			}
			var got junitSuites
			if err := xml.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			sim := ""
			if p := got.Suites[0].Cases[0].Properties; p != nil {
				for _, p := range p.Properties {
					if p.Name == EntrySimulated {
						sim = p.Value
					}
				}
			}
			if sim != tc.want {
				t.Errorf("simulated property %q, want %q", sim, tc.want)
			}
			page, err := Index(t.TempDir(), []Entry{tc.e}, nil, time.Unix(0, 0))
			if err != nil {
				t.Fatal(err)
			}
			// The index's cell agrees where the JUnit gives a time.
			if (strings.HasSuffix(tc.want, "s") || tc.e.LabSpeed > 0) && !strings.Contains(string(page), `<td class="num">`+tc.want+`</td>`) {
				t.Errorf("index lacks %q", tc.want)
			}
		})
	}
}

// A spec the suite's --label-filter did not select says so, with its
// labels and the filter, in the JUnit and the index; an explicit
// Skip("why") keeps its own reason, and nothing is invented for a skip
// the report gives no reason for.
func TestSkippedSpecsSayWhy(t *testing.T) {
	for _, tc := range []struct {
		name           string
		filter         string
		container, own []string
		state          types.SpecState
		skip           string // Skip's message
		want           string
	}{
		{"filtered out by its container's label", "env:emulated", []string{"env:lab"}, nil, types.SpecStateSkipped, "",
			`not selected: its labels [env:lab] do not match --label-filter "env:emulated"`},
		{"filtered out, with labels of its own", "env:emulated", []string{"env:lab"}, []string{"needs:simtrace"}, types.SpecStateSkipped, "",
			`not selected: its labels [env:lab, needs:simtrace] do not match --label-filter "env:emulated"`},
		{"filtered out, no labels", "env:emulated", nil, nil, types.SpecStateSkipped, "",
			`not selected: it has no labels, which --label-filter "env:emulated" does not match`},
		{"an explicit Skip", "env:lab", []string{"env:lab"}, nil, types.SpecStateSkipped, "needs:radio-control — no callbox",
			"needs:radio-control — no callbox"},
		{"an explicit Skip of a spec not selected either", "env:emulated", []string{"env:lab"}, nil, types.SpecStateSkipped, "no callbox",
			"no callbox"},
		// Selected by every filter, skipped all the same (an
		// interrupt, --fail-fast): the report does not say why, nor
		// does the entry.
		{"selected, skipped without a reason", "env:emulated", []string{"env:emulated"}, nil, types.SpecStateSkipped, "", ""},
		{"no label filter", "", []string{"env:lab"}, nil, types.SpecStateSkipped, "", ""},
		{"pending", "env:emulated", []string{"env:lab"}, nil, types.SpecStatePending, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			var hier [][]string
			if tc.container != nil {
				hier = [][]string{tc.container}
			}
			rep := types.Report{SuiteDescription: "s", SuiteConfig: types.SuiteConfig{LabelFilter: tc.filter},
				SpecReports: types.SpecReports{{LeafNodeType: types.NodeTypeIt, LeafNodeText: "x", ContainerHierarchyTexts: []string{"lab"},
					ContainerHierarchyLabels: hier, LeafNodeLabels: tc.own, State: tc.state, Failure: types.Failure{Message: tc.skip}}}}
			b, err := json.Marshal([]types.Report{rep})
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(out, "report.json"), b, 0o644); err != nil {
				t.Fatal(err)
			}
			es, err := ReadGinkgo(filepath.Join(out, "report.json"))
			if err != nil || len(es) != 1 {
				t.Fatalf("%v %v", es, err)
			}
			if es[0].Verdict != "skipped" || es[0].Message != tc.want {
				t.Errorf("%s %q, want skipped %q", es[0].Verdict, es[0].Message, tc.want)
			}
			path, err := WriteSuiteJUnit(out)
			if err != nil {
				t.Fatal(err)
			}
			x, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var got junitSuites
			if err := xml.Unmarshal(x, &got); err != nil {
				t.Fatal(err)
			}
			if s := got.Suites[0].Cases[0].Skipped; s == nil || s.Message != tc.want {
				t.Errorf("JUnit skipped %+v, want message %q", s, tc.want)
			}
			page, err := Index(out, es, nil, time.Unix(0, 0))
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != "" && !strings.Contains(string(page), template.HTMLEscapeString(tc.want)) {
				t.Errorf("the index does not say %q", tc.want)
			}
		})
	}
}

// Every verdict badge stays on one line in a 1400 px window, however
// long the names, messages and directories beside it ("SKIPPE/D" was
// broken to fit a squeezed column).
func TestIndexBadgesDoNotWrap(t *testing.T) {
	out := t.TempDir()
	long := strings.Repeat("a-host-lpa-over-the-tty-answers-bad-input ", 6)
	dir := filepath.Join(out, "specs", strings.Repeat("d", 90))
	var es []Entry
	for _, v := range []string{"pass", "fail", "error", "skipped"} {
		es = append(es, Entry{Kind: "spec", Name: v + " " + long, Verdict: v, Dir: dir, Seed: new(int64(1234567890)),
			Message: `not selected: its labels [env:lab, needs:roaming, needs:radio-control] do not match --label-filter "env:emulated" ` + long})
	}
	es = append(es, Entry{Kind: "scenario", Name: strings.Repeat("s", 100), Verdict: "skipped", Message: long})
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	page, err := WriteIndex(out, es, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := browsertest.Start(t).Open(t, "file://"+page, time.Minute)
	lines, err := browsertest.Eval[[]string](p, `Array.from(document.querySelectorAll(".badge")).filter(b => b.getClientRects().length !== 1).map(b => b.textContent)`)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 0 {
		t.Errorf("badges broken over lines: %q", lines)
	}
	if w, err := browsertest.Eval[[]int](p, `[document.documentElement.scrollWidth, window.innerWidth]`); err != nil || w[0] > w[1] {
		t.Errorf("the page is %v px wide for a window of %v (%v)", w[0], w[1], err)
	}
}

// Several esimhil runs into one --out leave scenario directories that the
// last results.json does not name: the index lists them apart, as not in
// its record, with what their directories say, and a note names them —
// they were left out in silence (outside tester sw48, finding 5).
func TestGatherListsScenarioDirsNotInTheRecord(t *testing.T) {
	out := t.TempDir()
	scen := []Entry{{Kind: "scenario", Name: "b", Verdict: "pass", Seed: new(int64(1)), Simulated: time.Hour,
		Dir: filepath.Join(out, "b"), Timeline: filepath.Join(out, "b", "timeline.html"),
		Digests: map[string]string{eventsFile: sha256Hex(`{"t":"2026-01-01T00:00:00Z","actor":"harness","event":"run_started","scenario":"b","seed":1}` + "\n")}}}
	if err := WriteScenarios(filepath.Join(out, ScenariosFile), scen); err != nil {
		t.Fatal(err)
	}
	writePages(t, filepath.Join(out, "a"), filepath.Join(out, "b"))
	files := map[string]string{
		"a/events.jsonl":  `{"t":"2026-01-01T00:00:00Z","actor":"harness","event":"run_started","scenario":"a","seed":7}` + "\n",
		"b/events.jsonl":  `{"t":"2026-01-01T00:00:00Z","actor":"harness","event":"run_started","scenario":"b","seed":1}` + "\n",
		"c/scenario.yaml": "name: c\n",   // killed before its first event
		"d/notes.txt":     "not a run\n", // no run's directory
	}
	for name, text := range files {
		p := filepath.Join(out, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	entries, notes, err := Gather(out)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name+":"+e.Verdict)
	}
	want := []string{"b:pass", "a:" + NotRecorded, "c:" + NotRecorded}
	if !slices.Equal(got, want) {
		t.Fatalf("entries %q, want %q", got, want)
	}
	if a := entries[1]; a.Seed == nil || *a.Seed != 7 || !strings.HasSuffix(a.Timeline, "a/timeline.html") {
		t.Errorf("a: %+v, want its seed and page read from its directory", a)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "2 scenario run directories") || !strings.Contains(notes[0], ": a, c —") {
		t.Errorf("notes %q, want one naming a and c", notes)
	}
	page, err := WriteIndex(out, entries, notes)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(page)
	html := string(b)
	for _, want := range []string{"1 of 1 passed", "not in this run&#39;s record", `href="a/timeline.html"`, `<span class="badge unrecorded">unrecorded</span>`} {
		if !strings.Contains(html, want) {
			t.Errorf("index lacks %q", want)
		}
	}
}

// A directory the record does not name has no wall time on file and only
// its events' reach for a simulated time: the index says "not recorded"
// and "≥ …", never 0s or the last event's time as if it were the run's,
// and it keeps the note of a run that ended in a cycle (outside tester
// sw51, F3).
func TestUnrecordedDirsFigures(t *testing.T) {
	const start = `{"t":"2026-01-01T00:00:00Z","actor":"harness","event":"run_started","scenario":"x","seed":1}` + "\n"
	for _, tt := range []struct {
		name, file, text string
		sim, open        string // the simulated cell, the note ("" none)
	}{
		{"events only", "events.jsonl", start + `{"t":"2026-01-01T01:55:30Z","actor":"euicc","event":"mode","mode":"idle"}` + "\n",
			"not recorded; its events reach ≥ 1h55m30s", ""},
		{"an open cycle", "events.jsonl", start +
			`{"t":"2026-01-01T01:00:02Z","actor":"harness","event":"run_ended_in_cycle","operators":["sfr"],"started":"1h0m1s","trigger":"list"}` + "\n",
			"not recorded; its events reach ≥ 1h0m2s", OpenCycleNote("1h0m1s", "list", "", "")},
		{"a list awaited", "events.jsonl", start +
			`{"t":"2026-01-01T01:00:05Z","actor":"harness","event":"run_ended_in_cycle","awaiting":"preferred_list","serving_plmn":"20801","started":"1h0m0s","trigger":"list"}` + "\n",
			"not recorded; its events reach ≥ 1h0m5s", OpenCycleNote("1h0m0s", "list", AwaitingList, "")},
		// To the millisecond, as the index's other times, and down, so
		// "≥" holds (outside tester t229: ≥ 24h6m2.879110791s).
		{"nanoseconds", "events.jsonl", start + `{"t":"2026-01-02T00:06:02.879910791Z","actor":"euicc","event":"mode","mode":"idle"}` + "\n",
			"not recorded; its events reach ≥ 24h6m2.879s", ""},
		{"scenario.yaml only", "scenario.yaml", "name: x\n", "not recorded", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			if err := WriteScenarios(filepath.Join(out, ScenariosFile), nil); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(out, "x"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(out, "x", tt.file), []byte(tt.text), 0o644); err != nil {
				t.Fatal(err)
			}
			entries, _, err := Gather(out)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 || entries[0].OpenCycle != tt.open {
				t.Fatalf("entries %+v, want x with open cycle %q", entries, tt.open)
			}
			b, err := Index(out, entries, nil, time.Unix(0, 0))
			if err != nil {
				t.Fatal(err)
			}
			x := html.UnescapeString(string(b))
			if want := `<td class="num">` + tt.sim + `</td><td class="num">not recorded</td>`; !strings.Contains(x, want) {
				t.Errorf("index lacks %q", want)
			}
			if noted := strings.Contains(x, "note: "+tt.open); noted != (tt.open != "") || (tt.open == "" && strings.Contains(x, "note: ")) {
				t.Errorf("index's open-cycle note: %v, want %q", noted, tt.open)
			}
			if strings.Contains(x, ">0s<") {
				t.Errorf("index shows a 0s nobody measured")
			}
		})
	}
}

// A scenario directory the record does not name is an earlier run's only
// when it is older than the record: one started after results.json was
// last written is the run's own, which could not write results.json again
// (a full disk: outside tester sw69 F3), and says so.
func TestUnrecordedDirWrittenAfterTheRecord(t *testing.T) {
	out := t.TempDir()
	if err := WriteScenarios(filepath.Join(out, ScenariosFile), nil); err != nil {
		t.Fatal(err)
	}
	record := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(out, ScenariosFile), record, record); err != nil {
		t.Fatal(err)
	}
	for name, at := range map[string]time.Time{"earlier": record.Add(-time.Minute), "later": record.Add(time.Minute)} {
		p := filepath.Join(out, name, scenarioFile)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("name: "+name+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	es := Unrecorded(out, nil)
	if len(es) != 2 || es[0].Name != "earlier" || es[1].Name != "later" {
		t.Fatalf("entries %+v, want earlier and later", es)
	}
	if !strings.Contains(es[0].Message, "an earlier esimhil run into this directory left it") {
		t.Errorf("earlier: %q", es[0].Message)
	}
	if m := es[1].Message; strings.Contains(m, "an earlier esimhil run into this directory left it") ||
		!strings.Contains(m, "its run started after results.json was last written") || !strings.Contains(m, "could not write results.json again") {
		t.Errorf("later: %q, want the run that wrote results.json named", m)
	}
}

// TestSpecWallAsItsPage: a kept spec's wall time in the index is the one
// its page and spec file give (EntryWall, to its rig's close), not
// Ginkgo's run time, which goes on while the page is written (outside
// tester sw108: three different times for one spec).
func TestSpecWallAsItsPage(t *testing.T) {
	rep := types.Report{SpecReports: types.SpecReports{
		{LeafNodeType: types.NodeTypeIt, LeafNodeText: "kept", State: types.SpecStatePassed, RunTime: 119 * time.Millisecond,
			ReportEntries: types.ReportEntries{{Name: EntryWall, Value: types.WrapEntryValue("76.688ms")}}},
		{LeafNodeType: types.NodeTypeIt, LeafNodeText: "not kept", State: types.SpecStatePassed, RunTime: 40 * time.Millisecond},
	}}
	es := specEntries([]types.Report{rep})
	if len(es) != 2 || es[0].Wall != 76688*time.Microsecond || es[1].Wall != 40*time.Millisecond {
		t.Errorf("walls %v", es)
	}
}

// JUnit's time is the whole run's, its close included, so that a CI
// server's case times add up to the job; the index keeps the rig's wall
// (outside tester sw127: 4.126 s in JUnit for a spec Ginkgo ran 5.954 s).
func TestJUnitTimeIsTheWholeRun(t *testing.T) {
	b, err := JUnit("esimhil scenarios", "", []Entry{
		{Kind: "scenario", Name: "a", Verdict: "pass", Seed: new(int64(7)), Wall: 4126 * time.Millisecond, RunTime: 5954 * time.Millisecond},
		{Kind: "scenario", Name: "b", Verdict: "pass", Seed: new(int64(8)), Wall: time.Second}, // not measured: the wall stands in
	})
	if err != nil {
		t.Fatal(err)
	}
	if x := string(b); !strings.Contains(x, `name="a" classname="esimhil scenarios" status="pass" time="5.954"`) || !strings.Contains(x, `time="1.000"`) || !strings.Contains(x, `<testsuite name="esimhil scenarios" tests="2" failures="0" errors="0" skipped="0" time="6.954"`) {
		t.Errorf("times:\n%s", x)
	}
}

// A spec listed from report.json whose own spec.json does not read is
// named in a note, placed at its line and column (outside tester sw130
// N5: the report said nothing, and esimhil timeline drew it as unrecorded).
func TestGatherNamesADamagedSpecRecord(t *testing.T) {
	out := t.TempDir()
	ginkgoReport(t, out)
	if err := os.WriteFile(filepath.Join(out, "specs", "roaming-switches", SpecFile), []byte("{\"kind\":\"spec\",\n \"name\": 5}"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, notes, err := Gather(out)
	if err != nil {
		t.Fatal(err)
	}
	want := `spec "roaming switches": its record does not read: ` + filepath.Join(out, "specs", "roaming-switches", SpecFile) + ":2:10: json: cannot unmarshal number"
	if !slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, want) }) {
		t.Errorf("notes %q, want one with %q", notes, want)
	}
}

// The notes results.json gives a scenario — dropped, still owed, a cycle
// left open — are JUnit properties of the same name and text: a CI server
// that reads JUnit alone is told as much (t167 S10: the dropped_notes
// property could go unnoticed).
func TestJUnitSaysWhatResultsSay(t *testing.T) {
	const (
		dropped = "the card dropped 53 notes from its full outbox: attach-success reports 1–53"
		owedP   = "attach-success report 54"
		owedS   = "enable@smdp.bouygues.test seq 2"
		open    = "the run ended inside a cycle the card started at 1h55m0s (trigger list) and had not ended"
	)
	keys := []string{EntryDropped, "owed_notes", "owed_smdp_notes", EntryOpenCycle, EntryCapture, EntryModem}
	for _, tc := range []struct {
		name string
		e    Entry
	}{
		{"nothing to say", Entry{}},
		{"dropped notes", Entry{Dropped: dropped}},
		{"owed the platform", Entry{Owed: owed.Notes{Platform: owedP}}},
		{"owed an SM-DP+", Entry{Owed: owed.Notes{SMDP: owedS}}},
		{"a cycle left open", Entry{OpenCycle: open}},
		{"all of them", Entry{Dropped: dropped, Owed: owed.Notes{Platform: owedP, SMDP: owedS}, OpenCycle: open, Capture: "tap", Personality: "generic"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.e
			e.Kind, e.Name, e.Verdict, e.Seed = "scenario", "dark-at-sea", "pass", new(int64(1))
			j, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			var results map[string]any
			if err := json.Unmarshal(j, &results); err != nil {
				t.Fatal(err)
			}
			b, err := JUnit("esimhil scenarios", "", []Entry{e})
			if err != nil {
				t.Fatal(err)
			}
			var got junitSuites
			if err := xml.Unmarshal(b, &got); err != nil {
				t.Fatalf("%v\n%s", err, b)
			}
			props := map[string]string{}
			for _, p := range got.Suites[0].Cases[0].Properties.Properties {
				props[p.Name] = p.Value
			}
			for _, k := range keys {
				r, inResults := results[k]
				p, inJUnit := props[k]
				if inResults != inJUnit || inResults && r != p {
					t.Errorf("%s: results.json %q (%v), JUnit %q (%v)", k, r, inResults, p, inJUnit)
				}
			}
		})
	}
}

// A field replay's directory, specs/field/<fixture>, is found in a copy
// of out/ as a spec's own is: the copy's page is linked, not the
// original's (it was kept at the path the suite's report named).
func TestRerootFindsAFieldReplay(t *testing.T) {
	specs := filepath.Join(t.TempDir(), "specs")
	for _, d := range []string{"roaming-switches", filepath.Join("field", "ec20f")} {
		if err := os.MkdirAll(filepath.Join(specs, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ was, want string }{
		{"/ci/out/specs/roaming-switches", filepath.Join(specs, "roaming-switches")},
		{"/ci/out/specs/field/ec20f", filepath.Join(specs, "field", "ec20f")},
		{"/ci/out/specs/field/gone", "/ci/out/specs/field/gone"},
		{"/elsewhere/kept/ec20f", "/elsewhere/kept/ec20f"}, // not out/s: kept
	} {
		e := Entry{Dir: tc.was, Timeline: filepath.Join(tc.was, "timeline.html")}
		reroot(&e, specs)
		if e.Dir != tc.want || e.Timeline != filepath.Join(tc.want, "timeline.html") {
			t.Errorf("%s: rerooted to %q, page %q; want %q", tc.was, e.Dir, e.Timeline, tc.want)
		}
	}
}

// A field replay's record that does not decode is an error naming the
// file, as a spec's own is: not a run silently left out of the index.
func TestReadSpecDirsBrokenReplayRecord(t *testing.T) {
	specs := filepath.Join(t.TempDir(), "specs")
	dir := filepath.Join(specs, "field", "a")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "events.jsonl"), []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, SpecFile), []byte(`{"kind":"spec",`), 0o644); err != nil {
		t.Fatal(err)
	}
	es, _, err := ReadSpecDirs(specs)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, SpecFile)) {
		t.Errorf("entries %v, error %v: want an error naming %s", es, err, filepath.Join(dir, SpecFile))
	}
}

// A spec --focus, --skip or a file filter ruled out says which, as one
// the label filter ruled out does (outside tester o309: under `ginkgo
// --focus` 281 specs were skipped in the JUnit with no message): each
// filter applied again as Ginkgo applies it, to the suite's description
// and the spec's text ("s lab x" here) or to its code locations.
func TestSkippedSpecsNameTheirFilter(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  types.SuiteConfig
		want string
	}{
		{"ruled out by --focus", types.SuiteConfig{FocusStrings: []string{"Field failures", "roam"}},
			`not selected: its text does not match --focus "Field failures|roam"`},
		{"--focus matches the description and text", types.SuiteConfig{FocusStrings: []string{"^s lab x$"}}, ""},
		{"ruled out by --skip", types.SuiteConfig{SkipStrings: []string{"lab"}}, `not selected: its text matches --skip "lab"`},
		{"--skip does not match", types.SuiteConfig{SkipStrings: []string{"replay"}}, ""},
		{"ruled out by --focus-file", types.SuiteConfig{FocusFiles: []string{"fleet_test.go"}},
			`not selected: its containers' and its own file and line match no --focus-file "fleet_test.go"`},
		{"--focus-file matches its container's line", types.SuiteConfig{FocusFiles: []string{"lab_test.go:3"}}, ""},
		{"--focus-file matches another line", types.SuiteConfig{FocusFiles: []string{"lab_test.go:20-30"}},
			`not selected: its containers' and its own file and line match no --focus-file "lab_test.go:20-30"`},
		{"ruled out by --skip-file", types.SuiteConfig{SkipFiles: []string{"specs/lab"}}, `not selected: its file and line match --skip-file "specs/lab"`},
		{"ruled out twice", types.SuiteConfig{LabelFilter: "env:emulated", FocusStrings: []string{"replay"}},
			`not selected: its labels [env:lab] do not match --label-filter "env:emulated"; its text does not match --focus "replay"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sp := types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: "x", ContainerHierarchyTexts: []string{"lab"},
				ContainerHierarchyLabels: [][]string{{"env:lab"}}, State: types.SpecStateSkipped,
				ContainerHierarchyLocations: []types.CodeLocation{{FileName: "/src/specs/lab_test.go", LineNumber: 3}},
				LeafNodeLocation:            types.CodeLocation{FileName: "/src/specs/lab_test.go", LineNumber: 9}}
			if got := notSelected(types.Report{SuiteDescription: "s", SuiteConfig: tc.cfg}, sp); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
