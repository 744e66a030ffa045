// Package report gathers what a `make run` produced — the Ginkgo suite's
// JSON report and the scenario results of `esimhil run` — into one index
// page (out/index.html) linking every spec's and scenario's timeline with
// its verdict, seed and durations, and writes JUnit for the scenarios and
// for the suite with the same facts as properties, so a CI server shows
// where the artifacts are and how to replay a run.
package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/esimhil/esimhil/harness/owed"
	"github.com/esimhil/esimhil/harness/timeline"
	"github.com/esimhil/esimhil/internal/atomicfile"
)

// Owed is owed.Notes by the name Entry embeds it under: a record reads
// e.Owed, as a run's Result, its page and a Rechecked do, while
// results.json keeps each kind's key at the top of the entry.
type Owed = owed.Notes

// Entry is one spec or scenario run.
type Entry struct {
	Kind    string `json:"kind"` // "spec" or "scenario"
	Name    string `json:"name"`
	Verdict string `json:"verdict"` // pass, fail, error, skipped
	// Seed is nil (absent from the JSON) when none was recorded: a
	// scenario that did not load never ran. 0 is a seed like any other.
	Seed *int64 `json:"seed,omitempty"`
	// Simulated is the simulated time the run covered; Wall how long it
	// took. When Unfinished they were never recorded: Simulated is then
	// at most how far the run's events.jsonl reached (Reconcile), and
	// Wall is 0.
	Simulated time.Duration `json:"simulated_ns"`
	Wall      time.Duration `json:"wall_ns"`
	// LabSpeed, for a lab spec, is how fast its clock followed the wall
	// clock (timeline.Run.Speed: 1 with a real modem); absent for an
	// emulated one.
	LabSpeed float64 `json:"lab_speed,omitempty"`
	// RunTime is the whole run's wall time, its close included (the
	// capture checked, the page written), which Wall, the rig's, leaves
	// out: JUnit's time, so that a CI server's case times add up to the
	// job (outside tester sw127). 0 where not measured: Wall stands in.
	RunTime time.Duration `json:"run_ns,omitempty"`
	// Unfinished says the process ended during the run (killed, crashed):
	// the entry is what was known before it started.
	Unfinished bool `json:"unfinished,omitempty"`
	// Dir holds the run's artifacts; Timeline is its page. In memory they
	// are paths the reader can open; on disk, results.json and spec.json
	// store them relative to the file (WriteScenarios, WriteSpecFile), so
	// a copied out/ still finds them.
	Dir      string `json:"dir,omitempty"`
	Timeline string `json:"timeline,omitempty"`
	// Message says why it did not pass.
	Message string `json:"message,omitempty"`
	// Unfired lists the fault plan's entries that never fired (a
	// scenario that reached its horizon).
	Unfired []string `json:"unfired,omitempty"`
	// Dropped says which notes the card dropped from its full outbox:
	// the platform never got them.
	Dropped string `json:"dropped_notes,omitempty"`
	// Owed says which notes the card still owed the platform and the
	// SM-DP+s at the end of the run, unacknowledged: embedded, so that
	// results.json names each kind at the top of the entry
	// ("owed_notes", "owed_smdp_notes").
	Owed
	// OpenCycle says the scenario's run ended inside a cycle of the
	// card's: its end state was read mid-switch.
	OpenCycle string `json:"open_cycle,omitempty"`
	// Capture is how the run's traffic.pcapng was made: tap or live
	// (what --capture auto chose).
	Capture string `json:"capture,omitempty"`
	// Personality is the modem dialect the scenario's modem spoke (its
	// name); PersonalityEnv the ESIMHIL_PERSONALITY the run was given, as
	// given ("" when none: the scenario's own device.personality). Both
	// empty in an older esimhil's record.
	Personality    string `json:"personality,omitempty"`
	PersonalityEnv string `json:"personality_env,omitempty"`
	// Digests are the SHA-256 of the evidence files as the run wrote
	// them (DigestedFiles, Digests): Reconcile holds the directory to
	// them, so an artifact cut, edited or swapped since is said.
	Digests map[string]string `json:"sha256,omitempty"`
	// Rerun is, in results.json, the command that runs the scenario
	// again as it ran (RerunCommand), from the directory the file is in;
	// written for people, never read back.
	Rerun string `json:"rerun,omitempty"`
	// Props are a spec's other report entries (replay, dialect, a lab
	// run's transcripts…) as their text, for its JUnit properties;
	// Output is what a spec that did not pass wrote to GinkgoWriter, its
	// JUnit system-err. Both only from the suite's Ginkgo report.
	Props  []Prop `json:"-"`
	Output string `json:"-"`
	// Failure is a spec's failure as Ginkgo tells it — the message, where
	// it failed and, for a panic, its value and stack —, the JUnit
	// failure's text ("" for a scenario: its Message is that).
	Failure string `json:"-"`
	// Doubt says why the index does not vouch for the entry's record: its
	// directory contradicts it (a verdict withdrawn, evidence changed
	// since, a page showing another verdict). esimhil report lists the
	// entry and exits 1 (Doubted); never written to a file.
	Doubt string `json:"-"`
	// wantKind is the kind the file the entry was read from holds (a
	// results.json: scenario; a spec.json: spec), "" for one built here.
	wantKind string
}

// Prop is one named report entry of a spec, as text.
type Prop struct{ Name, Value string }

