package harness

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/internal/personality"
)

// A modem without toolkit timers (quirk no_timer_management) changes
// nothing the card does in roam-platform-slow.yaml: its periodic checks and
// its 30 s reply guard run on the terminal's STATUS polls (5 s apart, the
// durations all multiples of 5 s), so the event log is the generic
// modem's, byte for byte, and the same seed gives it again.
func TestNoTimerManagementRunsOnPolls(t *testing.T) {
	s := loadFixture(t, "roam-platform-slow.yaml")
	run := func(noTimers bool) []byte {
		t.Helper()
		p := personality.Generic()
		p.NoTimerManagement = noTimers
		dir := t.TempDir()
		if res := RunScenario(s, Options{Dir: dir, Capture: capture.Tap, Dialect: &p}); res.Err != nil || len(res.Mismatches) > 0 {
			t.Fatalf("no_timer_management %v: %v %q", noTimers, res.Err, res.Mismatches)
		}
		b, err := os.ReadFile(filepath.Join(dir, EventsFile))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	generic, quirk, again := run(false), run(true), run(true)
	if !bytes.Equal(quirk, again) {
		t.Fatal("the same seed gave two event logs without toolkit timers")
	}
	if !bytes.Equal(generic, quirk) {
		t.Fatalf("event log without toolkit timers differs from the generic modem's:\n%s\nwant\n%s", quirk, generic)
	}
	if !bytes.Contains(quirk, []byte(`"event":"bip_error","reason":"POST /v1/preferred-list: no reply within 30s"`)) {
		t.Fatal("no reply guard expiry in the run")
	}
}

// A personality file given through ESIMHIL_PERSONALITY (quirks over a
// built-in one) reaches the rig: `esimhil run` and the specs can run a
// quirk no built-in personality has (outside tester sw62, N20).
func TestPersonalityEnvTakesAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "no-timers.yaml")
	if err := os.WriteFile(file, []byte("name: no-timers\nbase: generic\nno_timer_management: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(PersonalityEnv, file)
	r, err := NewRig(loadFixture(t, "roam-platform-slow.yaml"), Options{Dir: t.TempDir(), NoHost: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !r.Personality.NoTimerManagement || r.Personality.Name != "no-timers" {
		t.Errorf("personality %q, no_timer_management %v: want the file's", r.Personality.Name, r.Personality.NoTimerManagement)
	}
}
