package harness

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/euicc"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/modem"
	"github.com/esimhil/esimhil/emulators/modem/stkterm"
	"github.com/esimhil/esimhil/emulators/platform"
	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/emulators/smdp"
	"github.com/esimhil/esimhil/emulators/world"
	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/codec/stk"
	"github.com/esimhil/esimhil/internal/personality"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// Shared is what the devices of a fleet share: one loop (one virtual
// clock for all of them), the test PKI their certificates chain to, and
// the servers they reach — the platform and the operators' SM-DP+s, in
// this process or anywhere else.
type Shared struct {
	Loop *clock.Loop
	// CI is the trust anchor of the cards; EUM issues their certificates.
	CI, EUM *rsp.Cert
	// Platform is where cards send their platform requests; PlatformTLS
	// makes them use HTTPS (the name on the certificate is PlatformHost).
	Platform    netip.AddrPort
	PlatformTLS bool
	// Resolve maps each SM-DP+ host name to where it listens.
	Resolve map[string]netip.AddrPort
	// WallPeers, when set, says the servers run on wall time in another
	// process (a fleet's external platform and SM-DP+s): the terminals
	// let the loop run on once a card closes its channel, and count the
	// servers that keep a connection open there (stkterm.SetWallPeers).
	WallPeers *stkterm.PeerCloses
}

// DeviceConfig describes one device of a fleet.
type DeviceConfig struct {
	// Scenario gives the device's world, card profiles and itinerary; its
	// times count from when the device is started.
	Scenario *scenario.Scenario
	Seed     int64
	// Log receives the device's events (each device has its own).
	Log *eventlog.Log
	// InMemory links modem and host in memory instead of a pty.
	InMemory bool
	// CardFault names a card-side download fault injected at every
	// chance (bad_euicc_signature, …); "" for none.
	CardFault string
}

// Device is one card in one modem on the shared loop, with its own radio
// world, reached by its host over a pty or in memory.
type Device struct {
	Card     *euicc.Card
	Terminal *stkterm.Terminal
	Modem    *modem.Modem
	World    *world.World
	Log      *eventlog.Log

	sh    *Shared
	s     *scenario.Scenario
	link  *memLink
	pers  personality.Personality
	start time.Time
	tmrs  []clock.Timer
}

// NewDevice builds a device and its card's certificate (issued by the
// shared EUM for the scenario's EID). Call Start to power it on.
func NewDevice(sh *Shared, c DeviceConfig) (*Device, error) {
	s := c.Scenario
	d := &Device{sh: sh, s: s, Log: c.Log}
	var err error
	if d.pers, err = personality.LoadNameOrFile(personalityName(s, Options{})); err != nil {
		return nil, fmt.Errorf("device %s: modem: %w", s.Device.EID, err)
	}
	clk := sh.Loop.Clock()
	if d.World, err = world.New(s.WorldConfig(clk.Now()), clk, c.Log); err != nil {
		return nil, fmt.Errorf("device %s: world: %w", s.Device.EID, err)
	}
	cert, err := rsp.IssueEUICC(sh.EUM, s.Device.EID, c.Seed)
	if err != nil {
		return nil, fmt.Errorf("device %s: %w", s.Device.EID, err)
	}
	cc := cardConfig(s, sh.Platform, c.Log)
	cc.EUICCCert, cc.EUMCert, cc.EUICCKey = cert.DER, sh.EUM.DER, cert.Key
	cc.CI = sh.CI.X509
	cc.Now = clk.Now
	cc.Random = rsp.SeededRandom(c.Seed, "card "+s.Device.EID)
	cc.Resolve = sh.Resolve
	cc.PlatformTLS = sh.PlatformTLS
	if f := c.CardFault; f != "" {
		cc.Inject = func(fault, _ string) bool { return fault == f }
	}
	imei := deviceIMEI(d.pers, s.Device.EID)
	cc.DeviceInfo = es10.DeviceInfoFor(imei, deviceCapabilities)
	if d.Card, err = euicc.New(cc); err != nil {
		return nil, fmt.Errorf("device %s: card: %w", s.Device.EID, err)
	}
	rng := rand.New(rand.NewPCG(uint64(c.Seed), 0x65_73_69_6d_68_69_6c))
	mo := modem.Options{
		Loop: sh.Loop, Log: c.Log, Card: d.Card, Network: &network{w: d.World},
		AttachDelay: 1500*time.Millisecond + time.Duration(rng.Int64N(int64(1500*time.Millisecond))),
		Personality: d.pers, IMEI: imei,
	}
	if c.InMemory {
		d.link = newMemLink("mem:" + s.Device.EID)
		mo.Wire = d.link
	}
	if d.Modem, err = modem.New(mo); err != nil {
		return nil, fmt.Errorf("device %s: modem: %w", s.Device.EID, err)
	}
	if d.link != nil {
		d.link.m = d.Modem
	}
	d.Terminal = stkterm.New(d.Card, d.Modem, sh.Loop, c.Log)
	d.Terminal.SetProfile(terminalProfile(d.pers))
	d.Terminal.SetWallPeers(sh.WallPeers)
	d.Modem.SetSTK(d.Terminal)
	return d, nil
}

