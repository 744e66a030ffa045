package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/harness/timeline"
	"github.com/esimhil/esimhil/internal/tsharktest"
)

// A run that logs more events than it may ends with ErrEventLimit, its
// artifacts written and marked incomplete (issue 9 §3: events per run).
func TestEventLimit(t *testing.T) {
	dir := t.TempDir()
	res := RunScenario(loadFixture(t, "two-trips.yaml"), Options{Dir: dir, Capture: capture.Tap, MaxEvents: 40})
	if !errors.Is(res.Err, ErrEventLimit) || !strings.Contains(res.Err.Error(), "the most a run may") {
		t.Fatalf("result error %v, want ErrEventLimit", res.Err)
	}
	if res.Incomplete == "" || res.Simulated >= Horizon(loadFixture(t, "two-trips.yaml")) {
		t.Errorf("incomplete %q after %v", res.Incomplete, res.Simulated)
	}
	if !(timeline.Run{Incomplete: res.Incomplete}).Unfinished() {
		t.Errorf("the page would call a run the event limit stopped finished: %q", res.Incomplete)
	}
	b, err := os.ReadFile(filepath.Join(dir, EventsFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	// The limit's event_limit, then run_incomplete saying why the run
	// stopped, as every run that did not finish ends.
	if len(lines) != 41 || !strings.Contains(lines[39], `"event":"event_limit"`) ||
		!strings.Contains(lines[40], `"event":"run_incomplete"`) || !strings.Contains(lines[40], "event limit reached") {
		t.Errorf("%d events, the last two %s", len(lines), lines[max(len(lines)-2, 0):])
	}
	if _, err := os.Stat(filepath.Join(dir, IncompleteFile)); err != nil {
		t.Errorf("no %s: %v", IncompleteFile, err)
	}
}

// IncompleteFile is there from the rig's start, so that a process killed
// mid-run leaves it (with at.log and traffic.keys already on disk), and a
// finished run removes it, a stale one from an earlier run included.
func TestIncompleteUntilClosed(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, IncompleteFile), []byte("stopped by SIGINT\n"), 0o644) // an earlier run's
	r, err := NewRig(loadFixture(t, "roam-fr-download.yaml"), Options{Dir: dir, Capture: capture.Tap})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := os.ReadFile(filepath.Join(dir, IncompleteFile))
	if err != nil || !strings.HasPrefix(string(b), "run not finished: started ") || !strings.Contains(string(b), "if that process is gone") {
		t.Errorf("while the rig runs, %s: %q %v", IncompleteFile, b, err)
	}
	s := loadFixture(t, "roam-fr-download.yaml")
	err = r.Script(HostInit)
	if err == nil {
		err = r.AdvanceTo(Horizon(s))
	}
	if err != nil {
		t.Fatal(err)
	}
	// Before Close, as a killed process would leave them: the host's
	// commands (flushed within atLogLag) and the TLS secrets so far.
	for file, want := range map[string]string{ATLogFile: "> AT+CEREG=2", "traffic.keys": "CLIENT_RANDOM "} {
		deadline := time.Now().Add(5 * time.Second)
		for b, _ := os.ReadFile(filepath.Join(dir, file)); !strings.Contains(string(b), want); b, _ = os.ReadFile(filepath.Join(dir, file)) {
			if time.Now().After(deadline) {
				t.Fatalf("%s before Close: %q, want %q in it", file, b, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, IncompleteFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after a finished run: %v", err)
	}
	// The card and the SM-DP+ both log a full handshake's secret: once
	// in the file (sw53, F6).
	keys, err := os.ReadFile(filepath.Join(dir, "traffic.keys"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(keys), "\n")
	if slices.Sort(lines); len(slices.Compact(slices.Clone(lines))) != len(lines) {
		t.Errorf("traffic.keys repeats lines:\n%s", keys)
	}
	tl, err := timeline.Build(dir, timeline.Run{Name: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(tl.Notes, func(n string) bool { return strings.HasPrefix(n, "INCOMPLETE") }) {
		t.Errorf("notes of a finished run: %q", tl.Notes)
	}
}

// A rig in a directory an earlier run used leaves none of that run's
// artifacts standing beside its own (a killed rerun beside the old run's
// page, which said "pass"); the scenario copy esimhil run keeps and files
// that are not a run's stay.
func TestRigClearsThePreviousRunsArtifacts(t *testing.T) {
	dir := t.TempDir()
	old := []string{timeline.FileName, timeline.PageFile(2), timeline.PageFile(3), ATLogFile, ATMarksFile, TrafficFile, "traffic.keys", CaptureIncompleteFile}
	keep := []string{"scenario.yaml", "notes.txt"}
	for _, f := range append(old, keep...) {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("an earlier run's\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, err := NewRig(loadFixture(t, "home-no-request.yaml"), Options{Dir: dir, Capture: capture.Tap})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, f := range old {
		if b, err := os.ReadFile(filepath.Join(dir, f)); err == nil && string(b) == "an earlier run's\n" {
			t.Errorf("%s: the earlier run's is still there", f)
		}
	}
	for _, f := range []string{timeline.PageFile(2), timeline.PageFile(3), CaptureIncompleteFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: %v, want it gone", f, err)
		}
	}
	for _, f := range keep {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v, want it kept", f, err)
		}
	}
}

// A cancelled context stops the run in flight: Result says so, the
// artifacts are complete files marked incomplete.
func TestInterruptedRun(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("stopped by SIGTERM"))
	res := RunScenario(loadFixture(t, "roam-fr-download.yaml"), Options{Dir: dir, Capture: capture.Tap, Context: ctx})
	if !errors.Is(res.Err, ErrInterrupted) || !strings.Contains(res.Incomplete, "stopped by SIGTERM") {
		t.Fatalf("result %v / %q", res.Err, res.Incomplete)
	}
	if len(res.Mismatches) > 0 {
		t.Errorf("an unfinished run judged against expect: %q", res.Mismatches)
	}
	b, _ := os.ReadFile(filepath.Join(dir, EventsFile))
	if !strings.Contains(string(b), `"event":"run_incomplete"`) {
		t.Errorf("events.jsonl does not end with run_incomplete:\n%s", b)
	}
	if _, err := capture.ReadHTTP(filepath.Join(dir, TrafficFile)); err != nil {
		t.Errorf("capture: %v", err)
	}
}

// A stopped run says what it still does, however short it was: whoever
// stopped it is waiting (a week-long run's page takes seconds).
func TestInterruptedRunSaysItsStages(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("stopped by SIGINT"))
	var got []string
	res := RunScenario(loadFixture(t, "home-no-request.yaml"), Options{Dir: t.TempDir(), Capture: capture.Tap, Context: ctx,
		ProgressInterval: time.Hour, Stage: func(what string) { got = append(got, what) }})
	if !errors.Is(res.Err, ErrInterrupted) {
		t.Fatalf("result %v", res.Err)
	}
	const killed = " (a second signal kills the process at once)"
	want := []string{"stopped; closing the rig and checking the capture against the servers' logs" + killed, "stopped; writing the timeline" + killed}
	if !slices.Equal(got, want) {
		t.Errorf("stages %q, want %q", got, want)
	}
}

// A run long enough to report progress says what it does after the
// simulation; a short one says nothing.
func TestStagesAfterTheSimulation(t *testing.T) {
	for _, tc := range []struct {
		every time.Duration
		want  []string
	}{
		{time.Nanosecond, []string{"closing the rig and checking the capture against the servers' logs", "writing the timeline"}},
		{time.Hour, nil},
	} {
		t.Run(tc.every.String(), func(t *testing.T) {
			var got []string
			res := RunScenario(loadFixture(t, "roam-fr-preinstalled.yaml"), Options{Dir: t.TempDir(), Capture: capture.Tap,
				ProgressInterval: tc.every, Progress: func(time.Duration, time.Duration) {},
				Stage: func(what string) { got = append(got, what) }})
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("stages %q, want %q", got, tc.want)
			}
		})
	}
}

// The PKI is no random choice of the run: two runs of a download scenario
// (mutual authentication, signed notifications) under different PKI seeds
// log the same events, byte for byte, and each verifies against its own
// CI. This is what lets exploration cases share one PKI (Options.PKISeed).
func TestPKISeedLeavesTheEventLog(t *testing.T) {
	s := loadFixture(t, "roam-fr-download.yaml")
	var logs [2][]byte
	for i, pkiSeed := range []int64{0, 424242} {
		dir := t.TempDir()
		res := RunScenario(s, Options{Dir: dir, Capture: capture.Tap, PKISeed: pkiSeed})
		if !res.OK() {
			t.Fatalf("PKI seed %d: %v %v", pkiSeed, res.Err, res.Mismatches)
		}
		b, err := os.ReadFile(filepath.Join(dir, EventsFile))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `"event":"download_result"`) || !strings.Contains(string(b), `"event":"notification_received"`) {
			t.Fatalf("PKI seed %d: the run downloaded nothing, so it shows nothing about the PKI", pkiSeed)
		}
		logs[i] = b
	}
	if string(logs[0]) != string(logs[1]) {
		t.Errorf("the event logs differ between PKI seeds:\n%s\n----\n%s", logs[0], logs[1])
	}
}

// The timeline page drawn from the capture the rig decoded for its
// evidence check is the page drawn from traffic.pcapng itself: every
// HTTP/ES9+ row and every APDU row, in the same places.
func TestTimelineFromTheRigsDecodedCapture(t *testing.T) {
	dir := t.TempDir()
	s := loadFixture(t, "roam-fr-download.yaml")
	r := runClosed(t, s, dir)
	run := r.TimelineRun(Result{Name: s.Name})
	if run.Traffic == nil {
		t.Fatal("the closed rig offers no decoded capture")
	}
	fromRig, err := timeline.Build(dir, run)
	if err != nil {
		t.Fatal(err)
	}
	run.Traffic = nil
	fromFile, err := timeline.Build(dir, run)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[timeline.Kind]int{}
	for _, it := range fromRig.Items {
		kinds[it.Kind]++
	}
	if kinds[timeline.KindAPDU] == 0 || kinds[timeline.KindHTTP] == 0 || kinds[timeline.KindES9] == 0 {
		t.Fatalf("rows by kind %v: want APDU, platform and ES9+ rows", kinds)
	}
	if !reflect.DeepEqual(fromRig.Items, fromFile.Items) || !slices.Equal(fromRig.Notes, fromFile.Notes) ||
		!slices.Equal(fromRig.Artifacts, fromFile.Artifacts) {
		t.Errorf("the page from the decoded capture (%d rows, notes %q) differs from the file's (%d rows, notes %q)",
			len(fromRig.Items), fromRig.Notes, len(fromFile.Items), fromFile.Notes)
	}
}

// A scratch run (Options.Scratch: exploration's passing cases, deleted
// right after) does not fsync events.jsonl; any other run does, once, at
// Close. Both write the same events.
func TestScratchRunIsNotSynced(t *testing.T) {
	s := loadFixture(t, "roam-fr-preinstalled.yaml")
	var syncs int
	syncEvents = func(f *os.File) error { syncs++; return f.Sync() }
	t.Cleanup(func() { syncEvents = (*os.File).Sync })
	var logs [2][]byte
	for i, scratch := range []bool{false, true} {
		syncs = 0
		dir := t.TempDir()
		if res := RunScenario(s, Options{Dir: dir, Capture: capture.Tap, Scratch: scratch}); !res.OK() {
			t.Fatalf("scratch %v: %v %v", scratch, res.Err, res.Mismatches)
		}
		if want := map[bool]int{false: 1, true: 0}[scratch]; syncs != want {
			t.Errorf("scratch %v: events.jsonl synced %d times, want %d", scratch, syncs, want)
		}
		b, err := os.ReadFile(filepath.Join(dir, EventsFile))
		if err != nil {
			t.Fatal(err)
		}
		logs[i] = b
	}
	if string(logs[0]) != string(logs[1]) || len(logs[0]) == 0 {
		t.Errorf("the scratch run logged other events:\n%s\n----\n%s", logs[0], logs[1])
	}
}

// A run ends at its horizon even when a power cut holds the modem off then:
// the end state is "off" (nothing to read), the log stops at the horizon,
// and a second cut just after power would come back changes nothing.
func TestPowerOffAtTheHorizon(t *testing.T) {
	base, err := os.ReadFile(filepath.Join("..", "fixtures", "scenarios", "roam-fr-preinstalled.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, final, mismatch string }{
		{"expects off", "final: {registration: off}", ""},
		{"expects home", "final: {operator: sfr, registration: home}", "final: got off (the modem had no power at the end of the run; nothing to read), want home (subscriber sfr)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			text := strings.Replace(string(base), "expect:\n", "faults:\n"+
				"  - {power_cut: notification_sent, nth: 1, off: 2h30m}\n"+
				"  - {power_cut: attach_attempt, nth: 2, off: 5m}\n"+
				"expect:\n", 1)
			text = strings.Replace(text, "  final: {operator: sfr, registration: home}\n", "  "+tt.final+"\n", 1)
			text = strings.Replace(text, "  within: 2h\n", "  within: 3h\n", 1)
			s, err := scenario.Parse("power-at-horizon.yaml", []byte(text))
			if err != nil {
				t.Fatal(err)
			}
			res := RunScenario(s, Options{Dir: t.TempDir(), Capture: capture.Tap})
			if res.Err != nil {
				t.Fatalf("run: %v", res.Err)
			}
			if res.Simulated != 3*time.Hour {
				t.Errorf("simulated %v, want the horizon, 3h", res.Simulated)
			}
			var want []string
			if tt.mismatch != "" {
				want = []string{tt.mismatch}
			}
			if !slices.Equal(res.Mismatches, want) {
				t.Errorf("mismatches %q, want %q", res.Mismatches, want)
			}
		})
	}
}