// Report entry names a spec's rig adds (harness/framework), read back here.
const (
	EntryArtifacts = "artifacts"
	EntryTimeline  = "timeline"
	EntrySeed      = "seed"
	EntrySimulated = "simulated"
	// EntryLabSpeed is a lab spec's clock rate (Entry.LabSpeed).
	EntryLabSpeed = "lab_speed"
	// EntryWall is a kept spec's wall time as its page and spec file give
	// it (to its rig's close): the index shows that one, not Ginkgo's run
	// time, which goes on while the page is written (outside tester sw108).
	EntryWall      = "wall"
	EntryUnfired   = "unfired"       // a fault of the plan that never fired
	EntryOpenCycle = "open_cycle"    // the run ended inside a cycle of the card's
	EntryDropped   = "dropped_notes" // notes the card dropped from its full outbox
	EntryCapture   = "capture"       // tap or live
	EntryRerun     = "rerun"         // the command that runs a scenario again as it ran
	EntryModem     = "personality"   // the modem dialect a scenario's modem spoke
)

// ScenariosFile is where `esimhil run --out DIR` lists its results.
const ScenariosFile = "results.json"

// SpecFile is a kept spec's own entry, written beside its artifacts when
// the spec ends (harness/framework): what the suite's report says of it,
// for when the suite was killed before it wrote its report.
const SpecFile = "spec.json"

// incompleteFile is harness.IncompleteFile: a rig that never closed (its
// spec was stopped in the middle) left it.
const incompleteFile = "INCOMPLETE"

// ReadSpecDirs lists the spec directories under dir (out/specs): each
// one's SpecFile, or, for a directory without one, an error entry that
// says the spec did not finish and why when its INCOMPLETE marker does;
// unfinished counts those. A directory that holds runs of specs below it
// (specs/field/<fixture>, isContainer) is read the same way one level
// down: a field replay stopped in the middle is as unfinished as any
// spec, and a record that does not decode is an error, not a run left
// out of the index.
func ReadSpecDirs(dir string) (out []Entry, unfinished int, err error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, 0, err
	}
	for _, de := range des {
		if !de.IsDir() {
			continue
		}
		d := filepath.Join(dir, de.Name())
		if _, err := os.Stat(filepath.Join(d, SpecFile)); errors.Is(err, os.ErrNotExist) && isContainer(d) {
			subs, err := os.ReadDir(d)
			if err != nil {
				return nil, 0, err
			}
			for _, sub := range subs {
				sd := filepath.Join(d, sub.Name())
				if !sub.IsDir() || !holdsRun(sd) {
					continue
				}
				e, err := readSpecDir(sd, de.Name()+"/"+sub.Name())
				if err != nil {
					return nil, 0, err
				}
				out = append(out, e)
				if e.Unfinished {
					unfinished++
				}
			}
			continue
		}
		e, err := readSpecDir(d, de.Name())
		if err != nil {
			return nil, 0, err
		}
		out = append(out, e)
		if e.Unfinished {
			unfinished++
		}
	}
	return out, unfinished, nil
}

// holdsRun reports a directory a spec's run wrote: its event log or its
// record.
func holdsRun(d string) bool {
	for _, f := range []string{eventsFile, SpecFile} {
		if _, err := os.Stat(filepath.Join(d, f)); err == nil {
			return true
		}
	}
	return false
}

// readSpecDir is the entry of the spec whose artifacts are d: its
// SpecFile, or, when it wrote none, an unfinished error entry named name
// that says why when its INCOMPLETE marker does.
func readSpecDir(d, name string) (Entry, error) {
	found, err := ReadSpecFile(d)
	if err == nil {
		return found, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return Entry{}, err
	}
	e := Entry{Kind: "spec", Name: name, Verdict: "error", Dir: d, Unfinished: true,
		Message: "did not finish: the suite stopped during this spec"}
	if why, err := os.ReadFile(filepath.Join(d, incompleteFile)); err == nil {
		e.Message += " (" + firstLine(string(why)) + ")"
	}
	page := filepath.Join(d, timeline.FileName)
	if _, err := os.Stat(page); err == nil {
		e.Timeline = page
	}
	return e, nil
}

// isContainer reports a directory that holds no run of its own (no
// events.jsonl) but runs directly below it: where specs keep a directory
// per run they make (specs/field/<fixture>), not a spec's own artifacts.
func isContainer(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, eventsFile)); err == nil {
		return false
	}
	subs, _ := os.ReadDir(dir)
	for _, sub := range subs {
		if sub.IsDir() && holdsRun(filepath.Join(dir, sub.Name())) {
			return true
		}
	}
	return false
}

// RunDirsBelow lists, in name order, up to max directories one or two
// levels below dir that hold a run's events.jsonl (DIR/<name>, as
// specs/field/<fixture>; DIR/scenarios/<name>, as make run's out/).
func RunDirsBelow(dir string, max int) []string {
	var found []string
	var walk func(d string, depth int)
	walk = func(d string, depth int) {
		des, err := os.ReadDir(d)
		if err != nil {
			return
		}
		for _, de := range des {
			if len(found) >= max {
				return
			}
			if !de.IsDir() {
				continue
			}
			sub := filepath.Join(d, de.Name())
			if _, err := os.Stat(filepath.Join(sub, eventsFile)); err == nil {
				found = append(found, sub)
			} else if depth < 2 {
				walk(sub, depth+1)
			}
		}
	}
	walk(dir, 1)
	return found
}

