package explore

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/dialect"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/harness/simtrace"
)

// Outcome is everything a run leaves to check: the event log in order, the
// card's ProfileInfoList read over AT once the run has ended (endProfiles),
// and the decoded capture.
type Outcome struct {
	Events   []eventlog.Event
	Profiles []dialect.Profile
	Traffic  []capture.Message
	// CaptureErr is set when the run's capture did not decode; Traffic is
	// then empty and the capture invariant reports it.
	CaptureErr error
	// ATLog is the run's at.log, line by line.
	ATLog []string
	// Card is the capture's APDU lane (the card's contacts), nil when it
	// did not decode; CardMarks places its frames among the events (frame
	// → mark: capture.Mark's Command is how many events the log had when
	// an exchange began).
	Card      *simtrace.Lane
	CardMarks map[int]capture.Mark
}

// PKISeed is the test PKI of every case: the cases explore itineraries,
// offers and faults, not key material, so they share one PKI — that of
// fixtures/pki, which a real test card carries — and its certificates are
// signed once per process instead of once per case.
const PKISeed = 1

// Run runs s on the emulated rig the way `esimhil run` does (host init
// script, run to the horizon, host report) with the software-tap capture,
// reads the card's profile list before closing, and decodes the capture.
// dir receives the artifacts. An error means the rig itself failed, which
// is a finding too; a capture that does not decode is kept in the Outcome.
func Run(s *scenario.Scenario, dir string) (Outcome, error) { return run(s, harness.Options{Dir: dir}) }

// runScratch is Run on a rig that keeps no artifacts, no directory
// (harness.Options.Scratch without Dir), its modem linked to the host in
// memory unless $ESIMHIL_EXPLORE_LINK says pty (caseLink): an
// exploration case, whose Outcome is all that is looked at (a failing one
// is run again, over a pty, into a fixture: WriteFixture).
func runScratch(s *scenario.Scenario) (Outcome, error) {
	link, err := caseLink()
	if err != nil {
		return Outcome{}, err
	}
	return run(s, harness.Options{Scratch: true, InMemory: link == "memory"})
}

// LinkEnv chooses how an exploration case's host reaches its modem:
// "memory" (the default; harness.Options.InMemory) or "pty". The cases
// explore the card's decisions, which the link does not change (the
// same events and AT bytes either way: TestScratchSameOutcome); the pty
// costs about a fifth of a case's time in the kernel's tty layer, and the
// specs, `esimhil run` and the fixtures drive every modem through one.
const LinkEnv = "ESIMHIL_EXPLORE_LINK"

// caseLink is the cases' link as $ESIMHIL_EXPLORE_LINK names it, "memory"
// when unset. Any other value is refused, so a typo does not silently
// leave the cases in memory.
func caseLink() (string, error) {
	switch v := os.Getenv(LinkEnv); v {
	case "", "memory":
		return "memory", nil
	case "pty":
		return v, nil
	default:
		return "", fmt.Errorf("%s=%q: want memory or pty", LinkEnv, v)
	}
}

// run is Run with o's directory and scratch setting.
func run(s *scenario.Scenario, o harness.Options) (Outcome, error) {
	var out Outcome
	var atLog bytes.Buffer
	o.Capture, o.PKISeed, o.ATLog = capture.Tap, PKISeed, &atLog
	r, err := harness.NewRig(s, o)
	if err != nil {
		return out, fmt.Errorf("rig: %w", err)
	}
	// The run ends as the CLI's does (Rig.RunToEnd): over [0, horizon),
	// nothing due at the horizon begun before the end read, the end state
	// off when unpowered, so the case's scenario run by `esimhil run`
	// gives these events (outside tester t179 F2).
	err = r.Init()
	var end harness.Ended
	if err == nil {
		end, err = r.RunToEnd(nil)
	}
	if err == nil {
		out.Events = r.Log.Events() // the run's; the read below is the checker's
		out.Profiles, err = endProfiles(r, end)
	}
	if cerr := r.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("close: %w", cerr)
	}
	if out.Events == nil {
		out.Events = r.Log.Events()
	}
	out.ATLog = strings.Split(strings.TrimSuffix(atLog.String(), "\n"), "\n")
	if err != nil {
		return out, fmt.Errorf("run: %w", err)
	}
	if out.Traffic, err = r.PlatformTraffic(); err != nil {
		out.CaptureErr = err
		return out, nil
	}
	out.Traffic = runTraffic(out.Traffic, len(out.Events))
	if lane, err := r.APDULane(); err == nil {
		marks := map[int]capture.Mark{}
		if d := r.DecodedTraffic(); d != nil {
			// Sized at once: grown a datagram at a time (about 900 a
			// case), the map was rebuilt as it doubled.
			marks = make(map[int]capture.Mark, len(d.Datagrams.List))
			for _, dg := range d.Datagrams.List {
				marks[dg.Frame] = dg.Mark
			}
		}
		out.Card, out.CardMarks = lane, marks
	}
	return out, nil
}

// runTraffic is the run's part of the platform traffic: the exchanges
// that began while the log held at most n events (the run's, to
// run_ended). The end read's boot (endProfiles) may send the notes the
// card still owed, which the platform takes and logs after the run's
// events were taken: checked against those events, the capture then
// showed a note the platform's log lacked (t252's sweep, a power cut
// right after a cycle's end, its list-exhausted owed).
func runTraffic(ms []capture.Message, n int) []capture.Message {
	return slices.DeleteFunc(ms, func(m capture.Message) bool { return m.Mark.OK && m.Mark.Events > n })
}