// A run ends at its horizon even when its modem's AT port is hung then:
// the end state is "hung" (nothing to read, no wait for an answer that
// never comes), and expecting it holds.
func TestATPortHungAtTheHorizon(t *testing.T) {
	base, err := os.ReadFile(filepath.Join("..", "fixtures", "scenarios", "at-port-hung.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, final, mismatch string }{
		{"expects hung", "final: {registration: hung}", ""},
		{"expects home", "final: {operator: sfr, registration: home}", "final: got hung (the modem's AT port was hung at the end of the run; nothing to read), want home (subscriber sfr)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			text := strings.Replace(string(base), "{at_port: hang, from: 50m, until: 3h}", "{at_port: hang, from: 50m}", 1)
			text = strings.Replace(text, "  final: {operator: sfr, registration: home}\n", "  "+tt.final+"\n", 1)
			s, err := scenario.Parse("hung-at-horizon.yaml", []byte(text))
			if err != nil {
				t.Fatal(err)
			}
			res := RunScenario(s, Options{Dir: t.TempDir(), Capture: capture.Tap})
			if res.Err != nil {
				t.Fatalf("run: %v", res.Err)
			}
			var want []string
			if tt.mismatch != "" {
				want = []string{tt.mismatch}
			}
			if !slices.Equal(res.Mismatches, want) {
				t.Errorf("mismatches %q, want %q", res.Mismatches, want)
			}
		})
	}
}

