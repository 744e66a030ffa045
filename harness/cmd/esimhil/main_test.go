package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/owed"
	"github.com/esimhil/esimhil/harness/report"
	"github.com/esimhil/esimhil/harness/timeline"
)

func TestRunWritesArtifactsAndIsDeterministic(t *testing.T) {
	scen := filepath.Join("..", "..", "..", "fixtures", "scenarios", "roam-fr-preinstalled.yaml")
	var events [][]byte
	for i := range 2 {
		out := filepath.Join(t.TempDir(), "o")
		var stdout, stderr bytes.Buffer
		if code := cli(context.Background(), []string{"run", "--seed", "1", "--capture", "tap", "--out", out, scen}, &stdout, &stderr); code != 0 {
			t.Fatalf("run %d exited %d: %s%s", i, code, stdout.String(), stderr.String())
		}
		if !strings.HasPrefix(stdout.String(), "PASS  roam-fr-preinstalled (seed 1,") {
			t.Fatalf("summary line: %q", stdout.String())
		}
		dir := filepath.Join(out, "roam-fr-preinstalled")
		for _, f := range []string{"events.jsonl", "at.log", "traffic.pcapng"} {
			if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
				t.Fatalf("artifact %s: %v", f, err)
			}
		}
		b, _ := os.ReadFile(filepath.Join(dir, "events.jsonl"))
		events = append(events, b)
		// The scenario as it ran, kept beside its evidence.
		kept, _ := os.ReadFile(filepath.Join(dir, ScenarioCopy))
		if src, _ := os.ReadFile(scen); !bytes.Equal(kept, src) {
			t.Errorf("%s is not the scenario file as it ran", ScenarioCopy)
		}
		// and linked from the page with the raw artifacts.
		if page, _ := os.ReadFile(filepath.Join(dir, "timeline.html")); !bytes.Contains(page, []byte(`href="`+ScenarioCopy+`"`)) {
			t.Errorf("the page does not link %s", ScenarioCopy)
		}
		at, _ := os.ReadFile(filepath.Join(dir, "at.log"))
		if !bytes.Contains(at, []byte(`< +COPS: 0,2,"20810",7`)) {
			t.Fatalf("at.log does not end on SFR:\n%s", at)
		}
	}
	if !bytes.Equal(events[0], events[1]) {
		t.Fatal("same seed, different events.jsonl")
	}
}

// esimhil report reads the directory esimhil run --out wrote as well as
// make run's parent of it; over a directory with nothing to report it
// writes no index and fails.
func TestReportOnRunOut(t *testing.T) {
	scen := filepath.Join("..", "..", "..", "fixtures", "scenarios", "home-no-request.yaml")
	out := filepath.Join(t.TempDir(), "o")
	var stdout, stderr bytes.Buffer
	if code := cli(context.Background(), []string{"run", "--seed", "1", "--out", out, scen}, &stdout, &stderr); code != 0 {
		t.Fatalf("run exited %d: %s%s", code, stdout.String(), stderr.String())
	}
	stdout.Reset()
	stderr.Reset()
	if code := cli(context.Background(), []string{"report", "--out", out}, &stdout, &stderr); code != 0 || !strings.HasSuffix(stdout.String(), ": 1 run\n") {
		t.Errorf("report on run's --out: exit %d\nstdout %s\nstderr %s", code, stdout.String(), stderr.String())
	}
	empty := t.TempDir()
	stdout.Reset()
	stderr.Reset()
	if code := cli(context.Background(), []string{"report", "--out", empty}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "nothing to report") {
		t.Errorf("report on an empty directory: exit %d\nstderr %s", code, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(empty, "index.html")); err == nil {
		t.Error("an index of nothing was written")
	}
}

func TestRunFailsOnBadScenarioAndUnmetExpectations(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("name: x\nnetwork: {operators: [{id: a, plmn: \"1\"}]}\n"), 0o644)
	var stdout, stderr bytes.Buffer
	if code := cli(context.Background(), []string{"run", "--out", dir, bad}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d for a broken scenario", code)
	}
	if !regexp.MustCompile(`^ERROR .*bad\.yaml:\d+:\d+: `).MatchString(stdout.String()) {
		t.Fatalf("error does not name file:line:col: %q", stdout.String())
	}
	// The progress line counts it as an error, not a failure.
	if !strings.Contains(stdout.String(), "run 1/1 scenarios (100.0%), 0 failed, 1 error,") {
		t.Errorf("progress line does not count the file as an error: %q", stdout.String())
	}

	src, _ := os.ReadFile(filepath.Join("..", "..", "..", "fixtures", "scenarios", "roam-fr-preinstalled.yaml"))
	wrong := filepath.Join(dir, "wrong.yaml")
	os.WriteFile(wrong, bytes.Replace(src, []byte("attempts: [sfr]"), []byte("attempts: [orange-fr]"), 1), 0o644)
	stdout.Reset()
	if code := cli(context.Background(), []string{"run", "--capture", "tap", "--out", dir, wrong}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d for an unmet expectation: %s", code, stdout.String())
	}
	if !strings.HasPrefix(stdout.String(), "FAIL  roam-fr-preinstalled") || !strings.Contains(stdout.String(), "attempts") {
		t.Fatalf("failure report: %q", stdout.String())
	}
}

// Two files of one name would share one artifacts directory: the second
// is refused, the first one's evidence kept.
func TestRunRefusesASecondScenarioOfTheSameName(t *testing.T) {
	out := filepath.Join(t.TempDir(), "o")
	scen := filepath.Join("..", "..", "..", "fixtures", "scenarios", "home-no-request.yaml")
	src, _ := os.ReadFile(scen)
	copied := filepath.Join(t.TempDir(), "copy.yaml")
	os.WriteFile(copied, bytes.Replace(src, []byte("seed: 3"), []byte("seed: 4"), 1), 0o644)
	var stdout, stderr bytes.Buffer
	if code := cli(context.Background(), []string{"run", "--capture", "tap", "--out", out, scen, copied}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1: %s%s", code, stdout.String(), stderr.String())
	}
	lines := strings.Split(stdout.String(), "\n")
	if !strings.HasPrefix(lines[0], "PASS  home-no-request (seed 3,") {
		t.Fatalf("first scenario: %q", lines[0])
	}
	if want := "ERROR " + copied + `: scenario name "home-no-request" is already ` + scen + "'s in this run"; !strings.HasPrefix(lines[1], want) {
		t.Fatalf("second scenario:\n %q, want it to start with\n %q", lines[1], want)
	}
	ev, _ := os.ReadFile(filepath.Join(out, "home-no-request", "events.jsonl"))
	if !bytes.Contains(ev, []byte(`"seed":3`)) {
		t.Fatalf("the first scenario's events were overwritten")
	}
}

