package field

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/esimhil/esimhil/emulators/modem"
	"github.com/esimhil/esimhil/harness/align"
	"github.com/esimhil/esimhil/harness/dialect"
	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/personality"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/textcut"
)

// RigEpoch is when every emulated run starts (the virtual clock's epoch,
// README "Determinism"): a log of the rig itself is on this clock.
var RigEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Defaults the reconstruction assumes when neither the manifest nor the
// logs say.
const (
	// warmUp is how long the emulated device runs before the logs begin
	// when they begin with it on: boot and the first attach.
	warmUp = 10 * time.Second
	// defaultCheck is the card's check interval when nothing tells it.
	defaultCheck = time.Hour
	// defaultRSRP is a cell's signal when the logs show none (dBm).
	defaultRSRP = -90
	// tail is how long the replay runs past the logs' last line, so that
	// what the recording shows at its end has happened.
	tail = 5 * time.Second
)

// Options tune a reconstruction.
type Options struct {
	// Emulated reports whether the rig's modem implements a command
	// (its name as in "+CGLA", "E"); commands it lacks are not played.
	Emulated func(name string) bool
}

// Plan is a fixture made runnable: the scenario, the device's dialect,
// the host's commands on the rig's clock, and what was assumed.
type Plan struct {
	Fixture *Fixture
	Facts   *Facts
	// ScenarioYAML is the reconstructed scenario (commented with where
	// each line came from); Scenario is it parsed.
	ScenarioYAML []byte
	Scenario     *scenario.Scenario
	// Dialect is the modem personality with the device's quirks;
	// DialectYAML says the same as a personality file.
	Dialect     personality.Personality
	DialectYAML []byte
	// Start is the run time at which the logs begin (fixture time 0).
	Start time.Duration
	// End is the run time at which the replay stops.
	End time.Duration
	// PowerOn says the logs begin at the device's power-on (they open with
	// its boot URCs): the replay powers the emulated device off and on at
	// run time PowerOnAt, before the preamble, so that it boots and sends
	// its own; URCs are compared from then on. PowerOnAt is Start, or
	// warmUp before it when the log has no times (its commands came after
	// the boot and the first attach, how long after it does not say).
	PowerOn   bool
	PowerOnAt time.Duration
	// bootNotes is where the assumptions say the power-on:
	// bootAmongCommands adds what it assumed of that boot there.
	bootNotes int
	// HostBeforeBoot are the lines the capture shows as unasked before
	// the boot it opens with (a sketch's "." between its AT polls): the
	// module was off, so they are the host's and not compared as URCs.
	// EarlierBoot are those among them that are a modem's URCs by their
	// text, as the log readers take them (+CPIN: READY, SMS DONE): the
	// module's, from a boot before the one the replay powers on at, and
	// not compared either.
	HostBeforeBoot, EarlierBoot []Src
	// Unshown are the recording's URCs the plan places before the logs
	// begin (a first registration or a search the device went through
	// before the replay's window): the assumptions say why, and they are
	// not compared.
	Unshown []Src
	// AttachDelay is the attach time the logs show (0: the seed's).
	AttachDelay time.Duration
	// detached: the replay detaches the device first, the host's attach
	// command being the logs' first registration (detachedAtStart).
	detached bool
	// unreached says the device is out of coverage through the logs (the
	// area reached an hour after them): no attach meets a fault.
	unreached bool
	// cellTACs are the tracking areas of each operator's cells in the
	// scenario, as the world numbers them (a cell without a tac in its
	// area's default), filled when the world is emitted: a denial's
	// fault is limited to its TA only where the scenario has a cell there.
	cellTACs map[opTAC]bool
	// Preamble puts the modem in the host's state before the logs begin;
	// its exchanges are not compared.
	Preamble []string
	// Steps are the host's commands, in order.
	Steps []Step
	// standIns are the emulated card's ICCIDs for field ones without
	// their check digit (standInFor).
	standIns map[string]string
	// hangTies are the hangs whose first command shares its time with
	// commands before it (world, hangs): steps plays it a nanosecond late.
	hangTies []hangTie
	// Assumptions says what the reconstruction had to assume, and what it
	// took from where: text for a person, not for a program to match.
	Assumptions []string
	// UnansweredRefused says the recorded requests the platform left
	// without a status are replayed as the platform refusing connections
	// (the derived platform: unreachable windows): its log of the replay
	// has none of them, and the replay compares the rest.
	UnansweredRefused bool
	// DroppedFaults are the faults the logs show that the manifest's
	// faults replaced (each with its log line): a URC the replay then
	// misses may be one of theirs.
	DroppedFaults []string
	// Limits are the to-dos that say where the replay's answer differs
	// whatever the manifest gives (LimitAt).
	Limits []Limit
	// ToDo are the assumptions that ask the manifest for what the logs
	// lack and the replay may need (a reject cause, a network's name):
	// the draft lists them as things to do.
	ToDo []string
	// Masks are the volatile values (the manifest's and the ones the
	// reconstruction had to add).
	Masks []Mask
	// Uncompared are the prefixes of information lines whose content no
	// replay can give again, however many there are (the field network's
	// PDP contexts, the device's own clock): the replay compares the
	// exchange without them, its final result included.
	Uncompared []string
	// UncomparedCommands are the commands whose information text is the
	// field module's own identity (ATI, +CGMM, +CGSN…): an exchange of
	// only those is compared without its text (TextUncompared).
	UncomparedCommands []string
	// UncomparedURCs are the URCs the logs show that the emulated modem
	// never sends (a vendor's SIM Toolkit notification, a PDP context
	// event, the network's time), left out of the URC track: by name, or
	// word for word where the dialect sends the name with other words.
	UncomparedURCs []string
}

// URCUncompared reports whether a URC of the logs is left out of the
// comparison: its name or its text is one of UncomparedURCs.
func (p *Plan) URCUncompared(text string) bool {
	return slices.Contains(p.UncomparedURCs, urcName(text)) || slices.Contains(p.UncomparedURCs, strings.TrimSpace(text))
}

// BeforePowerOn reports a line the capture shows unasked before the
// power-on the replay starts at (HostBeforeBoot, EarlierBoot): left out of
// the comparison.
func (p *Plan) BeforePowerOn(src Src) bool {
	return slices.Contains(p.HostBeforeBoot, src) || slices.Contains(p.EarlierBoot, src)
}

// URCShown reports whether the replay can show the recording's URC at
// src: not one the plan placed before the logs begin (Unshown).
func (p *Plan) URCShown(src Src) bool {
	return !slices.Contains(p.Unshown, src)
}

// srcList names lines: "d9.log:4, d9.log:6".
func srcList(srcs []Src) string {
	out := make([]string, len(srcs))
	for i, s := range srcs {
		out[i] = s.String()
	}
	return strings.Join(out, ", ")
}

// InfoUncompared reports whether an information line is left out of the
// comparison: it begins with one of Uncompared, read with one blank after
// its name's colon whatever the module put there (u-blox answers
// "+CPSMS:0,…" and a bare "+CEDRXS:").
func (p *Plan) InfoUncompared(text string) bool {
	t := infoForm(text)
	return slices.ContainsFunc(p.Uncompared, func(pre string) bool { return strings.HasPrefix(t, pre) })
}

// infoForm writes an information line "+NAME: value", as Uncompared's
// prefixes are written.
func infoForm(text string) string {
	name, rest, ok := strings.Cut(text, ":")
	if !ok || !strings.HasPrefix(name, "+") || strings.ContainsAny(name, " ,\"") {
		return text
	}
	return name + ": " + strings.TrimLeft(rest, " ")
}

// urcName is a URC's name: its text up to the colon ("+CEREG"), or all
// of it ("RDY", "+STKEND").
func urcName(text string) string {
	name, _, _ := strings.Cut(strings.TrimSpace(text), ":")
	return name
}

// registrationLocation is the location of a registration line, read
// answer or URC, after what stays compared (group 1: the name, <n> and
// <stat>), when the logs give it in a form of their own (OddLocation).
var registrationLocation = regexp.MustCompile(`^(\+C(?:E|G|5G)?REG: ?\d(?:,\d)?),.+,.+$`)

// registrationURCs are the URCs the emulated modem sends as its network
// registration changes, whatever their words; the others it sends are its
// dialect's boot and REFRESH URCs, word for word.
var registrationURCs = []string{"+CREG", "+CGREG", "+CEREG", "+C5GREG"}

// identityCommands answer with who the module is — maker, model, firmware,
// IMEI, capabilities — which the emulated modem is not.
var identityCommands = []string{"I", "+CGMI", "+CGMM", "+CGMR", "+CGSN", "+GMI", "+GMM", "+GMR", "+GSN", "+GCAP"}

// TextUncompared reports whether the information text of the exchange
// that line starts is left out of the comparison: every command on it is
// one of UncomparedCommands.
func (p *Plan) TextUncompared(line string) bool {
	names, ok := commandNames(line)
	if !ok || len(names) == 0 {
		return false
	}
	for _, n := range names {
		if !slices.Contains(p.UncomparedCommands, n) {
			return false
		}
	}
	return true
}

// AnswerUncompared reports whether the information line e of t is left
// out of the comparison by the command it answers: of a line of several
// commands, the one it answers (AT+CSQ;+CGMM's EG25 is +CGMM's), one of
// UncomparedCommands as a line of that command alone is; a line the log
// cannot pair for sure, when both commands it may answer are.
func (p *Plan) AnswerUncompared(t *fieldlog.Transcript, e fieldlog.Entry) bool {
	if e.Role != fieldlog.Info {
		return false
	}
	if !p.TextUncompared(t.CommandOf(e)) {
		return false
	}
	return !e.Unsure || p.TextUncompared(t.OtherCommandOf(e))
}

// Unpaired reports whether the answer lines of one exchange hold a line
// without a name that the log cannot pair with one of its commands for
// sure (fieldlog.Entry.Unsure), and which the comparison would compare:
// then none of its lines without a name is compared, on either side.
func (p *Plan) Unpaired(t *fieldlog.Transcript, lines []fieldlog.Entry) bool {
	return slices.ContainsFunc(lines, func(e fieldlog.Entry) bool { return e.Unsure && !p.AnswerUncompared(t, e) })
}

// Step is one command the host sent.
type Step struct {
	// At is the run time at which the command was sent.
	At time.Duration
	// Line is the command line as sent.
	Line string
	// Log and Entry index the command in the fixture's logs.
	Log, Entry int
	Src        Src
	// Skip, when set, says why the command is not played (the emulated
	// modem lacks it); its exchange is left out of the comparison.
	Skip string
	// Before are lines played just ahead of Line, their answers not
	// compared: the first commands of a restart the personality makes in
	// several (an nRF91's AT+CFUN=0 before its AT+CFUN=1), played for a
	// restart command it lacks.
	Before []string
}

// NoCommands is why logs without an AT command or an APDU cannot be
// replayed: the replay plays a host's AT commands to the emulated modem.
const NoCommands = "no AT command or APDU in the logs, so nothing to replay: a platform or events log goes with an AT log, " +
	"and lpac shows its AT exchange under LPAC_APDU=at with LPAC_APDU_AT_DEBUG=1 (AT_DEBUG=1 before 2.1), " +
	"its APDUs (any backend) with LIBEUICC_DEBUG_APDU=1"

// NoCommandsIn is NoCommands for logs ts, each named with its first line
// and the format it read as, and with what the log holds instead when it
// says: an answer it begins inside, whose command is above the excerpt.
func NoCommandsIn(ts []*fieldlog.Transcript) error {
	var why []string
	for _, t := range ts {
		line, open := 0, 0
		for _, e := range t.Entries {
			if line == 0 {
				line = e.Line
			}
			if e.OpenAnswer && open == 0 {
				open = e.Line
			}
		}
		w := fmt.Sprintf("%s:%d: read as %s, but no AT command or APDU in it", t.File, max(line, 1), t.Format)
		if open > 0 {
			w += fmt.Sprintf(" (it begins inside an answer, at line %d: its command is above the excerpt; take the log from the command on)", open)
		}
		why = append(why, w)
	}
	return fmt.Errorf("%s: nothing to replay (%s)", strings.Join(why, "; "), strings.TrimPrefix(NoCommands, "no AT command or APDU in the logs, so nothing to replay: "))
}