// A power cut that lands while the card's attach-success report is on its
// way (written to the platform's socket, not yet answered) gives the same
// events.jsonl, byte for byte, every run: the platform handles what was
// sent at the instant of the cut, as the network would deliver it, not
// whenever its goroutine got to it after virtual time ran on (95 s later in
// some runs, once), and the cut waits for that handling, so the platform's
// event comes before the cut's within the instant (it fell on either side
// as the goroutines went, once).
func TestPowerCutWithARequestInFlightIsDeterministic(t *testing.T) {
	base, err := os.ReadFile(filepath.Join("..", "fixtures", "scenarios", "roam-fr-preinstalled.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(base), "expect:\n", "faults:\n"+
		"  - {power_cut: cycle_ended, nth: 1, off: 95s}\n"+
		"expect:\n", 1)
	text = strings.Replace(text, "  notifications: [attach-success@platform]\n", "", 1)
	s, err := scenario.Parse("cut-in-flight.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	var first []byte
	for i := range 6 {
		dir := t.TempDir()
		if res := RunScenario(s, Options{Dir: dir, Capture: capture.Tap}); res.Err != nil || len(res.Mismatches) > 0 {
			t.Fatalf("run %d: %v %q", i, res.Err, res.Mismatches)
		}
		b, err := os.ReadFile(filepath.Join(dir, EventsFile))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = b
			got := strings.Split(string(b), "\n")
			cut := slices.IndexFunc(got, func(l string) bool { return strings.Contains(l, `"event":"power","on":false`) })
			heard := slices.IndexFunc(got, func(l string) bool { return strings.Contains(l, `"event":"notification_received"`) })
			if cut < 0 || heard < 0 || got[cut][:40] != got[heard][:40] || heard > cut {
				t.Fatalf("the platform did not hear the report at the cut's instant, before the cut:\n%s", b)
			}
			continue
		}
		if !bytes.Equal(b, first) {
			t.Fatalf("run %d's events differ from run 0's", i)
		}
	}
}

// RunScenario writes the timeline page after the rig closed: until the page
// is written INCOMPLETE says the page is pending (a process killed then
// leaves that, not a directory that claims to be whole), and once it is,
// the directory has no INCOMPLETE.
func TestIncompleteUntilThePageIsWritten(t *testing.T) {
	s := loadFixture(t, "roam-fr-preinstalled.yaml")
	dir := t.TempDir()
	r, err := NewRig(s, Options{Dir: dir, Capture: capture.Tap, pageAfter: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.AdvanceTo(Horizon(s)); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, IncompleteFile))
	if err != nil || !strings.HasPrefix(string(b), timeline.PagePending) {
		t.Fatalf("after Close, before the page: INCOMPLETE %q, %v", b, err)
	}
	res := RunScenario(s, Options{Dir: dir, Capture: capture.Tap})
	if !res.OK() || res.TimelineErr != nil {
		t.Fatalf("run: %v %v %v", res.Err, res.Mismatches, res.TimelineErr)
	}
	if _, err := os.Stat(filepath.Join(dir, IncompleteFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("INCOMPLETE after the page was written: %v", err)
	}
	// The page does not quote its own pending marker.
	page, err := os.ReadFile(res.Timeline)
	if err != nil || strings.Contains(string(page), timeline.PagePending) || strings.Contains(string(page), "INCOMPLETE") {
		t.Errorf("the finished run's page quotes INCOMPLETE (%v)", err)
	}
	// It links the raw artifacts, at.log's marks among them.
	for _, f := range []string{"events.jsonl", ATLogFile, TrafficFile, ATMarksFile} {
		if !strings.Contains(string(page), `href="`+f+`"`) {
			t.Errorf("the page does not link %s", f)
		}
	}
}

// runClosed runs s with the software tap into dir as esimhil run does (host
// init script, to the horizon) and closes the rig, failing t on any error.
func runClosed(t *testing.T, s *scenario.Scenario, dir string) *Rig {
	t.Helper()
	return runClosedWith(t, s, Options{Dir: dir, Capture: capture.Tap})
}

// runClosedWith is runClosed with the rig's options given.
func runClosedWith(t *testing.T, s *scenario.Scenario, o Options) *Rig {
	t.Helper()
	r, err := NewRig(s, o)
	if err != nil {
		t.Fatal(err)
	}
	err = r.Script(HostInit)
	if err == nil {
		err = r.AdvanceTo(Horizon(s))
	}
	if cerr := r.Close(); err != nil || cerr != nil {
		t.Fatal(err, cerr)
	}
	return r
}

// A rig that cannot start still reports the seed and directory of the run
// (`esimhil run --out FILE` printed "seed 0" and "[]").
func TestRigThatCannotStartNamesSeedAndDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s := loadFixture(t, "two-trips.yaml")
	dir := filepath.Join(file, s.Name)
	for _, tc := range []struct {
		seed, want int64
	}{
		{0, s.Seed},
		{9, 9},
	} {
		res := RunScenario(s, Options{Seed: tc.seed, Dir: dir, Capture: capture.Tap})
		if res.Err == nil || res.Seed != tc.want || res.Dir != dir {
			t.Errorf("--seed %d: err %v, seed %d, dir %q; want an error, seed %d, dir %q", tc.seed, res.Err, res.Seed, res.Dir, tc.want, dir)
		}
	}
}

// A scratch rig without a directory (Options.Scratch, Dir empty) keeps no
// artifacts: no directory, no file, not even a temporary one, and none
// beside the working directory as a "" directory would; yet its capture
// is checked and decoded from memory (platform and ES9+ traffic, the APDU
// lane), and what needs a directory says it has none.
func TestScratchRigWithoutDir(t *testing.T) {
	for _, mode := range []capture.Mode{capture.Tap, capture.Live} {
		t.Run(string(mode), func(t *testing.T) { scratchRigWithoutDir(t, mode) })
	}
}

func scratchRigWithoutDir(t *testing.T, mode capture.Mode) {
	if mode == capture.Live {
		probe, err := capture.Start(capture.Config{InMemory: true, Mode: capture.Live})
		if err != nil {
			t.Skipf("no live capture here (it needs CAP_NET_RAW): %v", err)
		}
		probe.Close()
		probe.Release()
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	s := loadFixture(t, "roam-fr-download.yaml")
	r, err := NewRig(s, Options{Scratch: true, Capture: mode})
	if err != nil {
		t.Fatal(err)
	}
	if r.Capture.Mode() != mode {
		t.Fatalf("capture mode %s, want %s", r.Capture.Mode(), mode)
	}
	if err = r.Init(); err == nil {
		err = r.AdvanceTo(Horizon(s))
	}
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if r.Dir() != "" {
		t.Errorf("Dir() = %q, want none", r.Dir())
	}
	msgs, err := r.PlatformTraffic()
	if err != nil {
		t.Fatal(err)
	}
	es9 := 0
	for _, m := range msgs {
		if m.Kind == capture.KindES9 {
			es9++
		}
	}
	if len(msgs) == es9 || es9 == 0 {
		t.Errorf("%d messages decoded, %d of them ES9+: want both platform and ES9+ traffic", len(msgs), es9)
	}
	if l, err := r.APDULane(); err != nil || len(l.APDUs) == 0 {
		t.Errorf("APDU lane: %v", err)
	}
	if p, err := r.WriteCI(); err == nil {
		t.Errorf("WriteCI wrote %s", p)
	}
	if f := NewLabBackend(r, 1).CaptureFile(); f != "" {
		t.Errorf("a lab backend on it names a capture file %q", f)
	}
	res := RunScenario(s, Options{Scratch: true, Capture: mode})
	if !res.OK() || res.Dir != "" || res.Timeline != "" || res.TimelineErr == nil {
		t.Errorf("RunScenario: ok %v (%v %v), dir %q, timeline %q (%v)", res.OK(), res.Err, res.Mismatches, res.Dir, res.Timeline, res.TimelineErr)
	}
	if ents, err := os.ReadDir(tmp); err != nil || len(ents) > 0 {
		t.Errorf("%d entries in $TMPDIR (%v)", len(ents), err)
	}
	for _, f := range []string{EventsFile, ATLogFile, TrafficFile, IncompleteFile, CaptureIncompleteFile, timeline.FileName} {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s in the working directory: %v", f, err)
		}
	}
}

// A rig whose modem is linked to its host in memory (Options.InMemory)
// has no tty: one that asks for a symlink to it, or for a host other
// than its own, is refused before anything starts.
func TestRigInMemoryRefusesATTY(t *testing.T) {
	s := loadFixture(t, "two-trips.yaml")
	for _, o := range []Options{
		{InMemory: true, Scratch: true, Link: filepath.Join(t.TempDir(), "tty")},
		{InMemory: true, Scratch: true, NoHost: true},
	} {
		r, err := NewRig(s, o)
		if err == nil {
			r.Close()
			t.Errorf("%+v: a rig started", o)
		} else if !strings.Contains(err.Error(), "in-memory link has no tty") {
			t.Errorf("%+v: %v", o, err)
		}
	}
}

// fullDisk fails every write as a full disk does.
type fullDisk struct{}

func (fullDisk) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// A write that failed on an artifact leaves INCOMPLETE naming it, not the
// "page pending" of a whole run that esimhil timeline would remove, and
// fails the run.
func TestWriteFailureIsRecorded(t *testing.T) {
	s := loadFixture(t, "roam-fr-preinstalled.yaml")
	dir := t.TempDir()
	r, err := NewRig(s, Options{Dir: dir, Capture: capture.Tap, pageAfter: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.AdvanceTo(Horizon(s)); err != nil {
		t.Fatal(err)
	}
	r.Log.Stream(fullDisk{}) // the event log's next write fails
	if err := r.Close(); err == nil || !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("Close: %v, want the write's error", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, IncompleteFile))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	if strings.HasPrefix(text, timeline.PagePending) || !strings.Contains(text, "artifacts not written whole") ||
		!strings.Contains(text, EventsFile+": ") || !strings.Contains(text, "no space left on device") {
		t.Errorf("INCOMPLETE after a failed write: %q", text)
	}
	if r.Incomplete() == "" {
		t.Error("the rig says the run is complete")
	}
	// The run reached its horizon: the page must not say it stopped early.
	if (timeline.Run{Incomplete: r.Incomplete()}).Unfinished() {
		t.Errorf("the page would call a run that reached its horizon stopped early: %q", r.Incomplete())
	}
}

// A power cut at an attach attempt or its answer lands there: the world's
// attach stops at that network, the modem does nothing with it, and the
// card never hears of it — not after the modem took the denial, the card
// judged it and fell back, as when the cut waited for the whole instant's
// work. Here the third attach is the device's first on SFR, which
// rejects it.
func TestPowerCutLandsInTheAttach(t *testing.T) {
	base := "name: cut-in-attach\nseed: 1\n" + cnToParis("", `    - {iccid: "89331000000000000029", operator: sfr}
`, "[sfr]") + `faults:
  - {attach_reject: 15, operator: sfr, subscriber: sfr, attempt: 1}
  - {power_cut: POINT, nth: 3, off: 1m}
expect:
  within: 2h
`
	for _, tc := range []struct {
		point string
		// want: the events from the third attach attempt to the cut.
		want []string
	}{
		{"attach_attempt", []string{"world attach_attempt", "harness fault", "modem power"}},
		{"attach_result", []string{"world attach_attempt", "world fault", "world attach_result", "harness fault", "modem power"}},
	} {
		t.Run(tc.point, func(t *testing.T) {
			b := passingEvents(t, tc.point+".yaml", strings.Replace(base, "POINT", tc.point, 1))
			var got []string
			attempts := 0
			for l := range strings.Lines(string(b)) {
				var e struct{ Actor, Event string }
				if err := json.Unmarshal([]byte(l), &e); err != nil {
					t.Fatal(err)
				}
				if e.Event == "attach_attempt" {
					attempts++
				}
				if attempts >= 3 {
					got = append(got, e.Actor+" "+e.Event)
				}
				if e.Event == "power" {
					break
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("from the third attach attempt to the cut: %q, want %q", got, tc.want)
			}
		})
	}
}

// A rig that cannot start leaves a directory that says so: INCOMPLETE
// names why, events.jsonl ends with run_incomplete — not the "page
// pending" of a finished run whose page a killed process did not write.
func TestRigThatCannotStart(t *testing.T) {
	s := loadFixture(t, "home-no-request.yaml")
	dir := t.TempDir()
	res := RunScenario(s, Options{Dir: dir, Capture: "foo"})
	if res.Err == nil || !strings.Contains(res.Err.Error(), `unknown capture mode "foo"`) || strings.Contains(res.Err.Error(), "capture: capture:") {
		t.Fatalf("error %v", res.Err)
	}
	b, err := os.ReadFile(filepath.Join(dir, IncompleteFile))
	if err != nil || !strings.HasPrefix(string(b), "the rig could not start: capture: unknown capture mode") {
		t.Errorf("INCOMPLETE %q, %v", b, err)
	}
	ev, err := os.ReadFile(filepath.Join(dir, EventsFile))
	if err != nil || !strings.Contains(string(ev), `"event":"run_incomplete","reason":"the rig could not start: `) {
		t.Errorf("events.jsonl %s, %v: want it to end with run_incomplete", ev, err)
	}
}

// A failed install's result, kept by the card through a power cut and
// sent after the boot, names its operator, as before the cut: the card
// never had that profile, so it knows the operator by the SM-DP+ it was
// sent to (not "smdp.sfr.test", which no expectation can name).
func TestFailedInstallNotedAfterACutNamesTheOperator(t *testing.T) {
	text := "name: failed-install-cut\nseed: 1\n" + cnToParis(", smdp: smdp.sfr.test", "", "[sfr]") + `faults:
  - {download: tampered_bpp, operator: sfr, attempt: 1}
  - {power_cut: download_result, nth: 1, off: 1m}
expect:
  final: {operator: sfr, registration: home}
  within: 2h
`
	b := passingEvents(t, "failed-install-cut.yaml", text)
	var installs []string
	for l := range strings.Lines(string(b)) {
		var e struct{ Event, Kind, To string }
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		if e.Event == "notification_sent" && e.Kind == "install" {
			installs = append(installs, e.To)
		}
	}
	if !slices.Equal(installs, []string{"sfr", "sfr"}) {
		t.Errorf("install notifications sent to %q, want the failed one and the success both to sfr", installs)
	}
}

// cnToParis is the network, device and itinerary of a card from China
// (CMCC) arriving in Paris at 1h, where Orange lets it roam and the
// platform's French list is preferred (sfr adds to SFR's operator entry;
// profiles to the card's, after its CMCC profile).
func cnToParis(sfr, profiles, preferred string) string {
	return `network:
  operators:
    - {id: cmcc, plmn: "46000", country: CN}
    - {id: orange-fr, plmn: "20801", country: FR}
    - {id: sfr, plmn: "20810", country: FR` + sfr + `}
  roaming:
    - {home: cmcc, visited: orange-fr}
  cells:
    - {area: CN-Beijing, operator: cmcc, rsrp: -80}
    - {area: FR-Paris, operator: orange-fr, rsrp: -85}
    - {area: FR-Paris, operator: sfr, rsrp: -101}
device:
  eid: "89049032000001000000000000000171"
  check_interval: 5m
  profiles:
    - {iccid: "89860000000000000019", operator: cmcc, enabled: true}
` + profiles + `platform:
  preferred: {FR: ` + preferred + `}
itinerary:
  - {at: 0s, area: CN-Beijing}
  - {at: 1h, area: FR-Paris}
`
}

// passingEvents runs the scenario text, which must pass, and returns its
// events.jsonl.
func passingEvents(t *testing.T, name, text string) []byte {
	t.Helper()
	s, err := scenario.Parse(name, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if res := RunScenario(s, Options{Dir: dir, Capture: capture.Tap}); res.Err != nil || len(res.Mismatches) > 0 {
		t.Fatalf("%v %q", res.Err, res.Mismatches)
	}
	b, err := os.ReadFile(filepath.Join(dir, EventsFile))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A run a signal stopped is headed "Stopped" on its page, not "The rig
// failed": the stop was asked for.
func TestStoppedRunPage(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("stopped by SIGINT"))
	dir := t.TempDir()
	res := RunScenario(loadFixture(t, "roam-fr-preinstalled.yaml"), Options{Dir: dir, Capture: capture.Tap, Context: ctx})
	if !errors.Is(res.Err, ErrInterrupted) {
		t.Fatalf("err %v, want interrupted", res.Err)
	}
	page, err := os.ReadFile(res.Timeline)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "<b>Stopped:</b>") || strings.Contains(string(page), "The rig failed") {
		t.Errorf("the page does not head the stop as one:\n%.2000s", page)
	}
}

// The same seed gives the same messages, not only the same event log: the
// card's and the SM-DP+'s challenges, transaction ids and one-time keys
// come from the seed, and their signatures (and the test PKI's) are RFC
// 6979's, so every platform and ES9+ body decoded from two runs' captures
// is the same bytes — what a host that reads them (a replay's at.log, a
// diff of two captures) sees. Another seed gives other challenges.
func TestSameSeedSameMessages(t *testing.T) {
	bodies := func(seed int64) []string {
		dir := t.TempDir()
		res := RunScenario(loadFixture(t, "roam-fr-download.yaml"), Options{Dir: dir, Capture: capture.Tap, Seed: seed})
		if !res.OK() {
			t.Fatalf("seed %d: %v %v", seed, res.Err, res.Mismatches)
		}
		ex, err := capture.ReadHTTP(filepath.Join(dir, TrafficFile))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range ex {
			out = append(out, fmt.Sprintf("%s %s %s\n%d %s", e.Method, e.Path, e.RequestBody, e.Status, e.ResponseBody))
		}
		return out
	}
	a, b, c := bodies(5), bodies(5), bodies(6)
	if len(a) < 9 {
		t.Fatalf("%d exchanges: want the list, the download and its ES9+ session", len(a))
	}
	for i := range a {
		if i >= len(b) || a[i] != b[i] {
			t.Fatalf("same seed, exchange %d differs:\n%s\n---\n%s", i, a[i], b[min(i, len(b)-1)])
		}
	}
	if slices.Equal(a, c) {
		t.Error("another seed gave the same messages: the seed does not reach the card and the SM-DP+")
	}
}

// A page that cannot be written (a full disk) is an artifact not written
// whole: INCOMPLETE names it and the error, not "page pending", and the
// run is an error, whatever its expectations said.
func TestTimelineNotWrittenIsAnError(t *testing.T) {
	s := loadFixture(t, "roam-fr-preinstalled.yaml")
	dir := t.TempDir()
	enospc := fmt.Errorf("timeline: %w", errors.New("write timeline.html: no space left on device"))
	defer func(w func(string, timeline.Run) (string, error)) { writeTimeline = w }(writeTimeline)
	writeTimeline = func(string, timeline.Run) (string, error) { return "", enospc }
	res := RunScenario(s, Options{Dir: dir, Capture: capture.Tap})
	if res.Verdict() != "error" || !errors.Is(res.Err, enospc) || len(res.Mismatches) > 0 {
		t.Errorf("verdict %s: %v %v", res.Verdict(), res.Err, res.Mismatches)
	}
	// Said once, and with what the expectations said, which the error
	// verdict would otherwise hide (outside tester sw76: "timeline:
	// timeline: write …", the expectations recorded nowhere).
	if msg := res.Err.Error(); strings.Count(msg, "timeline: ") != 1 || !strings.HasSuffix(msg, "(the expectations held)") {
		t.Errorf("error %q", msg)
	}
	b, err := os.ReadFile(filepath.Join(dir, IncompleteFile))
	if err != nil || strings.HasPrefix(string(b), timeline.PagePending) || !strings.Contains(string(b), "timeline.html not written (the run is an error): timeline: write timeline.html: no space left on device") {
		t.Errorf("INCOMPLETE %q, %v", b, err)
	}
	if res.Incomplete == "" {
		t.Error("the result does not say it is incomplete")
	}
	if res.Capture != "tap" {
		t.Errorf("capture %q, want tap", res.Capture)
	}
}

// Misuse is said, not passed over: simulated time does not go back, a
// closed rig runs no further, and the capture is read only once Close
// has written it whole (read before, it would hold part of the run, or
// nothing: "nothing was sent" would pass).
func TestRigRefusesMisuse(t *testing.T) {
	s := loadFixture(t, "roam-fr-preinstalled.yaml")
	r, err := NewRig(s, Options{Dir: t.TempDir(), Capture: capture.Tap})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.AdvanceTo(2 * time.Hour); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"back in time":    r.AdvanceTo(time.Hour),
		"a negative step": r.Advance(-time.Minute),
	} {
		if err == nil || !strings.Contains(err.Error(), "simulated time does not go back") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := r.AdvanceTo(2 * time.Hour); err != nil {
		t.Errorf("to where it is: %v", err)
	}
	if m, err := r.PlatformTraffic(); !errors.Is(err, errNotClosed) || m != nil {
		t.Errorf("platform traffic before Close: %d messages, %v", len(m), err)
	}
	if _, err := r.APDULane(); !errors.Is(err, errNotClosed) {
		t.Errorf("APDU lane before Close: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if m, err := r.PlatformTraffic(); err != nil || len(m) == 0 {
		t.Errorf("platform traffic after Close: %d messages, %v", len(m), err)
	}
	if err := r.Advance(time.Minute); !errors.Is(err, errClosed) {
		t.Errorf("advance after Close: %v", err)
	}
}

// A run covers simulated time up to its horizon, not the horizon's own
// instant: a periodic check due exactly then starts nothing before the
// end state is read (it started a switch, and the read landed mid-REFRESH:
// outside tester sw48, finding 2). A cycle begun before the horizon and
// not ended by it is said in the result and the event log, and so is a
// check still awaiting the list a slow platform holds (outside tester
// sw51, F2) — not one whose request a power cut ended.
func TestRunEndsBeforeTheHorizonsInstant(t *testing.T) {
	const slow = "faults:\n  - {platform: slow, delay: 10s, from: 50m}\n"
	for _, tt := range []struct {
		name, faults, within, expect, open string
	}{
		{"check at the horizon", "", "1h5m", "  final: {operator: cmcc, registration: roaming}\n  list_requests: 0\n", ""},
		{"a cycle cut by the horizon", "", "1h5m1s", "  list_requests: 1\n", "the run ended inside a cycle the card started at 1h5m0s (trigger list)"},
		{"a cycle over before it", "", "1h10m", "  final: {operator: sfr, registration: home}\n  list_requests: 1\n", ""},
		{"a list held across the horizon", slow, "1h5m5s", "  final: {operator: cmcc, registration: roaming}\n  list_requests: 1\n",
			"the run ended inside a check the card started at 1h5m0s (trigger list) that still awaited its preferred list"},
		{"a held list taken before it", slow, "1h5m11s", "  list_requests: 1\n", "the run ended inside a cycle the card started at 1h5m10s (trigger list)"},
		{"a held list's request ended by a power cut", slow + "  - {power_cut: at, from: 1h5m5s, off: 1m}\n", "1h5m20s",
			"  final: {registration: off}\n  list_requests: 1\n", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			text := cnToParis("", "    - {iccid: \"89331000000000000029\", operator: sfr}\n", "[sfr]")
			text = strings.Replace(text, "{at: 1h, area: FR-Paris}", "{at: 1h1m, area: FR-Paris}", 1)
			text = "name: horizon\n" + text + tt.faults + "expect:\n  within: " + tt.within + "\n" + tt.expect
			s, err := scenario.Parse("horizon.yaml", []byte(text))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, ScenarioCopy), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			res := RunScenario(s, Options{Dir: dir, Capture: capture.Tap})
			if res.Err != nil || len(res.Mismatches) > 0 {
				t.Fatalf("run: %v %q", res.Err, res.Mismatches)
			}
			if !strings.HasPrefix(res.OpenCycle, tt.open) || (tt.open == "") != (res.OpenCycle == "") {
				t.Errorf("OpenCycle %q, want it to begin %q", res.OpenCycle, tt.open)
			}
			// The directory alone says it as the run did (Recheck).
			if got, ok, why := Recheck(dir); !ok || got.OpenCycle != res.OpenCycle {
				t.Errorf("checked again: open cycle %q (%v, %s), the run's %q", got.OpenCycle, ok, why, res.OpenCycle)
			}
			events, err := os.ReadFile(filepath.Join(dir, EventsFile))
			if err != nil {
				t.Fatal(err)
			}
			if logged := strings.Contains(string(events), `"event":"run_ended_in_cycle"`); logged != (tt.open != "") {
				t.Errorf("run_ended_in_cycle logged: %v, want %v", logged, tt.open != "")
			}
			if awaiting := strings.Contains(string(events), `"awaiting":"`+AwaitingList+`"`); awaiting != strings.Contains(tt.open, "awaited") {
				t.Errorf("run_ended_in_cycle says it awaited the list: %v, want %v", awaiting, !awaiting)
			}
			page, err := os.ReadFile(res.Timeline)
			if err != nil {
				t.Fatal(err)
			}
			if banner := strings.Contains(string(page), "<b>Ended inside a cycle:</b>"); banner != (tt.open != "") {
				t.Errorf("the page's banner: %v, want %v", banner, tt.open != "")
			}
		})
	}
}

// A run that ends while the card awaits its download says so: no switch
// had been made (outside tester sw70 M5: "read mid-switch").
func TestRunEndsInsideADownload(t *testing.T) {
	text, err := os.ReadFile(filepath.Join("..", "fixtures", "scenarios", "roam-fr-download.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, delay, within, want string
	}{
		// The platform holds each answer 5 s; the run ends 8 s into the
		// cycle.
		{"in the download", "5s", "1h0m8s", "the run ended inside a cycle the card started at 1h0m5s (trigger list) while it downloaded sfr's profile: the end state was read before the switch"},
		// 29 s: the enable waits for the download-success's answer, and
		// the run ends in that wait (outside tester sw71).
		{"in the enable held for the note", "29s", "1h1m10s", "the run ended inside a cycle the card started at 1h0m29s (trigger list) while its enable of sfr's profile had not taken effect (held for the platform's answer to a note, or under way): the end state was read before the switch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			y := strings.Replace(string(text), "expect:\n", "faults:\n  - {platform: slow, delay: "+tc.delay+", from: 59m}\nexpect:\n", 1)
			y = strings.Replace(y, "within: 2h", "within: "+tc.within, 1)
			s, err := scenario.Parse("mid-download.yaml", []byte(y))
			if err != nil {
				t.Fatal(err)
			}
			s.Expect = scenario.Expect{Within: s.Expect.Within}
			res := RunScenario(s, Options{Dir: t.TempDir(), Capture: capture.Tap})
			if res.OpenCycle != tc.want {
				t.Errorf("OpenCycle %q\nwant %q", res.OpenCycle, tc.want)
			}
		})
	}
}

// A card dark for thirty hours fills its outbox: the download-success of
// the profile it installed before sailing reaches the platform on docking
// (claim 2), and so does the attach-success of that switch (claim 7),
// both kept over the rescue rounds' failures; the run names the notes it
// dropped (outside tester sw70: the download-success went first, and the
// run said nothing; sw75: then the attach-success went).
func TestDarkAtSeaKeepsTheDownloadSuccess(t *testing.T) {
	res := RunScenario(loadFixture(t, "dark-at-sea.yaml"), Options{Dir: t.TempDir(), Capture: capture.Tap})
	if !res.OK() {
		t.Fatalf("run: %v %v", res.Err, res.Mismatches)
	}
	if !strings.Contains(res.Dropped, "from its full outbox") || strings.Contains(res.Dropped, "download-success") || strings.Contains(res.Dropped, "attach-success") {
		t.Errorf("dropped note %q", res.Dropped)
	}
	b, err := os.ReadFile(filepath.Join(res.Dir, "events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	got, switched := 0, false
	for _, l := range bytes.Split(b, []byte("\n")) {
		var e struct {
			Actor, Event, Kind string
			Report             int
		}
		if json.Unmarshal(l, &e) == nil && e.Actor == "platform" && e.Event == "notification_received" {
			if e.Kind == "download-success" {
				got++
			}
			switched = switched || e.Kind == "attach-success" && e.Report == 2 // the switch before sailing
		}
	}
	if got != 1 || !switched {
		t.Errorf("the platform received %d download-success notifications, want 1; the switch's attach-success (report 2): %v", got, switched)
	}
}

// A run that ends with notes the platform has not acknowledged (it is down
// at the end) says which, beside the verdict and in its record, so the
// evidence shows them neither delivered nor dropped (outside tester sw83:
// 62 owed at the end of a cruise, unmentioned); one whose notes all went
// says nothing.
func TestRunNamesTheNotesStillOwed(t *testing.T) {
	base, err := os.ReadFile(filepath.Join("..", "fixtures", "scenarios", "roam-fr-preinstalled.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, faults, want string }{
		{"the platform refusing notes at the end", "faults:\n  - {platform: no_ack, from: 1h}\n",
			"the card still owed 1 note(s) at the end, which it had not seen acknowledged (the platform may have taken one whose answer was lost; sent again once the card has a bearer and the platform answers): 1 attach-success (reports 1)"},
		{"every note delivered", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			text := strings.Replace(string(base), "expect:\n", tt.faults+"expect:\n", 1)
			s, err := scenario.Parse("owed.yaml", []byte(text))
			if err != nil {
				t.Fatal(err)
			}
			res := RunScenario(s, Options{Dir: t.TempDir(), Capture: capture.Tap})
			if res.Err != nil {
				t.Fatalf("run: %v", res.Err)
			}
			if res.Owed.Platform != tt.want {
				t.Errorf("owed %q\nwant %q", res.Owed.Platform, tt.want)
			}
		})
	}
}

// A run that ends with SGP.22 notifications the card still holds for an
// SM-DP+ (unreachable from just after the install to the end) names them
// — kind, address, seq — in run_ended, beside the verdict and in what
// Recheck reads back, as it names the platform's (outside tester t78 F2:
// an enable SFR's SM-DP+ never got went unsaid); one whose SM-DP+ came
// back in time, or was never away, says nothing.
func TestRunNamesTheSMDPNotesStillOwed(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "fixtures", "scenarios", "roam-fr-download.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// A cut just after the install also leaves the platform's
	// download-success, which the applet makes at power-on (outside
	// tester t247; TestRunNamesTheDownloadSuccessOwedAtPowerOn).
	const success = "the card still owed 1 note(s) at the end, which it had not seen acknowledged (the platform may have taken one whose answer was lost; sent again once the card has a bearer and the platform answers): 1 download-success (reports 1)"
	for _, tt := range []struct{ name, faults, want, platform string }{
		{"the SM-DP+ unreachable to the end", "faults:\n  - {download: smdp_unreachable, operator: sfr, from: 1h0m1s}\n",
			"the card still owed SM-DP+s 1 notification(s) at the end, which it had not seen acknowledged (an SM-DP+ may have taken one whose answer was lost; the card keeps them and sends them again once it has a bearer and the SM-DP+ answers): enable@smdp.sfr.test seq 2", ""},
		// The card off to the end after a cut (outside tester t144 F3):
		// mid-install, the failed result its NVM will make at power-on;
		// just after the install, the result it holds.
		{"off to the end after a cut mid-install", "faults:\n  - {power_cut: bpp_segment_stored, nth: 5, off: 24h}\n",
			"the card still owed SM-DP+s 1 notification(s) at the end, which it had not seen acknowledged (an SM-DP+ may have taken one whose answer was lost; the card keeps them and sends them again once it has a bearer and the SM-DP+ answers): install@smdp.sfr.test at power-on (an install cut short)", ""},
		{"off to the end after a cut just after the install", "faults:\n  - {power_cut: profile_installed, nth: 1, off: 24h}\n",
			"the card still owed SM-DP+s 1 notification(s) at the end, which it had not seen acknowledged (an SM-DP+ may have taken one whose answer was lost; the card keeps them and sends them again once it has a bearer and the SM-DP+ answers): install@smdp.sfr.test seq 1", success},
		{"the SM-DP+ back before the end", "faults:\n  - {download: smdp_unreachable, operator: sfr, from: 1h0m1s, until: 1h30m}\n", "", ""},
		{"every notification delivered", "", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			text := strings.Replace(string(src), "expect:\n", tt.faults+"expect:\n", 1)
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, ScenarioCopy), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			s, err := scenario.Parse(ScenarioCopy, []byte(text))
			if err != nil {
				t.Fatal(err)
			}
			s.Expect = scenario.Expect{Within: s.Expect.Within} // the enable@sfr the fault holds back
			res := RunScenario(s, Options{Dir: dir, Capture: capture.Tap})
			if !res.OK() {
				t.Fatalf("run: %v %v", res.Err, res.Mismatches)
			}
			if res.Owed.SMDP != tt.want || res.Owed.Platform != tt.platform {
				t.Errorf("owed SM-DP+s %q\nwant %q\n(the platform: %q, want %q)", res.Owed.SMDP, tt.want, res.Owed.Platform, tt.platform)
			}
			got, checked, why := Recheck(dir)
			if !checked || got.Owed != res.Owed {
				t.Errorf("the log says owed %+v (%v %s), the run %+v", got.Owed, checked, why, res.Owed)
			}
			// An older esimhil's run_ended, without the field, names none:
			// not known, rather than "none owed".
			log := filepath.Join(dir, EventsFile)
			b, err := os.ReadFile(log)
			if err != nil {
				t.Fatal(err)
			}
			older := regexp.MustCompile(`"owed_smdp":\[[^]]*\],`).ReplaceAll(b, nil)
			if bytes.Equal(older, b) {
				t.Fatal("run_ended has no owed_smdp to take out")
			}
			if err := os.WriteFile(log, older, 0o644); err != nil {
				t.Fatal(err)
			}
			if got, checked, _ := Recheck(dir); !checked || got.Owed.SMDPKnown || got.Owed.SMDP != "" || !got.Owed.PlatformKnown {
				t.Errorf("an older log: owed SM-DP+s %q, known %v (the platform's known %v, checked %v)", got.Owed.SMDP, got.Owed.SMDPKnown, got.Owed.PlatformKnown, checked)
			}
		})
	}
}

// A power cut just after an install, before the applet judged the
// download, leaves the platform's download-success to the applet's next
// boot: a card off, or out, to the end names it owed in run_ended's
// owed_kinds and owed_reports, with the report number the boot gives it
// (outside tester t247: owed_kinds [], only the SM-DP+'s install named).
// A card powered again in time sends it, and owes nothing.
func TestRunNamesTheDownloadSuccessOwedAtPowerOn(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "fixtures", "scenarios", "roam-fr-download.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, faults   string
		kinds, reports []string
	}{
		{"off to the end", "faults:\n  - {power_cut: profile_installed, nth: 1, off: 24h}\n",
			[]string{"download-success"}, []string{"1"}},
		{"powered again, the card out to the end", "faults:\n  - {power_cut: profile_installed, nth: 1, off: 1m}\n  - {card: absent, from: 1h0m30s}\n",
			[]string{"download-success"}, []string{"1"}},
		{"powered again in time", "faults:\n  - {power_cut: profile_installed, nth: 1, off: 1m}\n",
			[]string{}, []string{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			text := strings.Replace(string(src), "expect:\n", tt.faults+"expect:\n", 1)
			s, err := scenario.Parse("owed-at-power-on.yaml", []byte(text))
			if err != nil {
				t.Fatal(err)
			}
			s.Expect = scenario.Expect{Within: s.Expect.Within}
			dir := t.TempDir()
			if res := RunScenario(s, Options{Dir: dir, Capture: capture.Tap}); res.Err != nil {
				t.Fatalf("run: %v", res.Err)
			}
			b, err := os.ReadFile(filepath.Join(dir, EventsFile))
			if err != nil {
				t.Fatal(err)
			}
			lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
			var end struct {
				Event   string   `json:"event"`
				Kinds   []string `json:"owed_kinds"`
				Reports []string `json:"owed_reports"`
			}
			if err := json.Unmarshal(lines[len(lines)-1], &end); err != nil || end.Event != "run_ended" {
				t.Fatalf("last event %s (%v), want run_ended", lines[len(lines)-1], err)
			}
			if !slices.Equal(end.Kinds, tt.kinds) || !slices.Equal(end.Reports, tt.reports) {
				t.Errorf("run_ended owed_kinds %q owed_reports %q, want %q %q", end.Kinds, end.Reports, tt.kinds, tt.reports)
			}
		})
	}
}

// Nothing the rig does after run_ended is the run's: events.jsonl ends
// with it. The exploration reads the card's profiles after the end
// (harness/explore's endProfiles), and a modem off at the horizon is first
// powered again (AwaitPower) and booted: that boot's events stay out of the
// record, which then is the one `esimhil run` writes of the same scenario.
func TestNothingRecordedAfterRunEnded(t *testing.T) {
	base, err := os.ReadFile(filepath.Join("..", "fixtures", "scenarios", "roam-fr-preinstalled.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, faults string
		off          bool // the modem has no power at the horizon
	}{
		{"powered at the end", "", false},
		{"off at the end", "faults:\n  - {power_cut: notification_sent, nth: 1, off: 2h30m}\n", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			text := strings.Replace(string(base), "expect:\n", tt.faults+"expect:\n", 1)
			text = strings.Replace(text, "  within: 2h\n", "  within: 3h\n", 1)
			s, err := scenario.Parse("end-read.yaml", []byte(text))
			if err != nil {
				t.Fatal(err)
			}
			// The run as `esimhil run` records it.
			cli := t.TempDir()
			if res := RunScenario(s, Options{Dir: cli, Capture: capture.Tap}); res.Err != nil {
				t.Fatalf("esimhil run: %v", res.Err)
			}
			want, err := os.ReadFile(filepath.Join(cli, EventsFile))
			if err != nil {
				t.Fatal(err)
			}
			// The run, then the exploration's end read.
			dir := t.TempDir()
			r, err := NewRig(s, Options{Dir: dir, Capture: capture.Tap})
			if err != nil {
				t.Fatal(err)
			}
			err = r.Init()
			var end Ended
			if err == nil {
				end, err = r.RunToEnd(nil)
			}
			if err != nil {
				r.Close()
				t.Fatal(err)
			}
			if got := end.End.Registration == scenario.RegistrationOff; got != tt.off {
				r.Close()
				t.Fatalf("ended off: %v, want %v", got, tt.off)
			}
			ended := r.Log.Count()
			if tt.off {
				if err := r.AwaitPower(); err != nil {
					t.Fatal(err)
				}
				if err := r.Follow(r.Now()); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := r.Profiles(); err != nil {
				t.Fatal(err)
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			if tt.off && r.Log.Count() == ended {
				t.Fatal("the card's boot after the end logged nothing: nothing tested")
			}
			got, err := os.ReadFile(filepath.Join(dir, EventsFile))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
			if last := lines[len(lines)-1]; !strings.Contains(last, `"event":"run_ended"`) {
				t.Errorf("events.jsonl's last line, after %d: %s", ended, last)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("events.jsonl (%d lines) is not what esimhil run records (%d lines)", len(lines), bytes.Count(want, []byte("\n")))
			}
			// at.log too, and no line's mark names an event past the log's end.
			for _, name := range []string{ATLogFile, ATMarksFile} {
				got, err1 := os.ReadFile(filepath.Join(dir, name))
				want, err2 := os.ReadFile(filepath.Join(cli, name))
				if err1 != nil || err2 != nil {
					t.Fatal(err1, err2)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s (%d lines) is not what esimhil run records (%d lines)", name, bytes.Count(got, []byte("\n")), bytes.Count(want, []byte("\n")))
				}
			}
			// The capture keeps the end read's frames (the card's
			// contacts and the servers' logs count them) and says on
			// each that it follows run_ended: a frame marked past
			// events.jsonl's end is one of them, not a sign of a log
			// that lost its end (r215 F7).
			after := 0
			for _, dg := range r.DecodedTraffic().Datagrams.List {
				switch {
				case dg.Mark.AfterEnd && dg.Mark.Events < len(lines):
					t.Errorf("frame %d: %s, yet marked after event %d, before run_ended (line %d)", dg.Frame, capture.AfterEndComment, dg.Mark.Events, len(lines))
				case dg.Mark.AfterEnd:
					after++
				case dg.Mark.Events > len(lines):
					t.Errorf("frame %d: marked after event %d, past events.jsonl's %d lines, without %s", dg.Frame, dg.Mark.Events, len(lines), capture.AfterEndComment)
				}
			}
			if after == 0 {
				t.Error("no frame of the end read is marked " + capture.AfterEndComment)
			}
			pcap := filepath.Join(dir, TrafficFile)
			if n := strings.Count(tsharktest.Run(t, "-r", pcap, "-Y", `frame.comment contains "`+capture.AfterEndComment+`"`, "-T", "fields", "-e", "frame.number"), "\n"); n != after {
				t.Errorf("tshark finds %d frames marked %s, the decoder %d datagrams", n, capture.AfterEndComment, after)
			}
			page, err := timeline.Write(dir, timeline.Run{Name: "end-read"})
			if err != nil {
				t.Fatal(err)
			}
			html, err := os.ReadFile(page)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(html, []byte("lost its end")) || !bytes.Contains(html, []byte(capture.AfterEndComment)) {
				t.Errorf("the page does not say which rows are of frames after run_ended (or claims a lost end)")
			}
		})
	}
}