// A results file that cannot be written (results.json a directory: as
// root, a mode bit would not stop it) is reported once, however many
// times the run tries, says where the verdicts are all the same (the
// JUnit file was written), and fails the run: CI reads those files.
func TestRunReportsAnUnwritableResultOnce(t *testing.T) {
	out := t.TempDir()
	if err := os.Mkdir(filepath.Join(out, "results.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	junit := filepath.Join(t.TempDir(), "j.xml")
	scen := filepath.Join("..", "..", "..", "fixtures", "scenarios")
	var stdout, stderr bytes.Buffer
	code := cli(context.Background(), []string{"run", "--capture", "tap", "--out", out, "--junit", junit,
		filepath.Join(scen, "home-no-request.yaml"), filepath.Join(scen, "no-coverage-start.yaml")}, &stdout, &stderr)
	if code != 1 {
		t.Errorf("exit %d, want 1: %s%s", code, stdout.String(), stderr.String())
	}
	if n := strings.Count(stdout.String(), "PASS  "); n != 2 {
		t.Errorf("%d scenarios passed, want 2: %s", n, stdout.String())
	}
	want := "esimhil run: results not saved (the verdicts are in this output and in " + junit + "): "
	if n := strings.Count(stderr.String(), want); n != 1 || strings.Contains(stderr.String(), "only in this output") {
		t.Errorf("said %d times, want once: %q\n%s", n, want, stderr.String())
	}
	if x, err := os.ReadFile(junit); err != nil || !strings.Contains(string(x), `tests="2"`) {
		t.Errorf("junit: %v\n%s", err, x)
	}
}

// A JUnit file that can no longer be written (here a directory took its
// place mid-run) is said as that, with results.json named as holding the
// verdicts: not as all results lost (outside tester sw69).
func TestRunSaysWhereTheVerdictsAreWhenJUnitFails(t *testing.T) {
	out := t.TempDir()
	junit := filepath.Join(t.TempDir(), "j.xml")
	scen := filepath.Join("..", "..", "..", "fixtures", "scenarios", "home-no-request.yaml")
	stdout := &cancelOn{prefix: "PASS  ", stop: func() {
		os.Remove(junit)
		os.MkdirAll(filepath.Join(junit, "in-the-way"), 0o755)
	}}
	var stderr bytes.Buffer
	code := cli(context.Background(), []string{"run", "--capture", "tap", "--out", out, "--junit", junit, scen}, stdout, &stderr)
	want := "esimhil run: JUnit results not saved (the verdicts are in this output and in " + filepath.Join(out, "results.json") + "): "
	if code != 1 || !strings.HasPrefix(stderr.String(), want) || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("exit %d, stderr %q; want 1 and one line %q…", code, stderr.String(), want)
	}
	if es, err := report.ReadScenarios(filepath.Join(out, "results.json")); err != nil || len(es) != 1 || es[0].Verdict != "pass" {
		t.Errorf("results.json: %v %+v", err, es)
	}
}

// --junit where no file can be made (a plain file as its directory; a
// read-only mount alike) is refused before anything runs, as --out is:
// found after the run, the file CI reads would be lost.
func TestRunRefusesAnUnwritableJUnit(t *testing.T) {
	tmp := t.TempDir()
	plain := filepath.Join(tmp, "plain")
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	scen := filepath.Join("..", "..", "..", "fixtures", "scenarios", "home-no-request.yaml")
	for _, j := range []string{filepath.Join(plain, "j.xml"), filepath.Join(plain, "sub", "j.xml")} {
		var stdout, stderr bytes.Buffer
		code := cli(context.Background(), []string{"run", "--junit", j, "--out", filepath.Join(tmp, "o"), scen}, &stdout, &stderr)
		want := "esimhil run: --junit " + j + ": cannot be written: " + plain + " is not a directory\n"
		if code != 2 || stderr.String() != want || stdout.Len() != 0 {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 2 and %q", j, code, stdout.String(), stderr.String(), want)
		}
	}
	if _, err := os.Stat(filepath.Join(tmp, "o")); !os.IsNotExist(err) {
		t.Errorf("a refused run made its --out (%v)", err)
	}
	// One that cannot be made, nor a file in a directory: named, not the
	// probe (outside tester t135 F9).
	for _, tc := range []struct{ dir, want string }{
		{"/proc/nope", "/proc/nope does not exist, and /proc, the nearest directory above it that does, takes no new directory: "},
		{"/proc", "/proc takes no new file: "},
	} {
		err := writableDir(tc.dir)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "probe") {
			t.Errorf("%s: %v, want %q…", tc.dir, err, tc.want)
		}
	}
	// A directory still to be made is no refusal: the write makes it.
	if err := writableDir(filepath.Join(tmp, "new", "dir")); err != nil {
		t.Errorf("a directory to be made: %v", err)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 1 {
		t.Errorf("the probe left %d entries in %s, want only plain", len(ents), tmp)
	}
}

func TestUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := cli(context.Background(), nil, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "usage:") {
		t.Fatalf("no args: exit %d, %q", code, stderr.String())
	}
	if code := cli(context.Background(), []string{"frobnicate"}, &stdout, &stderr); code != 2 {
		t.Fatalf("unknown command: exit %d", code)
	}
	if code := cli(context.Background(), []string{"run"}, &stdout, &stderr); code != 2 {
		t.Fatalf("run without files: exit %d", code)
	}
	if code := cli(context.Background(), []string{"run", "--frobnicate"}, &stdout, &stderr); code != 2 {
		t.Fatalf("run with an unknown flag: exit %d", code)
	}
}

// Every subcommand's -h and --help print its flags and exit 0, as Go's own
// flag handling does; they run nothing.
func TestSubcommandHelp(t *testing.T) {
	for _, cmd := range [][]string{{"run"}, {"report"}, {"timeline"}, {"fleet"}, {"fleet", "merge"}, {"serve"},
		{"emulate"}, {"replay"}, {"log"}, {"fixture"}, {"lab", "discover"}, {"lab", "record"}, {"lab", "diff", t.TempDir()},
		{"lab", "personality", t.TempDir()}, {"lab", "sniff"}} {
		for _, h := range []string{"-h", "--help"} {
			var stdout, stderr bytes.Buffer
			args := append(slices.Clone(cmd), h)
			// Once: not the flags and then the command's whole usage
			// as well (outside tester sw128 F8: lab discover --help).
			if code := cli(context.Background(), args, &stdout, &stderr); code != 0 || strings.Count(stderr.String(), "Usage of") != 1 || strings.Contains(stderr.String(), "usage:") {
				t.Errorf("%q: exit %d\nstdout %s\nstderr %s", args, code, stdout.String(), stderr.String())
			}
		}
	}
}

// A second program opens the emulate tty by its symlink and talks AT to it,
// as a person with minicom would.
func TestEmulateServesATOnTheLink(t *testing.T) {
	link := filepath.Join(t.TempDir(), "modem")
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int)
	go func() {
		done <- cli(ctx, []string{"emulate", "--link", link, "--speed", "60", "--capture", "tap", "--out", t.TempDir()}, pw, io.Discard)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	var tty string
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == "tty" {
			tty = f[1]
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if tty != link {
		cancel()
		t.Fatalf("emulate printed tty %q, want the link %q", tty, link)
	}
	c, err := atclient.Open(link, atclient.WithTimeout(5*time.Second))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if _, err := c.Command("AT"); err != nil {
		t.Errorf("AT: %v", err)
	}
	if _, err := c.Command("AT+CEREG=2"); err != nil {
		t.Errorf("AT+CEREG=2: %v", err)
	}
	// At 60x the 1.5–3 s attach takes at most 50 ms of wall time, which a
	// loaded machine may spend before AT+CEREG=2 arrives: deregister and
	// register again (+COPS=2, +COPS=0) so that a URC is owed either way.
	for _, cmd := range []string{"AT+COPS=2", "AT+COPS=0"} {
		if _, err := c.Command(cmd); err != nil {
			t.Errorf("%s: %v", cmd, err)
		}
	}
	if _, err := c.WaitURC("+CEREG: 1,", 5*time.Second); err != nil {
		t.Errorf("no registration URC: %v", err)
	}
	resp, err := c.Command("AT+CEREG?")
	if err != nil || len(resp.Lines) != 1 || !strings.HasPrefix(resp.Lines[0], "+CEREG: 2,1,") {
		t.Errorf("AT+CEREG? = %v, %v", resp, err)
	}
	c.Close()
	cancel()
	if code := <-done; code != 130 {
		t.Fatalf("emulate exited %d, want 130 (stopped by SIGINT)", code)
	}
	if _, err := os.Lstat(link); !os.IsNotExist(err) {
		t.Fatalf("symlink left behind: %v", err)
	}
}

// emulateUntilReady runs emulate with args, reads its banner up to the
// speed line, stops it and returns the banner and the exit code.
func emulateUntilReady(t *testing.T, args ...string) (string, int) {
	t.Helper()
	ctx, stop := context.WithCancelCause(context.Background())
	cancel := func() { stop(stopSignal{syscall.SIGTERM}) }
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		done <- cli(ctx, append([]string{"emulate", "--capture", "tap", "--out", t.TempDir()}, args...), pw, &stderr)
		pw.Close()
	}()
	var banner strings.Builder
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		banner.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), "speed") {
			break
		}
	}
	cancel()
	rest, _ := io.ReadAll(pr)
	banner.Write(rest)
	return banner.String() + stderr.String(), <-done
}

func TestEmulatePersonalityStateAndActivationCodes(t *testing.T) {
	scen := filepath.Join("..", "..", "..", "fixtures", "scenarios", "roam-fr-download.yaml")
	state := filepath.Join(t.TempDir(), "card.nvm")
	for i, want := range []string{"(new card; written at every change)", "(card restored; written at every change)"} {
		out, code := emulateUntilReady(t, "--scenario", scen, "--personality", "quectel-eg25", "--state", state)
		if code != 143 {
			t.Fatalf("run %d: exit %d, want 143 (stopped by SIGTERM):\n%s", i, code, out)
		}
		for _, s := range []string{
			"modem     quectel-eg25 (", "state     " + state + " " + want,
			"activation code LPA:1$smdp.sfr.test$", "activation code LPA:1$smdp.orange-fr.test$",
			"test CI   ", "stopped by SIGTERM; artifacts in ",
		} {
			if !strings.Contains(out, s) {
				t.Errorf("run %d: no %q in\n%s", i, s, out)
			}
		}
		if st, err := os.Stat(state); err != nil || st.Size() == 0 {
			t.Fatalf("run %d: state file: %v", i, err)
		}
	}
}

// A personality file — a built-in one with a quirk added, as a lab user
// rehearses a recorded modem on the desk — is taken by --personality.
func TestEmulatePersonalityFile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "fixtures", "personalities", "quectel-eg25.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "eg25-short-cgla.yaml")
	b = []byte(strings.Replace(string(b), "name: quectel-eg25", "name: eg25-short-cgla", 1) + "cgla_max_apdu: 64\n")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, code := emulateUntilReady(t, "--personality", file)
	if code != 143 || !strings.Contains(out, "modem     eg25-short-cgla (") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("name: x\nnonsense: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := cli(context.Background(), []string{"emulate", "--capture", "tap", "--out", t.TempDir(), "--personality", bad}, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), "bad.yaml") {
		t.Errorf("a bad personality file: exit %d, %q", code, stderr.String())
	}
}

