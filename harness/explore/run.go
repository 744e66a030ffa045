package explore

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/dialect"
	"github.com/esimhil/esimhil/harness/scenario"
)

// Outcome is everything a run leaves to check: the event log in order, the
// card's ProfileInfoList read over AT at the horizon, and the decoded capture.
type Outcome struct {
	Events   []eventlog.Event
	Profiles []dialect.Profile
	Traffic  []capture.Message
	// CaptureErr is set when the run's capture did not decode; Traffic is
	// then empty and the capture invariant reports it.
	CaptureErr error
}

// Run runs s on the emulated rig the way `esimhil run` does (host init
// script, run to the horizon, host report) with the software-tap capture,
// reads the card's profile list before closing, and decodes the capture.
// dir receives the artifacts. An error means the rig itself failed, which
// is a finding too; a capture that does not decode is kept in the Outcome.
func Run(s *scenario.Scenario, dir string) (Outcome, error) {
	var out Outcome
	r, err := harness.NewRig(s, harness.Options{Dir: dir, Capture: capture.Tap})
	if err != nil {
		return out, fmt.Errorf("rig: %w", err)
	}
	err = r.Script(harness.HostInit)
	if err == nil {
		err = r.AdvanceTo(harness.Horizon(s))
	}
	if err == nil {
		err = r.AwaitPower()
	}
	if err == nil {
		out.Profiles, err = r.Profiles()
	}
	if err == nil {
		err = r.Script(harness.HostReport)
	}
	if cerr := r.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("close: %w", cerr)
	}
	out.Events = r.Log.Events()
	if err != nil {
		return out, fmt.Errorf("run: %w", err)
	}
	if out.Traffic, err = r.PlatformTraffic(); err != nil {
		out.CaptureErr = err
	}
	return out, nil
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

// WriteFixture saves a failing case as a scenario file that `esimhil run`
// replays: the generated YAML (its seed set, no expect) headed by comments
// naming the violated invariants. It returns the file's path.
func WriteFixture(dir string, c Case, violations []string) (string, error) {
	return writeFixture(dir, "explore", c, violations)
}

// writeFixture is WriteFixture with the file name's prefix.
func writeFixture(dir, prefix string, c Case, violations []string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("explore fixture: %w", err)
	}
	var b strings.Builder
	path := filepath.Join(dir, fmt.Sprintf("%s-%d.yaml", prefix, c.Seed))
	b.WriteString("# Found by harness/explore (TestExplore); replay: esimhil run " + path + "\n# Violated invariants:\n")
	for _, v := range violations {
		for _, line := range strings.Split(v, "\n") {
			b.WriteString("#   " + line + "\n")
		}
	}
	b.WriteString(c.YAML)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return "", fmt.Errorf("explore fixture: %w", err)
	}
	return path, nil
}
