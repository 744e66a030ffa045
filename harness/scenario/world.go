package scenario

import (
	"time"

	"github.com/esimhil/esimhil/emulators/world"
)

// WorldConfig returns the radio world of s for a run starting at start
// (attach faults become world faults with absolute windows).
func (s *Scenario) WorldConfig(start time.Time) world.Config {
	var c world.Config
	for _, o := range s.Network.Operators {
		c.Operators = append(c.Operators, world.Operator{ID: o.ID, PLMN: o.PLMN, Country: o.Country, Name: o.Name, Tariff: o.Tariff, EHPLMNs: o.EHPLMNs})
	}
	for _, a := range s.Network.Roaming {
		c.Roaming = append(c.Roaming, world.Agreement{Home: a.Home, Visited: a.Visited})
	}
	for _, cl := range s.Network.Cells {
		c.Cells = append(c.Cells, world.Cell{Area: cl.Area, Operator: cl.Operator, PLMN: cl.PLMN, RSRP: cl.RSRP, TAC: cl.TAC, CellID: cl.CellID})
	}
	for i, f := range s.Faults {
		var kind world.FaultKind
		switch f.Kind {
		case AttachReject:
			kind = world.Reject
		case AttachNoService:
			kind = world.NoService
		case AttachTimeout:
			kind = world.Timeout
		default:
			continue
		}
		wf := world.Fault{Operator: f.Operator, Subscriber: f.Subscriber, Kind: kind, Attempt: f.Attempt, Cause: f.Cause, TAC: f.TAC, Entry: i}
		if f.From > 0 {
			wf.From = start.Add(f.From)
		}
		if f.Until > 0 {
			wf.Until = start.Add(f.Until)
		}
		c.Faults = append(c.Faults, wf)
	}
	return c
}