// Reconstruct turns a fixture into a plan. Errors name the manifest's or
// a log's line: a manifest that contradicts its logs, a fact the scenario
// needs that neither gives.
func Reconstruct(f *Fixture, o Options) (*Plan, error) {
	m := f.Manifest
	base, err := personality.Load(m.Device.Personality)
	if err != nil {
		return nil, m.errAt(m.Node("device.personality"), "device.personality", "%v", err)
	}
	p := &Plan{Fixture: f, Masks: append([]Mask(nil), m.Volatile...), Assumptions: append([]string(nil), f.Notes...)}
	for _, t := range f.Logs {
		if lines := t.OpenAnswerLines(); len(lines) > 0 {
			p.assume("%s begins inside an answer to a command it does not show: %s skipped, not compared", t.File, lineRuns(lines))
		}
	}
	channels, err := p.overCGLA()
	if err != nil {
		return nil, err
	}
	f = p.Fixture
	if !slices.ContainsFunc(f.Logs, func(t *fieldlog.Transcript) bool { return len(t.Commands()) > 0 }) {
		return nil, m.errAt(m.Node("logs"), "logs", "%s", NoCommands)
	}
	if err := overlongCommand(f); err != nil {
		return nil, err
	}
	p.Facts = Extract(f, base.RefreshURCs, base.BootURCs)
	if on := p.Facts.PowerOn; on != nil && (on.At == 0 || len(p.Facts.PreBoot) > 0) {
		p.PowerOn = true
		for _, t := range f.Logs {
			if t.File != on.Src.File {
				continue
			}
			for _, e := range t.Entries {
				switch {
				case e.Role != fieldlog.URC || e.Line >= on.Src.Line:
				case fieldlog.ModemURC(e.Text):
					// The module was on before it powered on here: a
					// reboot the capture shows only by its boot URCs.
					p.EarlierBoot = append(p.EarlierBoot, Src{t.File, e.Line})
				default:
					p.HostBeforeBoot = append(p.HostBeforeBoot, Src{t.File, e.Line})
				}
			}
		}
		if len(p.EarlierBoot) > 0 {
			p.assume("lines from before the power-on at %s (%s): an earlier boot of the module (its URCs, the boot before this one), not compared", on.Src, srcList(p.EarlierBoot))
		}
		if len(p.HostBeforeBoot) > 0 {
			p.assume("the lines the logs show unasked before the boot at %s (%s) are the host's, the module being off: they are not compared as its URCs", on.Src, srcList(p.HostBeforeBoot))
		}
		if n := len(p.Facts.PreBoot); n > 0 {
			p.assume("the logs begin as the device powers on (%s is its boot; the host's %d command(s) sent before the module was up got no answer, and the replay does not play them): the replay powers the emulated device off and on there, and it boots and sends its boot URCs; the host's settings are set after it", on.Src, n)
		} else {
			p.assume("the logs begin at the device's power-on (%s opens with its boot): the replay powers the emulated device off and on there, and it boots and sends its boot URCs; the host's settings are set after it", on.Src)
		}
		p.bootNotes = len(p.Assumptions)
	}
	if err := p.dialect(base); err != nil {
		return nil, err
	}
	p.hostState()
	// The logical channels the APDUs use, opened on the ISD-R as lpac
	// does (the emulated modem numbers them from 1).
	for range slices.Max(append(channels, 0)) {
		p.Preamble = append(p.Preamble, fmt.Sprintf(`AT+CCHO="%s"`, es10.ISDRAID))
	}
	if len(channels) == 0 {
		p.leftOpen()
	}
	p.unmodelled()
	p.AttachDelay = p.attachDelay()
	if m.Scenario != "" {
		err = p.given()
	} else {
		err = p.world()
	}
	if err != nil {
		return nil, err
	}
	for _, l := range Limits(f) {
		p.limit(l)
	}
	p.steps(o)
	p.bootAmongCommands()
	if o.Emulated != nil && !slices.ContainsFunc(p.Steps, func(s Step) bool { return s.Skip == "" }) && !p.hasURCs() {
		return nil, m.errAt(m.Node("logs"), "logs", "nothing to replay: the emulated modem implements none of the logs' commands (%s), and the logs show no URC it sends: a replay would compare nothing", strings.Join(p.unplayed(), ", "))
	}
	return p, nil
}

// Limits are what the replay cannot reproduce whatever the manifest
// gives: the field card's status words (CardLimits), the command lines
// the logs cut (CutLimits), a STORE DATA chain they begin inside
// (MidChainLimits) and the radio access technologies the emulated modem
// lacks (RATLimits).
func Limits(f *Fixture) []Limit {
	return slices.Concat(CardLimits(f), CutLimits(f), MidChainLimits(f), RATLimits(f), COPSModeLimits(f), ErrorLimits(f), CRSMLimits(f), ReenumerationLimits(f), BootLimits(f))
}

// COPSModeLimits names, once per log, a +COPS? answer in manual selection
// (<mode> 1, TS 27.007 §7.3) before the log shows the host ask for one
// (AT+COPS=1 or 4): the emulated modem starts in automatic selection, no
// manifest field sets the mode, and the reconstruction does not select
// for the host (a selection it did not make would take an attach's time
// the recording does not show), so its answer gives 0 there (outside
// tester t178 N9: neither set up nor said).
func COPSModeLimits(f *Fixture) []Limit {
	if f == nil {
		return nil
	}
	var out []Limit
	for _, t := range f.Logs {
		for k, e := range t.Entries {
			if e.Role == fieldlog.Command {
				if m := copsSelect.FindStringSubmatch(e.Text); m != nil && m[1] != "0" && hasFinal(t, k) {
					break // the host's own selection, which the replay plays
				}
				continue
			}
			c, ok := dialect.ReadCOPS(e.Text)
			if !ok || e.Role != fieldlog.Info || c.Mode != 1 {
				continue
			}
			out = append(out, limitAt(t, e.Line, "%s:%d: the field modem answers %s, in manual selection (<mode> 1), which the logs do not show the host ask for: the emulated modem starts in automatic selection and no manifest field sets the mode, so the replay answers <mode> 0 there; cut the logs before it, or keep the fixture as one that shows the limit",
				filepath.Base(t.File), e.Line, e.Text))
			break
		}
	}
	return out
}

// A Limit is a line where the plan knows that the replay's answer differs
// from the recording whatever the manifest says: a to-do of the draft's,
// and for a verdict a line where a divergence shows nothing, neither the
// failure nor its fix (outside tester t178 N1: "fixed" passed at the
// known mid-chain limit).
type Limit struct {
	// Src is the line, by the log's base name.
	Src Src
	// From says that what follows it differs too (a module that left
	// the bus, a card that switched on its own, another SIM slot).
	From bool
	// Text is the to-do, which names Src.
	Text string
}

func (l Limit) String() string { return l.Text }

// limitAt is a Limit at line of t; format's first two arguments are
// expected to be the log's base name and a line.
func limitAt(t *fieldlog.Transcript, line int, format string, args ...any) Limit {
	return Limit{Src: Src{filepath.Base(t.File), line}, Text: fmt.Sprintf(format, args...)}
}

// limitFrom is limitAt for a limit whose effect goes on past its line.
func limitFrom(t *fieldlog.Transcript, line int, format string, args ...any) Limit {
	l := limitAt(t, line, format, args...)
	l.From = true
	return l
}

// Texts are the limits' to-dos.
func Texts(ls []Limit) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Text
	}
	return out
}

// limit records a limit the world finds (askFor, and Limits for the
// verdict).
func (p *Plan) limit(l Limit) {
	p.askFor("%s", l.Text)
	l.Text = p.ToDo[len(p.ToDo)-1]
	p.Limits = append(p.Limits, l)
}

// limitOf records a limit at src (limit).
func (p *Plan) limitOf(src Src, from bool, format string, args ...any) {
	p.limit(Limit{Src: Src{filepath.Base(src.File), src.Line}, From: from, Text: fmt.Sprintf(format, args...)})
}

// limitLines records one to-do and, under it, a limit at each of lines.
func (p *Plan) limitLines(lines []Src, format string, args ...any) {
	p.askFor(format, args...)
	for _, src := range lines {
		p.Limits = append(p.Limits, Limit{Src: Src{filepath.Base(src.File), src.Line}, Text: p.ToDo[len(p.ToDo)-1]})
	}
}

// LimitAt is the limit a divergence at src falls under: one at its line
// or in the same exchange (its command, its answer; the lines of a cut
// command's exchange that continue it, Step.Part), or one before it whose
// effect goes on (From).
func (p *Plan) LimitAt(src Src) (Limit, bool) {
	base := Src{filepath.Base(src.File), src.Line}
	for _, l := range p.Limits {
		switch {
		case l.Src.File != base.File || src.Line <= 0:
		case l.Src.Line == base.Line, l.From && base.Line > l.Src.Line, p.sameExchange(l.Src, base):
			return l, true
		}
	}
	return Limit{}, false
}

// sameExchange reports that two lines (by base name) belong to the
// exchange of one command: its line, its echo, its answer.
func (p *Plan) sameExchange(a, b Src) bool {
	ka, kb := p.ExchangeOf(a), p.ExchangeOf(b)
	return ka >= 0 && ka == kb
}

// ExchangeOf is the index of the command whose exchange a line of the
// recording is in (the command's own line, its echo, its answer); -1 for
// a URC, a note or a line the logs do not have.
func (p *Plan) ExchangeOf(src Src) int {
	f := p.Fixture
	li := f.LogIndex(src.File)
	if li < 0 {
		return -1
	}
	for k, e := range f.Logs[li].Entries {
		switch {
		case e.Line != src.Line:
		case e.Role == fieldlog.Command:
			return k
		case e.Cmd >= 0:
			return e.Cmd
		}
	}
	return -1
}

// ReenumerationLimits names each time a ModemManager log shows the
// modem's AT port hang up and the modem removed: a module that reset and
// left the USB bus (on the card's REFRESH, AT+CFUN=1,1, or a crash), most
// often created again as a new modem object once it is back. The
// emulated modem does not leave the bus: it answers the command the
// vanished port never answered and keeps its registration, so the replay
// differs there.
func ReenumerationLimits(f *Fixture) []Limit {
	if f == nil {
		return nil
	}
	var out []Limit
	for _, t := range f.Logs {
		if t.Format != fieldlog.MM {
			continue
		}
		hangup, removed, created := -1, -1, -1
		for k, e := range t.Entries {
			if e.Role != fieldlog.Note {
				continue
			}
			switch {
			case hangup < 0 && strings.Contains(e.Text, "unexpected port hangup"):
				hangup = k
			case hangup >= 0 && removed < 0 && strings.Contains(e.Text, "modem for device") && strings.Contains(e.Text, "removed"):
				removed = k
			case removed >= 0 && created < 0 && strings.Contains(e.Text, "creating modem"):
				created = k
			}
		}
		if removed < 0 {
			continue
		}
		what := ""
		at := t.Entries[hangup].Line
		for k := hangup - 1; k >= 0; k-- {
			if e := t.Entries[k]; e.Role == fieldlog.Command {
				if !hasFinal(t, k) {
					what = fmt.Sprintf(": it answers %s (line %d), which the vanished port never answered", e.Text, e.Line)
					at = e.Line
				}
				break
			}
		}
		back := "the logs do not show it back"
		if created >= 0 {
			back = fmt.Sprintf("ModemManager creates it again at line %d", t.Entries[created].Line)
		}
		file := filepath.Base(t.File)
		out = append(out, limitFrom(t, at, "%s:%d: ModemManager's AT port hung up and the modem was removed (line %d), and %s: the module reset and re-enumerated on USB (on the card's REFRESH, a restart, a crash), which the emulated modem does not do%s; the replay differs there, so cut the logs before the command the port left unanswered, or start them where the modem is created again",
			file, t.Entries[hangup].Line, t.Entries[removed].Line, back, what))
	}
	return out
}

// journalBoot is the line journalctl writes between two boots' entries
// in its short outputs ("-- Boot 0a1b…ef --"; "-- Reboot --" before
// systemd 241), and fieldlog's rewrite of a structured journal where
// an entry's _BOOT_ID changes. The ID is 32 hex digits from systemd, but
// the rewrite writes whatever the entry held, so any word is taken.
var journalBoot = regexp.MustCompile(`^-- (?:Boot [0-9A-Za-z]+|Reboot) --$`)

// BootLimits names a journal that spans a reboot of the host (journalctl
// without -b): the modem, reset or powered off with it, and the daemon
// start again with the next boot, which one replay of one emulated
// modem does not do, so what the host sent after the boot meets another
// modem's state than the field one's.
func BootLimits(f *Fixture) []Limit {
	if f == nil {
		return nil
	}
	var out []Limit
	for _, t := range f.Logs {
		before := false
		for k, e := range t.Entries {
			if e.Role == fieldlog.Command {
				before = true
			}
			if !before || e.Role != fieldlog.Note || !journalBoot.MatchString(strings.TrimSpace(e.Text)) {
				continue
			}
			next := -1
			for j := k + 1; j < len(t.Entries); j++ {
				if t.Entries[j].Role == fieldlog.Command {
					next = j
					break
				}
			}
			if next < 0 {
				break
			}
			out = append(out, limitFrom(t, t.Entries[next].Line, "%s:%d: the journal goes on into the host's next boot (line %d, journalctl's boot separator): the modem was reset or powered off with the host and the daemon started again, which the replay of one emulated modem does not do; the replay differs from there, so give the logs of one boot (journalctl -b), cut before line %d or starting after it",
				filepath.Base(t.File), t.Entries[next].Line, e.Line, e.Line))
			break
		}
	}
	return out
}

// actNames names the <AcT>s a field modem may show that the emulated
// one lacks (TS 27.007 §7.3; 8 is EC-GSM-IoT there, but Quectel's BG95
// and BG96 give it to eMTC, LTE Cat M1).
var actNames = map[string]string{
	"0": "GSM", "2": "UTRAN", "3": "GSM with EGPRS", "8": "eMTC on a Quectel BG95/BG96 (27.007's EC-GSM-IoT)", "9": "NB-IoT, E-UTRAN NB-S1",
}