func TestEmulateRejectsBadPersonalityAndState(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown personality", []string{"--personality", "nokia-3310"}, "generic"},
		{"state that is not an NVM image", []string{"--state", "main_test.go"}, "NVM"},
		{"no speed", []string{"--speed", "0"}, "--speed 0: want"},
		{"speed not a number", []string{"--speed", "NaN"}, "--speed NaN: want"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := cli(context.Background(), append([]string{"emulate", "--capture", "tap", "--out", t.TempDir()}, tc.args...), &stdout, &stderr)
			if code == 0 || !strings.Contains(stderr.String(), tc.want) {
				t.Fatalf("exit %d, stderr %q: want an error and %q", code, stderr.String(), tc.want)
			}
		})
	}
}

// `esimhil timeline DIR` writes a scenario's page again with what the run
// recorded — its verdict from ../results.json, its seed — not "unknown"
// and seed 0.
func TestTimelineAgainKeepsTheVerdict(t *testing.T) {
	_, dir := runFixture(t, "roam-fr-preinstalled", "--seed", "7")
	var stdout, stderr bytes.Buffer
	if err := os.Remove(filepath.Join(dir, "timeline.html")); err != nil {
		t.Fatal(err)
	}
	// As a process killed while writing the page leaves it.
	pending := filepath.Join(dir, harness.IncompleteFile)
	if err := os.WriteFile(pending, []byte(timeline.PagePending+": …\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code := cli(context.Background(), []string{"timeline", dir}, &stdout, &stderr); code != 0 || stderr.Len() > 0 {
		t.Fatalf("timeline exited %d: %s", code, stderr.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "timeline.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`badge pass">pass`, "seed 7 · modem generic · 2h0m0s simulated"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the page written again lacks %q", want)
		}
	}
	if strings.Contains(string(b), "INCOMPLETE") {
		t.Error("the page written again quotes the marker of its own pending write")
	}
	if _, err := os.Stat(pending); !os.IsNotExist(err) {
		t.Errorf("the page-pending marker stays after the page is written: %v", err)
	}
}

// A run into a directory an earlier report indexed does not leave that
// index saying "passed" beside its own failure: the index is written
// again from the new record (outside tester sw76: run && report skipped
// the report exactly when the run failed).
func TestRunWritesAStaleIndexAgain(t *testing.T) {
	out := t.TempDir()
	scen, failing := preinstalledAndAFailingCopy(t, "roam-fr-preinstalled.yaml")
	var stdout, stderr bytes.Buffer
	if code := cli(context.Background(), []string{"run", "--out", out, scen}, &stdout, &stderr); code != 0 {
		t.Fatalf("run exited %d:\n%s%s", code, stdout.String(), stderr.String())
	}
	if code := cli(context.Background(), []string{"report", "--out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("report exited %d: %s", code, stderr.String())
	}
	index := filepath.Join(out, report.IndexFile)
	if b, _ := os.ReadFile(index); !strings.Contains(string(b), "1 of 1 passed") {
		t.Fatalf("the first index does not say 1 of 1 passed")
	}
	stdout.Reset()
	if code := cli(context.Background(), []string{"run", "--out", out, failing}, &stdout, &stderr); code != 1 {
		t.Fatalf("the failing run exited %d:\n%s%s", code, stdout.String(), stderr.String())
	}
	b, err := os.ReadFile(index)
	if err != nil {
		t.Fatalf("no index after the second run: %v", err)
	}
	if !strings.Contains(string(b), "0 of 1 passed") || !strings.Contains(stdout.String(), "written again for this run") {
		t.Errorf("the index after a failing run does not say 0 of 1 passed, or the run did not say it wrote it:\n%s", stdout.String())
	}
}

// A page written again from an event log cut at a line's end — which no
// parse notices — says so: at.log's and the capture's marks name events
// past the log's last line (outside tester sw76: a clean PASS page).
func TestTimelineAgainSaysTheLogLostItsEnd(t *testing.T) {
	_, dir := runFixture(t, "roam-fr-download")
	page := pageOf(t, dir)
	const lost = "the event log lost its end"
	if strings.Contains(page, lost) {
		t.Fatalf("the run's own page says %q", lost)
	}
	log := filepath.Join(dir, harness.EventsFile)
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(b, []byte("\n"))
	if err := os.WriteFile(log, bytes.Join(lines[:len(lines)*6/10], nil), 0o644); err != nil {
		t.Fatal(err)
	}
	// The record's SHA-256 of the log no longer holds: another run's.
	again, _ := timelineOverForeignRecord(t, dir)
	for _, want := range []string{"at.log: its marks name events up to line", "traffic.pcapng: its marks name events up to line", lost} {
		if !strings.Contains(again, want) {
			t.Errorf("the page of the cut log lacks %q", want)
		}
	}
}

// A page written again from a run's directory that no record names
// still says which notes the card dropped from its full outbox: the log
// holds them.
func TestTimelineAgainWithoutRecordNamesDroppedNotes(t *testing.T) {
	out, dir := runFixture(t, "dark-at-sea")
	page := pageOf(t, dir)
	const want = "the card dropped 53 notes from its full outbox"
	if !strings.Contains(page, want) {
		t.Fatalf("the run's own page lacks %q", want)
	}
	if err := os.Remove(filepath.Join(out, report.ScenariosFile)); err != nil {
		t.Fatal(err)
	}
	again, said := timelineAgain(t, dir)
	if !strings.Contains(said, "no verdict recorded") {
		t.Errorf("stderr %q does not say no verdict was recorded", said)
	}
	if !strings.Contains(again, want) {
		t.Errorf("the page written again without results.json lacks %q", want)
	}
}

// A scenario recorded as not finished whose directory shows the
// simulation finished (the process was killed while writing the page):
// the page written again heads the message with the disagreement, not as
// a failure of the rig.
func TestTimelineAgainSaysRecordAndDirectoryDisagree(t *testing.T) {
	out, dir := runFixture(t, "roam-fr-preinstalled")
	results := filepath.Join(out, report.ScenariosFile)
	es, err := report.ReadScenarios(results)
	if err != nil || len(es) != 1 {
		t.Fatalf("results: %v %v", es, err)
	}
	// As esimhil run records a scenario before it ends.
	es[0].Verdict, es[0].Unfinished, es[0].Message = "error", true, "not finished: esimhil run ended during this scenario"
	b, err := json.Marshal(es)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(results, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, harness.IncompleteFile), []byte(timeline.PagePending+": …\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	page, _ := timelineAgain(t, dir)
	if !strings.Contains(page, "<b>Its record and its directory disagree:</b>") || strings.Contains(page, "The rig failed") {
		t.Error("the page does not head the message with the disagreement")
	}
}

// A run recorded as not finished, whose directory agrees: the page heads
// the record's message "Not finished" without the message repeating it.
func TestRebuiltUnfinishedRunSaysItOnce(t *testing.T) {
	out := t.TempDir()
	dir := filepath.Join(out, "s")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, msg := range []string{"not finished: esimhil run ended during this scenario", "did not finish: the suite stopped during this spec"} {
		b, _ := json.Marshal([]report.Entry{{Kind: "scenario", Name: "s", Verdict: "error", Unfinished: true, Dir: dir, Message: msg}})
		if err := os.WriteFile(filepath.Join(out, report.ScenariosFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
		run, _ := rebuiltRun(dir, "s")
		if run.ErrTitle != "Not finished" || strings.Contains(strings.ToLower(run.Err), "finish") {
			t.Errorf("%q: page says %q: %q", msg, run.ErrTitle, run.Err)
		}
	}
}

// cancelOn is stdout that stops the command (as SIGTERM would) once a
// line starting with prefix has been written.
type cancelOn struct {
	prefix string
	stop   func()
	buf    bytes.Buffer
}

func (w *cancelOn) Write(b []byte) (int, error) {
	w.buf.Write(b)
	if strings.Contains("\n"+w.buf.String(), "\n"+w.prefix) {
		w.stop()
	}
	return len(b), nil
}

// A run a signal stops lists the scenarios it never reached as skipped,
// in results.json and in JUnit, not only on the terminal: a CI reading
// the results sees every scenario it was given.
func TestRunStoppedListsUnrunScenarios(t *testing.T) {
	scen := func(name string) string {
		return filepath.Join("..", "..", "..", "fixtures", "scenarios", name+".yaml")
	}
	files := []string{scen("home-no-request"), scen("roam-fr-preinstalled"), scen("return-home")}
	for _, tc := range []struct {
		name     string
		stopAt   string // the stdout line that brings the signal ("": before the run)
		verdicts []string
		// last is how the progress line ends the output: as stopped,
		// with no ETA.
		last string
	}{
		{"before the first scenario", "", []string{"skipped", "skipped", "skipped"}, "run 0/3 scenarios (0.0%), 0 failed, "},
		{"after the first scenario", "PASS  home-no-request", []string{"pass", "skipped", "skipped"}, "run 1/3 scenarios (33.3%), 0 failed, "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, stop := context.WithCancelCause(context.Background())
			defer stop(nil)
			sigterm := func() { stop(stopSignal{syscall.SIGTERM}) }
			if tc.stopAt == "" {
				sigterm()
			}
			out := t.TempDir()
			junit := filepath.Join(out, "junit.xml")
			stdout := &cancelOn{prefix: tc.stopAt, stop: sigterm}
			if tc.stopAt == "" {
				stdout.prefix = "\x00never"
			}
			var stderr bytes.Buffer
			code := cli(ctx, append([]string{"run", "--capture", "tap", "--out", out, "--junit", junit}, files...), stdout, &stderr)
			if code != 143 {
				t.Fatalf("exit %d, want 143 (SIGTERM):\n%s%s", code, stdout.buf.String(), stderr.String())
			}
			entries, err := report.ReadScenarios(filepath.Join(out, report.ScenariosFile))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for i, e := range entries {
				got = append(got, e.Verdict)
				// Under the scenario's name, as a run names it: a CI
				// server tracks one test whether it ran or not.
				name := strings.TrimSuffix(filepath.Base(files[i]), ".yaml")
				if e.Verdict == "skipped" && (e.Name != name || e.Message != "not run: stopped by SIGTERM ("+files[i]+")") {
					t.Errorf("entry %d: %+v, want %s not run: stopped by SIGTERM (%s)", i, e, name, files[i])
				}
			}
			if !slices.Equal(got, tc.verdicts) {
				t.Fatalf("verdicts %v, want %v:\n%s", got, tc.verdicts, stdout.buf.String())
			}
			x, err := os.ReadFile(junit)
			if err != nil {
				t.Fatal(err)
			}
			skipped := len(slices.DeleteFunc(slices.Clone(got), func(v string) bool { return v != "skipped" }))
			for _, want := range []string{
				`tests="3"`, fmt.Sprintf(`skipped="%d"`, skipped),
				`<skipped message="not run: stopped by SIGTERM (`,
			} {
				if n := strings.Count(string(x), want); n == 0 || (strings.HasPrefix(want, "<skipped") && n != skipped) {
					t.Errorf("junit has %q %d times:\n%s", want, n, x)
				}
			}
			if !strings.Contains(stdout.buf.String(), fmt.Sprintf("SKIP  %d scenario(s) not run: stopped by SIGTERM\n", skipped)) {
				t.Errorf("no SKIP line in\n%s", stdout.buf.String())
			}
			lines := strings.Split(strings.TrimSuffix(stdout.buf.String(), "\n"), "\n")
			if l := lines[len(lines)-1]; !strings.HasPrefix(l, tc.last) || !strings.HasSuffix(l, " elapsed, stopped by SIGTERM") {
				t.Errorf("last line %q, want %q… elapsed, stopped by SIGTERM", l, tc.last)
			}
		})
	}
}

