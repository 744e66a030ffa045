// Package timeline turns a run's artifacts — events.jsonl, at.log and
// traffic.pcapng — into one self-contained HTML page: a sequence diagram
// with a lane per actor, simulated time down the side, every AT exchange,
// ES10 call, HTTP/ES9+ message, event and injected fault as a row, failures
// highlighted, and links to the raw files. The page fetches nothing: its
// CSS, script and data are inline, and the script draws only the rows in
// view (virtualised), so a run of 10,000 events scrolls as fast as one of
// ten; a run of more than DefaultPageRows rows is split into pages linked
// to each other.
//
// Each artifact is read by a Source; a source adds items on lanes. A new
// kind of artifact (the card's APDUs as GSMTAP in the capture, say) is one
// more Source and, for a new lane, one more entry in the lane order.
package timeline

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/owed"
)

// Run describes the run a page shows: what the caller knows beyond the
// artifacts.
type Run struct {
	// Name is the scenario's or the spec's name.
	Name string
	// Kind says what ran: "scenario", "spec" or "replay" (esimhil replay).
	Kind string
	Seed int64
	// NoSeed says no seed was recorded (no run_started, no result):
	// the page says so instead of showing Seed.
	NoSeed bool
	// Personality is the modem dialect the run's modem spoke (run_started
	// names it; "" for an older log): a rerun needs it as much as the seed.
	Personality string
	// Verdict is "pass", "fail" or "error".
	Verdict string
	// Simulated is the simulated time the run covered; Wall how long it
	// took.
	Simulated, Wall time.Duration
	// Speed, for a lab run, is how fast its clock followed the wall
	// clock: 1 for a real modem's (the rows are on the wall clock), 60
	// for an emulated device at 60×. Zero: an emulated run, whose time
	// is simulated.
	Speed float64
	// TimesUnknown says Simulated and Wall were never recorded (the
	// process ended during the run): the page shows how far its rows
	// reach instead, never a zero that looks measured.
	TimesUnknown bool
	// Mismatches are the expectations that did not hold (a scenario's
	// expect, a spec's failure message).
	Mismatches []string
	// Err says why the rig itself failed.
	Err string
	// ErrTitle heads Err on the page when it is not the rig's failure
	// ("Not finished", StoppedTitle, a record its directory
	// contradicts); empty: "The rig failed".
	ErrTitle string
	// Incomplete says why the run stopped before its horizon.
	Incomplete string
	// Unfired are the fault plan's entries that never fired
	// (scenario.Unfired): the page says so, as the CLI and the reports
	// do, or a reader would take the run for one that met them.
	Unfired []string
	// Dropped says which notes the card dropped from its full outbox
	// (scenario.DroppedNotes).
	Dropped string `json:",omitempty"`
	// Owed says which notes the card still owed the platform and the
	// SM-DP+s at the end of the run (one banner names them all).
	Owed owed.Notes
	// OpenCycle says the run ended inside a cycle of the card's (its
	// end state read mid-switch): the page says so beside the verdict.
	OpenCycle string `json:",omitempty"`
	// SMDP maps each SM-DP+ host name to its operator, so ES9+ messages
	// share a lane with the SM-DP+'s log entries (optional: without it a
	// host is matched to an operator that is one of its labels).
	SMDP map[string]string
	// SMDPOrder are the operators whose SM-DP+ the run configured, in
	// the order the scenario lists them: each gets a lane, in that order,
	// even one no card reached (optional: without it an SM-DP+ has a lane
	// only when something happened on it, lanes ordered by id).
	SMDPOrder []string `json:",omitempty"`
	// Traffic, if set, is traffic.pcapng as the caller already decoded it
	// (optional: the rig decodes its capture once, to hold it against
	// the servers' logs); the page is the same as from the file. Build
	// does not keep it (Timeline.Run.Traffic is nil), nor change it; its
	// readers drop the exchanges and the datagrams from Build's copy once
	// read, which frees them only if nothing else holds them (the rig
	// gives them away: harness.Rig.TakeDecodedTraffic).
	Traffic *Decoded `json:"-"`
}

// StoppedTitle heads the error of a run a signal stopped (Run.ErrTitle).
const StoppedTitle = "Stopped"

// The reasons a run that reached its end gives in INCOMPLETE: it ran to
// its horizon, but an artifact was not written whole (a full disk, the
// key log's bound). Any other reason, or one before these, says the run
// itself did not finish (a signal, the event limit, a killed process).
const (
	UnwrittenReason     = "artifacts not written whole (the run is an error): "
	PageUnwrittenReason = "timeline.html not written (the run is an error): "
)