// RATLimits names, once each, the access technologies the logs show the
// field modem on or asked for that the emulated modem does not have: it
// is E-UTRAN alone, reports <AcT> 7 in every registration line, and
// takes 7 in AT+COPS (9, NB-IoT, finds no cell: +CME ERROR: 30 in mode
// 1, automatic selection in mode 4; 8, a BG95's eMTC, answers +CME
// ERROR: 50), and writes every <ci> in eight hex digits, a GERAN cell's
// two-byte one too (regShortCI). A
// BG95 is drafted as quectel-eg25, whose dialect it shares otherwise. So
// are the PSM timers a registration line shows (+CEREG n=4 or 5): the
// emulated modem negotiates no PSM.
func RATLimits(f *Fixture) []Limit {
	if f == nil {
		return nil
	}
	var out []Limit
	seen := map[string]bool{}
	for _, t := range f.Logs {
		for k, e := range t.Entries {
			var key, what string
			lacks := "another access technology"
			name := func(act string) string {
				if n := actNames[act]; n != "" {
					return act + " (" + n + ")"
				}
				return act + " (not E-UTRAN)"
			}
			switch {
			case e.Role == fieldlog.Command:
				// copsSelect: mode, format, oper, AcT.
				switch m := copsSelect.FindStringSubmatch(e.Text); {
				case m == nil || m[4] == "" || m[4] == "7":
				case m[4] == "9" && m[1] == "1" && answeredNoService(t, k):
					// The field modem found no NB-S1 cell either: the
					// emulated modem's answer is its own (outside tester
					// sw122: the note said it would differ).
				case m[4] == "9":
					key = "cops " + m[4]
					what = fmt.Sprintf("the host asks for <AcT> %s in %s, for which the emulated modem, E-UTRAN in WB-S1 mode alone, finds no cell (+CME ERROR: 30 in mode 1, its automatic selection in mode 4)", name(m[4]), e.Text)
				default:
					key = "cops " + m[4]
					what = fmt.Sprintf("the host asks for <AcT> %s in %s, which the emulated modem refuses with +CME ERROR: 50 (it takes 7, E-UTRAN, or 9)", name(m[4]), e.Text)
				}
			case e.Role == fieldlog.URC || e.Role == fieldlog.Info:
				if act, ok := regOtherAcT(e.Text); ok {
					key = "reg " + act
					what = fmt.Sprintf("the field modem reports <AcT> %s in %s, where the emulated modem, E-UTRAN alone, reports 7", name(act), e.Text)
				} else if c, ok := dialect.ReadCOPS(e.Text); ok && e.Role == fieldlog.Info && c.AcT >= 0 && c.AcT != 7 {
					// +COPS?'s <AcT> is the registration's (outside
					// tester t178 N9: GSM's 0 there got no to-do).
					act := strconv.Itoa(c.AcT)
					key = "reg " + act
					what = fmt.Sprintf("the field modem reports <AcT> %s in %s, where the emulated modem, E-UTRAN alone, reports 7", name(act), e.Text)
				} else if ci, ok := regShortCI(e.Text); ok {
					// Its width alone differs: the scenario's cell has the
					// log's identity, which the emulated modem writes as an
					// E-UTRAN cell's (gammu issue 358's "2BA7", replayed
					// "00002BA7").
					key, lacks = "ci", "a GERAN cell"
					what = fmt.Sprintf("the field modem reports a two-byte <ci> %q in %s, a GERAN cell's 16-bit identity (TS 23.003 §4.3.1; 27.007 §7.2's \"two byte cell ID\"), where the emulated modem, E-UTRAN alone, writes its cell's 28-bit E-UTRAN cell identity in eight hex digits (%q)",
						ci, e.Text, strings.Repeat("0", 8-len(ci))+ci)
				} else if active, tau, ok := psmTimers(e.Text); ok {
					key, lacks = "psm", "PSM"
					what = fmt.Sprintf("the field modem shows the PSM timers its network gave (<Active-Time> %q, <Periodic-TAU> %q) in %s, where the emulated modem, which negotiates no PSM, shows none", active, tau, e.Text)
				}
			}
			if key == "" || seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, limitAt(t, e.Line, "%s:%d: %s: no personality or manifest field gives the emulated modem %s, so the replay differs there and a failure that is this line does not reproduce; cut the logs before it, or keep the fixture as one that shows the limit",
				filepath.Base(t.File), e.Line, what, lacks))
		}
	}
	return out
}

// answeredNoService says whether command k of t was answered +CME
// ERROR: 30, no network service.
func answeredNoService(t *fieldlog.Transcript, k int) bool {
	a := t.Answer(k)
	if len(a) == 0 || a[len(a)-1].Role != fieldlog.Final {
		return false
	}
	code, ok := at.Classify(a[len(a)-1].Text).CME()
	return ok && code == at.CMENoNetworkService
}

// ErrorLimits names each +CME ERROR of the field modem's that the
// emulated modem never gives there, so that a failure that is one is a
// to-do of the draft's and not a surprise of the replay's (outside
// testers sw93, t79, t83): SIM busy to any command (its card answers at
// once: no toolkit or SIM task of its own holds it); phone failure (0)
// to any command, an answer the log shows and cannot explain; an error in words
// neither TS 27.007 §9.2 nor the personality's cme_text has (a Sierra's
// "Parameters error"); and, to a command that reaches the card
// (modem.CardCommands), a code the emulated modem does not give that
// command in the condition the log shows (modem.CardRefusals: 3 to a
// +CGLA only for a MANAGE CHANNEL in it). A bare ERROR says no code (a
// host at +CMEE=0 sees every error so); on a line of several commands the
// command that failed is the one after the last that answered, when that
// one answers whenever it succeeds (failedCommand), else it is not judged.
func ErrorLimits(f *Fixture) []Limit {
	if f == nil {
		return nil
	}
	var (
		words     map[string]at.CMEError // errorWords, read at the first error in words
		wordsRead bool
	)
	var out []Limit
	for _, t := range f.Logs {
		var sessions map[[2]int]sessionState // sessionStates, at the first card command judged
		for _, e := range t.Entries {
			if e.Role != fieldlog.Final || e.Cmd < 0 || e.Cmd >= len(t.Entries) {
				continue
			}
			res := at.Classify(e.Verbose())
			if res.Kind != at.FinalCME {
				continue
			}
			cmdText := t.Entries[e.Cmd].Text
			code, known := res.CME()
			if !known {
				if !wordsRead {
					words, wordsRead = errorWords(f.Manifest), true
				}
				code, known = words[strings.ToLower(res.Text)]
			}
			var why string
			c, j, judged := failedCommand(t, e.Cmd)
			switch {
			case !known:
				why = "it words its errors as TS 27.007 §9.2 does, or as its personality's cme_text: give device.quirks a cme_text for the code, if you know which this is"
			case code == at.CMESIMBusy:
				why = "its card answers at once: no toolkit or SIM task of its own holds it"
			case code == at.CMEPhoneFailure:
				// 27.007 §9.2.1's catch-all: the modem failed in itself,
				// and no state a log shows explains it (an nRF9151 gave
				// it to AT%XSYSTEMMODE and AT+CEDRXS, which its AT
				// reference takes and the same modem took from another
				// host program: nrf-modem issue 34).
				why = "phone failure, the modem failing in itself, which nothing the logs show explains and nothing the emulated modem models causes"
			case !judged:
				continue
			default:
				if sessions == nil {
					sessions = sessionStates(t)
				}
				why = cardRefusalLimit(c, code, sessions[[2]int{e.Cmd, j}])
				if why == "" {
					continue
				}
			}
			out = append(out, limitAt(t, e.Line, "%s:%d: the field modem answered %s with %s, which the emulated modem never gives (%s): the replay's answer differs there, so a failure that is this line does not reproduce; cut the logs before it, or keep the fixture as one that shows the limit",
				filepath.Base(t.File), e.Line, textcut.Cut(cmdText, 40), e.Text, why))
		}
	}
	return out
}

// cardRefusalLimit says why the emulated modem does not give code to c, a
// command that failed on a session in state st; "" when it gives it, or
// c reaches no card.
func cardRefusalLimit(c at.Command, code at.CMEError, st sessionState) string {
	name := c.Name
	if c.Form == at.Read {
		name += "?"
	}
	if !slices.Contains(modem.CardCommands, name) || c.Form == at.Test || st == sessionGone ||
		code == at.CMESIMNotInserted || code == at.CMEIncorrectParameters {
		// A +CGLA on a session the log shows gone answers the field's
		// code (cgla_closed_error); a card out of reach and a line
		// the modem cannot read it answers alike to every command.
		return ""
	}
	causes := []string{"a card out of its reach (10, a card fault)", "a line it cannot read (50)"}
	var notHere []string
	for _, r := range modem.CardRefusals() {
		if r.Command != name {
			continue
		}
		causes = append(causes, fmt.Sprintf("%s (%d)", r.When, int(r.Code)))
		if r.Code != code {
			continue
		}
		if refusalHolds[r.When](c, st) {
			return ""
		}
		notHere = append(notHere, string(r.When))
	}
	why := fmt.Sprintf("it answers %s with what its card answers, and with an error only for %s or %s",
		name, strings.Join(causes[:len(causes)-1], ", "), causes[len(causes)-1])
	if len(notHere) > 0 {
		return why + fmt.Sprintf("; it gives %d to %s only for %s, which the log does not show here", int(code), name, strings.Join(notHere, " or "))
	}
	return why + "; no fault or quirk makes its card or its modem fail otherwise"
}

// refusalHolds says, for each condition of the emulated modem's card
// refusals (modem.CardRefusals), whether the log shows it for a command
// c on a session in state st: the replay's modem refuses c there alike.
var refusalHolds = map[modem.Condition]func(c at.Command, st sessionState) bool{
	// Which AIDs the replay's card selects is the reconstruction's (its
	// profiles), not the log's to say.
	modem.AIDNotSelected: func(at.Command, sessionState) bool { return true },
	modem.SessionNotOpen: func(_ at.Command, st sessionState) bool { return st != sessionOpen },
	modem.ManageChannel: func(c at.Command, st sessionState) bool {
		return st == sessionOpen && apduINS(c) == int(apdu.InsManageChannel)
	},
	modem.CRSMUnsupported: func(c at.Command, _ sessionState) bool {
		return len(c.Args) > 0 && (c.Args[0].Raw == "203" || c.Args[0].Raw == "219")
	},
	// The emulated card closes every channel it opened.
	modem.CloseRefused: func(at.Command, sessionState) bool { return false },
}

// apduINS is the INS of the APDU a +CGLA carries; -1 when it carries none
// that reads.
func apduINS(c at.Command) int {
	if len(c.Args) < 3 {
		return -1
	}
	b, err := hex.DecodeString(c.Args[2].Raw)
	if err != nil || len(b) < 2 {
		return -1
	}
	return int(b[1])
}

// failedCommand is the command of the line at index k that its error
// result answers, and its place on the line: the line's only one, or on a
// line of several (V.250 §5.2.1: the line stops at the command that
// failed) the one after the last that gave information text, when it is
// the last or one that gives some whenever it succeeds; ok is false when
// the log cannot say which failed.
func failedCommand(t *fieldlog.Transcript, k int) (c at.Command, j int, ok bool) {
	cmds, err := at.Parse(t.Entries[k].Text)
	if err != nil || len(cmds) == 0 {
		return at.Command{}, 0, false
	}
	if len(cmds) == 1 {
		return cmds[0], 0, true
	}
	for _, a := range t.Answer(k) {
		if a.Role == fieldlog.Info {
			j = max(j, a.Sub+1)
		}
	}
	if j >= len(cmds) || j < len(cmds)-1 && !answersOnSuccess(cmds[j]) {
		return at.Command{}, 0, false
	}
	return cmds[j], j, true
}

// answersOnSuccess reports a command that gives information text whenever
// it succeeds: a read, an identity command, a card command but +CCHC.
func answersOnSuccess(c at.Command) bool {
	switch {
	case c.Form == at.Read:
		return true
	case c.Form == at.Exec && at.Unnamed(c.Name):
		return true
	case c.Form == at.Set:
		return slices.Contains([]string{"+CCHO", "+CGLA", "+CSIM", "+CRSM"}, c.Name)
	}
	return false
}

// errorWords are the personality's own words for +CME ERROR codes
// (cme_text, lower case), the manifest's quirks over its personality's.
func errorWords(m *Manifest) map[string]at.CMEError {
	p, err := personality.Load(m.Device.Personality)
	if err != nil {
		return nil
	}
	if q := m.Device.Quirks; q != nil {
		if p, err = p.OverrideNode(m.File, q); err != nil {
			return nil
		}
	}
	out := map[string]at.CMEError{}
	for c, w := range p.CMEText {
		out[strings.ToLower(w)] = at.CMEError(c)
	}
	return out
}

// sessionStates are, by command index and place on its line, the states
// of the sessions t's +CGLA and +CCHC commands name (sessions).
func sessionStates(t *fieldlog.Transcript) map[[2]int]sessionState {
	out := map[[2]int]sessionState{}
	ss := newSessions(t)
	for k := range t.Entries {
		ss.entry(k, func(j int, _ at.Command, s session) { out[[2]int{k, j}] = s.state })
	}
	return out
}

// CRSMLimits names each +CRSM the field card answered with an error status
// word: the emulated card answers from its own file system, which no
// manifest field shapes, so its word for the same file may differ
// (outside tester sw93: 148,8 replayed as 105,129, unexplained).
func CRSMLimits(f *Fixture) []Limit {
	if f == nil {
		return nil
	}
	var out []Limit
	for _, t := range f.Logs {
		for _, e := range t.Entries {
			m := crsmAnswer.FindStringSubmatch(e.Text)
			if e.Role != fieldlog.Info || m == nil || e.Cmd < 0 {
				continue
			}
			sw1, _ := strconv.Atoi(m[1])
			sw2, _ := strconv.Atoi(m[2])
			if sw1 > 0xFF || sw2 > 0xFF || apdu.NormalProcessing(uint16(sw1)<<8|uint16(sw2)) {
				continue
			}
			out = append(out, limitAt(t, e.Line, "%s:%d: the field card answered %s with %s (SW %02X%02X), an error: the emulated card answers from its own files (README, +CRSM), which no manifest field shapes, so its word for this file may differ: a failure that is this line may not reproduce",
				filepath.Base(t.File), e.Line, textcut.Cut(t.CommandOf(e), 40), e.Text, sw1, sw2))
		}
	}
	return out
}

// commandAPDU is the command APDU an answer line answers, nil when the
// log does not hold it.
func commandAPDU(t *fieldlog.Transcript, e fieldlog.Entry) *fieldlog.APDU {
	if e.Cmd < 0 || e.Cmd >= len(t.Entries) {
		return nil
	}
	if c := t.Entries[e.Cmd].APDU; c != nil && !c.Response && c.Malformed == "" {
		return c
	}
	return nil
}

