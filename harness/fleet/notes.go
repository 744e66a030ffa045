package fleet

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// The platform's log is held against the cards note by note: a note is
// known by its identity (EID, kind, report number: noteKey) and must be
// logged with its content as the card sent it (docs/platform-api.md: an
// entry's body is "the notification as the card sent it"). A count per
// card and kind would take a log that names the wrong operator, swaps two
// cards' notes or shifts every report number for a whole one.

// noteKind numbers the API's kinds of notification (noteKinds), so that
// a note's identity holds no string.
var noteKinds = []string{platformapi.KindAttachSuccess, platformapi.KindAttachFailure, platformapi.KindListExhausted, platformapi.KindDownloadSuccess}

// noteKey is a numbered note's identity: the device (deviceIndex of its
// EID), the kind (noteKinds) and the report number. A storm holds one per
// note its cards sent, so it is kept small: no string of the note's is
// kept once both sides of it are known.
type noteKey struct {
	dev    uint32
	kind   uint8
	report uint64
}

// keyOf is n's identity; false for a note of no device of the fleet's or
// of a kind the API does not have (a log's entry no card sent).
func keyOf(n platformapi.Notification) (noteKey, bool) {
	dev, ok := deviceIndex(n.EID)
	k := slices.Index(noteKinds, n.Kind)
	if !ok || k < 0 || n.Report == 0 {
		return noteKey{}, false
	}
	return noteKey{dev: uint32(dev), kind: uint8(k), report: n.Report}, true
}

// eidOf is the EID of device i (deviceIndex's inverse).
func eidOf(i uint32) string {
	eid, err := ident.MakeEID(fmt.Sprintf("%s%018d", eidPrefix, uint64(i)+eidBase))
	if err != nil {
		return fmt.Sprintf("device %d", i)
	}
	return eid
}

// content is a note's body but its identity.
type content struct {
	iccid, operator, plmn string
	cause                 *int
}

func contentOf(n platformapi.Notification) content {
	return content{iccid: n.ICCID, operator: n.Operator, plmn: n.PLMN, cause: n.Cause}
}

// hash is c's FNV-1a digest: what is kept of a note's content once both
// sides of it are known.
func (c content) hash() uint64 {
	// FNV-1a (its offset basis and prime), by hand: one a note, with no
	// garbage.
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	add := func(s string) {
		for i := range len(s) {
			h = (h ^ uint64(s[i])) * prime
		}
		h = (h ^ 0xff) * prime // no field's byte: fields do not run together
	}
	add(c.iccid)
	add(c.operator)
	add(c.plmn)
	if c.cause != nil {
		h = (h ^ uint64(uint32(*c.cause))) * prime
	}
	return h
}

// body is the notification of identity k with content c.
func (k noteKey) body(c content) platformapi.Notification {
	return platformapi.Notification{EID: eidOf(k.dev), Kind: noteKinds[k.kind], Report: k.report, ICCID: c.iccid, Operator: c.operator, PLMN: c.plmn, Cause: c.cause}
}

// cardNote is what the cards did with one numbered note.
type cardNote struct {
	// hash is the content the card sent (its events name every field of
	// the body); full is the content itself while no log entry of the
	// note is known, to be named.
	hash uint64
	full *content
	// sent counts the card's requests of it, answered or not; acked the
	// acknowledgements the card saw.
	sent, acked int32
}

// loggedNote is what a platform's log holds of one numbered note.
type loggedNote struct {
	// hash is the first entry's content, full the content itself while
	// no card's note of it is known.
	hash uint64
	full *content
	// other is the first entry's content that differs from the first's
	// (hasOther): a log holding two contents under one identity.
	other    uint64
	hasOther bool
	// n counts the entries that took it (a note sent again after a lost
	// answer is logged at each arrival).
	n int32
	// mismatched: an entry of it holds other content than the card sent.
	mismatched bool
}

// notes holds the platform's log against the cards' notes as either side
// comes: the cards' events from the storm's loop, the log's entries from
// the emulated platform's goroutines or the external log's reader.
type notes struct {
	mu    sync.Mutex
	cards map[noteKey]cardNote
	log   map[noteKey]loggedNote
	// mismatchedNamed names the first mismatches found; stray the log's
	// entries of an identity no fleet card can have (another EID, an
	// unknown kind, no report number), named up to maxLostNamed.
	mismatchedNamed []string
	stray           int
	strayNamed      []string
}

func newNotes() *notes {
	return &notes{cards: map[noteKey]cardNote{}, log: map[noteKey]loggedNote{}}
}

// reportOf is an event's report number; ok is false when it has none (a
// card that numbers none) or it is no number.
func reportOf(e eventlog.Event) (uint64, bool) {
	switch r := e.Get("report").(type) {
	case uint64:
		return r, r > 0
	case int:
		return uint64(r), r > 0
	case float64: // read back from JSON
		return uint64(r), r > 0 && r == float64(uint64(r))
	}
	return 0, false
}

// sent records a card's notification_sent or notification_failed event
// to the platform of device dev; acked says the card took it as
// delivered. An event with no report number is not recorded: it has no
// identity to be found by.
func (ns *notes) sent(dev int, e eventlog.Event, acked bool) {
	r, ok := reportOf(e)
	kind := slices.Index(noteKinds, e.Str("kind"))
	if !ok || kind < 0 {
		return
	}
	k := noteKey{dev: uint32(dev), kind: uint8(kind), report: r}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	c, seen := ns.cards[k]
	if !seen {
		body := content{iccid: e.Str("iccid"), operator: e.Str("operator"), plmn: e.Str("plmn")}
		c.hash = body.hash()
		if l, logged := ns.log[k]; logged {
			ns.compare(k, body, l)
		} else {
			c.full = &body
		}
	}
	c.sent++
	if acked {
		c.acked++
	}
	ns.cards[k] = c
}