// WriteSpecFile writes a spec's entry as dir/SpecFile, dir being the
// spec's artifacts directory: its Dir and Timeline are stored relative
// to dir (Dir as "."), so the directory reads the same once moved or
// copied with out/.
func WriteSpecFile(dir string, e Entry) error {
	e.Dir, e.Timeline = relUnder(dir, e.Dir), relUnder(dir, e.Timeline)
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, SpecFile), b, 0o644, false)
}

// ReadSpecFile reads dir/SpecFile (WriteSpecFile). The spec's artifacts
// are dir itself, wherever it was written: its Dir is dir, and its page
// is read relative to dir — or, as an older esimhil stored it, absolute:
// a page under the directory it was written in is taken from dir, so a
// copy links its own page, not the original's.
func ReadSpecFile(dir string) (Entry, error) {
	path := filepath.Join(dir, SpecFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return Entry{}, err
	}
	var e Entry
	if err := json.Unmarshal(b, &e); err != nil {
		return Entry{}, jsonAt(path, b, err)
	}
	was := e.Dir
	e.Dir = dir
	e.Timeline = moved(joinRel(dir, e.Timeline), joinRel(dir, was), dir)
	e.wantKind = "spec"
	return e, nil
}

// moved is path, which lay under the directory from, now that from's
// contents are at to; a path not under from is kept.
func moved(path, from, to string) string {
	if path == "" || from == "" {
		return path
	}
	r, err := filepath.Rel(from, path)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) || filepath.IsAbs(r) {
		return path
	}
	return filepath.Join(to, r)
}

// ReadScenarios reads the results `esimhil run` wrote. Their artifact
// paths are stored relative to the file's directory (WriteScenarios) and
// come back joined to it, so they resolve from wherever the reader runs
// and after the directory was moved or copied whole.
func ReadScenarios(path string) ([]Entry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenario results: %w", err)
	}
	var out []Entry
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("scenario results %w", jsonAt(path, b, err))
	}
	base := filepath.Dir(path)
	for i := range out {
		out[i].Dir, out[i].Timeline = joinRel(base, out[i].Dir), joinRel(base, out[i].Timeline)
		out[i].wantKind = "scenario"
	}
	return out, nil
}

// WriteScenarios writes results for ReadScenarios, the artifact paths
// relative to path's directory when they lie under it.
func WriteScenarios(path string, es []Entry) error {
	base := filepath.Dir(path)
	stored := slices.Clone(es)
	for i := range stored {
		stored[i].Dir, stored[i].Timeline = relUnder(base, stored[i].Dir), relUnder(base, stored[i].Timeline)
		stored[i].Rerun = RerunCommand(stored[i], stored[i].Dir)
	}
	b, err := json.MarshalIndent(stored, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(path, append(b, '\n'))
}

// relUnder is target relative to base when it lies under base, else
// target as given.
func relUnder(base, target string) string {
	if target == "" {
		return ""
	}
	r := rel(base, target)
	if r == target || r == ".." || strings.HasPrefix(r, "../") {
		return target
	}
	return r
}

// joinRel is a stored path as the reader reaches it: a relative one is
// under base.
func joinRel(base, stored string) string {
	if stored == "" || filepath.IsAbs(stored) {
		return stored
	}
	return filepath.Join(base, filepath.FromSlash(stored))
}

// ReadGinkgo reads a Ginkgo JSON report (--json-report) into entries: one
// per It, with the seed, simulated time, artifacts and timeline the spec
// recorded (a rig records them all), and none it did not.
func ReadGinkgo(path string) ([]Entry, error) {
	suites, err := readSuites(path)
	if err != nil {
		return nil, err
	}
	return specEntries(suites), nil
}

// readSuites reads a Ginkgo JSON report.
func readSuites(path string) ([]types.Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ginkgo report: %w", err)
	}
	var suites []types.Report
	if err := json.Unmarshal(b, &suites); err != nil {
		return nil, fmt.Errorf("ginkgo report %w", jsonAt(path, b, err))
	}
	return suites, nil
}

