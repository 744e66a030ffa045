package modem

import (
	"maps"
	"slices"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/proto/emm"
)

// KindTAListsErased is logged when the tracking-area lists go as their
// period ends (README, "The event log"; the other kinds are in
// events.go): {regional, roaming}, how many entries each held. Their
// other deletions show as their causes (power, restart, card).
const KindTAListsErased eventlog.Kind = "ta_lists_erased"

// KindPLMNBlocked is logged when a #42 blocks its PLMN: {plmn, cause,
// until}, until the instant (RFC 3339, UTC) the block's timer runs out
// and the PLMN is a candidate again. Nothing marks that instant (the
// modem acts on it at its next selection); the block's earlier end shows
// as its cause (power, restart, card, a registration there).
const KindPLMNBlocked eventlog.Kind = "plmn_blocked"

var _ = eventlog.Register(eventlog.Modem, KindTAListsErased, KindPLMNBlocked)

// meLists are the forbidden lists the ME keeps, not the USIM: the
// forbidden PLMNs for GPRS service (#14, TS 23.122 §3.1) and the
// forbidden tracking areas for regional provision of service (#12) and
// for roaming (#13, #15; TS 24.301 §5.3.2). They are deleted when the ME
// is switched off and when the UICC holding the USIM is removed, and
// kept across a reset of the same USIM (+CFUN=0 then 1, a REFRESH that
// switches nothing), which is neither. Another USIM read (an eUICC's
// profile switch: REFRESH eUICC Profile State Change or UICC reset, TS
// 102 223 §6.4.7) presents another subscription, as a UICC swapped
// would: its networks' restrictions are not this one's, so they go
// too. The tracking areas go besides when emm.TAPeriod has run since
// their first entry: at that instant, on the modem's clock (armTAErase),
// not at the next selection that reads them.
//
// The PLMNs a #42 blocks (TS 24.301 §5.5.1.2.5: 2 × T, an
// implementation-specific timer of the ME's) are kept with them and go
// as they do — a power cycle, a restart, the card out, another USIM —,
// each besides as its own timer runs out, read at the next selection
// (the expiry asks for none).
//
// Every entry is stored with the IMSI of the USIM it was learned with
// (of): store refuses an entry without one, so a non-empty list always
// has its USIM, and reading another one deletes it.
type meLists struct {
	of                string
	eps               map[string]bool
	regional, roaming []emm.TAI
	blocked           []emm.Block
	// taSince is when the tracking-area lists last got their first
	// entry since they were empty; zero before any and after they are
	// deleted (a registration that empties them leaves it: the next
	// entry sets it again).
	taSince time.Time
}

// forget deletes every list.
func (l *meLists) forget() { *l = meLists{eps: map[string]bool{}} }

// usim is a reading of the USIM imsi: lists learned with another go.
func (l *meLists) usim(imsi string) {
	if imsi != "" && l.of != "" && imsi != l.of {
		l.forget()
	}
}

// own makes the lists imsi's, for an entry learned with that USIM.
func (l *meLists) own(imsi string) {
	l.usim(imsi)
	l.of = imsi
}

// store acts on a reject from the subscriber imsi at now: a #14 puts
// its PLMN on the list for GPRS service, a #12, #13 or #15 its tracking
// area on the list the cause names. Without an IMSI nothing is stored: no
// attach runs without one, and an entry would belong to no USIM.
func (l *meLists) store(imsi string, x emm.Reject, now time.Time) {
	if imsi == "" || x.PLMN == "" {
		return
	}
	list := emm.ForbidsTA(x.Cause)
	if !emm.ForbidsPLMNForEPS(x.Cause) && list == emm.NoTAList {
		return
	}
	l.own(imsi)
	if emm.ForbidsPLMNForEPS(x.Cause) {
		l.eps[x.PLMN] = true
		return
	}
	l.expire(now)
	if len(l.regional) == 0 && len(l.roaming) == 0 {
		l.taSince = now
	}
	t := emm.TAI{PLMN: x.PLMN, TAC: x.TAC}
	if list == emm.RegionalTAs {
		l.regional = emm.AddTA(l.regional, t)
	} else {
		l.roaming = emm.AddTA(l.roaming, t)
	}
}

// block acts on a #42 from plmn at now for the subscriber imsi: the
// PLMN blocked until until (emm.AddBlock). Without an IMSI nothing is
// stored, as for store.
func (l *meLists) block(imsi, plmn string, now, until time.Time) {
	if imsi == "" || plmn == "" {
		return
	}
	l.own(imsi)
	l.blocked = emm.AddBlock(l.blocked, emm.Block{PLMN: plmn, Until: until}, now)
}