// endProfiles reads the card's ProfileInfoList over AT after the run's
// end, for the invariants: a card without power at the horizon is read
// once the power is back (its NVM is what the cut left), after the run's
// events were taken. The read is the checker's, not the run's: what the
// boot behind it logs stays out of events.jsonl, which run_ended ends
// (harness.Rig.RunToEnd).
//
// A hung AT port or an absent card at the horizon (a window open to the
// end: README, `expect.final: {registration: absent}`) is lifted for the
// read (Rig.Release), the card read as it was: the run's end state stays
// `hung` or `absent`, and its events end before the read.
func endProfiles(r *harness.Rig, end harness.Ended) ([]dialect.Profile, error) {
	switch end.End.Registration {
	case scenario.RegistrationOff:
		if err := r.AwaitPower(); err != nil {
			return nil, err
		}
		fallthrough // a hang or an absence that outlasts the cut
	case scenario.RegistrationHung, scenario.RegistrationAbsent:
		if err := r.Release(); err != nil {
			return nil, err
		}
	default:
		return r.Profiles()
	}
	if err := r.Follow(r.Now()); err != nil { // the boot
		return nil, err
	}
	return r.Profiles()
}

// OutDir is where failing cases are written: $ESIMHIL_EXPLORE_OUT, else
// out/explore under the module root (found from the working directory).
func OutDir() string {
	if d := os.Getenv("ESIMHIL_EXPLORE_OUT"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		return filepath.Join("out", "explore")
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "out", "explore")
		}
		if filepath.Dir(d) == d {
			return filepath.Join(dir, "out", "explore")
		}
	}
}

// WriteFixture saves a failing case as a field fixture (the format of
// fixtures/field, README "Reproducing a field failure") in
// dir/explore-<seed>: the case's scenario headed by the violated
// invariants, the failing run's at.log and events.jsonl (the case is run
// again for them: same scenario and seed, the same run) and a manifest.
// `esimhil replay` replays it and compares the card's decisions with the
// recorded run's; `esimhil run` runs its scenario.yaml. It returns the
// fixture's directory.
func WriteFixture(dir string, c Case, violations []string) (string, error) {
	return writeFixture(dir, "explore", c, violations)
}

// Files of an exploration fixture.
const (
	fixtureScenario = "scenario.yaml"
	fixtureManifest = "manifest.yaml"
)

// writeFixture is WriteFixture with the directory name's prefix.
func writeFixture(dir, prefix string, c Case, violations []string) (string, error) {
	fx := filepath.Join(dir, fmt.Sprintf("%s-%d", prefix, c.Seed))
	if err := os.MkdirAll(fx, 0o755); err != nil {
		return "", fmt.Errorf("explore fixture: %w", err)
	}
	var b strings.Builder
	b.WriteString("# Found by harness/explore (TestExplore); replay: esimhil replay " + fx + "\n# Violated invariants:\n")
	for _, v := range violations {
		for _, line := range strings.Split(v, "\n") {
			b.WriteString("#   " + line + "\n")
		}
	}
	b.WriteString(c.YAML)
	if err := os.WriteFile(filepath.Join(fx, fixtureScenario), []byte(b.String()), 0o644); err != nil {
		return "", fmt.Errorf("explore fixture: %w", err)
	}
	// The run again, into the fixture: its at.log and events.jsonl are
	// the recording (a rig error is a finding too: what it left stays).
	runErr := func() error { _, err := Run(c.Scenario, fx); return err }()
	os.Remove(filepath.Join(fx, harness.TrafficFile))
	os.Remove(filepath.Join(fx, strings.TrimSuffix(harness.TrafficFile, ".pcapng")+".keys"))
	lines := 0
	if data, err := os.ReadFile(filepath.Join(fx, harness.EventsFile)); err == nil {
		lines = strings.Count(string(data), "\n")
	}
	if lines == 0 {
		return fx, fmt.Errorf("explore fixture %s: the run left no events (%v)", fx, runErr)
	}
	pers := c.Scenario.Device.Personality
	if pers == "" {
		pers = "generic"
	}
	what := strings.Join(violations, "; ")
	if len(what) > 2000 {
		what = what[:1997] + "..."
	}
	m := fixtureManifestFile{
		Name:     filepath.Base(fx),
		Source:   fmt.Sprintf("harness/explore, seed %d: the failing case, run again into this directory", c.Seed),
		Logs:     []map[string]string{{"file": harness.ATLogFile, "format": "atlog"}, {"file": harness.EventsFile, "format": "events"}},
		Scenario: fixtureScenario,
		Expected: "the method's invariants hold (harness/explore Check)",
		Expect:   "reproduces",
	}
	m.Device.Personality = pers
	m.Failure.Log, m.Failure.Line, m.Failure.What = harness.EventsFile, lines, "the run breaks the invariants: "+what
	out, err := yaml.Marshal(m)
	if err != nil {
		return fx, fmt.Errorf("explore fixture: %w", err)
	}
	head := "# An exploration case as a field fixture: flip expect to fixed once the\n# invariants hold again (the card then decides otherwise than recorded).\n"
	if err := os.WriteFile(filepath.Join(fx, fixtureManifest), append([]byte(head), out...), 0o644); err != nil {
		return fx, fmt.Errorf("explore fixture: %w", err)
	}
	return fx, nil
}

// fixtureManifestFile is the manifest of an exploration fixture.
type fixtureManifestFile struct {
	Name   string              `yaml:"name"`
	Source string              `yaml:"source"`
	Logs   []map[string]string `yaml:"logs"`
	Device struct {
		Personality string `yaml:"personality"`
	} `yaml:"device"`
	Scenario string `yaml:"scenario"`
	Expected string `yaml:"expected"`
	Failure  struct {
		Log  string `yaml:"log"`
		Line int    `yaml:"line"`
		What string `yaml:"what"`
	} `yaml:"failure"`
	Expect string `yaml:"expect"`
}
