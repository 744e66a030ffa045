package framework

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2"

	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/lab"
	"github.com/esimhil/esimhil/harness/report"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/harness/ser2net"
	"github.com/esimhil/esimhil/harness/simtrace"
	"github.com/esimhil/esimhil/harness/transport"
	"github.com/esimhil/esimhil/internal/personality"
)

// Lab run settings, from the environment (make lab, make test).
const (
	// LabModemEnv names a real modem's AT port: /dev/ttyUSB2,
	// tcp://host:port (ser2net raw) or rfc2217://host:port.
	LabModemEnv = "ESIMHIL_LAB_MODEM"
	// LabTargetEnv runs the env:lab specs against the emulator behind a
	// transport instead: serial (its pty opened as a serial device), tcp
	// or rfc2217 (its pty exported by a ser2net the framework starts).
	LabTargetEnv = "ESIMHIL_LAB_TARGET"
	// LabPersonalityEnv names the real modem's personality (default
	// generic; the emulator's is its scenario's or $ESIMHIL_PERSONALITY).
	LabPersonalityEnv = "ESIMHIL_LAB_PERSONALITY"
	// LabHasEnv lists what the lab offers, comma-separated: roaming,
	// radio-control, port-control. Default: nothing for a real modem; for
	// the emulator roaming and radio-control, and port-control behind
	// ser2net (the framework restarts it).
	LabHasEnv = "ESIMHIL_LAB_HAS"
	// LabListenEnv is where the platform listens for a real card
	// (default 0.0.0.0:8080); the SM-DP+s take free ports on that host.
	LabListenEnv = "ESIMHIL_LAB_LISTEN"
	// LabScenarioEnv is the scenario that configures the platform and
	// the SM-DP+s for a real card (operators, lists, EID); default: the
	// spec's own.
	LabScenarioEnv = "ESIMHIL_LAB_SCENARIO"
	// LabSpeedEnv is the emulated device's clock rate behind a
	// transport (default 60: a 2-minute check period lasts 2 s).
	LabSpeedEnv = "ESIMHIL_LAB_SPEED"
	// LabPortDropEnv is the shell command that drops a real modem's port
	// and brings it back (a ser2net restart, a USB hub's power cycle),
	// which port-control asks of a real lab.
	LabPortDropEnv = "ESIMHIL_LAB_PORT_DROP"
	// LabBaudEnv is the real modem's line speed on a serial device or
	// through RFC 2217 (default 115200; a USB modem ignores it, a UART
	// does not); raw TCP passes bytes and has none.
	LabBaudEnv = "ESIMHIL_LAB_BAUD"
	// LabSIMTraceEnv is where the run listens for a SIMtrace2's GSMTAP
	// (udp://host:port, or off); its SIM datagrams join the run's
	// capture. Default: simtrace.DefaultListen for a real modem, off for
	// the emulator.
	LabSIMTraceEnv = "ESIMHIL_LAB_SIMTRACE"
)

// Needs labels: what a spec requires of the lab. A lab run skips a spec
// whose needs the lab does not offer, saying which and why.
var (
	NeedsRoaming      = ginkgo.Label("needs:" + lab.Roaming)
	NeedsRadioControl = ginkgo.Label("needs:" + lab.RadioControl)
	NeedsPortControl  = ginkgo.Label("needs:" + lab.PortControl)
	NeedsSIMTrace     = ginkgo.Label("needs:" + lab.SIMTrace)
)

// why says what a missing capability means.
var why = map[string]string{
	lab.Roaming:      "the device is not roaming when the run starts (a profile whose home network is not on the air)",
	lab.RadioControl: "no callbox to move the device to another country or make a network reject it",
	lab.PortControl:  "nothing here can drop the modem's port and bring it back (a ser2net the run controls, a switchable USB hub)",
	lab.SIMTrace:     "no SIMtrace2 between modem and card sending GSMTAP to this run (" + LabSIMTraceEnv + "=udp://host:4729)",
}

