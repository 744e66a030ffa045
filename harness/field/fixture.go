package field

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/textcut"
	"github.com/esimhil/esimhil/internal/yamlnode"
)

// Fixture is a fixture directory read: the manifest and its logs.
type Fixture struct {
	Dir      string
	Manifest *Manifest
	// Logs are the manifest's logs, read, in its order.
	Logs []*fieldlog.Transcript
	// Lines holds each log's raw lines, for the context of a report.
	Lines [][]string
	// unplayed holds, for each log of several AT ports read for one,
	// the lines of the others' entries and their port.
	unplayed []map[int]string
	// ScenarioText is the whole scenario a manifest names (exploration
	// cases), nil otherwise.
	ScenarioText []byte

	// Each log's place on the fixture's timeline (see Time).
	origin []time.Duration
	zero   []time.Time // each log's first timed entry
	years  []int       // added to a log's times that carry no year
	// timed[i][k] is the last entry of log i at or before k that has a
	// time (-1: none), so that EntryTime is not a walk back through a
	// log without times for every entry (t79 F3: a 100,000-line log
	// drafted in two minutes).
	timed [][]int32
	// Notes say what placing the logs on one timeline assumed.
	Notes []string
}

// Load reads a fixture directory: the manifest, then every log in its
// format, then the checks that need both (the failure's line exists, a
// ModemManager log's port).
func Load(dir string) (*Fixture, error) {
	m, err := LoadManifest(dir)
	if err != nil {
		return nil, err
	}
	f := &Fixture{Dir: dir, Manifest: m}
	for i, l := range m.Logs {
		path := filepath.Join(dir, l.File)
		if _, err := os.Stat(path); err != nil {
			return nil, m.errAt(l.node, fmt.Sprintf("logs[%d].file", i), "%v", err)
		}
		data, err := fieldlog.ReadBytes(path)
		if err != nil {
			return nil, err
		}
		t, err := fieldlog.Read(path, data, l.Format)
		if err != nil {
			return nil, err
		}
		kept, err := selectPort(m, i, t)
		if err != nil {
			return nil, err
		}
		others := map[int]string{}
		if kept != t {
			for _, e := range t.Entries {
				if e.Port != "" && e.Port != m.Logs[i].Port && e.Dir != fieldlog.Tool {
					others[e.Line] = e.Port
				}
			}
		}
		f.unplayed = append(f.unplayed, others)
		t = kept
		// Within a fixture a log is named by its file name.
		t.File = l.File
		for k := range t.Entries {
			t.Entries[k].File = l.File
		}
		for k := range t.Requests {
			t.Requests[k].File = l.File
		}
		f.Logs = append(f.Logs, t)
		// Numbered as the reader numbers them (a CR-only file's lines).
		f.Lines = append(f.Lines, strings.Split(strings.TrimRight(string(fieldlog.LogText(data)), "\n"), "\n"))
	}
	return f.complete()
}

// Reload reads the fixture's manifest again (it was edited: a draft trying
// one personality after another) and returns the fixture it describes. The
// logs already read are kept when the manifest names the same files in the
// same formats and ports; otherwise the whole fixture is loaded afresh.
func (f *Fixture) Reload() (*Fixture, error) {
	m, err := LoadManifest(f.Dir)
	if err != nil {
		return nil, err
	}
	if !slices.EqualFunc(m.Logs, f.Manifest.Logs, func(a, b LogRef) bool {
		return a.File == b.File && a.Format == b.Format && a.Port == b.Port
	}) {
		return Load(f.Dir)
	}
	return (&Fixture{Dir: f.Dir, Manifest: m, Logs: f.Logs, Lines: f.Lines, unplayed: f.unplayed}).complete()
}