// A capture mode that does not exist is a usage error, said once, before
// any scenario runs or any directory is made.
func TestRunRefusesAnUnknownCaptureMode(t *testing.T) {
	out := filepath.Join(t.TempDir(), "o")
	scen := filepath.Join("..", "..", "..", "fixtures", "scenarios", "home-no-request.yaml")
	for _, cmd := range [][]string{{"run", "--capture", "foo", "--out", out, scen}, {"emulate", "--capture", "foo", "--out", out}} {
		var stdout, stderr bytes.Buffer
		code := cli(context.Background(), cmd, &stdout, &stderr)
		want := "esimhil " + cmd[0] + `: --capture: unknown capture mode "foo" (want auto, live or tap)` + "\n"
		if code != 2 || stderr.String() != want || stdout.Len() != 0 {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 2 and %q", cmd[0], code, stdout.String(), stderr.String(), want)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%s: %s made (%v)", cmd[0], out, err)
		}
	}
}

// ESIMHIL_CAPTURE chooses the CLI's capture as it does a suite's rigs',
// unless --capture is given; a bad value is named by where it came from.
func TestCaptureModeFromTheEnvironment(t *testing.T) {
	t.Setenv(harness.CaptureEnv, "foo")
	out := filepath.Join(t.TempDir(), "o")
	scen := filepath.Join("..", "..", "..", "fixtures", "scenarios", "home-no-request.yaml")
	var stdout, stderr bytes.Buffer
	want := `esimhil run: $ESIMHIL_CAPTURE: unknown capture mode "foo" (want auto, live or tap)` + "\n"
	if code := cli(context.Background(), []string{"run", "--out", out, scen}, &stdout, &stderr); code != 2 || stderr.String() != want {
		t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr.String(), want)
	}
	stdout.Reset()
	stderr.Reset()
	if code := cli(context.Background(), []string{"run", "--capture", "tap", "--out", out, scen}, &stdout, &stderr); code != 0 {
		t.Errorf("--capture tap over the variable: exit %d: %s%s", code, stdout.String(), stderr.String())
	}
}

// timeline over what is not a run's directory says only that.
func TestTimelineOfNoDirectory(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	var stdout, stderr bytes.Buffer
	code := cli(context.Background(), []string{"timeline", missing}, &stdout, &stderr)
	want := "esimhil timeline: " + missing + ": stat " + missing + ": no such file or directory (want a run's directory, which holds its events.jsonl)\n"
	if code != 1 || stderr.String() != want || stdout.Len() != 0 {
		t.Errorf("exit %d, stdout %q, stderr %q; want 1 and %q", code, stdout.String(), stderr.String(), want)
	}
}

// --junit naming a directory is refused before anything runs.
func TestRunRefusesAJUnitDirectory(t *testing.T) {
	tmp := t.TempDir()
	scen := filepath.Join("..", "..", "..", "fixtures", "scenarios", "home-no-request.yaml")
	for _, j := range []string{tmp, filepath.Join(tmp, "new") + "/"} {
		var stdout, stderr bytes.Buffer
		code := cli(context.Background(), []string{"run", "--junit", j, "--out", filepath.Join(tmp, "o"), scen}, &stdout, &stderr)
		want := "esimhil run: --junit " + j + ": is a directory; name a file in it\n"
		if code != 2 || stderr.String() != want || stdout.Len() != 0 {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 2 and %q", j, code, stdout.String(), stderr.String(), want)
		}
	}
	if _, err := os.Stat(filepath.Join(tmp, "o")); !os.IsNotExist(err) {
		t.Errorf("a refused run made its --out (%v)", err)
	}
}

// --seed 0 runs seed 0; without --seed a scenario runs its own.
func TestRunSeedZeroIsASeed(t *testing.T) {
	scen := filepath.Join("..", "..", "..", "fixtures", "scenarios", "home-no-request.yaml") // seed: 3
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "PASS  home-no-request (seed 3,"},
		{[]string{"--seed", "0"}, "PASS  home-no-request (seed 0,"},
		{[]string{"--seed", "7"}, "PASS  home-no-request (seed 7,"},
	} {
		var stdout, stderr bytes.Buffer
		args := append(append([]string{"run", "--out", filepath.Join(t.TempDir(), "o")}, tc.args...), scen)
		if code := cli(context.Background(), args, &stdout, &stderr); code != 0 || !strings.HasPrefix(stdout.String(), tc.want) {
			t.Errorf("%q: exit %d, %q; want %q", tc.args, code, stdout.String(), tc.want)
		}
	}
}