// unaskedRestart says why a spec's verdict cannot stand when its modem
// went away or booted under it ("" when it did not, or the spec asked for
// it: needs:port-control drops the port on purpose); down says the port
// is away now.
func unaskedRestart(labels []string, port string, reopens int, down bool, refused string, bootSigns []string) string {
	if slices.Contains(labels, "needs:"+lab.PortControl) {
		return ""
	}
	switch {
	case reopens > 0 || down:
		// ser2net with kickolduser (README's config) hands the port to
		// any second client, which drops the run's connection as a
		// reset would: a likely cause on a shared lab host — named too
		// when the command in flight failed before the port was back
		// (outside tester sw66).
		kick := ""
		switch {
		case down && refused != "":
			// ser2net said in words that the device is gone: not a
			// client's doing (outside tester o303).
			kick = "; ser2net at " + port + " says " + strconv.Quote(refused) + ": the device behind it is gone (a modem resetting or re-enumerating, unplugged, or its emulator stopped), not taken by another client"
		case strings.HasPrefix(port, "tcp://") || strings.HasPrefix(port, "rfc2217://"):
			kick = "; or another client connected to " + port + ", which a ser2net with kickolduser hands the port to, dropping this run's connection"
		}
		if reopens == 0 {
			return fmt.Sprintf("the modem's port dropped during this spec, which did not ask for it, and is not back: a modem that reset (or a transport that failed) under it%s", kick)
		}
		again := ""
		if down {
			again = ", then dropped again and is not back" // not "came back": it is away as the spec ends
		}
		return fmt.Sprintf("the modem's port dropped and came back %d time(s) during this spec, which did not ask for it%s: a modem that reset (or a transport that failed) under it%s, so what it then saw may be the restart's, not what the spec checks", reopens, again, kick)
	case len(bootSigns) > 0:
		return fmt.Sprintf("the modem booted %d time(s) during this spec (%s), which did not ask for it: what it then saw may be the reboot's, not what the spec checks",
			len(bootSigns), strings.Join(slices.Compact(slices.Clone(bootSigns)), "; "))
	}
	return ""
}

const unaskedWhen = " (the transcript's # lines say when)"

// labUnasked says, while a lab spec runs, whether its modem went away or
// booted unasked so far (unaskedRestart), for Fail; its dialect is the
// rig's DialectHint with the port: a wrong PERSONALITY fails as a bare
// "AT+CCID: at: ERROR", and the failure is what a reader sees first.
var labUnasked struct {
	sync.Mutex
	now     func() string
	dialect string
}

func setLabUnasked(f func() string) {
	labUnasked.Lock()
	defer labUnasked.Unlock()
	labUnasked.now = f
}

func setLabDialect(port, hint string) {
	labUnasked.Lock()
	defer labUnasked.Unlock()
	labUnasked.dialect = ""
	if hint != "" {
		labUnasked.dialect = "on " + port + ": " + hint
	}
}

// Fail is the suites' fail handler (gomega.RegisterFailHandler): Ginkgo's
// Fail, with errors as their message once (RegisterErrorFormat), and in a lab spec whose modem's port dropped or that booted before
// the failure, the sentence that says so. A spec's own assertion often
// fails first because of the reset (no re-attach within its time), and
// Ginkgo shows only a spec's first failure on the console and in the
// JUnit message: the check as the spec ends would be lost.
func Fail(message string, callerSkip ...int) {
	skip := 1
	if len(callerSkip) > 0 {
		skip += callerSkip[0]
	}
	ginkgo.Fail(cleanErrors(failMessage(message)), skip)
}

// failMessage is a failure's message with what the lab spec's modem did
// unasked so far, if anything, and the personality lab discover proposes
// for it when that is not PERSONALITY.
func failMessage(message string) string {
	labUnasked.Lock()
	now, dialect := labUnasked.now, labUnasked.dialect
	labUnasked.Unlock()
	if now != nil {
		if u := now(); u != "" && !strings.Contains(message, u) {
			message += "\n" + u + unaskedWhen
		}
	}
	if dialect != "" && !strings.Contains(message, dialect) {
		message += "\n" + dialect
	}
	return message
}

