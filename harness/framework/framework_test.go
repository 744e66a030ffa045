package framework_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/framework"
	"github.com/esimhil/esimhil/harness/report"
	"github.com/onsi/ginkgo/v2/types"
)

// A spec whose rig fails to close fails, however its own checks went: the
// suite exits non-zero, the failure names the close, and the artifacts are
// kept with a spec.json and a timeline page that say "fail" and why.
func TestCloseFailureFailsTheSpec(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a suite")
	}
	cmd := exec.Command("go", "test", "-count=1", "./testdata/closefail", "-ginkgo.no-color")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the suite passed:\n%s", out)
	}
	text := string(out)
	if !strings.Contains(text, "closing the rig: events of kinds not in the registry: spec/not-a-registered-kind") {
		t.Fatalf("the failure does not name the close:\n%s", text)
	}
	m := regexp.MustCompile(`artifacts kept in (\S+) \(seed \d+\)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no artifacts kept:\n%s", text)
	}
	dir := m[1]
	t.Cleanup(func() { os.RemoveAll(dir) })
	e, err := report.ReadSpecFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	if e.Verdict != "fail" || !strings.HasPrefix(e.Message, "closing the rig: ") || e.Timeline == "" {
		t.Errorf("%s: verdict %q, message %q, timeline %q", report.SpecFile, e.Verdict, e.Message, e.Timeline)
	}
	page, err := os.ReadFile(e.Timeline)
	if err != nil || !strings.Contains(string(page), "not-a-registered-kind") {
		t.Errorf("timeline page %s does not say why (%v)", e.Timeline, err)
	}
}

// Specs skipped for a reason are listed with it; those a filter left out
// (no reason) are not.
func TestSkipSummary(t *testing.T) {
	r := types.Report{SpecReports: types.SpecReports{
		{LeafNodeText: "switches abroad", ContainerHierarchyTexts: []string{"A modem in the lab"}, State: types.SpecStateSkipped,
			Failure: types.Failure{Message: "this lab lacks needs:roaming — a SIM that roams"}},
		{LeafNodeText: "filtered out", State: types.SpecStateSkipped},
		{LeafNodeText: "ran", State: types.SpecStatePassed},
	}}
	want := "skipped 1 spec(s), each for a reason:\n  A modem in the lab switches abroad\n      this lab lacks needs:roaming — a SIM that roams\n"
	if got := framework.SkipSummary(r); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := framework.SkipSummary(types.Report{}); got != "" {
		t.Errorf("no skips: %q", got)
	}
}

// A lab spec that fails while opening the modem keeps the evidence of any
// failed spec: at.log ending with why, the timeline page and spec.json
// saying "fail" and why, and the report's entries naming them (outside
// tester sw128 F2: only a header was left).
func TestLabOpenFailureKeepsEvidence(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a suite")
	}
	// A port that answers ERROR to every line: no modem's AT port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				sc := bufio.NewScanner(c)
				sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
					if i := bytes.IndexByte(data, '\r'); i >= 0 {
						return i + 1, data[:i], nil
					}
					if atEOF && len(data) == 0 {
						return 0, nil, io.EOF
					}
					return 0, nil, nil
				})
				for sc.Scan() {
					if _, err := c.Write([]byte("\r\nERROR\r\n")); err != nil {
						return
					}
				}
			}()
		}
	}()
	// A port nobody listens on: a serial server that refuses the run.
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()

	arts, rep := t.TempDir(), filepath.Join(t.TempDir(), "report.json")
	cmd := exec.Command("go", "test", "-count=1", "./testdata/labopenfail", "-ginkgo.no-color", "-ginkgo.json-report="+rep)
	cmd.Env = append(os.Environ(),
		"LABOPENFAIL_ERROR_PORT=tcp://"+ln.Addr().String(), "LABOPENFAIL_CLOSED_PORT=tcp://"+closedAddr,
		framework.ArtifactsEnv+"="+arts, framework.LabSIMTraceEnv+"=off", framework.LabListenEnv+"=127.0.0.1:0")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the suite passed:\n%s", out)
	}
	b, err := os.ReadFile(rep)
	if err != nil {
		t.Fatalf("no report: %v\n%s", err, out)
	}
	var reports []types.Report
	if err := json.Unmarshal(b, &reports); err != nil || len(reports) != 1 {
		t.Fatalf("report: %v (%d suites)", err, len(reports))
	}
	wants := map[string]string{
		"not a modem":              "not a modem's AT port",
		"found not a modem before": "found by an earlier spec of this run",
		"refused":                  "connection refused",
	}
	for _, sr := range reports[0].SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			continue
		}
		name := sr.LeafNodeText
		want, ok := wants[name]
		if !ok {
			continue
		}
		delete(wants, name)
		if sr.State != types.SpecStateFailed || !strings.Contains(sr.Failure.Message, want) {
			t.Errorf("%s: %v, %q; want failed with %q", name, sr.State, sr.Failure.Message, want)
		}
		entries := map[string]string{}
		var listed []string
		for _, e := range sr.ReportEntries {
			entries[e.Name] = e.StringRepresentation()
			if e.Name == "lab artifact" {
				listed = append(listed, filepath.Base(e.StringRepresentation()))
			}
		}
		dir := entries[report.EntryArtifacts]
		if dir == "" {
			t.Errorf("%s: no %q entry: %v", name, report.EntryArtifacts, entries)
			continue
		}
		for _, f := range []string{"at.log", "traffic.pcapng", "events.jsonl", "timeline.html"} {
			if !slices.Contains(listed, f) {
				t.Errorf("%s: lab artifacts %v lack %s", name, listed, f)
			}
		}
		transcript := false
		for k := range entries {
			transcript = transcript || strings.HasPrefix(k, "AT transcript (tcp://")
		}
		if !transcript {
			t.Errorf("%s: no AT transcript entry: %v", name, slices.Collect(maps.Keys(entries)))
		}
		log, err := os.ReadFile(filepath.Join(dir, "at.log"))
		lines := strings.Split(strings.TrimSpace(string(log)), "\n")
		if err != nil || !strings.Contains(lines[len(lines)-1], "# lab run did not open: ") || !strings.Contains(lines[len(lines)-1], want) {
			t.Errorf("%s: at.log does not end saying why (%v):\n%s", name, err, log)
		}
		e, err := report.ReadSpecFile(dir)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if e.Verdict != "fail" || !strings.Contains(e.Message, want) || e.Timeline == "" {
			t.Errorf("%s: %s: verdict %q, message %q, timeline %q", name, report.SpecFile, e.Verdict, e.Message, e.Timeline)
		}
		// A real modem's run is on the wall clock, and its page and
		// record say so (the page said "simulated").
		page, err := os.ReadFile(filepath.Join(dir, "timeline.html"))
		if e.LabSpeed != 1 || err != nil || !strings.Contains(string(page), "lab run on the wall clock") || !strings.Contains(string(page), `data-time="wall time"`) {
			t.Errorf("%s: lab_speed %v in %s, and the page (%v) does not name the wall clock", name, e.LabSpeed, report.SpecFile, err)
		}
	}
	if len(wants) > 0 {
		t.Errorf("specs not in the report: %v\n%s", wants, out)
	}
}
