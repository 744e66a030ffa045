package framework_test

import (
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/framework"
	"github.com/esimhil/esimhil/harness/report"
	"github.com/esimhil/esimhil/harness/timeline"
)

// A field replay is a spec's run made without NewRig: kept (every spec's
// under ESIMHIL_ARTIFACTS, a failed one's always) it gets its timeline
// page and spec.json, and the report names its seed, directory and page,
// so the index links it and the JUnit carries them (it had neither).
func TestOwnRunKeepsItsPage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a suite")
	}
	for _, keepAll := range []bool{true, false} {
		out, tmp := t.TempDir(), t.TempDir()
		cmd := exec.Command("go", "test", "-count=1", "./testdata/ownrun", "-ginkgo.no-color", "-ginkgo.json-report="+filepath.Join(out, "report.json"))
		cmd.Env = append(os.Environ(), "TMPDIR="+tmp, framework.ArtifactsEnv+"=")
		if keepAll {
			cmd.Env = append(cmd.Env, framework.ArtifactsEnv+"="+filepath.Join(out, "specs"))
		}
		if b, err := cmd.CombinedOutput(); err == nil {
			t.Fatalf("the suite passed:\n%s", b)
		}
		entries, _, err := report.Gather(out)
		if err != nil {
			t.Fatal(err)
		}
		kept := map[string]bool{}
		for _, e := range entries {
			failing := strings.HasSuffix(e.Name, "failing")
			if e.Seed == nil || *e.Seed != 1 {
				t.Errorf("keep all %v: %s: seed %v, want the replay's, 1", keepAll, e.Name, e.Seed)
			}
			if !keepAll && !failing {
				if e.Dir != "" || e.Timeline != "" {
					t.Errorf("a passing replay kept %q, page %q", e.Dir, e.Timeline)
				}
				continue
			}
			kept[e.Verdict] = true
			if e.Dir == "" || e.Timeline != filepath.Join(e.Dir, timeline.FileName) || e.Simulated <= 0 {
				t.Errorf("keep all %v: %s: artifacts %q, page %q, simulated %v", keepAll, e.Name, e.Dir, e.Timeline, e.Simulated)
				continue
			}
			if v := timeline.PageVerdict(e.Timeline); v != e.Verdict {
				t.Errorf("keep all %v: %s: the page says %q, the spec %q", keepAll, e.Name, v, e.Verdict)
			}
			if spec, err := report.ReadSpecFile(e.Dir); err != nil || spec.Verdict != e.Verdict || spec.Seed == nil || *spec.Seed != 1 {
				t.Errorf("keep all %v: %s: %s: %v, %+v", keepAll, e.Name, report.SpecFile, err, spec)
			}
			if keepAll && filepath.Dir(e.Dir) != filepath.Join(out, "specs", "field") {
				t.Errorf("%s kept in %s, want under specs/field", e.Name, e.Dir)
			}
		}
		if !kept["fail"] || kept["pass"] != keepAll {
			t.Errorf("keep all %v: kept the runs of %v (want fail, and pass only when all are kept)", keepAll, kept)
		}
		// A passing replay's directory goes; a failing one's stays.
		left, _ := filepath.Glob(filepath.Join(tmp, "esimhil-*"))
		if want := map[bool]int{true: 0, false: 1}[keepAll]; len(left) != want {
			t.Errorf("keep all %v: %d replay directories left in TMPDIR (%v), want %d", keepAll, len(left), left, want)
		}
		if !keepAll {
			continue
		}
		path, err := report.WriteSuiteJUnit(out)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(path)
		var suite struct {
			Cases []struct {
				Name  string `xml:"name,attr"`
				Props []struct {
					Name  string `xml:"name,attr"`
					Value string `xml:"value,attr"`
				} `xml:"properties>property"`
			} `xml:"testsuite>testcase"`
		}
		if err := xml.Unmarshal(b, &suite); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(suite.Cases) != 2 {
			t.Errorf("JUnit: %d cases, want 2:\n%s", len(suite.Cases), b)
		}
		for _, c := range suite.Cases {
			got := map[string]string{}
			for _, p := range c.Props {
				got[p.Name] = p.Value
			}
			dir := filepath.Join("specs", "field", map[bool]string{true: "failing", false: "passing"}[strings.HasSuffix(c.Name, "failing")])
			if got["seed"] != "1" || got["artifacts"] != dir || got["timeline"] != filepath.Join(dir, timeline.FileName) {
				t.Errorf("JUnit %s: properties %v, want seed 1, artifacts %s and its page", c.Name, got, dir)
			}
		}
	}
}