// checkHas refuses what a lab offers that no spec needs: a typo would
// skip what it meant to turn on, and the run would pass without it.
func checkHas(has []string) error {
	for _, h := range has {
		if _, known := why[h]; !known {
			return fmt.Errorf("%s names %q, which no spec needs; known: %s (make lab HAS=...)", LabHasEnv, h, strings.Join(slices.Sorted(maps.Keys(why)), ", "))
		}
	}
	return nil
}

// notModems are the ports this process found not to be a modem
// (lab.ErrNotAModem): each spec after the first fails at once with the
// same verdict instead of spending the silent port's waits again.
var notModems sync.Map

func notAModem(port string) error {
	if v, ok := notModems.Load(port); ok {
		return v.(error)
	}
	return nil
}

// SuiteName names the spec suite for what it runs on, as its JUnit
// testsuite and classname show it: a lab's modem (make lab), the
// emulator behind a lab transport (make lab-emulated), or the emulated
// rig (outside tester sw128 F8: a real modem's specs were filed under
// "esimhil emulated rig").
func SuiteName() string {
	switch t := os.Getenv(LabTargetEnv); {
	case os.Getenv(LabModemEnv) != "":
		return "esimhil lab"
	case t != "":
		return "esimhil lab (emulator over " + t + ")"
	}
	return "esimhil emulated rig"
}

// NewLabRig opens a lab run for the current spec and registers its
// teardown: the transcript and the capture are written and attached to
// the report. A spec whose needs: labels the lab does not offer is
// skipped with the reason; a run with no lab target fails, saying how to
// give one.
func NewLabRig(s *scenario.Scenario) *lab.Rig {
	ginkgo.GinkgoHelper()
	modem, target := os.Getenv(LabModemEnv), os.Getenv(LabTargetEnv)
	has := labHas(modem, target)
	if err := checkHas(has); err != nil {
		ginkgo.Fail(err.Error())
	}
	var lacks []string
	for _, l := range ginkgo.CurrentSpecReport().Labels() {
		if n, ok := strings.CutPrefix(l, "needs:"); ok && !slices.Contains(has, n) {
			lacks = append(lacks, fmt.Sprintf("needs:%s — %s", n, why[n]))
		}
	}
	if len(lacks) > 0 {
		ginkgo.Skip("this lab lacks " + strings.Join(lacks, "; ") + " (" + LabHasEnv + "=" + strings.Join(has, ",") + ")")
	}
	dir, keep := specDir(s.Name)
	cfg := lab.Config{Dir: dir, Has: has}
	var err error
	switch {
	case modem != "":
		err = realModem(s, modem, &cfg)
	case target != "":
		err = emulatedModem(s, target, &cfg)
	default:
		ginkgo.Fail(fmt.Sprintf("env:lab specs need a modem: %s=/dev/ttyUSB2|tcp://host:port|rfc2217://host:port (make lab MODEM=...), or %s=serial|tcp|rfc2217 for the emulator behind a transport", LabModemEnv, LabTargetEnv))
	}
	if err != nil {
		ginkgo.Fail(fmt.Sprintf("lab run for %s: %v", s.Name, err))
	}
	if err := listenSIMTrace(modem != "", &cfg); err != nil {
		r, cerr := lab.Unopened(cfg, err)
		labNotOpened(r, fmt.Sprintf("lab run for %s: %v", s.Name, errors.Join(err, cerr)))
	}
	if why := needsSIMTraceUnmet(ginkgo.CurrentSpecReport().Labels(), cfg); why != "" {
		// Failed here with the bind error, not later on an address that
		// is not there (outside tester t136 F3: "Expected <bool>: false").
		err := errors.New(why)
		r, cerr := lab.Unopened(cfg, err)
		labNotOpened(r, fmt.Sprintf("lab run for %s: %v", s.Name, errors.Join(err, cerr)))
	}
	if err := notAModem(cfg.Modem); err != nil {
		err = fmt.Errorf("%w (found by an earlier spec of this run; not asked again)", err)
		r, cerr := lab.Unopened(cfg, err)
		labNotOpened(r, fmt.Sprintf("lab run for %s: %v", s.Name, errors.Join(err, cerr)))
	}
	r, err := lab.Open(context.Background(), cfg)
	if err != nil {
		if errors.Is(err, lab.ErrNotAModem) {
			notModems.Store(cfg.Modem, err)
		}
		labNotOpened(&lab.Rig{Config: cfg}, fmt.Sprintf("lab run for %s: %v", s.Name, err))
	}
	if r.DialectHint != "" {
		ginkgo.AddReportEntry("dialect", r.DialectHint)
	}
	reopens0, boots0 := r.SetUpReopens, r.SetUpBoots
	unaskedNow := func() string {
		perr := r.AT.PortErr()
		refused := ""
		if re := (*transport.RefusedError)(nil); errors.As(perr, &re) {
			refused = re.Text
		}
		return unaskedRestart(ginkgo.CurrentSpecReport().Labels(), r.Modem, r.AT.Reopens()-reopens0, errors.Is(perr, atclient.ErrPortDown), refused, r.AT.BootSigns()[boots0:])
	}
	setLabUnasked(unaskedNow)
	setLabDialect(r.Modem, r.DialectHint)
	ginkgo.DeferCleanup(func() {
		setLabUnasked(nil)
		setLabDialect("", "")
		// A modem that restarted, or whose port went away, under a spec
		// that did not ask for it: what the spec then saw (a registration,
		// a profile) may be the reboot's, so its verdict cannot stand.
		unasked := unaskedNow()
		err := r.Close()
		kept := ginkgo.CurrentSpecReport().Failed() || keep || unasked != ""
		if kept {
			labTimeline(r, ginkgo.CurrentSpecReport(), err, unasked)
		}
		labEntries(r)
		if kept {
			fmt.Fprintf(ginkgo.GinkgoWriter, "lab artifacts in %s\n", dir)
		} else {
			os.RemoveAll(dir)
		}
		if err != nil {
			ginkgo.Fail(fmt.Sprintf("closing the lab run: %v", err))
		}
		switch rep := ginkgo.CurrentSpecReport(); {
		case unasked == "":
		case !rep.Failed():
			ginkgo.Fail(unasked + unaskedWhen)
		case !strings.Contains(rep.Failure.Message, unasked):
			// The spec failed first, through no fail handler of ours (a
			// ginkgo.Fail): the drop or boot after it goes with it.
			ginkgo.AddReportEntry("unasked restart", unasked+unaskedWhen)
			fmt.Fprintf(ginkgo.GinkgoWriter, "%s%s\n", unasked, unaskedWhen)
		}
	})
	return r
}

