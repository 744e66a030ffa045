package harness

import (
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
	"github.com/esimhil/esimhil/emulators/world"
	"github.com/esimhil/esimhil/harness/scenario"
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
		Log:           log,
	}
	if c.CheckInterval <= 0 {
		c.CheckInterval = DefaultCheckInterval
	}
	for _, p := range s.Device.Profiles {
		plmn := ""
		for _, o := range s.Network.Operators {
			if o.ID == p.Operator {
				plmn = o.PLMN
			}
		}
		c.Profiles = append(c.Profiles, euicc.ProfileSpec{
			ICCID: p.ICCID, Operator: p.Operator, IMSI: p.IMSI,
			Enabled: p.Enabled, MNCLen: len(plmn) - 3,
		})
	}
	return c
}

// network adapts the world to what the modem asks of the radio.
type network struct{ w *world.World }

func (n *network) Attach(imsi string) modem.Registration {
	a := n.w.Attach(imsi)
	return modem.Registration{
		Stat: a.Stat, PLMN: a.PLMN, TAC: a.Cell.TAC, CellID: a.Cell.CellID,
		AcT: 7, RSRP: a.Cell.RSRP, Cause: a.Cause, Timeout: a.Timeout,
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
