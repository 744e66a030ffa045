package harness

import (
	"encoding/hex"
	"net/netip"
	"strings"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/euicc"
	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/modem"
	"github.com/esimhil/esimhil/emulators/modem/stkterm"
	"github.com/esimhil/esimhil/emulators/platform"
	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/emulators/world"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/personality"
	"github.com/esimhil/esimhil/internal/proto/emm"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// PlatformHost is the management platform's host name: the card's Host
// header and, with platform TLS, the name its certificate carries.
const PlatformHost = "platform.esimhil.test"

// DefaultCheckInterval is the applet's period when a scenario names none.
const DefaultCheckInterval = 5 * time.Minute

func platformConfig(s *scenario.Scenario, clk clock.Clock, log *eventlog.Log) platform.Config {
	c := platform.Config{OrderBy: s.Platform.OrderBy, Preferred: s.Platform.Preferred, Clock: clk, Log: log}
	for _, o := range s.Network.Operators {
		c.Operators = append(c.Operators, platform.Operator{ID: o.ID, PLMN: o.PLMN, Country: o.Country, Tariff: o.Tariff})
	}
	return c
}

func cardConfig(s *scenario.Scenario, platformAddr netip.AddrPort, log *eventlog.Log) euicc.Config {
	c := euicc.Config{
		EID:           s.Device.EID,
		PlatformAddr:  platformAddr,
		PlatformHost:  PlatformHost,
		CheckInterval: s.Device.CheckInterval,
		AttachWait:    s.Device.AttachWait,
		Backoff:       applet.Backoff{First: s.Device.Backoff.First, Max: s.Device.Backoff.Max},
		RAT:           ratOf(s.Device.RAT),
		Log:           log,
	}
	if c.CheckInterval <= 0 {
		c.CheckInterval = DefaultCheckInterval
	}
	for _, p := range s.Device.Profiles {
		var op scenario.Operator
		for _, o := range s.Network.Operators {
			if o.ID == p.Operator {
				op = o
			}
		}
		// A preinstalled profile carries the names its factory
		// personalisation gave it, as a downloaded one carries its
		// metadata's.
		spec := euicc.ProfileSpec{
			ICCID: p.ICCID, Operator: p.Operator, IMSI: p.IMSI,
			SPN: spn(op), Name: profileName(op, "preinstalled profile"),
			Enabled: p.Enabled, MNCLen: len(op.PLMN) - 3, MSISDN: p.MSISDN,
			OperatorPLMNs: s.OperatorPLMNs(p.Operator),
			EHPLMNs:       op.ProfileEHPLMNs(),
			HPPLMN:        s.HPPLMN(p.Operator),
		}
		if op.PIN1 != nil {
			spec.PIN1, spec.PIN1Enabled = op.PIN1.Code, op.PIN1.Enabled
		}
		c.Profiles = append(c.Profiles, spec)
	}
	c.Pending = pendingOf(s)
	return c
}

// pendingOf is the card's pending notifications at power-on from the
// scenario's device.notifications (validated at load). An install result
// names its SM-DP+'s OID: that of the operator whose SM-DP+ the address
// is, as the rig's PKI issues it; another address's is the card's own
// guess.
func pendingOf(s *scenario.Scenario) []euicc.PendingSpec {
	var out []euicc.PendingSpec
	for _, n := range s.Device.Notifications {
		p := euicc.PendingSpec{Seq: n.Seq, ICCID: n.ICCID, Address: n.Address}
		for e := es10.EventInstall; e <= es10.EventDelete; e++ {
			if e.String() == n.Event {
				p.Event = e
			}
		}
		if id := s.OperatorOfSMDP(n.Address); id != "" {
			p.SmdpOID = rsp.SMDPOID(id)
		}
		out = append(out, p)
	}
	return out
}

// ratOf is the card's Rules Authorisation Table from the scenario's
// device.rat (validated at load: rule names, PLMN patterns, gids in hex).
func ratOf(rules []scenario.RATRule) []es10.PolicyRule {
	var out []es10.PolicyRule
	for _, r := range rules {
		pr := es10.PolicyRule{PPRs: pprBits(r.PPR), ConsentRequired: r.Consent}
		for _, o := range r.Operators {
			pr.AllowedOperators = append(pr.AllowedOperators, es10.OperatorID{PLMN: o.PLMN, GID1: hexOrNil(o.GID1), GID2: hexOrNil(o.GID2)})
		}
		out = append(out, pr)
	}
	return out
}

// pprBits sets the PprIds bits of profile policy rule names.
func pprBits(names []string) es10.Bits {
	var b es10.Bits
	for _, n := range names {
		b |= es10.BitsOf(scenario.PPRNames[n])
	}
	return b
}

// hexOrNil decodes a gid the scenario checked; "" is none.
func hexOrNil(s string) []byte {
	if s == "" {
		return nil
	}
	b, _ := hex.DecodeString(s)
	return b
}

// deviceIMEI is the device's IMEI: the modem model's TAC, six serial
// digits from the EID's individual part (so every card has its own
// device) and the Luhn check digit.
func deviceIMEI(p personality.Personality, eid string) string {
	tac := p.TAC
	if tac == "" {
		tac = personality.Generic().TAC
	}
	imei, _ := ident.MakeIMEI(tac + eid[24:30])
	return imei
}

// deviceCapabilities is what the LTE modules modelled here announce in
// DeviceInfo (SGP.22 §4.2): E-UTRAN up to Release 13.
var deviceCapabilities = es10.DeviceCapabilities{EUTRAN: es10.Version{13, 0, 0}}

// network adapts the world to what the modem asks of the radio.
type network struct{ w *world.World }

func (n *network) Attach(imsi string, sel emm.Selection) modem.Registration {
	return registration(n.w.Attach(imsi, sel))
}

func (n *network) AttachTo(imsi, plmn string) modem.Registration {
	return registration(n.w.AttachTo(imsi, plmn))
}

func registration(a world.Attachment) modem.Registration {
	return modem.Registration{
		Stat: a.Stat, PLMN: a.PLMN, TAC: a.Cell.TAC, CellID: a.Cell.CellID,
		AcT: 7, RSRP: a.Cell.RSRP, Cause: a.Cause, Timeout: a.Timeout, Interrupted: a.Interrupted,
		Refused: a.Refused,
	}
}

func (n *network) Detach() { n.w.Detach() }

func (n *network) Cells() []stkterm.Cell {
	var out []stkterm.Cell
	for _, c := range n.w.Cells() {
		out = append(out, stkterm.Cell{PLMN: c.PLMN, TAC: c.TAC, CellID: c.CellID, RSRP: c.RSRP})
	}
	return out
}

func (n *network) PDNAddress(imsi string, cid int) (v4, v6 netip.Addr) {
	a, _ := n.w.PDNAddress(imsi, cid)
	return a.V4, a.V6
}

func (n *network) OperatorName(plmn string) (long, short string) {
	o, ok := n.w.OperatorByPLMN(plmn)
	if !ok {
		return plmn, plmn
	}
	long = o.Name
	if long == "" {
		long = strings.ToUpper(o.ID)
	}
	return long, strings.ToUpper(o.ID)
}