// labTimeline writes a kept lab spec's timeline page from its backend's
// events.jsonl and at.log, and names its directory and page in the
// report, as an emulated spec's are: the index links them. why is the
// verdict the spec will end with: its failure, the closing error, or the
// unasked restart that fails it next.
func labTimeline(r *lab.Rig, rep ginkgo.SpecReport, closeErr error, unasked string) {
	b, ok := r.Backend.(*harness.LabBackend)
	if !ok || b.Rig.Dir() == "" {
		return
	}
	why := ""
	switch {
	case rep.Failed():
		why = rep.Failure.Message + " (" + rep.Failure.Location.String() + ")"
	case closeErr != nil:
		why = "closing the lab run: " + closeErr.Error()
	case unasked != "":
		why = unasked + unaskedWhen
	}
	writeLabPages(b, rep, why)
}

// writeLabPages writes a kept lab spec's timeline page and spec.json,
// failed with why unless it is "", and names its directory in the report.
func writeLabPages(b *harness.LabBackend, rep ginkgo.SpecReport, why string) {
	ginkgo.AddReportEntry(report.EntryArtifacts, b.Rig.Dir())
	ginkgo.AddReportEntry(report.EntryLabSpeed, b.Speed(), ginkgo.ReportEntryVisibilityNever)
	wall := time.Since(rep.StartTime)
	writeSpecFile(b.Rig, rep, writeTimeline(b.Rig, rep, why, wall, b.Speed()), why, wall, b.Speed())
}

// labEntries lists a lab spec's artifacts in the report, and its
// transcript when it is small enough to read there.
func labEntries(r *lab.Rig) {
	for _, a := range r.Artifacts() {
		ginkgo.AddReportEntry("lab artifact", a)
	}
	if b, err := os.ReadFile(filepath.Join(r.Dir, lab.TranscriptFile)); err == nil && len(b) < 256<<10 {
		ginkgo.AddReportEntry("AT transcript ("+r.Modem+")", string(b))
	}
}

