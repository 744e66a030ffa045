package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/esimhil/esimhil/harness/report"
	"github.com/esimhil/esimhil/harness/scenario"
)

// A scenario file that did not load is an error with its load message in
// every record: the one written before each scenario (what a kill -9
// leaves) and the one a signal leaves, not "skipped" (outside tester
// t135 F4: a CI job stopped by its time limit recorded a missing file as
// merely not run).
func TestUnloadedScenarioIsAnErrorWhenStopped(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.yaml")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "nonexist.yaml")
	good := filepath.Join("..", "..", "..", "fixtures", "scenarios", "home-no-request.yaml")

	// The record written before a scenario, of the files after it.
	loadErr := errors.New("empty.yaml:1:1: empty scenario")
	for _, tc := range []struct {
		loaded   []loadedScenario
		verdicts string
	}{
		{[]loadedScenario{{}, {}}, "skipped skipped"},
		{[]loadedScenario{{err: loadErr}, {}}, "error skipped"},
		{[]loadedScenario{{}, {err: loadErr}}, "skipped error"},
	} {
		es := notReached([]string{"a.yaml", "b.yaml"}, tc.loaded, nil, "not run")
		var got []string
		for _, e := range es {
			got = append(got, e.Verdict)
			if e.Verdict == "error" && e.Message != loadErr.Error() {
				t.Errorf("%s: message %q, want the load error", e.Name, e.Message)
			}
		}
		if strings.Join(got, " ") != tc.verdicts {
			t.Errorf("pending record %s, want %s", got, tc.verdicts)
		}
	}

	// A run stopped before its first scenario.
	for _, tc := range []struct {
		files    []string
		verdicts string
		skip     string // the SKIP line, "" for none
	}{
		{[]string{good, missing, empty}, "skipped error error", "SKIP  1 scenario(s) not run: stopped by SIGTERM\n"},
		{[]string{missing, empty}, "error error", ""},
	} {
		ctx, stop := context.WithCancelCause(context.Background())
		stop(stopSignal{syscall.SIGTERM})
		out := t.TempDir()
		var stdout, stderr bytes.Buffer
		if code := cli(ctx, append([]string{"run", "--out", out}, tc.files...), &stdout, &stderr); code != 143 {
			t.Fatalf("exit %d, want 143:\n%s%s", code, stdout.String(), stderr.String())
		}
		es, err := report.ReadScenarios(filepath.Join(out, report.ScenariosFile))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i, e := range es {
			got = append(got, e.Verdict)
			want := tc.files[i] // a file that did not load has no name
			if e.Verdict == "skipped" {
				want = "home-no-request"
			}
			if e.Name != want {
				t.Errorf("entry %d is %s, want %s (the order given)", i, e.Name, want)
			}
		}
		if strings.Join(got, " ") != tc.verdicts {
			t.Errorf("%v: verdicts %s, want %s:\n%s", tc.files, got, tc.verdicts, stdout.String())
		}
		for _, want := range []string{"ERROR " + missing + ": load scenario: open " + missing + ": no such file or directory\n", "ERROR " + empty + ": " + empty + ":1:1: empty scenario\n"} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("no %q in\n%s", want, stdout.String())
			}
		}
		if strings.Contains(stdout.String(), "SKIP") != (tc.skip != "") || !strings.Contains(stdout.String(), tc.skip) {
			t.Errorf("want SKIP line %q in\n%s", tc.skip, stdout.String())
		}
	}
}

// A scenario not reached is named as a run would name it, so that a CI
// server tracks one test whether it ran or not (outside tester o309: a
// skipped case under its file's path, a run one under its name); a name
// the run already has (or an earlier file not reached) stays with the
// first, the second file under its path.
func TestNotReachedNamedAsARunNamesIt(t *testing.T) {
	good := filepath.Join("..", "..", "..", "fixtures", "scenarios", "home-no-request.yaml")
	s, src, err := scenario.LoadSource(good)
	if err != nil {
		t.Fatal(err)
	}
	l := loadedScenario{s: s, source: src}
	for _, tc := range []struct {
		name  string
		named map[string]string
		want  []string
	}{
		{"none taken", nil, []string{"home-no-request", "b.yaml"}},
		{"taken by a run", map[string]string{"home-no-request": "x.yaml"}, []string{"a.yaml", "b.yaml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			es := notReached([]string{"a.yaml", "b.yaml"}, []loadedScenario{l, l}, tc.named, "not run")
			var got []string
			for _, e := range es {
				got = append(got, e.Name)
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("names %v, want %v", got, tc.want)
			}
			if es[0].Name == "home-no-request" && es[0].Message != "not run (a.yaml)" {
				t.Errorf("message %q, want the file named", es[0].Message)
			}
		})
	}
}
