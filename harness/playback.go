package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/esimhil/esimhil/fixtures"
	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/lab/record"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/personality"
)

// settle is how long the emulated device runs before a script is played:
// a recording is made on a modem that is on and attached.
const settle = 30 * time.Second

// Playback plays a recording's script against the emulator (the scenario's
// device, under personality p) on the virtual clock and returns the
// emulator's side of the conversation, for record.Diff.
func Playback(s *scenario.Scenario, p personality.Personality, script *record.Script) ([]string, error) {
	dir, err := os.MkdirTemp("", "esimhil-playback-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	r, err := NewRig(s, Options{Dir: dir, NoHost: true, Personality: p.Name, Capture: capture.Tap})
	if err != nil {
		return nil, fmt.Errorf("playback: %w", err)
	}
	defer r.Close()
	if err := r.Advance(settle); err != nil {
		return nil, fmt.Errorf("playback: %w", err)
	}
	var log record.Log
	c, err := atclient.Open(r.Modem.Path(), atclient.WithTrace(&log), atclient.WithTimestamps(r.Loop.Now))
	if err != nil {
		return nil, fmt.Errorf("playback: %w", err)
	}
	defer c.Close()
	if err := record.Prepare(c); err != nil {
		return nil, fmt.Errorf("playback: %w", err)
	}
	log.Reset()
	if err := record.Run(c, p, script, &log, r.Loop.Now); err != nil {
		return nil, fmt.Errorf("playback: %w", err)
	}
	return log.Lines(), nil
}

// DiffRecording plays a recording's script against the emulator and
// compares: personality and scenario default to the recording's.
func DiffRecording(dir, pers, scen string) ([]record.Difference, *record.Recording, error) {
	rec, err := record.Load(dir)
	if err != nil {
		return nil, nil, err
	}
	if pers == "" {
		pers = rec.Manifest.Personality
	}
	p, err := personality.Load(pers)
	if err != nil {
		return nil, rec, err
	}
	rec.Manifest.Personality = p.Name
	var s *scenario.Scenario
	if b, ok := fixtures.Scenario(rec.Manifest.Scenario); scen == "" && ok {
		// A built-in scenario named by its name (`lab record`'s default).
		s, err = scenario.Parse(rec.Manifest.Scenario+".yaml", b)
	} else {
		if scen == "" {
			scen = rec.Manifest.Scenario
			if !filepath.IsAbs(scen) {
				scen = filepath.Join(dir, scen)
			}
		}
		s, err = scenario.Load(scen)
	}
	if err != nil {
		return nil, rec, err
	}
	played, err := Playback(s, p, rec.Script)
	if err != nil {
		return nil, rec, err
	}
	ds, err := record.Diff(rec, played)
	return ds, rec, err
}
