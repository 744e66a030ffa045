// Package replay runs a field-failure fixture (harness/field) on the
// emulated rig and judges it: the recorded host's commands are played to
// the emulated device at their times, and what the device answered, the
// URCs it sent, the requests its card made to the platform and the card's
// own decisions (when the fixture carries a run's events) are compared
// with the recording step by step, volatile values masked. The first
// divergence is reported with the lines around it on both sides; the
// verdict follows the manifest's expect.
package replay

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/modem"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/field"
	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/personality"
	"github.com/esimhil/esimhil/internal/textcut"
)

// Artifacts a replay writes in its directory, beside the run's own
// (events.jsonl, at.log, traffic.pcapng).
const (
	HostLog         = "host.log"         // what the replayed host sent and read, at.log format
	PlatformLog     = "platform.json"    // the platform's request log, one entry a line
	ScenarioFile    = "scenario.yaml"    // the reconstructed scenario
	PersonalityFile = "personality.yaml" // the device's dialect with its quirks
	AssumptionsFile = "assumptions.txt"
	ReportFile      = "report.txt"
)

// Options tune a replay.
type Options struct {
	// Dir receives the artifacts (default: a fresh temporary directory).
	Dir string
	// Capture selects the capture mode (default: the tap).
	Capture capture.Mode
	// Context, if set, ends the replay when done (Ctrl-C, SIGTERM).
	Context context.Context
}

// Result is one fixture replayed.
type Result struct {
	Name   string
	Dir    string // the artifacts
	Plan   *field.Plan
	Expect string
	// Divergence is the first place the replay leaves the recording, nil
	// when it follows it all the way.
	Divergence *Divergence
	// Failure, when the manifest expects the failure fixed and the replay
	// still shows it, is the failure's line on both sides.
	Failure *Divergence
	// Compared counts what was compared, by track.
	Compared map[Track]int
	// comparedAt holds the recording's lines a track compared (by log
	// base name and line): a verdict of reproduces needs the failure's.
	comparedAt map[field.Src]bool
	// Mismatches are the manifest's check expectations that did not hold
	// on the replay.
	Mismatches []string
	// NoAnswer is the last command played when the modem never answered
	// it by the end of the run; nil when every command got its final
	// result. The verdict's Why names it.
	NoAnswer *NoAnswer
	// Adapted are recorded commands the replay sent otherwise, the first
	// of each kind: a +CGLA naming the session id the emulated modem gave,
	// a GET RESPONSE asking for the length the emulated card announced.
	// host.log notes each one beside it.
	Adapted []string
	// Unkept are the recorded platform requests whose bodies the log did
	// not keep whole, compared by what they kept, each with the members
	// lost: the verdict holds under that assumption.
	Unkept []string
	// Seed, Personality and Simulated are the replay's rig's: its seed
	// (the manifest's, else 1), the modem dialect it spoke and the
	// simulated time the run covered.
	Seed        int64
	Personality string
	Simulated   time.Duration
	// OK is the verdict: the replay shows what the manifest expects.
	OK bool
	// Why says why the verdict is what it is, in one line.
	Why  string
	Wall time.Duration
}

// NoAnswer is a command the emulated modem left without a final result
// at the end of the run.
type NoAnswer struct {
	Command string
	// Line is its line in host.log; Src the recording's line it was
	// played from (zero for a command of the replay's own preamble).
	Line int
	Src  field.Src
	// Why says why the modem could not answer, when the replay knows
	// ("" when it was on and listening).
	Why string
}

func (n *NoAnswer) String() string {
	from := ""
	if n.Src.File != "" {
		from = ", played from " + n.Src.String()
	}
	s := fmt.Sprintf("%s (%s:%d%s) got no answer by the end of the run", textcut.Cut(n.Command, commandWidth), HostLog, n.Line, from)
	if n.Why != "" {
		s += ": " + n.Why
	}
	return s
}

// Run loads, reconstructs and replays the fixture in dir.
func Run(dir string, o Options) (*Result, error) {
	plan, err := Plan(dir)
	if err != nil {
		return nil, err
	}
	return Replay(plan, o)
}