// crsmAnswer is +CRSM's answer: its sw1 and sw2.
var crsmAnswer = regexp.MustCompile(`^\+CRSM: ?(\d{1,3}),(\d{1,3})`)

// CardLimits names each ES10 function the logs show the field card
// answering with an error status word the emulated card cannot be made to
// give: it answers a well-formed request of a function it has with 9000
// but for a switch while its REFRESH is due (6985) and a package too big
// for its free memory (6A84, device.free_nvm), and no manifest field
// injects a card's status word; nor a catBusy result. A replay then
// differs there, whatever the manifest says, so a draft says so before
// anything else is filled in.
func CardLimits(f *Fixture) []Limit {
	if f == nil {
		return nil // the fixture did not load: nothing read to say it of
	}
	var out []Limit
	for _, t := range f.Logs {
		for _, e := range t.Entries {
			a := e.APDU
			if a == nil || !a.Response || a.Malformed != "" {
				continue
			}
			if a.Done && strings.Contains(a.Summary, " "+es10.NameCatBusy) {
				// The emulated card is busy only while a toolkit session
				// of its own runs (a REFRESH, a BIP exchange), which no
				// reconstruction sets up at a given instant (outside
				// tester sw67: a catBusy enable drafted without a word).
				out = append(out, limitAt(t, e.Line, "%s:%d: the field card answered %s with catBusy (its toolkit busy), which the emulated card gives only while a proactive session of its own runs, and no reconstruction sets one up at that instant: the replay's answer differs there, so a failure that is this answer does not reproduce; cut the logs before it, or keep the fixture as one that shows the limit",
					filepath.Base(t.File), e.Line, a.ES10))
				continue
			}
			if le, again := apdu.RepeatWithLe(a.SW); again && a.ES10 != "" {
				// T=0 (TS 102 221 §7.3.1.1.4): the emulated card, too,
				// answers a case 2 command whose P3 is not its length with
				// 6Cxx, and the replay sends it as recorded, through
				// +CSIM or a +CGLA that hands it over (cgla_passes_61xx,
				// which the 6Cxx itself shows); only a 6Cxx to a command
				// with data is one it never gives (outside tester t166
				// F1: the to-do blamed +CGLA in a +CSIM log).
				switch cmd := commandAPDU(t, e); {
				case cmd == nil || len(cmd.Raw) != 5:
					out = append(out, limitAt(t, e.Line, "%s:%d: the field card answered %s, a command with data, with SW %04X (wrong Le: the command again with Le %02X), which the emulated card gives only to a case 2 command whose P3 is not its length (TS 102 221 §7.3.1.1.4; it answers this one with its data or 61xx): the replay's answers differ from there to the repeat; cut the logs before it, or keep the fixture as one that shows the limit",
						filepath.Base(t.File), e.Line, a.ES10, a.SW, le))
				case cmd.Raw[1] == apdu.InsGetResponse && cmd.Raw[4] != 0 && cmd.Raw[4] < le:
					// Fewer bytes than wait: T=0 lets a card refuse any
					// Le but its own (ISO/IEC 7816-3 §12.2.2), but the
					// emulated card serves a GET RESPONSE of fewer bytes
					// as 102 221 §7.3.1.1.4 and Annex C chain it, with
					// those bytes and 61xx for the rest, and no manifest
					// field makes it refuse (outside tester t178 N3).
					out = append(out, limitAt(t, e.Line, "%s:%d: the field card answered the GET RESPONSE for %s with Le %02X (%d bytes), fewer than the %d waiting, with SW %04X (the command again with Le %02X), where the emulated card gives those %d bytes and 61xx for the rest (TS 102 221 §7.3.1.1.4, Annex C), and no manifest field makes it refuse: the replay's answers differ from there to the repeat; cut the logs before it, or keep the fixture as one that shows the limit",
						filepath.Base(t.File), e.Line, a.ES10, cmd.Raw[4], cmd.Raw[4], le, a.SW, le, cmd.Raw[4]))
				}
				continue
			}
			if !a.Done || a.ES10 == "" || apdu.NormalProcessing(a.SW) {
				continue
			}
			switch {
			case a.SW == apdu.SWConditionsNotSatisfied && (a.ES10 == es10.FunctionName(es10.TagEnableProfile) || a.ES10 == es10.FunctionName(es10.TagDisableProfile)):
				continue
			case a.SW == apdu.SWNotEnoughMemory:
				continue
			}
			out = append(out, limitAt(t, e.Line, "%s:%d: the field card answered %s with SW %04X, which the emulated card cannot be made to give (it answers a well-formed %s with 9000, and the manifest has no card fault): the replay's answer differs there, so a failure that is this answer does not reproduce; cut the logs before it, or keep the fixture as one that shows the limit",
				filepath.Base(t.File), e.Line, a.ES10, a.SW, a.ES10))
		}
	}
	return out
}

// hasURCs reports whether the logs show a URC the replay compares (one
// the emulated modem sends), as it does even when it plays none of their
// commands.
func (p *Plan) hasURCs() bool {
	return slices.ContainsFunc(p.Fixture.Logs, func(t *fieldlog.Transcript) bool {
		return slices.ContainsFunc(t.Entries, func(e fieldlog.Entry) bool { return e.Role == fieldlog.URC && !p.URCUncompared(e.Text) })
	})
}

// unplayed is why the steps not played are not, once each: the commands
// the emulated modem lacks ("+CMGL is not emulated"), in log order.
func (p *Plan) unplayed() []string {
	var why []string
	for _, s := range p.Steps {
		if s.Skip != "" && !slices.Contains(why, s.Skip) {
			why = append(why, s.Skip)
		}
	}
	return clipList(why, 6)
}

// leftOpen finds the logical channels open when the logs begin: the
// answer a log begins inside when it is a channel's open (+CCHO's, or a
// MANAGE CHANNEL open's over +CSIM: openedIn), a +CCHC that closes one
// (OK) before the logs' first +CCHO, as when lpac's AT driver starts by
// closing channels 1 to 4 and one a run before left open answers OK, or
// a +CGLA on one the card answers (a paste that begins inside lpac's
// session). The preamble opens them as they were (on the ISD-R, as lpac
// does, or with the host's MANAGE CHANNEL over +CSIM; the emulated modem
// numbers channels from 1, so those below that are not open are closed
// again). A log that opens at power-on shows none, nor does a modem's
// +CCHC or +CGLA whose +CCHC answers OK for any channel (cchc_bare_line).
func (p *Plan) leftOpen() {
	if p.PowerOn {
		return
	}
	type shown struct {
		src  Src
		how  string
		csim bool // opened with MANAGE CHANNEL over +CSIM
	}
	open := map[int]shown{}
	top := 0
	for _, t := range p.Fixture.Logs {
		if ch, csim, src, ok := openedIn(t); ok {
			if _, seen := open[ch]; !seen {
				how := fmt.Sprintf("the answer the log begins inside, %s, opened it", strings.TrimSpace(t.Entries[src].Text))
				open[ch] = shown{Src{t.File, t.Entries[src].Line}, how, csim}
			}
			top = max(top, ch)
		}
	}
scan:
	for _, t := range p.Fixture.Logs {
		if p.Dialect.CCHCBareLine {
			break
		}
		for k, e := range t.Entries {
			if e.Role != fieldlog.Command {
				continue
			}
			u := strings.ToUpper(e.Text)
			switch {
			case strings.HasPrefix(u, "AT+CFUN="), strings.HasPrefix(u, "AT+CCHO=") && !strings.HasSuffix(u, "=?"):
				// A restart closes every channel; after a +CCHO, a
				// channel closed may be the one it opened.
				break scan
			case strings.HasPrefix(u, "AT+CCHC=") && finalOK(t, k):
				answer := t.Answer(k)
				ch, err := strconv.Atoi(strings.Trim(u[len("AT+CCHC="):], `"`))
				if err != nil || ch < 1 || ch > 19 {
					continue
				}
				if _, ok := open[ch]; !ok {
					open[ch] = shown{Src{t.File, answer[len(answer)-1].Line}, fmt.Sprintf("AT+CCHC=%d answers OK", ch), false}
				}
				top = max(top, ch)
			case strings.HasPrefix(u, "AT+CGLA=") && finalOK(t, k):
				// 27.007 §8.43: the card answers only on a session
				// +CCHO opened.
				session, _, _ := strings.Cut(u[len("AT+CGLA="):], ",")
				ch, err := strconv.Atoi(strings.Trim(session, `" `))
				if err != nil || ch < 1 || ch > 19 {
					continue
				}
				if _, ok := open[ch]; !ok {
					open[ch] = shown{Src{t.File, e.Line}, "the card answers AT+CGLA on it", false}
				}
				top = max(top, ch)
			}
		}
	}
	// In channel order: each open takes the lowest number free.
	for ch := 1; ch <= top; ch++ {
		if open[ch].csim {
			p.Preamble = append(p.Preamble, at.CSIM(manageChannelOpen))
			continue
		}
		p.Preamble = append(p.Preamble, fmt.Sprintf(`AT+CCHO="%s"`, es10.ISDRAID))
	}
	for ch := 1; ch <= top; ch++ {
		o, ok := open[ch]
		switch {
		case !ok:
			p.Preamble = append(p.Preamble, fmt.Sprintf("AT+CCHC=%d", ch))
		case o.csim:
			p.assume("channel %d open when the logs begin: %s (%s), a MANAGE CHANNEL open over +CSIM; the replay opens it first the same way (%s), not compared", ch, o.how, o.src, at.CSIM(manageChannelOpen))
		default:
			p.assume("channel %d open when the logs begin: %s (%s) before the logs open one; the replay opens the ISD-R on it first, not compared", ch, o.how, o.src)
		}
	}
}

// manageChannelOpen is MANAGE CHANNEL opening the channel the card picks,
// its number the one byte asked for (ISO/IEC 7816-4 §11.1.2).
var manageChannelOpen = []byte{0x00, apdu.InsManageChannel, 0x00, 0x00, 0x01}

// openedIn reads the answer t begins inside (its command above the
// excerpt) as the open of a logical channel, and which: a +CCHO's
// session id (TS 27.007 §8.45) of a channel's number, or a +CSIM answer
// that is a MANAGE CHANNEL open's, the channel's number and 9000 (ISO/IEC
// 7816-4 §11.1.2; csim true), each followed by OK. src is the entry
// that says so. The command gone, nothing else tells the replay that the
// channel the host goes on to use is open.
func openedIn(t *fieldlog.Transcript) (ch int, csim bool, src int, ok bool) {
	found := false
	for k, e := range t.Entries {
		if !e.OpenAnswer {
			if found {
				break
			}
			continue
		}
		text := strings.TrimSpace(e.Verbose())
		if found {
			if text == "OK" {
				return ch, csim, src, true
			}
			continue
		}
		if id, form, isID := personality.ParseCCHO(text); isID && form == personality.CCHOPrefixed {
			ch, _ = strconv.Atoi(id)
			found, src = true, k
		} else if a, isCSIM, err := at.ParseHexAnswer(text, "+CSIM"); isCSIM && err == nil &&
			len(a.Data) == 3 && a.Data[0] >= 1 && a.Data[0] <= 19 && a.Data[1] == 0x90 && a.Data[2] == 0x00 {
			ch, csim, found, src = int(a.Data[0]), true, true, k
		}
	}
	return 0, false, 0, false
}

// overCGLA makes the logs replayable when none has an AT command but one
// shows the card's APDUs (lpac under its pcsc, qmi or mbim backend): those
// logs are replaced by the AT conversation that carries the same APDUs
// over the modem (fieldlog.OverCGLA). It returns the logical channels used.
func (p *Plan) overCGLA() ([]int, error) {
	f := p.Fixture
	if slices.ContainsFunc(f.Logs, func(t *fieldlog.Transcript) bool { return len(t.Commands()) > 0 }) {
		return nil, nil
	}
	// The plan's fixture holds the conversation over AT; the caller's
	// keeps its logs as read (a draft reconstructs it once per
	// personality it tries).
	clone := *f
	clone.Logs = slices.Clone(f.Logs)
	p.Fixture = &clone
	var all []int
	for i, t := range f.Logs {
		at, channels, ok, err := fieldlog.OverCGLA(t)
		if err != nil {
			return nil, fmt.Errorf("%s: carrying its APDUs over AT: %w", t.File, err)
		}
		if !ok {
			continue
		}
		clone.Logs[i] = at
		for _, c := range channels {
			if !slices.Contains(all, c) {
				all = append(all, c)
			}
		}
		p.assume("%s shows the card's APDUs and no AT command (an LPA's own transport: PC/SC, QMI, MBIM): the replay carries each APDU in AT+CGLA on its logical channel (AT+CSIM on the basic one), "+
			"after opening the ISD-R with AT+CCHO; the backend's transport itself is not emulated, and each answer is compared by what it says", t.File)
	}
	return all, nil
}

// lineRuns names ascending log lines, runs as ranges: "line 4",
// "lines 1–3, 5".
func lineRuns(lines []int) string {
	var runs []string
	for i := 0; i < len(lines); {
		j := i
		for j+1 < len(lines) && lines[j+1] == lines[j]+1 {
			j++
		}
		if j > i {
			runs = append(runs, fmt.Sprintf("%d–%d", lines[i], lines[j]))
		} else {
			runs = append(runs, strconv.Itoa(lines[i]))
		}
		i = j + 1
	}
	if len(lines) == 1 {
		return "line " + runs[0]
	}
	return "lines " + strings.Join(runs, ", ")
}

func (p *Plan) assume(format string, args ...any) {
	p.Assumptions = append(p.Assumptions, fmt.Sprintf(format, args...))
}