// Unfinished says Incomplete's reason is that the run did not finish,
// rather than (only) that an artifact of a finished run was not written
// whole: the page's banner must not call a run that reached its horizon
// stopped early (sw53, F3).
func (r Run) Unfinished() bool {
	why := strings.TrimSpace(r.Incomplete)
	return why != "" && !strings.HasPrefix(why, UnwrittenReason) && !strings.HasPrefix(why, PageUnwrittenReason)
}

// IncompleteApart says the page shows Incomplete in a banner of its own:
// not when it is Err's very text (a stopped run's "run interrupted at
// …"), which Err's banner then says, with that the artifacts are
// incomplete — two banners of the same text read as two problems
// (outside tester sw127 F14).
func (r Run) IncompleteApart() bool {
	why := strings.TrimSpace(r.Incomplete)
	return why != "" && why != strings.TrimSpace(r.Err)
}

// Decoded is a capture as capture.ReadEvidence decodes it: the HTTP
// exchanges (TLS decrypted) and the GSMTAP datagrams, with the receiver's
// skips the capture ends with.
type Decoded struct {
	Exchanges []capture.Exchange
	Datagrams capture.Datagrams
}

// Kind of an item: what it shows.
type Kind string

const (
	KindAT    Kind = "at"    // a command line, its answer or a URC
	KindES10  Kind = "es10"  // an ES10 function in STORE DATA, or another APDU
	KindHTTP  Kind = "http"  // a platform API exchange
	KindES9   Kind = "es9"   // an ES9+ exchange with an SM-DP+
	KindEvent Kind = "event" // an entry of the event log
	KindFault Kind = "fault" // an injected fault
	KindAPDU  Kind = "apdu"  // an APDU at the card's contacts (GSMTAP SIM in the capture)
)

// Item is one row of the diagram: an arrow From → To, or a mark on From
// when To is empty.
type Item struct {
	T        time.Time
	From, To string // lane IDs
	Kind     Kind
	Label    string // one line, shown on the row
	Detail   string // shown when the row is opened
	Failed   bool   // a failure: highlighted
	// Refused names an expected protocol-level refusal (a toolkit command
	// the terminal could not process without service): not a failure,
	// shown plainly and counted by name.
	Refused  string
	Reply    bool // an answer (drawn dashed)
	Faults   []string
	Source   string // artifact and line ("at.log:12")
	seq      int    // order within the source, for a stable sort
	priority int    // order of sources at the same instant
	frame    int    // a capture item's frame: file order among those of one place
	fault    int    // a fault injected at one moment: its window's number from 1
	// unanswered: an answer row that says none came (no answer, cut
	// short): a fault logged right after it broke that exchange.
	unanswered bool
	// uncounted: a Refused row another row already counts (the networks
	// an attach without service tried, counted by its no_service row).
	uncounted bool
	// bip: an APDU row's use of a BIP channel, which tells whether the
	// card took a server's answer before a power cut.
	bip bipUse
}

// Timeline is a run's items on their lanes, in time order.
type Timeline struct {
	Run   Run
	Start time.Time // simulated start of the run
	Lanes []Lane
	Items []Item
	// Artifacts are the raw files the page links to, relative to its
	// directory.
	Artifacts []string
	// PageRows is the most rows a page holds (0: DefaultPageRows).
	PageRows int
	// Notes say what the page could not show (an artifact missing or
	// unreadable) or how it placed something; shown loudly on the page.
	Notes []string
}

// Source reads one artifact of a run directory into the timeline. It
// returns os.ErrNotExist (wrapped) when the artifact is absent.
type Source struct {
	File string
	Read func(path string, b *Builder) error
	// FromDecoded, if set, does what Read does from a capture the caller
	// decoded (Run.Traffic).
	FromDecoded func(d *Decoded, b *Builder) error
}

// Sources are the artifacts a timeline is built from, in the order they
// are read (later sources may use what earlier ones added: the capture
// reader places HTTP messages by the event log's time).
var Sources = []Source{
	{File: "events.jsonl", Read: readEvents},
	{File: "at.log", Read: readATLog},
	{File: "traffic.pcapng", Read: readTraffic, FromDecoded: func(d *Decoded, b *Builder) error {
		// Handed over, not shared: nothing holds them once their rows
		// are made (Build's copy of Run.Traffic).
		ex := d.Exchanges
		d.Exchanges = nil
		return b.addTraffic(ex)
	}},
	{File: "traffic.pcapng", Read: readAPDUs, FromDecoded: func(d *Decoded, b *Builder) error {
		// Handed over, not shared: addAPDUs drops them once decoded.
		dgs := d.Datagrams
		d.Datagrams = capture.Datagrams{}
		return b.addAPDUs(dgs)
	}},
}

