// Package framework is the thin Ginkgo core every suite shares (after the
// Kubernetes e2e framework): one rig per spec with its own pty, ports,
// artifacts directory and capture; artifacts kept on failure (and always when
// ESIMHIL_ARTIFACTS names a directory); labels from one closed list.
package framework

import (
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/report"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/harness/timeline"
)

// ArtifactsEnv names the directory that keeps every spec's artifacts.
const ArtifactsEnv = "ESIMHIL_ARTIFACTS"

// Labels: the closed registry. Use these, never ginkgo.Label with a literal,
// so a typo cannot silently select nothing.
var (
	Emulated = ginkgo.Label("env:emulated")
	Lab      = ginkgo.Label("env:lab")
	Slow     = ginkgo.Label("slow")
	// HostStack: an emulated device driven by a real host stack
	// (ModemManager) on the wall clock. It runs once per make test
	// (make specs-host), not once per personality.
	HostStack = ginkgo.Label("env:host")
	// Once: a spec whose subject no modem dialect changes (esimhil's CLI
	// stopped by a signal, in a child process): make specs-all runs it
	// under generic alone, not once per personality.
	Once = ginkgo.Label("once")
)

// Load reads a scenario from fixtures/scenarios, relative to the repository
// root, and fails the spec on error.
func Load(name string) *scenario.Scenario {
	ginkgo.GinkgoHelper()
	s, err := scenario.Load(filepath.Join(Root(), "fixtures", "scenarios", name))
	if err != nil {
		ginkgo.Fail(err.Error())
	}
	return s
}

// Parse reads a scenario from YAML text and fails the spec on error.
func Parse(name, text string) *scenario.Scenario {
	ginkgo.GinkgoHelper()
	s, err := scenario.Parse(name, []byte(text))
	if err != nil {
		ginkgo.Fail(err.Error())
	}
	return s
}