// askFor is assume for what the user should state in the manifest.
func (p *Plan) askFor(format string, args ...any) {
	p.assume(format, args...)
	if strings.Contains(p.Assumptions[len(p.Assumptions)-1], "give the manifest faults") {
		// The advice must not cost what the logs showed (outside tester
		// sw79: following it dropped the card's absence the replay had
		// reproduced the failure with).
		p.Assumptions[len(p.Assumptions)-1] += "; a manifest's faults replace all those the logs give (-v lists them): keep those in its list too"
	}
	p.ToDo = append(p.ToDo, p.Assumptions[len(p.Assumptions)-1])
}

// quirkFields are the personality fields the logs may show that a field
// device adds to its dialect; the others belong to the dialect itself.
var quirkFields = map[string]bool{
	"cgla_max_apdu": true, "cgla_refused": true, "cchc_bare_line": true, "test_answers": true,
	"echo_joins_previous": true, "refresh_ignored": true, "location_hex": true, "boot_urcs": true, "refresh_urcs": true,
	"apdu_answer_no_space": true, "ccho_no_space": true, "cgla_passes_61xx": true, "hides_91xx": true, "cgla_closed_error": true, "no_test_forms": true,
	"no_cchc": true, "csim_only": true, "reg_no_act": true, "searching_urc": true, "no_service_stat": true, "cops_reject_error": true,
	"cfun0_keeps_card": true, "refresh_delay": true, "refresh_stat": true, "csim_open_repeats_6cxx": true,
	"restart_delay": true, "restart_searching": true, "abnormal_reject_moves_on": true, "iccid_filler": true,
}

// dialect lays the manifest's quirks over the personality, then holds it
// against what the logs show: a quirk the logs show and the manifest does
// not state is added (and said); anything the manifest states that the
// logs contradict is an error.
func (p *Plan) dialect(base personality.Personality) error {
	m := p.Fixture.Manifest
	eff := base
	stated := map[string]*yaml.Node{}
	if q := m.Device.Quirks; q != nil {
		var err error
		if eff, err = base.OverrideNode(m.File, q); err != nil {
			return m.quirkErr(q, err)
		}
		for i := 0; i+1 < len(q.Content); i += 2 {
			stated[q.Content[i].Value] = q.Content[i]
			if q.Content[i].Value == "test_answers" {
				for j := 0; j+1 < len(q.Content[i+1].Content); j += 2 {
					stated["test_answers."+q.Content[i+1].Content[j].Value] = q.Content[i+1].Content[j]
				}
			}
		}
	}
	added := map[string]string{}
	addedTests := map[string]string{}
	seen := map[string]bool{}
	for _, ev := range p.Facts.Dialect {
		key := ev.Field
		if seen[key] && key != "cgla_max_apdu" {
			continue // the first occurrence speaks
		}
		seen[key] = true
		have, agrees := dialectHas(eff, ev)
		if key == "refresh_delay" {
			have, agrees = refreshDelayAgrees(eff, p.Facts.RefreshBounds)
		}
		if agrees {
			continue
		}
		field := strings.SplitN(key, ".", 2)[0]
		accepts := key == "cgla_accepts"
		if (accepts || key == "cgla_max_apdu") && eff.CGLARefused {
			// A +CGLA that reached the card contradicts cgla_refused.
			key, field = "cgla_refused", "cgla_refused"
		} else if accepts {
			key, field = "cgla_max_apdu", "cgla_max_apdu"
		}
		// The quirk as a manifest states it: no_test_forms once for every
		// command's test form, the others by their key.
		name := key
		if field == "no_test_forms" {
			name = field
		}
		if n := stated[key]; n != nil || stated[field] != nil && field != "test_answers" {
			if n == nil {
				n = stated[field]
			}
			return p.contradiction(n, "device.quirks."+name, ev, have)
		}
		if !quirkFields[field] || accepts || key != ev.Field {
			return p.contradiction(m.Node("device.personality"), "device.personality", ev,
				fmt.Sprintf("personality %s, %s", base.Name, have))
		}
		if field == "test_answers" {
			addedTests[strings.TrimPrefix(key, "test_answers.")] = ev.Value
		} else {
			added[name] = ev.Value
		}
		p.assume("device.quirks.%s: %s — %s (%s)", name, yamlScalar(ev.Value), ev.Why, ev.Src)
	}
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(added)) {
		v := yamlScalar(added[k])
		if k == "boot_urcs" || k == "refresh_urcs" {
			v = added[k] // a JSON array: a YAML flow sequence as it is
		}
		fmt.Fprintf(&b, "%s: %s\n", k, v)
	}
	if len(addedTests) > 0 {
		b.WriteString("test_answers:\n")
		for _, k := range slices.Sorted(maps.Keys(addedTests)) {
			fmt.Fprintf(&b, "  %s: %s\n", strconv.Quote(k), strconv.Quote(addedTests[k]))
		}
	}
	if b.Len() > 0 {
		var err error
		if eff, err = eff.Override("derived quirks", []byte(b.String())); err != nil {
			return fmt.Errorf("%s: the quirks the logs show do not make a personality: %v", m.File, err)
		}
	}
	p.Dialect = eff
	p.DialectYAML = dialectFile(m, base, b.String())
	return nil
}

// refreshDelayAgrees says whether d's refresh_delay fits what the logs'
// times show: longer than the host's channel stayed open, no longer than
// the reset's sign came (outside tester sw81: 5 s stated against a reset
// the log shows 1.5 s after the enable was taken).
func refreshDelayAgrees(d personality.Personality, b struct{ Min, Max time.Duration }) (string, bool) {
	have := "refresh_delay " + d.RefreshDelay.String() + " (the logs' times allow more than " + b.Min.String()
	if b.Max > 0 {
		have += ", up to " + b.Max.String()
	}
	return have + ", from the enable's command)", d.RefreshDelay > b.Min && (b.Max == 0 || d.RefreshDelay <= b.Max)
}

// dialectHas says whether personality d does what the evidence shows,
// and what it does.
func dialectHas(d personality.Personality, ev Evidence) (string, bool) {
	switch f, key, _ := strings.Cut(ev.Field, "."); f {
	case "ccho_form":
		return "ccho_form " + d.CCHOForm, d.CCHOForm == ev.Value
	case "cchc_bare_line":
		return "cchc_bare_line " + strconv.FormatBool(d.CCHCBareLine), strconv.FormatBool(d.CCHCBareLine) == ev.Value
	case "test_answers":
		have := d.TestAnswers[key]
		return fmt.Sprintf("%s=? answering %q", key, have), have == ev.Value
	case "no_test_forms":
		// The evidence is the modem's (personality.TestFormVerdicts), not
		// one command's: whether d has the command is another field's. A
		// refusal of a command the logs show no otherwise
		// (Facts.refusedTestForms) agrees with a d that lacks it.
		if ev.Value == "true" && !d.NoTestForms && !d.Supports(key) {
			return key + " not emulated", true
		}
		return "no_test_forms " + strconv.FormatBool(d.NoTestForms), strconv.FormatBool(d.NoTestForms) == ev.Value
	case "echo_joins_previous":
		return "echo_joins_previous " + strconv.FormatBool(d.EchoJoinsPrevious), d.EchoJoinsPrevious
	case "cgla_refused":
		return "cgla_refused " + strconv.FormatBool(d.CGLARefused), d.CGLARefused
	case "apdu_answer_no_space":
		return "apdu_answer_no_space " + strconv.FormatBool(d.APDUAnswerNoSpace), strconv.FormatBool(d.APDUAnswerNoSpace) == ev.Value
	case "ccho_no_space":
		return "ccho_no_space " + strconv.FormatBool(d.CCHONoSpace), strconv.FormatBool(d.CCHONoSpace) == ev.Value
	case "no_cchc":
		return "no_cchc " + strconv.FormatBool(d.NoCCHC), strconv.FormatBool(d.NoCCHC) == ev.Value
	case "csim_only":
		return "csim_only " + strconv.FormatBool(d.CSIMOnly), strconv.FormatBool(d.CSIMOnly) == ev.Value
	case "cgla_passes_61xx":
		return "cgla_passes_61xx " + strconv.FormatBool(d.CGLAPasses61xx), d.CGLAPasses61xx
	case "csim_open_repeats_6cxx":
		return "csim_open_repeats_6cxx " + strconv.FormatBool(d.CSIMOpenRepeats6Cxx), strconv.FormatBool(d.CSIMOpenRepeats6Cxx) == ev.Value
	case "cgla_max_apdu":
		n, _ := strconv.Atoi(ev.Value)
		if d.CGLARefused {
			return "cgla_refused true", false
		}
		return fmt.Sprintf("cgla_max_apdu %d", d.CGLAMaxAPDU), d.CGLAMaxAPDU >= n && d.CGLAMaxAPDU > 0 && (ev.Below == 0 || d.CGLAMaxAPDU < ev.Below)
	case "cgla_accepts":
		n, _ := strconv.Atoi(ev.Value)
		if d.CGLARefused {
			return "cgla_refused true", false
		}
		return fmt.Sprintf("cgla_max_apdu %d", d.CGLAMaxAPDU), d.CGLAMaxAPDU == 0 || d.CGLAMaxAPDU >= n
	case "reg_no_act":
		return "reg_no_act " + strconv.FormatBool(d.RegNoAcT), strconv.FormatBool(d.RegNoAcT) == ev.Value
	case "searching_urc":
		return "searching_urc " + strconv.FormatBool(d.SearchingURC), strconv.FormatBool(d.SearchingURC) == ev.Value
	case "cops_reject_error":
		return fmt.Sprintf("cops_reject_error %d", d.COPSRejectError), strconv.Itoa(d.COPSRejectError) == ev.Value
	case "cgla_closed_error":
		return fmt.Sprintf("cgla_closed_error %d", d.CGLAClosedError), strconv.Itoa(d.CGLAClosedError) == ev.Value
	case "hides_91xx":
		return "hides_91xx " + strconv.FormatBool(d.Hides91xx), strconv.FormatBool(d.Hides91xx) == ev.Value
	case "refresh_ignored":
		return "refresh_ignored " + strconv.FormatBool(d.RefreshIgnored), strconv.FormatBool(d.RefreshIgnored) == ev.Value
	case "no_service_stat":
		have := "2"
		if d.NoServiceStat0 {
			have = "0"
		}
		return "no_service_stat " + have, have == ev.Value
	case "refresh_stat":
		have := "0"
		if d.RefreshSearching {
			have = "2"
		}
		return "refresh_stat " + have, have == ev.Value
	case "cfun0_keeps_card":
		return "cfun0_keeps_card " + strconv.FormatBool(d.CFUN0KeepsCard), strconv.FormatBool(d.CFUN0KeepsCard) == ev.Value
	case "restart_searching":
		return "restart_searching " + strconv.FormatBool(d.RestartSearching), strconv.FormatBool(d.RestartSearching) == ev.Value
	case "abnormal_reject_moves_on":
		return "abnormal_reject_moves_on " + strconv.FormatBool(d.AbnormalRejectMovesOn), strconv.FormatBool(d.AbnormalRejectMovesOn) == ev.Value
	case "location_hex":
		have := d.LocationHex
		if have == "" {
			have = personality.HexLower
		}
		return "location_hex " + have, have == ev.Value
	case "iccid_filler":
		have := d.ICCIDFiller
		if have == "" {
			have = personality.FillerStrip
		}
		return "iccid_filler " + have, have == ev.Value
	case "iccid_prefix":
		return fmt.Sprintf("iccid_prefix %q", d.ICCIDPrefix), strings.TrimSpace(d.ICCIDPrefix) == strings.TrimSpace(ev.Value)
	case "refresh_urcs":
		var list []string
		_ = json.Unmarshal([]byte(ev.Value), &list)
		have, _ := json.Marshal(d.RefreshURCs)
		return "refresh_urcs " + string(have), slices.Equal(d.RefreshURCs, list)
	case "boot_urcs":
		var list []string
		_ = json.Unmarshal([]byte(ev.Value), &list)
		have, _ := json.Marshal(d.BootURCs)
		return "boot_urcs " + string(have), slices.Equal(d.BootURCs, list)
	case "restart_delay":
		want, _ := time.ParseDuration(ev.Value)
		return "restart_delay " + d.RestartDelay.String(), d.RestartDelay == want
	}
	return "", true
}

func (p *Plan) contradiction(n *yaml.Node, path string, ev Evidence, have string) error {
	return p.Fixture.Manifest.errAt(n, path, "contradicts %s: %s; the manifest's %s: %s", ev.Src, ev.Why, path, have)
}

// dialectFile writes the device's dialect as a personality file.
func dialectFile(m *Manifest, base personality.Personality, derived string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# The dialect of the device of %s: %s with the quirks below\n# (the manifest's, then those the logs show).\n", m.File, base.Name)
	fmt.Fprintf(&b, "name: %s\nbase: %s\n", base.Name, base.Name)
	if q := m.Device.Quirks; q != nil {
		b.Write(quirkYAML(q))
	}
	b.WriteString(derived)
	return []byte(b.String())
}

func yamlScalar(s string) string {
	if _, err := strconv.Atoi(s); err == nil || s == "true" || s == "false" {
		return s
	}
	return strconv.Quote(s)
}

