package harness

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/scenario"
)

// TestOverlappingWindows: two entries of one window fault that overlap
// make one window, from the first's start to the last's end, and the
// event that ends it names the entry in force then, not the first.
func TestOverlappingWindows(t *testing.T) {
	s := withFaults(t, "home-no-request.yaml", "  - {coverage: lost, from: 10m, until: 30m}\n  - {coverage: lost, from: 20m, until: 40m}\n")
	var got []string
	for _, l := range eventLines(t, s, 0) {
		if strings.Contains(l, `"event":"fault"`) {
			got = append(got, l[6:26]+" "+l[strings.Index(l, `"entry"`):strings.Index(l, `,"fault"`)]+" "+l[strings.Index(l, `"on"`):strings.Index(l, `,"target"`)])
		}
	}
	want := []string{`2026-01-01T00:10:00Z "entry":0 "on":true`, `2026-01-01T00:40:00Z "entry":1 "on":false`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("fault events\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestRescueCountsAFailureOnce: a list cycle fails on SFR and on China
// Mobile, its fallback, in a dead zone and leaves China Mobile enabled;
// the rescue two checks later, seeing no network at all (no country),
// must not count China Mobile's failure again (it did, under area "").
func TestRescueCountsAFailureOnce(t *testing.T) {
	s := withFaults(t, "coverage-lost.yaml", "  - {coverage: lost, from: 1h0m1s, until: 1h20m}\n")
	var cmcc []string
	for _, l := range eventLines(t, s, 24) {
		if strings.Contains(l, `"event":"backoff"`) && strings.Contains(l, `"operator":"cmcc"`) && l < `{"t":"2026-01-01T01:20` {
			cmcc = append(cmcc, l)
		}
	}
	if len(cmcc) != 1 {
		t.Fatalf("China Mobile's failure in the dead zone counted %d times, want once:\n%s", len(cmcc), strings.Join(cmcc, "\n"))
	}
}

// TestDeadZoneDropsAHeldAnswer: a dead zone that begins while the card
// waits for the platform's held answer (platform: slow) ends that
// exchange there and then: the download fails at the zone's edge, at the
// platform's step. Before, the channel outlived the registration and the
// answer reached the card in the tunnel, 10 s later, and the download
// went on to the SM-DP+ (outside tester t215).
func TestDeadZoneDropsAHeldAnswer(t *testing.T) {
	s, err := scenario.Load(filepath.Join("..", "fixtures", "scenarios", "tunnel-during-download.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range eventLines(t, s, 0) {
		if !strings.Contains(l, `"actor":"euicc","event":"download_result"`) {
			continue
		}
		if !strings.HasPrefix(l, `{"t":"2026-01-01T01:00:30Z"`) || !strings.Contains(l, `"reason":"platform: `) {
			t.Fatalf("the first download_result\n%s\nwant one at the dead zone's start (01:00:30), at the platform's step", l)
		}
		return
	}
	t.Fatal("no download_result")
}

// eventLines runs s with seed (0: its own) and returns its event log's
// lines.
func eventLines(t *testing.T, s *scenario.Scenario, seed int64) []string {
	t.Helper()
	dir := t.TempDir()
	if res := RunScenario(s, Options{Dir: dir, Seed: seed, Capture: capture.Tap}); res.Err != nil {
		t.Fatal(res.Err)
	}
	events, err := os.ReadFile(filepath.Join(dir, EventsFile))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(string(events), "\n")
}

// TestPowerCutAtATime: power_cut: at cuts the power at from, whatever the
// run is doing, and gives it back off later: the modem is powered off
// then, boots (its boot URC) as the power comes back, and attaches again.
func TestPowerCutAtATime(t *testing.T) {
	s := withFaults(t, "home-no-request.yaml", "  - {power_cut: at, from: 30m, off: 20s}\n")
	var got []string
	for _, l := range eventLines(t, s, 0) {
		for _, k := range []string{`"event":"fault"`, `"event":"power"`} {
			if strings.Contains(l, k) {
				got = append(got, l[6:26]+" "+k[9:len(k)-1]+" "+l[strings.LastIndex(l, ",")+1:])
			}
		}
	}
	want := []string{
		`2026-01-01T00:30:00Z fault "target":"device"}`,
		`2026-01-01T00:30:00Z power "on":false}`,
		`2026-01-01T00:30:20Z power "on":true}`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("events\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// withFaults is the scenario fixture name with faults (YAML list items) as
// its fault plan, in place of its own.
func withFaults(t *testing.T, name, faults string) *scenario.Scenario {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "fixtures", "scenarios", name))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	end := strings.Index(text, "\nexpect:")
	start := strings.Index(text, "\nfaults:")
	if start < 0 {
		start = end
	}
	s, err := scenario.Parse(name, []byte(text[:start]+"\nfaults:\n"+faults+text[end+1:]))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
