package timeline

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/esimhil/esimhil/internal/atomicfile"
	"github.com/esimhil/esimhil/internal/bidi"
)

// FileName is the page's name in a run's directory.
const FileName = "timeline.html"

var (
	//go:embed page.html
	pageHTML string
	//go:embed page.css
	pageCSS string
	//go:embed page.js
	pageJS string
)

// dataScript is where page.html holds the page's data. The page is
// written as the template before it, the data (appended straight to the
// file: appendData), and the template after it: through the template the
// data was marshalled, copied to a string and scanned again, a quarter of
// a download scenario's page.
const dataScript = `<script id="data" type="application/json">{{.Data}}</script>`

var pageHead, pageTail = func() (*template.Template, *template.Template) {
	head, tail, ok := strings.Cut(pageHTML, dataScript)
	if !ok {
		panic("timeline: page.html has no " + dataScript)
	}
	funcs := template.FuncMap{
		"dur": func(d time.Duration) string {
			if d >= time.Second {
				return d.Round(time.Millisecond).String()
			}
			return d.Round(time.Microsecond).String()
		},
	}
	return template.Must(template.New("head").Funcs(funcs).Parse(head)),
		template.Must(template.New("tail").Funcs(funcs).Parse(tail))
}()

// pageItem is an item as the page's script reads it: short keys, time as
// milliseconds since the run's start, lanes as indexes (-1: none).
// appendItem writes it by hand; TestAppendDataAsMarshalled holds that to
// json.Marshal of this type.
type pageItem struct {
	T      float64 `json:"t"`
	From   int     `json:"f"`
	To     int     `json:"o"`
	Kind   Kind    `json:"k"`
	Label  string  `json:"l"`
	Detail string  `json:"d,omitempty"`
	Failed bool    `json:"x,omitempty"`
	// Refused names an expected refusal (Item.Refused): drawn plainly.
	Refused string   `json:"n,omitempty"`
	Reply   bool     `json:"r,omitempty"`
	Faults  []string `json:"z,omitempty"`
	Source  string   `json:"s,omitempty"`
}

type pageData struct {
	Start string     `json:"start"`
	Lanes []Lane     `json:"lanes"`
	Items []pageItem `json:"items"`
	// Page is this page's number (1-based) and Pages every page, when the
	// timeline has more than one.
	Page  int        `json:"page,omitempty"`
	Pages []pageLink `json:"pages,omitempty"`
}

// DefaultPageRows is the most rows one page holds. A longer run is split
// into pages of consecutive rows — FileName first, then timeline-2.html
// and on — each self-contained and linked to all the others: a week of
// roaming with a check a minute is ~850,000 rows, 330 MB as one page,
// more than a browser parses in reasonable time. Within a page the rows
// are virtualised.
const DefaultPageRows = 25000

// pageLink is one page as the pager shows it.
type pageLink struct {
	N      int    `json:"n"`
	File   string `json:"file"`
	From   int    `json:"from"` // first row, 1-based
	To     int    `json:"to"`   // last row
	Span   string `json:"span"` // simulated time of its first and last row
	Failed int    `json:"failed"`
}

// pager is what the header shows of a timeline's pages.
type pager struct {
	Cur         pageLink
	Pages       []pageLink
	Prev, Next  string // neighbours' files ("" at either end)
	FailedPages int
}

// PageFile is the name of page n (1-based) of a timeline.
func PageFile(n int) string {
	if n <= 1 {
		return FileName
	}
	return fmt.Sprintf("timeline-%d.html", n)
}

// Pages counts the pages of the timeline written in dir.
func Pages(dir string) int {
	n := 0
	for {
		if _, err := os.Stat(filepath.Join(dir, PageFile(n+1))); err != nil {
			return n
		}
		n++
	}
}

// pages splits the items into pages of at most PageRows (DefaultPageRows
// when 0) rows. A timeline has at least one page.
func (t *Timeline) pages() []pageLink {
	per := t.PageRows
	if per <= 0 {
		per = DefaultPageRows
	}
	var ps []pageLink
	for from := 0; from < len(t.Items) || from == 0; from += per {
		to := min(from+per, len(t.Items))
		p := pageLink{N: len(ps) + 1, File: PageFile(len(ps) + 1), From: from + 1, To: to}
		if to > from {
			p.Span = fmtSim(t.Items[from].T.Sub(t.Start)) + " – " + fmtSim(t.Items[to-1].T.Sub(t.Start))
		}
		for _, it := range t.Items[from:to] {
			if it.Failed {
				p.Failed++
			}
		}
		ps = append(ps, p)
		if to == len(t.Items) {
			break
		}
	}
	return ps
}

