package harness

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/report"
	"github.com/esimhil/esimhil/harness/scenario"
)

// TestRecheckGivesTheRunsVerdict: a finished run's expectations, checked
// again from its directory alone — the scenario it kept and its event
// log, whose run_ended holds the end state the host read — give the
// run's own mismatches, word for word, for a run that passes, one that
// fails on its attempts and one that fails on its final state; a log
// without run_ended (a run that did not finish) cannot say.
func TestRecheckGivesTheRunsVerdict(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "fixtures", "scenarios", "roam-fr-download.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		src      []byte
		failures int
	}{
		{"passes", src, 0},
		{"attempts differ", bytes.Replace(src, []byte("attempts: [sfr]"), []byte("attempts: [orange-fr]"), 1), 1},
		// Denied is an end a run can reach (roaming for SFR, with no
		// agreement, is refused at load: outside tester t268 F5).
		{"final state differs", bytes.Replace(src, []byte("registration: home"), []byte("registration: denied"), 1), 1},
		// The platform takes no note for the rest of the run: the card
		// still owes them at the end, and the log says which.
		{"notes still owed", bytes.Replace(bytes.Replace(src, []byte("expect:"), []byte("faults:\n  - {platform: no_ack, from: 59m, until: 10h}\nexpect:"), 1),
			[]byte("  notifications: [install@sfr, download-success@platform, attach-success@platform, enable@sfr]\n"), nil, 1), 0},
		// A fault for an operator the card never downloads from.
		{"a fault that never fired", bytes.Replace(src, []byte("expect:"), []byte("faults:\n  - {download: tampered_bpp, operator: orange-fr}\nexpect:"), 1), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, ScenarioCopy), tc.src, 0o644); err != nil {
				t.Fatal(err)
			}
			s, err := scenario.Parse(ScenarioCopy, tc.src)
			if err != nil {
				t.Fatal(err)
			}
			res := RunScenario(s, Options{Dir: dir, Capture: capture.Tap})
			if res.Err != nil || len(res.Mismatches) != tc.failures {
				t.Fatalf("run: %v, mismatches %q, want %d", res.Err, res.Mismatches, tc.failures)
			}
			got, checked, why := Recheck(dir)
			if !checked || !slices.Equal(got.Mismatches, res.Mismatches) {
				t.Errorf("checked again: %q (%v, %s), the run's %q", got.Mismatches, checked, why, res.Mismatches)
			}
			if strings.HasPrefix(tc.name, "notes") && res.Owed.Platform == "" {
				t.Fatal("the run owed no note: the case holds nothing")
			}
			if tc.name == "a fault that never fired" && len(res.Unfired) == 0 {
				t.Fatal("the fault fired: the case holds nothing")
			}
			if got.Dropped != res.Dropped || got.Owed != res.Owed || got.Simulated != res.Simulated || !slices.Equal(got.Unfired, res.Unfired) || got.OpenCycle != res.OpenCycle {
				t.Errorf("the log says dropped %q, owed %+v, simulated %v, unfired %q; the run %q, %+v, %v, %q", got.Dropped, got.Owed, got.Simulated, got.Unfired, res.Dropped, res.Owed, res.Simulated, res.Unfired)
			}
			log := filepath.Join(dir, EventsFile)
			b, err := os.ReadFile(log)
			if err != nil {
				t.Fatal(err)
			}
			lines := bytes.SplitAfter(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))
			if !bytes.Contains(lines[len(lines)-1], []byte(`"event":"run_ended"`)) {
				t.Fatalf("the log's last line is not run_ended: %s", lines[len(lines)-1])
			}
			if err := os.WriteFile(log, bytes.Join(lines[:len(lines)-1], nil), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, checked, why := Recheck(dir); checked || !strings.Contains(why, "no run_ended") {
				t.Errorf("a log without run_ended checked again: %v (%s)", checked, why)
			}
		})
	}
}

// TestDigestedFilesAreTheRunsEvidence: the files a record holds the
// SHA-256 of (report.DigestedFiles, which cannot import this package)
// are the ones a run writes as its evidence and the scenario it keeps
// (and the personality file, report.PersonalityFile, esimhil run keeps).
func TestDigestedFilesAreTheRunsEvidence(t *testing.T) {
	want := []string{ScenarioCopy, report.PersonalityFile, EventsFile, ATLogFile, ATMarksFile, TrafficFile, capture.KeysPathFor(TrafficFile), CIFile}
	if !slices.Equal(report.DigestedFiles, want) {
		t.Errorf("report.DigestedFiles %q, the run's evidence %q", report.DigestedFiles, want)
	}
}
