// Package lab is the host side of a lab run: a real modem (or the emulator
// behind the same transports) reached over a device path, raw TCP or RFC
// 2217, driven by the AT client in the personality's dialect, with every
// AT line written to a transcript stamped with wall-clock time. The
// platform and the operators' SM-DP+s the card talks to are a Backend that
// a higher level (the CLI, the spec framework) starts and hands in: this
// package imports no emulator, so what it does to a modem is what a host
// can do.
package lab

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/dialect"
	"github.com/esimhil/esimhil/harness/transport"
	"github.com/esimhil/esimhil/internal/codec/telnet"
	"github.com/esimhil/esimhil/internal/personality"
	"github.com/esimhil/esimhil/internal/textcut"
)

// Backend is what the card under test talks to: the management platform
// and the operators' SM-DP+s, with a capture of their traffic.
type Backend interface {
	// Start lets the servers' clock (and an emulated device's) run; Open
	// calls it once the modem's port answers.
	Start()
	// Describe says where each server listens, one line each, for people
	// and the report.
	Describe() []string
	// Close stops the servers; the capture file is complete afterwards.
	Close() error
	// CaptureFile is the pcapng file of the platform and SM-DP+ traffic,
	// "" if the backend keeps none.
	CaptureFile() string
	// Platform is the platform's base URL (http://host:port), whose
	// GET /v1/inspect/received lists what it received so far.
	Platform() string
}

// Capabilities a lab may offer, named by the specs' `needs:` labels.
const (
	// Roaming: the device is roaming when the run starts (a card whose
	// enabled profile's home network is not on the air in the lab).
	Roaming = "roaming"
	// RadioControl: the lab can move the device between networks and
	// countries and make a network reject it (a callbox).
	RadioControl = "radio-control"
	// PortControl: the lab can drop the modem's port and bring it back
	// (restart the ser2net in front of it, power-cycle its USB hub port).
	PortControl = "port-control"
	// SIMTrace: a SIMtrace2 sits between modem and card and sends the
	// card's APDUs as GSMTAP to the run's receiver (Config.SIMTrace).
	SIMTrace = "simtrace"
)

// Port is the control over the modem's port that PortControl offers.
type Port interface {
	// Drop takes the port away and brings it back, as a modem reset or a
	// restarted ser2net does: every connection to it breaks.
	Drop() error
}

// CommandPort drops a real lab's port with a command of its own (a
// ser2net restart on the lab host, a USB hub's power cycle), run by sh.
type CommandPort struct{ Command string }

