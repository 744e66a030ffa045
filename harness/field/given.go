package field

import (
	"fmt"
	"strings"
	"time"

	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/harness/scenario"
)

// given takes the world from a whole scenario the manifest names (an
// exploration case, a lab run): nothing is reconstructed but the host's
// commands, and a log of the rig itself is already on the run's clock.
func (p *Plan) given() error {
	f := p.Fixture
	m := f.Manifest
	s, err := scenario.Parse(m.Scenario, f.ScenarioText)
	if err != nil {
		return fmt.Errorf("%s: %w", strings.TrimSuffix(f.Dir, "/"), err)
	}
	if s.Device.Personality != "" && s.Device.Personality != m.Device.Personality {
		return m.errAt(m.Node("device.personality"), "device.personality", "%s, but %s says %s", m.Device.Personality, m.Scenario, s.Device.Personality)
	}
	// The card's EID as the reconstructed world takes it (eid), the
	// scenario's standing in for one the test EUM does not issue.
	eid, whose, err := p.cardEID()
	if err != nil {
		return err
	}
	if eid != "" && p.testEID(eid, whose, s.Device.EID) != s.Device.EID {
		if m.Device.EID != "" {
			return m.errAt(m.Node("device.eid"), "device.eid", "%s, but %s says %s", m.Device.EID, m.Scenario, s.Device.EID)
		}
		return m.errAt(m.Node("scenario"), "scenario", "%s's EID is %s, but %s answers GetEID with %s", m.Scenario, s.Device.EID, p.Facts.EIDSrc, eid)
	}
	p.ScenarioYAML, p.Scenario = f.ScenarioText, s
	p.Start = p.givenStart()
	if on := p.Facts.PowerOn; p.PowerOn {
		// The power-on the logs open with is where they begin on the
		// run's clock (a log of the rig booting 30 s in: 30 s), not the
		// scenario's own power-on at run time 0.
		p.PowerOnAt = p.Start + on.At
		if f.Logs[f.LogIndex(on.Src.File)].Entries[0].Time.IsZero() {
			p.Start = p.PowerOnAt + warmUp
			p.assumeNoTimes(on.Src.File)
		}
	}
	return nil
}

// givenStart is the run time at which the logs begin: a log of the rig is
// stamped with the run's own clock; any other begins when the run does.
func (p *Plan) givenStart() time.Duration {
	f := p.Fixture
	for i, t := range f.Logs {
		if t.Format == fieldlog.Events || t.Clock != fieldlog.Absolute {
			continue
		}
		if zero := firstTime(t); !zero.IsZero() {
			if d := zero.Sub(RigEpoch); d >= 0 && d < scenario.MaxHorizon {
				p.assume("the logs are the rig's own (their clock starts at %s): the run starts with them", RigEpoch.Format(time.RFC3339))
				return d - f.origin[i]
			}
		}
	}
	p.assume("the logs begin when the run starts")
	return 0
}
