package applet

// A cycle that fails on the last profile it enabled, with nothing left to
// fall back to, ends with the card still on that profile (never stranded
// tries the others, but one of them is enabled when they all fail). The
// card remembers it (State.Stranded) until it switches away or the
// profile has normal service:
//
//   - its failure is counted in the back-off once: the rescue that begins
//     on it (two checks without service, the same outage) does not count
//     it again (backoff.go);
//   - when its failure was reported to the platform (an attempt's
//     attach-failure, then the cycle's list-exhausted) and it attaches
//     later — the modem's own retry, the networks coming back — the card
//     owes the platform attach-success, as the attempt would have sent it
//     (claim 7): the same note, the same outbox. It is no cycle outcome:
//     the cycle ended and its report stands; it is logged `late_attach`.
//
// What counts as the attach is what the attempt's judge counted
// (attachedAs): normal service on the operator's own network or a network
// of its country (national roaming), on any network for a rescue attempt.
// Normal service on a network of another country ends the memory without
// a report: the device is not on that operator's terms, which is what the
// platform heard, and the periodic check goes on from there.

import "github.com/esimhil/esimhil/internal/ident"

// Stranded is the enabled profile, left there by a cycle after its attach
// failed (as an attempt, a fallback, or as the profile a rescue began on).
type Stranded struct {
	ICCID    string `json:"iccid"`
	Operator string `json:"operator"`
	// Area is the country (MCC) where it failed, Country its cycle's list's
	// (Cycle.Country); Counted says the failure is in that area's back-off
	// (not when the device had crossed a border).
	Area    string `json:"area,omitempty"`
	Country string `json:"country,omitempty"`
	Counted bool   `json:"counted,omitempty"`
	// Reported says the platform heard attach-failure for it: its attach
	// owes attach-success.
	Reported bool `json:"reported,omitempty"`
	// AnyNetwork says normal service on any network is its attach (it
	// failed as a rescue attempt); otherwise its operator's (attachedAs).
	AnyNetwork bool `json:"any_network,omitempty"`
}

// strand records that p, the enabled profile, failed in area under a list
// for country (counted: in its back-off). A profile already stranded keeps
// what it was owed.
func (a *Applet) strand(p Profile, area, country string, counted, reported, anyNetwork bool) {
	if s := a.st.Stranded; s != nil && s.ICCID == p.ICCID && s.Reported && !reported {
		reported, anyNetwork = true, s.AnyNetwork
	}
	a.st.Stranded = &Stranded{ICCID: p.ICCID, Operator: p.Operator, Area: area, Country: country, Counted: counted,
		Reported: reported, AnyNetwork: anyNetwork}
}

// strandedCounted reports whether p's failure in area is counted already:
// it is the profile a cycle left stranded there. A check that sees no
// network at all (area "") is in the same outage as the cycle that left
// it, wherever that was: counting it again under "" counted one failure
// twice.
func (a *Applet) strandedCounted(p Profile, area string) bool {
	s := a.st.Stranded
	return s != nil && s.ICCID == p.ICCID && (ident.SameCountry(s.Area, area) || area == "") && s.Counted
}

// unstrandUnlessEnabled forgets the stranded profile once another is
// enabled.
func (a *Applet) unstrandUnlessEnabled() {
	if s := a.st.Stranded; s != nil {
		if cur, ok := a.enabled(); !ok || cur.ICCID != s.ICCID {
			a.st.Stranded = nil
		}
	}
}

// strandedService takes normal service on plmn: on the stranded profile
// it ends the memory, and owes the platform attach-success when the
// platform heard it failed and this is its attach. It is never an
// attempt's attach: the stranded profile is the enabled one (strand takes
// only that, and a switch forgets it), and no attempt targets the enabled
// profile (pass: serving, or "enabled, without service").
func (a *Applet) strandedService(plmn string) {
	s := a.st.Stranded
	if s == nil {
		return
	}
	a.st.Stranded = nil
	p, ok := a.enabled()
	if !ok || p.ICCID != s.ICCID || !s.Reported || !(s.AnyNetwork || attachedAs(p, plmn)) {
		return
	}
	a.backoffCleared(s.Operator, s.Area, s.Country)
	r := a.owe(Note{Kind: NoteAttachSuccess, Operator: s.Operator, ICCID: p.ICCID, PLMN: p.HomePLMN})
	// The place whose back-off it forgot, as a backoff event names it.
	kv := []any{"operator", s.Operator, "iccid", p.ICCID, "plmn", plmn, "report", r, "area", s.Area}
	if s.Country != "" {
		kv = append(kv, "country", s.Country)
	}
	a.log(KindLateAttach, kv...)
	a.flush()
}