// Drop runs the command; its output says why when it fails.
func (c CommandPort) Drop() error {
	out, err := exec.Command("sh", "-c", c.Command).CombinedOutput()
	if err != nil {
		return fmt.Errorf("port drop %q: %w: %s", c.Command, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Radio is the control a callbox gives: the lab's networks as the device
// sees them.
type Radio interface {
	// MoveTo puts the device in another area (country, cell set).
	MoveTo(area string) error
}

// Artifact names inside Config.Dir.
const (
	TranscriptFile = "at.log"
	CaptureFile    = "traffic.pcapng"
	// EventsFile and TimelineFile are the backend's event log
	// (harness.EventsFile) and the page drawn from it (timeline.FileName).
	EventsFile   = "events.jsonl"
	TimelineFile = "timeline.html"
)

// Config describes one lab run.
type Config struct {
	// Modem is the AT port: /dev/ttyUSB2, /dev/serial/by-id/...,
	// tcp://host:port (ser2net raw) or rfc2217://host:port.
	Modem string
	// Serial holds the line settings (baud, flow); zero: 115200 8N1.
	Serial transport.Config
	// Personality is the modem's dialect; its timeouts bound every wait.
	Personality personality.Personality
	// Dir receives the transcript and, from the backend, the capture.
	Dir string
	// Speed is how much faster than the wall clock the device lives: 1
	// for real hardware; the emulator behind a transport may run faster,
	// and the personality's timeouts shrink with it.
	Speed float64
	// Slack is added to every wait: transport and scheduling latency
	// that does not scale with Speed (default 2 s).
	Slack time.Duration
	// Has lists the capabilities the lab offers (Roaming, RadioControl,
	// PortControl).
	Has []string
	// CheckInterval is the card's own period (its roaming check), as
	// provisioned; specs wait r.Wait(CheckInterval) for the card to act.
	CheckInterval time.Duration
	// Backend is the platform and SM-DP+s; nil: the run checks the modem
	// and the card only.
	Backend Backend
	// Radio is the callbox, when Has includes RadioControl.
	Radio Radio
	// Port drops the modem's port, when Has includes PortControl.
	Port Port
	// SIMTrace is where the run's GSMTAP receiver listens for a SIMtrace2
	// (its datagrams go into the backend's capture); zero: no receiver.
	SIMTrace netip.AddrPort
	// NoSIMTrace says why a run that would listen for a SIMtrace2 has no
	// receiver (its port taken): at.log's header notes it.
	NoSIMTrace string
}

// Rig is an open lab run.
type Rig struct {
	Config
	// AT is the host's AT client on the modem's port.
	AT *atclient.Client
	// Timeouts are the personality's, scaled to the device's speed.
	Timeouts personality.Timeouts
	// DialectHint, when not empty, says the modem names itself as another
	// personality identifies (dialectHint): the likely cause of its
	// commands' bare ERRORs.
	DialectHint string
	// SetUpReopens and SetUpBoots are the port's reopens and the modem's
	// boot signs when its set-up was done: the spec's own count starts
	// there, so a reset while Open reads the identity and the ICCID (a
	// firmware that falls over on a vendor command, or resets a while
	// after the previous spec's REFRESH) is the spec's, not lost. Before
	// it, a modem still booting as the port opens is not.
	SetUpReopens, SetUpBoots int

	mu         sync.Mutex
	transcript *os.File
	closed     bool
	// cereg: the set-up's AT+CEREG=2 took, so AT+CEREG? reads whether a
	// boot URC came with the modem's settings lost (bootCheck).
	cereg atomic.Bool
}

// ErrNotAModem is wrapped when a port does not answer AT with OK.
var ErrNotAModem = errors.New("not a modem's AT port")

// ErrPortClosed is wrapped, instead of ErrNotAModem, when the port's
// other end closed the connection before answering AT: what the port is,
// that does not tell.
var ErrPortClosed = errors.New("the port closed the connection")

// closedByPeer reports a client that failed because the other end closed
// (EOF, a reset, a broken pipe), not because this side closed it.
func closedByPeer(err error) bool {
	return errors.Is(err, atclient.ErrClosed) && transport.ClosedByPeer(err)
}

// closedWhy says what closed a port's connection: for a network port, its
// server (transport.ServerClosedWhy); a tty is not closed by its far end.
func closedWhy(port string) string {
	if strings.Contains(port, "://") {
		return "the server closed it: " + transport.ServerClosedWhy + "; try again once the port is free"
	}
	return "try again once the port is back"
}

// ErrLineNoise is wrapped, with ErrNotAModem, when the port answered AT
// with lines of noise: a modem at another speed or parity.
var ErrLineNoise = errors.New("line(s) of noise, no text")

// Open opens the modem's port and checks that it is a modem: AT, then echo
// off and verbose errors. On error nothing stays open (the backend is
// closed too).
func Open(ctx context.Context, c Config) (r *Rig, err error) {
	defer func() {
		if err != nil && c.Backend != nil {
			err = errors.Join(err, c.Backend.Close())
		}
	}()
	if c.Modem == "" {
		return nil, errors.New("lab: no modem given (MODEM=/dev/ttyUSB2, tcp://host:port or rfc2217://host:port)")
	}
	if c.Personality.Name == "" {
		c.Personality = personality.Generic()
	}
	if c.Speed <= 0 {
		c.Speed = 1
	}
	if c.Slack == 0 {
		c.Slack = 2 * time.Second
	}
	if c.Dir == "" {
		return nil, errors.New("lab: no artifacts directory")
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	run, err := startTranscript(c)
	if err != nil {
		return nil, err
	}
	// A run that does not open is a failed spec's evidence all the same:
	// its transcript ends saying why, not cut off after its header
	// (outside tester sw128 F2).
	defer func() {
		if err != nil {
			run.notOpened(err)
		}
	}()
	r = run
	scfg := c.Serial
	scfg.OnModemState = func(s byte) { r.note("modem state %s", modemState(s)) }
	port, err := OpenPort(ctx, c.Modem, scfg, func(s string) { r.note("%s", s) })
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	// A modem that restarts (AT+CFUN=1,1, a power cut) comes back with
	// its defaults, and a USB one on a new tty: the client sets it up
	// again before the next command, as Open does here.
	r.AT = atclient.New(port, atclient.WithTrace(r), atclient.WithTimestamps(time.Now),
		atclient.WithTimeout(r.Timeouts.Command), atclient.WithReconnect(r.Timeouts.Restart),
		atclient.WithSetUp(r.setUp, bootLines(c.Personality)...), atclient.WithBootCheck(r.bootCheck),
		atclient.WithURCs(ModemURCs(c.Personality)...), atclient.WithQuiet(Quiet))
	if err := Check(r.AT); err != nil {
		r.AT.Close()
		return nil, err
	}
	if err := r.setUp(r.AT.Command); err != nil {
		r.AT.Close()
		hint := ""
		if errors.Is(err, atclient.ErrTimeout) {
			hint = sharedHint(c.Modem) // it answered AT, then not
		}
		return nil, fmt.Errorf("lab: %w%s", err, hint)
	}
	r.SetUpReopens, r.SetUpBoots = r.AT.Reopens(), len(r.AT.BootSigns())
	hint, why := dialectHint(r.AT, c.Personality)
	r.DialectHint = hint
	if hint != "" {
		r.note("%s", hint)
	}
	if why != "" {
		r.note("%s", why)
	}
	if c.Backend != nil {
		c.Backend.Start()
	}
	return r, nil
}

// headerNote begins the first line of a lab run's at.log, after its
// time and "# ".
const headerNote = "lab run: "

// speedNote is the header's last words: the run's clock rate.
var speedNote = regexp.MustCompile(`, speed ([0-9.e+-]+)x$`) // %g: 60, 2.5, 1e-05

// SpeedOf reads a lab run's clock rate (Config.Speed: 1 with a real
// modem) from its at.log's first line, as startTranscript wrote it; ok
// is false for a line that is not a lab run's header (an emulated run's
// at.log, a damaged one). What a page written again has of the run
// when its spec.json is gone.
func SpeedOf(firstLine string) (speed float64, ok bool) {
	_, note, found := strings.Cut(firstLine, " # ")
	if !found || !strings.HasPrefix(note, headerNote) {
		return 0, false
	}
	m := speedNote.FindStringSubmatch(strings.TrimRight(note, "\r\n"))
	if m == nil {
		return 0, false
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// startTranscript creates the run's at.log with its header: the port, the
// personality, and where the run's servers listen.
func startTranscript(c Config) (*Rig, error) {
	r := &Rig{Config: c, Timeouts: Scale(c.Personality.Timeouts, c.Speed, c.Slack)}
	var err error
	if r.transcript, err = os.Create(filepath.Join(c.Dir, TranscriptFile)); err != nil {
		return nil, fmt.Errorf("lab: transcript: %w", err)
	}
	baud := ""
	if c.Serial.Baud != 0 {
		baud = fmt.Sprintf(" at %d baud", c.Serial.Baud)
	}
	r.note(headerNote+"modem %s%s, personality %s, speed %gx", c.Modem, baud, c.Personality.Name, c.Speed)
	if c.SIMTrace.IsValid() {
		r.note("SIMtrace receiver on udp://%s (GSMTAP SIM into the capture)", c.SIMTrace)
	} else if c.NoSIMTrace != "" {
		r.note("no SIMtrace receiver: %s", c.NoSIMTrace)
	}
	if c.Backend != nil {
		for _, l := range c.Backend.Describe() {
			r.note("%s", l)
		}
	}
	return r, nil
}

// FailureLog is a Backend that keeps an event log (LabBackend): a run's
// failure logged there is drawn on its page as one, where a note in
// at.log is only a note (outside tester sw130 N6).
type FailureLog interface{ Failed(reason string) }

// notOpened ends the transcript of a run that did not open with why, and
// logs it as a failure where the backend keeps events.
func (r *Rig) notOpened(why error) {
	r.note("lab run did not open: %v", why)
	if f, ok := r.Config.Backend.(FailureLog); ok {
		f.Failed(fmt.Sprintf("lab run did not open: %v", why))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	r.transcript.Close()
}

// Unopened writes the transcript of a run refused before its port was
// opened (a port an earlier spec found not to be a modem) and closes the
// backend: the spec fails with the same evidence as one whose port did
// not open. It returns the unopened rig, whose Artifacts the report
// lists.
func Unopened(c Config, why error) (*Rig, error) {
	var errs []error
	if c.Dir != "" {
		if err := os.MkdirAll(c.Dir, 0o755); err != nil {
			errs = append(errs, fmt.Errorf("lab: %w", err))
		} else if r, err := startTranscript(c); err != nil {
			errs = append(errs, err)
		} else {
			r.notOpened(why)
		}
	}
	if c.Backend != nil {
		errs = append(errs, c.Backend.Close())
	}
	return &Rig{Config: c, closed: true}, errors.Join(errs...)
}

// Quiet is how long the port must have been silent before a lab command
// line goes out (atclient.WithQuiet): a modem that sends a final result
// twice sends the second within milliseconds, and it must come before
// the next command, not be taken as its answer.
const Quiet = 30 * time.Millisecond

// OpenPort opens a modem's port (transport.Open) and notes, through
// note, a ser2net "Port's device already in use" that it tries again
// (the client before still leaving: transport.InUseFor), once a text,
// and how many times ser2net refused once the port is open.
func OpenPort(ctx context.Context, addr string, cfg transport.Config, note func(string)) (transport.Port, error) {
	ctx, refused := transport.WatchRefusals(ctx, func(r *transport.RefusedError) {
		note(fmt.Sprintf("%s: %s (the client before still leaving, or another one on the device: trying again, up to %v)", addr, r, transport.InUseFor))
	})
	p, err := transport.Open(ctx, addr, cfg)
	if err == nil && refused.Count() > 0 {
		note(fmt.Sprintf("%s open (%s)", addr, refused))
	}
	return p, err
}

// bootLines are the lines that say a modem booted: RDY, Cinterion's
// ^SYSSTART, and the first boot URC of the personality given and of each
// built-in one when it has no 27.007 name (SIMCom's *ATREADY: 1; not
// u-blox's +CPIN: READY, which a SIM sends whenever it is ready): a
// modem run under the wrong personality still says it booted.
func bootLines(given personality.Personality) []string {
	out := []string{"RDY", "^SYSSTART"}
	add := func(p personality.Personality) {
		if len(p.BootURCs) > 0 && !slices.Contains(out, p.BootURCs[0]) && (p.Name == given.Name || !strings.HasPrefix(p.BootURCs[0], "+")) {
			out = append(out, p.BootURCs[0])
		}
	}
	add(given)
	for _, p := range personality.Builtin() {
		add(p)
	}
	return out
}

// ModemURCs are the boot and REFRESH URCs of the personality given and of
// every built-in one: the client takes those without a "+NAME:" prefix
// out of a command's answer (atclient.WithURCs), so that a modem's
// identity or IMSI never holds its "SMS DONE".
func ModemURCs(given personality.Personality) []string {
	out := slices.Concat(given.BootURCs, given.RefreshURCs)
	for _, p := range personality.Builtin() {
		out = append(out, p.BootURCs...)
		out = append(out, p.RefreshURCs...)
	}
	return out
}

// dialectHint applies the rule esimhil lab discover --probe uses
// (Identify, Propose) when the modem's identity names another
// personality's family than the one given, and returns the hint when the
// rule proposes another (a wrong PERSONALITY otherwise shows only as a
// bare ERROR to the ICCID or +CCHO command later), and a note for the
// transcript when it keeps the one given after all (why).
func dialectHint(c *atclient.Client, given personality.Personality) (hint, note string) {
	identity := Identify(c)
	text := strings.Join(identity, "\n")
	if strings.TrimSpace(text) == "" || given.Identifies(text) {
		return "", ""
	}
	if !slices.ContainsFunc(personality.Builtin(), func(p personality.Personality) bool { return p.Name != given.Name && p.Identifies(text) }) {
		return "", ""
	}
	pr, err := Propose(c, identity)
	if err != nil {
		return "", ""
	}
	name := strings.Join(strings.Fields(text), " ")
	why := strings.Join(pr.Reasons, "; ")
	if pr.Personality == given.Name {
		return "", fmt.Sprintf("the modem names itself %q; the rule of esimhil lab discover --probe keeps %s: %s", name, given.Name, why)
	}
	return fmt.Sprintf("the modem names itself %q, and the rule of esimhil lab discover --probe proposes personality %s, not %s, given (%s): if its commands fail, try PERSONALITY=%s",
		name, pr.Personality, given.Name, why, pr.Personality), ""
}

// setUp puts the modem in the state the specs read it in: no echo,
// errors with their codes, the operator by number, registration URCs.
// Only ATE0 is needed.
func (r *Rig) setUp(do func(string) (*atclient.Response, error)) error {
	if _, err := do("ATE0"); err != nil {
		return fmt.Errorf("ATE0 on %s: %w", r.Modem, err)
	}
	// Verbose errors where the modem has them; some (an nRF9160's SLM)
	// refuse +CMEE=2 and give numbers, which the client reads as well, or
	// a bare ERROR.
	if _, err := do("AT+CMEE=2"); err != nil {
		r.note("AT+CMEE=2 %s (%v): numeric errors", refusedOr(err), err)
		if _, err := do("AT+CMEE=1"); err != nil {
			r.note("AT+CMEE=1 %s too (%v): errors are a bare ERROR", refusedOr(err), err)
		}
	}
	// The operator by number, as the specs read it: 27.007 leaves the
	// default format to the maker, and most modules name it (+COPS:
	// 0,0,"Orange F",7) until told.
	if _, err := do("AT+COPS=3,2"); err != nil {
		r.note("AT+COPS=3,2 %s (%v): +COPS? names the operator in the modem's own format", refusedOr(err), err)
	}
	// Registration URCs with the location, which the specs await (a
	// detach and a re-attach after a switch): a restarted modem is back
	// to +CEREG=0 and would send none.
	_, err := do("AT+CEREG=2")
	r.cereg.Store(err == nil)
	if err != nil {
		r.note("AT+CEREG=2 %s (%v): no registration URCs", refusedOr(err), err)
	}
	return nil
}

// bootCheck is the read that tells a restart from a lone boot URC (a
// firmware's second RDY, line noise): a restarted modem is back to
// +CEREG=0 (27.007 §10.1.22; and its echo on, which any line shows).
func (r *Rig) bootCheck() atclient.BootCheck {
	if !r.cereg.Load() {
		return atclient.BootCheck{Line: "AT"}
	}
	return atclient.BootCheck{Line: "AT+CEREG?", Read: ceregKept}
}

// ceregKept reads AT+CEREG?'s <n> (+CEREG: <n>,<stat>[,...]): 2, the
// set-up's, kept; another, lost; no such line, unknown.
func ceregKept(rsp *atclient.Response) (kept, known bool, why string) {
	for _, l := range rsp.Lines {
		rest, ok := strings.CutPrefix(l, "+CEREG:")
		if !ok {
			continue
		}
		n, _, _ := strings.Cut(rest, ",")
		switch n = strings.TrimSpace(n); n {
		case "2":
			return true, true, "AT+CEREG? still reads <n> 2, the set-up's"
		case "":
		default:
			return false, true, fmt.Sprintf("AT+CEREG? reads <n> %s: the set-up's AT+CEREG=2 lost", n)
		}
	}
	return false, false, fmt.Sprintf("AT+CEREG? answered %s without a +CEREG: line", rsp.Final)
}

// refusedOr says what became of a set-up command: refused (ERROR, +CME
// ERROR), or not answered at all — a timeout is no refusal (another
// reader on the tty may be taking the answers).
func refusedOr(err error) string {
	if errors.Is(err, atclient.ErrTimeout) {
		return "got no answer"
	}
	return "refused"
}

// ErrLateOK is wrapped, with ErrNotAModem, by Check's error when the OK
// to AT came, but only after the client had given up on it.
var ErrLateOK = errors.New("the OK to AT came late")

// Check sends AT (twice: the first may meet a half-typed line) and wants
// OK: what every modem answers, and what refuses a GPS NMEA port, a
// diagnostics port or a console. A modem an aborted session left in
// numeric result codes (ATV0: "0" for OK) gets ATV1 first, then AT again.
// A GPS receiver's port is one that sends NMEA sentences and answers no
// AT at all: a modem's port that streams NMEA too (SIMCom's
// AT+CGNSSTST=1, Quectel's NMEA on the AT port) answers, even if its
// first AT meets ERROR.
func Check(c *atclient.Client) error {
	var err error
	start := time.Now()
	before := len(c.Timeouts())
	v1 := ", nor after ATV1"
	answered := false // a final result came to one of the lines
	for _, line := range []string{"AT", "AT", "ATV1", "AT"} {
		var rsp *atclient.Response
		rsp, err = c.Command(line)
		if rsp != nil && rsp.Final != "" {
			answered = true
		}
		if err == nil && rsp.Final == "OK" && line == "AT" {
			if c.Numeric() {
				// Read, but in digits ("0"): an aborted session left
				// ATV0, which a recording would keep as the modem's
				// (outside tester sw73: every step "< 0"). ATV1 first.
				if _, err := c.Command("ATV1"); err != nil {
					return fmt.Errorf("%s: ATV1 (the modem answers in numeric result codes): %w", c.Port(), err)
				}
			}
			return nil
		}
		if s, ok := nmea(c); ok && !answered && !lateAnswer(c, before) {
			// A GPS receiver's port says so in its first sentence: no
			// need to wait out the resync and the probes a silent modem
			// gets (outside tester sw66: 45 s to refuse one). Not a
			// port that answered: NMEA among its lines says a GPS
			// stream shares it, not that no modem is there (re-tester
			// t145 F1: an ERROR to the first AT refused a combined
			// port before the second AT went out).
			return fmt.Errorf("%s: %w: NMEA sentences where a modem answers OK (%s): a GPS receiver's port, in %v", c.Port(), ErrNotAModem, textcut.Cut(s, 40), time.Since(start).Round(100*time.Millisecond))
		}
		if line == "ATV1" && errors.Is(err, atclient.ErrNotSent) {
			// A port silent in step keeps commands back until it answers
			// the client's probe: the verdict must not claim ATV1 tried.
			v1 = " (ATV1 not sent: the port answered nothing in step, not even ATS3?)"
			if atclient.Garbled(err) {
				// Bytes came, none an answer: no silence (outside
				// tester t72, F8).
				v1 = " (ATV1 not sent: the port answered nothing in step, only bytes that are no answer, not even to ATS3?)"
			}
		}
	}
	// The whole wait, not only the last command's timeout: a silent port
	// costs two timeouts, the wait for a late answer, the resync and the
	// probes before the commands the silence keeps back.
	took := time.Since(start).Round(100 * time.Millisecond)
	if closedByPeer(err) {
		// The other end closed the connection before any answer: that
		// tells nothing of what the port is (outside tester sw130 N7: a
		// modem's RFC 2217 port ser2net closed was called a GPS port).
		return fmt.Errorf("%s: %w before it answered AT, in %v (%v): %s", c.Port(), ErrPortClosed, took, err, closedWhy(c.Port()))
	}
	// Lines of noise where the answers should be: the bytes of a modem
	// at another speed or parity, line ends and all (outside tester
	// sw106: a wrong baud rate read as a console or GPS port).
	noise := 0
	for _, to := range c.Timeouts()[before:] {
		noise += to.Noise
	}
	if noise > 0 {
		return fmt.Errorf("%s: %w: %d %w, and no OK to AT%s, in %v: wrong BAUD or parity? %s (last: %v)", c.Port(), ErrNotAModem, noise, ErrLineNoise, v1, took, transport.SettingsAt(c.Port()), err)
	}
	if atclient.Garbled(err) {
		// Bytes came, none a line, or not text (an echo in step, then
		// garbage: outside tester t72), and no line of noise: a wrong
		// line speed, not a silent port. The last command's error says
		// how many bytes, and the first of them.
		what := "bytes but no line or final result"
		if !errors.Is(err, atclient.ErrNoLine) {
			what = "bytes that are not text, and no final result,"
		}
		return fmt.Errorf("%s: %w: %s to AT%s, in %v: wrong BAUD or parity? %s (last: %w)", c.Port(), ErrNotAModem, what, v1, took, transport.SettingsAt(c.Port()), err)
	}
	// OKs that came after the client gave up on them: a slow modem or
	// link, which more time per command lets through.
	for _, to := range c.Timeouts()[before:] {
		if to.Late > 0 && to.Final == "OK" {
			return fmt.Errorf("%s: %w: %w: %s answered OK after %.1fs, over the %v a command is given, and none in time%s, in %v: a slow modem or link? give it more time (--timeout) (last: %w)",
				c.Port(), ErrNotAModem, ErrLateOK, to.Command, to.Late.Seconds(), to.Within, strings.Replace(v1, ", nor", "", 1), took, err)
		}
	}
	return fmt.Errorf("%s: %w: no OK to AT%s, in %v (last: %v)%s", c.Port(), ErrNotAModem, v1, took, err, sharedHint(c.Port()))
}

// lateAnswer reports whether a command that timed out since
// timeouts[before] got its final result after all.
func lateAnswer(c *atclient.Client, before int) bool {
	return slices.ContainsFunc(c.Timeouts()[before:], func(to atclient.Timeout) bool { return to.Final != "" })
}

// nmea returns an NMEA sentence the port sent. The client takes every
// one for an unsolicited line, never a command's (atclient.NMEASentence),
// so the URCs hold them all: a timeout's Partial never does.
func nmea(c *atclient.Client) (string, bool) {
	for _, l := range c.URCs() {
		if atclient.NMEASentence(l) {
			return strings.TrimSpace(l), true
		}
	}
	return "", false
}

// sharedHint names the other processes that have a device path open, for
// a port whose answers did not come: one that reads the tty (ModemManager
// probing it, a forgotten cat, a serial console) takes them, and a modem
// then looks silent. Open refuses a tty others have open already; root
// gets past TIOCEXCL after it, and one that takes no lock past the lock.
func sharedHint(port string) string {
	if strings.Contains(port, "://") {
		return ""
	}
	procs, hidden := transport.Openers(port)
	return openersHint(port, procs, hidden)
}

// openersHint is sharedHint's words for what transport.Openers found.
func openersHint(port string, procs []transport.Process, hidden int) string {
	var others []string
	for _, p := range procs {
		others = append(others, p.String())
	}
	switch {
	case len(others) > 0:
		return fmt.Sprintf("; other processes have %s open: %s — one that reads it (ModemManager, a cat, a serial console, a ser2net) takes the modem's answers: stop it", port, strings.Join(others, ", "))
	case hidden > 0:
		return fmt.Sprintf("; another process may be reading %s and taking the modem's answers (ModemManager? this user cannot see other users' open files: sudo fuser -v %s)", port, port)
	case hidden < 0:
		return fmt.Sprintf("; another process may be reading %s and taking the modem's answers (a serial console, a forgotten cat? its openers are listed on Linux only: lsof %s)", port, port)
	}
	return ""
}

// Scale turns real-hardware timeouts into waits for a device that lives
// speed times faster than the wall clock, plus a slack that does not scale.
func Scale(t personality.Timeouts, speed float64, slack time.Duration) personality.Timeouts {
	f := func(d time.Duration) time.Duration { return time.Duration(float64(d)/speed) + slack }
	return personality.Timeouts{Command: t.Command + slack, Restart: f(t.Restart), Reattach: f(t.Reattach), Download: f(t.Download)}
}

// Wait is a duration of the device's own time (a check interval, a timer)
// as a wall-clock wait.
func (r *Rig) Wait(d time.Duration) time.Duration { return time.Duration(float64(d)/r.Speed) + r.Slack }

// Host is the host side of the port in the personality's dialect.
func (r *Rig) Host() dialect.Host { return dialect.Host{AT: r.AT, P: r.Personality} }

// Lacks reports which of the needed capabilities the lab does not offer.
func (r *Rig) Lacks(needs ...string) []string {
	var out []string
	for _, n := range needs {
		if !slices.Contains(r.Has, n) {
			out = append(out, n)
		}
	}
	return out
}

// Write takes the AT client's trace lines for the transcript.
func (r *Rig) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return len(p), nil
	}
	return r.transcript.Write(p)
}

// note writes a comment line to the transcript.
func (r *Rig) note(format string, args ...any) {
	fmt.Fprintf(r, "%s # %s\n", time.Now().Format(time.RFC3339Nano), fmt.Sprintf(format, args...))
}

// Note writes a comment line to the transcript (a spec's milestones).
func (r *Rig) Note(format string, args ...any) { r.note(format, args...) }

// Close closes the port, the transcript and the backend (which completes
// the capture). It is safe to call more than once.
func (r *Rig) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.mu.Unlock()
	var errs []error
	// A modem silent to the run's last command: at.log says so, or it
	// would read as cut off.
	r.AT.NoteUnanswered()
	errs = append(errs, r.AT.Close())
	r.note("lab run closed")
	r.mu.Lock()
	r.closed = true
	errs = append(errs, r.transcript.Close())
	r.mu.Unlock()
	if r.Backend != nil {
		errs = append(errs, r.Backend.Close())
	}
	return errors.Join(errs...)
}

// Artifacts lists the files a report should carry: the transcript, the
// capture, and beside it the backend's event log and, once written, the
// timeline page.
func (r *Rig) Artifacts() []string {
	out := []string{filepath.Join(r.Dir, TranscriptFile)}
	if r.Backend != nil {
		if f := r.Backend.CaptureFile(); f != "" {
			out = append(out, f)
			for _, name := range []string{EventsFile, TimelineFile} {
				if p := filepath.Join(filepath.Dir(f), name); fileExists(p) {
					out = append(out, p)
				}
			}
		}
	}
	return out
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

func modemState(s byte) string {
	var on []string
	for _, b := range []struct {
		bit  byte
		name string
	}{{telnet.ModemCD, "CD"}, {telnet.ModemRI, "RI"}, {telnet.ModemDSR, "DSR"}, {telnet.ModemCTS, "CTS"},
		{telnet.ModemDeltaCD, "ΔCD"}, {telnet.ModemTERI, "TERI"}, {telnet.ModemDeltaDSR, "ΔDSR"}, {telnet.ModemDeltaCTS, "ΔCTS"}} {
		if s&b.bit != 0 {
			on = append(on, b.name)
		}
	}
	if len(on) == 0 {
		return "(none)"
	}
	return strings.Join(on, " ")
}