// specEntries are a report's Its as entries, and the suite-level nodes
// (BeforeSuite, AfterSuite, a ReportAfterSuite…) that failed: a suite
// whose every spec passed and whose AfterSuite failed did not pass.
func specEntries(suites []types.Report) []Entry {
	var out []Entry
	for _, s := range suites {
		for _, sp := range s.SpecReports {
			if sp.LeafNodeType != types.NodeTypeIt {
				if sp.State.Is(types.SpecStateFailureStates) {
					name := strings.TrimSpace("[" + sp.LeafNodeType.String() + "] " + sp.LeafNodeText)
					out = append(out, Entry{Kind: "spec", Name: name, Wall: sp.RunTime, Verdict: verdictOf(sp.State),
						Message: failureOf(sp), Failure: failureText(sp), Output: sp.CapturedGinkgoWriterOutput + sp.CapturedStdOutErr})
				}
				continue
			}
			// No seed unless the spec recorded one: the suite's
			// --seed is not the seed of a run the spec made (a kill -9
			// child's, a field replay's), and shown as one it would
			// say what nobody recorded.
			e := Entry{Kind: "spec", Name: sp.FullText(), Wall: sp.RunTime, RunTime: sp.RunTime, Verdict: verdictOf(sp.State)}
			switch {
			case sp.State.Is(types.SpecStateFailureStates):
				e.Message, e.Failure = failureOf(sp), failureText(sp)
				e.Output = sp.CapturedGinkgoWriterOutput + sp.CapturedStdOutErr
			case sp.State.Is(types.SpecStateSkipped | types.SpecStatePending):
				e.Message = sp.Failure.Message // Skip's reason
				if e.Message == "" && sp.State == types.SpecStateSkipped {
					e.Message = notSelected(s, sp)
				}
			}
			for _, re := range sp.ReportEntries {
				v := re.Value.GetRawValue()
				switch re.Name {
				case EntryArtifacts:
					e.Dir, _ = v.(string)
				case EntryTimeline:
					e.Timeline, _ = v.(string)
				case EntrySeed:
					if f, ok := v.(float64); ok {
						e.Seed = new(int64(f))
					}
				case EntrySimulated:
					if s, ok := v.(string); ok {
						e.Simulated, _ = time.ParseDuration(s)
					}
				case EntryLabSpeed:
					if f, ok := v.(float64); ok && f > 0 {
						e.LabSpeed = f
					}
				case EntryWall:
					if s, ok := v.(string); ok {
						if d, err := time.ParseDuration(s); err == nil {
							e.Wall = d
						}
					}
				default:
					// Its text as the spec gave it (a string's own
					// characters, a Stringer's String), not Ginkgo's
					// JSON of it, whose quotes would end up in a path.
					e.Props = append(e.Props, Prop{re.Name, re.Value.String()})
				}
			}
			out = append(out, e)
		}
	}
	return out
}

// notSelected says why a spec skipped without a reason of its own did
// not run: Ginkgo's report gives the specs its filters rule out no
// message, so each filter the suite ran with is applied again as Ginkgo
// applies it (internal/focus.go: the label filter over the suite's and
// the spec's labels, --focus and --skip over the suite's description and
// the spec's text, the file filters over code locations). "" when none
// rules it out: a spec skipped by an interrupt or --fail-fast, which the
// report does not tell apart. The file filters are held to the locations
// the report keeps (its containers' and its own; Ginkgo also counts its
// setup nodes'), so a --focus-file reason says which were looked at.
func notSelected(s types.Report, sp types.SpecReport) string {
	cfg := s.SuiteConfig
	var why []string
	if cfg.LabelFilter != "" {
		labels := append(slices.Clone(s.SuiteLabels), sp.Labels()...)
		if match, err := types.ParseLabelFilter(cfg.LabelFilter); err == nil && !match(labels) {
			if len(labels) == 0 {
				why = append(why, fmt.Sprintf("it has no labels, which --label-filter %q does not match", cfg.LabelFilter))
			} else {
				why = append(why, fmt.Sprintf("its labels [%s] do not match --label-filter %q", strings.Join(labels, ", "), cfg.LabelFilter))
			}
		}
	}
	locs := append(slices.Clone(sp.ContainerHierarchyLocations), sp.LeafNodeLocation)
	if len(cfg.FocusFiles) > 0 {
		if ff, err := types.ParseFileFilters(cfg.FocusFiles); err == nil && !ff.Matches(locs) {
			why = append(why, fmt.Sprintf("its containers' and its own file and line match no --focus-file %q", strings.Join(cfg.FocusFiles, " ")))
		}
	}
	if len(cfg.SkipFiles) > 0 {
		if ff, err := types.ParseFileFilters(cfg.SkipFiles); err == nil && ff.Matches(locs) {
			why = append(why, fmt.Sprintf("its file and line match --skip-file %q", strings.Join(cfg.SkipFiles, " ")))
		}
	}
	text := s.SuiteDescription + " " + sp.FullText()
	if focus := strings.Join(cfg.FocusStrings, "|"); focus != "" {
		if re, err := regexp.Compile(focus); err == nil && !re.MatchString(text) {
			why = append(why, fmt.Sprintf("its text does not match --focus %q", focus))
		}
	}
	if skip := strings.Join(cfg.SkipStrings, "|"); skip != "" {
		if re, err := regexp.Compile(skip); err == nil && re.MatchString(text) {
			why = append(why, fmt.Sprintf("its text matches --skip %q", skip))
		}
	}
	if len(why) == 0 {
		return ""
	}
	return "not selected: " + strings.Join(why, "; ")
}

// failureOf is a failed node's message: a panic's names its value.
func failureOf(sp types.SpecReport) string {
	if sp.State == types.SpecStatePanicked && sp.Failure.ForwardedPanic != "" {
		return sp.Failure.Message + ": " + sp.Failure.ForwardedPanic
	}
	return sp.Failure.Message
}

// failureText is a failed node's whole story, as Ginkgo's own JUnit
// gives it: the state and message, the node and where it failed, and a
// panic's stack.
func failureText(sp types.SpecReport) string {
	f := sp.Failure
	var b strings.Builder
	fmt.Fprintf(&b, "[%s] %s\n", strings.ToUpper(sp.State.String()), failureOf(sp))
	node := f.FailureNodeType
	if node == types.NodeTypeInvalid {
		node = sp.LeafNodeType
	}
	if f.Location.FileName != "" {
		fmt.Fprintf(&b, "In [%s] at: %s\n", node, f.Location)
	} else {
		fmt.Fprintf(&b, "In [%s]\n", node)
	}
	if f.Location.FullStackTrace != "" && sp.State == types.SpecStatePanicked {
		b.WriteString("\nFull Stack Trace\n" + f.Location.FullStackTrace)
	}
	return b.String()
}