// labNotOpened fails a lab spec whose run did not open (a silent port,
// a ser2net that refuses it, a port found not to be a modem) with the
// evidence any failed spec keeps: its transcript ends saying why, and the
// timeline page, spec.json and the report's entries are written as for
// a spec that failed later (outside tester sw128 F2). The rig's backend
// is closed already.
func labNotOpened(r *lab.Rig, why string) {
	ginkgo.GinkgoHelper()
	if b, ok := r.Backend.(*harness.LabBackend); ok && b.Rig.Dir() != "" {
		writeLabPages(b, ginkgo.CurrentSpecReport(), why)
	}
	labEntries(r)
	fmt.Fprintf(ginkgo.GinkgoWriter, "lab artifacts in %s\n", r.Dir)
	ginkgo.Fail(why)
}

// noSIMTraceOnce says on the console, once a run, that the default
// receiver's port is taken; labConsole is where (standard error: make
// lab runs the specs serially, their standard error on the terminal).
var (
	noSIMTraceOnce sync.Once
	labConsole     io.Writer = os.Stderr
)

// needsSIMTraceUnmet is why a spec that needs a SIMtrace2 cannot have one
// in a lab that declares it: the run has no receiver ("" when it has one
// or the spec does not need it).
func needsSIMTraceUnmet(labels []string, cfg lab.Config) string {
	if cfg.SIMTrace.IsValid() || !slices.Contains(labels, "needs:"+lab.SIMTrace) {
		return ""
	}
	why := cfg.NoSIMTrace
	if why == "" {
		why = LabSIMTraceEnv + "=" + simtrace.Off
	}
	return fmt.Sprintf("the spec needs a SIMtrace2 (%s=%s), but the run has no receiver: %s", LabHasEnv, lab.SIMTrace, why)
}

// listenSIMTrace starts the run's GSMTAP receiver (LabSIMTraceEnv) into
// the backend's capture; it stops, drained, before the capture closes. A
// real modem's run listens on simtrace.DefaultListen unless told
// otherwise, and goes on without a receiver if that port is taken.
func listenSIMTrace(realModem bool, cfg *lab.Config) error {
	addr, explicit := os.LookupEnv(LabSIMTraceEnv)
	if !explicit {
		addr = simtrace.Off
		if realModem {
			addr = simtrace.DefaultListen
		}
	}
	b, ok := cfg.Backend.(*harness.LabBackend)
	if addr == simtrace.Off || !ok {
		return nil
	}
	rx, none, err := startReceiver(addr, explicit, b.Rig.Capture)
	if rx == nil {
		cfg.NoSIMTrace = none
		return err
	}
	cfg.SIMTrace = rx.Addr()
	b.OnClose(func() error {
		err := rx.Close()
		st := rx.Stats()
		ginkgo.AddReportEntry("SIMtrace receiver", fmt.Sprintf("udp://%s: %s", rx.Addr(), st))
		if st.KernelDropped > 0 || st.DroppedAfterLast > 0 {
			// Not only in the report: the card's lane lacks them.
			fmt.Fprintf(labConsole, "esimhil lab: warning: SIMtrace receiver on udp://%s: %s\n", rx.Addr(), st)
		}
		return err
	})
	return nil
}

// startReceiver listens on addr into sink. A receiver on the default
// address (explicit false) whose port is taken is no error: the run goes
// on without it, and none says why — for at.log's header
// (lab.Config.NoSIMTrace), the report, and once a run the console (outside
// tester t136 F3: it was said only in report.json).
func startReceiver(addr string, explicit bool, sink simtrace.Sink) (rx *simtrace.Receiver, none string, err error) {
	rx, err = simtrace.Listen(addr, sink)
	switch {
	case err == nil:
		return rx, "", nil
	case explicit:
		return nil, "", err
	}
	none = fmt.Sprintf("%v (%s=off to go without, or another address)", err, LabSIMTraceEnv)
	fmt.Fprintf(ginkgo.GinkgoWriter, "no SIMtrace receiver: %s\n", none)
	noSIMTraceOnce.Do(func() {
		fmt.Fprintf(labConsole, "esimhil lab: warning: no SIMtrace receiver, the runs go without the card's lane: %s\n", none)
	})
	return nil, none, nil
}