// Start powers the device on and puts its itinerary on the shared clock,
// counted from now. Call it from outside simulated work.
func (d *Device) Start() error {
	clk := d.sh.Loop.Clock()
	d.start = clk.Now()
	for i, st := range d.s.Itinerary {
		area := st.Area
		if i == 0 && st.At == 0 {
			if err := d.World.SetArea(area); err != nil {
				return fmt.Errorf("device %s: itinerary[0]: %w", d.s.Device.EID, err)
			}
			continue
		}
		d.tmrs = append(d.tmrs, clk.AfterFunc(st.At, func() {
			if err := d.World.SetArea(area); err != nil {
				d.Log.Emit(eventlog.Harness, "error", eventlog.F{"reason": err.Error()})
				return
			}
			d.Modem.Reselect()
		}))
	}
	if err := d.Modem.Start(); err != nil {
		return fmt.Errorf("device %s: %w", d.s.Device.EID, err)
	}
	return nil
}

// Host opens an AT client on the device: over its pty, or in memory.
func (d *Device) Host() (*atclient.Client, error) {
	if d.link != nil {
		return atclient.New(d.link.Open(), atclient.WithTimeout(10*time.Second)), nil
	}
	p, err := hostPort(d.Modem)
	if err != nil {
		return nil, err
	}
	return atclient.New(p, atclient.WithTimeout(10*time.Second)), nil
}

// Since is the simulated time since the device started.
func (d *Device) Since() time.Duration { return d.sh.Loop.Now().Sub(d.start) }

// Close powers the device off for good: its timers, toolkit and tty.
// Call it from outside simulated work.
func (d *Device) Close() error {
	var errs []error
	d.sh.Loop.Do(func() {
		for _, t := range d.tmrs {
			t.Stop()
		}
		d.Modem.PowerOff()
		d.Terminal.Stop()
	})
	errs = append(errs, d.Modem.Close())
	return errors.Join(errs...)
}

// PlatformConfig is the emulated platform's configuration for scenario s
// (operators, lists, ordering), as a rig builds it; the caller adds the
// CI, TLS and the operators' SM-DP+s.
func PlatformConfig(s *scenario.Scenario, clk clock.Clock, log *eventlog.Log) platform.Config {
	return platformConfig(s, clk, log)
}

// DeliveredProfile is the seq-th profile operator o of scenario s's SM-DP+
// delivers.
func DeliveredProfile(s *scenario.Scenario, o scenario.Operator, seq int) smdp.Profile {
	return deliveredProfile(s, o, seq)
}

// terminalProfile is the TERMINAL PROFILE the personality's modem
// downloads: REFRESH in "eUICC Profile State Change" mode as it says, and
// no timers under the no_timer_management quirk.
func terminalProfile(p personality.Personality) stk.TerminalProfile {
	tp := stkterm.Profile(p.RefreshProfileStateChange)
	if p.NoTimerManagement {
		tp = stkterm.WithoutTimers(tp)
	}
	return tp
}