// labSuite reports whether a Ginkgo report is a lab run's (its label
// filter picks env:lab, as make lab's does).
func labSuite(suites []types.Report) bool {
	for _, s := range suites {
		if strings.Contains(s.SuiteConfig.LabelFilter, "env:lab") && !strings.Contains(s.SuiteConfig.LabelFilter, "!env:lab") {
			return true
		}
	}
	return false
}

func verdictOf(s types.SpecState) string {
	switch {
	case s == types.SpecStatePassed:
		return "pass"
	case s.Is(types.SpecStateSkipped | types.SpecStatePending):
		return "skipped"
	case s == types.SpecStateFailed:
		return "fail"
	}
	return "error"
}

// Gather reads what `make run` wrote under out: report.json (the suite)
// and scenarios/results.json (or results.json: out is then the directory
// of `esimhil run --out` itself). A missing file is reported in the returned
// notes, not as an error: the index says what it lacks.
func Gather(out string) (entries []Entry, notes []string, err error) {
	suites, err := readSuites(filepath.Join(out, "report.json"))
	specs := specEntries(suites)
	noSuite := false
	switch {
	case errors.Is(err, os.ErrNotExist):
		// A suite killed outright (the OOM killer, a CI job's limit)
		// writes no report; its kept specs say what they can.
		found, unfinished, ferr := ReadSpecDirs(filepath.Join(out, "specs"))
		if ferr != nil && !errors.Is(ferr, os.ErrNotExist) {
			return nil, nil, ferr
		}
		if len(found) == 0 {
			noSuite = true // said below, unless out is esimhil run's own --out
			break
		}
		notes = append(notes, fmt.Sprintf("no Ginkgo report (report.json): the suite did not finish (killed, or crashed); "+
			"the %d spec directories under specs/ are listed from their %s, %d without one (stopped in the middle); specs that kept no directory are missing",
			len(found), SpecFile, unfinished))
		specs = found
	case err != nil:
		return nil, nil, err
	}
	scenDir := filepath.Join(out, "scenarios")
	scen, err := ReadScenarios(filepath.Join(scenDir, ScenariosFile))
	runOut := false
	if errors.Is(err, os.ErrNotExist) {
		// The directory of `esimhil run --out DIR` itself, not make
		// run's parent of it: no suite is expected there.
		scenDir = out
		scen, err = ReadScenarios(filepath.Join(out, ScenariosFile))
		runOut = err == nil
	}
	var unrecorded []Entry
	if err == nil {
		unrecorded = Unrecorded(scenDir, scen)
	}
	if noSuite && !runOut {
		notes = append(notes, "no Ginkgo report (report.json): the suite did not run")
	}
	switch {
	case errors.Is(err, os.ErrNotExist) && labSuite(suites):
		// make lab's directory: the lab's specs, no scenarios expected.
	case errors.Is(err, os.ErrNotExist):
		notes = append(notes, "no scenario results (scenarios/"+ScenariosFile+", or "+ScenariosFile+" where esimhil run --out wrote it): no esimhil run wrote here")
	case err != nil:
		return nil, nil, err
	}
	for i := range specs {
		reroot(&specs[i], filepath.Join(out, "specs"))
	}
	all := append(specs, scen...)
	for i := range all {
		e := &all[i]
		notes = append(notes, Reconcile(e)...)
		if e.Kind == "spec" && e.Dir != "" {
			// Listed from report.json, a spec's own record is not read
			// here, but esimhil timeline reads it: say it is damaged
			// (outside tester sw130 N5).
			if _, err := ReadSpecFile(e.Dir); err != nil && !errors.Is(err, os.ErrNotExist) {
				notes = append(notes, fmt.Sprintf("spec %q: its record does not read: %v (esimhil timeline %s would write its page with no verdict)", e.Name, err, shellQuote(e.Dir)))
			}
		}
		if _, err := os.Stat(e.Dir); err == nil && e.Timeline == "" && e.Verdict != "skipped" {
			notes = append(notes, fmt.Sprintf("%s %q kept artifacts but has no timeline", e.Kind, e.Name))
		}
		if v := pageVerdict(e); v != "" && v != e.Verdict {
			// The page a bug report attaches shows another verdict than
			// the record's (outside tester sw112: a badge edited, the
			// index linking it under pass, nothing said).
			notes = append(notes, doubt(e, fmt.Sprintf("%s %q: its page shows %s where its record says %s: one of them was edited (esimhil timeline %s writes the page again from the directory)",
				e.Kind, e.Name, v, e.Verdict, shellQuote(e.Dir))))
		}
		if cut := cutPages(e.Dir); e.Dir != "" && len(cut) > 0 {
			notes = append(notes, fmt.Sprintf("%s %q: %s, which the index links, %s cut or empty (esimhil timeline %s writes %s again)",
				e.Kind, e.Name, strings.Join(cut, ", "), isAre(len(cut)), shellQuote(e.Dir), map[bool]string{true: "it", false: "them"}[len(cut) == 1]))
		}
	}
	if len(unrecorded) > 0 {
		names := make([]string, len(unrecorded))
		for i, e := range unrecorded {
			names[i] = e.Name
		}
		notes = append(notes, fmt.Sprintf("%d scenario run director%s under %s %s not in %s, which records only the last esimhil run into it: %s — listed apart as %s, with no verdict",
			len(unrecorded), map[bool]string{true: "y", false: "ies"}[len(unrecorded) == 1], scenDir, map[bool]string{true: "is", false: "are"}[len(unrecorded) == 1],
			ScenariosFile, strings.Join(names, ", "), NotRecorded))
	}
	return append(all, unrecorded...), notes, nil
}