// logged records an entry of the platform's log that took n; it reports
// whether it is the first of its identity.
func (ns *notes) logged(n platformapi.Notification) bool {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	k, ok := keyOf(n)
	if !ok {
		ns.stray++
		if len(ns.strayNamed) < maxLostNamed {
			ns.strayNamed = append(ns.strayNamed, fmt.Sprintf("%s %s report %d%s ×1, sent by no card", n.EID, n.Kind, n.Report, describe(contentOf(n))))
		}
		return true
	}
	body := contentOf(n)
	l, seen := ns.log[k]
	if !seen {
		l = loggedNote{hash: body.hash(), n: 1}
		if c, sent := ns.cards[k]; sent {
			ns.log[k] = l
			ns.compareCard(k, c, body)
			return true
		}
		l.full = &body
		ns.log[k] = l
		return true
	}
	l.n++
	h := body.hash()
	if h != l.hash && !l.hasOther {
		l.other, l.hasOther = h, true
	}
	ns.log[k] = l
	if c, sent := ns.cards[k]; sent && h != c.hash {
		ns.compareCard(k, c, body)
	}
	return false
}

// compare holds the content a card sent against the log's note l of k.
func (ns *notes) compare(k noteKey, sent content, l loggedNote) {
	h := sent.hash()
	full := l.full
	l.full = nil
	ns.log[k] = l
	switch {
	case h != l.hash && full != nil:
		ns.mismatch(k, strings.Join(noteDiff(k.body(sent), k.body(*full)), ", "))
	case h != l.hash || (l.hasOther && h != l.other):
		ns.mismatch(k, "an entry of it holds other content than its card sent: sent"+describe(sent))
	}
}

// compareCard holds an entry's content against the card's note c of k.
func (ns *notes) compareCard(k noteKey, c cardNote, logged content) {
	if c.hash != logged.hash() {
		why := "an entry of it holds other content than its card sent: logged" + describe(logged)
		if c.full != nil {
			why = strings.Join(noteDiff(k.body(*c.full), k.body(logged)), ", ")
		}
		ns.mismatch(k, why)
	}
	c.full = nil
	ns.cards[k] = c
}

// mismatch flags the log's note k as holding other content, naming it.
func (ns *notes) mismatch(k noteKey, why string) {
	l := ns.log[k]
	if !l.mismatched && len(ns.mismatchedNamed) < maxLostNamed {
		ns.mismatchedNamed = append(ns.mismatchedNamed, noteName(k)+": "+why)
	}
	l.mismatched = true
	ns.log[k] = l
}

// noteFromEvent is the note an emulated platform's notification_received
// names (every field it took); ok is false for one with no report number.
func noteFromEvent(e eventlog.Event) (platformapi.Notification, bool) {
	r, ok := reportOf(e)
	if !ok {
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

// match holds the log against the cards' notes once both are whole.
func (ns *notes) match() noteMatch {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	m := noteMatch{extra: ns.stray, extraNamed: slices.Clone(ns.strayNamed), mismatchedNamed: slices.Clone(ns.mismatchedNamed)}
	for _, k := range slices.SortedFunc(maps.Keys(ns.cards), compareKeys) {
		c := ns.cards[k]
		if _, logged := ns.log[k]; c.acked > 0 && !logged {
			m.lost += int(c.acked)
			if len(m.lostNamed) < maxLostNamed {
				m.lostNamed = append(m.lostNamed, "to platform: "+noteName(k)+describe(*c.full))
			}
		}
	}
	for _, k := range slices.SortedFunc(maps.Keys(ns.log), compareKeys) {
		l := ns.log[k]
		if l.mismatched {
			m.mismatched++
		}
		c, sent := ns.cards[k]
		if !sent {
			m.extra += int(l.n)
			if len(m.extraNamed) < maxLostNamed {
				m.extraNamed = append(m.extraNamed, fmt.Sprintf("%s%s ×%d, sent by no card", noteName(k), describe(*l.full), l.n))
			}
			continue
		}
		if c.acked == 0 {
			m.unconfirmed++
		}
		if d := l.n - c.sent; d > 0 {
			m.extra += int(d)
			if len(m.extraNamed) < maxLostNamed {
				m.extraNamed = append(m.extraNamed, fmt.Sprintf("%s ×%d for %d request(s)", noteName(k), l.n, c.sent))
			}
		}
	}
	slices.Sort(m.mismatchedNamed)
	return m
}

// compareKeys orders notes by device, kind and number.
func compareKeys(a, b noteKey) int {
	return cmp.Or(cmp.Compare(a.dev, b.dev), cmp.Compare(a.kind, b.kind), cmp.Compare(a.report, b.report))
}

// noteName names a note by its identity, as a platform team would look
// for it in its own log.
func noteName(k noteKey) string {
	return fmt.Sprintf("%s %s report %d", eidOf(k.dev), noteKinds[k.kind], k.report)
}

// describe is a note's content in brackets, "" when it has none.
func describe(c content) string {
	var f []string
	for _, kv := range [...][2]string{{"operator", c.operator}, {"plmn", c.plmn}, {"iccid", c.iccid}} {
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