// runVariant runs roam-fr-preinstalled.yaml with old replaced by new in
// its text through the CLI (tap capture, JUnit), wants exit code want, and
// returns what it printed and the entries of its results.json.
func runVariant(t *testing.T, old, new string, want int) (string, []report.Entry, string) {
	t.Helper()
	base, err := os.ReadFile(filepath.Join("..", "..", "..", "fixtures", "scenarios", "roam-fr-preinstalled.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	scen := filepath.Join(dir, "variant.yaml")
	if err := os.WriteFile(scen, []byte(strings.Replace(string(base), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, junit := filepath.Join(dir, "o"), filepath.Join(dir, "junit.xml")
	var stdout, stderr bytes.Buffer
	if code := cli(context.Background(), []string{"run", "--capture", "tap", "--out", out, "--junit", junit, scen}, &stdout, &stderr); code != want {
		t.Fatalf("exit %d, want %d:\n%s%s", code, want, stdout.String(), stderr.String())
	}
	entries, err := report.ReadScenarios(filepath.Join(out, report.ScenariosFile))
	if err != nil || len(entries) != 1 {
		t.Fatalf("results %+v, %v", entries, err)
	}
	x, _ := os.ReadFile(junit)
	return stdout.String(), entries, string(x)
}

// pageSays checks the run's page holds want, as written by the run and
// again when esimhil timeline writes it from the record.
func pageSays(t *testing.T, dir string, ok func(page string) bool, what string) {
	t.Helper()
	for _, again := range []bool{false, true} {
		if again {
			var stdout, stderr bytes.Buffer
			if code := cli(context.Background(), []string{"timeline", dir}, &stdout, &stderr); code != 0 {
				t.Fatalf("timeline exited %d: %s", code, stderr.String())
			}
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "timeline.html")); !ok(string(b)) {
			t.Errorf("the page (written again: %v) does not say %s", again, what)
		}
	}
}

// A fault of the plan the run never reached is said, on the terminal, in
// results.json and in JUnit: the verdict stands, but the author must not
// take the fault for tested.
func TestRunSaysWhichFaultsNeverFired(t *testing.T) {
	stdout, entries, junit := runVariant(t, "expect:\n", "faults:\n  - {power_cut: attach_attempt, nth: 300}\nexpect:\n", 0)
	const note = "faults[0] (power_cut: attach_attempt, nth: 300) never fired"
	if !strings.Contains(stdout, "\n      note: "+note+"\n") {
		t.Errorf("no note on the terminal:\n%s", stdout)
	}
	if !slices.Equal(entries[0].Unfired, []string{note}) || entries[0].Verdict != "pass" {
		t.Errorf("results %+v", entries)
	}
	if !strings.Contains(junit, `<property name="unfired" value="`+note+`">`) {
		t.Errorf("junit:\n%s", junit)
	}
	pageSays(t, entries[0].Dir, func(b string) bool {
		return strings.Contains(b, "Faults of the plan that never fired") && strings.Contains(b, note) && !strings.Contains(b, "incomplete or approximate")
	}, note+" under its own heading")
}

// A plan with more faults that never fired than the terminal says one a
// line: the first 20, then one line that counts the rest and names where
// all are (outside tester t244, d1000: 350 note lines). results.json and
// the page keep every one.
func TestRunSaysManyUnfiredFaultsInOneLine(t *testing.T) {
	var plan strings.Builder
	for i := range 25 {
		fmt.Fprintf(&plan, "  - {power_cut: attach_attempt, nth: %d}\n", 300+i)
	}
	stdout, entries, _ := runVariant(t, "expect:\n", "faults:\n"+plan.String()+"expect:\n", 0)
	if n := strings.Count(stdout, "\n      note: faults["); n != 20 {
		t.Errorf("%d notes naming a fault, want 20:\n%s", n, stdout)
	}
	e := entries[0]
	results := filepath.Join(filepath.Dir(e.Dir), report.ScenariosFile)
	want := "\n      note: … and 5 more faults never fired; all are listed in " + results + " (unfired) and on " + filepath.Join(e.Dir, "timeline.html") + "\n"
	if !strings.Contains(stdout, want) {
		t.Errorf("no summary %q:\n%s", want, stdout)
	}
	last := "faults[24] (power_cut: attach_attempt, nth: 324) never fired"
	if len(e.Unfired) != 25 || e.Unfired[24] != last {
		t.Errorf("results.json lists %d: %q", len(e.Unfired), e.Unfired)
	}
	pageSays(t, e.Dir, func(b string) bool { return strings.Contains(b, last) }, last)
}

// TestUnfiredNotes: up to 20 faults (21: the count would say no less) are
// said one a line; past that the first 20 and one line for the rest.
func TestUnfiredNotes(t *testing.T) {
	faults := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("faults[%d] (coverage: lost) never fired", i)
		}
		return out
	}
	tests := []struct {
		n, lines int
		page     string
		last     string
	}{
		{0, 0, "", ""},
		{1, 1, "", "faults[0] (coverage: lost) never fired"},
		{20, 20, "", "faults[19] (coverage: lost) never fired"},
		{21, 21, "", "faults[20] (coverage: lost) never fired"},
		{22, 21, "", "… and 2 more faults never fired; all are listed in out/results.json (unfired)"},
		{350, 21, "out/d/timeline.html", "… and 330 more faults never fired; all are listed in out/results.json (unfired) and on out/d/timeline.html"},
	}
	for _, tt := range tests {
		in := faults(tt.n)
		got := unfiredNotes(in, "out/results.json", tt.page)
		if len(got) != tt.lines || (tt.lines > 0 && got[len(got)-1] != tt.last) {
			t.Errorf("%d faults: %d lines, last %q; want %d, %q", tt.n, len(got), got[len(got)-1:], tt.lines, tt.last)
		}
		if tt.n > 21 && (!slices.Equal(got[:20], in[:20]) || in[20] != "faults[20] (coverage: lost) never fired") {
			t.Errorf("%d faults: the first 20 not said as they are, or the list changed", tt.n)
		}
	}
}

// A run that ends with a notification the card still holds for an SM-DP+
// (one it was made with, to an address that never resolves) says so
// beside its verdict, on the terminal, in results.json, in JUnit and on
// the page, again when written from the record (outside tester t78 F2).
func TestRunSaysWhichSMDPNotesWereStillOwed(t *testing.T) {
	stdout, entries, junit := runVariant(t, "platform:\n",
		"  notifications:\n    - {seq: 3, event: disable, iccid: \"89331000000000000029\", address: smdp.gone.test}\nplatform:\n", 0)
	const note = "the card still owed SM-DP+s 1 notification(s) at the end, which it had not seen acknowledged (an SM-DP+ may have taken one whose answer was lost; the card keeps them and sends them again once it has a bearer and the SM-DP+ answers): disable@smdp.gone.test seq 3"
	if !strings.Contains(stdout, "\n      note: "+note+"\n") {
		t.Errorf("no note on the terminal:\n%s", stdout)
	}
	if entries[0].Owed.SMDP != note || entries[0].Owed.Platform != "" || entries[0].Verdict != "pass" {
		t.Fatalf("results %+v", entries)
	}
	if !strings.Contains(junit, `<property name="owed_smdp_notes" value="`+note+`">`) {
		t.Errorf("junit:\n%s", junit)
	}
	pageSays(t, entries[0].Dir, func(b string) bool {
		return strings.Contains(b, "<b>Notes still owed:</b> "+strings.ReplaceAll(note, "+", "&#43;"))
	}, note)
}

// A run that ends inside a cycle of the card's says so beside its verdict,
// on the terminal, in results.json, in JUnit and on the page (again when
// it is written again from the record): its end state was read mid-switch.
func TestRunSaysItEndedInsideACycle(t *testing.T) {
	// The switch of the 1h check is still awaiting its attach at 1h0m1s.
	stdout, entries, junit := runVariant(t, "  within: 2h\n", "  within: 1h0m1s\n", 1)
	const note = "the run ended inside a cycle the card started at 1h0m0s (trigger list) and had not ended: the end state was read mid-switch"
	if !strings.Contains(stdout, "\n      note: "+note+"\n") {
		t.Errorf("no note on the terminal:\n%s", stdout)
	}
	if entries[0].OpenCycle != note {
		t.Fatalf("results %+v", entries)
	}
	if !strings.Contains(junit, `<property name="open_cycle" value="`+note+`">`) {
		t.Errorf("junit:\n%s", junit)
	}
	pageSays(t, entries[0].Dir, func(b string) bool { return strings.Contains(b, "<b>Ended inside a cycle:</b> "+note) }, note)
}

// The first signal stops the command; the same signal again at once (GNU
// timeout's second copy, to the process group) does not kill it, a
// second signal later does.
func TestSignalsStopThenKill(t *testing.T) {
	for _, tc := range []struct {
		name  string
		gap   time.Duration // between the two deliveries
		kills bool
	}{
		{"the same signal delivered twice", time.Millisecond, false},
		{"just within the window", dupSignal - time.Millisecond, false},
		{"a second signal", dupSignal, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sigs := make(chan os.Signal, 2)
			sigs <- syscall.SIGTERM
			sigs <- syscall.SIGTERM
			close(sigs)
			// The clock reads at the first delivery, then at the second.
			at := []time.Time{clock.Epoch, clock.Epoch.Add(tc.gap)}
			now := func() time.Time { t := at[0]; at = at[1:]; return t }
			stops, kills := 0, 0
			onSignals(sigs, now, func(os.Signal) { stops++ }, func(os.Signal) { kills++ })
			if stops != 1 || (kills == 1) != tc.kills {
				t.Errorf("stops %d kills %d, want 1 and %v", stops, kills, tc.kills)
			}
		})
	}
}

// The second signal kills: by its default action, or, for a process that
// started with it ignored (a shell's background job has SIGINT ignored),
// by exiting 128 + its number, since the default action is ignoring it.
func TestKillNow(t *testing.T) {
	for _, tc := range []struct {
		name    string
		sig     os.Signal
		ignored bool
		exit    int
		raised  syscall.Signal
	}{
		{"SIGINT", syscall.SIGINT, false, -1, syscall.SIGINT},
		{"SIGINT started ignored", syscall.SIGINT, true, 130, 0},
		{"SIGTERM started ignored", syscall.SIGTERM, true, 143, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exit, raised := -1, syscall.Signal(0)
			killNow(tc.sig, tc.ignored, func(c int) { exit = c }, func(n syscall.Signal) { raised = n })
			if exit != tc.exit || raised != tc.raised {
				t.Errorf("exit %d raised %v, want %d and %v", exit, raised, tc.exit, tc.raised)
			}
		})
	}
}

