package report

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"fmt"
	"html/template"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/esimhil/esimhil/harness/timeline"
	"github.com/esimhil/esimhil/internal/bidi"
	"github.com/esimhil/esimhil/internal/textcut"
)

// IndexFile is the index page's name in the output directory.
const IndexFile = "index.html"

var indexTemplate = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>esimhil results — {{.Pass}}/{{.Total}} passed</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 20px 28px; color: #1e293b; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 22px 0 6px; }
.meta { color: #64748b; font-size: 13px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th { text-align: left; color: #64748b; font-weight: 600; border-bottom: 1px solid #cbd5e1; padding: 4px 8px; }
td { border-bottom: 1px solid #e2e8f0; padding: 4px 8px; vertical-align: top; overflow-wrap: anywhere; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge { text-transform: uppercase; font-size: 11px; font-weight: 700; padding: 1px 7px; border-radius: 9px; color: #fff; background: #64748b; white-space: nowrap; }
.badge.pass { background: #16a34a; } .badge.fail { background: #dc2626; } .badge.error { background: #9333ea; }
tr.fail td, tr.error td { background: #fef2f2; }
a { color: #2563eb; } .msg { color: #991b1b; font-size: 12px; white-space: pre-line; } tr.skipped .msg { color: #64748b; }
.note { background: #fffbeb; border: 1px solid #fde68a; color: #92400e; padding: 6px 10px; border-radius: 6px; font-size: 13px; }
</style></head><body data-ready="true">
<h1>esimhil results</h1>
<p class="meta">{{.Pass}} of {{.Total}} passed{{if .Fail}} · <b style="color:#dc2626">{{.Fail}} failed</b>{{end}}{{if .Errors}} · <b style="color:#dc2626">{{.Errors}} {{if eq .Errors 1}}error{{else}}errors{{end}}</b>{{end}}{{if .Skipped}} · {{.Skipped}} skipped{{end}} · written {{.Written}}</p>
{{range .Notes}}<p class="note">{{.}}</p>{{end}}
{{range .Sections}}<h2>{{.Title}} ({{len .Rows}})</h2>
<table><thead><tr><th>verdict</th><th>name</th><th>seed</th><th>simulated</th><th>wall</th><th>artifacts</th></tr></thead><tbody>
{{range .Rows}}<tr class="{{.Verdict}}"><td><span class="badge {{.Verdict}}">{{.Verdict}}</span></td>
<td>{{if .Link}}<a href="{{.Link}}">{{.Name}}</a>{{else}}{{.Name}}{{end}}{{if .Message}}<div class="msg">{{.Message}}</div>{{end}}</td>
<td class="num">{{.Seed}}</td><td class="num">{{.Simulated}}</td><td class="num">{{.Wall}}</td>
<td>{{if .DirLink}}<a href="{{.DirLink}}">{{.DirText}}</a>{{end}}</td></tr>
{{end}}</tbody></table>
{{end}}
</body></html>
`))

type indexRow struct {
	Verdict, Name, Link, Message, DirLink, DirText, Simulated, Wall, Seed string
}

type section struct {
	Title string
	Rows  []indexRow
}

// Index renders the index page for entries; links are made relative to
// dir, where the page is written.
func Index(dir string, entries []Entry, notes []string, written time.Time) ([]byte, error) {
	var specs, scens, unrec section
	specs.Title, scens.Title = "Specs", "Scenarios (esimhil run)"
	unrec.Title = "Scenario directories not in this run's record (no verdict; each says why)"
	recorded := 0
	pass, fail, errs, skipped := 0, 0, 0, 0
	sorted := append([]Entry(nil), entries...)
	// Failures first, then by name: what a reader opens the page for.
	sort.SliceStable(sorted, func(i, j int) bool {
		fi, fj := sorted[i].Verdict == "fail" || sorted[i].Verdict == "error", sorted[j].Verdict == "fail" || sorted[j].Verdict == "error"
		if fi != fj {
			return fi
		}
		return sorted[i].Name < sorted[j].Name
	})
	for _, e := range sorted {
		switch e.Verdict {
		case NotRecorded:
			// Shown apart and not counted: results.json does not name it.
		case "pass":
			pass++
		case "skipped":
			skipped++
		case "fail":
			fail++
		default:
			errs++ // a rig that could not run, a run not finished: JUnit's errors
		}
		if e.Verdict != NotRecorded {
			recorded++
		}
		msg := e.Message
		for _, u := range slices.Concat(e.Unfired, []string{e.Dropped}, e.Owed.Said(), []string{e.OpenCycle}) {
			if u != "" {
				msg = strings.TrimPrefix(msg+"\nnote: "+u, "\n")
			}
		}
		r := indexRow{Verdict: e.Verdict, Name: e.Name, Message: indexMessage(msg, e.Timeline != ""),
			Wall: e.Wall.Round(time.Millisecond).String()}
		// What nobody recorded is said so, never shown as a zero.
		switch {
		case e.Seed != nil:
			r.Seed = strconv.FormatInt(*e.Seed, 10)
		case e.Kind == "scenario" && e.Dir == "":
			r.Seed, r.Wall = "none (did not run)", "" // it never loaded
		default:
			r.Seed = "not recorded"
		}
		if e.Verdict == "skipped" && e.Wall == 0 {
			r.Wall = "" // never ran: no time to give (outside tester sw97: 0s)
		}
		switch {
		case e.Verdict == NotRecorded && e.Simulated > 0:
			// Its events' reach, not its horizon: a run goes on past its
			// last event. Its wall time is in no file.
			r.Simulated, r.Wall = "not recorded; its events reach ≥ "+reach(e.Simulated), "not recorded"
		case e.Verdict == NotRecorded:
			r.Simulated, r.Wall = "not recorded", "not recorded"
		case e.Unfinished && e.Simulated > 0:
			r.Simulated, r.Wall = "not recorded; its events reach ≥ "+reach(e.Simulated), "not recorded"
		case e.Unfinished:
			r.Simulated, r.Wall = "not recorded", "not recorded"
		case e.LabSpeed == 1:
			// A real modem's run: nothing simulated, its servers on the
			// wall clock (outside tester t63: "simulated" misreported it).
			r.Simulated = "none (" + timeline.LabClock(1) + ")"
		case e.LabSpeed > 0 && simulatedRecorded(e):
			r.Simulated = e.Simulated.String() + " (" + timeline.LabClock(e.LabSpeed) + ")"
		case simulatedRecorded(e):
			r.Simulated = e.Simulated.String()
		case e.Kind == "scenario" && e.Seed == nil:
			// Never loaded: nothing to record (its seed cell says so).
		default:
			r.Simulated = "not recorded"
		}
		r.Link = href(rel(dir, e.Timeline))
		r.DirText = rel(dir, e.Dir)
		r.DirLink = href(r.DirText)
		switch {
		case e.Verdict == NotRecorded:
			r.Verdict = "unrecorded"
			unrec.Rows = append(unrec.Rows, r)
		case e.Kind == "scenario":
			scens.Rows = append(scens.Rows, r)
		default:
			specs.Rows = append(specs.Rows, r)
		}
	}
	var secs []section
	for _, s := range []section{specs, scens, unrec} {
		if len(s.Rows) > 0 {
			secs = append(secs, s)
		}
	}
	var b bytes.Buffer
	err := indexTemplate.Execute(&b, struct {
		Pass, Fail, Errors, Skipped, Total int
		Written                            string
		Notes                              []string
		Sections                           []section
	}{pass, fail, errs, skipped, recorded, written.UTC().Format(time.RFC3339), notes, secs})
	// A bidi override in a name or message is shown, not obeyed (the
	// page has no script: all of it is text and attributes).
	return bidi.Show(b.Bytes(), false), err
}

// reach is how far a run's events reached, to the millisecond as the
// index's other times, cut down so that "≥" holds.
func reach(d time.Duration) string {
	return d.Truncate(time.Millisecond).String()
}

// simulatedRecorded reports whether a finished run's simulated time was
// measured, 0 included: a run with artifacts measured it (0s when its rig
// never started), one without them recorded none unless it is above 0.
func simulatedRecorded(e Entry) bool {
	return e.Simulated > 0 || e.Dir != ""
}

// WriteIndex writes dir/index.html and returns its path.
func WriteIndex(dir string, entries []Entry, notes []string) (string, error) {
	b, err := Index(dir, entries, notes, time.Now())
	if err != nil {
		return "", fmt.Errorf("index: %w", err)
	}
	path := filepath.Join(dir, IndexFile)
	if err := writeAtomic(path, b); err != nil {
		return "", fmt.Errorf("index: %w", err)
	}
	return path, nil
}

func rel(base, target string) string {
	if target == "" {
		return ""
	}
	ab, err1 := filepath.Abs(base)
	at, err2 := filepath.Abs(target)
	if err1 != nil || err2 != nil {
		return target
	}
	r, err := filepath.Rel(ab, at)
	if err != nil {
		return target
	}
	return filepath.ToSlash(r)
}

// href is a relative path as a link's URL: each segment escaped, so a
// '#', '?' or '%' in a directory's name is part of the path rather than
// a fragment, a query or an escape (html/template leaves them be), and
// "./" before a first segment with a ':', which would read as a scheme.
func href(rel string) string {
	if rel == "" {
		return ""
	}
	segs := strings.Split(rel, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	h := strings.Join(segs, "/")
	if strings.Contains(segs[0], ":") {
		h = "./" + h
	}
	return h
}

// JUnit: the subset of the format CI servers read (testsuite, testcase,
// failure, properties), as Ginkgo writes it for the specs.
type junitSuites struct {
	XMLName  xml.Name      `xml:"testsuites"`
	Tests    int           `xml:"tests,attr"`
	Failures int           `xml:"failures,attr"`
	Errors   int           `xml:"errors,attr"`
	Skipped  int           `xml:"skipped,attr"`
	Time     *junitSeconds `xml:"time,attr,omitempty"`
	Suites   []junitSuite  `xml:"testsuite"`
}

type junitSuite struct {
	Name     string        `xml:"name,attr"`
	Tests    int           `xml:"tests,attr"`
	Failures int           `xml:"failures,attr"`
	Errors   int           `xml:"errors,attr"`
	Skipped  int           `xml:"skipped,attr"`
	Time     *junitSeconds `xml:"time,attr,omitempty"`
	Cases    []junitCase   `xml:"testcase"`
}

// junitCase's properties come first: the schemas that allow them in a
// test case (Jenkins', Maven Surefire's) put them before failure and error.
type junitCase struct {
	Name       string           `xml:"name,attr"`
	Classname  string           `xml:"classname,attr"`
	Status     string           `xml:"status,attr"`
	Time       *junitSeconds    `xml:"time,attr,omitempty"`
	Properties *junitProperties `xml:"properties,omitempty"` // none: no element (the XSDs want one property at least)
	Failure    *junitFailure    `xml:"failure,omitempty"`
	Error      *junitFailure    `xml:"error,omitempty"`
	Skipped    *junitSkipped    `xml:"skipped,omitempty"`
	SystemErr  string           `xml:"system-err,omitempty"`
}

// maxJUnitMessage bounds a spec's failure message attribute (the text
// holds all of it).
const maxJUnitMessage = 500

// failureMessage is a failure's message attribute: its first expectation,
// and how many more the element's text holds (a CI page that shows only
// the attribute must not read one failed expectation where three did).
func failureMessage(msg string) string {
	first := firstLine(msg)
	if n := strings.Count(strings.TrimSpace(msg), "\n"); n > 0 {
		return fmt.Sprintf("%s (and %d more)", first, n)
	}
	return first
}

// junitSkipped marks a case that did not run, and says why.
type junitSkipped struct {
	Message string `xml:"message,attr,omitempty"`
}

// junitSeconds is a duration in seconds, to the millisecond ("0.455", not
// float64's "0.45504028999999996"). The time attribute is optional in
// the JUnit schemas: a wall time nobody measured (a run killed mid-way)
// is left out (nil) rather than claimed as 0.
type junitSeconds float64

func (s junitSeconds) MarshalXMLAttr(name xml.Name) (xml.Attr, error) {
	return xml.Attr{Name: name, Value: strconv.FormatFloat(float64(s), 'f', 3, 64)}, nil
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitProperties struct {
	Properties []junitProperty `xml:"property"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// JUnit renders entries as one JUnit test suite; each test case carries
// its seed, artifacts directory and timeline as properties, the paths
// relative to base — the JUnit file's directory, so that they resolve in
// a CI server's copy of it — when base is not "".
func JUnit(suite, base string, entries []Entry) ([]byte, error) {
	return junit(suite, base, entries, nil)
}

// junit is JUnit with the suite's time given (ran) when it is not the sum
// of its cases'.
func junit(suite, base string, entries []Entry, ran *time.Duration) ([]byte, error) {
	path := func(p string) string {
		if base == "" || p == "" {
			return p
		}
		return rel(base, p)
	}
	s := junitSuite{Name: suite}
	var total junitSeconds
	measured := true // every case's wall time, so their sum is the suite's
	for _, e := range entries {
		c := junitCase{Name: e.Name, Classname: suite, Status: e.Verdict}
		var props []junitProperty
		switch {
		case e.Unfinished:
			measured = false
		case e.Kind == "scenario" && e.Seed == nil, e.Verdict == "skipped" && e.Wall == 0:
			// Never ran (did not load, a signal came first, a spec
			// skipped): no time to give, and none to add to the suite's.
		default:
			t := junitSeconds(cmp.Or(e.RunTime, e.Wall).Seconds())
			c.Time = &t
			total += t
		}
		if e.Seed != nil {
			// (a scenario that did not load never ran: it has no seed)
			props = []junitProperty{{Name: EntrySeed, Value: strconv.FormatInt(*e.Seed, 10)}}
		}
		page := e.Timeline
		if page == "" && e.Unfinished && e.Dir != "" {
			// Where its page goes: `esimhil timeline DIR` writes it
			// there for a run the process did not finish.
			page = filepath.Join(e.Dir, timeline.FileName)
		}
		for _, p := range []junitProperty{{EntryArtifacts, path(e.Dir)}, {EntryTimeline, path(page)}} {
			if p.Value != "" {
				props = append(props, p)
			}
		}
		switch {
		case e.Unfinished && e.Dir != "":
			props = append(props, junitProperty{EntrySimulated, "not recorded (the run did not finish)"})
		case e.LabSpeed == 1:
			props = append(props, junitProperty{EntrySimulated, "none (" + timeline.LabClock(1) + ")"})
		case simulatedRecorded(e):
			// 0s too: "nothing simulated" is not "not recorded".
			props = append(props, junitProperty{EntrySimulated, e.Simulated.String()})
		}
		if e.LabSpeed > 0 {
			props = append(props, junitProperty{EntryLabSpeed, strconv.FormatFloat(e.LabSpeed, 'g', -1, 64)})
		}
		for _, u := range e.Unfired {
			props = append(props, junitProperty{EntryUnfired, u})
		}
		if e.Dropped != "" {
			props = append(props, junitProperty{EntryDropped, e.Dropped})
		}
		for _, k := range e.Owed.Kinds() {
			if *k.Words != "" {
				props = append(props, junitProperty{k.Key, *k.Words})
			}
		}
		if e.OpenCycle != "" {
			props = append(props, junitProperty{EntryOpenCycle, e.OpenCycle})
		}
		if e.Capture != "" {
			props = append(props, junitProperty{EntryCapture, e.Capture})
		}
		if e.Personality != "" {
			props = append(props, junitProperty{EntryModem, e.Personality})
		}
		if c := RerunCommand(e, path(e.Dir)); c != "" {
			props = append(props, junitProperty{EntryRerun, c})
		}
		for _, p := range e.Props {
			props = append(props, junitProperty{p.Name, p.Value})
		}
		c.SystemErr = e.Output
		if len(props) > 0 {
			c.Properties = &junitProperties{Properties: props}
		}
		// A scenario's message is its expectations, one a line; a spec's
		// is one Gomega message over several lines, and its text says
		// where it failed.
		msg, text := failureMessage(e.Message), e.Message
		if e.Kind == "spec" {
			msg = textcut.Cut(strings.Join(strings.Fields(e.Message), " "), maxJUnitMessage)
			if e.Failure != "" {
				text = e.Failure
			}
		}
		switch e.Verdict {
		case "fail":
			c.Failure = &junitFailure{Message: msg, Type: "failed", Text: text}
			s.Failures++
		case "error":
			if e.Kind != "spec" {
				msg = firstLine(e.Message)
			}
			c.Error = &junitFailure{Message: msg, Type: "error", Text: text}
			s.Errors++
		case "skipped":
			c.Skipped = &junitSkipped{Message: firstLine(e.Message)}
			s.Skipped++
		}
		s.Tests++
		s.Cases = append(s.Cases, c)
	}
	if measured {
		s.Time = &total
	}
	if ran != nil {
		t := junitSeconds(ran.Seconds())
		s.Time = &t
	}
	all := junitSuites{Tests: s.Tests, Failures: s.Failures, Errors: s.Errors, Skipped: s.Skipped, Time: s.Time, Suites: []junitSuite{s}}
	b, err := xml.MarshalIndent(all, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}

// WriteJUnit writes JUnit(suite, entries) to path.
func WriteJUnit(path, suite string, entries []Entry) error {
	b, err := JUnit(suite, filepath.Dir(path), entries)
	if err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	return writeAtomic(path, b)
}

// indexLines is how many lines of a message the index shows for a run
// with a timeline page (a scenario that failed three expectations lists
// all three); the page has the rest. A run without one (a spec run in a
// temporary directory) has its message nowhere else to read beside the
// JUnit report, so the index shows up to indexWholeLines of it: Gomega's
// "Expected … to be empty" puts the matcher, what was expected, last
// (outside tester sw127 F2).
const (
	indexLines      = 5
	indexWholeLines = 200
)

// indexMessage is what the index shows of a run's message: its first
// lines and where the rest is.
func indexMessage(msg string, hasPage bool) string {
	if hasPage {
		return firstLines(msg, indexLines, "on its page")
	}
	return firstLines(msg, indexWholeLines, "in junit.xml")
}

// firstLines is msg's first n lines, and how many more there are and
// where they are to be read.
func firstLines(msg string, n int, where string) string {
	lines := strings.Split(strings.TrimSpace(msg), "\n")
	if len(lines) <= n {
		return strings.Join(lines, "\n")
	}
	return strings.Join(lines[:n], "\n") + fmt.Sprintf("\n… and %d more (%s)", len(lines)-n, where)
}
