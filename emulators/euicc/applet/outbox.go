package applet

import (
	"fmt"
	"slices"

	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// The outbox is the background duty that delivers notes to the platform
// (claims 1–3: attach-success, attach-failure, list-exhausted; claim 2:
// download-success): one post at a time, for the oldest note (the request
// table says whether it is out), in order, whenever the card has a
// bearer. A note stays until the platform acknowledges it; one that failed
// is sent again at the next periodic check, and every note in flight at a
// reset is sent again after it. Each note carries its report number, so
// the platform takes a repeat once.

// enqueue owes the platform n and sends it if the card can; it returns the
// note's report number.
func (a *Applet) enqueue(n Note) uint64 {
	r := a.owe(n)
	a.flush()
	return r
}

// owe adds n to the outbox without sending it yet. A full outbox makes
// room (logged, with why): the note not in flight that tells the platform
// least goes (keep), the oldest of those. A failure's report (an
// attach-failure, a list-exhausted) goes first: the outcome of a later
// cycle says what an older one said, and hours without coverage owe two
// every check or two. An attach-success goes only when no failure is
// left: it is claim 7's outcome of a switch that worked, which no
// failure may push out (outside tester sw75: a cruise platform that
// refused notes for days got the failures of rescue rounds at sea and
// none of the two ports' successes). A download-success goes last of
// all: one per installed profile, the platform learns of the profile
// from nothing else (outside tester sw70).
func (a *Applet) owe(n Note) uint64 {
	a.st.LastReport++
	n.Report = a.st.LastReport
	if len(a.st.Outbox) >= maxOutbox {
		if i := a.roomFrom(); i >= 0 {
			old := a.st.Outbox[i]
			a.st.Outbox = slices.Delete(a.st.Outbox, i, i+1)
			a.log(KindNoteDropped, "kind", old.Kind, "report", old.Report,
				"reason", fmt.Sprintf("%s: %d notes owed, the oldest %s makes room", ReasonOutboxFull, maxOutbox, old.Kind))
		}
	}
	a.st.Outbox = append(a.st.Outbox, n)
	return n.Report
}

// oweFirst is owe for a note that must be tried before the notes already
// owed: the download-success, which claim 2 sends before the switch. Put
// behind older notes that the platform keeps failing (the outbox sends in
// order, each failed head waiting for the next check), it was not even
// tried before the enable (outside tester sw80: a cruise whose platform
// refused notes for days switched to TIM and Vodafone with their
// download-success still queued). It goes at the head, behind a note in
// flight, whose answer comes first.
func (a *Applet) oweFirst(n Note) uint64 {
	r := a.owe(n)
	at := 0
	if a.owns(ownerOutbox) {
		at = 1
	}
	last := len(a.st.Outbox) - 1
	if last > at && a.st.Outbox[last].Report == r {
		n := a.st.Outbox[last]
		a.st.Outbox = slices.Insert(a.st.Outbox[:last], at, n)
	}
	return r
}

// keep ranks a note for a full outbox: the lowest rank goes first.
func keep(kind string) int {
	switch kind {
	case NoteDownloadSuccess:
		return 2
	case NoteAttachSuccess:
		return 1
	}
	return 0 // a failure's report, or a kind an older card owed
}

// roomFrom picks the note a full outbox drops: the oldest of the lowest
// keep rank not in flight; -1 when only the one in flight is left (its
// answer makes room).
func (a *Applet) roomFrom() int {
	first := 0
	if a.owns(ownerOutbox) {
		first = 1 // the head is in flight: its answer decides it
	}
	pick := -1
	for i := first; i < len(a.st.Outbox); i++ {
		if pick < 0 || keep(a.st.Outbox[i].Kind) < keep(a.st.Outbox[pick].Kind) {
			pick = i
		}
	}
	return pick
}

// flush posts the oldest note when there is a bearer and nothing in flight,
// and no enable is out: its REFRESH would cut the answer (the note goes
// once the new profile has a bearer).
func (a *Applet) flush() {
	if !a.st.Online || len(a.st.Outbox) == 0 || a.owns(ownerOutbox) || a.enableOut() {
		return
	}
	a.post(ownerOutbox, PathNotifications, a.st.Outbox[0].body(a.cfg.EID))
}

func (o Note) body(eid string) []byte {
	return mustJSON(platformapi.Notification{EID: eid, Kind: o.Kind, ICCID: o.ICCID, Operator: o.Operator, PLMN: o.PLMN, Report: o.Report})
}

// fields are what the note's events say of it: its kind and number, and
// every field of the body it is sent as (operator, PLMN, ICCID), so that
// the card's log says what it sent, to be held against what the platform
// recorded (esimhil fleet).
func (o Note) fields() []any {
	kv := []any{"kind", o.Kind, "to", "platform", "report", o.Report}
	for _, f := range [...]struct{ k, v string }{{"iccid", o.ICCID}, {"operator", o.Operator}, {"plmn", o.PLMN}} {
		if f.v != "" { // as the body leaves it out (omitempty)
			kv = append(kv, f.k, f.v)
		}
	}
	return kv
}

// outboxAnswer takes the platform's answer to the head note.
func (a *Applet) outboxAnswer(e HTTPResult) {
	if len(a.st.Outbox) == 0 {
		return // the table said it was ours; nothing else can be
	}
	o := &a.st.Outbox[0]
	kv := o.fields()
	if e.Err == "" {
		a.platformAnswered(e) // the platform is back: the next check asks for a list
	}
	reason := httpFailure(e)
	if reason == "" {
		// A 200 is an acknowledgement only as the API words one: garbage,
		// or "ack": false, leaves the note owed (sent again later).
		if ack, err := platformapi.DecodeNotificationAck(e.Body); err != nil {
			reason = "answer: " + err.Error()
		} else if !ack.Ack {
			reason = "answer: not acknowledged (ack: false)"
		}
	}
	if reason != "" {
		a.log(KindNotificationFailed, append(append(kv, "reason", reason), resultField(e)...)...)
		a.enableAfterNote()    // claim 2 notified as far as it can: the switch goes on
		if refused(e.Status) { // (never a 200: a bad acknowledgement is kept)
			// The platform will never take this note as it is: resending
			// it would block every note behind it.
			a.st.Outbox = a.st.Outbox[1:]
			a.log(KindNoteDropped, "kind", o.Kind, "report", o.Report, "reason", reason)
			a.flush()
			return
		}
		a.st.OutboxRetry = true
		return
	}
	a.st.Outbox = a.st.Outbox[1:]
	a.log(KindNotificationSent, kv...)
	if c := a.st.Cycle; c != nil && c.EnableAfterNote && len(a.st.Outbox) > 0 &&
		a.st.Outbox[0].Kind == NoteDownloadSuccess && a.st.Outbox[0].ICCID == c.Target {
		// The held enable's own download-success, behind the note that
		// was in flight (oweFirst): it goes before the switch, which
		// waits for its answer too.
		a.flush()
	}
	a.enableAfterNote()
	a.flush()
}

// refused reports whether an HTTP status says the request itself is wrong
// (RFC 9110 §15.5: a 4xx other than a timeout or a rate limit), so that
// sending it again cannot help.
func refused(status int) bool {
	return status >= 400 && status < 500 && status != 408 && status != 425 && status != 429
}

// enableOut reports whether an EnableProfile is out and unanswered.
func (a *Applet) enableOut() bool {
	return a.st.Mode.enabling() && a.st.Cycle != nil && !a.st.Cycle.EnableAfterNote
}