// Plan loads and reconstructs the fixture in dir, for the rig's modem.
func Plan(dir string) (*field.Plan, error) {
	f, err := field.Load(dir)
	if err != nil {
		return nil, err
	}
	return field.Reconstruct(f, field.Options{Emulated: emulated})
}

// createHostLog makes host.log (a test's writer fails as a full disk
// does).
var createHostLog = func(path string) (io.WriteCloser, error) { return os.Create(path) }

// Replay runs a reconstructed fixture and judges it.
func Replay(plan *field.Plan, o Options) (*Result, error) {
	wall := time.Now()
	f := plan.Fixture
	var err error
	res := &Result{Name: f.Manifest.Name, Plan: plan, Expect: f.Manifest.Expect, Compared: map[Track]int{}}
	if res.Dir = o.Dir; res.Dir == "" {
		if res.Dir, err = os.MkdirTemp("", "esimhil-replay-"+f.Manifest.Name+"-"); err != nil {
			return nil, err
		}
	}
	if err := writePlan(res.Dir, plan); err != nil {
		return nil, err
	}
	replayed, err := play(plan, res.Dir, o)
	if err != nil {
		return res, fmt.Errorf("replay %s: %w", f.Manifest.Name, err)
	}
	res.NoAnswer, res.Adapted = replayed.noAnswer, replayed.adaptedLines()
	res.Seed, res.Personality, res.Simulated = replayed.seed, replayed.personality, replayed.simulated
	compare(res, replayed)
	judge(res, replayed)
	res.Wall = time.Since(wall)
	if err := os.WriteFile(filepath.Join(res.Dir, ReportFile), []byte(Report(res)), 0o644); err != nil {
		return res, err
	}
	return res, nil
}

// emulated reports whether the rig's modem implements a command.
func emulated(name string) bool { return slices.Contains(modem.Commands(), name) }

