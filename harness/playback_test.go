package harness

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/lab/record"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/personality"
)

// A restart in playback: while the script waits, the virtual clock runs, so
// the modem comes back (RDY exactly its restart delay after the OK) and
// the steps after the wait are answered; the conversation is the same on
// every run. Before, nobody advanced the clock: the wait could not be
// written, and the next command timed out on the wall clock.
func TestPlaybackRestart(t *testing.T) {
	s, script := labHomeWith(t, "restart.yaml")
	for _, name := range []string{"generic", "quectel-eg25", "sierra-em7511"} {
		t.Run(name, func(t *testing.T) {
			p, err := personality.Load(name)
			if err != nil {
				t.Fatal(err)
			}
			script := script
			if name != "generic" {
				// Await the last boot line, or a dialect without one
				// (Sierra): the wait then runs out and says so.
				cp := *script
				cp.Steps = slices.Clone(cp.Steps)
				script = &cp
				last := `\+QIND: PB DONE`
				if name == "sierra-em7511" {
					last = "RDY"
				}
				at := slices.IndexFunc(script.Steps, func(st record.Step) bool { return st.Await != "" })
				script.Steps[at] = mustAwait(t, last)
			}
			lines, err := Playback(s, p, script)
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(lines, "\n")
			if strings.Contains(text, "timeout") {
				t.Errorf("a step timed out:\n%s", text)
			}
			for _, want := range wantAfterRestart[name] {
				if !strings.Contains(text, want) {
					t.Errorf("no %q in:\n%s", want, text)
				}
			}
			again, err := Playback(s, p, script)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(lines, again) {
				t.Errorf("two playbacks differ:\n%s\n---\n%s", text, strings.Join(again, "\n"))
			}
		})
	}
}

var wantAfterRestart = map[string][]string{
	"generic":      {"# step 3: RDY after 11s", "< RDY", "< ATE0", "< +CFUN: 1", "< +CPIN: READY"}, // echo back on after the restart,
	"quectel-eg25": {"< RDY", "< +QUSIM: 1", "# step 3: +QIND: PB DONE after 13s", "< +CPIN: READY"},
	// Silent on boot: the wait runs out; the modem answers again.
	"sierra-em7511": {"# step 3: no line matching RDY within 60s", "< +CPIN: READY"},
}

func mustAwait(t *testing.T, pattern string) record.Step {
	t.Helper()
	s, err := record.ParseScript("s.yaml", []byte("name: s\nsteps:\n  - {await: '"+pattern+"', within: 60s}\n"))
	if err != nil {
		t.Fatal(err)
	}
	return s.Steps[0]
}

// A restart of a modem that says nothing when it boots, in playback: the
// ready step's polls fall on the virtual clock's seconds, none is sent
// while the emulator restarts (it would ignore it, and the client wait out
// its timeout on the wall clock), the first after it is answered, and the
// steps after are answered; the conversation is the same on every run.
// Before, the script had no such step: nothing to await, and the
// commands after the restart were lost.
func TestPlaybackReady(t *testing.T) {
	s, script := labHomeWith(t, "restart-ready.yaml")
	for name, want := range map[string]string{
		// The first whole second after the restart delay.
		"fibocom-l850":  "# step 3: ready after 16s (16 polls)",
		"sierra-em7511": "# step 3: ready after 20s (20 polls)",
	} {
		t.Run(name, func(t *testing.T) {
			p, err := personality.Load(name)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.BootURCs) != 0 {
				t.Fatalf("%s says %q on boot: the test is of a silent one", name, p.BootURCs)
			}
			lines, err := Playback(s, p, script)
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(lines, "\n")
			if strings.Contains(text, "timeout") {
				t.Errorf("a step timed out:\n%s", text)
			}
			for _, want := range []string{"# step 3: ready within 60s", "# poll > AT", "# poll < OK", want, "< +CFUN: 1", "< +CPIN: READY"} {
				if !strings.Contains(text, want) {
					t.Errorf("no %q in:\n%s", want, text)
				}
			}
			// The polls are notes: lab diff compares none of them.
			if n := len(regexp.MustCompile(`(?m)Z > AT$`).FindAllString(text, -1)); n != 0 {
				t.Errorf("%d polls among the conversation's lines:\n%s", n, text)
			}
			again, err := Playback(s, p, script)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(lines, again) {
				t.Errorf("two playbacks differ:\n%s\n---\n%s", text, strings.Join(again, "\n"))
			}
		})
	}
}

// labHomeWith loads the lab-home scenario and the lab script named.
func labHomeWith(t *testing.T, script string) (*scenario.Scenario, *record.Script) {
	t.Helper()
	s, err := scenario.Load(filepath.Join("..", "fixtures", "scenarios", "lab-home.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := record.LoadScript(filepath.Join("..", "fixtures", "scripts", script))
	if err != nil {
		t.Fatal(err)
	}
	return s, sc
}

// lab diff gives each command the time the recording was made with (the
// manifest's timeout). The attach on lab-home is answered 2.6 s on: in
// time for lab record's default 5 s, a timeout (and a resync the
// recording lacks) for a recording made with --timeout 1s. (What follows
// a timeout in playback races the wall clock, so the recording here is
// the 5 s conversation, which is the same on every run.)
func TestDiffRecordingTakesTheRecordingsTimeout(t *testing.T) {
	s, err := scenario.Load(filepath.Join("..", "fixtures", "scenarios", "lab-home.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := []byte("name: attach\nsteps:\n  - AT+COPS=1,2,\"20810\"\n  - AT+CPIN?\n")
	script, err := record.ParseScript("attach.yaml", text)
	if err != nil {
		t.Fatal(err)
	}
	p, err := personality.Load("generic")
	if err != nil {
		t.Fatal(err)
	}
	lines, err := PlaybackWithin(s, p, script, PlaybackTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(lines, "\n"); strings.Contains(got, "# no answer") || !strings.Contains(got, "< +CME ERROR: 111") {
		t.Fatalf("given 5s, the attach is not answered in time:\n%s", got)
	}
	dir := t.TempDir()
	m := record.Manifest{Script: "attach", Modem: "emulator", Personality: "generic", Scenario: "lab-home", Timeout: time.Second}
	if err := record.Save(dir, m, text, lines); err != nil {
		t.Fatal(err)
	}
	ds, rec, err := DiffRecording(dir, "", "", 0)
	if err != nil || record.Unaccepted(ds) == 0 || rec.Manifest.Timeout != time.Second {
		t.Errorf("under the manifest's 1s: %v, %v (%v): want the attach timed out", ds, err, rec.Manifest.Timeout)
	}
	ds, rec, err = DiffRecording(dir, "", "", PlaybackTimeout)
	if err != nil || len(ds) != 0 || rec.Manifest.Timeout != PlaybackTimeout {
		t.Errorf("under --timeout 5s: %v, %v (%v)", ds, err, rec.Manifest.Timeout)
	}
}