// NotRecorded is the verdict of a scenario run directory that the
// results.json beside it does not name (an earlier esimhil run into the
// same --out): what it holds is shown, but it is no result of the record.
const NotRecorded = "not in this run's record"

// Unrecorded lists the scenario run directories in dir (one that holds an
// events.jsonl or a scenario.yaml) that none of recorded names, in name
// order, as entries with the verdict NotRecorded and what the directory
// says: its seed, how far its events reached, its page.
func Unrecorded(dir string, recorded []Entry) []Entry {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	// A directory written after results.json last was is no earlier run's:
	// the run that wrote results.json went on into it and could not write
	// results.json again (a full disk).
	var recordWritten time.Time
	if st, err := os.Stat(filepath.Join(dir, ScenariosFile)); err == nil {
		recordWritten = st.ModTime()
	}
	var out []Entry
	for _, de := range des {
		d := filepath.Join(dir, de.Name())
		if !de.IsDir() || slices.ContainsFunc(recorded, func(e Entry) bool { return e.Dir != "" && same(e.Dir, d) }) {
			continue
		}
		stEv, errEv := os.Stat(filepath.Join(d, eventsFile))
		stSc, errSc := os.Stat(filepath.Join(d, scenarioFile))
		if errEv != nil && errSc != nil {
			continue // not a scenario's run
		}
		msg := ScenariosFile + " here does not name it: an earlier esimhil run into this directory left it; its verdict was in that run's output"
		// scenario.yaml is written as the run starts; events.jsonl too.
		started := stSc
		if errSc != nil {
			started = stEv
		}
		if !recordWritten.IsZero() && started.ModTime().After(recordWritten) {
			msg = ScenariosFile + " here does not name it, though by the files' times its run started after " + ScenariosFile +
				" was last written: the run that wrote it went on into this one and could not write " + ScenariosFile +
				" again (a full disk?), so its verdict, if it got one, is in that run's output and --junit file (a copy that did not keep the times can make an earlier run's look so)"
		}
		st := ReadDirState(d)
		e := Entry{Kind: "scenario", Name: de.Name(), Verdict: NotRecorded, Dir: d, Timeline: st.Page, Simulated: st.Ends.Reached(), Message: msg}
		if st.Ends.HasSeed {
			e.Seed = new(st.Ends.Seed)
		}
		e.OpenCycle = readOpenCycle(filepath.Join(d, eventsFile))
		out = append(out, e)
	}
	return out
}

// scenarioFile is the scenario a run's directory keeps (harness's).
const scenarioFile = "scenario.yaml"

// SuiteJUnitFile is the suite's JUnit, beside its Ginkgo report.
const SuiteJUnitFile = "junit.xml"

// WriteSuiteJUnit writes out/junit.xml from the suite's Ginkgo report
// (out/report.json) with the writer the scenarios' JUnit uses: each
// spec's seed, artifacts and timeline as plain text relative to the file
// (Ginkgo's own JUnit gives a report entry as its JSON, a path in
// quotes), properties before the failure, times to the millisecond. A
// suite without its report (killed before it wrote one) gets no JUnit:
// one made from the spec directories left would list only the specs that
// kept one, and could pass. It returns the path, "" when there was no
// report.
func WriteSuiteJUnit(out string) (string, error) {
	suites, err := readSuites(filepath.Join(out, "report.json"))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	specs := specEntries(suites)
	for i := range specs {
		reroot(&specs[i], filepath.Join(out, "specs"))
	}
	var names []string
	for _, s := range suites {
		names = append(names, s.SuiteDescription)
	}
	var ran time.Duration // side by side with --procs: not the cases' sum
	for _, s := range suites {
		ran += s.RunTime
	}
	path := filepath.Join(out, SuiteJUnitFile)
	b, err := junit(strings.Join(names, ", "), out, specs, &ran)
	if err != nil {
		return "", fmt.Errorf("junit: %w", err)
	}
	return path, writeAtomic(path, b)
}

// pageVerdict is the verdict the page of e, a judged run with one,
// shows; "" for any other entry, or a page that shows none. The page is
// read only then.
func pageVerdict(e *Entry) string {
	if e.Dir == "" || e.Timeline == "" || !Judged(e.Verdict) {
		return ""
	}
	if v := timeline.PageVerdict(filepath.Join(e.Dir, timeline.FileName)); Judged(v) {
		return v
	}
	return ""
}

// Judged says v is a verdict esimhil writes on a run it judged.
func Judged(v string) bool { return v == "pass" || v == "fail" || v == "error" }

