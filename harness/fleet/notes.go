package fleet

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// The platform's log is held against the cards note by note: a note is
// known by its identity (EID, kind, report number: reportID) and must be
// logged with its content as the card sent it (docs/platform-api.md: an
// entry's body is "the notification as the card sent it"). A count per
// card and kind would take a log that names the wrong operator, swaps two
// cards' notes or shifts every report number for a whole one.

// cardNote is what the cards did with one numbered note.
type cardNote struct {
	// body is the note as its card sent it (its events name every field
	// of the body).
	body platformapi.Notification
	// sent counts the card's requests of it, answered or not; acked the
	// acknowledgements the card saw.
	sent, acked int
}

// cardNotes are the cards' numbered notes to the platform, by reportID.
type cardNotes map[string]*cardNote

// note records a card's notification_sent or notification_failed event
// to the platform of the card eid; acked says the card took it as
// delivered. An event with no report number (a card that numbers none)
// is not recorded: it has no identity to be found by.
func (c cardNotes) note(eid string, e eventlog.Event, acked bool) {
	report := e.Get("report")
	if report == nil {
		return
	}
	id := reportID(eid, e.Str("kind"), report)
	n := c[id]
	if n == nil {
		r, _ := strconv.ParseUint(fmt.Sprint(report), 10, 64)
		n = &cardNote{body: platformapi.Notification{EID: eid, Kind: e.Str("kind"), Report: r,
			ICCID: e.Str("iccid"), Operator: e.Str("operator"), PLMN: e.Str("plmn")}}
		c[id] = n
	}
	n.sent++
	if acked {
		n.acked++
	}
}

// sentCounts is the cards' requests of each note, by reportID.
func (c cardNotes) sentCounts() map[string]int {
	m := make(map[string]int, len(c))
	for id, n := range c {
		m[id] = n.sent
	}
	return m
}

// loggedNote is what a platform's log holds of one numbered note.
type loggedNote struct {
	// n counts the entries that took it (a note sent again after a lost
	// answer is logged at each arrival).
	n int
	// body is the first entry's; other the first that differs from it
	// (a log that holds two contents under one identity), nil if none.
	body  platformapi.Notification
	other *platformapi.Notification
}

// loggedNotes are a platform log's numbered notes, by reportID.
type loggedNotes map[string]*loggedNote

// add records an entry of n; it reports whether it is the first of its
// identity.
func (l loggedNotes) add(n platformapi.Notification) bool {
	id := reportID(n.EID, n.Kind, n.Report)
	e := l[id]
	if e == nil {
		l[id] = &loggedNote{n: 1, body: n}
		return true
	}
	e.n++
	if e.other == nil && len(noteDiff(e.body, n)) > 0 {
		e.other = &n
	}
	return false
}

// noteFromEvent is the note an emulated platform's notification_received
// names (every field it took); ok is false for one with no report number.
func noteFromEvent(e eventlog.Event) (platformapi.Notification, bool) {
	report := e.Get("report")
	if report == nil {
		return platformapi.Notification{}, false
	}
	r, err := strconv.ParseUint(fmt.Sprint(report), 10, 64)
	if err != nil {
		return platformapi.Notification{}, false
	}
	n := platformapi.Notification{EID: e.Str("eid"), Kind: e.Str("kind"), Report: r,
		ICCID: e.Str("iccid"), Operator: e.Str("operator"), PLMN: e.Str("plmn")}
	if c, ok := e.Get("cause").(int); ok {
		n.Cause = &c
	}
	return n, true
}

