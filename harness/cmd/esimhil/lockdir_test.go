package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Two runs into one --out: the second is refused while the first holds
// it, and may go once the first is done.
func TestLockDir(t *testing.T) {
	dir := t.TempDir()
	unlock, err := lockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockDir(dir); err == nil || !strings.Contains(err.Error(), "another esimhil run is writing there") {
		t.Fatalf("second lock while the first holds it: %v", err)
	}
	unlock()
	again, err := lockDir(dir)
	if err != nil {
		t.Fatalf("after the first let go: %v", err)
	}
	again()
}

// esimhil report and timeline over a directory a live run holds (here
// the test process) refuse, naming the run's pid, and write nothing: the
// record there says "not finished" of the scenario in flight, which they
// would take for a process that ended (outside tester sw76 M3). Once the
// run lets go they go.
func TestReportAndTimelineRefuseARunInProgress(t *testing.T) {
	scen := filepath.Join("..", "..", "..", "fixtures", "scenarios", "home-no-request.yaml")
	parent := t.TempDir()
	out := filepath.Join(parent, "scenarios") // make run's layout: parent/scenarios
	var stdout, stderr bytes.Buffer
	if code := cli(context.Background(), []string{"run", "--seed", "1", "--out", out, scen}, &stdout, &stderr); code != 0 {
		t.Fatalf("run exited %d: %s%s", code, stdout.String(), stderr.String())
	}
	dir := filepath.Join(out, "home-no-request")
	page := filepath.Join(dir, "timeline.html")
	if err := os.Remove(page); err != nil {
		t.Fatal(err)
	}
	unlock, err := lockDir(out)
	if err != nil {
		t.Fatal(err)
	}
	held := fmt.Sprintf("esimhil run (pid %d) is still writing %s: ", os.Getpid(), out)
	for _, args := range [][]string{{"report", "--out", out}, {"report", "--out", parent}, {"timeline", dir}} {
		stdout.Reset()
		stderr.Reset()
		if code := cli(context.Background(), args, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), held) {
			t.Errorf("%q while the run holds %s: exit %d\nstderr %s", args, out, code, stderr.String())
		}
	}
	for _, f := range []string{filepath.Join(out, "index.html"), filepath.Join(parent, "index.html"), page} {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s written while the run holds its directory (%v)", f, err)
		}
	}
	unlock()
	for _, args := range [][]string{{"report", "--out", out}, {"timeline", dir}} {
		stdout.Reset()
		stderr.Reset()
		if code := cli(context.Background(), args, &stdout, &stderr); code != 0 {
			t.Errorf("%q once the run let go: exit %d\nstderr %s", args, code, stderr.String())
		}
	}
}

// Two runs at once, each its own --out, one --junit: the second is
// refused before it runs (exit 2, naming the first's pid) rather than
// one's verdicts overwrite the other's, a failure lost (outside tester
// sw76 M4). The lock is the hidden file beside the JUnit one, whichever
// way its directory is spelt; once it is let go the run goes.
func TestRunRefusesAJUnitAnotherRunWrites(t *testing.T) {
	scen := filepath.Join("..", "..", "..", "fixtures", "scenarios", "home-no-request.yaml")
	root := t.TempDir()
	junit := filepath.Join(root, "ci", "same.xml")
	if err := os.MkdirAll(filepath.Dir(junit), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "ci-link")
	if err := os.Symlink(filepath.Join(root, "ci"), link); err != nil {
		t.Fatal(err)
	}
	// What the first run holds while it runs.
	f, err := os.OpenFile(filepath.Join(root, "ci", ".same.xml"+runLock), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := tryLock(f, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(fmt.Sprintf("%d\n", os.Getpid())); err != nil {
		t.Fatal(err)
	}
	for i, j := range []string{junit, filepath.Join(link, "same.xml")} {
		var stdout, stderr bytes.Buffer
		out := filepath.Join(root, fmt.Sprintf("o%d", i))
		code := cli(context.Background(), []string{"run", "--seed", "1", "--out", out, "--junit", j, scen}, &stdout, &stderr)
		want := fmt.Sprintf("esimhil run: --junit %s: esimhil run (pid %d) is writing it too", j, os.Getpid())
		if code != 2 || !strings.Contains(stderr.String(), want) || stdout.Len() > 0 {
			t.Errorf("--junit %s while another run holds it: exit %d\nstdout %s\nstderr %s", j, code, stdout.String(), stderr.String())
		}
		if _, err := os.Stat(filepath.Join(out, "results.json")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a refused run wrote its results (%v)", err)
		}
	}
	if _, err := os.Stat(junit); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused run wrote the JUnit file (%v)", err)
	}
	f.Close()
	var stdout, stderr bytes.Buffer
	if code := cli(context.Background(), []string{"run", "--seed", "1", "--out", filepath.Join(root, "o2"), "--junit", junit, scen}, &stdout, &stderr); code != 0 {
		t.Errorf("once the other run let go: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	if b, err := os.ReadFile(junit); err != nil || !strings.Contains(string(b), `<testsuite`) {
		t.Errorf("JUnit after the run: %v\n%s", err, b)
	}
}