// Root finds the repository root (the directory holding go.mod).
func Root() string {
	dir, err := os.Getwd()
	if err != nil {
		return "."
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// NewRig starts a rig for s for the current spec and registers its teardown:
// the rig is closed (artifacts written) after the spec; on failure the
// artifacts' location is reported, otherwise a temporary directory is removed.
func NewRig(s *scenario.Scenario, opts ...func(*harness.Options)) *harness.Rig {
	ginkgo.GinkgoHelper()
	o := harness.Options{Seed: ginkgo.GinkgoRandomSeed()}
	keepAll := os.Getenv(ArtifactsEnv)
	if keepAll != "" {
		o.Dir = filepath.Join(keepAll, specDirName())
	}
	for _, f := range opts {
		f(&o)
	}
	r, err := harness.NewRig(s, o)
	if err != nil {
		ginkgo.Fail(fmt.Sprintf("starting the rig for %s: %v", s.Name, err))
	}
	ginkgo.DeferCleanup(func() {
		err := r.Close()
		rep := ginkgo.CurrentSpecReport()
		// Why the spec fails ("" when it passes): its own failure, or
		// closing the rig (which fails it below), for the page and the
		// spec file alike, and a reason to keep the artifacts.
		why := ""
		switch {
		case rep.Failed():
			why = rep.Failure.Message + " (" + rep.Failure.Location.String() + ")"
		case err != nil:
			why = "closing the rig: " + err.Error()
		}
		keepRun(rep, r.Dir(), &r.Seed, r.Now(), why, func(wall time.Duration) string {
			return writeTimeline(r, rep, why, wall, 0)
		})
		if err != nil {
			ginkgo.Fail(fmt.Sprintf("closing the rig: %v", err))
		}
	})
	return r
}

// OwnRun is a run a spec makes without NewRig (a field replay, which
// builds its rig in harness/replay): where its artifacts go, and, once it
// ran, its seed, modem personality and the simulated time it covered.
type OwnRun struct {
	Dir string
	// Seed is nil until the run is over: a run that never finished has
	// no seed to report and no page.
	Seed        *int64
	Personality string
	Simulated   time.Duration
}

// OwnRunDir is where a spec's own run named name keeps its artifacts:
// $ESIMHIL_ARTIFACTS/under/name when every spec's are kept, else a new
// temporary directory (KeepOwnRun removes it unless the spec fails).
func OwnRunDir(under, name string) string {
	ginkgo.GinkgoHelper()
	if keep := os.Getenv(ArtifactsEnv); keep != "" {
		return filepath.Join(keep, under, name)
	}
	dir, err := os.MkdirTemp("", "esimhil-"+name+"-")
	if err != nil {
		ginkgo.Fail(err.Error())
	}
	return dir
}

// KeepOwnRun does for run, after the spec, what NewRig does for a rig:
// its seed in the report, and when the spec fails or ESIMHIL_ARTIFACTS
// keeps every spec's artifacts, its directory, simulated time, wall time,
// timeline page and spec.json, so the index links it and the JUnit names
// it; otherwise the directory is removed. Fill run in once it is over.
func KeepOwnRun(run *OwnRun) {
	ginkgo.DeferCleanup(func() {
		rep := ginkgo.CurrentSpecReport()
		why := ""
		if rep.Failed() {
			why = rep.Failure.Message + " (" + rep.Failure.Location.String() + ")"
		}
		keepRun(rep, run.Dir, run.Seed, run.Simulated, why, func(wall time.Duration) string {
			return writePage(run.Dir, timeline.Run{Name: rep.FullText(), Kind: "spec", Seed: *run.Seed,
				Personality: run.Personality, Simulated: run.Simulated, Wall: wall}, why)
		})
	})
}

// keepRun is what a spec's run leaves once the spec is over, a rig's
// (NewRig) or its own (KeepOwnRun): its seed in the report, and when the
// spec failed (why) or ESIMHIL_ARTIFACTS keeps every spec's artifacts,
// its directory, simulated and wall time, timeline page (page, given
// the wall time) and spec.json — the last three only for a run that
// finished (seed known); otherwise the directory is removed.
func keepRun(rep ginkgo.SpecReport, dir string, seed *int64, simulated time.Duration, why string, page func(wall time.Duration) string) {
	keepAll := os.Getenv(ArtifactsEnv)
	if seed != nil {
		ginkgo.AddReportEntry(report.EntrySeed, *seed, ginkgo.ReportEntryVisibilityNever)
	}
	if why != "" || keepAll != "" {
		ginkgo.AddReportEntry(report.EntryArtifacts, dir)
		if seed != nil {
			ginkgo.AddReportEntry(report.EntrySimulated, simulated.String(), ginkgo.ReportEntryVisibilityNever)
			// One wall time for the page and the spec file: the spec's
			// run to its end (outside tester sw97: the page's, taken
			// before the page, read low against spec.json's).
			wall := time.Since(rep.StartTime)
			ginkgo.AddReportEntry(report.EntryWall, wall.String(), ginkgo.ReportEntryVisibilityNever)
			writeSpecEntry(dir, rep, *seed, simulated, page(wall), why, wall, 0)
		}
	}
	switch {
	case why != "" && seed != nil:
		fmt.Fprintf(ginkgo.GinkgoWriter, "artifacts kept in %s (seed %d)\n", dir, *seed)
	case why != "":
		fmt.Fprintf(ginkgo.GinkgoWriter, "artifacts kept in %s\n", dir)
	case keepAll == "":
		os.RemoveAll(dir)
	}
}

// writeSpecFile writes the spec's entry beside its artifacts
// (report.SpecFile): what the suite's report says of it, there even when
// the suite is killed before it writes its report. why is its failure;
// speed a lab run's clock (writeTimeline).
func writeSpecFile(r *harness.Rig, rep ginkgo.SpecReport, page, why string, wall time.Duration, speed float64) {
	writeSpecEntry(r.Dir(), rep, r.Seed, r.Now(), page, why, wall, speed)
}

// writeSpecEntry is writeSpecFile for a run in dir under seed that
// simulated simulated.
func writeSpecEntry(dir string, rep ginkgo.SpecReport, seed int64, simulated time.Duration, page, why string, wall time.Duration, speed float64) {
	e := report.Entry{Kind: "spec", Name: rep.FullText(), Verdict: "pass", Seed: new(seed), Simulated: simulated,
		Wall: wall, LabSpeed: speed, Dir: dir, Timeline: page, Message: why, Digests: report.Digests(dir)}
	if why != "" {
		e.Verdict = "fail"
	}
	if err := report.WriteSpecFile(dir, e); err != nil {
		fmt.Fprintf(ginkgo.GinkgoWriter, "no %s: %v\n", report.SpecFile, err)
	}
}

// writeTimeline writes the spec's timeline page beside its artifacts and
// names it in the report; why, the spec's failure, is its mismatch; speed
// is a lab run's (timeline.Run.Speed), 0 for an emulated one. It returns
// the page's path ("" when it could not be written). The page takes the
// rig's decoded capture (harness.Rig.TakeDecodedTraffic): the spec and its
// cleanups have read it, and the rig lives on through the page.
func writeTimeline(r *harness.Rig, rep ginkgo.SpecReport, why string, wall time.Duration, speed float64) string {
	run := timeline.Run{
		Name: rep.FullText(), Kind: "spec", Seed: r.Seed, Personality: r.Personality.Name,
		Simulated: r.Now(), Wall: wall, Speed: speed, SMDP: map[string]string{},
		Traffic: r.TakeDecodedTraffic(),
	}
	for _, e := range r.SMDPEndpoints() {
		run.SMDP[e.Host] = e.Operator
		run.SMDPOrder = append(run.SMDPOrder, e.Operator)
	}
	return writePage(r.Dir(), run, why)
}

// writePage writes run's page in dir, judged by why (the spec's failure,
// "" when it passes), and names it in the report; it returns the page's
// path ("" when it could not be written).
func writePage(dir string, run timeline.Run, why string) string {
	run.Verdict = "pass"
	if why != "" {
		run.Verdict, run.Mismatches = "fail", []string{why}
	}
	path, err := timeline.Write(dir, run)
	if err != nil {
		fmt.Fprintf(ginkgo.GinkgoWriter, "no timeline: %v\n", err)
		return ""
	}
	ginkgo.AddReportEntry(report.EntryTimeline, path, ginkgo.ReportEntryVisibilityNever)
	return path
}

func specDirName() string {
	rep := ginkgo.CurrentSpecReport()
	name := strings.Join(append(rep.ContainerHierarchyTexts, rep.LeafNodeText), " ")
	var b strings.Builder
	for _, c := range strings.ToLower(name) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b.WriteRune(c)
		default:
			if s := b.String(); len(s) > 0 && s[len(s)-1] != '-' {
				b.WriteByte('-')
			}
		}
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > 72 {
		// Table entries share long prefixes and differ at the end (the
		// entry's own text): keep both ends, and a hash of the whole name
		// to keep apart what still looks alike.
		h := fnv.New32a()
		h.Write([]byte(name))
		s = fmt.Sprintf("%s--%s-%08x", strings.TrimRight(s[:30], "-"), strings.TrimLeft(s[len(s)-30:], "-"), h.Sum32())
	}
	return s
}

// Variant loads a fixture from fixtures/scenarios as another scenario: its
// expect section dropped (the spec asserts for itself), renamed, with the
// given fault entries added to its fault plan, and bent by the edits (plain
// text replacements, each of which must apply, the fault plan included).
func Variant(file, name string, edits map[string]string, faults ...string) *scenario.Scenario {
	ginkgo.GinkgoHelper()
	b, err := os.ReadFile(filepath.Join(Root(), "fixtures", "scenarios", file))
	if err != nil {
		ginkgo.Fail(err.Error())
	}
	// Top-level sections, in order, as text.
	var order []string
	sections := map[string]string{}
	cur := ""
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if k, _, ok := strings.Cut(line, ":"); ok && line != "" && line[0] != ' ' && line[0] != '#' && line[0] != '-' {
			cur = k
			order = append(order, k)
		}
		sections[cur] += line
	}
	sections["name"] = "name: " + name + "\n"
	text := ""
	for _, k := range append([]string{""}, order...) {
		switch k {
		case "expect", "faults":
			continue
		}
		text += sections[k]
	}
	if f := sections["faults"]; f != "" || len(faults) > 0 {
		if f == "" {
			f = "faults:\n"
		}
		text += strings.TrimRight(f, "\n") + "\n"
		for _, x := range faults {
			text += "  - " + x + "\n"
		}
	}
	for old, repl := range edits {
		if !strings.Contains(text, old) {
			ginkgo.Fail(fmt.Sprintf("variant of %s: %q not found", file, old))
		}
		text = strings.Replace(text, old, repl, 1)
	}
	return Parse(name+".yaml", text)
}

// Events returns the rig's events of one kind, in order. A kind no actor
// registers (eventlog.Register) fails the spec: a typo would otherwise
// match nothing and an assertion on "no such event" would pass.
func Events(r *harness.Rig, kind eventlog.Kind) []eventlog.Event {
	ginkgo.GinkgoHelper()
	if err := eventlog.CheckKind(kind); err != nil {
		ginkgo.Fail(err.Error())
	}
	return r.Log.Kind(kind)
}

// ActorEvents returns actor's events of one kind; a kind that actor does
// not register fails the spec.
func ActorEvents(r *harness.Rig, actor string, kind eventlog.Kind) []eventlog.Event {
	ginkgo.GinkgoHelper()
	if !eventlog.Known(actor, kind) {
		ginkgo.Fail(fmt.Sprintf("actor %q logs no event of kind %q (see eventlog.Registered)", actor, kind))
	}
	var out []eventlog.Event
	for _, e := range r.Log.Kind(kind) {
		if e.Actor == actor {
			out = append(out, e)
		}
	}
	return out
}