// reroot points a spec entry of the suite's report at its directory
// under specs when the report names it elsewhere: the report (Ginkgo's
// JSON, whose entries the rig made) holds the absolute path the spec
// wrote to, which in a copy of out/ is the original's — missing, or not
// this copy's. A directory named so under specs is the spec's own (one
// directory a spec, by its full name); without one the path is kept
// (artifacts kept outside out/, ESIMHIL_ARTIFACTS elsewhere). A field
// replay's directory is one level further down, specs/field/<fixture>.
func reroot(e *Entry, specs string) {
	if e.Dir == "" {
		return
	}
	dir := filepath.Clean(e.Dir)
	for _, here := range []string{
		filepath.Join(specs, filepath.Base(dir)),
		filepath.Join(specs, filepath.Base(filepath.Dir(dir)), filepath.Base(dir)),
	} {
		if same(here, e.Dir) {
			return
		}
		if st, err := os.Stat(here); err != nil || !st.IsDir() {
			continue
		}
		e.Timeline = moved(e.Timeline, e.Dir, here)
		e.Dir = here
		return
	}
}

// same reports whether a and b name one file (both absolute, cleaned).
func same(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	ab, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == ab
}

// DirState is what a run's directory holds now, which may be more than
// its recorded entry knew: a page `esimhil timeline` wrote after a kill,
// an event log that reached its end while the page was being written.
type DirState struct {
	Page string // the first page's path, "" when there is none
	// Marker is INCOMPLETE's text ("" when there is none).
	Marker string
	Ends   timeline.LogEnds
	// EndsErr says why the event log could not be read.
	EndsErr error
}

// ReadDirState reads dir's page, INCOMPLETE and event log ends.
func ReadDirState(dir string) DirState {
	var st DirState
	if _, err := os.Stat(filepath.Join(dir, timeline.FileName)); err == nil {
		st.Page = filepath.Join(dir, timeline.FileName)
	}
	if b, err := os.ReadFile(filepath.Join(dir, incompleteFile)); err == nil {
		st.Marker = strings.TrimSpace(string(b))
		if st.Marker == "" {
			st.Marker = "(empty)"
		}
	}
	st.Ends, st.EndsErr = timeline.ReadLogEnds(filepath.Join(dir, eventsFile))
	return st
}

// SimulationFinished reports whether the directory says its simulation
// ran to its end: no INCOMPLETE, or one that says only that the page is
// pending, and an event log that is whole (its last line not cut) and
// does not end with run_incomplete.
func (st DirState) SimulationFinished() bool {
	return (st.Marker == "" || strings.HasPrefix(st.Marker, timeline.PagePending)) &&
		st.EndsErr == nil && !st.Ends.Last.IsZero() && !st.Ends.Incomplete && !st.Ends.Cut
}

// eventsFile is harness.EventsFile.
const eventsFile = "events.jsonl"

// Reconcile brings a recorded entry up to what its directory holds now:
// a page written since (linked), and for an entry recorded before its run
// ended (Unfinished) the seed and how far the events reached. Where the
// record and the directory disagree it says so, in the entry's message
// and in the returned notes, rather than pick one silently.
func Reconcile(e *Entry) (notes []string) {
	want := e.wantKind
	e.wantKind = "" // checked once, below: an entry holds what it says
	if e.Dir == "" {
		return nil
	}
	page := filepath.Join(e.Dir, timeline.FileName)
	_, err := os.Stat(page)
	if e.Timeline != "" && !same(e.Timeline, page) {
		// A run's page is its directory's: another one linked is an
		// edit (outside tester sw94: a FAIL row linking a PASS page).
		notes = append(notes, doubt(e, fmt.Sprintf("%s %q: its record links %s as its page, not its directory's %s: the directory's is linked", e.Kind, e.Name, e.Timeline, page)))
		e.Timeline = page
	}
	switch {
	case e.Timeline == "" && err == nil:
		e.Timeline = page
	case e.Timeline != "" && err != nil:
		e.Timeline = "" // gone since: the index says it has none
	}
	if want != "" && e.Kind != want {
		// esimhil writes one kind a file: another is an edit, which
		// would take the record past the checks of its own kind (outside
		// tester sw92: a failing scenario's record made a passing "spec").
		was, verdict := e.Kind, e.Verdict
		e.Kind = want
		return disown(e, fmt.Sprintf("its record says kind %q (and %s), but the file holds %ss only: the record was edited", was, verdict, want),
			fmt.Sprintf("%s %q: its record's kind is %q, which esimhil never writes there: listed with no verdict", e.Kind, e.Name, was))
	}
	if st, err := os.Stat(e.Dir); err != nil || !st.IsDir() {
		// Nothing to hold the record to, nor to list apart (outside
		// tester sw90: read as directories not in the record).
		return []string{fmt.Sprintf("%s %q: its directory %s is gone: its verdict is its record's alone", e.Kind, e.Name, e.Dir)}
	}
	if note := otherRun(e); note != "" {
		return []string{note}
	}
	if changed, identity := altered(e); identity {
		return unrecord(e, changed)
	} else if len(changed) > 0 {
		notes = append(notes, doubt(e, alteredNote(e, changed)))
	}
	if note := undigested(e); note != "" {
		notes = append(notes, note)
	}
	if !e.Unfinished {
		return notes
	}
	st := ReadDirState(e.Dir)
	if e.Seed == nil && st.Ends.HasSeed {
		e.Seed = new(st.Ends.Seed)
	}
	e.Simulated = st.Ends.Reached()
	if st.SimulationFinished() {
		e.Message = fmt.Sprintf("recorded as not finished (the process ended during this run), but its directory says the simulation finished: "+
			"events.jsonl is whole to %s without run_incomplete and INCOMPLETE %s; the process ended while closing it or writing its page, "+
			"so its expectations were never checked and it has no verdict: run it again for one",
			timeline.FormatSim(e.Simulated), map[bool]string{true: "is gone", false: "says only page pending"}[st.Marker == ""])
		notes = append(notes, doubt(e, fmt.Sprintf("%s %q: its recorded result and its directory disagree (see its row): the record says not finished, the directory says the simulation finished", e.Kind, e.Name)))
	}
	return notes
}