// --junit never names evidence: the run's own results.json or index, a
// file in a scenario's directory, or an existing file that is no JUnit
// report; a file beside them, new or an earlier report, is taken.
func TestJUnitClobbers(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	if err := os.MkdirAll(filepath.Join(out, "roam"), 0o755); err != nil {
		t.Fatal(err)
	}
	scen := filepath.Join(dir, "roam.yaml")
	old := filepath.Join(out, "old.xml")
	os.WriteFile(scen, []byte("name: roam\n"), 0o644)
	os.WriteFile(old, []byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n<testsuites></testsuites>\n"), 0o644)
	for _, tc := range []struct {
		path, want string
	}{
		{filepath.Join(out, "results.json"), "is the run's own results.json"},
		{filepath.Join(out, "index.html"), "is the run's own index.html"},
		{filepath.Join(out, "roam", "events.jsonl"), "is inside " + filepath.Join(out, "roam")},
		{scen, "exists and is not a JUnit report"},
		{filepath.Join(out, "junit.xml"), ""},
		{old, ""},
		{filepath.Join(dir, "elsewhere.xml"), ""},
	} {
		err := junitClobbers(tc.path, out)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.path, err, tc.want)
		}
	}
}

// esimhil report takes only flags: a directory given without --out is
// refused, and --out suggested, rather than ./out reported in its place.
func TestReportRefusesOperands(t *testing.T) {
	tmp := t.TempDir()
	t.Chdir(tmp) // a ./out that would be reported in the argument's place
	if err := os.MkdirAll(filepath.Join("out", "specs", "s"), 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tmp, "elsewhere")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{dir}, "esimhil report: unexpected argument \"" + dir + "\": it takes only flags (to report that directory: esimhil report --out " + dir + ")\n"},
		{[]string{"--out", dir, "stray-arg"}, "esimhil report: unexpected argument \"stray-arg\": it takes only flags\n"},
		{[]string{"stray-arg", "--out", dir}, "esimhil report: unexpected argument \"stray-arg\": it takes only flags\n"},
		{[]string{dir, "b", "c"}, "esimhil report: unexpected arguments \"" + dir + "\" and 2 more: it takes only flags (to report that directory: esimhil report --out " + dir + ")\n"},
	} {
		var stdout, stderr bytes.Buffer
		code := cli(context.Background(), append([]string{"report"}, tc.args...), &stdout, &stderr)
		// Its own usage line, as serve's and emulate's, not every command's.
		tc.want += "usage: esimhil report [--out DIR]\n"
		if code != 2 || stderr.String() != tc.want || stdout.Len() != 0 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 2 and %q", tc.args, code, stdout.String(), stderr.String(), tc.want)
		}
	}
	for _, p := range []string{filepath.Join("out", "index.html"), filepath.Join(dir, "index.html")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("a refused report wrote %s (%v)", p, err)
		}
	}
}

// timeline over a directory that is no run (no events.jsonl: a run's
// --out, make run's out/, /tmp) is refused as a missing one is, naming
// runs below it, and writes no page there; a run kill -9 left without a
// verdict still gets its page.
func TestTimelineRefusesADirectoryThatIsNoRun(t *testing.T) {
	const want = "(want a run's directory, which holds its events.jsonl)"
	for _, tc := range []struct {
		name  string
		files []string // under the directory given
		code  int
		say   []string // in stderr, "D" for the directory
		page  bool
	}{
		{"esimhil run's --out", []string{"a/events.jsonl", "b/events.jsonl", "results.json"}, 1,
			[]string{"D: no events.jsonl in it " + want + "; runs below it: D/a, D/b\n"}, false},
		{"make run's out", []string{"scenarios/x/events.jsonl", "specs/y/events.jsonl", "specs/field/f/events.jsonl", "report.json"}, 1,
			[]string{"runs below it: D/scenarios/x, D/specs/y\n"}, false},
		{"many runs below", []string{"a/events.jsonl", "b/events.jsonl", "c/events.jsonl", "d/events.jsonl"}, 1,
			[]string{"runs below it: D/a, D/b, D/c, …\n"}, false},
		{"nothing below", []string{"notes.txt"}, 1, []string{"D: no events.jsonl in it " + want + "\n"}, false},
		{"events.jsonl that is a directory", []string{"events.jsonl/x"}, 1, []string{"D: no events.jsonl in it " + want}, false},
		// kill -9: its events, no spec.json, no results.json beside it.
		{"a run killed without a verdict", []string{"events.jsonl", "INCOMPLETE"}, 0, []string{"no verdict recorded for it"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tc.files {
				p := filepath.Join(dir, f)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				text := "x\n"
				if filepath.Base(f) == "events.jsonl" {
					text = `{"t":0,"kind":"run_started","seed":3}` + "\n"
				}
				if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var stdout, stderr bytes.Buffer
			code := cli(context.Background(), []string{"timeline", dir}, &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr %q", code, tc.code, stderr.String())
			}
			for _, s := range tc.say {
				if s = strings.ReplaceAll(s, "D", dir); !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr %q lacks %q", stderr.String(), s)
				}
			}
			_, err := os.Stat(filepath.Join(dir, "timeline.html"))
			if page := err == nil; page != tc.page {
				t.Errorf("page written: %v, want %v (stdout %q)", page, tc.page, stdout.String())
			}
		})
	}
}

// A scenario that cannot be kept beside its artifacts makes the run an
// error, not a pass: evidence without its scenario is incomplete, and an
// earlier run's copy left there would pass for this one's (outside tester
// sw64: the timeline linked it, the rerun recipe replayed another trip).
func TestRunSaysTheScenarioWasNotKept(t *testing.T) {
	scen := filepath.Join("..", "..", "..", "fixtures", "scenarios", "home-no-request.yaml")
	for _, tc := range []struct {
		name  string
		block func(copy string) error // makes the copy's write fail
		want  string
	}{
		{"nothing left", func(copy string) error { return os.Mkdir(copy, 0o755) },
			"the scenario was not kept beside its artifacts (scenario.yaml): open "},
		{"an earlier copy left", func(copy string) error {
			if err := os.Mkdir(copy, 0o755); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(copy, "x"), nil, 0o644)
		}, "; the scenario.yaml there is an earlier run's, not this one's (not removed: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			dir := filepath.Join(out, "home-no-request")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := tc.block(filepath.Join(dir, ScenarioCopy)); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			code := cli(context.Background(), []string{"run", "--seed", "1", "--out", out, scen}, &stdout, &stderr)
			if code != 1 || !strings.HasPrefix(stdout.String(), "ERROR home-no-request (seed 1, ") || !strings.Contains(stdout.String(), tc.want) {
				t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout.String(), stderr.String())
			}
			b, err := os.ReadFile(filepath.Join(out, "results.json"))
			if err != nil || !bytes.Contains(b, []byte(`"verdict": "error"`)) && !bytes.Contains(b, []byte(`"verdict":"error"`)) {
				t.Errorf("results.json %s %v: want the error verdict", b, err)
			}
		})
	}
}

// A results.json of an earlier run (seed 1, pass) put back beside the
// directory the next run wrote (seed 5, FAIL): report and timeline read
// the directory's run_started, list it with no verdict and say why — the
// FAIL page is never written again as a PASS (outside tester sw76 M2).
func TestReportAndTimelineSeeARecordOfAnotherRun(t *testing.T) {
	out := t.TempDir()
	scen, wrong := preinstalledAndAFailingCopy(t, "wrong.yaml")
	var stdout, stderr bytes.Buffer
	if code := cli(context.Background(), []string{"run", "--seed", "1", "--out", out, scen}, &stdout, &stderr); code != 0 {
		t.Fatalf("run exited %d:\n%s%s", code, stdout.String(), stderr.String())
	}
	results := filepath.Join(out, report.ScenariosFile)
	passed, err := os.ReadFile(results)
	if err != nil {
		t.Fatal(err)
	}
	if code := cli(context.Background(), []string{"run", "--seed", "5", "--out", out, wrong}, &stdout, &stderr); code != 1 {
		t.Fatalf("the failing run exited %d:\n%s%s", code, stdout.String(), stderr.String())
	}
	if err := os.WriteFile(results, passed, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(out, "roam-fr-preinstalled")
	stdout.Reset()
	stderr.Reset()
	// The index is written, and the exit says its evidence does not hold.
	if code := cli(context.Background(), []string{"report", "--out", out}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "1 record does not hold against its directory") {
		t.Fatalf("report exited %d: %s", code, stderr.String())
	}
	index, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"0 of 0 passed", "is not of the run the directory holds", `starts scenario &#34;roam-fr-preinstalled&#34;, seed 5`} {
		if !strings.Contains(string(index), want) {
			t.Errorf("the index lacks %q", want)
		}
	}
	if !strings.Contains(stderr.String(), `scenario "roam-fr-preinstalled": its record in results.json is of another run than its directory holds (seed 1 there, 5 in the directory)`) {
		t.Errorf("report does not say the record is another run's: %s", stderr.String())
	}
	page, _ := timelineOverForeignRecord(t, dir)
	if strings.Contains(page, `badge pass">pass`) || !strings.Contains(page, `badge unknown">unknown`) {
		t.Error("the page written again takes the other run's verdict")
	}
	for _, want := range []string{"<b>Its record is another run&#39;s:</b>", "seed 5"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page written again lacks %q", want)
		}
	}
}