// seqRoom is the gap between consecutive items' order numbers.
const seqRoom = 64

// Builder collects items while the sources are read.
type Builder struct {
	t      *Timeline
	lanes  map[string]Lane
	faults *faultWindows
	// events are the event log's entries, for sources that place their
	// items by them: their fields only those laterFields names.
	events []event
	// eventLines is how many lines events.jsonl holds, unreadable ones
	// included; 0 when its reading stopped before the end.
	eventLines int
	evSeq      []int // each event's item seq
	// eventsSorted says the log is in time order (the harness writes it
	// so; a log put together by hand may not be).
	eventsSorted bool
	seq          int
	// atMarks are at.log's lines' marks (ATMarksFile), nil without them.
	atMarks []int
	// lastSim is the latest time read on the event log's clock
	// (onEventClock).
	lastSim time.Time
	// misplaced counts, by artifact, the rows whose marks disagreed with
	// their own time (placeMarked).
	misplaced map[string]int
	// beyond holds, by artifact, the furthest event its marks name past
	// the log's last line (placeMarked).
	beyond map[string]int
	// afterEnd counts, by artifact, the rows of frames it marks as
	// written after run_ended (capture.Mark.AfterEnd: noteBeyond).
	afterEnd map[string]int
	// calls is what at.log's APDUs carry from one to the next (a STORE
	// DATA sequence's function, an answer left for GET RESPONSE).
	calls *callState
}

// Add puts an item on the timeline, creating its lanes.
func (b *Builder) Add(it Item) {
	// Steps of seqRoom leave room to place messages right before the log
	// entry they caused (see readTraffic).
	b.seq += seqRoom
	it.seq = b.seq
	for _, id := range []string{it.From, it.To} {
		if id == "" {
			continue
		}
		if _, ok := b.lanes[id]; !ok {
			b.lanes[id] = laneFor(id)
		}
	}
	b.t.Items = append(b.t.Items, it)
}

// Note records something the page must say about its own completeness,
// once (the capture's two readers meet the same damage).
func (b *Builder) Note(format string, args ...any) {
	if n := fmt.Sprintf(format, args...); !slices.Contains(b.t.Notes, n) {
		b.t.Notes = append(b.t.Notes, n)
	}
}

// Build reads every source in dir. A missing or unreadable artifact does
// not stop the build: the page says so in its notes.
func Build(dir string, run Run) (*Timeline, error) {
	if fi, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("timeline: %s is not a directory", dir)
	}
	t := &Timeline{Run: run}
	b := &Builder{t: t, lanes: map[string]Lane{}, faults: &faultWindows{}}
	for _, id := range coreLanes {
		b.lanes[id] = laneFor(id)
	}
	for _, op := range run.SMDPOrder {
		b.lanes[SMDPLane(op)] = laneFor(SMDPLane(op))
	}
	// The decoded capture is read from Build's own copy, which the
	// readers empty as they go (the HTTP reader drops the exchanges once
	// their rows are made, the APDU reader the datagrams once decoded),
	// and neither the timeline nor run keeps it. That frees them only if
	// the caller gave them away (harness.Rig.TakeDecodedTraffic): at a
	// 96 h run's close, 79 MiB of the 254 MiB live once the APDU rows
	// are made (t272, docs/performance.md).
	var traffic *Decoded
	if run.Traffic != nil {
		d := *run.Traffic
		traffic = &d
	}
	run.Traffic, t.Run.Traffic = nil, nil
	noted := map[string]bool{}
	for _, src := range Sources {
		path := filepath.Join(dir, src.File)
		if _, err := os.Stat(path); err != nil {
			if !slices.Contains(t.Artifacts, src.File) && !noted[src.File] {
				b.Note("%s: not in the run's directory", src.File)
				noted[src.File] = true
			}
			continue
		}
		if !slices.Contains(t.Artifacts, src.File) {
			t.Artifacts = append(t.Artifacts, src.File)
		}
		read := src.Read
		if traffic != nil && src.FromDecoded != nil {
			read = func(string, *Builder) error { return src.FromDecoded(traffic, b) }
		}
		if err := read(path, b); err != nil {
			b.Note("%s: %v", src.File, err)
		}
	}
	b.noteMisplaced()
	b.noteBeyond()
	// The run's own word that it, or its capture, is not complete — but
	// not that this very page is pending: that is over once it is written.
	for _, marker := range []string{"INCOMPLETE", "traffic.INCOMPLETE"} {
		text, err := readMarker(filepath.Join(dir, marker))
		if err != nil || strings.HasPrefix(text, PagePending) {
			continue
		}
		if text == "" {
			// Made but never given its reason (a full disk, a kill
			// between the two): still the run's word that something is
			// not whole. Matched against an empty Run.Incomplete below,
			// it was passed over in silence (outside tester o309).
			what := "run's artifacts"
			if marker == "traffic.INCOMPLETE" {
				what = "capture"
			}
			b.Note("%s: empty: whoever made it stopped, or could not write, before it said why (a full disk, a kill): take the %s as not whole", marker, what)
			t.Artifacts = append(t.Artifacts, marker)
			continue
		}
		if marker == "INCOMPLETE" && text == strings.TrimSpace(run.Incomplete) {
			// The banner on top says it already; the file is linked.
			t.Artifacts = append(t.Artifacts, marker)
			continue
		}
		b.Note("%s: %s", marker, text)
		t.Artifacts = append(t.Artifacts, marker)
	}
	// The scenario the run can be run again from, at.log's marks and the
	// capture's keys and CA, when the run wrote them.
	for _, extra := range []string{"scenario.yaml", ATMarksFile, "traffic.keys", "ci.pem"} {
		if _, err := os.Stat(filepath.Join(dir, extra)); err == nil {
			t.Artifacts = append(t.Artifacts, extra)
		}
	}
	b.finish()
	return t, nil
}

