// Package harness wires the emulated rig — world, modem on a pty, eUICC,
// management platform, capture — from a scenario, and gives specs and the CLI
// what they need to drive it and to look at what happened.
package harness

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	"github.com/esimhil/esimhil/harness/report"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/harness/simtrace"
	"github.com/esimhil/esimhil/harness/timeline"
	"github.com/esimhil/esimhil/harness/transport"
	"github.com/esimhil/esimhil/internal/atomicfile"
	"github.com/esimhil/esimhil/internal/lagwrite"
	"github.com/esimhil/esimhil/internal/personality"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// Options tune a rig. The zero value is a sane default.
type Options struct {
	// Seed feeds every random choice of the run; 0 means the scenario's seed.
	Seed int64
	// PKISeed derives the test PKI's keys; 0 means Seed. The PKI is no
	// random choice of the run (no key or certificate reaches the event
	// log), so runs that vary everything else can share one (exploration).
	PKISeed int64
	// Dir receives events.jsonl, at.log and traffic.pcapng. Empty: a fresh
	// temporary directory (see Rig.Dir), except with Scratch.
	Dir string
	// Scratch says Dir is thrown away after the run (exploration's
	// passing cases): Close does not fsync events.jsonl, which would hold
	// a worker a millisecond for a file about to be deleted, and the TLS
	// secrets go into traffic.pcapng's DSB only, without traffic.keys.
	//
	// Scratch with an empty Dir is a rig with no artifacts at all: no
	// directory, no file. The event log streams its JSON lines as
	// always (a line that does not encode still fails the run) into
	// io.Discard, and the modem its AT lines; the capture is held in
	// memory (capture.Config.InMemory), decoded there for the evidence
	// check, PlatformTraffic and APDULane, and freed at Close; only a
	// capture past what a session holds in memory (16 MiB) goes on in a
	// temporary file, removed at Close. What a run shows — Log.Events, the card over AT,
	// the decoded capture, Close's error — is the same either way; Dir
	// is then "", and what needs a directory (a timeline page, WriteCI)
	// says it has none.
	Scratch bool
	// ATLog, if set, also gets at.log's lines as the modem writes them
	// (exploration holds a case's URCs against its events without a
	// file).
	ATLog io.Writer
	// pageAfter says the caller writes the run's timeline page after
	// Close (RunScenario): Close leaves IncompleteFile saying so, and the
	// caller removes it once the page is written (FinishPage).
	pageAfter bool
	// Capture selects live AF_PACKET capture, the software tap, or auto;
	// empty: $ESIMHIL_CAPTURE, else capture.Default (the tap).
	Capture capture.Mode
	// Link, if set, is a symlink to the modem's tty.
	Link string
	// InMemory links the modem and the rig's AT client in memory (the
	// fleet's link, memlink.go) instead of through a pty: the same modem
	// code and the same bytes each way, without the kernel's tty layer,
	// whose flip-buffer work a pty pays on every line (exploration's
	// cases: about a fifth of a case's time). No tty exists (Modem.Path
	// is the link's name, mem:<EID>), so Link and NoHost are refused.
	InMemory bool
	// NoHost leaves the tty to somebody else (esimhil emulate): the rig opens
	// no AT client of its own.
	NoHost bool
	// NoTLSTickets has the SM-DP+ servers issue no session tickets, so
	// that no client resumes a session: crypto/tls's server logs the
	// secret of a full handshake only, and a client of the user's own
	// (an LPA against esimhil emulate) keeps no key log the capture could
	// take it from, as the emulated card does (outside tester sw66).
	NoTLSTickets bool
	// Personality names the modem's dialect; empty: $ESIMHIL_PERSONALITY,
	// else the scenario's device.personality.
	Personality string
	// Dialect, if set, is the modem's dialect as a value, over Personality
	// and the environment: a field fixture's device with its quirks.
	Dialect *personality.Personality
	// AttachDelay, if set, is how long an attach takes (else the seed
	// picks 1.5–3 s): a field fixture's, measured in its logs.
	AttachDelay time.Duration
	// NVM, if set, is a card image saved by Card.NVM: the card continues
	// from it instead of starting from the scenario's profiles.
	NVM []byte
	// State, if set, is the rig's durable state file (state.go): the card
	// continues from the NVM image there and the platform from its replay
	// counters beside it, if they exist, and both are written there at
	// every change, before it is acknowledged.
	State string
	// OnStateError, if set, is told when State could not be written (the
	// change was then not acknowledged as stored): emulate stops there.
	OnStateError func(error)
	// MaxEvents bounds the events of the run (0: DefaultMaxEvents): past
	// it the run ends with ErrEventLimit instead of taking the machine.
	MaxEvents int
	// Context, if set, ends the run when it is done (Ctrl-C, SIGTERM):
	// Advance and RunUntil return its cause and the artifacts are marked
	// incomplete.
	Context context.Context
	// Progress, if set, is told every ProgressInterval (0: ProgressEvery)
	// of wall time how far RunScenario got (simulated time so far, of
	// horizon).
	Progress         func(now, horizon time.Duration)
	ProgressInterval time.Duration
	// Advanced, if set, is told after each step of RunScenario's
	// simulation (a simulated hour at most) how far it got, with no
	// wall-clock gate: for a caller's own measure of a longer run (a
	// progress line's fraction of the simulated time it holds).
	Advanced func(now, horizon time.Duration)
	// Stage, if set, is told what RunScenario does after the simulation
	// (closing the rig, checking the capture, writing the timeline) once
	// the run has gone on long enough to report progress (its simulation
	// and its close together: a week-long run spends seconds closing, and
	// so does a short one with many pages), and at once, as stopped, when
	// Context ends while it closes; never after RunScenario returns.
	Stage func(what string)
	// Closing, if set, is called as the run's simulation ends and its
	// close begins, however short the run (Stage only speaks for long
	// ones): `esimhil run`'s ETA measures the close's share of a run.
	Closing func()
	// NoDevice starts only the platform and the SM-DP+s, for a lab run
	// whose device is a real modem (see LabBackend).
	NoDevice bool
	// Listen is the address the platform listens on (default
	// 127.0.0.1:0); the SM-DP+s take free ports on the same host.
	Listen string

	// noLane leaves the APDU lane out (no sniffer at the card's contacts,
	// no lane check): benchmarks measure what recording it costs.
	noLane bool
	// built, if set, is given the rig once it is built, before it runs:
	// a test's hook into its servers' events.
	built func(*Rig)
}