// complete does what needs the manifest and the logs together: the
// scenario file it names, the failure line's checks, the timeline.
func (f *Fixture) complete() (*Fixture, error) {
	m := f.Manifest
	for i, t := range f.Logs {
		if t.Page {
			f.Notes = append(f.Notes, m.Logs[i].File+" is "+fieldlog.PageNote)
		}
		if t.Invisible != "" {
			f.Notes = append(f.Notes, m.Logs[i].File+": "+t.Invisible)
		}
	}
	if m.Scenario != "" {
		var err error
		if f.ScenarioText, err = yamlnode.ReadFile(filepath.Join(f.Dir, m.Scenario), scenario.MaxFileSize); err != nil {
			return nil, m.errAt(m.Node("scenario"), "scenario", "%v", err)
		}
	}
	fl := f.LogIndex(m.Failure.Log)
	if n := len(f.Lines[fl]); m.Failure.Line > n {
		return nil, m.errAt(m.Node("failure.line"), "failure.line", "%d, but %s has %d lines", m.Failure.Line, m.Failure.Log, n)
	}
	if strings.TrimSpace(f.Lines[fl][m.Failure.Line-1]) == "" {
		return nil, m.errAt(m.Node("failure.line"), "failure.line", "%s:%d is blank: name the line that shows the failure", m.Failure.Log, m.Failure.Line)
	}
	if port, ok := f.unplayed[fl][m.Failure.Line]; ok {
		// Nothing would compare it: a replay that reaches it would say
		// it followed the logs through a failure it never showed
		// (outside tester sw101).
		return nil, m.errAt(m.Node("failure.line"), "failure.line", "%s:%d is AT port %s's, which the replay does not play (port: %s): name a line of that port, or give port: %s", m.Failure.Log, m.Failure.Line, port, m.Logs[fl].Port, AllPorts)
	}
	if t := f.Logs[fl]; t.Format == fieldlog.Socat {
		// A transfer's header ("> 2026/11/23 … length=…") holds no
		// entry: its text is on the lines after it.
		held := slices.ContainsFunc(t.Entries, func(e fieldlog.Entry) bool { return e.Holds(m.Failure.Line) })
		if next := slices.IndexFunc(t.Entries, func(e fieldlog.Entry) bool { return e.Line > m.Failure.Line }); !held && next >= 0 {
			return nil, m.errAt(m.Node("failure.line"), "failure.line", "%s:%d is a socat transfer's header, which holds no line of the conversation: name the line of its text (%s:%d)",
				m.Failure.Log, m.Failure.Line, m.Failure.Log, t.Entries[next].Line)
		}
	}
	if step, ok := outcomeLine(f.Logs[fl], m.Failure.Line); ok {
		return nil, m.errAt(m.Node("failure.line"), "failure.line", "%s:%d is an outcome line of the LPA (%q), which the replay does not compare: it plays the card and the modem, and a step of the LPA fails there only through an answer of theirs; name that line, or, when none shows the failure (the LPA's own HTTPS, its certificate store), the logs hold nothing a replay can show",
			m.Failure.Log, m.Failure.Line, step)
	}
	if note, ok := onlyNotes(f.Logs[fl], m.Failure.Line); ok {
		// Nothing is compared on a note: "reproduces" would pass on what
		// the replay never checked there.
		return nil, m.errAt(m.Node("failure.line"), "failure.line", "%s:%d is a note of the logging tool (%q), where the replay compares nothing: name the line of the conversation that shows the failure (a command, an answer, a URC)",
			m.Failure.Log, m.Failure.Line, textcut.Cut(note, 60))
	}
	if lpa, failed := lpaFailed(f.Logs); failed {
		if cmd, ok := onlyOK(f.Logs[fl], m.Failure.Line); ok {
			// The LPA failed, and the line named shows the card or the
			// modem answering as it should (an LPA that gave up on the
			// SM-DP+'s refusal closes its channel with an OK): matching
			// it, "reproduces" would pass on nothing.
			return nil, m.errAt(m.Node("failure.line"), "failure.line", "%s:%d holds only OK, the plain successful final result of %s: it shows nothing failing, and a replay that matches it reproduces nothing. The LPA failed at %s; if no line of the card or the modem shows why (an error, a status word, a URC), the failure is the SM-DP+'s or the LPA's own (a refusal in its HTTP, its TLS), which no replay shows: cut the logs before the LPA's failure, or leave them out of the corpus",
				m.Failure.Log, m.Failure.Line, textcut.Cut(cmd, 40), lpa)
		}
	}
	f.place()
	if err := f.inOrder(); err != nil {
		return nil, err
	}
	return f, nil
}

// inOrder refuses a conversation log listed after one that its times put
// it wholly before: the manifest lists the logs in the order they were
// written, and the replay plays them by their times, so one of the two
// is wrong, most often a clock stepped back between them (a log split at
// an NTP step); played by the times, the session would run backwards.
// Logs that overlap are concurrent (a platform's log beside the modem's)
// and are left to their times.
func (f *Fixture) inOrder() error {
	m := f.Manifest
	conv := func(i int) bool {
		t := f.Logs[i]
		return t.Clock == fieldlog.Absolute && !f.zero[i].IsZero() && t.Format != fieldlog.Platform && t.Format != fieldlog.Events
	}
	for j := range f.Logs {
		for i := range j {
			if !conv(i) || !conv(j) || f.lastTime(j) >= f.origin[i] {
				continue
			}
			gap := f.origin[i] - f.lastTime(j)
			return LogsCannot{m.errAt(m.Logs[j].node, fmt.Sprintf("logs[%d]", j), "%s is listed after %s, but its times put it wholly before it (it ends %s before %s begins), and the replay plays the logs by their times: list the logs in the order of their times, or, when the clock stepped back between them (an NTP or RTC sync), shift %s's times on by the step so they run on after %s's",
				m.Logs[j].File, m.Logs[i].File, gap, m.Logs[i].File, m.Logs[j].File, m.Logs[i].File)}
		}
	}
	return nil
}