// LabCardLane decodes the card's APDU lane from the lab run's capture:
// the emulated device's contacts behind a transport, else the one
// SIMtrace2 that sent GSMTAP to the run. The rig must be closed first.
func LabCardLane(r *lab.Rig) (*simtrace.Lane, error) {
	if r.Backend == nil {
		return nil, fmt.Errorf("lab run without a backend: no capture")
	}
	tr, err := simtrace.Read(r.Backend.CaptureFile())
	if err != nil {
		return nil, err
	}
	if l := tr.Lane(capture.SIMTapAddr); l != nil {
		return l, nil
	}
	l, err := tr.Only()
	if err != nil {
		return nil, fmt.Errorf("the card's APDU lane (SIMtrace receiver on %s): %w", r.SIMTrace, err)
	}
	return l, nil
}

// LabTraffic decodes the lab run's capture; the rig must be closed first.
func LabTraffic(r *lab.Rig) ([]capture.Message, error) {
	if r.Backend == nil {
		return nil, fmt.Errorf("lab run without a backend: no capture")
	}
	return capture.DecodeAll(r.Backend.CaptureFile())
}

func labHas(modem, target string) []string {
	if v, ok := os.LookupEnv(LabHasEnv); ok {
		var out []string
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				out = append(out, f)
			}
		}
		return out
	}
	var has []string
	switch {
	case modem != "":
		return nil
	case target == "tcp" || target == "rfc2217":
		has = []string{lab.Roaming, lab.RadioControl, lab.PortControl}
	default:
		has = []string{lab.Roaming, lab.RadioControl}
	}
	// The emulated device's contacts are on the capture's lane already; a
	// receiver lets a replayed SIMtrace2 stream join it.
	if v := os.Getenv(LabSIMTraceEnv); v != "" && v != simtrace.Off {
		has = append(has, lab.SIMTrace)
	}
	return has
}

// specDir is the lab run's artifacts directory and whether to keep it.
func specDir(name string) (string, bool) {
	if all := os.Getenv(ArtifactsEnv); all != "" {
		return filepath.Join(all, specDirName()), true
	}
	d, err := os.MkdirTemp("", "esimhil-lab-"+name+"-")
	if err != nil {
		ginkgo.Fail(err.Error())
	}
	return d, false
}

// realModem runs the scenario's platform and SM-DP+s where the card can
// reach them, on the wall clock.
func realModem(s *scenario.Scenario, modem string, cfg *lab.Config) error {
	if f := os.Getenv(LabScenarioEnv); f != "" {
		var err error
		if s, err = scenario.Load(f); err != nil {
			return fmt.Errorf("%s=%s (make lab SCENARIO=..., in place of the spec's own): %w", LabScenarioEnv, f, err)
		}
	}
	name := os.Getenv(LabPersonalityEnv)
	if name == "" {
		name = "generic"
	}
	p, err := personality.LoadNameOrFile(name)
	if err != nil {
		return err
	}
	listen := os.Getenv(LabListenEnv)
	if listen == "" {
		listen = "0.0.0.0:8080"
	}
	r, err := harness.NewRig(s, harness.Options{
		// Seed 1: the test PKI of fixtures/pki, which a real test card carries.
		Seed: 1, Dir: cfg.Dir, NoDevice: true, Listen: listen, Capture: capture.Tap,
	})
	if err != nil {
		return fmt.Errorf("platform and SM-DP+s: %w", err)
	}
	if slices.Contains(cfg.Has, lab.PortControl) {
		cmd := os.Getenv(LabPortDropEnv)
		if cmd == "" {
			r.Close()
			return fmt.Errorf("%s lists %s, but nothing says how to drop the port: %s (make lab PORT_DROP=…) is the command that takes it away and brings it back, e.g. 'ssh labhost systemctl restart ser2net' or 'uhubctl -l 1-1 -p 2 -a cycle'",
				LabHasEnv, lab.PortControl, LabPortDropEnv)
		}
		cfg.Port = lab.CommandPort{Command: cmd}
	}
	if cfg.Serial.Baud, err = labBaud(os.Getenv(LabBaudEnv)); err != nil {
		r.Close()
		return err
	}
	cfg.Modem, cfg.Personality, cfg.Speed, cfg.Backend = modem, p, 1, harness.NewLabBackend(r, 1)
	cfg.CheckInterval = checkInterval(s)
	return nil
}