// listen gives the platform's and the SM-DP+s' listen addresses.
func (o Options) listen() (platform, smdp string) {
	if o.Listen == "" {
		return "127.0.0.1:0", "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(o.Listen)
	if err != nil {
		return o.Listen, "127.0.0.1:0"
	}
	return o.Listen, net.JoinHostPort(host, "0")
}

// DefaultMaxEvents is the events a run may log (README, "Limits"): a month
// of simulated roaming at the shortest check interval stays well inside.
const DefaultMaxEvents = 250_000

// ErrEventLimit ends a run that logged Options.MaxEvents events.
var ErrEventLimit = errors.New("event limit reached")

// ErrInterrupted ends a run whose Options.Context was cancelled.
var ErrInterrupted = errors.New("run interrupted")

// atLogLag is how long at.log's lines may wait in memory (wall time).
const atLogLag = 100 * time.Millisecond

// clearPrevious removes from dir the artifacts an earlier run of a rig
// wrote there (not the scenario copy esimhil run keeps, not other files).
func clearPrevious(dir string) error {
	names := []string{ATLogFile, ATMarksFile, TrafficFile, capture.KeysPathFor(TrafficFile), CaptureIncompleteFile}
	for _, n := range names {
		if err := os.Remove(filepath.Join(dir, n)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove the previous run's %s: %w", n, err)
		}
	}
	if err := timeline.RemovePages(dir); err != nil {
		return fmt.Errorf("remove the previous run's timeline: %w", err)
	}
	return nil
}

// IncompleteFile marks an artifacts directory whose run did not finish; it
// holds the reason. It is written when the rig starts and removed when it
// closes after a finished run, so a run whose process was killed leaves it
// too.
const IncompleteFile = "INCOMPLETE"

// PersonalityEnv overrides every scenario's device.personality, so that a
// whole suite runs under one dialect: a built-in name, or a personality
// file (quirks over a built-in one, personality.IsFile).
const PersonalityEnv = report.PersonalityVar

// CaptureEnv sets the capture mode of rigs whose options leave it empty,
// so that a whole suite runs live (or on the tap).
const CaptureEnv = "ESIMHIL_CAPTURE"

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
	// cut is how near a power cut set off by an event is, until the cut
	// is done (cutState).
	cut cutState
	// cutsOff counts the power cuts whose off time runs (loop work
	// only): the power comes back when the last of them has run out.
	cutsOff int

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
	Personality personality.Personality
	Capture     *capture.Session
	// AT is the host's connection to the modem over the pty (nil with NoHost).
	AT *atclient.Client

	faults    *faultPlan
	host      hostState // the CLI's host (Init, Follow)
	pkiSeed   int64     // Options.PKISeed, else Seed
	ctx       context.Context
	dir       string
	scratch   bool // Options.Scratch
	pageAfter bool // Options.pageAfter
	atLog     *os.File
	atBuf     *lagwrite.Writer // at.log's buffer
	atMarks   *os.File
	atMarkBuf *lagwrite.Writer // at.marks' buffer
	// recordEnded: run_ended was logged, the record ends (at.log's
	// untilEnd, the capture's Config.Ended).
	recordEnded atomic.Bool
	events      *os.File
	// eventsBuf batches a scratch rig's events.jsonl (nobody reads it:
	// the directory goes when the run ends), nil otherwise.
	eventsBuf *bufio.Writer
	start     time.Time
	closed    bool
	// incomplete is why the run did not finish ("" if it did or still runs).
	incomplete string
	// exchanges and datagrams are the decoded capture, once closed and
	// checked (evidenceRead), until the timeline takes them
	// (trafficTaken: TakeDecodedTraffic).
	exchanges    []capture.Exchange
	datagrams    capture.Datagrams
	evidenceRead bool
	trafficTaken bool
	// lane is the capture's APDU lane, once closed and checked; sniffing
	// says the card's contacts are recorded.
	lane     *simtrace.Lane
	sniffing bool
	contacts *contactCount // what the contacts carried, while sniffing
}

