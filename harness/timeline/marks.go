package timeline

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/esimhil/esimhil/harness/capture"
)

// placeMarked puts a capture item among the event log's rows by its
// frame's mark (capture.Mark): after the events logged before the frame
// was written and before the rest, whatever its timestamp says within the
// instant — simulated time stands still within an instant, so the tap
// stamps frames 1 µs apart and every frame would follow every event of
// its instant. Frames of one place keep their file order. It reports
// false, leaving it alone, for a frame without a mark or a run without an
// event log: it keeps its capture time.
//
// sim says the stamp is on the event log's clock (a tap's simulated time,
// an at.log line's); a live capture's wall-clock stamp is not, and the
// item takes the time of the events around its mark.
func (b *Builder) placeMarked(it *Item, stamp time.Time, m capture.Mark, frame int, sim bool) bool {
	if !m.OK || len(b.events) == 0 {
		return false
	}
	if m.AfterEnd {
		// Written after run_ended (capture.Mark.AfterEnd): the rig's
		// work past the run (the exploration's end read), whose events
		// the log leaves out by design — no lost end. It follows the
		// run's rows, and the page says whose it is.
		if b.afterEnd == nil {
			b.afterEnd = map[string]int{}
		}
		b.afterEnd[sourceFile(it.Source)]++
	} else if last := b.eventLines; last > 0 && m.Events > last {
		// The artifact saw more events than the log holds: the log lost
		// its end (cut at a line's end, which no parse notices), or the
		// artifact is another run's (outside tester sw76). Held to the
		// lines the log holds, unreadable ones too, and not claimed when
		// its reading stopped early: neither is a lost end (sw127 F3).
		if b.beyond == nil {
			b.beyond = map[string]int{}
		}
		f := sourceFile(it.Source)
		b.beyond[f] = max(b.beyond[f], m.Events)
	}
	// The first event logged after the frame: the mark counts lines.
	k := sort.Search(len(b.events), func(i int) bool { return b.events[i].Line > m.Events })
	t := stamp
	if !sim {
		t = time.Time{} // a wall-clock stamp (live capture): the events' time
	} else if k > 0 && stamp.Before(b.events[k-1].T.Add(-markSlack)) || k < len(b.events) && stamp.After(b.events[k].T.Add(markSlack)) {
		// The mark puts a row stamped on the events' clock among events
		// of another time: the mark or the log is damaged (lines added
		// to events.jsonl, an at.marks that is not this at.log's). The
		// artifact's own time wins, and the page says how many.
		if b.misplaced == nil {
			b.misplaced = map[string]int{}
		}
		b.misplaced[sourceFile(it.Source)]++
		return false
	}
	if k > 0 && t.Before(b.events[k-1].T) {
		t = b.events[k-1].T
	}
	if k < len(b.events) && (t.IsZero() || t.After(b.events[k].T)) {
		t = b.events[k].T
	}
	it.T, it.priority, it.frame = t, prioEvent, frame
	if k < len(b.events) {
		it.seq = b.evSeq[k] - seqRoom/2
	} else {
		it.seq = b.evSeq[k-1] + seqRoom/2
	}
	return true
}

// markSlack is how far a marked row's own simulated time may be from the
// events around its mark: a tap stamps the frames of one instant 1 µs
// apart, so a busy instant's last frames run past its time.
const markSlack = time.Second

// sourceFile is the artifact of an item's Source ("at.log:12",
// "traffic.pcapng frame 7" → "at.log", "traffic.pcapng").
func sourceFile(src string) string {
	f, _, _ := strings.Cut(src, ":")
	f, _, _ = strings.Cut(f, " ")
	return f
}

// noteMisplaced says, for each artifact, how many of its rows their marks
// could not place (placeMarked).
func (b *Builder) noteMisplaced() {
	for _, f := range slices.Sorted(maps.Keys(b.misplaced)) {
		marks := "their at.marks marks"
		if f != "at.log" {
			marks = "their frames' event marks"
		}
		rows := fmt.Sprintf("%d rows are", b.misplaced[f])
		if b.misplaced[f] == 1 {
			rows = "1 row is"
		}
		b.Note("%s: %s at their own time, not where %s put them: the mark names events more than %v from the row's own time (a damaged events.jsonl, or marks that are not this run's)",
			f, rows, marks, markSlack)
	}
}

// noteBeyond says, for each artifact whose marks name events past the
// event log's last line, how far they go, and how many frames it marks
// as written after run_ended.
func (b *Builder) noteBeyond() {
	if len(b.events) == 0 {
		return
	}
	last := b.eventLines
	for _, f := range slices.Sorted(maps.Keys(b.afterEnd)) {
		rows := fmt.Sprintf("%d rows", b.afterEnd[f])
		if b.afterEnd[f] == 1 {
			rows = "1 row"
		}
		b.Note("%s: %s after the run's are of frames written after run_ended (%s): the rig's work past the run (an exploration's end read of the card), not the run's",
			f, rows, capture.AfterEndComment)
	}
	for _, f := range slices.Sorted(maps.Keys(b.beyond)) {
		b.Note("%s: its marks name events up to line %d of events.jsonl, which ends at line %d: the event log lost its end (cut at a line's end), or %s is another run's; the page shows what the log holds",
			f, b.beyond[f], last, f)
	}
}

// addMarked adds it among the events by m (placeMarked), or at its time
// when it cannot be placed.
func (b *Builder) addMarked(it Item, stamp time.Time, m capture.Mark, frame int, sim bool) {
	if b.placeMarked(&it, stamp, m, frame, sim) {
		b.addPlaced(it)
		return
	}
	b.Add(it)
}

// simulatedStamp reports whether a capture stamp can be simulated time:
// within the run's simulated span, give or take — from its first event to
// the latest of its last event, its horizon (Run.Simulated after Start)
// and at.log's last line, with an hour's room past them. A run goes on
// past its last event to its horizon (a quiet journey's last hours, the
// host's final reads): bounding the span by the last event alone took
// those stamps for a live capture's wall clock and drew their rows at the
// last event's time.
func (b *Builder) simulatedStamp(t time.Time) bool {
	if len(b.events) == 0 {
		return true
	}
	first, last := b.events[0].T, b.lastSim
	if r := b.t.Run; r.Simulated > 0 && !r.TimesUnknown && !b.t.Start.IsZero() {
		if end := b.t.Start.Add(r.Simulated); end.After(last) {
			last = end
		}
	}
	return !t.Before(first.Add(-time.Second)) && !t.After(last.Add(time.Hour))
}

// captureOnEventClock reports whether a capture's stamps are on the event
// log's clock, judged by its earliest stamp: a capture keeps one clock
// from its first frame to its last, and a tap's first frame comes with the
// run's first events, where a live capture's (or a lab's) is the wall
// clock's, months from the simulated epoch. Judging each stamp alone took
// the frames of a killed run past its last event — a card idle at home
// goes on with its checks for days without an event — for wall-clock ones.
func (b *Builder) captureOnEventClock(earliest time.Time) bool {
	return earliest.IsZero() || b.simulatedStamp(earliest)
}

// onEventClock notes a time known to be on the event log's clock (an
// event's, an at.log line's: the modem stamps its lines with the loop's
// time), so that simulatedStamp's span reaches it.
func (b *Builder) onEventClock(t time.Time) {
	if t.After(b.lastSim) {
		b.lastSim = t
	}
}