// registered takes the PLMN and the tracking area the UE registered in
// off the lists (TS 23.122 §3.1, TS 24.301 §5.3.2): only a manual
// selection registers in one of them. A registration on a blocked PLMN
// — a manual selection's too — ends its block: the network serves
// again, and a selection after it (a move) must not leave it.
func (l *meLists) registered(t emm.TAI) {
	delete(l.eps, t.PLMN)
	l.blocked = slices.DeleteFunc(l.blocked, func(b emm.Block) bool { return b.PLMN == t.PLMN })
	l.regional = emm.DropTA(l.regional, t)
	l.roaming = emm.DropTA(l.roaming, t)
}

// taDue is when the tracking-area lists' period ends (emm.TAPeriod after
// their first entry), zero while they hold none: what the erase timer
// is set to (armTAErase).
func (l *meLists) taDue() time.Time {
	if l.taSince.IsZero() || len(l.regional) == 0 && len(l.roaming) == 0 {
		return time.Time{}
	}
	return l.taSince.Add(emm.TAPeriod)
}

// expire deletes the tracking-area lists once emm.TAPeriod has passed
// since their first entry: the ME's periodic deletion, on the modem's
// clock. It reports whether that deleted an entry.
func (l *meLists) expire(now time.Time) bool {
	if l.taSince.IsZero() || now.Before(l.taSince.Add(emm.TAPeriod)) {
		return false
	}
	erased := len(l.regional) > 0 || len(l.roaming) > 0
	l.regional, l.roaming, l.taSince = nil, nil, time.Time{}
	return erased
}

// forbidden fills the ME's lists into f as they stand: their period's
// end is expireTAs's (the timer's, or a reading at that instant ahead
// of it), not a reading's; the PLMNs blocked at now.
func (l *meLists) forbidden(f emm.Forbidden, now time.Time) emm.Forbidden {
	f.EPS = slices.Sorted(maps.Keys(l.eps))
	f.Regional, f.Roaming = slices.Clone(l.regional), slices.Clone(l.roaming)
	f.Blocked = emm.Blocked(l.blocked, now)
	return f
}

// armTAErase sets the timer of the tracking-area lists' periodic
// deletion to the end of their period (meLists.taDue), or stops it when
// they hold nothing: call it after every change of the lists (an entry,
// a registration taking one off, their deletion).
func (m *Modem) armTAErase() {
	due := m.st.me.taDue()
	if m.st.taT != nil && due.Equal(m.st.taDue) {
		return
	}
	stopTimer(&m.st.taT)
	m.st.taDue = due
	if !due.IsZero() {
		m.st.taT = m.afterFunc(due.Sub(m.loop.Clock().Now()), m.taPeriodEnded)
	}
}

// expireTAs deletes the tracking-area lists if their period has run
// out, logs it (ta_lists_erased, with how many entries each held) and
// stops the timer: at the timer, or at a reading of the lists at that
// instant ahead of it. It reports whether it deleted an entry.
func (m *Modem) expireTAs() bool {
	regional, roaming := len(m.st.me.regional), len(m.st.me.roaming)
	if !m.st.me.expire(m.loop.Clock().Now()) {
		return false
	}
	m.emit(KindTAListsErased, eventlog.F{"regional": regional, "roaming": roaming})
	m.armTAErase()
	return true
}

// taPeriodEnded is the timer of the lists' period: they go at once, not
// at the next reading, and "when the lists are erased, the UE performs
// cell selection" (TS 24.301 §5.3.2): a device in automatic selection
// and not registered — in limited service because every cell in sight
// was in a forbidden area, or denied — selects and attaches now, not at
// its next T3402 retry up to 12 minutes later; a registered one is served
// and only loses the lists, and manual selection does not read them.
// Between attempts only: one under way (T3410) runs on, the next one
// finding them gone. With the radio off, the host's +COPS=2, no IMSI or
// an invalid USIM, attach itself tries no network.
func (m *Modem) taPeriodEnded() {
	m.st.taT, m.st.taDue = nil, time.Time{}
	if !m.expireTAs() {
		return
	}
	if s := &m.st; s.copsMode != 0 || s.reg.Registered() || s.t3410 != nil {
		return
	}
	m.cancelAttach() // the T3402 retry, or a scan about to attach
	m.attach()
}
