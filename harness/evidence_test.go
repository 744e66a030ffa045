package harness

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/harness/timeline"
	"github.com/esimhil/esimhil/internal/codec/gsmtap"
)

// TestCaptureMarksInWireshark opens an emulated run's capture with tshark:
// the marks do not stop it reading the file, every frame shows its mark as
// its comment (frame.comment; an APDU's also its command's place, no
// later), the marks never go back, and none counts more events than
// events.jsonl holds.
func TestCaptureMarksInWireshark(t *testing.T) {
	r := laneRun(t, "generic")
	out := tshark(t, "-r", filepath.Join(r.Dir(), TrafficFile), "-T", "fields", "-E", "separator=|",
		"-e", "frame.number", "-e", "frame.comment")
	events, err := os.ReadFile(filepath.Join(r.Dir(), EventsFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Count(events, []byte("\n"))
	rows := strings.Split(strings.TrimSpace(out), "\n")
	if len(rows) < 10 {
		t.Fatalf("tshark shows %d frames:\n%s", len(rows), out)
	}
	first, last := -1, 0
	for _, row := range rows {
		n, comments, _ := strings.Cut(row, "|")
		// An APDU's frame has a second comment: where its command came.
		comment, command, apdu := strings.Cut(comments, ",")
		m, ok := capture.ParseMark(comment)
		c, cok := capture.ParseCommandMark(command)
		switch {
		case !ok:
			t.Fatalf("frame %s: comment %q is not a mark", n, comment)
		case apdu && (!cok || c > m.Events):
			t.Errorf("frame %s: second comment %q is not the place of a command before the frame's", n, command)
		case m.Events < last:
			t.Errorf("frame %s: after event %d, but the frame before it after %d", n, m.Events, last)
		case m.Events > lines:
			t.Errorf("frame %s: after event %d of %d", n, m.Events, lines)
		}
		if first < 0 {
			first = m.Events
		}
		last = m.Events
	}
	if first < 1 {
		t.Errorf("the first frame comes after %d events; run_started is logged before the capture starts", first)
	}
}

// TestPowerCutPageOrder cuts the power as the SM-DP+ serves the bound
// profile package, in the instant of the whole download, and checks the
// page against the capture's marks: every APDU row follows exactly the
// events logged before its command reached the card — so the download's
// APDUs come before the cut's fault and power rows, not after them as the
// frames' 1 µs stamps alone would put them.
func TestPowerCutPageOrder(t *testing.T) {
	yaml, err := os.ReadFile(filepath.Join("..", "fixtures", "scenarios", "roam-fr-download.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := scenario.Parse("power-cut-page-order", append(yaml, "\nfaults:\n  - {power_cut: bpp_sent, nth: 1, off: 30s}\n"...))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	runClosed(t, s, dir)
	dgs, err := capture.ReadDatagrams(filepath.Join(dir, TrafficFile), gsmtap.Port)
	if err != nil {
		t.Fatal(err)
	}
	marks := map[string]capture.Mark{}
	for _, d := range dgs.List {
		marks[fmt.Sprintf("traffic.pcapng frame %d", d.Frame)] = d.Mark
	}
	tl, err := timeline.Build(dir, timeline.Run{Name: s.Name})
	if err != nil {
		t.Fatal(err)
	}
	line, cutLine := 0, 0 // the last event row's line so far; the cut's
	var cutAt time.Time
	for _, it := range tl.Items {
		if l, ok := strings.CutPrefix(it.Source, EventsFile+":"); ok {
			line, _ = strconv.Atoi(l)
			if it.Kind == timeline.KindFault && strings.Contains(it.Detail, "power_cut") && cutLine == 0 {
				cutLine, cutAt = line, it.T
			}
			continue
		}
		if it.Kind != timeline.KindAPDU {
			continue
		}
		m, ok := marks[it.Source]
		if !ok || !m.OK || !m.CommandOK && !strings.HasPrefix(it.Label, "ATR") {
			t.Fatalf("%s (%s): no mark, or an APDU without its command's place", it.Source, it.Label)
		}
		want := m.Events // an ATR, or the answer row of a split APDU: where it was written
		if m.CommandOK && !it.Reply {
			want = m.Command
		}
		if want != line {
			t.Errorf("%s (%s) after events.jsonl:%d on the page, its mark says after line %d", it.Source, it.Label, line, want)
		}
	}
	if cutLine == 0 {
		t.Fatal("no power cut on the page")
	}
	before := 0 // APDU rows of the cut's instant that precede it
	for _, it := range tl.Items {
		if it.Source == fmt.Sprintf("%s:%d", EventsFile, cutLine) {
			break
		}
		if it.Kind == timeline.KindAPDU && it.T.Equal(cutAt) {
			before++
		}
	}
	if before == 0 {
		t.Errorf("no APDU of the cut's instant (%v) is placed before it", cutAt)
	}
}

// TestAPDUBeforeTheCardsEvents: the card logs profile_installed while it
// handles an APDU (here the TERMINAL RESPONSE that lets its IPA go on with
// the download), so on the page the row of that APDU comes before the
// event — its command reached the card first — though its datagram,
// written with the card's answer, follows the event in the capture; the
// answer is a row of its own after the event.
func TestAPDUBeforeTheCardsEvents(t *testing.T) {
	s := loadFixture(t, "roam-fr-download.yaml")
	dir := t.TempDir()
	runClosed(t, s, dir)
	dgs, err := capture.ReadDatagrams(filepath.Join(dir, TrafficFile), gsmtap.Port)
	if err != nil {
		t.Fatal(err)
	}
	tl, err := timeline.Build(dir, timeline.Run{Name: s.Name})
	if err != nil {
		t.Fatal(err)
	}
	row, last := map[string]int{}, map[string]int{} // item source → its first row, its last
	line := 0                                       // profile_installed's line in events.jsonl
	for i, it := range tl.Items {
		if _, ok := row[it.Source]; !ok {
			row[it.Source] = i
		}
		last[it.Source] = i
		if l, ok := strings.CutPrefix(it.Source, EventsFile+":"); ok && strings.HasPrefix(it.Label, "profile_installed") {
			line, _ = strconv.Atoi(l)
		}
	}
	if line == 0 {
		t.Fatal("no profile_installed row on the page")
	}
	// The APDU the card logged it in: its command came before the event,
	// its answer after.
	var apdu *capture.Datagram
	for i, d := range dgs.List {
		if d.Mark.CommandOK && d.Mark.Command < line && d.Mark.Events >= line {
			apdu = &dgs.List[i]
		}
	}
	if apdu == nil {
		t.Fatalf("no APDU datagram marked as handled across profile_installed (events.jsonl:%d)", line)
	}
	src := fmt.Sprintf("traffic.pcapng frame %d", apdu.Frame)
	ev := row[fmt.Sprintf("%s:%d", EventsFile, line)]
	if r, ok := row[src]; !ok || r > ev {
		t.Errorf("%s (%s), which the card answered after logging profile_installed, is on row %d (ok %v), the event on row %d: want it before",
			src, tl.Items[r].Label, r, ok, ev)
	}
	// Its answer is a row of its own, after the event: the status word is
	// not shown before what the card did to give it.
	if r := last[src]; r <= ev || !tl.Items[r].Reply || !strings.Contains(tl.Items[r].Label, "answered") {
		t.Errorf("%s: its answer on row %d (%q), the event on row %d: want a reply row after it", src, r, tl.Items[r].Label, ev)
	}
}

// at.log's rows go among the events by at.marks: each row right after the
// event line its at.log line's mark names, so a URC the modem sent before
// a power cut of the same instant reads as before it. Without the marks
// every at.log row of an instant came after all of its events (a URC) or
// before them (a command).
func TestATLogPageOrder(t *testing.T) {
	yaml, err := os.ReadFile(filepath.Join("..", "fixtures", "scenarios", "fallback-reject-download-fail-then-download.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(yaml), "faults:\n", "faults:\n  - {power_cut: attach_failed, nth: 1, off: 30s}\n", 1)
	s, err := scenario.Parse("at-log-page-order", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	runClosed(t, s, dir)
	b, err := os.ReadFile(filepath.Join(dir, ATMarksFile))
	if err != nil {
		t.Fatal(err)
	}
	var marks []int
	for _, l := range strings.Fields(string(b)) {
		n, err := strconv.Atoi(l)
		if err != nil {
			t.Fatal(err)
		}
		marks = append(marks, n)
	}
	atLines, err := os.ReadFile(filepath.Join(dir, ATLogFile))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(atLines), "\n"); n != len(marks) || n == 0 {
		t.Fatalf("%d marks for %d at.log lines", len(marks), n)
	}
	tl, err := timeline.Build(dir, timeline.Run{Name: s.Name})
	if err != nil {
		t.Fatal(err)
	}
	line, cut, urcBeforeCut := 0, 0, 0
	var cutAt time.Time
	for _, it := range tl.Items {
		if l, ok := strings.CutPrefix(it.Source, EventsFile+":"); ok {
			line, _ = strconv.Atoi(l)
			if it.Kind == timeline.KindFault && strings.Contains(it.Detail, "power_cut") && cut == 0 {
				cut, cutAt = line, it.T
			}
			continue
		}
		l, ok := strings.CutPrefix(it.Source, ATLogFile+":")
		if !ok {
			continue
		}
		n, _ := strconv.Atoi(l)
		if want := marks[n-1]; want != line {
			t.Errorf("%s (%s) after events.jsonl:%d on the page, its mark says after line %d", it.Source, it.Label, line, want)
		}
		if cut == 0 && strings.HasPrefix(it.Label, "+CEREG:") && !it.T.IsZero() {
			urcBeforeCut++
		}
	}
	if cut == 0 {
		t.Fatal("no power cut on the page")
	}
	// The registration URC of the cut's instant is among those before it.
	same := 0
	for _, it := range tl.Items {
		if it.Source == fmt.Sprintf("%s:%d", EventsFile, cut) {
			break
		}
		if it.T.Equal(cutAt) && strings.HasPrefix(it.Label, "+CEREG:") {
			same++
		}
	}
	if same == 0 {
		t.Errorf("no +CEREG URC of the cut's instant before the cut (%d URCs before it in all)", urcBeforeCut)
	}
}

// TestES9PageOrder: each ES9+ request the SM-DP+ logs an entry for is drawn
// before that entry, and its answer after it. The card resumes its TLS
// session for every connection but a power cycle's first, and its
// Finished travels with the request; the tap held both until the answer,
// so the request's frame was marked after the handler's events (outside
// tester sw69: mutual_auth, bpp_sent and notification_received drawn
// before the requests that caused them).
func TestES9PageOrder(t *testing.T) {
	s := loadFixture(t, "roam-fr-download.yaml")
	dir := t.TempDir()
	runClosed(t, s, dir)
	tl, err := timeline.Build(dir, timeline.Run{Name: s.Name})
	if err != nil {
		t.Fatal(err)
	}
	caused := map[string]string{ // ES9+ function → the SM-DP+'s entry for it (SGP.22 §5.6)
		"authenticateClient":     "mutual_auth",
		"getBoundProfilePackage": "bpp_sent",
		"handleNotification":     "notification_received",
	}
	checked := map[string]int{}
	for r, req := range tl.Items {
		fn, ok := strings.CutPrefix(req.Label, "ES9+ ")
		fn, _, _ = strings.Cut(fn, " ") // "handleNotification · install seq 1 ok"
		if req.Kind != timeline.KindES9 || req.Reply || !ok || caused[fn] == "" {
			continue
		}
		var between []string // the SM-DP+'s entries between the request and its answer
		answered := false
		for _, it := range tl.Items[r+1:] {
			if it.Kind == timeline.KindES9 && it.Reply && it.From == req.To {
				answered = true
				break
			}
			if it.Kind == timeline.KindEvent && it.From == req.To {
				between = append(between, strings.Fields(it.Label)[0])
			}
		}
		if !answered || !slices.Contains(between, caused[fn]) {
			t.Errorf("%s (%s): the SM-DP+'s entries between it and its answer %v (answered %v), want %s among them",
				req.Source, req.Label, between, answered, caused[fn])
		}
		checked[fn]++
	}
	if len(checked) != len(caused) {
		t.Errorf("ES9+ requests checked %v, want each of %v", checked, slices.Sorted(maps.Keys(caused)))
	}
}

// A capture that lacks many requests says a few in its error and counts
// the rest, which traffic.INCOMPLETE lists whole: one cause read as
// thousands of lines hides it (outside tester sw69).
func TestCaptureProblemsAreCountedNotAllListed(t *testing.T) {
	dir := t.TempDir()
	r, err := NewRig(loadFixture(t, "home-no-request.yaml"), Options{Dir: dir, Capture: capture.Tap})
	if err != nil {
		t.Fatal(err)
	}
	// Requests the platform served that the wire never carried (straight
	// through its handler): what a capture that lost them looks like.
	const n = 40
	for i := range n {
		r.Platform.Handler().ServeHTTP(httptest.NewRecorder(),
			httptest.NewRequest("POST", "/v1/notifications", strings.NewReader(fmt.Sprintf(`{"eid":"%d"}`, i))))
	}
	err = r.Close()
	if !errors.Is(err, capture.ErrIncomplete) {
		t.Fatalf("close: %v, want the capture incomplete", err)
	}
	msg := err.Error()
	file := filepath.Join(dir, CaptureIncompleteFile)
	if got := strings.Count(msg, capture.MissingPrefix); got != shownProblems {
		t.Errorf("the error lists %d missing requests, want %d:\n%s", got, shownProblems, msg)
	}
	if want := fmt.Sprintf("%d problem(s)", n); !strings.Contains(msg, want) || !strings.HasSuffix(msg, fmt.Sprintf("… and %d more, all in %s", n-shownProblems, file)) {
		t.Errorf("error does not say %q and end with the rest counted:\n%s", want, msg)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(string(b), capture.MissingPrefix); got != n {
		t.Errorf("%s lists %d missing requests, want all %d", file, got, n)
	}
}

// A capture that failed writing lacks every request after that: its cause
// is said, and those requests counted on one line with the first of them.
func TestBriefProblems(t *testing.T) {
	const file = "d/traffic.INCOMPLETE"
	miss := func(i int) string {
		return fmt.Sprintf("%splatform request #%d, POST /v1/x at 01:00:00.000 (9-byte body)", capture.MissingPrefix, i)
	}
	var many []string
	for i := range 4111 {
		many = append(many, miss(i+3))
	}
	cause := "capture: write packet: write d/traffic.pcapng: file too large"
	for _, tc := range []struct {
		name        string
		problems    []string
		writeFailed bool
		want        []string
	}{
		{"a few, listed", []string{miss(1), miss(2)}, false, []string{miss(1), miss(2)}},
		{"after a failed write, counted", append([]string{cause}, many...), true, []string{cause,
			"4111 request(s) the servers logged are missing from the capture, as it failed writing (above), the first: platform request #3, POST /v1/x at 01:00:00.000 (9-byte body); each is listed in " + file}},
		{"many, cut", many[:13], false, append(slices.Clone(many[:10]), "… and 3 more, all in "+file)},
		{"one over, all listed", many[:11], false, many[:11]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := briefProblems(tc.problems, tc.writeFailed, file); !slices.Equal(got, tc.want) {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}