// hostState says what the host had set before the logs begin, so the
// replay sets it first.
func (p *Plan) hostState() {
	h := p.Facts.Host
	// What the module kept across a restart the logs show, it had stored
	// with AT&W: the replay stores the same first.
	storedCEREG := h.StoredCEREG != nil && h.CEREG > 0
	var storedReg []string // +CREG, +CGREG
	for _, name := range []string{"+CREG", "+CGREG"} {
		if s, ok := h.RegN[name]; ok && s.N > 0 && s.Stored {
			storedReg = append(storedReg, name)
		}
	}
	if h.StoredNoEcho != nil || h.StoredNumeric != nil || storedCEREG || len(storedReg) > 0 {
		if h.StoredNoEcho != nil {
			p.Preamble = append(p.Preamble, "ATE0")
			p.assume("the module had echo off stored (AT&W): %s, the first command after a restart, shows no echo; the replay stores it first", *h.StoredNoEcho)
		}
		if h.StoredNumeric != nil {
			p.Preamble = append(p.Preamble, "ATV0")
			p.assume("the modem's stored profile answers in digits (ATV0 stored before the log began): %s answers in digits after a boot or an ATZ the logs show no AT&W before; the replay stores ATV0 first", *h.StoredNumeric)
		}
		if storedCEREG {
			p.Preamble = append(p.Preamble, fmt.Sprintf("AT+CEREG=%d", h.CEREG))
			p.assume("the module had its +CEREG URCs stored (AT&W): %s follows a restart the host did not set +CEREG after; the replay stores n=%d first", *h.StoredCEREG, h.CEREG)
		}
		for _, name := range storedReg {
			s := h.RegN[name]
			p.Preamble = append(p.Preamble, fmt.Sprintf("AT%s=%d", name, s.N))
			p.assume("the module had its %s URCs stored (AT&W): %s shows n=%d after an ATZ or a restart the host did not set %s after; the replay stores it first", name, s.Src, s.N, name)
		}
		p.Preamble = append(p.Preamble, "AT&W")
		if h.StoredNoEcho != nil && h.Echo != nil && *h.Echo {
			p.Preamble = append(p.Preamble, "ATE1")
		}
		if h.StoredNumeric != nil && h.Numeric == nil {
			// The logs begin in words (or show no result before the
			// boot): the host had set ATV1 over the stored profile.
			p.Preamble = append(p.Preamble, "ATV1")
		}
	}
	if h.Echo != nil && !*h.Echo && h.StoredNoEcho == nil {
		p.Preamble = append(p.Preamble, "ATE0")
		p.assume("echo was off when the logs begin (%s shows no echo): the replay sends ATE0 first", h.EchoSrc)
	}
	if h.Numeric != nil {
		if h.StoredNumeric == nil { // else stored above, and in force
			p.Preamble = append(p.Preamble, "ATV0")
		}
		p.assume("result codes were numeric (ATV0) when the logs begin (%s answers in digits and no ATV comes before it): the replay sends ATV0 first", *h.Numeric)
	}
	if h.CMEE > 0 {
		p.Preamble = append(p.Preamble, fmt.Sprintf("AT+CMEE=%d", h.CMEE))
		by := "the error form"
		if h.CMEERead {
			by = "the read"
		}
		p.assume("+CMEE was %d when the logs begin (%s at %s): the replay sets it first", h.CMEE, by, h.CMEESrc)
	}
	// The emulated modem names the operator by number until told
	// otherwise; real ones mostly by name (27.007 leaves it to them).
	if h.COPS >= 0 && h.COPS != 2 {
		p.Preamble = append(p.Preamble, fmt.Sprintf("AT+COPS=3,%d", h.COPS))
		p.assume("+COPS? named the operator in format %d (%s) when the logs begin (%s): the replay sets it first", h.COPS, copsFormats[h.COPS], h.COPSSrc)
	}
	if h.CEREG > 0 {
		p.Preamble = append(p.Preamble, fmt.Sprintf("AT+CEREG=%d", h.CEREG))
		p.assume("+CEREG URCs were on (n=%d, the form at %s) when the logs begin: the replay sets them first", h.CEREG, h.CEREGSrc)
	}
	if h.Fun == 0 || h.Fun == 4 {
		// Last: the radio goes off with the host's settings made.
		defer func() {
			p.Preamble = append(p.Preamble, fmt.Sprintf("AT+CFUN=%d", h.Fun))
			p.assume("the modem was at +CFUN: %d when the logs begin (%s): the replay sets it first", h.Fun, h.FunSrc)
		}()
	}
	for _, name := range []string{"+CREG", "+CGREG"} {
		if s, ok := h.RegN[name]; ok && s.N > 0 && !s.Stored {
			p.Preamble = append(p.Preamble, fmt.Sprintf("AT%s=%d", name, s.N))
			p.assume("%s URCs were on (n=%d, the form at %s) when the logs begin: the replay sets them first", name, s.N, s.Src)
		}
	}
	p.detachedAtStart()
}

// hostAttach is a command that starts an attach the emulated modem makes
// at once (+COPS=0, +CGATT=1, +CGACT=1), and the one that undoes it.
var hostAttach = regexp.MustCompile(`(?i)^AT\+(?:(COPS)=0|CGATT=1|CGACT=1)(?:,|$)`)

// detachedAtStart: when the first registration line the logs show is the
// outcome of the host's attach command (a URC after it, searching or
// registered, on the way to a registration), the device was not attached
// when the logs begin. The emulated modem attaches at power-on by itself
// and, attached, answers such a command with nothing, so the replay
// detaches it first and the host's command makes the attach, whose URCs
// it then sends (the scan first under searching_urc).
func (p *Plan) detachedAtStart() {
	regs := p.Facts.Regs
	if len(regs) == 0 || !regs[0].URC {
		return
	}
	r := regs[0]
	reg := slices.IndexFunc(regs, func(n Reg) bool { return n.Stat == 1 || n.Stat == 5 })
	if reg < 0 || slices.ContainsFunc(regs[:reg], func(n Reg) bool { return n.Stat != 2 }) {
		return // not a search that ends registered
	}
	f := p.Fixture
	li := f.LogIndex(r.Src.File)
	if li < 0 {
		return
	}
	t := f.Logs[li]
	at := slices.IndexFunc(t.Entries, func(e fieldlog.Entry) bool { return e.Line == r.Src.Line })
	cmd := -1
	for k := at - 1; k >= 0; k-- {
		if t.Entries[k].Role == fieldlog.Command {
			cmd = k
			break
		}
	}
	if at < 0 || cmd < 0 || !finalOK(t, cmd) || r.At-f.EntryTime(li, cmd) > maxAttachDelay {
		return
	}
	m := hostAttach.FindStringSubmatch(t.Entries[cmd].Text)
	if m == nil {
		return
	}
	detach := "AT+CGATT=0"
	if m[1] != "" {
		detach = "AT+COPS=2"
	}
	p.Preamble = append(p.Preamble, detach)
	p.detached = true
	p.assume("the device was not attached when the logs begin: the first registration they show (%s) comes of the host's %s (%s:%d), on the way to the registration at %s; the emulated modem attaches at power-on by itself, so the replay detaches it first (%s) and the host's command makes the attach",
		r.Src, t.Entries[cmd].Text, t.File, t.Entries[cmd].Line, regs[reg].Src, detach)
}

// copsFormats names +COPS's <format>s (TS 27.007 §7.3).
var copsFormats = []string{"long alphanumeric", "short alphanumeric", "numeric"}

// attachDelay measures how long attaches took in the logs: from a
// REFRESH's or power-on's trace (the card read again) to the modem's next
// registration or denial, or to its "searching" when no network answered;
// the median of them.
func (p *Plan) attachDelay() time.Duration {
	var ds []time.Duration
	fs := p.Facts
	starts := append(append(append([]Obs(nil), fs.Refreshes...), fs.Boots...), fs.Rebooted...)
	for _, st := range starts {
		for _, r := range fs.Regs {
			if r.At < st.At || !r.URC || r.Stat == 0 || r.Stat == 2 && (p.Dialect.SearchingURC || p.Dialect.RefreshSearching) {
				// A modem that shows its scan (searching_urc), or a
				// switch's detach as one (refresh_stat 2), attaches when
				// the outcome shows.
				continue
			}
			if d := r.At - st.At; (r.Stat == 1 || r.Stat == 5 || r.Stat == 3 || r.Stat == 2) && d > 0 && d < maxAttachDelay {
				ds = append(ds, d)
			}
			break
		}
	}
	what := "after the card is read again"
	if p.Dialect.RestartSearching {
		// A T3411 restart shown as searching (restart_searching) is an
		// attach too, its outcome the next registration URC.
		for i, r := range fs.Regs {
			if _, ok := fs.restartScanAt(i); !ok || i+1 >= len(fs.Regs) {
				continue
			}
			if n := fs.Regs[i+1]; n.URC && n.Stat != 2 && n.Stat != 0 && n.At > r.At && n.At-r.At < maxAttachDelay {
				ds = append(ds, n.At-r.At)
				what = "after the card is read again or a T3411 restart shows"
			}
		}
	}
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	d := ds[len(ds)/2].Round(time.Millisecond)
	p.assume("an attach takes %v %s, the median of the %d the logs show", d, what, len(ds))
	return d
}

// answersAt says whether the answer of command k of t (its lines up to
// the next command, URCs among them not counted) holds line.
func answersAt(t *fieldlog.Transcript, k, line int) bool {
	for j := k + 1; j < len(t.Entries) && t.Entries[j].Role != fieldlog.Command; j++ {
		if t.Entries[j].Line == line && t.Entries[j].Role != fieldlog.URC {
			return true
		}
	}
	return false
}

// preBootSkip starts the reason a command sent before the module was up
// is not played.
const preBootSkip = "sent before the modem was up"

// steps lays the host's commands on the run's clock.
func (p *Plan) steps(o Options) {
	f := p.Fixture
	last := p.Start + f.End() // the last step's time
	var swapped []string      // vendor restarts played as the personality's own
	for li, t := range f.Logs {
		var prev *Step // the log's previous command
		// A log without times does not show how long a restart took: the
		// commands after one are played once the emulated modem is back
		// (its restart, then the warm-up a log's start is given).
		var restarted time.Duration
		refreshSigns := p.Facts.RefreshSigns // a log without times: see below
		for k, e := range t.Entries {
			if e.Role != fieldlog.Command {
				continue
			}
			line := e.Text
			if i := strings.Index(line, " (ignored: "); i >= 0 {
				line = line[:i]
			}
			for len(refreshSigns) > 0 && t.Clock == fieldlog.NoTime && refreshSigns[0].File == t.File &&
				(e.Line > refreshSigns[0].Line || answersAt(t, k, refreshSigns[0].Line)) {
				// The card's reset the log shows (after the host's
				// channel command, refresh_delay) comes before the
				// commands from there on — the one whose answer shows it
				// (a new ICCID read) included —, as the log orders them
				// (outside testers sw81, sw84: at one instant they read
				// the old ICCID before the REFRESH).
				sign := refreshSigns[0]
				refreshSigns = refreshSigns[1:]
				restarted += p.Dialect.RefreshDelay + warmUp
				p.assume("%s has no times: the commands from the card's reset at %s on are played %v later, once the emulated modem has carried the REFRESH out (refresh_delay %v) and warmed up (%v)",
					t.File, sign, p.Dialect.RefreshDelay+warmUp, p.Dialect.RefreshDelay, warmUp)
			}
			s := Step{At: p.Start + f.EntryTime(li, k) + restarted, Line: p.withStandIns(line), Log: li, Entry: k, Src: Src{t.File, e.Line}}
			if cutCommand(t, k) != "" || cutPart(t, k) > 0 {
				// Sent cut, the emulated modem would refuse what the
				// field modem took whole (CutLimits says so); what
				// continues it (the GET RESPONSE of its 61xx, its chain's
				// next block) the emulated card, never having had it,
				// would refuse too.
				s.Skip = cutSkip
				if cutPart(t, k) > 0 {
					s.Skip = fmt.Sprintf(cutPartSkip, cutPart(t, k))
				}
				p.Steps = append(p.Steps, s)
				prev = &p.Steps[len(p.Steps)-1]
				continue
			}
			if p.PowerOn && slices.Contains(p.Facts.PreBoot, entryAt{li, k}) {
				s.Skip = fmt.Sprintf("%s (its boot: %s), left unanswered", preBootSkip, p.Facts.PowerOn.Src)
				p.Steps = append(p.Steps, s)
				continue
			}
			if slices.Contains(p.Facts.Unready, entryAt{li, k}) && !fieldlog.ControlOnly(line) {
				s.Skip = unreadySkip
				p.Steps = append(p.Steps, s)
				continue
			}
			if p.inHangTie(li, k, f.EntryTime(li, k)) {
				s.At += time.Nanosecond
			}
			last = max(last, s.At)
			if v := at.VendorRestartLine(line); v != "" && finalOK(t, k) && !slices.Contains(p.Dialect.VendorRestarts, "AT"+v) {
				// A vendor's restart the personality lacks (a Telit's
				// AT#REBOOT): the emulated modem would refuse it, and the
				// restart is the fact that matters, so its own is played
				// (dialect.RestartLines: an nRF91 takes no AT+CFUN=1,1).
				own := dialect.RestartLines(p.Dialect)
				s.Before, s.Line = own[:len(own)-1], own[len(own)-1]
				swapped = append(swapped, s.Src.String()+" "+line)
			}
			if t.Clock == fieldlog.NoTime && at.Restarts(line) && finalOK(t, k) {
				what := "AT+CFUN=1,1"
				if !strings.EqualFold(line, what) {
					what = line
				}
				restarted += p.Dialect.RestartDelay + warmUp
				p.assume("%s has no times: the commands after %s (%s) are played %v later, once the emulated modem has restarted (%v) and warmed up (%v)",
					t.File, what, s.Src, p.Dialect.RestartDelay+warmUp, p.Dialect.RestartDelay, warmUp)
			}
			if m := copsSelect.FindStringSubmatch(line); t.Clock == fieldlog.NoTime && m != nil && m[1] != "0" && m[3] != "" && hasFinal(t, k) {
				// The emulated modem answers a manual selection once its
				// attempt ends (an attach's time, and for one the network
				// left unanswered its five tries, T3410 and T3411: TS
				// 24.301 §5.5.1.2.6): the field host waited for it.
				wait := max(maxAttachTime, p.AttachDelay)
				if c, ok := at.Classify(FinalOf(t, k)).CME(); ok && c == 31 {
					wait += attachRun
				}
				restarted += wait
				p.assume("%s has no times: the commands after the manual selection %s are played %v later, once the emulated modem has answered it (its registration attempt ends first)",
					t.File, s.Src, wait)
			}
			if o.Emulated != nil {
				_, isCommand := commandNames(line)
				switch missing := NotEmulated(s.Line, o.Emulated, p.Dialect); {
				case missing != "":
					s.Skip = missing + " is not emulated"
				case !isCommand && prev != nil && prev.Skip != "":
					// The text after a "> " prompt (an SMS PDU) belongs to
					// the command before it: without that command the
					// modem would read it as a command line of its own.
					s.Skip = "the text of " + prev.Line + ", which is not played"
				case !isCommand && fieldlog.ControlOnly(line) && len(t.Answer(k)) == 0:
					// No command line at all, left unanswered: gammu's
					// ESC CR to leave an SMS prompt it may have left
					// open. The emulated modem takes no line in from it
					// (at.Splitter drops it, as modules ignore it), so
					// playing it would leave the replay waiting.
					s.Skip = unansweredNoCommand
				}
			}
			p.Steps = append(p.Steps, s)
			prev = &p.Steps[len(p.Steps)-1]
		}
	}
	slices.SortStableFunc(p.Steps, func(a, b Step) int { return int(a.At - b.At) })
	var skipped, noCommand, unready []string
	for _, s := range p.Steps {
		switch {
		case s.Skip == unansweredNoCommand:
			noCommand = append(noCommand, s.Src.String())
		case s.Skip == unreadySkip:
			unready = append(unready, s.Src.String())
		case strings.HasPrefix(s.Skip, preBootSkip), s.Skip == cutSkip, cutPart(f.Logs[s.Log], s.Entry) > 0 && s.Skip != "":
			// Said with the power-on; said one by one.
		case s.Skip != "":
			skipped = append(skipped, s.Src.String())
		}
	}
	if len(swapped) > 0 {
		p.assume("%d restart command(s) the %s personality does not take are played as %s, its own restart, the restart being the fact that matters (%s)",
			len(swapped), p.Dialect.Name, strings.Join(dialect.RestartLines(p.Dialect), " then "), strings.Join(clipList(swapped, 6), ", "))
	}
	if len(skipped) > 0 {
		p.assume("%d command(s) the emulated modem does not implement are not played, their exchanges not compared (%s)", len(skipped), strings.Join(clipList(skipped, 6), ", "))
	}
	if len(unready) > 0 {
		p.assume("the logs open with %d command(s) the field modem left unanswered before it answered any (%s): it was still powering on (the logs show no boot URC to say when it came up), or the paste begins in the middle of an exchange; the replay does not play them", len(unready), strings.Join(clipList(unready, 6), ", "))
	}
	if len(noCommand) > 0 {
		p.assume("%d line(s) of control characters alone (gammu's ESC to leave an SMS prompt), no command line, which the field modem left unanswered, are not played (%s)", len(noCommand), strings.Join(clipList(noCommand, 6), ", "))
	}
	p.End = last + tail
}