// Artifact names inside Rig.Dir.
const (
	EventsFile  = "events.jsonl"
	ATLogFile   = "at.log"
	TrafficFile = "traffic.pcapng"
	// ATMarksFile has a line for each line of at.log: how many events the
	// log had taken when the modem wrote it.
	ATMarksFile = timeline.ATMarksFile
)

// NewRig builds and powers on the rig for s. On error everything already
// started is torn down.
func NewRig(s *scenario.Scenario, o Options) (r *Rig, err error) {
	seed := o.Seed
	if seed == 0 {
		seed = s.Seed
	}
	if o.InMemory && (o.Link != "" || o.NoHost) {
		return nil, errors.New("rig: an in-memory link has no tty for a symlink (Link) or another host (NoHost)")
	}
	dir := o.Dir
	switch {
	case dir == "" && o.Scratch:
		// No artifacts (see Options.Scratch).
	case dir == "":
		if dir, err = os.MkdirTemp("", "esimhil-"+safeName(s.Name)+"-"); err != nil {
			return nil, fmt.Errorf("artifacts dir: %w", err)
		}
	default:
		if err = os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("artifacts dir: %w", err)
		}
	}
	vclk := clock.NewVirtual(clock.Epoch)
	r = &Rig{Scenario: s, Seed: seed, Loop: clock.NewLoop(vclk), dir: dir, scratch: o.Scratch, pageAfter: o.pageAfter, start: clock.Epoch, ctx: o.Context}
	// A lab run's events share a page with at.log's rows, which the lab
	// host stamps with the wall clock as the modem speaks: they are
	// stamped with it too, one time base (outside tester sw130 N6: the
	// simulated epoch put run_started 338 days before the AT rows).
	logClock := vclk.Now
	if o.NoDevice {
		logClock = time.Now
	}
	r.Log = eventlog.New(logClock)
	max := o.MaxEvents
	if max == 0 {
		max = DefaultMaxEvents
	}
	r.Log.SetLimit(max)
	defer func() {
		if err != nil {
			// Said in INCOMPLETE and events.jsonl's run_incomplete: a
			// directory the run never started in is no finished run
			// whose page is pending.
			r.MarkIncomplete("the rig could not start: " + err.Error())
			r.Close()
			r = nil
		}
	}()
	// events.jsonl is written as the run goes, like at.log: whatever
	// happens to the process, what was logged is on disk.
	var sink io.Writer = io.Discard // no artifacts: the lines are encoded all the same
	if dir != "" {
		// What an earlier run left here is not this run's: a page that
		// said "pass" beside a killed rerun's INCOMPLETE, a capture a run
		// without one would leave standing as its evidence.
		if err = clearPrevious(dir); err != nil {
			return r, err
		}
		if r.events, err = os.Create(filepath.Join(dir, EventsFile)); err != nil {
			return r, fmt.Errorf("events: %w", err)
		}
		sink = r.events
	}
	if r.events != nil && r.scratch {
		// A write a line cost an exploration case 2-3 % of its CPU.
		r.eventsBuf = bufio.NewWriterSize(r.events, 64<<10)
		sink = r.eventsBuf
	}
	if err = r.Log.Stream(sink); err != nil {
		return r, err
	}
	if !r.scratch {
		// Until Close says otherwise, the run has not finished: a process
		// killed mid-run leaves this behind (a stopped one, its reason).
		note := fmt.Sprintf("run not finished: started %s by process %d; if that process is gone, it ended without closing the run "+
			"(killed, crashed, out of memory) and at.log, events.jsonl, traffic.pcapng and traffic.keys may be cut short\n",
			time.Now().UTC().Format(time.RFC3339), os.Getpid())
		if err = os.WriteFile(filepath.Join(dir, IncompleteFile), []byte(note), 0o644); err != nil {
			return r, fmt.Errorf("mark the run in progress: %w", err)
		}
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x65_73_69_6d_68_69_6c))
	// run_started names the dialect the modem speaks: however it was
	// chosen (the scenario, ESIMHIL_PERSONALITY, a fixture), the log says
	// which, by name only, so the same seed and dialect give the same bytes.
	var perr error
	if o.Dialect != nil {
		r.Personality = *o.Dialect
	} else {
		r.Personality, perr = personality.LoadNameOrFile(personalityName(s, o))
	}
	started := eventlog.F{"scenario": s.Name, "seed": seed}
	if perr == nil {
		started["personality"] = r.Personality.Name
	}
	r.Log.Emit(eventlog.Harness, eventlog.KindRunStarted, started)
	if perr != nil {
		return r, fmt.Errorf("modem: %w", perr)
	}
	if r.World, err = world.New(s.WorldConfig(r.start), vclk, r.Log); err != nil {
		return r, fmt.Errorf("world: %w", err)
	}
	r.faults = newFaultPlan(r)
	r.Log.Subscribe(r.faults.observe)
	var chains map[string]euicc.Chain
	r.pkiSeed = o.PKISeed
	if r.pkiSeed == 0 {
		r.pkiSeed = seed
	}
	if r.PKI, chains, err = buildPKI(s, r.pkiSeed); err != nil {
		return r, err
	}
	mode := o.Capture
	if mode == "" {
		mode = capture.Mode(os.Getenv(CaptureEnv))
	}
	// A lab run's servers talk to a real card in real time, and a
	// SIMtrace2's datagrams join their traffic as they arrive: their
	// capture is on the wall clock.
	var capClock clock.Clock = vclk
	if o.NoDevice {
		capClock = clock.Wall{}
	}
	capCfg := capture.Config{
		Mode: mode, Clock: capClock, KeyLog: true,
		NoKeysFile: o.Scratch,          // the secrets still go into the file's DSB
		Events:     r.Log.Count,        // each frame's place among events.jsonl's lines
		Ended:      r.recordEnded.Load, // past run_ended, as at.log's end (untilEnd)
	}
	if dir == "" {
		capCfg.InMemory = true
	} else {
		capCfg.Path = filepath.Join(dir, TrafficFile)
	}
	if r.Capture, err = capture.Start(capCfg); err != nil {
		return r, fmt.Errorf("capture: %w", err)
	}
	platformAddr, smdpAddr := o.listen()
	resolve, err := r.startSMDPs(smdpAddr, o.NoTLSTickets)
	if err != nil {
		return r, err
	}
	nvm := o.NVM
	pcfg := platformConfig(s, vclk, r.Log)
	if err = r.platformSecurity(&pcfg); err != nil {
		return r, err
	}
	if o.State != "" {
		if nvm, pcfg.ReplayCounters, err = loadState(o.State); err != nil {
			return r, err
		}
		pcfg.OnReplay = func(m map[string]uint64) error { return stateErr(o, savePlatformState(o.State, m)) }
	}
	if r.Platform, err = platform.New(pcfg); err != nil {
		return r, fmt.Errorf("platform: %w", err)
	}
	if err = r.Platform.Start(platformAddr, r.Capture.Wrap); err != nil {
		return r, err // "platform: …" already
	}
	if o.NoDevice {
		return r, nil
	}
	ccfg := cardConfig(s, r.Platform.Addr(), r.Log)
	ccfg.Random = rsp.SeededRandom(seed, "card "+s.Device.EID)
	r.cardSecurity(&ccfg, chains, resolve)
	imei := deviceIMEI(r.Personality, s.Device.EID)
	ccfg.DeviceInfo = es10.DeviceInfoFor(imei, deviceCapabilities)
	if o.State != "" {
		ccfg.OnNVMWrite = func(img []byte) error { return stateErr(o, atomicfile.WriteFile(o.State, img, 0o600, true)) }
	}
	if nvm != nil {
		r.Card, err = euicc.Restore(ccfg, nvm)
	} else {
		r.Card, err = euicc.New(ccfg)
	}
	if err != nil && o.State != "" {
		return r, inFile(o.State, nvm, err)
	}
	if err != nil {
		return r, fmt.Errorf("card: %w", err)
	}
	var atLog io.Writer = io.Discard // no artifacts: the lines are formatted all the same
	if dir != "" {
		if r.atLog, err = os.Create(filepath.Join(dir, ATLogFile)); err != nil {
			return r, fmt.Errorf("at log: %w", err)
		}
		// One write per AT line would cost a system call each, as much as
		// the pty's own: buffered, but on disk at most atLogLag after it was
		// logged, so that a killed run leaves its AT traffic behind.
		r.atBuf = lagwrite.New(r.atLog, 64<<10, atLogLag)
		atLog = r.atBuf
	}
	if !o.Scratch { // nobody draws a scratch run's timeline
		if r.atMarks, err = os.Create(filepath.Join(dir, ATMarksFile)); err != nil {
			return r, fmt.Errorf("at log: %w", err)
		}
		r.atMarkBuf = lagwrite.New(r.atMarks, 16<<10, atLogLag)
		atLog = &markedLines{lines: r.atBuf, marks: r.atMarkBuf, count: r.Log.Count}
	}
	if dir != "" {
		atLog = untilEnd{w: atLog, ended: &r.recordEnded}
	}
	switch {
	case o.ATLog != nil && dir == "":
		atLog = o.ATLog
	case o.ATLog != nil:
		atLog = io.MultiWriter(atLog, o.ATLog)
	}
	// Attach takes 1.5–3 s on real networks; the seed picks where in that
	// range this device lies, so different seeds exercise different orders.
	attach := 1500*time.Millisecond + time.Duration(rng.Int64N(int64(1500*time.Millisecond)))
	if o.AttachDelay > 0 {
		attach = o.AttachDelay
	}
	mo := modem.Options{
		Loop: r.Loop, Log: r.Log, Card: r.Card, Network: &network{w: r.World},
		Link: o.Link, ATLog: atLog, AttachDelay: attach, Personality: r.Personality, IMEI: imei,
		Sniffer: r.sniffer(o),
	}
	var link *memLink
	if o.InMemory {
		link = newMemLink("mem:" + s.Device.EID)
		mo.Wire = link
	}
	if r.Modem, err = modem.New(mo); err != nil {
		return r, fmt.Errorf("modem: %w", err)
	}
	if link != nil {
		link.m = r.Modem
	}
	r.Terminal = stkterm.New(r.Modem.Contacts(), r.Modem, r.Loop, r.Log)
	// The tap records the card's connections from the terminal's side:
	// its bytes as it sends them, read by the server or not.
	r.Terminal.WrapDial(func(d stkterm.Dial) stkterm.Dial { return r.Capture.WrapDial(channelDial(d)) })
	r.Terminal.SetProfile(terminalProfile(r.Personality))
	r.Modem.SetSTK(r.Terminal)

	if err = r.schedule(); err != nil {
		return r, err
	}
	if err = r.Modem.Start(); err != nil {
		return r, fmt.Errorf("modem: %w", err)
	}
	switch {
	case link != nil:
		r.AT = atclient.New(link.Open())
	case !o.NoHost:
		p, err := hostPort(r.Modem)
		if err != nil {
			return r, err
		}
		r.AT = atclient.New(p)
	}
	if err = r.Loop.Settle(); err != nil {
		return r, err
	}
	if o.built != nil {
		o.built(r)
	}
	return r, nil
}