// runFixture runs fixtures/scenarios/<name>.yaml with esimhil run into a
// new directory, wanting it to pass; it returns that --out and the
// scenario's directory in it.
func runFixture(t *testing.T, name string, args ...string) (out, dir string) {
	t.Helper()
	out = t.TempDir()
	scen := filepath.Join("..", "..", "..", "fixtures", "scenarios", name+".yaml")
	var stdout, stderr bytes.Buffer
	if code := cli(context.Background(), append(append([]string{"run", "--out", out}, args...), scen), &stdout, &stderr); code != 0 {
		t.Fatalf("run exited %d:\n%s%s", code, stdout.String(), stderr.String())
	}
	return out, filepath.Join(out, name)
}

// timelineAgain writes dir's page again with esimhil timeline, wanting
// exit 0; it returns the page and what the command said on stderr.
func timelineAgain(t *testing.T, dir string) (page, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	if code := cli(context.Background(), []string{"timeline", dir}, &out, &errb); code != 0 {
		t.Fatalf("timeline exited %d: %s", code, errb.String())
	}
	return pageOf(t, dir), errb.String()
}

// timelineOverForeignRecord is timelineAgain for a directory whose record
// is another run's: esimhil timeline first keeps the page the run wrote
// (exit 1, saying so: outside tester sw88), and writes one with no
// verdict once that page is removed.
func timelineOverForeignRecord(t *testing.T, dir string) (page, stderr string) {
	t.Helper()
	before := pageOf(t, dir)
	var out, errb bytes.Buffer
	if code := cli(context.Background(), []string{"timeline", dir}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "the page there is kept") {
		t.Fatalf("timeline over another run's record exited %d: %s", code, errb.String())
	}
	if pageOf(t, dir) != before {
		t.Fatal("timeline changed the run's own page under another run's record")
	}
	if err := os.Remove(filepath.Join(dir, "timeline.html")); err != nil {
		t.Fatal(err)
	}
	return timelineAgain(t, dir)
}