// Unplayed is the step not played whose exchange holds src (its command
// line, or a line of its answer): nothing of it is compared, so a
// failure there can be neither reproduced nor shown fixed.
func (p *Plan) Unplayed(src Src) (Step, bool) {
	for _, s := range p.Steps {
		if s.Skip == "" || s.Src.File != src.File {
			continue
		}
		if s.Src.Line == src.Line {
			return s, true
		}
		t := p.Fixture.Logs[s.Log]
		if slices.ContainsFunc(t.Answer(s.Entry), func(e fieldlog.Entry) bool { return e.Line == src.Line }) {
			return s, true
		}
	}
	return Step{}, false
}

// finalOK reports that command k of t was answered OK.
func finalOK(t *fieldlog.Transcript, k int) bool {
	a := t.Answer(k)
	return len(a) > 0 && a[len(a)-1].Role == fieldlog.Final && a[len(a)-1].Verbose() == "OK"
}

func clipList(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(s[:n:n], fmt.Sprintf("and %d more", len(s)-n))
}

// cutSkip is why a command line the log cut, which the field modem
// answered whole, is not played.
const cutSkip = "its line lost bytes in the log, though the field modem took it whole"

// cutPartSkip is why a command that continues a cut one (cutPart) is not
// played; its argument is the cut command's line.
const cutPartSkip = "it continues the command at line %d, whose line lost bytes in the log and is not played"

// overlongCommand refuses a command whose line the log holds only as
// the harness's placeholder for a line over its bound
// (fieldlog.OverlongLine): the text the host sent is lost, so nothing
// can play it, and sent as it stands the placeholder would be a command
// of its own. Unlike a cut +CGLA (cutCommand), no answer tells what it
// did, and even one answered ERROR may have run the commands before the
// one refused (V.250 §5.6 ends a line at the first error).
func overlongCommand(f *Fixture) error {
	for i, t := range f.Logs {
		for _, e := range t.Entries {
			if e.Role == fieldlog.Command && strings.TrimSpace(e.Text) == fieldlog.OverlongLine {
				return LogsCannot{&Error{File: t.File, Line: e.Line, Path: fmt.Sprintf("logs[%d]", i), Msg: fmt.Sprintf(
					"line %d was cut in the log (%q stands for a line over the recorder's bound): its command cannot be replayed; cut the log before it, or put the command back from another record of the session", e.Line, fieldlog.OverlongLine)}}
			}
		}
	}
	return nil
}

// cutCommand says why command k of t is a line the log cut: its hex is no
// APDU for bytes lost, yet the field modem answered it with a well-formed answer (data,
// or a status word that is no error) and OK, which a modem gives only to
// a whole APDU (a length or hex it cannot take is an error, TS 27.007
// §8.17, §8.43): the log lost bytes, not the modem. "" otherwise: a
// command the modem refused was sent as the log shows it.
func cutCommand(t *fieldlog.Transcript, k int) string {
	c := t.Entries[k].APDU
	if c == nil || c.Response || c.Ins != "malformed" || !finalOK(t, k) {
		return ""
	}
	// Bytes lost, not bytes too many: hex that is no whole bytes, an Lc
	// its data does not fill, a closing quote gone. (An APDU longer than
	// its Lc is no cut: a modem that took it took it as it stands.)
	raw := c.Raw
	lost := c.Malformed != "" || strings.Count(t.Entries[k].Text, `"`)%2 == 1 ||
		len(raw) > 5 && raw[4] != 0 && len(raw)-5 < int(raw[4])
	if !lost {
		return ""
	}
	for _, e := range t.Answer(k) {
		a := e.APDU
		if a == nil || !a.Response || a.Malformed != "" || len(a.Raw) < 2 {
			continue
		}
		sw := uint16(a.Raw[len(a.Raw)-2])<<8 | uint16(a.Raw[len(a.Raw)-1])
		if len(a.Raw) == 2 && apdu.Failed(sw) {
			return ""
		}
		what := fmt.Sprintf("SW %04X", sw)
		if a.Summary != "" {
			what = a.Summary
		}
		off := ""
		if c.LengthOff != "" {
			off = "; " + c.LengthOff
		}
		return fmt.Sprintf("the command line lost bytes in the log (%s%s), though the field modem answered it at line %d (%s) and OK, so it got a whole command; its answer is taken as the field card gave it",
			c.Summary, off, e.Line, what)
	}
	return ""
}

// cutPart is the line of the cut command (cutCommand) that command k of
// t continues, 0 for none (fieldlog.APDU.CutAt).
func cutPart(t *fieldlog.Transcript, k int) int {
	if a := t.Entries[k].APDU; a != nil {
		return a.CutAt
	}
	return 0
}

// MidChainLimits names the first STORE DATA block of each log whose
// block 0 the log does not hold and that the field card answered other
// than a card with nothing open does (cardtrace.HostError, the rule of
// every reader): a command that began before the log, which the
// emulated card, never having seen its start, refuses (6A86) where the
// field card took it, or refused it for its data (6A80: it had block 0;
// outside tester t178 N4). A limit, so the draft prints it even while
// something else stops it (outside tester t166 F9: only replay -v said
// it).
func MidChainLimits(f *Fixture) []Limit {
	if f == nil {
		return nil
	}
	var out []Limit
	for _, t := range f.Logs {
		for k, e := range t.Entries {
			a := e.APDU
			if e.Role != fieldlog.Command || a == nil || a.Ins != "STORE DATA" || a.Block == 0 || !a.NoRequest || a.HostError {
				continue
			}
			sw := cardSW(t, k)
			if sw == "" {
				continue // no answer in the log: nothing to compare
			}
			out = append(out, limitAt(t, e.Line, "%s:%d is STORE DATA block %d of a command whose block 0 the logs do not hold (they begin in the middle of it): the emulated card, which never saw the start, refuses its block number (6A86) where the field card, which had the start, answered %s, so the replay's answer differs there; cut the log before the next command that begins with block 0, or paste the logs from its start",
				filepath.Base(t.File), e.Line, a.Block, sw))
			break
		}
	}
	return out
}

// cardSW is the status word, in hex, of the card's answer to command k
// of t as the modem showed it; "" when the log holds none.
func cardSW(t *fieldlog.Transcript, k int) string {
	for _, e := range t.Answer(k) {
		if a := e.APDU; a != nil && a.Response && a.Malformed == "" && len(a.Raw) >= 2 {
			return fmt.Sprintf("%X", a.Raw[len(a.Raw)-2:])
		}
	}
	return ""
}

// CutLimits names each command line the logs cut that the field modem
// answered whole (cutCommand): the replay does not send it, so what the
// card did with it is not in the replay (outside tester t166 F5: a cut
// EnableProfile, answered ok, was sent as it stood, got ERROR, and the
// draft said nothing).
func CutLimits(f *Fixture) []Limit {
	if f == nil {
		return nil
	}
	var out []Limit
	for _, t := range f.Logs {
		for k, e := range t.Entries {
			if e.Role != fieldlog.Command {
				continue
			}
			if why := cutCommand(t, k); why != "" {
				var parts []int
				for j := k + 1; j < len(t.Entries); j++ {
					if t.Entries[j].Role == fieldlog.Command && cutPart(t, j) == e.Line {
						parts = append(parts, t.Entries[j].Line)
					}
				}
				cont := ""
				if len(parts) > 0 {
					cont = fmt.Sprintf(", nor what continues it (%s: the GET RESPONSE of its 61xx, its chain's next block), which the emulated card, never having had it, would refuse", lineRuns(parts))
				}
				out = append(out, limitAt(t, e.Line, "%s:%d: %s: the replay does not send the cut line (the emulated modem would refuse it)%s, and compares nothing of their exchanges; what the card did with the whole command, the emulated card does not do, so what follows from it may differ; paste the line whole from the host's own log if you have it",
					filepath.Base(t.File), e.Line, why, cont))
			}
		}
	}
	return out
}

// CutCommands are the steps not played because the log cut their line
// (cutCommand) or they continue one (cutPart): a verdict names them,
// what the card did there being left out of the replay.
func (p *Plan) CutCommands() (cut, parts []Src) {
	for _, s := range p.Steps {
		switch {
		case s.Skip == cutSkip:
			cut = append(cut, s.Src)
		case s.Skip == fmt.Sprintf(cutPartSkip, cutPart(p.Fixture.Logs[s.Log], s.Entry)):
			parts = append(parts, s.Src)
		}
	}
	return cut, parts
}

// unreadySkip is why a command a log opens with, which the field modem
// left unanswered before it answered any, is not played (Facts.Unready).
const unreadySkip = "sent before the modem answered anything"

// unansweredNoCommand is why a line of control characters the field
// modem left unanswered is not played.
const unansweredNoCommand = "no command line, and the field modem left it unanswered"

// NotEmulated names the first command of a line the rig's modem lacks
// under dialect d (its ICCID command and settings are the dialect's own:
// an nRF91's %XSYSTEMMODE), or "".
func NotEmulated(line string, emulated func(string) bool, d personality.Personality) string {
	names, ok := commandNames(line)
	if !ok {
		return "" // not a command line (an SMS PDU): sent as recorded
	}
	for _, n := range names {
		if d.Owns(n) {
			continue
		}
		if !emulated(n) {
			return n
		}
	}
	return ""
}

// commandNames lists the command names of an AT line as the AT codec
// reads it ("AT+COPS=3,2;+COPS?" → +COPS, +COPS; "ATZ E0 V1" → Z, E, V:
// V.250 ignores the spaces). ok is false for a line that does not start
// with AT; a line the codec refuses (the modem answers ERROR) has none.
func commandNames(line string) (names []string, ok bool) {
	line = strings.TrimSpace(line)
	if len(line) < 2 || !strings.EqualFold(line[:2], "AT") {
		return nil, false
	}
	cmds, err := at.Parse(line)
	if err != nil {
		// The modem refuses the line whole; its first command still says
		// what it was meant to be (AT+CMGL="ALL" with a note after it).
		if m := leadingCommand.FindStringSubmatch(line); m != nil {
			return []string{strings.ToUpper(m[1])}, true
		}
		return nil, true
	}
	for _, c := range cmds {
		names = append(names, c.Name)
	}
	return names, true
}

// leadingCommand is the first command name of an AT line: an extended
// one (+CMGL, !ICCID, #XRESET, $QCSIMSTAT, ^SYSINFO) or a basic one.
var leadingCommand = regexp.MustCompile(`^(?i:AT)\s*([+!#$%^*@][A-Za-z][A-Za-z0-9_]*|&?[A-Za-z])`)