// markedLines writes at.log's lines and, for each, the event log's count
// at that moment to at.marks: the modem writes both inside the loop, in
// the order of the events, so a line's mark places it among them (a URC
// sent before a power cut of the same instant reads as before it). Its
// lines come one a Write (the modem's Fprintf), but it counts them.
type markedLines struct {
	mu           sync.Mutex
	lines, marks io.Writer
	count        func() int
	buf          []byte // the marks being written, reused
}

func (m *markedLines) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	// The line is the evidence, the mark only places it: a mark that
	// cannot be written (its buffer reports the error at Close) never
	// costs the line.
	if n := bytes.Count(p, []byte("\n")); n > 0 {
		m.buf = append(strconv.AppendInt(m.buf[:0], int64(m.count()), 10), '\n')
		one := len(m.buf)
		for range n - 1 {
			m.buf = append(m.buf, m.buf[:one]...)
		}
		_, _ = m.marks.Write(m.buf)
	}
	return m.lines.Write(p)
}

// untilEnd writes at.log and at.marks until the record ends with
// run_ended (RunToEnd): the AT lines of what the rig does after it (the
// exploration's end read) are not the run's, as their events are not
// (eventlog.Log.EndStream), and no mark names an event events.jsonl does
// not hold. Options.ATLog, the caller's, still gets them.
type untilEnd struct {
	w     io.Writer
	ended *atomic.Bool
}

