package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/report"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/personality"
)

// The record written before a scenario runs (what a kill -9 leaves) names
// the dialect the rig will speak, as the finished record does: generic
// for a scenario that names none (r151).
func TestWillSpeak(t *testing.T) {
	sim := personality.Generic()
	sim.Name = "simcom-a7600"
	for _, tc := range []struct {
		named    string
		override *personality.Personality
		want     string
	}{
		{"", nil, "generic"},
		{"quectel-eg25", nil, "quectel-eg25"},
		{"quectel-eg25", &sim, "simcom-a7600"},
		{"", &sim, "simcom-a7600"},
	} {
		s := &scenario.Scenario{}
		s.Device.Personality = tc.named
		if got := willSpeak(s, personalityOverride{p: tc.override}); got != tc.want {
			t.Errorf("scenario naming %q, override %v: %q, want %q", tc.named, tc.override != nil, got, tc.want)
		}
	}
}

// The dialect a run's modem spoke is recorded where the run's identity is
// — run_started, results.json, JUnit, the page's header — and its rerun
// command runs it under the ESIMHIL_PERSONALITY it ran under, to the same
// event log (outside tester t135 F1: a run under simcom-a7600 recorded
// nothing of it, and its rerun ran generic).
func TestRunRecordsThePersonalityItRanUnder(t *testing.T) {
	_, failing := preinstalledAndAFailingCopy(t, "roam-fr-preinstalled.yaml")
	quirks := filepath.Join(t.TempDir(), "q.yaml")
	if err := os.WriteFile(quirks, []byte("name: q\nbase: quectel-eg25\ncgla_max_apdu: 64\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		env   string // ESIMHIL_PERSONALITY
		spoke string // the dialect recorded
		kept  bool   // the file kept beside the scenario
	}{
		{"", "generic", false}, // the scenario's own
		{"simcom-a7600", "simcom-a7600", false},
		{quirks, "q", true},
	} {
		t.Run(tc.spoke, func(t *testing.T) {
			t.Setenv(harness.PersonalityEnv, tc.env)
			out := t.TempDir()
			junit := filepath.Join(out, "junit.xml")
			var stdout, stderr bytes.Buffer
			if code := cli(context.Background(), []string{"run", "--seed", "3", "--junit", junit, "--out", out, failing}, &stdout, &stderr); code != 1 {
				t.Fatalf("run exited %d:\n%s%s", code, stdout.String(), stderr.String())
			}
			dir := filepath.Join(out, "roam-fr-preinstalled")
			events, _ := os.ReadFile(filepath.Join(dir, harness.EventsFile))
			first, _, _ := bytes.Cut(events, []byte("\n"))
			if want := `"personality":"` + tc.spoke + `"`; !bytes.Contains(first, []byte(want)) {
				t.Errorf("run_started %s lacks %s", first, want)
			}
			es, err := report.ReadScenarios(filepath.Join(out, report.ScenariosFile))
			if err != nil || len(es) != 1 || es[0].Personality != tc.spoke || es[0].PersonalityEnv != tc.env {
				t.Errorf("results.json: %+v (%v), want personality %q given as %q", es, err, tc.spoke, tc.env)
			}
			if j, _ := os.ReadFile(junit); !bytes.Contains(j, []byte(`<property name="personality" value="`+tc.spoke+`">`)) {
				t.Errorf("JUnit names no personality %s:\n%s", tc.spoke, j)
			}
			if page, _ := os.ReadFile(filepath.Join(dir, "timeline.html")); !bytes.Contains(page, []byte("modem "+tc.spoke+" ·")) {
				t.Errorf("the page's header names no modem %s", tc.spoke)
			}
			if _, err := os.Stat(filepath.Join(dir, report.PersonalityFile)); (err == nil) != tc.kept {
				t.Errorf("%s kept: %v, want %v", report.PersonalityFile, err == nil, tc.kept)
			}

			// The printed rerun, followed as a shell would, in an
			// environment without the variable.
			_, line, ok := strings.Cut(stdout.String(), "rerun: ")
			if !ok {
				t.Fatalf("no rerun line:\n%s", stdout.String())
			}
			fields := strings.Fields(strings.SplitN(line, "\n", 2)[0])
			t.Setenv(harness.PersonalityEnv, "")
			if v, ok := strings.CutPrefix(fields[0], harness.PersonalityEnv+"="); ok {
				t.Setenv(harness.PersonalityEnv, v)
				fields = fields[1:]
			} else if tc.env != "" {
				t.Fatalf("the rerun %q does not set %s", line, harness.PersonalityEnv)
			}
			if fields[0] != "esimhil" {
				t.Fatalf("rerun %q", line)
			}
			stdout.Reset()
			if code := cli(context.Background(), fields[1:], &stdout, &stderr); code != 1 {
				t.Fatalf("the rerun exited %d:\n%s%s", code, stdout.String(), stderr.String())
			}
			again, _ := os.ReadFile(filepath.Join(out, report.RerunDir, "roam-fr-preinstalled", harness.EventsFile))
			if len(events) == 0 || !bytes.Equal(events, again) {
				t.Errorf("the rerun's event log is not the run's (%d and %d bytes)", len(events), len(again))
			}
		})
	}
}

// A bad ESIMHIL_PERSONALITY is refused before the first scenario, in one
// line naming the variable, as esimhil fleet does (outside tester t135
// F6: every scenario ran into it, each with a rerun that hid it).
func TestRunRefusesABadPersonalityUpFront(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "q6.yaml")
	if err := os.WriteFile(bad, []byte("name: q6\nbase: generic\nccho_form: weird\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	scen := filepath.Join("..", "..", "..", "fixtures", "scenarios", "home-no-request.yaml")
	for _, tc := range []struct{ env, want string }{
		{"nope", `esimhil run: ESIMHIL_PERSONALITY=nope: modem personality "nope" unknown; known: `},
		{bad, "esimhil run: ESIMHIL_PERSONALITY=" + bad + ": " + bad + `:3:12: ccho_form "weird": want prefixed, bare or long` + "\n"},
		{"/no/such.yaml", "esimhil run: ESIMHIL_PERSONALITY=/no/such.yaml: personality file: open /no/such.yaml: no such file or directory\n"},
	} {
		t.Setenv(harness.PersonalityEnv, tc.env)
		out := t.TempDir()
		var stdout, stderr bytes.Buffer
		if code := cli(context.Background(), []string{"run", "--out", out, scen}, &stdout, &stderr); code != 2 {
			t.Errorf("%s: exited %d, want 2:\n%s%s", tc.env, code, stdout.String(), stderr.String())
		}
		if !strings.HasPrefix(stderr.String(), tc.want) || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("%s: said %q, want %q", tc.env, stderr.String(), tc.want)
		}
		if _, err := os.Stat(filepath.Join(out, report.ScenariosFile)); err == nil || stdout.Len() > 0 {
			t.Errorf("%s: a scenario ran:\n%s", tc.env, stdout.String())
		}
	}
}

// results.json an older esimhil wrote, without the personality, still
// reads and gives the rerun it gave.
func TestOlderRecordWithoutPersonality(t *testing.T) {
	b := []byte(`[{"kind":"scenario","name":"a","verdict":"fail","seed":7,"dir":"a","sha256":{"scenario.yaml":"x"}}]`)
	var es []report.Entry
	if err := json.Unmarshal(b, &es); err != nil || len(es) != 1 {
		t.Fatal(err)
	}
	if got, want := report.RerunCommand(es[0], "a"), "esimhil run --seed 7 --out rerun a/scenario.yaml"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}
