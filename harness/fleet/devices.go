package fleet

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/ident"
)

// plan is one device of the fleet before it exists: everything about it
// follows from the template's seed and its index.
type plan struct {
	Index int
	Seed  int64
	EID   string
	Part  Part
	// Arrive is when the device enters the visited area, from the start
	// of the storm; Start is when it is powered on at home, one to two
	// check intervals earlier, so its periodic check has a random phase.
	Arrive, Start time.Duration
}

// A device's EID: the prefix, then its index plus eidBase in 18
// digits, then the check digits.
const (
	eidPrefix = "890490320000"
	eidBase   = 100_000_000
)

// deviceIndex is the index of the fleet's device whose EID eid is, false
// for an EID no fleet device has.
func deviceIndex(eid string) (int, bool) {
	if len(eid) != 32 || !strings.HasPrefix(eid, eidPrefix) {
		return 0, false
	}
	n, err := strconv.Atoi(eid[len(eidPrefix):30])
	if err != nil || n < eidBase {
		return 0, false
	}
	if want, err := ident.MakeEID(eid[:30]); err != nil || want != eid {
		return 0, false
	}
	return n - eidBase, true
}

// planFor derives device i.
func (t *Template) planFor(i int) (plan, error) {
	rng := rand.New(rand.NewPCG(uint64(t.Seed), uint64(i)))
	p := plan{Index: i, Seed: t.Seed*1_000_003 + int64(i) + 1, Part: t.part(i)}
	ci := t.Base.Device.CheckInterval
	if ci <= 0 {
		ci = harness.DefaultCheckInterval
	}
	// The storm's clock starts two check intervals before the window
	// opens, so every device is on at home before it leaves.
	// Whole seconds: devices that arrive in the same second act at the
	// same instants, so their requests are in flight together (as in a
	// real storm) instead of one after the other on the shared loop.
	p.Arrive = (2*ci + time.Duration(rng.Int64N(int64(t.ArriveWithin)))).Truncate(time.Second)
	p.Start = (p.Arrive - ci - time.Duration(rng.Int64N(int64(ci)))).Truncate(time.Second)
	var err error
	// 8904903200 00 + 18 digits of serial: inside the test EUM's
	// permitted prefix (89049032), check digits by ISO 7064 MOD 97-10.
	if p.EID, err = ident.MakeEID(fmt.Sprintf("%s%018d", eidPrefix, eidBase+i)); err != nil {
		return p, fmt.Errorf("device %d: EID: %w", i, err)
	}
	return p, nil
}

// scenarioFor is device p's own scenario: the base world and platform,
// the trip home → visit (times from the device's power-on), and the
// card's profiles and faults by its kind.
func (t *Template) scenarioFor(p plan) (*scenario.Scenario, error) {
	b := t.Base
	s := &scenario.Scenario{
		Name: fmt.Sprintf("%s-%d", t.Name, p.Index), File: b.File, Seed: p.Seed,
		Network: b.Network, Platform: b.Platform, Device: b.Device,
		Itinerary: []scenario.Stop{{At: 0, Area: t.Home}, {At: p.Arrive - p.Start, Area: t.Visit}},
	}
	s.Device.EID = p.EID
	s.Device.Profiles = nil
	add := func(op scenario.Operator, enabled bool) error {
		iccid, err := ident.MakeICCID(fmt.Sprintf("89%s%0*d", op.PLMN, 17-len(op.PLMN), 500_000_000+p.Index))
		if err != nil {
			return fmt.Errorf("device %d: ICCID: %w", p.Index, err)
		}
		imsi := fmt.Sprintf("%s%0*d", op.PLMN, 15-len(op.PLMN), 500_000_000+p.Index)
		s.Device.Profiles = append(s.Device.Profiles, scenario.Profile{ICCID: iccid, Operator: op.ID, IMSI: imsi, Enabled: enabled})
		return nil
	}
	if err := add(t.HomeOp, true); err != nil {
		return nil, err
	}
	for _, id := range t.Preferred {
		op, _ := t.operator(id)
		if p.Part.Kind == KindPreinstalled && id != t.HomeOp.ID {
			if err := add(op, false); err != nil {
				return nil, err
			}
		}
		if p.Part.AttachReject != 0 {
			s.Faults = append(s.Faults, scenario.Fault{Kind: scenario.AttachReject, Operator: id, Subscriber: id, Cause: p.Part.AttachReject})
		}
	}
	return s, nil
}

// End is a bound on the storm's virtual clock at its last retirement:
// arrivals fall within the window after two check intervals of devices
// powered on at home (planFor), and each is followed for its dwell.
// A certificate the cards rely on must be valid until then.
func (t *Template) End() time.Time {
	ci := t.Base.Device.CheckInterval
	if ci <= 0 {
		ci = harness.DefaultCheckInterval
	}
	return clock.Epoch.Add(2*ci + time.Duration(t.ArriveWithin) + time.Duration(t.Dwell))
}