func (u untilEnd) Write(p []byte) (int, error) {
	if u.ended.Load() {
		return len(p), nil
	}
	return u.w.Write(p)
}

// stateErr passes a failed state write to Options.OnStateError.
func stateErr(o Options, err error) error {
	if err != nil && o.OnStateError != nil {
		o.OnStateError(err)
	}
	return err
}

// schedule puts the itinerary and the fault plan on the virtual clock.
func (r *Rig) schedule() error {
	if err := r.scheduleSignal(); err != nil {
		return err
	}
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
				r.Log.Emit(eventlog.Harness, eventlog.KindError, eventlog.F{"reason": err.Error()})
				return
			}
			r.Modem.Reselect()
		})
	}
	r.faults.schedule()
	r.schedulePowerCuts()
	return nil
}

// Host is the host side of the tty in the modem's dialect (its AT is nil
// with NoHost).
func (r *Rig) Host() dialect.Host { return dialect.Host{AT: r.AT, P: r.Personality} }

// Dir is where the rig writes its artifacts; "" for a rig that writes
// none (Options.Scratch without Dir).
func (r *Rig) Dir() string { return r.dir }

// Now is the simulated time since the run started.
func (r *Rig) Now() time.Duration { return r.Loop.Now().Sub(r.start) }

// Advance runs the rig for d of simulated time.
func (r *Rig) Advance(d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("advance %v: simulated time does not go back", d)
	}
	_, err := r.runUntil(r.Loop.Now().Add(d), false, nil)
	return err
}

