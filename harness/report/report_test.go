package report

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

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
}

func TestGatherAndIndex(t *testing.T) {
	out := t.TempDir()
	ginkgoReport(t, out)
	scen := []Entry{{Kind: "scenario", Name: "roam-fr-download", Verdict: "pass", Seed: 1, Simulated: 2 * time.Hour,
		Wall: 35 * time.Millisecond, Dir: filepath.Join(out, "scenarios", "roam-fr-download"),
		Timeline: filepath.Join(out, "scenarios", "roam-fr-download", "timeline.html")}}
	if err := WriteScenarios(filepath.Join(out, "scenarios", ScenariosFile), scen); err != nil {
		t.Fatal(err)
	}
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
	if e := entries[0]; e.Name != "roaming switches" || e.Verdict != "pass" || e.Seed != 42 || e.Simulated != 2*time.Hour ||
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
		`href="specs/roaming-switches/timeline.html"`, `href="scenarios/roam-fr-download/timeline.html"`,
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
	done := Entry{Kind: "spec", Name: "roaming switches", Verdict: "fail", Seed: 7, Simulated: time.Hour, Wall: time.Second,
		Dir: filepath.Join(out, "specs", "roaming-switches"), Timeline: filepath.Join(out, "specs", "roaming-switches", "timeline.html"),
		Message: "Expected sfr"}
	b, _ := json.Marshal(done)
	write("specs/roaming-switches/"+SpecFile, string(b))
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
	if entries[1] != done {
		t.Errorf("finished spec %+v, want %+v", entries[1], done)
	}
	if len(notes) < 1 || !strings.Contains(notes[0], "the suite did not finish") || !strings.Contains(notes[0], "2 spec directories") ||
		!strings.Contains(notes[0], "1 without one") {
		t.Errorf("notes %q", notes)
	}
}

func TestJUnitCarriesSeedAndArtifacts(t *testing.T) {
	b, err := JUnit("esimhil scenarios", []Entry{
		{Kind: "scenario", Name: "a", Verdict: "pass", Seed: 7, Dir: "out/scenarios/a", Timeline: "out/scenarios/a/timeline.html", Wall: time.Second},
		{Kind: "scenario", Name: "b", Verdict: "fail", Seed: 8, Message: "attempts: got [], want [sfr]\nmore"},
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
	if props["seed"] != "7" || props["artifacts"] != "out/scenarios/a" || props["timeline"] != "out/scenarios/a/timeline.html" {
		t.Errorf("properties %v", props)
	}
	if f := got.Suites[0].Cases[1].Failure; f == nil || f.Message != "attempts: got [], want [sfr]" {
		t.Errorf("failure %+v", f)
	}
	if n := len(got.Suites[0].Cases[2].Properties.Properties); n != 0 {
		t.Errorf("a scenario that never loaded has %d properties (a seed it never had)", n)
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

// The index lists every failed expectation of an entry, up to five, then
// says how many more its page has.
func TestIndexListsTheFailedExpectations(t *testing.T) {
	msg := "attempts: got [sfr], want [orange-fr]\nlist_requests: got 1, want 2"
	b, err := Index(t.TempDir(), []Entry{{Kind: "scenario", Name: "s", Verdict: "fail", Message: msg}}, nil, time.Unix(0, 0))
	if err != nil || !strings.Contains(string(b), "want [orange-fr]\nlist_requests: got 1, want 2") {
		t.Errorf("index lacks the second expectation (%v)", err)
	}
	if got := firstLines("1\n2\n3\n4\n5\n6\n7", 5); got != "1\n2\n3\n4\n5\n… and 2 more (on its page)" {
		t.Errorf("firstLines = %q", got)
	}
}