// labBaud reads LabBaudEnv: 0 (the transport's 115200) when unset; a
// rate the transport cannot set fails when the port opens, naming it.
func labBaud(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	b, err := strconv.Atoi(v)
	if err != nil || b <= 0 {
		return 0, fmt.Errorf("%s=%q (make lab BAUD=...): want a line speed in baud, e.g. 9600 or 115200", LabBaudEnv, v)
	}
	return b, nil
}

// emulatedModem starts the scenario's emulated device on the wall clock
// (times LabSpeedEnv) and reaches its pty through the target transport;
// the device's own platform and SM-DP+s are the backend.
func emulatedModem(s *scenario.Scenario, target string, cfg *lab.Config) error {
	speed := 60.0
	if v := os.Getenv(LabSpeedEnv); v != "" {
		var err error
		if speed, err = strconv.ParseFloat(v, 64); err != nil || speed <= 0 {
			return fmt.Errorf("%s=%q: want a positive number", LabSpeedEnv, v)
		}
	}
	link := filepath.Join(cfg.Dir, "modem")
	r, err := harness.NewRig(s, harness.Options{
		Seed: ginkgo.GinkgoRandomSeed(), Dir: filepath.Join(cfg.Dir, "emulator"), NoHost: true, Link: link,
	})
	if err != nil {
		return fmt.Errorf("emulated device: %w", err)
	}
	b := harness.NewLabBackend(r, speed)
	cfg.Backend, cfg.Personality, cfg.Speed, cfg.Radio = b, r.Personality, speed, emulatedRadio{r}
	cfg.CheckInterval = checkInterval(s)
	switch target {
	case "serial":
		cfg.Modem = link
	case "tcp", "rfc2217":
		srv, err := ser2net.Start(context.Background(), link, cfg.Dir)
		if err != nil {
			b.Close()
			return err
		}
		ctl := &ser2netPort{srv: srv}
		b.OnClose(ctl.stop)
		cfg.Port = ctl
		cfg.Modem = srv.RawAddr()
		if target == "rfc2217" {
			cfg.Modem = srv.RFC2217Addr()
		}
	default:
		b.Close()
		return fmt.Errorf("%s=%q: want serial, tcp or rfc2217", LabTargetEnv, target)
	}
	return nil
}

func checkInterval(s *scenario.Scenario) time.Duration {
	if s.Device.CheckInterval > 0 {
		return s.Device.CheckInterval
	}
	return harness.DefaultCheckInterval
}

// emulatedRadio is the emulated world as a callbox: it moves the device.
type emulatedRadio struct{ r *harness.Rig }

func (e emulatedRadio) MoveTo(area string) error { return MoveTo(e.r, area) }

// MoveTo moves an emulated device to one of its scenario's areas at
// once, as a callbox does, inside the rig's loop: a spec whose rig
// follows the wall clock (a host stack drives it) cannot time an
// itinerary stop against what the host has done.
func MoveTo(r *harness.Rig, area string) error {
	var err error
	r.Loop.Do(func() {
		if err = r.World.SetArea(area); err == nil {
			r.Modem.Reselect()
		}
	})
	return err
}

// ser2netPort drops the emulated modem's port by restarting the ser2net in
// front of it on the same ports.
type ser2netPort struct {
	mu  sync.Mutex
	srv *ser2net.Server
}

func (p *ser2netPort) Drop() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	srv, err := p.srv.Restart(context.Background())
	if err != nil {
		return err
	}
	p.srv = srv
	return nil
}

func (p *ser2netPort) stop() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.srv.Stop()
}
