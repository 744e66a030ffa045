// Package harness wires the emulated rig — world, modem on a pty, eUICC,
// management platform, capture — from a scenario, and gives specs and the CLI
// what they need to drive it and to look at what happened.
package harness

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
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
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/dialect"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// Options tune a rig. The zero value is a sane default.
type Options struct {
	// Seed feeds every random choice of the run; 0 means the scenario's seed.
	Seed int64
	// Dir receives events.jsonl, at.log and traffic.pcapng. Empty: a fresh
	// temporary directory (see Rig.Dir).
	Dir string
	// Capture selects live AF_PACKET capture, the software tap, or auto.
	Capture capture.Mode
	// Link, if set, is a symlink to the modem's tty.
	Link string
	// NoHost leaves the tty to somebody else (esimhil emulate): the rig opens
	// no AT client of its own.
	NoHost bool
	// Personality names the modem's dialect; empty: $ESIMHIL_PERSONALITY,
	// else the scenario's device.personality.
	Personality string
	// NVM, if set, is a card image saved by Card.NVM: the card continues
	// from it instead of starting from the scenario's profiles.
	NVM []byte
}

// PersonalityEnv overrides every scenario's device.personality, so that a
// whole suite runs under one dialect.
const PersonalityEnv = "ESIMHIL_PERSONALITY"

// personalityName picks the dialect: option, then environment, then scenario.
func personalityName(s *scenario.Scenario, o Options) string {
	switch {
	case o.Personality != "":
		return o.Personality
	case os.Getenv(PersonalityEnv) != "":
		return os.Getenv(PersonalityEnv)
	case s.Device.Personality != "":
		return s.Device.Personality
	}
	return "generic"
}

// Rig is one emulated device with everything around it.
type Rig struct {
	Scenario *scenario.Scenario
	Seed     int64
	Loop     *clock.Loop
	Log      *eventlog.Log
	World    *world.World
	Platform *platform.Server
	// SMDP holds the SM-DP+ of each operator that runs one, by operator id.
	SMDP map[string]*smdp.Server
	// PKI is the run's test PKI (CI, EUM, eUICC, SM-DP+ certificates).
	PKI      *rsp.PKI
	Card     *euicc.Card
	Terminal *stkterm.Terminal
	Modem    *modem.Modem
	// Personality is the modem's dialect.
	Personality modem.Personality
	Capture     *capture.Session
	// AT is the host's connection to the modem over the pty (nil with NoHost).
	AT *atclient.Client

	dir    string
	atLog  *os.File
	atBuf  *bufio.Writer // at.log, flushed at Close
	start  time.Time
	closed bool
}

// Artifact names inside Rig.Dir.
const (
	EventsFile  = "events.jsonl"
	ATLogFile   = "at.log"
	TrafficFile = "traffic.pcapng"
)

// NewRig builds and powers on the rig for s. On error everything already
// started is torn down.
func NewRig(s *scenario.Scenario, o Options) (r *Rig, err error) {
	seed := o.Seed
	if seed == 0 {
		seed = s.Seed
	}
	dir := o.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "esimhil-"+safeName(s.Name)+"-"); err != nil {
			return nil, fmt.Errorf("artifacts dir: %w", err)
		}
	} else if err = os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("artifacts dir: %w", err)
	}
	vclk := clock.NewVirtual(clock.Epoch)
	r = &Rig{Scenario: s, Seed: seed, Loop: clock.NewLoop(vclk), dir: dir, start: clock.Epoch}
	r.Log = eventlog.New(vclk.Now)
	defer func() {
		if err != nil {
			r.Close()
			r = nil
		}
	}()
	rng := rand.New(rand.NewPCG(uint64(seed), 0x65_73_69_6d_68_69_6c))
	r.Log.Emit(eventlog.Harness, "run_started", eventlog.F{"scenario": s.Name, "seed": seed})

	if r.Personality, err = modem.LoadPersonality(personalityName(s, o)); err != nil {
		return r, fmt.Errorf("modem: %w", err)
	}
	if r.World, err = world.New(s.WorldConfig(r.start), vclk, r.Log); err != nil {
		return r, fmt.Errorf("world: %w", err)
	}
	var chain cardChain
	if r.PKI, chain, err = buildPKI(s, seed); err != nil {
		return r, err
	}
	if r.Capture, err = capture.Start(capture.Config{
		Path: filepath.Join(dir, TrafficFile), Mode: o.Capture, Clock: vclk, KeyLog: true,
	}); err != nil {
		return r, fmt.Errorf("capture: %w", err)
	}
	resolve, err := r.startSMDPs()
	if err != nil {
		return r, err
	}
	pcfg := platformConfig(s, vclk, r.Log)
	if err = r.platformSecurity(&pcfg, chain); err != nil {
		return r, err
	}
	if r.Platform, err = platform.New(pcfg); err != nil {
		return r, fmt.Errorf("platform: %w", err)
	}
	if err = r.Platform.Start("127.0.0.1:0", r.Capture.Wrap); err != nil {
		return r, fmt.Errorf("platform: %w", err)
	}
	ccfg := cardConfig(s, r.Platform.Addr(), r.Log)
	r.cardSecurity(&ccfg, chain, resolve)
	imei := deviceIMEI(r.Personality, s.Device.EID)
	ccfg.DeviceInfo = es10.DeviceInfoFor(imei, deviceCapabilities)
	if o.NVM != nil {
		r.Card, err = euicc.Restore(ccfg, o.NVM)
	} else {
		r.Card, err = euicc.New(ccfg)
	}
	if err != nil {
		return r, fmt.Errorf("card: %w", err)
	}
	if r.atLog, err = os.Create(filepath.Join(dir, ATLogFile)); err != nil {
		return r, fmt.Errorf("at log: %w", err)
	}
	// One write per AT line would cost a system call each, as much as
	// the pty's own: buffered, and flushed when the rig closes.
	r.atBuf = bufio.NewWriterSize(r.atLog, 64<<10)
	// Attach takes 1.5–3 s on real networks; the seed picks where in that
	// range this device lies, so different seeds exercise different orders.
	attach := 1500*time.Millisecond + time.Duration(rng.Int64N(int64(1500*time.Millisecond)))
	if r.Modem, err = modem.New(modem.Options{
		Loop: r.Loop, Log: r.Log, Card: r.Card, Network: &network{w: r.World},
		Link: o.Link, ATLog: r.atBuf, AttachDelay: attach, Personality: r.Personality, IMEI: imei,
	}); err != nil {
		return r, fmt.Errorf("modem: %w", err)
	}
	r.Terminal = stkterm.New(r.Card, r.Modem, r.Loop, r.Log)
	r.Terminal.SetProfile(stkterm.Profile(r.Personality.RefreshProfileStateChange))
	r.Modem.SetSTK(r.Terminal)

	if err = r.schedule(); err != nil {
		return r, err
	}
	if err = r.Modem.Start(); err != nil {
		return r, fmt.Errorf("modem: %w", err)
	}
	if !o.NoHost {
		if r.AT, err = atclient.Open(r.Modem.Path()); err != nil {
			return r, fmt.Errorf("open %s: %w", r.Modem.Path(), err)
		}
	}
	if err = r.Loop.Settle(); err != nil {
		return r, err
	}
	return r, nil
}