// maxMarker bounds what the page quotes of a marker file.
const maxMarker = 4 << 10

// PagePending begins the INCOMPLETE a finished run leaves while its page
// is written (harness.RunScenario): it says only that the page may be
// missing, which the page itself does not quote, and whoever writes the
// page removes it.
const PagePending = "page pending"

// readMarker is a marker file's text, cut to maxMarker.
func readMarker(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxMarker+1))
	if err != nil {
		return "", err
	}
	text := strings.TrimSpace(string(b))
	if len(b) > maxMarker {
		text = strings.TrimSpace(string(b[:maxMarker])) + " …(cut)"
	}
	return text, nil
}

// finish orders items and lanes and marks the messages that crossed an
// injected fault.
func (b *Builder) finish() {
	t := b.t
	// What the log says happened at the very start (the rig powering on)
	// came before the host's first command; later, a command comes first
	// and the events it causes follow.
	for i := range t.Items {
		if it := &t.Items[i]; it.priority == prioEvent && it.T.Equal(t.Start) {
			it.priority = prioStart
		}
	}
	sort.SliceStable(t.Items, func(i, j int) bool {
		a, c := &t.Items[i], &t.Items[j] // not copies: an Item is ~200 bytes
		if !a.T.Equal(c.T) {
			return a.T.Before(c.T)
		}
		if a.priority != c.priority {
			return a.priority < c.priority
		}
		if a.seq != c.seq {
			return a.seq < c.seq
		}
		return a.frame < c.frame
	})
	for i := range t.Items {
		it := &t.Items[i]
		if (it.Kind == KindHTTP || it.Kind == KindES9) && !it.Reply {
			it.Faults = b.faults.activeOn(it.To, it.T)
		}
	}
	b.faults.tagInstants(t.Items)
	if len(t.Items) > 0 && t.Start.IsZero() {
		t.Start = t.Items[0].T
	}
	used := map[string]bool{}
	for i := range t.Items {
		used[t.Items[i].From], used[t.Items[i].To] = true, true
	}
	pos := map[string]int{}
	for i, op := range t.Run.SMDPOrder {
		if _, dup := pos[SMDPLane(op)]; !dup {
			pos[SMDPLane(op)] = i
		}
	}
	for _, l := range b.lanes {
		if strings.HasPrefix(l.ID, smdpPrefix) {
			// The scenario's order; an SM-DP+ it does not list (a host
			// no operator names) after those it does.
			l.pos = len(t.Run.SMDPOrder)
			if i, ok := pos[l.ID]; ok {
				l.pos = i
			}
			if !used[l.ID] {
				// Configured, and not one message or log entry: said
				// (in place of "ES9+", which fits the lane's box beside
				// it only cut), or an empty column reads as a page that
				// lost its rows.
				l.Sub = "nothing reached it"
			}
		}
		t.Lanes = append(t.Lanes, l)
	}
	sortLanes(t.Lanes)
}