// AdvanceTo runs the rig until simulated time t since the start; a t the
// rig has passed is an error (a spec whose steps went out of order would
// otherwise look at a later state than it names), t itself is not.
func (r *Rig) AdvanceTo(t time.Duration) error {
	switch now := r.Now(); {
	case t < now:
		return fmt.Errorf("advance to %v: the rig is at %v already (simulated time does not go back)", t, now)
	case t == now:
		return nil
	}
	return r.Advance(t - r.Now())
}

// AdvanceUntil runs the rig until simulated time t since the start, or
// until done reports true, and reports whether done did. done is asked
// between steps of the loop, and a step runs an instant's work until it
// settles: what the rig does at one instant (an attach, its report, the
// next enable) happens together, and done sees the state after it.
func (r *Rig) AdvanceUntil(t time.Duration, done func() bool) (bool, error) {
	if t < r.Now() {
		t = r.Now()
	}
	return r.runUntil(r.start.Add(t), false, done)
}

// RunUntil runs the rig until an event satisfies match or max simulated time
// has passed; it returns the matching event.
func (r *Rig) RunUntil(max time.Duration, match func(eventlog.Event) bool) (eventlog.Event, bool, error) {
	seen := 0
	var hit eventlog.Event
	ok, err := r.runUntil(r.Loop.Now().Add(max), false, func() bool {
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

// runUntil is Loop.RunUntil (Loop.RunBefore when before) that also stops, with an error, when the run
// is interrupted or its log is full.
func (r *Rig) runUntil(deadline time.Time, before bool, done func() bool) (bool, error) {
	if r.closed {
		return false, errClosed
	}
	var stop error
	run := r.Loop.RunUntil
	if before {
		run = r.Loop.RunBefore // the deadline's own instant not begun
	}
	ok, err := run(deadline, func() bool {
		if stop = r.stopped(); stop != nil {
			return true
		}
		return done != nil && done()
	})
	switch {
	case err != nil:
		return false, err
	case stop != nil:
		r.MarkIncomplete(stop.Error())
		return false, stop
	}
	return ok, nil
}

// stopped says why the run must stop now, if it must.
func (r *Rig) stopped() error {
	if full, _ := r.Log.Full(); full {
		return fmt.Errorf("%w: the run logged %d events, the most a run may (%v simulated so far); shorten expect.within or lengthen device.check_interval",
			ErrEventLimit, len(r.Log.Events()), r.Now())
	}
	if r.ctx != nil && r.ctx.Err() != nil {
		return fmt.Errorf("%w at %v simulated: %v", ErrInterrupted, r.Now(), context.Cause(r.ctx))
	}
	return nil
}

// MarkIncomplete records that the run did not finish: Close logs a
// run_incomplete event and writes IncompleteFile with the reason.
func (r *Rig) MarkIncomplete(reason string) {
	if r.incomplete == "" {
		r.incomplete = reason
	}
}

// Incomplete is why the run did not finish, "" if it did.
func (r *Rig) Incomplete() string { return r.incomplete }

// Close stops everything and completes the artifacts (events.jsonl is
// written as the run goes; the capture file is complete once Close
// returns). It is safe to call more than once.
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
		var short error
		r.Loop.Do(func() {
			r.Terminal.Stop()
			short = r.Terminal.HostError()
		})
		if short != nil {
			// The card was told its remote device is not reachable
			// for the host's want, which its expectations cannot tell
			// from a network's: the run is an error, not a FAIL.
			errs = append(errs, fmt.Errorf("%w (the card was told its remote device is not reachable: what followed tested the host, not the card)", short))
		}
	}
	if r.Card != nil {
		r.Loop.Do(r.Card.Close) // an exchange still awaiting its answer ends with the run
	}
	if r.Platform != nil {
		errs = append(errs, r.Platform.Close())
	}
	for _, id := range slices.Sorted(maps.Keys(r.SMDP)) {
		errs = append(errs, r.SMDP[id].Close())
	}
	// unwritten names each artifact a write failed on (a full disk):
	// the run did not leave whole evidence, whatever the simulation did.
	var unwritten []string
	failed := func(artifact string, err error) error {
		if err != nil {
			unwritten = append(unwritten, artifact+": "+err.Error())
		}
		return err
	}
	if r.Capture != nil {
		cerr := r.Capture.Close()
		if r.dir != "" {
			failed("traffic.pcapng", cerr)
		}
		errs = append(errs, r.checkEvidence(cerr))
		// An in-memory capture is decoded now, and freed (a file stays).
		errs = append(errs, r.Capture.Release())
	}
	if r.atLog != nil {
		errs = append(errs, failed("at.log", errors.Join(r.atBuf.Close(), r.atLog.Close())))
	}
	if r.atMarks != nil {
		errs = append(errs, failed(ATMarksFile, errors.Join(r.atMarkBuf.Close(), r.atMarks.Close())))
	}
	if r.dir != "" && failed(EventsFile, r.Log.StreamErr()) != nil {
		unwritten[len(unwritten)-1] += " (it ends where that write failed, maybe mid-line, without run_incomplete)"
	}
	if len(unwritten) > 0 {
		// Said in INCOMPLETE, which then is no "page pending" that
		// esimhil timeline may remove.
		why := timeline.UnwrittenReason + strings.Join(unwritten, "; ")
		if r.incomplete != "" {
			why = r.incomplete + "; " + why
		}
		r.incomplete = why
	}
	errs = append(errs, r.closeEvents())
	if u := r.Log.Unregistered(); len(u) > 0 {
		// A kind nobody registered: the README's table and the spec
		// helpers cannot know it (eventlog.Register).
		errs = append(errs, fmt.Errorf("events of kinds not in the registry: %s", strings.Join(u, ", ")))
	}
	return errors.Join(errs...)
}

// channelDial is the card's data channels' dial, beneath the capture (a
// test's fails as a host out of descriptors does).
var channelDial = func(d stkterm.Dial) stkterm.Dial { return d }

// syncEvents is how Close makes events.jsonl durable (a test counts it).
var syncEvents = (*os.File).Sync

// closeEvents ends events.jsonl (with run_incomplete when the run did not
// finish) and writes IncompleteFile beside it.
func (r *Rig) closeEvents() error {
	if r.events == nil && r.dir != "" {
		return nil // NewRig failed before it made events.jsonl
	}
	if r.incomplete != "" {
		r.Log.Emit(eventlog.Harness, eventlog.KindRunIncomplete, eventlog.F{"reason": r.incomplete})
	}
	if r.dir == "" {
		return r.Log.StreamErr() // no artifacts: the log alone says whether it finished
	}
	var errs []error
	if r.incomplete != "" {
		if err := os.WriteFile(filepath.Join(r.dir, IncompleteFile), []byte(r.incomplete+"\n"), 0o644); err != nil {
			errs = append(errs, fmt.Errorf("mark incomplete: %w", err))
		}
	} else if r.pageAfter && !r.scratch {
		note := fmt.Sprintf(timeline.PagePending+": run finished and its artifacts closed; process %d was then writing the timeline page: "+
			"if that process is gone, timeline.html is missing or cut short (esimhil timeline %s writes it again)\n", os.Getpid(), r.dir)
		if err := os.WriteFile(filepath.Join(r.dir, IncompleteFile), []byte(note), 0o644); err != nil {
			errs = append(errs, fmt.Errorf("mark the page pending: %w", err))
		}
	} else if err := os.Remove(filepath.Join(r.dir, IncompleteFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, fmt.Errorf("mark finished: %w", err))
	}
	errs = append(errs, r.Log.StreamErr())
	if r.eventsBuf != nil {
		if err := r.eventsBuf.Flush(); err != nil {
			errs = append(errs, fmt.Errorf("events: %w", err))
		}
	}
	if !r.scratch {
		if err := syncEvents(r.events); err != nil {
			errs = append(errs, fmt.Errorf("events: %w", err))
		}
	}
	if err := r.events.Close(); err != nil {
		errs = append(errs, fmt.Errorf("events: %w", err))
	}
	return errors.Join(errs...)
}

// PlatformTraffic decodes the capture: every platform and ES9+ exchange
// (HTTPS decrypted with the capture's key log), in request order. The rig
// must be closed first, so that the capture is complete.
func (r *Rig) PlatformTraffic() ([]capture.Message, error) {
	switch {
	case !r.closed:
		return nil, errNotClosed
	case r.evidenceRead:
		return capture.DecodeExchanges(r.exchanges)
	case r.dir == "" && r.trafficTaken:
		return nil, errTrafficTaken
	case r.dir == "":
		return nil, errNoCapture
	}
	return capture.DecodeAll(filepath.Join(r.dir, TrafficFile))
}

// errNotClosed is what the capture's readers say before Close: what the
// capture holds then is not all of the run (an empty answer would pass
// for "nothing was sent").
var errNotClosed = errors.New("the rig is not closed: its capture is read once Close has written it whole (call r.Close() first)")

// errClosed is a closed rig asked to run on.
var errClosed = errors.New("the rig is closed: it runs no further")

// errTrafficTaken is what a rig without artifacts says of its capture
// once TakeDecodedTraffic gave the decoded capture away: no file to
// decode again.
var errTrafficTaken = errors.New("no capture to decode: the rig keeps no artifacts, and it gave its decoded capture away (TakeDecodedTraffic: read the traffic and the APDU lane before the timeline page)")

// errNoCapture is what a rig without artifacts says of its capture when
// Close did not decode it: it is gone, and no file holds it.
var errNoCapture = errors.New("no capture to decode: the rig keeps no artifacts, and Close did not decode its in-memory capture (not closed yet, or Close failed)")

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

// hostPort opens the in-process host's side of m's pty from its master,
// not by path (modem.OpenPeer says why), named by its path as a host that
// opened the path would be.
func hostPort(m *modem.Modem) (transport.Port, error) {
	f, err := m.OpenPeer()
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", m.Path(), err)
	}
	p, err := transport.TTY(m.Path(), f, transport.Config{Shared: true})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", m.Path(), err)
	}
	return p, nil
}