// fmtSim writes a simulated offset as the page's time column does
// (+[Dd ]hh:mm:ss).
func fmtSim(d time.Duration) string {
	sign := "+"
	if d < 0 {
		sign, d = "-", -d
	}
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	h, m, s := d/time.Hour, d%time.Hour/time.Minute, d%time.Minute/time.Second
	if days > 0 {
		return fmt.Sprintf("%s%dd %02d:%02d:%02d", sign, days, h, m, s)
	}
	return fmt.Sprintf("%s%02d:%02d:%02d", sign, h, m, s)
}

// reached is how far the rows go in simulated time ("" without rows):
// what a page can say of a run whose simulated time was not recorded.
func (t *Timeline) reached() string {
	if len(t.Items) == 0 {
		return ""
	}
	return fmtSim(t.Items[len(t.Items)-1].T.Sub(t.Start))
}

// WriteHTML writes the timeline's first page (the whole timeline when it
// fits on one; see DefaultPageRows).
func (t *Timeline) WriteHTML(w io.Writer) error {
	return t.writePage(w, t.pages(), 1)
}

// writePage writes page n of pages.
func (t *Timeline) writePage(w io.Writer, pages []pageLink, n int) error {
	cur := pages[n-1]
	failed := 0
	for _, p := range pages {
		failed += p.Failed
	}
	verdict := t.Run.Verdict
	if verdict == "" {
		verdict = "unknown"
	}
	var pg *pager
	if len(pages) > 1 {
		pg = &pager{Cur: cur, Pages: pages}
		if n > 1 {
			pg.Prev = pages[n-2].File
		}
		if n < len(pages) {
			pg.Next = pages[n].File
		}
		for _, p := range pages {
			if p.Failed > 0 {
				pg.FailedPages++
			}
		}
	}
	// The data is what the rows cost, ~400 bytes a row.
	data, err := t.appendData(make([]byte, 0, 1024+400*(cur.To-cur.From+1)), pages, n)
	if err != nil {
		return err
	}
	head := struct {
		Run       Run
		Verdict   string
		Rows      int
		Failed    int
		Refusals  []refusalCount
		Pager     *pager
		Artifacts []string
		Notes     []string
		Start     string
		Reached   string
		Clock     clockWords
		CSS       template.CSS
	}{t.Run, verdict, len(t.Items), failed, refusals(t.Items), pg, t.Artifacts, t.Notes,
		startWords(t.Start), t.reached(), clockOf(t.Run.Speed), template.CSS(pageCSS)}
	var hb bytes.Buffer
	if err := pageHead.Execute(&hb, head); err != nil {
		return err
	}
	// jsonappend.String escapes <, > and &, so the data cannot close its
	// script element. A bidi override in a name is shown, not obeyed, in
	// the banners and in the rows alike.
	pre, post, _ := strings.Cut(dataScript, "{{.Data}}")
	for _, part := range [][]byte{bidi.Show(hb.Bytes(), false), []byte(pre), bidi.Show(data, true), []byte(post)} {
		if _, err := w.Write(part); err != nil {
			return err
		}
	}
	return pageTail.Execute(w, struct{ JS template.JS }{template.JS(pageJS)})
}