// schedule puts the itinerary and the fault plan on the virtual clock.
func (r *Rig) schedule() error {
	clk := r.Loop.Clock()
	for i, step := range r.Scenario.Itinerary {
		area := step.Area
		if i == 0 && step.At == 0 {
			if err := r.World.SetArea(area); err != nil {
				return fmt.Errorf("itinerary[0]: %w", err)
			}
			continue
		}
		clk.AfterFunc(time.Duration(step.At), func() {
			if err := r.World.SetArea(area); err != nil {
				r.Log.Emit(eventlog.Harness, "error", eventlog.F{"reason": err.Error()})
				return
			}
			r.Modem.Reselect()
		})
	}
	r.windowFaults()
	return r.schedulePlan()
}

func (r *Rig) setPlatform(up bool) {
	r.Log.Emit(eventlog.Harness, "fault", eventlog.F{"platform": map[bool]string{true: "reachable", false: "unreachable"}[up]})
	if err := r.Platform.SetReachable(up); err != nil {
		r.Log.Emit(eventlog.Harness, "error", eventlog.F{"reason": err.Error()})
	}
}

// Host is the host side of the tty in the modem's dialect (its AT is nil
// with NoHost).
func (r *Rig) Host() dialect.Host { return dialect.Host{AT: r.AT, P: r.Personality} }

// Dir is where the rig writes its artifacts.
func (r *Rig) Dir() string { return r.dir }

// Now is the simulated time since the run started.
func (r *Rig) Now() time.Duration { return r.Loop.Now().Sub(r.start) }

// Advance runs the rig for d of simulated time.
func (r *Rig) Advance(d time.Duration) error { return r.Loop.Advance(d) }

// AdvanceTo runs the rig until simulated time t since the start.
func (r *Rig) AdvanceTo(t time.Duration) error {
	if d := t - r.Now(); d > 0 {
		return r.Loop.Advance(d)
	}
	return nil
}

// RunUntil runs the rig until an event satisfies match or max simulated time
// has passed; it returns the matching event.
func (r *Rig) RunUntil(max time.Duration, match func(eventlog.Event) bool) (eventlog.Event, bool, error) {
	seen := 0
	var hit eventlog.Event
	ok, err := r.Loop.RunUntil(r.Loop.Now().Add(max), func() bool {
		evs := r.Log.Events()
		for ; seen < len(evs); seen++ {
			if match(evs[seen]) {
				hit = evs[seen]
				return true
			}
		}
		return false
	})
	return hit, ok, err
}

// Close stops everything and writes events.jsonl; the capture file is
// complete once Close returns. It is safe to call more than once.
func (r *Rig) Close() error {
	if r == nil || r.closed {
		return nil
	}
	r.closed = true
	var errs []error
	if r.AT != nil {
		errs = append(errs, r.AT.Close())
	}
	if r.Modem != nil {
		errs = append(errs, r.Modem.Close())
	}
	if r.Terminal != nil {
		r.Loop.Do(r.Terminal.Stop)
	}
	if r.Platform != nil {
		errs = append(errs, r.Platform.Close())
	}
	for _, id := range sortedIDs(r.SMDP) {
		errs = append(errs, r.SMDP[id].Close())
	}
	if r.Capture != nil {
		errs = append(errs, r.Capture.Close())
	}
	if r.atLog != nil {
		r.Loop.Do(func() { errs = append(errs, r.atBuf.Flush()) })
		errs = append(errs, r.atLog.Close())
	}
	errs = append(errs, r.writeEvents())
	return errors.Join(errs...)
}

func (r *Rig) writeEvents() error {
	f, err := os.Create(filepath.Join(r.dir, EventsFile))
	if err != nil {
		return fmt.Errorf("events: %w", err)
	}
	if err := r.Log.WriteJSONL(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// PlatformTraffic decodes the capture: every platform and ES9+ exchange
// (HTTPS decrypted with the capture's key log), in request order. The rig
// must be closed first, so that the capture is complete.
func (r *Rig) PlatformTraffic() ([]capture.Message, error) {
	return capture.DecodeAll(filepath.Join(r.dir, TrafficFile))
}

func sortedIDs[V any](m map[string]V) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "rig"
	}
	return string(b)
}