// scenarioErr maps the scenario loader's error on the reconstructed text
// back to where the offending line came from, worded in the user's files:
// the manifest's field, or the log line it was reconstructed from (the
// scenario itself is the replay's, which the user never sees). manifest
// names the manifest for what neither gave.
func scenarioErr(e *emitter, manifest string, err error) error {
	var se *scenario.Error
	if !errors.As(err, &se) {
		return err
	}
	origin := e.origin(se.Line)
	msg := se.Msg
	if se.Path != "" {
		msg = se.Path + ": " + msg
	}
	field := manifestField(se.Path)
	switch {
	case strings.HasPrefix(origin, "manifest "):
		// The manifest's check is the scenario's expect: name it as the
		// manifest does.
		if se.Path == "expect" || strings.HasPrefix(se.Path, "expect.") {
			msg = "check" + strings.TrimPrefix(msg, "expect")
		}
		return fmt.Errorf("%s: %s", strings.TrimPrefix(origin, "manifest "), msg)
	case logLine.MatchString(origin):
		return fmt.Errorf("%s: what the replay reconstructs from this line does not hold (%s): give the manifest's %s yourself (fixtures/field/README.md, \"The manifest\")",
			strings.SplitN(origin, ";", 2)[0], msg, field)
	case origin != "":
		return fmt.Errorf("%s: what the replay %s does not hold (%s): give the manifest's %s yourself (fixtures/field/README.md, \"The manifest\")",
			manifest, strings.TrimPrefix(origin, "derived "), msg, field)
	}
	return fmt.Errorf("%s: the replay's reconstruction from it does not hold (%s): give the manifest's %s yourself (fixtures/field/README.md, \"The manifest\")", manifest, msg, field)
}

// logLine is an origin that is a log's line ("modem.log:12").
var logLine = regexp.MustCompile(`^[^\s;]+:\d+(?:;|$)`)

// manifestField is the manifest's field that states what a scenario path
// names: the manifest has the scenario's sections (network and device by
// their parts), its expect being check.
func manifestField(path string) string {
	parts := strings.FieldsFunc(path, func(r rune) bool { return r == '.' || r == '[' })
	switch {
	case len(parts) == 0:
		return "fields"
	case parts[0] == "expect":
		return "check"
	case (parts[0] == "network" || parts[0] == "device") && len(parts) > 1:
		return parts[0] + "." + parts[1]
	}
	return parts[0]
}

// validEID reports an EID the test EUM may issue (README, PKI).
func validEID(eid string) bool { return ident.IsEID(eid) && scenario.IssuedByTestEUM(eid) }

// unmodelledStats names the registration lines whose <stat> the emulated
// modem does not model, once per command and stat: what it is read as, so
// that a replay diverging there is not taken for a world wrongly built.
func (p *Plan) unmodelledStats() {
	type key struct {
		name string
		stat int
	}
	var order []key
	lines := map[key][]Src{}
	for _, r := range slices.Concat(p.Facts.Regs, p.Facts.UnreadStats) {
		if r.Shown == r.Stat {
			continue
		}
		k := key{r.Name, r.Shown}
		if lines[k] == nil {
			order = append(order, k)
		}
		lines[k] = append(lines[k], r.Src)
	}
	for _, k := range order {
		more := ""
		if n := len(lines[k]) - 1; n > 0 {
			more = fmt.Sprintf(" (and %d line(s) more)", n)
		}
		u, ok := unmodelledStat(k.name, k.stat)
		if !ok {
			p.assume("%s: %s stat %d%s, which TS 27.007 does not define for %s: not read as a registration state; the replay's modem answers one of its own (0 to 5) there", lines[k][0], k.name, k.stat, more, k.name)
			continue
		}
		p.assume("%s: %s stat %d%s, %s: the emulated modem has %s (it models stat 0 to 5): read as stat %d, the closest it has, and its answer shows %d where the log shows %d",
			lines[k][0], k.name, k.stat, more, u.what, u.lacks, u.closest, u.closest, k.stat)
	}
}

// csqBER is a +CSQ answer's <ber>, after its <rssi> (kept).
var csqBER = regexp.MustCompile(`(\+CSQ: ?\d+,)\d+`)

// berShown masks the <ber> of +CSQ when a field modem gave one other than
// 99 (not known): the emulated modem, on E-UTRAN, has no bit error rate to
// give (TS 27.007 §8.5), and the world models none. Not under the signal
// mask, which takes the whole answer: masked first, the <ber> would leave
// the answer no longer the signal mask's shape, its <rssi> compared.
func (p *Plan) berShown() {
	if slices.ContainsFunc(p.Masks, func(m Mask) bool { return m.Name == "signal" }) {
		return
	}
	for _, t := range p.Fixture.Logs {
		for _, e := range t.Entries {
			m := csqBER.FindString(e.Text)
			if e.Dir != fieldlog.Modem || m == "" || strings.HasSuffix(m, ",99") {
				continue
			}
			p.Masks = append(p.Masks, Mask{Mask: align.Mask{Name: "ber", Pattern: csqBER, Keep: true}})
			p.assume("the <ber> of +CSQ is volatile: %s:%d gives %s, the emulated modem 99 (not known: the world models no bit error rate), so +CSQ answers are compared without it", t.File, e.Line, m[strings.IndexByte(m, ',')+1:])
			return
		}
	}
}

// unmodelled masks what no replay can give again: the eUICC challenge
// the card draws at random, the RSRQ of a +CESQ answer (the world models
// RSRP only), and a +CCHO handle (each modem makes its own up).
func (p *Plan) unmodelled() {
	for _, u := range []struct {
		mask, why string
		shows     func(e fieldlog.Entry) bool
	}{
		{"challenge", "the eUICC challenge is volatile: the card draws it at random",
			func(e fieldlog.Entry) bool { return e.APDU != nil && e.APDU.ES10 == "GetEuiccChallenge" }},
		{"rsrq", "the RSRQ of +CESQ is volatile: the world models RSRP only",
			func(e fieldlog.Entry) bool { return e.Dir == fieldlog.Modem && strings.HasPrefix(e.Text, "+CESQ: ") }},
		{"session", "the +CCHO session id is volatile: the modem answers a handle of its own (ccho_form long); the replay sends the emulated modem's in the +CGLA and +CCHC that follow",
			func(e fieldlog.Entry) bool {
				_, form, ok := personality.ParseCCHO(e.Text)
				return ok && form == personality.CCHOLong && e.Dir == fieldlog.Modem && p.Dialect.CCHOForm == personality.CCHOLong
			}},
	} {
		if slices.ContainsFunc(p.Masks, func(m Mask) bool { return m.Name == u.mask }) {
			continue
		}
	logs:
		for _, t := range p.Fixture.Logs {
			for _, e := range t.Entries {
				if u.shows(e) {
					p.assume("%s (%s:%d)", u.why, t.File, e.Line)
					p.addMask(u.mask)
					break logs
				}
			}
		}
	}
	p.unmodelledStats()
	p.berShown()
	if o := p.Facts.OddLocation; o != nil {
		p.Masks = append(p.Masks, Mask{Mask: align.Mask{Name: "location", Pattern: registrationLocation, Keep: true}})
		p.assume("%s gives the location in a form no known modem does (%s, not the quoted hex of TS 27.007 §7.2): the stat and <n> are read from it, and registration lines are compared without their location", o.Src, o.Why)
	}
	// The recorder's placeholder for a modem's line over its bound, inside
	// an answer: the log's limit, compared as any line of the replayed
	// answer there (t207 left it compared as the modem's text).
	var dropped []string
	for _, t := range p.Fixture.Logs {
		for _, e := range t.Entries {
			if e.Overlong() && e.Cmd >= 0 && e.Role == fieldlog.Info {
				dropped = append(dropped, fmt.Sprintf("%s:%d", t.File, e.Line))
			}
		}
	}
	if len(dropped) > 0 {
		p.assume("%q stands for a line of the modem's answer that was over the recorder's bound (%s): its text is lost, so it matches whatever line the replayed answer has there, but a final result",
			fieldlog.OverlongLine, strings.Join(dropped, ", "))
	}
	var unsent []string
	for _, t := range p.Fixture.Logs {
		for _, e := range t.Entries {
			if e.Role != fieldlog.URC || p.URCUncompared(e.Text) || p.BeforePowerOn(Src{t.File, e.Line}) {
				continue
			}
			name := urcName(e.Text)
			own := slices.Concat(p.Dialect.BootURCs, p.Dialect.RefreshURCs, p.Dialect.CardGoneURCs, p.Dialect.CardBackURCs, p.Dialect.PowerDownURCs)
			key := name
			switch {
			case slices.Contains(registrationURCs, name) || slices.Contains(own, e.Text):
				continue
			case name == "+CPIN" && slices.Contains(own, "+CPIN: READY") && cardThere(e.Text):
				// A dialect that reports the card's state says the state
				// the card is in: +CPIN: SIM PIN after a switch to a
				// profile whose PIN1 is enabled. One of a card gone (NOT
				// READY, NOT INSERTED) only its card_gone_urcs send
				// (outside tester sw73: an EG25's, compared, failed the
				// replay before the ticket's failure, unexplained).
				continue
			case slices.ContainsFunc(own, func(u string) bool { return urcName(u) == name }):
				// The dialect sends this name with other words (an EG25's
				// +QIND: SMS DONE, not +QIND: "csq",20,99): this text only.
				key = e.Text
			}
			p.UncomparedURCs = append(p.UncomparedURCs, key)
			unsent = append(unsent, fmt.Sprintf("%s (%s:%d)", key, t.File, e.Line))
		}
	}
	if len(unsent) > 0 {
		p.assume("URCs the emulated modem never sends are not compared: %s", strings.Join(unsent, ", "))
	}
identity:
	for _, t := range p.Fixture.Logs {
		for _, e := range t.Entries {
			if e.Role != fieldlog.Command {
				continue
			}
			if names, ok := commandNames(e.Text); ok && slices.ContainsFunc(names, func(n string) bool { return slices.Contains(identityCommands, n) }) {
				p.assume("the field module's identity (ATI, +CGMI, +CGMM, +CGMR, +CGSN, +GCAP and their V.250 forms: maker, model, firmware, IMEI) is not the emulated modem's: those answers are compared without their text (%s:%d)", t.File, e.Line)
				p.UncomparedCommands = identityCommands
				break identity
			}
		}
	}
	// A line without a name that the log cannot give one of its line's
	// commands (ATI's text running over lines before +CGMM's, a text
	// message's line of digits before +CIMI's): not compared, and said.
	for _, t := range p.Fixture.Logs {
		said := -1
		for _, e := range t.Entries {
			if e.Unsure && e.Cmd != said && !p.AnswerUncompared(t, e) {
				said = e.Cmd
				p.assume("the answer to %s (%s:%d) runs over lines without a name that %s or %s may have given (from line %d): the log cannot tell which, so that answer's lines without a name are not compared",
					textcut.Cut(t.Entries[e.Cmd].Text, 40), t.File, t.Entries[e.Cmd].Line, t.CommandOf(e), t.OtherCommandOf(e), e.Line)
			}
		}
	}
	// Each is told by its lines, or by the command that lists them where
	// the field module listed none (an nRF91 with no PDP context
	// answering AT+CGDCONT? with OK alone, outside tester sw115): the
	// emulated modem's would be compared against nothing.
	for _, u := range []struct{ prefix, cmd, why string }{
		{"+CGDCONT: ", "AT+CGDCONT?", "the PDP contexts a field module lists are its network's (the carrier's APNs and contexts, assigned addresses): +CGDCONT? lines are not compared"},
		{"+CGACT: ", "AT+CGACT?", "which PDP contexts a field module has active follows its network's contexts: +CGACT? lines are not compared"},
		{"+CCLK: ", "AT+CCLK?", "a field module's clock is not the replay's virtual clock: +CCLK? lines are not compared"},
		{"+COPS: (", "AT+COPS=?", "the networks a field module's scan found, by the names its own table gives them, are its radio environment's: +COPS=? lists are not compared"},
		{"+CNUM: ", "AT+CNUM", "the subscriber numbers a field card holds (EF MSISDN) are its operators', not the reconstructed profiles', which carry none: +CNUM lines are not compared"},
		{"+CEDRXRDP: ", "AT+CEDRXRDP", "the eDRX a field network granted is not the emulated network's, which grants none: +CEDRXRDP lines are not compared"},
		{"+CPSMS: ", "AT+CPSMS?", "the power saving a field module had stored may predate the logs: +CPSMS? lines are not compared"},
		{"+CEDRXS: ", "AT+CEDRXS?", "the eDRX a field module had stored may predate the logs: +CEDRXS? lines are not compared"},
		{"+CGPADDR: ", "AT+CGPADDR", "the addresses a field network gave its PDP contexts are not the emulated network's (its operator's pool, by IMSI and cid): +CGPADDR lines are not compared"},
	} {
	scan:
		for _, t := range p.Fixture.Logs {
			for _, e := range t.Entries {
				if e.Role == fieldlog.Info && strings.HasPrefix(infoForm(e.Text), u.prefix) ||
					e.Role == fieldlog.Command && strings.EqualFold(strings.TrimSpace(e.Text), u.cmd) {
					p.assume("%s (%s:%d)", u.why, t.File, e.Line)
					p.Uncompared = append(p.Uncompared, u.prefix)
					break scan
				}
			}
		}
	}
}

// cardThere reports whether a +CPIN line names a state of a card that is
// there (READY, or a PIN or PUK it wants), as against one gone.
func cardThere(line string) bool {
	_, state, _ := strings.Cut(line, ":")
	switch strings.ToUpper(strings.TrimSpace(state)) {
	case "READY", "SIM PIN", "SIM PUK", "SIM PIN2", "SIM PUK2", "PH-SIM PIN":
		return true
	}
	return false
}