// pageOf is dir's timeline page.
func pageOf(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "timeline.html"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// preinstalledAndAFailingCopy is the roam-fr-preinstalled fixture and a
// copy of it, named name in a new directory, whose expected attempts the
// run never makes (the scenario's name unchanged: it fails into the same
// directory).
func preinstalledAndAFailingCopy(t *testing.T, name string) (scen, failing string) {
	t.Helper()
	scen = filepath.Join("..", "..", "..", "fixtures", "scenarios", "roam-fr-preinstalled.yaml")
	src, err := os.ReadFile(scen)
	if err != nil {
		t.Fatal(err)
	}
	failing = filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(failing, bytes.Replace(src, []byte("attempts: [sfr]"), []byte("attempts: [orange-fr]"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	return scen, failing
}

// A passing run's record put beside a failing run of the same scenario
// name and seed — whose event logs are alike: only the expectation
// differs — lends it no verdict: the kept scenario is not the recorded
// one, so the page says the record is another run's, never PASS (outside
// tester sw87). The failing run printed the command that runs it again as
// it ran, and that command gives the same event log.
func TestRecordOfASameSeedRunIsRefused(t *testing.T) {
	scen, failing := preinstalledAndAFailingCopy(t, "roam-fr-preinstalled.yaml")
	pass, fail := t.TempDir(), t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := cli(context.Background(), []string{"run", "--out", pass, scen}, &stdout, &stderr); code != 0 {
		t.Fatalf("run exited %d:\n%s%s", code, stdout.String(), stderr.String())
	}
	stdout.Reset()
	if code := cli(context.Background(), []string{"run", "--seed", "3", "--out", fail, failing}, &stdout, &stderr); code != 1 {
		t.Fatalf("the failing run exited %d:\n%s%s", code, stdout.String(), stderr.String())
	}
	dir := filepath.Join(fail, "roam-fr-preinstalled")
	rerun := fmt.Sprintf("rerun: esimhil run --seed 3 --out %s %s", filepath.Join(fail, "rerun"), filepath.Join(dir, "scenario.yaml"))
	if !strings.Contains(stdout.String(), rerun) {
		t.Fatalf("the failing run printed no %q:\n%s", rerun, stdout.String())
	}
	args := strings.Fields(strings.TrimPrefix(rerun, "rerun: esimhil "))
	if code := cli(context.Background(), args, &stdout, &stderr); code != 1 {
		t.Fatalf("the rerun exited %d:\n%s%s", code, stdout.String(), stderr.String())
	}
	first, _ := os.ReadFile(filepath.Join(dir, harness.EventsFile))
	again, _ := os.ReadFile(filepath.Join(fail, "rerun", "roam-fr-preinstalled", harness.EventsFile))
	if len(first) == 0 || !bytes.Equal(first, again) {
		t.Errorf("the rerun's event log is not the run's (%d and %d bytes)", len(first), len(again))
	}

	// Same name and seed as the passing run now.
	if code := cli(context.Background(), []string{"run", "--out", fail, failing}, &stdout, &stderr); code != 1 {
		t.Fatalf("the failing run exited %d", code)
	}
	rec, err := os.ReadFile(filepath.Join(pass, report.ScenariosFile))
	if err != nil {
		t.Fatal(err)
	}
	// The passing record, its directory rebased on the failing run's.
	if err := os.WriteFile(filepath.Join(fail, report.ScenariosFile), rec, 0o644); err != nil {
		t.Fatal(err)
	}
	page, said := timelineOverForeignRecord(t, dir)
	if strings.Contains(page, `badge pass">pass`) || !strings.Contains(page, "Its record is another run") || !strings.Contains(said, "scenario.yaml") {
		t.Errorf("the page written again under another run's record: pass badge %v, stderr %q", strings.Contains(page, `badge pass">pass`), said)
	}
	stderr.Reset()
	if code := cli(context.Background(), []string{"timeline", "--name", "other", dir}, &stdout, &stderr); code != 0 ||
		!strings.Contains(stderr.String(), `the page is titled "other", but its events.jsonl's run_started names scenario "roam-fr-preinstalled"`) {
		t.Errorf("timeline --name other: exit %d, stderr %q", code, stderr.String())
	}
}

// A failing run's record edited to say it passed is not believed: its
// expectations, checked again from the scenario and events its directory
// keeps, fail, so the index lists it with no verdict and esimhil timeline
// keeps the run's own FAIL page (outside tester sw88).
func TestEditedVerdictIsCheckedAgain(t *testing.T) {
	_, failing := preinstalledAndAFailingCopy(t, "roam-fr-preinstalled.yaml")
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := cli(context.Background(), []string{"run", "--out", out, failing}, &stdout, &stderr); code != 1 {
		t.Fatalf("the failing run exited %d:\n%s%s", code, stdout.String(), stderr.String())
	}
	path := filepath.Join(out, report.ScenariosFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte(`"verdict": "fail"`), []byte(`"verdict": "pass"`), 1)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	if code := cli(context.Background(), []string{"report", "--out", out}, &stdout, &stderr); code != 1 {
		t.Fatalf("report over a withdrawn verdict exited %d: %s", code, stderr.String())
	}
	index, _ := os.ReadFile(filepath.Join(out, report.IndexFile))
	if !strings.Contains(string(index), "0 of 0 passed") || !strings.Contains(stderr.String(), "its record says pass, but its expectations checked again against its directory give fail: attempts:") {
		t.Errorf("report believed the edited verdict: %s", stderr.String())
	}
	dir := filepath.Join(out, "roam-fr-preinstalled")
	page, _ := timelineOverForeignRecord(t, dir)
	if strings.Contains(page, `badge pass">pass`) {
		t.Error("the page written again shows the edited verdict")
	}
}

// A spec's page written again is titled by its spec, from its spec.json,
// not by its directory's short name (outside tester sw97).
func TestTimelineAgainTitlesASpecByItsName(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a-spec-dir")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	events := `{"t":"2026-01-01T00:00:00Z","actor":"harness","event":"run_started","scenario":"x","seed":3}` + "\n"
	if err := os.WriteFile(filepath.Join(dir, harness.EventsFile), []byte(events), 0o644); err != nil {
		t.Fatal(err)
	}
	name := "A spec that roams and switches"
	if err := report.WriteSpecFile(dir, report.Entry{Kind: "spec", Name: name, Verdict: "pass", Seed: new(int64(3)), Dir: dir, Digests: report.Digests(dir)}); err != nil {
		t.Fatal(err)
	}
	page, _ := timelineAgain(t, dir)
	if !strings.Contains(page, "<title>"+name+" — esimhil timeline</title>") {
		t.Errorf("the page is not titled %q", name)
	}
}

// A page written again draws each SM-DP+ on its operator's lane, from the
// kept scenario, as the run's own page did — not on a lane of its host's
// when the host names the operator otherwise (outside tester sw98:
// smdp.movistar.test beside movistar-es).
func TestTimelineAgainKeepsSMDPLanes(t *testing.T) {
	_, dir := runFixture(t, "grand-tour")
	before := pageOf(t, dir)
	page, _ := timelineAgain(t, dir)
	for _, p := range []string{before, page} {
		if strings.Contains(p, "smdp:smdp.") || !strings.Contains(p, "smdp:movistar-es") {
			t.Fatalf("an SM-DP+ on its host's lane, or movistar-es's missing")
		}
	}
}

// A record beside a run that does not read is named, placed at its line
// and column, on stderr and in a banner of the page, not taken for no
// record (outside tester sw130 N5: "no verdict recorded").
func TestTimelineSaysADamagedRecord(t *testing.T) {
	for _, tc := range []struct {
		name, file, text, want string
	}{
		{"spec.json mistyped", "run/spec.json", "{\"kind\":\"spec\",\n \"name\": 5}", "spec.json:2:10: json: cannot unmarshal number"},
		{"results.json cut", "results.json", "[\n  {\n    \"name\": \"x\",\n", "results.json:3:17: unexpected end of JSON input"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			dir := filepath.Join(out, "run")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for name, text := range map[string]string{"run/events.jsonl": `{"t":0,"kind":"run_started","seed":3}` + "\n", tc.file: tc.text} {
				if err := os.WriteFile(filepath.Join(out, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			page, said := timelineAgain(t, dir)
			if !strings.Contains(said, "its record does not read: ") || !strings.Contains(said, tc.want) || strings.Contains(said, "no verdict recorded") {
				t.Errorf("stderr %q, want the record's error %q", said, tc.want)
			}
			if !strings.Contains(page, damagedRecordTitle) || !strings.Contains(page, tc.want) {
				t.Errorf("the page has no banner %q naming %q", damagedRecordTitle, tc.want)
			}
		})
	}
}

// A lab spec's page written again names the wall clock its run was on,
// from its spec.json, as the page first written did.
func TestTimelineAgainKeepsTheLabClock(t *testing.T) {
	dir := t.TempDir()
	if err := report.WriteSpecFile(dir, report.Entry{Kind: "spec", Name: "lab", Verdict: "pass", Seed: new(int64(1)), LabSpeed: 1}); err != nil {
		t.Fatal(err)
	}
	if run, _ := rebuiltRun(dir, "lab"); run.Speed != 1 {
		t.Errorf("the run rebuilt from spec.json has speed %v, want the lab's 1", run.Speed)
	}
	// A spec killed before its spec.json: at.log's header says it
	// (outside tester t63 F2).
	killed := t.TempDir()
	header := "2026-12-06T00:01:02.5Z # lab run: modem /tmp/t63/mdm, personality generic, speed 1x\n2026-12-06T00:01:02.6Z > AT\n"
	if err := os.WriteFile(filepath.Join(killed, harness.ATLogFile), []byte(header), 0o644); err != nil {
		t.Fatal(err)
	}
	if run, _ := rebuiltRun(killed, "lab"); run.Speed != 1 {
		t.Errorf("the killed lab run rebuilt from its at.log has speed %v, want 1", run.Speed)
	}
	if run, _ := rebuiltRun(t.TempDir(), "emulated"); run.Speed != 0 {
		t.Errorf("a run with no at.log rebuilt with speed %v, want 0 (simulated)", run.Speed)
	}
}

// An error of two lines (a capture's and its flush's, joined) is printed
// with its second line under the first's text, not at column 0.
func TestContinuedLines(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"one line", "one line"},
		{"capture: write packet: x\ncapture: flush: no space left on device", "capture: write packet: x\n      capture: flush: no space left on device"},
	} {
		if got := continued(tc.in); got != tc.want {
			t.Errorf("continued(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// A page written again from a run's directory, and the index, name the
// notes the card still owed the platform and the SM-DP+s as the log's
// run_ended lists them when its record names none — an unfinished run's,
// killed while its page was written, or no record at all —, and the
// record's when it has them (outside tester t84 N3: the rebuilt page and
// the index named neither).
func TestRebuiltRunNamesOwedNotesFromTheLog(t *testing.T) {
	logOwed := owed.PlatformNote([]string{"attach-success"}, []string{"7"})
	logSMDP := owed.SMDPNote([]string{"enable@smdp.bouygues.test seq 2", "disable@smdp.bouygues.test seq 4"})
	for _, tc := range []struct {
		name               string
		record             *report.Entry // nil: no results.json
		wantOwed, wantSMDP string
	}{
		{"unfinished, naming none", &report.Entry{Verdict: "error", Unfinished: true, Message: "not finished: esimhil run ended during this scenario"}, logOwed, logSMDP},
		{"no record", nil, logOwed, logSMDP},
		{"the record's own", &report.Entry{Verdict: "error", Unfinished: true, Message: "not finished", Owed: owed.Notes{Platform: "recorded", SMDP: "recorded too"}}, "recorded", "recorded too"},
		{"the record's platform notes, the log's SM-DP+ notes", &report.Entry{Verdict: "error", Unfinished: true, Message: "not finished", Owed: owed.Notes{Platform: "recorded"}}, "recorded", logSMDP},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			dir := filepath.Join(out, "s")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			end := eventlog.Event{T: clock.Epoch.Add(time.Hour), Actor: eventlog.Harness, Kind: eventlog.KindRunEnded, Fields: eventlog.F{
				"registration": "home", "owed_kinds": []string{"attach-success"}, "owed_reports": []string{"7"},
				"owed_smdp": []string{"enable@smdp.bouygues.test seq 2", "disable@smdp.bouygues.test seq 4"}}}
			if err := eventlog.WriteLines(&b, []eventlog.Event{end}); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, harness.EventsFile), b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			if tc.record != nil {
				e := *tc.record
				e.Kind, e.Name, e.Dir = "scenario", "s", dir
				rb, _ := json.Marshal([]report.Entry{e})
				if err := os.WriteFile(filepath.Join(out, report.ScenariosFile), rb, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			run, _ := rebuiltRun(dir, "s")
			if run.Owed.Platform != tc.wantOwed || run.Owed.SMDP != tc.wantSMDP {
				t.Errorf("page: owed %q, owed SM-DP+ %q; want %q, %q", run.Owed.Platform, run.Owed.SMDP, tc.wantOwed, tc.wantSMDP)
			}
			if tc.record == nil {
				return
			}
			// The index (and JUnit) esimhil report writes, the same.
			es, _, err := gather(out)
			if err != nil || len(es) != 1 {
				t.Fatalf("gather: %v, %v", es, err)
			}
			if es[0].Owed.Platform != tc.wantOwed || es[0].Owed.SMDP != tc.wantSMDP {
				t.Errorf("index: owed %q, owed SM-DP+ %q; want %q, %q", es[0].Owed.Platform, es[0].Owed.SMDP, tc.wantOwed, tc.wantSMDP)
			}
		})
	}
}

// run and timeline without operands print their own usage line, as report,
// serve and emulate do, not every command's (outside tester t241).
func TestMissingOperandsGiveTheCommandsUsage(t *testing.T) {
	for _, tc := range []struct {
		cmd  string
		want string
	}{
		{"run", "esimhil run: no scenario files\nusage: esimhil run [--seed N] [--out DIR] [--capture tap|live|auto] [--junit FILE] SCENARIO.yaml...\n"},
		{"timeline", "esimhil timeline: no run directories\nusage: esimhil timeline [--name NAME] RUNDIR...\n"},
	} {
		var stdout, stderr bytes.Buffer
		if code := cli(context.Background(), []string{tc.cmd}, &stdout, &stderr); code != 2 || stderr.String() != tc.want || stdout.Len() != 0 {
			t.Errorf("esimhil %s: exit %d, stdout %q, stderr %q; want 2 and %q", tc.cmd, code, stdout.String(), stderr.String(), tc.want)
		}
	}
}