func writePlan(dir string, p *field.Plan) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var a strings.Builder
	fmt.Fprintf(&a, "# What the reconstruction of %s assumed, and what it took from where.\n", p.Fixture.Dir)
	for _, s := range p.Assumptions {
		a.WriteString("- " + s + "\n")
	}
	for name, b := range map[string][]byte{
		ScenarioFile: p.ScenarioYAML, PersonalityFile: p.DialectYAML, AssumptionsFile: []byte(a.String()),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// replayed is what the emulated side did.
type replayed struct {
	host      *fieldlog.Transcript // host.log, read back
	platform  *fieldlog.Transcript // platform.json, read back (nil: no requests)
	events    []fieldlog.RunEvent  // the run's events.jsonl
	rawEvents []eventlog.Event
	steps     []int // host entry of each plan step played (-1: skipped)
	preamble  int   // commands of the preamble at the start of host
	end       scenario.EndRegistration
	noAnswer  *NoAnswer // the last command, when the modem never answered it
	dir       string
	// seed, personality and simulated are the rig's (Result's).
	seed        int64
	personality string
	simulated   time.Duration
	// adapted are the recorded commands sent otherwise (Result.Adapted).
	adapted []string
	more    []int          // how many more of each adapted's kind
	kinds   map[string]int // a kind of change → its index in adapted
}

// adapt notes a command sent otherwise than recorded: the first of each
// kind of change (a session id, a GET RESPONSE's length), and how many
// more of that kind followed.
func (out *replayed) adapt(kind, what string) {
	if out.kinds == nil {
		out.kinds = map[string]int{}
	}
	if i, ok := out.kinds[kind]; ok {
		out.more[i]++
		return
	}
	out.kinds[kind] = len(out.adapted)
	out.adapted = append(out.adapted, what)
	out.more = append(out.more, 0)
}

// adaptedLines are the notes of adapt, each with its count of more.
func (out *replayed) adaptedLines() []string {
	lines := slices.Clone(out.adapted)
	for i, n := range out.more {
		if n > 0 {
			lines[i] += fmt.Sprintf(" (and %d more like it: host.log notes each)", n)
		}
	}
	return lines
}

// play runs the rig and plays the host's part.
func play(p *field.Plan, dir string, o Options) (*replayed, error) {
	mode := o.Capture
	if mode == "" {
		mode = capture.Tap
	}
	d := p.Dialect
	r, err := harness.NewRig(p.Scenario, harness.Options{
		Dir: dir, Capture: mode, NoHost: true, Dialect: &d, AttachDelay: p.AttachDelay, Context: o.Context,
	})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	logf, err := createHostLog(filepath.Join(dir, HostLog))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	h, err := newHost(r, logf)
	if err != nil {
		return nil, err
	}
	out := &replayed{dir: dir, steps: make([]int, len(p.Steps))}
	sessions := newSessionMap()
	runErr := func() error {
		first := p.Start - time.Millisecond
		if p.PowerOn {
			first = p.PowerOnAt
		}
		if err := h.until(first); err != nil {
			return err
		}
		if p.PowerOn {
			// The logs begin at power-on: a power cycle, so that the
			// modem boots and sends its boot URCs when they begin, then
			// the host's settings over the modem's defaults.
			r.Loop.Do(func() {
				r.Modem.PowerOff()
				r.Modem.PowerOn()
			})
		}
		for _, line := range p.Preamble {
			answer, err := h.send(line)
			if err != nil {
				return err
			}
			// The preamble's +CCHOs open the channels of a log of APDUs
			// alone, whose +CGLAs name them by number: each gets the
			// session id the modem answered for it.
			if isCCHO(line) {
				sessions.opened(p.Dialect, answer)
			}
			out.preamble++
		}
		// The logs begin at Start, but commands among the URCs of the
		// boot they open with come before (field.Plan.bootAmongCommands).
		begin := p.Start
		if len(p.Steps) > 0 {
			begin = min(begin, p.Steps[0].At)
		}
		if err := h.until(begin); err != nil {
			return err
		}
		for i, s := range p.Steps {
			out.steps[i] = -1
			if err := h.until(s.At); err != nil {
				return err
			}
			if s.Skip != "" {
				h.note(fmt.Sprintf("not played: %s (%s): %s", s.Line, s.Src, s.Skip))
				continue
			}
			for _, b := range s.Before {
				h.note(fmt.Sprintf("sent for %s (%s): %s, the first of the personality's restart", s.Line, s.Src, b))
				if _, err := h.send(b); err != nil {
					return err
				}
			}
			recorded := textsOf(p.Fixture.Logs[s.Log].Answer(s.Entry))
			line, adapted := sessions.outgoing(s.Line, recorded)
			for _, a := range adapted {
				h.note(fmt.Sprintf("sent for %s (%s): %s", s.Line, s.Src, a.why))
				out.adapt(a.kind, fmt.Sprintf("%s (%s) went out as %s: %s", textcut.Cut(s.Line, commandWidth), s.Src, textcut.Cut(line, commandWidth), a.why))
			}
			answer, err := h.send(line)
			if err != nil {
				return err
			}
			sessions.learn(s, recorded, answer)
		}
		if err := h.until(max(p.End, r.Now())); err != nil {
			return err
		}
		h.flush()
		if len(h.open) > 0 {
			c := h.open[0] // the first the modem left unanswered; those after it wait for it
			// The run is over and the modem never answered its last
			// command: a finding, which host.log says so that it reads
			// as whole, not cut off.
			out.noAnswer = &NoAnswer{Command: c.line, Line: c.at}
			if c.off != "" {
				out.noAnswer.Why = "the emulated modem" + c.off + " when it took the line in"
				h.note(out.noAnswer.Why)
			}
			h.note(fieldlog.NoAnswerNote(c.line))
		}
		return nil
	}()
	if err := h.close(); err != nil && runErr == nil {
		runErr = err
	}
	listening := false
	r.Loop.Do(func() { listening = r.Modem.Listening() })
	if runErr == nil && listening {
		// What a host reads at the end, for the manifest's check (a
		// modem off or restarting answers nothing: a registration of
		// none, without waiting out the host's timeouts).
		if r.AT, err = atclient.Open(r.Modem.Path()); err == nil {
			if !h.modes.Verbose {
				// The host reads results in words: the recording left
				// the modem answering in digits (ATV0).
				_, _ = r.AT.Command("ATV1")
			}
			out.end, _ = r.Report()
		}
	}
	closeErr := r.Close()
	out.seed, out.personality, out.simulated = r.Seed, r.Personality.Name, r.Now()
	if runErr != nil {
		return nil, runErr
	}
	if closeErr != nil {
		return nil, closeErr
	}
	if err := logf.Close(); err != nil {
		return nil, fmt.Errorf("%s: %w", HostLog, err)
	}
	out.events, out.rawEvents = toRunEvents(r), r.Log.Events()
	if err := writePlatform(filepath.Join(dir, PlatformLog), r); err != nil {
		return nil, err
	}
	if out.host, err = fieldlog.ReadFile(filepath.Join(dir, HostLog), fieldlog.ATLog); err != nil {
		return nil, fmt.Errorf("the replay's own host log: %w", err)
	}
	if t, err := fieldlog.ReadFile(filepath.Join(dir, PlatformLog), fieldlog.Platform); err == nil {
		out.platform = t
	}
	out.mapSteps(p)
	if c := out.noAnswer; c != nil {
		for i, k := range out.steps {
			if k >= 0 && out.host.Entries[k].Line == c.Line {
				c.Src = p.Steps[i].Src
			}
		}
	}
	return out, nil
}

// mapSteps finds each played step's command in the host log read back:
// the preamble's commands come first, then one per step played (after
// the lines played before it), in order.
func (out *replayed) mapSteps(p *field.Plan) {
	cmds := out.host.Commands()
	k := out.preamble
	for i, s := range p.Steps {
		out.steps[i] = -1
		if s.Skip != "" {
			continue
		}
		k += len(s.Before) // played ahead of it, not compared
		if k >= len(cmds) {
			continue
		}
		out.steps[i] = cmds[k]
		k++
	}
}

func toRunEvents(r *harness.Rig) []fieldlog.RunEvent {
	evs := r.Log.Events()
	out := make([]fieldlog.RunEvent, 0, len(evs))
	for i, e := range evs {
		f := map[string]any{}
		for k, v := range e.Fields {
			f[k] = v
		}
		out = append(out, fieldlog.RunEvent{Line: i + 1, Time: e.T, Actor: e.Actor, Kind: string(e.Kind), Fields: f})
	}
	return out
}

// writePlatform saves the platform's request log as the platform reader
// takes it (one entry a line); no file when nothing arrived.
func writePlatform(path string, r *harness.Rig) error {
	rs := r.Platform.Received()
	if len(rs) == 0 {
		return nil
	}
	var b strings.Builder
	for _, e := range rs {
		j, err := json.Marshal(e)
		if err != nil {
			return err
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// sessionMap adapts two things of the recorded commands that the field
// card decided, not the host: the session ids the field modem's +CCHO
// gave, in later +CGLA and +CCHC commands, become the ones the emulated
// modem gave for the same +CCHO; and a GET RESPONSE asks for what the
// emulated card has waiting (its 61xx, or the length its 6Cxx named), as
// the recorded host did for its card.
type sessionMap struct {
	ids map[string]string
	// waiting is, by channel (channelKey), the emulated card's last 61xx
	// or 6Cxx: the bytes it has for a GET RESPONSE.
	waiting map[string]uint16
	// fieldWaiting is the same of the field card, from the recorded
	// answers (the length): a host that asked for less than that (ISO
	// 7816-4 lets a GET RESPONSE take the answer in parts) is followed
	// as it asked.
	fieldWaiting map[string]int
}

func newSessionMap() *sessionMap {
	return &sessionMap{ids: map[string]string{}, waiting: map[string]uint16{}, fieldWaiting: map[string]int{}}
}

var (
	sessionArg = regexp.MustCompile(`(?i)^(AT\+(?:CGLA|CCHC)=)"?([0-9A-F]{1,16})"?(,.*)?$`)
	// A GET RESPONSE case 2 in +CSIM or +CGLA (an APDU-only log's, which
	// the replay carries in +CGLA): the command, its CLA, its Le.
	getResponse = regexp.MustCompile(`(?i)^(AT\+(?:CSIM=|CGLA=[^,]+,)10,")([0-9A-F]{2})C00000([0-9A-F]{2})"$`)
)

// adaptation is one way a recorded command went out otherwise: its kind
// (one line in Result.Adapted per kind) and why.
type adaptation struct{ kind, why string }

// Kinds of adaptation.
const (
	adaptSession     = "session"
	adaptGetResponse = "get-response"
)

// outgoing is the line the replay sends for a recorded one, whose
// recorded answer lines are recorded, and how it differs (none when it
// does not): the session id the emulated modem gave, the length the
// emulated card's 61xx or 6Cxx announced.
//
// A GET RESPONSE the field card answered with procedure bytes alone
// (6Cxx: P3 is not the length it has; 61xx) goes out as recorded: under
// T=0 (ISO 7816-3 §10.3.3, TS 102 221 §7.3.1.1.4) a case 2 command whose
// P3 is not the card's length gets 6Cxx with nothing done, and the
// emulated card keeps that rule too, so it answers the same step and the
// recorded repeat follows (outside tester t166 F1: 81C0000000 sent as
// 81C0000015 took the data at once, and the recorded repeat got 6F00).
func (m *sessionMap) outgoing(line string, recorded []string) (string, []adaptation) {
	var out []adaptation
	original := line
	if s := sessionArg.FindStringSubmatch(line); s != nil {
		if id, ok := m.ids[s[2]]; ok && id != s[2] {
			line = s[1] + id + s[3]
			out = append(out, adaptation{adaptSession, fmt.Sprintf("session %s is the one the emulated modem's +CCHO gave where the field modem's gave %s", id, s[2])})
		}
	}
	if g := getResponse.FindStringSubmatch(line); g != nil && !procedureOnly(recorded) {
		rawLe, _ := strconv.ParseUint(g[3], 16, 8)
		le := apdu.LeOf(byte(rawLe))
		key := channelKey(original) // as learn keys it
		sw, ok := m.waiting[key]
		n := apdu.LeOf(byte(sw))
		field, known := m.fieldWaiting[key]
		// Only a GET RESPONSE that took all the field card announced is
		// the card's to size; one that took less is the host's choice,
		// kept while the emulated card has that much.
		whole := !known || field == le
		if ok && n != le && (whole || n < le) {
			line = fmt.Sprintf(`%s%sC00000%02X"`, g[1], strings.ToUpper(g[2]), byte(n))
			why := fmt.Sprintf("GET RESPONSE asks for the %d bytes the emulated card's %04X announced, where the field's asked for the %d its card's announced (Le %02X)", n, sw, le, rawLe)
			switch {
			case !known:
				why = fmt.Sprintf("GET RESPONSE asks for the %d bytes the emulated card's %04X announced, where the field's asked for %d (Le %02X; the log does not say what its card announced)", n, sw, le, rawLe)
			case !whole:
				why = fmt.Sprintf("GET RESPONSE asks for the %d bytes the emulated card's %04X announced, fewer than the %d the field's asked for of the %d its card announced (Le %02X)", n, sw, le, field, rawLe)
			}
			out = append(out, adaptation{adaptGetResponse, why})
		}
	}
	return line, out
}

// procedureOnly reports recorded +CSIM or +CGLA answer lines that hold a
// status word alone, 61xx or 6Cxx: T=0's procedure bytes, the card
// telling the host how to go on with nothing done. The first answer line
// that is a status word alone decides.
func procedureOnly(lines []string) bool {
	for _, l := range lines {
		for _, name := range []string{"+CSIM", "+CGLA"} {
			if sw, alone, ok := answerSW(l, name); ok && alone {
				return procedure(sw)
			}
		}
	}
	return false
}

// answerSW is the status word a +CSIM or +CGLA answer line (prefix's)
// ends with, alone when the card gave no data with it; ok false for a
// line that is no readable answer of prefix.
func answerSW(line, prefix string) (sw uint16, alone, ok bool) {
	a, ok, err := at.ParseHexAnswer(line, prefix)
	if !ok || err != nil {
		return 0, false, false
	}
	r, _ := apdu.ParseResponse(a.Data) // a status word at least (ParseHexAnswer)
	return r.SW, len(r.Data) == 0, true
}

// procedure reports 61xx or 6Cxx: the bytes the card has for a GET
// RESPONSE (61xx, ISO 7816-4 §5.6) or, after a GET RESPONSE that asked
// for more, still has (6Cxx, TS 102 221 §7.3.1.1.4).
func procedure(sw uint16) bool {
	_, more := apdu.MoreData(sw)
	_, again := apdu.RepeatWithLe(sw)
	return more || again
}

// learn takes what the emulated modem answered to a recorded step, and
// what the field's answered (recorded).
func (m *sessionMap) learn(s field.Step, recorded, answer []string) {
	if g := apduCLA.FindStringSubmatch(s.Line); g != nil {
		key := channelKey(s.Line)
		prefix := "+" + strings.ToUpper(g[1])
		delete(m.waiting, key)
		if sw, ok := announced(answer, prefix); ok {
			m.waiting[key] = sw
		}
		delete(m.fieldWaiting, key)
		if sw, ok := announced(recorded, prefix); ok {
			m.fieldWaiting[key] = apdu.LeOf(byte(sw))
		}
	}
	if !isCCHO(s.Line) {
		return
	}
	rec := sessionID(recorded)
	got := sessionID(answer)
	if rec != "" && got != "" {
		m.ids[rec] = got
	}
}

// opened maps the logical channel a +CCHO of the replay's own opened to
// the session id the emulated modem answered: the channel is the number
// it answered, or, for a handle (a Sierra's 000000000385a7cf), the one
// its dialect gives the handle. An answer that names no channel maps
// nothing, and the +CGLAs go out as recorded.
func (m *sessionMap) opened(d personality.Personality, answer []string) {
	for _, l := range answer {
		id, form, ok := personality.ParseCCHO(l)
		if !ok {
			continue
		}
		ch, err := strconv.Atoi(id)
		if form == personality.CCHOLong {
			if ch, ok = d.Channel(id); !ok {
				return
			}
		} else if err != nil {
			return
		}
		if ch >= 1 && ch <= 19 {
			m.ids[strconv.Itoa(ch)] = id
		}
		return
	}
}

// isCCHO reports a +CCHO set command line.
func isCCHO(line string) bool { return strings.HasPrefix(strings.ToUpper(line), "AT+CCHO=\"") }

// apduCLA finds the command and CLA of an APDU sent in +CSIM or +CGLA.
var apduCLA = regexp.MustCompile(`(?i)^AT\+(CSIM|CGLA)=(?:[^,]+,)?\d+,"([0-9A-F]{2})`)

// cglaSession finds +CGLA's <sessionid>.
var cglaSession = regexp.MustCompile(`(?i)^AT\+CGLA="?([0-9A-F]{1,16})"?,`)

// channelKey names the logical channel a recorded +CGLA or +CSIM line
// went on: +CGLA's <sessionid> (a host's CLA says 80 on every session:
// the modem sets the channel, 27.007 §8.43), +CSIM's CLA's channel; ""
// for another line.
func channelKey(line string) string {
	if s := cglaSession.FindStringSubmatch(line); s != nil {
		return "cgla " + strings.ToUpper(s[1])
	}
	if g := apduCLA.FindStringSubmatch(line); g != nil {
		cla, _ := strconv.ParseUint(g[2], 16, 8)
		return "csim " + strconv.Itoa(apdu.ChannelOf(byte(cla)))
	}
	return ""
}

// announced is the 61xx or 6Cxx (procedure) among an answer's lines,
// with data before it or not.
func announced(lines []string, prefix string) (uint16, bool) {
	for _, l := range lines {
		if sw, _, ok := answerSW(l, prefix); ok && procedure(sw) {
			return sw, true
		}
	}
	return 0, false
}

func sessionID(lines []string) string {
	for _, l := range lines {
		if id, _, ok := personality.ParseCCHO(l); ok {
			return id
		}
	}
	return ""
}

func textsOf(es []fieldlog.Entry) []string {
	out := make([]string, 0, len(es))
	for _, e := range es {
		if e.Role == fieldlog.Info {
			out = append(out, e.Text)
		}
	}
	return out
}