// otherRun turns a scenario's entry whose record is not of the run its
// directory holds — another seed or scenario than its events.jsonl's
// run_started, as when an earlier results.json is put back beside the next
// run's directory — into one with no verdict (NotRecorded) and what the
// directory says, rather than lend that run the record's verdict (a FAIL
// shown as PASS: outside tester sw76 M2). It returns the note saying so,
// "" when the record is the directory's (or the log does not say).
func otherRun(e *Entry) string {
	if e.Kind != "scenario" {
		return "" // a spec's directory may hold several rigs' runs
	}
	ends, err := timeline.ReadLogEnds(filepath.Join(e.Dir, eventsFile))
	if err != nil || !ends.HasSeed {
		return ""
	}
	seedDiffers := e.Seed != nil && *e.Seed != ends.Seed
	nameDiffers := ends.Scenario != "" && ends.Scenario != e.Name
	if !seedDiffers && !nameDiffers {
		return ""
	}
	recorded := "no seed"
	if e.Seed != nil {
		recorded = fmt.Sprintf("seed %d", *e.Seed)
	}
	dirName := ends.Scenario
	if dirName == "" {
		dirName = e.Name // an older log's run_started names none
	}
	e.Message = fmt.Sprintf("%s names this directory, but its record (scenario %q, %s, %s) is not of the run the directory holds "+
		"(its %s starts scenario %q, seed %d): one was written after the other (a run into this directory after the record, a record put back, "+
		"a run killed before it wrote here); that verdict is not this run's, whose verdict is in the output of the run that wrote it",
		ScenariosFile, e.Name, recorded, e.Verdict, eventsFile, dirName, ends.Seed)
	differs := fmt.Sprintf("seed %s there, %d in the directory", strings.TrimPrefix(recorded, "seed "), ends.Seed)
	if nameDiffers {
		differs = fmt.Sprintf("scenario %q there, %q in the directory", e.Name, dirName)
	}
	note := fmt.Sprintf("%s %q: its record in %s is of another run than its directory holds (%s): listed with no verdict",
		e.Kind, e.Name, ScenariosFile, differs)
	dropVerdict(e, ends)
	return doubt(e, note)
}

// undigested says of a finished scenario's record that holds no SHA-256
// of its evidence (one an earlier esimhil wrote, or an edited one) that
// nothing holds its files to it, rather than pass it in silence (outside
// tester sw88).
func undigested(e *Entry) string {
	if e.Kind != "scenario" || e.Digests != nil || e.Unfinished || e.Verdict == NotRecorded || e.Verdict == "skipped" {
		return ""
	}
	if _, err := os.Stat(filepath.Join(e.Dir, eventsFile)); err != nil {
		return "" // no run's evidence to hold
	}
	return fmt.Sprintf("%s %q: its record holds no SHA-256 of its evidence (written by an esimhil without them, or edited): nothing checks the files against the run that wrote them", e.Kind, e.Name)
}

// unrecord is otherRun for a directory whose scenario or event log is not
// the one its record's run wrote (changed: which, and how), whatever the
// name and seed say: the record's verdict is not lent to it.
func unrecord(e *Entry, changed []string) []string {
	return disown(e, fmt.Sprintf("its record says %s, but the directory is not what that run left: %s; one was written after the other, or a file was "+
		"edited or put back: that verdict is not this directory's, whose verdict is in the output of the run that wrote it",
		e.Verdict, strings.Join(changed, ", ")),
		fmt.Sprintf("%s %q: %s: listed with no verdict", e.Kind, e.Name, strings.Join(changed, "; ")))
}

// doubt marks e's record as one its directory contradicts (Entry.Doubt)
// and returns note, which says how.
func doubt(e *Entry, note string) string {
	if e.Doubt == "" {
		e.Doubt = note
	}
	return note
}

// Doubted are the entries whose records their directories contradict:
// esimhil report writes the index with them listed as their directories
// say, and exits 1, so that a CI step fails on evidence that does not
// hold rather than pass with a note nobody reads (outside tester sw112).
func Doubted(entries []Entry) []Entry {
	var out []Entry
	for _, e := range entries {
		if e.Doubt != "" {
			out = append(out, e)
		}
	}
	return out
}

// dropVerdict leaves e with what its directory says (ends, its event
// log's) and no verdict of its record's.
func dropVerdict(e *Entry, ends timeline.LogEnds) {
	e.Verdict, e.Simulated, e.Wall, e.Unfinished = NotRecorded, ends.Reached(), 0, false
	e.Seed = nil
	if ends.HasSeed {
		e.Seed = new(ends.Seed)
	}
	e.Unfired, e.Dropped, e.Owed, e.OpenCycle = nil, "", owed.Notes{}, readOpenCycle(filepath.Join(e.Dir, eventsFile))
}

// writeAtomic replaces path, making its directory if need be.
func writeAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b, 0o644, false)
}

// firstLine is a message's first line, for a table cell.
func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