// startWords is the header's start: "not recorded" when no event or line
// gave one (an events.jsonl cut to nothing), never year 1.
func startWords(t time.Time) string {
	if t.IsZero() {
		return "not recorded"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// Write builds the timeline of the run in dir and writes its pages to dir
// (FileName, and timeline-2.html on when it has more than one; pages of
// an earlier, longer timeline there are removed), returning the first
// page's path.
func Write(dir string, run Run) (string, error) {
	t, err := Build(dir, run)
	if err != nil {
		return "", err
	}
	return t.Write(dir)
}

// Write writes the timeline's pages to dir and returns the first page's
// path. Every page goes to a temporary file first, and only once all are
// written are they renamed over the old ones, the first page last: a
// process killed while writing (seconds for a long run) leaves the old
// set whole, and the renames are an instant. Temporary files a killed
// writer left are removed.
func (t *Timeline) Write(dir string) (string, error) {
	removeStaleTemps(dir)
	pages := t.pages()
	tmps := make([]string, len(pages))
	fail := func(err error) (string, error) {
		for _, tmp := range tmps {
			if tmp != "" {
				os.Remove(tmp)
			}
		}
		return "", fmt.Errorf("timeline: %w", err)
	}
	for i, p := range pages {
		tmp, err := atomicfile.Temp(filepath.Join(dir, p.File), 0o644, false, func(w io.Writer) error { return t.writePage(w, pages, p.N) })
		if err != nil {
			return fail(fmt.Errorf("write %s: %w", p.File, err))
		}
		tmps[i] = tmp
	}
	for i := len(pages) - 1; i >= 0; i-- {
		if err := os.Rename(tmps[i], filepath.Join(dir, pages[i].File)); err != nil {
			return fail(err)
		}
		tmps[i] = ""
	}
	// Pages an earlier, longer timeline of this directory left: the new
	// set does not link them.
	for n := len(pages) + 1; ; n++ {
		if err := os.Remove(filepath.Join(dir, PageFile(n))); err != nil {
			if !errors.Is(err, os.ErrNotExist) {
				return "", fmt.Errorf("timeline: %w", err)
			}
			break
		}
	}
	return filepath.Join(dir, FileName), nil
}

// RemovePages removes every page of a timeline from dir (and the
// temporary pages a killed writer left): a new run in the directory must
// not leave the last run's page standing beside its own artifacts.
func RemovePages(dir string) error {
	removeStaleTemps(dir)
	for n := 1; ; n++ {
		if err := os.Remove(filepath.Join(dir, PageFile(n))); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil
			}
			return err
		}
	}
}

// removeStaleTemps removes the temporary pages a writer killed before its
// renames left in dir.
func removeStaleTemps(dir string) {
	stale, _ := filepath.Glob(filepath.Join(dir, ".timeline*.html.tmp-*"))
	for _, f := range stale {
		os.Remove(f)
	}
}

// PageVerdict is the verdict the page at path shows in its header
// ("pass", "fail", "error", "unknown"…), "" when it shows none it can
// read (not a page, cut before its header).
func PageVerdict(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	head := make([]byte, 64<<10) // the header opens the body, after the inline CSS
	n, _ := io.ReadFull(f, head)
	const mark = `<span class="badge `
	_, rest, ok := strings.Cut(string(head[:n]), mark)
	if !ok {
		return ""
	}
	v, rest, ok := strings.Cut(rest, `"`)
	if !ok {
		return ""
	}
	// What the reader sees is the badge's text: a text that is not its
	// class's is what the page shows (an edit of the text alone).
	if text, _, ok := strings.Cut(strings.TrimPrefix(rest, ">"), "<"); ok && !strings.EqualFold(strings.TrimSpace(text), v) && strings.TrimSpace(text) != "" {
		return strings.ToLower(strings.TrimSpace(text))
	}
	return v
}

// clockWords is how a page names the time down its side: a lab run with a
// real modem is on the wall clock, and a page calling it simulated would
// misreport the evidence.
type clockWords struct {
	Time string // the time column's heading
	Span string // after a span of it ("simulated", "on the wall clock")
	Lab  string // the header's note of a lab run's clock; "" for an emulated run
	// Ran follows the header's Run.Simulated: with a real modem it is
	// how long the servers ran, beside the spec's wall time, and "on
	// the wall clock" twice read as two measures of one thing (t63).
	Ran string
	// Unrecorded names the header's time when the run never recorded
	// it (Run.TimesUnknown), beside "wall time not recorded".
	Unrecorded string
}

// LabClock says, for a lab run, what clock it ran on ("lab run on the
// wall clock", "lab run, its clock at 60× the wall clock"); "" for an
// emulated run (speed 0). The page's header and the index say it alike.
func LabClock(speed float64) string { return clockOf(speed).Lab }

func clockOf(speed float64) clockWords {
	switch {
	case speed <= 0:
		return clockWords{Time: "simulated time", Span: "simulated", Ran: "simulated", Unrecorded: "simulated time"}
	case speed == 1:
		return clockWords{Time: "wall time", Span: "on the wall clock", Lab: "lab run on the wall clock", Ran: "with the servers up", Unrecorded: "its span"}
	}
	x := strconv.FormatFloat(speed, 'g', 4, 64)
	return clockWords{Time: x + "× wall time", Span: "simulated", Lab: "lab run, its clock at " + x + "× the wall clock", Ran: "simulated", Unrecorded: "simulated time"}
}
