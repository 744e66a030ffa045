package replay

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/field"
)

// v0Log is a device's session under numeric result codes (ATE0V0 in its
// init string), as a sniffer on its UART saw it: GetEID over +CGLA, a
// channel closed twice (the second ERROR, "4").
var v0Log = strings.Join([]string{
	"10:00:00.000 > AT", "10:00:00.004 < AT", "10:00:00.005 < OK",
	"10:00:00.100 > ATE0V0", "10:00:00.104 < ATE0V0", "10:00:00.105 < 0",
	`10:00:00.200 > AT+CCHO="A0000005591010FFFFFFFF8900000100"`, "10:00:00.210 < +CCHO: 1", "10:00:00.211 < 0",
	`10:00:00.300 > AT+CGLA=1,22,"81E2910006BF3E035C015A"`, `10:00:00.320 < +CGLA: 46,"BF3E125A10890490320038400000000000021864179000"`, "10:00:00.321 < 0",
	"10:00:00.400 > AT+CCHC=1", "10:00:00.404 < 0",
	"10:00:00.500 > AT+CCHC=1", "10:00:00.504 < 4",
}, "\n") + "\n"

// TestNumericResultCodes: a log recorded under ATV0 replays — the device's
// ATE0V0 is played, the emulated modem answers in digits too, and its "0"
// is the recording's; one whose ATV0 came before the log began replays
// with ATV0 in the preamble; and a replay whose modem answers in words
// where the recording has digits (that ATV0 left out) diverges at the
// first final result, saying so.
func TestNumericResultCodes(t *testing.T) {
	withoutV0 := strings.Replace(v0Log, "10:00:00.000 > AT\n10:00:00.004 < AT\n10:00:00.005 < OK\n10:00:00.100 > ATE0V0\n10:00:00.104 < ATE0V0\n10:00:00.105 < 0\n", "", 1)
	fixture := func(t *testing.T, log string, failure int) string {
		return newFixture(t, "v0", map[string]string{"session.log": log, field.ManifestFile: orangeFixture("v0", "quectel-eg25", "session.log", "plain", failure)})
	}
	t.Run("ATE0V0 in the log", func(t *testing.T) {
		res := replay(t, fixture(t, v0Log, 16))
		if !res.OK {
			t.Fatalf("OK = false: %s\n%s", res.Why, Report(res))
		}
		if res.Compared[Exchanges] != 6 {
			t.Errorf("%d exchanges compared, want 6", res.Compared[Exchanges])
		}
	})
	t.Run("ATV0 before the log", func(t *testing.T) {
		res := replay(t, fixture(t, withoutV0, 10))
		if !res.OK {
			t.Fatalf("OK = false: %s\n%s", res.Why, Report(res))
		}
		if !slices.Contains(res.Plan.Preamble, "ATV0") || !slices.ContainsFunc(res.Plan.Assumptions, func(a string) bool { return strings.Contains(a, "ATV0") }) {
			t.Errorf("preamble %q, assumptions %q: want ATV0 sent first, and said", res.Plan.Preamble, res.Plan.Assumptions)
		}
	})
	t.Run("the replay answers in words", func(t *testing.T) {
		plan, err := Plan(fixture(t, withoutV0, 10))
		if err != nil {
			t.Fatal(err)
		}
		plan.Preamble = slices.DeleteFunc(plan.Preamble, func(l string) bool { return l == "ATV0" })
		res, err := Replay(plan, Options{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		d := res.Divergence
		if res.OK || d == nil {
			t.Fatalf("OK = %v, divergence %+v: the replay answered in words\n%s", res.OK, d, Report(res))
		}
		if d.Src.Line != 3 || d.Recorded != "0" || d.Replayed != "OK" || !strings.Contains(d.Context, "numeric (ATV0) in the recording and in words in the replay") {
			t.Errorf("divergence %+v, want session.log:3 recorded 0, replayed OK, the context saying the forms differ", d)
		}
	})
}

// TestNumericDraft: a drafted fixture of a log under ATV0 names its first
// failure at the "4" (ERROR), not at the first "0" (OK).
func TestNumericDraft(t *testing.T) {
	log := filepath.Join(t.TempDir(), "session.log")
	if err := os.WriteFile(log, []byte(v0Log), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Draft(t.TempDir(), "tracker", "a tracker's UART", []string{log})
	if err != nil {
		t.Fatal(err)
	}
	if d.Failure.String() != "session.log:16" || !d.Found {
		t.Errorf("failure %s (found %v), want the 4 of session.log:16", d.Failure, d.Found)
	}
	manifest, err := os.ReadFile(filepath.Join(d.Dir, field.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(manifest), "answered 4 (ERROR)") {
		t.Errorf("the manifest does not name the failure as 4 (ERROR):\n%s", manifest)
	}
}

// TestStoredNumericAfterRestart: a module with ATV0 stored (ATV0&W) before
// its log began answers in digits after a restart though the log shows it
// in words before: the log is read (the form after a boot with no AT&W in
// the log is unknown, as at its start), the plan stores ATV0 first and
// says so, sets words over it for the log's start, and the replay's
// restart brings the digits back as the field's did.
func TestStoredNumericAfterRestart(t *testing.T) {
	for _, tc := range []struct{ name, log, at string }{
		{"restart", "> AT\n< AT\n< OK\n> AT+CFUN=1,1\n< AT+CFUN=1,1\n< OK\n< RDY\n> AT+CPIN?\n< AT+CPIN?\n< +CPIN: READY\n< 0\n", "host.log:11"},
		// ATZ loads the stored profile as a boot does (V.250 §6.1.1),
		// and answers in its form.
		{"ATZ", "> AT\n< AT\n< OK\n> ATZ\n< ATZ\n< 0\n> AT+CPIN?\n< AT+CPIN?\n< +CPIN: READY\n< 0\n", "host.log:6"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			manifest := orangeFixture("v0-stored", "generic", "host.log", "plain", strings.Count(tc.log, "\n"))
			res := replay(t, newFixture(t, "v0-stored", map[string]string{"host.log": tc.log, field.ManifestFile: manifest}))
			if !res.OK {
				t.Fatalf("%s\n%s", res.Why, Report(res))
			}
			if want := []string{"ATV0", "AT&W", "ATV1"}; !slices.Equal(res.Plan.Preamble, want) {
				t.Errorf("preamble %q, want %q", res.Plan.Preamble, want)
			}
			all := strings.Join(res.Plan.Assumptions, "\n")
			if !strings.Contains(all, "the modem's stored profile answers in digits (ATV0 stored before the log began): "+tc.at) || strings.Contains(all, "numeric (ATV0) when the logs begin") {
				t.Errorf("assumptions: want the stored ATV0 at %s, not an ATV0 when the logs begin:\n%s", tc.at, all)
			}
		})
	}
}