// onlyOK reports whether line n of t holds final results and nothing
// else, each a plain OK (or its numeric 0), and the command the first
// answers ("" when the log does not show it).
func onlyOK(t *fieldlog.Transcript, n int) (string, bool) {
	cmd, seen := "", false
	for _, e := range t.Entries {
		if e.Line != n {
			continue
		}
		if e.Role != fieldlog.Final || (e.Text != "OK" && e.Result != "OK") {
			return "", false
		}
		if !seen && e.Cmd >= 0 && e.Cmd < len(t.Entries) {
			cmd = t.Entries[e.Cmd].Text
		}
		seen = true
	}
	if cmd == "" {
		cmd = "a command"
	}
	return cmd, seen
}

// lpaFailed reports the first outcome line of an LPA that failed in ts
// (lpac's {"type":"lpa"} with a code other than 0), as "file:line, where
// the LPA's step … failed: data".
func lpaFailed(ts []*fieldlog.Transcript) (string, bool) {
	for _, t := range ts {
		for _, e := range t.Entries {
			if e.Event != nil && e.Event.Type == "lpa" && e.Event.Code != 0 {
				return fmt.Sprintf("%s:%d, where the LPA's step %s failed: %s", filepath.Base(t.File), e.Line, e.Event.Message, textcut.Cut(e.Event.Data, 60)), true
			}
		}
	}
	return "", false
}

// outcomeLine reports whether line n of t holds an LPA's outcome or
// progress line (lpac's JSON), and its step.
func outcomeLine(t *fieldlog.Transcript, n int) (string, bool) {
	for _, e := range t.Entries {
		if e.Line == n && e.Event != nil {
			return e.Event.Message, true
		}
	}
	return "", false
}

// onlyNotes reports whether line n of t holds the logging tool's notes and
// nothing else (no AT line, no APDU or event an LPA printed, no platform
// request, no run event), and the
// first note's text. A line that holds no entry (the body of a record
// whose entries sit on its header) is not one.
func onlyNotes(t *fieldlog.Transcript, n int) (string, bool) {
	note, seen := "", false
	for _, e := range t.Entries {
		if e.Line != n {
			continue
		}
		if e.Role != fieldlog.Note || e.APDU != nil || e.Event != nil {
			return "", false // an AT line, or an LPA's own APDU or event line
		}
		if !seen {
			note, seen = e.Text, true
		}
	}
	for _, r := range t.Requests {
		if r.Line == n {
			return "", false
		}
	}
	for _, r := range t.RunEvents {
		if r.Line == n {
			return "", false
		}
	}
	return note, seen
}

// AllPorts is the manifest's port that keeps every AT port of a log:
// channels of one modem (a RIL's), whose commands the replay plays in the
// log's order on the emulated modem's one port.
const AllPorts = "all"

// selectPort keeps one AT port of a log with several (ModemManager, a
// dual-SIM radio log): the manifest's, or the only one; or all of them
// (AllPorts).
func selectPort(m *Manifest, i int, t *fieldlog.Transcript) (*fieldlog.Transcript, error) {
	ports := map[string]bool{}
	for _, e := range t.Entries {
		if e.Port != "" {
			ports[e.Port] = true
		}
	}
	want := m.Logs[i].Port
	switch {
	case want == "" && len(ports) <= 1, want == AllPorts:
		return t, nil
	case want == "":
		var names []string
		for p := range ports {
			names = append(names, p)
		}
		return nil, m.errAt(m.Logs[i].node, fmt.Sprintf("logs[%d]", i), "%s talks to %d AT ports (%s): say which with port: (or port: all for channels of one modem)", m.Logs[i].File, len(ports), strings.Join(sorted(names), ", "))
	case !ports[want]:
		return nil, m.errAt(m.Node(fmt.Sprintf("logs[%d].port", i)), fmt.Sprintf("logs[%d].port", i), "%s has no AT port %q", m.Logs[i].File, want)
	}
	out := *t
	out.Entries = nil
	index := map[int]int{}
	for k, e := range t.Entries {
		if e.Port != want && e.Dir != fieldlog.Tool {
			continue
		}
		if e.Cmd >= 0 {
			e.Cmd = index[e.Cmd]
		}
		index[k] = len(out.Entries)
		out.Entries = append(out.Entries, e)
	}
	return &out, nil
}