// noteDiff names each field of the content (all but the identity) in
// which logged differs from sent: "operator sent sfr, logged orange-fr".
// TestNoteDiffCoversEveryField keeps it to platformapi.Notification's
// fields.
func noteDiff(sent, logged platformapi.Notification) []string {
	cause := func(c *int) string {
		if c == nil {
			return "none"
		}
		return strconv.Itoa(*c)
	}
	var d []string
	for _, f := range [...]struct{ name, sent, logged string }{
		{"iccid", sent.ICCID, logged.ICCID},
		{"operator", sent.Operator, logged.Operator},
		{"plmn", sent.PLMN, logged.PLMN},
		{"cause", cause(sent.Cause), cause(logged.Cause)},
	} {
		if f.sent != f.logged {
			d = append(d, fmt.Sprintf("%s sent %s, logged %s", f.name, orNone(f.sent), orNone(f.logged)))
		}
	}
	return d
}

// noteMatch is the log held against the cards, each figure with the first
// maxLostNamed of it named (in identity order).
type noteMatch struct {
	// lost: notes the cards saw acknowledged that no entry holds.
	lost      int
	lostNamed []string
	// mismatched: notes a card sent that an entry holds with other
	// content (counted once a note).
	mismatched      int
	mismatchedNamed []string
	// extra: entries beyond the requests the cards sent of their note
	// (recorded twice, or under an identity no card sent).
	extra      int
	extraNamed []string
	// unconfirmed: notes the log holds that their card sent and never saw
	// acknowledged (it sends them again; not lost).
	unconfirmed int
}

// matchNotes holds log against the cards' notes.
func matchNotes(cards cardNotes, log loggedNotes) noteMatch {
	var m noteMatch
	for _, id := range slices.Sorted(maps.Keys(cards)) {
		c := cards[id]
		if c.acked > 0 && log[id] == nil {
			m.lost += c.acked
			if len(m.lostNamed) < maxLostNamed {
				m.lostNamed = append(m.lostNamed, "to platform: "+noteName(c.body)+describe(c.body))
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(log)) {
		l := log[id]
		c := cards[id]
		if c == nil {
			m.extra += l.n
			if len(m.extraNamed) < maxLostNamed {
				m.extraNamed = append(m.extraNamed, fmt.Sprintf("%s%s ×%d, sent by no card", noteName(l.body), describe(l.body), l.n))
			}
			continue
		}
		if c.acked == 0 {
			m.unconfirmed++
		}
		if d := l.n - c.sent; d > 0 {
			m.extra += d
			if len(m.extraNamed) < maxLostNamed {
				m.extraNamed = append(m.extraNamed, fmt.Sprintf("%s ×%d for %d request(s)", noteName(c.body), l.n, c.sent))
			}
		}
		diff := noteDiff(c.body, l.body)
		if len(diff) == 0 && l.other != nil {
			diff = noteDiff(c.body, *l.other)
		}
		if len(diff) > 0 {
			m.mismatched++
			if len(m.mismatchedNamed) < maxLostNamed {
				m.mismatchedNamed = append(m.mismatchedNamed, noteName(c.body)+": "+strings.Join(diff, ", "))
			}
		}
	}
	return m
}

// noteName names a note by its identity, as a platform team would look
// for it in its own log.
func noteName(n platformapi.Notification) string {
	return fmt.Sprintf("%s %s report %d", n.EID, n.Kind, n.Report)
}

// describe is a note's content in brackets, "" when it has none.
func describe(n platformapi.Notification) string {
	var f []string
	for _, kv := range [...][2]string{{"operator", n.Operator}, {"plmn", n.PLMN}, {"iccid", n.ICCID}} {
		if kv[1] != "" {
			f = append(f, kv[0]+" "+kv[1])
		}
	}
	if len(f) == 0 {
		return ""
	}
	return " (" + strings.Join(f, ", ") + ")"
}

// apply writes m into r's figures.
func (m noteMatch) apply(r *Result) {
	r.PlatformByReport = true
	r.PlatformLost, r.PlatformLostNamed = m.lost, m.lostNamed
	r.PlatformUnconfirmed = m.unconfirmed
	r.LogMismatched, r.LogMismatchedNamed = m.mismatched, m.mismatchedNamed
	r.LogExtra, r.LogExtraNamed = m.extra, m.extraNamed
}
