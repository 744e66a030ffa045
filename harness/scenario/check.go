package scenario

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness/owed"
	"github.com/esimhil/esimhil/internal/linescan"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

// Check compares the run's event log and the registration a host read at
// its end with s.Expect, and returns one human-readable line per mismatch
// (nil when everything matches). The run starts at the first event's time.
func Check(s *Scenario, events []eventlog.Event, end EndRegistration) []string {
	e := s.Expect
	var bad []string
	var (
		attempts, notes []string
		lists           int
		refusedNotes    []string
		dups            []string
		last            *eventlog.Event
	)
	for i, ev := range events {
		switch {
		case ev.Actor == eventlog.EUICC && ev.Kind == "attempt":
			attempts = append(attempts, ev.Str("operator"))
		case ev.Actor == eventlog.EUICC && ev.Kind == "preferred_list_requested":
			lists++
		case ev.Kind == "notification_sent" && ev.Str("refused") != "":
			// Answered with a refusal: not delivered, whatever the card
			// then did with it.
			refusedNotes = append(refusedNotes, fmt.Sprintf("%s@%s (%s)", ev.Str("kind"), ev.Str("to"), ev.Str("refused")))
		case ev.Kind == "notification_sent":
			notes = append(notes, ev.Str("kind")+"@"+ev.Str("to"))
		case ev.Kind == "notification_duplicate" && (ev.Actor == eventlog.Platform || ev.Actor == eventlog.SMDP):
			dups = append(dups, duplicate(ev))
		case ev.Actor == eventlog.World && ev.Kind == "attach_result" && ev.Get("ok") == true:
			last = &events[i]
		}
	}
	if e.Attempts != nil && !slices.Equal(attempts, e.Attempts) {
		bad = append(bad, "attempts: "+gotWant(attempts, e.Attempts))
	}
	if e.Notifications != nil && !slices.Equal(notes, e.Notifications) {
		m := "notifications: " + gotWant(notes, e.Notifications)
		if len(refusedNotes) > 0 {
			m += "; refused by their receiver, so not delivered: " + strings.Join(refusedNotes, ", ")
		}
		bad = append(bad, m)
	}
	if e.ListRequests != nil && lists != *e.ListRequests {
		bad = append(bad, fmt.Sprintf("list_requests: got %d, want %d", lists, *e.ListRequests))
	}
	if e.Duplicates != nil && len(dups) != *e.Duplicates {
		m := fmt.Sprintf("duplicates: got %d, want %d", len(dups), *e.Duplicates)
		if len(dups) > 0 {
			m += ": " + strings.Join(dups, ", ")
		}
		bad = append(bad, m)
	}
	if f := e.Final; f != nil {
		op := s.OperatorOfIMSI(end.IMSI)
		got := fmt.Sprintf("%s (subscriber %s", orNone(end.Registration), orNone(op))
		if end.PLMN != "" {
			got += " on " + end.PLMN
		}
		if end.PIN != "" {
			got += "; the card wants its " + end.PIN + ", which the host does not enter"
		}
		got += ")"
		switch end.Registration {
		case RegistrationOff:
			got = "off (the modem had no power at the end of the run; nothing to read)"
		case RegistrationHung:
			got = "hung (the modem's AT port was hung at the end of the run; nothing to read)"
		case RegistrationAbsent:
			got = "absent (the device's card was absent at the end of the run; no subscriber to read)"
		}
		if end.Registration != f.Registration || f.Operator != "" && op != f.Operator || f.PLMN != "" && end.PLMN != f.PLMN {
			want := f.Registration
			if f.Operator != "" {
				want += " (subscriber " + f.Operator + ")"
			}
			if f.PLMN != "" {
				want += " on " + f.PLMN
			}
			m := fmt.Sprintf("final: got %s, want %s", got, want)
			if f.Operator != "" && op != f.Operator {
				m += lastWordOn(events, f.Operator)
			}
			bad = append(bad, m)
		}
	}
	if l := e.LastAttach; l != nil {
		switch {
		case last == nil:
			bad = append(bad, fmt.Sprintf("last_attach: no successful attach, want %s (%s)", l.Operator, l.Registration))
		case last.Str("operator") != l.Operator || last.Str("registration") != l.Registration:
			bad = append(bad, fmt.Sprintf("last_attach: got %s (%s) on %s, want %s (%s)",
				last.Str("operator"), last.Str("registration"), last.Str("plmn"), l.Operator, l.Registration))
		}
	}
	if e.Within > 0 {
		switch {
		case last == nil:
			bad = append(bad, fmt.Sprintf("within: no successful attach within %v", e.Within))
		case last.T.Sub(events[0].T) > e.Within:
			bad = append(bad, fmt.Sprintf("within: last successful attach at %v, want no later than %v",
				last.T.Sub(events[0].T).Round(time.Millisecond), e.Within))
		}
	}
	if len(bad) > 0 && s.Device.CheckInterval > 0 && s.Horizon() < s.Device.CheckInterval {
		// Nothing the method does can happen: it starts at a periodic
		// check, and none falls in the run (outside tester sw75: four
		// failures, and not why). Said with the first, not counted.
		bad[0] += fmt.Sprintf(" (the run lasts %v, less than device.check_interval %v: the card made no periodic check, and the method starts at one)",
			s.Horizon(), s.Device.CheckInterval)
	}
	return bad
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// OperatorOfIMSI returns the operator whose PLMN starts imsi (the longer
// PLMN wins: a 3-digit MNC), or "".
func (s *Scenario) OperatorOfIMSI(imsi string) string {
	best := ""
	n := 0
	for _, o := range s.Network.Operators {
		if strings.HasPrefix(imsi, o.PLMN) && len(o.PLMN) > n {
			best, n = o.ID, len(o.PLMN)
		}
	}
	return best
}

// OperatorPLMNs is EF OPLMNwAcT of operator id's profiles, preinstalled
// and delivered alike: its PLMN, then its preferred partners' in order;
// nil for an unknown operator.
func (s *Scenario) OperatorPLMNs(id string) []string {
	var out []string
	if s == nil {
		return nil
	}
	for _, o := range s.Network.Operators {
		if o.ID != id {
			continue
		}
		out = append(out, o.PLMN)
		for _, p := range o.PreferredPartners {
			for _, q := range s.Network.Operators {
				if q.ID == p {
					out = append(out, q.PLMN)
				}
			}
		}
	}
	return out
}

// HPPLMN is EF HPPLMN of operator id's profiles, preinstalled and
// delivered alike: its hplmn_search as saip.HPPLMNOf codes it; nil (the
// default, 60 minutes) when it gives none or is unknown. The loader
// refuses a period HPPLMNOf does not code, so only a Scenario built in
// code can hold one: nil too.
func (s *Scenario) HPPLMN(id string) *byte {
	if s == nil {
		return nil
	}
	for _, o := range s.Network.Operators {
		if o.ID == id && o.HPLMNSearch != nil {
			if b, err := saip.HPPLMNOf(*o.HPLMNSearch); err == nil {
				return &b
			}
		}
	}
	return nil
}

// OperatorOfSMDP returns the operator whose SM-DP+ is at address (an
// SGP.22 notificationAddress, an FQDN: case does not matter), or "".
func (s *Scenario) OperatorOfSMDP(address string) string {
	for _, o := range s.Network.Operators {
		if o.SMDP != "" && strings.EqualFold(o.SMDP, address) {
			return o.ID
		}
	}
	return ""
}

// RegistrationOf names a 27.007 +CEREG <stat>.
func RegistrationOf(stat int) string {
	switch stat {
	case 0:
		return "none"
	case 1:
		return "home"
	case 2:
		return "searching"
	case 3:
		return "denied"
	case 5:
		return "roaming"
	}
	return "unknown"
}

func list(s []string) string { return "[" + strings.Join(s, ", ") + "]" }

// shortList is as long as a list gotWant shows whole.
const shortList = 10

// gotWant words two lists that differ: whole when both are short, else
// by their lengths and where they first differ, with a few entries
// either side (outside tester sw70: a 48-entry list in full filled the
// page's banner and said nothing of where it went wrong).
func gotWant(got, want []string) string {
	if len(got) <= shortList && len(want) <= shortList {
		return fmt.Sprintf("got %s, want %s", list(got), list(want))
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	at := func(s []string) string {
		if i >= len(s) {
			return "nothing more"
		}
		return s[i]
	}
	window := func(s []string) string {
		lo, hi := max(0, i-2), min(len(s), i+3)
		w := "[" + strings.Join(s[lo:hi], ", ") + "]"
		if lo > 0 {
			w = "[… " + w[1:]
		}
		if hi < len(s) {
			w = w[:len(w)-1] + " …]"
		}
		return w
	}
	return fmt.Sprintf("got %d, want %d; they first differ at [%d]: got %s, want %s (got %s, want %s)",
		len(got), len(want), i, at(got), at(want), window(got), window(want))
}

// Unfired lists the fault plan's entries that never fired in events (no
// `fault` event names them): a cut whose nth the run never reached, an
// attach fault of an attempt never made. Not a mismatch — a plan may
// allow for what does not happen — but the run must say it, or its
// author takes the fault for tested.
func Unfired(s *Scenario, events []eventlog.Event) []string {
	fired := make([]bool, len(s.Faults))
	for _, e := range events {
		if e.Kind != eventlog.KindFault {
			continue
		}
		if i, ok := e.Int("entry"); ok && i >= 0 && i < len(fired) {
			fired[i] = true
		}
	}
	mergedWindows(s.Faults, events, fired)
	var out []string
	for i, f := range s.Faults {
		if !fired[i] {
			out = append(out, fmt.Sprintf("faults[%d] (%s) never fired", i, f.describe()))
		}
	}
	return out
}

// mergedWindows marks as fired the window faults that overlap one that
// fired: windows of one kind and target that overlap make one window,
// whose edges name only the entries in force at them (a dead zone inside
// another logs nothing of its own), yet each was in force. A window that
// starts after the run's last event was never reached.
func mergedWindows(fs []Fault, events []eventlog.Event, fired []bool) {
	if len(events) == 0 {
		return
	}
	start, end := events[0].T, events[len(events)-1].T
	reached := func(f Fault) bool { return !start.Add(f.From).After(end) }
	for changed := true; changed; {
		changed = false
		for i, a := range fs {
			if fired[i] || !a.Kind.mergesWindows() || !reached(a) {
				continue
			}
			for j, b := range fs {
				if fired[j] && b.Kind == a.Kind && b.Operator == a.Operator && a.Overlaps(b) {
					fired[i], changed = true, true
					break
				}
			}
		}
	}
}

// mergesWindows reports a fault kind whose overlapping windows make one.
func (k FaultKind) mergesWindows() bool {
	switch k {
	case CoverageLost, ATPortHang, CardAbsent, PlatformUnreachable:
		return true
	}
	return false
}

// describe names a fault by its kind as the event log's fault events do
// (coverage_lost for coverage: lost), with what limits the entry.
func (f Fault) describe() string {
	switch f.Kind {
	case PowerCut:
		if f.Event == PowerCutAt {
			return fmt.Sprintf("power_cut: at, from: %v, off: %v", f.From, f.Off)
		}
		d := fmt.Sprintf("power_cut: %s, nth: %d", f.Event, f.Nth)
		if f.Actor != "" {
			d += ", actor: " + f.Actor
		}
		return d
	}
	// Whatever limits the entry, so two entries of one kind and operator
	// read apart, and one limited to a subscriber does not read as every
	// attach on the operator's network (outside tester t268).
	d := string(f.Kind)
	switch f.Kind {
	case Download:
		d = "download: " + f.Name
	case AttachReject:
		d += fmt.Sprintf(": %d", f.Cause) // two causes on one operator read apart
	}
	if f.Operator != "" {
		d += ", operator: " + f.Operator
	}
	if f.Subscriber != "" {
		d += ", subscriber: " + f.Subscriber
	}
	if f.TAC != 0 {
		d += fmt.Sprintf(", tac: %#04x", f.TAC) // as the cells give it
	}
	if f.Attempt != 0 {
		d += fmt.Sprintf(", attempt: %d", f.Attempt)
	}
	if f.From != 0 {
		d += fmt.Sprintf(", from: %v", f.From)
	}
	if f.Until != 0 {
		d += fmt.Sprintf(", until: %v", f.Until)
	}
	return d
}

// duplicate names a receiver's notification_duplicate for a mismatch: the
// platform's by kind and report number, an SM-DP+'s by operator and
// sequence number, with the time it came again.
func duplicate(ev eventlog.Event) string {
	at := ev.T.UTC().Format("15:04:05")
	if ev.Actor == eventlog.SMDP {
		return fmt.Sprintf("%s@%s seq %v again at %s", ev.Str("kind"), ev.Str("operator"), ev.Get("seq"), at)
	}
	return fmt.Sprintf("%s@platform report %v again at %s", ev.Str("kind"), ev.Get("report"), at)
}

// DroppedForRoom reports whether e is the card's note_dropped of a note
// it made room for in its full outbox (reason applet.ReasonOutboxFull…),
// as against one the platform refused for good: the run's verdict and the
// fleet both tell them apart by this.
func DroppedForRoom(e eventlog.Event) bool {
	return e.Actor == eventlog.EUICC && e.Kind == applet.KindNoteDropped && strings.HasPrefix(e.Str("reason"), applet.ReasonOutboxFull)
}

// DroppedNotes says in one sentence which notes the card dropped from its
// full outbox in the run (DroppedForRoom), which the platform then never
// got; "" when it dropped none. A note refused for good by the platform is
// not counted here: its notification_failed says so.
func DroppedNotes(events []eventlog.Event) string {
	var kinds, reports []string
	for _, e := range events {
		if !DroppedForRoom(e) {
			continue
		}
		kinds = append(kinds, e.Str("kind"))
		reports = append(reports, fmt.Sprint(e.Get("report")))
	}
	if len(reports) == 0 {
		return ""
	}
	return fmt.Sprintf("the card dropped %d notes from its full outbox, which the platform never got: %s", len(reports), owed.Tally(kinds, reports))
}

// errEventLineTooLong says line n of events.jsonl is over eventlog.MaxLine,
// which the log writes none over (it shortens an event to fit): the line
// is damage, or another writer's.
func errEventLineTooLong(n int, length int64) error {
	return fmt.Errorf("line %d: %w", n, eventlog.TooLong(length))
}

// LogNotes is what an event log says of the notes the platform and the
// SM-DP+s never got, worded as a run's record words them: those the card
// dropped (DroppedNotes) and those it still owed at the end (owed.Of its
// run_ended).
type LogNotes struct {
	Dropped string
	Owed    owed.Notes
}

// NotesOf is LogNotes of a log's events (only the card's note_dropped
// count) and its run_ended, end (nil without one: nothing said owed).
func NotesOf(events []eventlog.Event, end *eventlog.Event) LogNotes {
	return LogNotes{Dropped: DroppedNotes(events), Owed: owed.Of(end)}
}

// NotesInLog reads LogNotes from the event log r (events.jsonl), line by
// line: a page written again from a run's directory whose record says
// none — no record, or an unfinished run's, whose log may still end in
// run_ended — names them from the log (outside tester t84 N3). Only the
// card's note_dropped lines and run_ended are decoded; one that does not
// decode is an error. A line over eventlog.MaxLine is passed over and
// the rest read: the error names it beside the notes found.
func NotesInLog(r io.Reader) (LogNotes, error) {
	sc := linescan.New(r, eventlog.MaxLine)
	var dropped []eventlog.Event
	var end *eventlog.Event
	var long error
	for n := 1; sc.Scan(); n++ {
		if length, ok := sc.TooLong(); ok {
			if long == nil {
				long = errEventLineTooLong(n, length)
			}
			continue
		}
		line := sc.Bytes()
		if !bytes.Contains(line, []byte(`"`+applet.KindNoteDropped+`"`)) && !bytes.Contains(line, []byte(`"`+eventlog.KindRunEnded+`"`)) {
			continue
		}
		e, err := eventlog.ParseLine(line)
		if err != nil {
			return LogNotes{}, fmt.Errorf("line %d: %w", n, err)
		}
		switch {
		case e.Actor == eventlog.Harness && e.Kind == eventlog.KindRunEnded:
			end = &e
		default:
			dropped = append(dropped, e)
		}
	}
	if err := sc.Err(); err != nil {
		return LogNotes{}, fmt.Errorf("reading line %d: %w", sc.Line()+1, err)
	}
	return NotesOf(dropped, end), long
}

// ReadEvents reads a whole event log (events.jsonl) back into events as
// Check takes them: numbers as their JSON text (json.Number), a line that
// does not decode, or one over eventlog.MaxLine (which the log writes
// none over), an error naming it (the caller names the file: Recheck).
// An event the log shortened reads as it was written, TruncatedKey and
// all, as the run's own check had it.
func ReadEvents(r io.Reader) ([]eventlog.Event, error) {
	sc := linescan.New(r, eventlog.MaxLine)
	var events []eventlog.Event
	for n := 1; sc.Scan(); n++ {
		if length, ok := sc.TooLong(); ok {
			return nil, errEventLineTooLong(n, length)
		}
		e, err := eventlog.ParseLine(sc.Bytes())
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		events = append(events, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading line %d: %w", sc.Line()+1, err)
	}
	return events, nil
}

// lastWordOn is what the card last logged of why operator op was not
// reached (a failed download, attach or enable, an attempt skipped), so
// that a final state's mismatch says why, not only what (outside tester
// sw80: a quota's 403 was only in download_result).
func lastWordOn(events []eventlog.Event, op string) string {
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		if e.Actor != eventlog.EUICC {
			continue
		}
		if e.Kind == "list_passed_over" {
			// A list of which nothing was tried, each operator's reason.
			for _, w := range e.Strs("reasons") {
				if r, ok := strings.CutPrefix(w, op+": "); ok {
					return fmt.Sprintf("; the card's last word on %s: list_passed_over at %v: %s", op, e.T.Sub(events[0].T).Round(time.Millisecond), r)
				}
			}
			continue
		}
		if e.Str("operator") != op || e.Str("reason") == "" {
			continue
		}
		switch e.Kind {
		case "download_result", "attach_failed", "attempt_skipped", "fallback_failed":
			return fmt.Sprintf("; the card's last word on %s: %s at %v: %s", op, e.Kind, e.T.Sub(events[0].T).Round(time.Millisecond), e.Str("reason"))
		}
	}
	return ""
}