// LogIndex is the index in Logs of the log named file, -1 if none.
func (f *Fixture) LogIndex(file string) int {
	for i, l := range f.Manifest.Logs {
		if l.File == file {
			return i
		}
	}
	return -1
}

// place puts every log on the fixture's timeline. Time 0 is the earliest
// wall-clock time of the logs that have one (and the first line of the
// first log when none has); a log without wall-clock times — a relative
// clock, or none — starts one second after the log before it ends: two
// pasted runs of an LPA are two sessions, one after the other.
func (f *Fixture) place() {
	n := len(f.Logs)
	f.origin, f.zero, f.years = make([]time.Duration, n), make([]time.Time, n), make([]int, n)
	f.timed = make([][]int32, n)
	for i, t := range f.Logs {
		f.timed[i] = lastTimed(t.Entries)
	}
	var t0 time.Time
	year := 0 // of the logs that say it
	for i, t := range f.Logs {
		f.zero[i] = firstTime(t)
		if t.Clock == fieldlog.Absolute && f.zero[i].Year() > 0 {
			year = f.zero[i].Year()
		}
	}
	for i, t := range f.Logs {
		if t.Clock == fieldlog.Absolute && !f.zero[i].IsZero() && f.zero[i].Year() == 0 && year > 0 {
			// A journal's "Aug 21 10:00:00" has no year: the other logs'.
			f.years[i] = year
			f.Notes = append(f.Notes, fmt.Sprintf("%s's times carry no year: %d, the other logs'", f.Manifest.Logs[i].File, year))
		}
		z := f.zero[i].AddDate(f.years[i], 0, 0)
		if t.Clock == fieldlog.Absolute && !f.zero[i].IsZero() && (t0.IsZero() || z.Before(t0)) {
			t0 = z
		}
	}
	var end time.Duration
	for i, t := range f.Logs {
		if t.Clock == fieldlog.Absolute && !t0.IsZero() {
			f.origin[i] = f.zero[i].AddDate(f.years[i], 0, 0).Sub(t0)
		} else if i > 0 {
			f.origin[i] = end + time.Second
		}
		if e := f.lastTime(i); e > end {
			end = e
		}
	}
}

func firstTime(t *fieldlog.Transcript) time.Time {
	for _, e := range t.Entries {
		if !e.Time.IsZero() {
			return e.Time
		}
	}
	for _, r := range t.Requests {
		return r.Time
	}
	for _, r := range t.RunEvents {
		return r.Time
	}
	return time.Time{}
}

// Time is when something logged at tm in log i happened, on the
// fixture's timeline; an untimed entry takes the time of the last timed
// one before it (0 before any).
func (f *Fixture) Time(i int, tm time.Time) time.Duration {
	if tm.IsZero() || f.zero[i].IsZero() {
		return f.origin[i]
	}
	return f.origin[i] + tm.Sub(f.zero[i])
}

// EntryTime is the fixture time of entry k of log i.
func (f *Fixture) EntryTime(i, k int) time.Duration {
	es := f.Logs[i].Entries
	j := k
	if i < len(f.timed) && len(f.timed[i]) == len(es) {
		j = int(f.timed[i][k])
	} else {
		for j >= 0 && es[j].Time.IsZero() {
			j--
		}
	}
	if j < 0 {
		return f.origin[i]
	}
	return f.Time(i, es[j].Time)
}

// lastTimed is Fixture.timed of one log's entries.
func lastTimed(es []fieldlog.Entry) []int32 {
	idx := make([]int32, len(es))
	last := int32(-1)
	for k := range es {
		if !es[k].Time.IsZero() {
			last = int32(k)
		}
		idx[k] = last
	}
	return idx
}

// lastTime is the fixture time of log i's last line.
func (f *Fixture) lastTime(i int) time.Duration {
	t := f.Logs[i]
	switch {
	case len(t.Entries) > 0:
		return f.EntryTime(i, len(t.Entries)-1)
	case len(t.Requests) > 0:
		return f.Time(i, t.Requests[len(t.Requests)-1].Time)
	case len(t.RunEvents) > 0:
		return f.Time(i, t.RunEvents[len(t.RunEvents)-1].Time)
	}
	return f.origin[i]
}

// End is the fixture time of the last line of any log.
func (f *Fixture) End() time.Duration {
	var end time.Duration
	for i := range f.Logs {
		end = max(end, f.lastTime(i))
	}
	return end
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
