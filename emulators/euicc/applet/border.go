package applet

import "slices"

// A border area has networks of two countries within reach, and which of
// them a profile registers on can change with no movement: the profile's
// own network is missing and a neighbour's serves it, or the signal
// ranking of the two countries' cells swaps between checks. The card
// cannot see the device move; it sees the country of the network its
// fallback attached on. A fallback attached across the border ends the
// cycle (the device left the list's area, nothing backed off: Cycle.Abroad);
// the card remembers that end (State.LeftArea), and when the very next
// cycle ends by attaching back in the country the last one started in,
// it takes the two for one border area (outside tester sw50: cells whose
// ranking swapped every check made every cycle "leave", with no back-off,
// a REFRESH pair every period): the attempts a neighbour's network served
// in either cycle failed in their list's country and are backed off there.

// LeftArea is a cycle's end across a border: the country of its list (the
// MCC it began on, and the list's country as the platform named it), the
// country its fallback attached in, and the operators of its attempts a
// network of another country served or refused, with the home network of
// the profile each attempt enabled.
type LeftArea struct {
	From      string   `json:"from"`
	Country   string   `json:"country,omitempty"`
	To        string   `json:"to"`
	Operators []string `json:"operators,omitempty"`
	// PLMNs are those attempts' profiles' networks, one for each of
	// Operators; an image written before they were kept has none, and
	// the operator's first profile's stands in (homePLMNOf).
	PLMNs []string `json:"plmns,omitempty"`
}

// plmn is the network of the profile the i-th attempt enabled.
func (l *LeftArea) plmn(a *Applet, i int) string {
	if len(l.PLMNs) == len(l.Operators) {
		return l.PLMNs[i]
	}
	return a.homePLMNOf(l.Operators[i])
}

// Reasons a cycle ends with (cycle_ended's reason) when its fallback
// attached across the border.
const (
	ReasonLeftArea   = "the device left the area of the list"
	ReasonBorderArea = "back in the country the last cycle left: a border area"
)

// crossed ends the cycle whose fallback, p, attached in country to, not
// the list's: the device left the area — or, back the way the last cycle
// came, a border area, whose attempts served abroad are backed off.
func (a *Applet) crossed(p Profile, to string) {
	c := a.st.Cycle
	var ops, plmns []string
	for _, ab := range c.Abroad {
		if ab.ICCID != p.ICCID {
			ops, plmns = append(ops, ab.Operator), append(plmns, a.abroadPLMN(ab))
		}
	}
	if prev := a.st.LeftArea; prev != nil && inArea(to, prev.From, prev.Country) && inArea(prev.To, c.Area, c.Country) {
		// One border area: this cycle's sight stands for the last one's.
		for i, op := range ops {
			a.backoffSeen(c.Visible, op, plmns[i], c.Area, c.Country)
		}
		for i, op := range prev.Operators {
			a.backoffSeen(c.Visible, op, prev.plmn(a, i), prev.From, prev.Country)
		}
		a.endCycle(OutcomeListExhausted, ReasonBorderArea)
		return
	}
	if prev := a.st.LeftArea; prev != nil && samePlace(prev.From, prev.Country, c.Area, c.Country) {
		// The last cycle left this list's country too, and no cycle ended
		// between: an attempt a neighbour's network served in both had
		// its chance here twice and attached neither time (outside tester
		// t264: stays of 3 minutes either side of Kehl, Vodafone silent
		// for its subscribers — a REFRESH pair every 6 minutes for hours,
		// nothing backed off). Backed off here, as any failed attempt.
		for i, op := range ops {
			if slices.Contains(prev.Operators, op) {
				a.backoffSeen(c.Visible, op, plmns[i], c.Area, c.Country)
			}
		}
	}
	a.st.LeftArea = &LeftArea{From: c.Area, Country: c.Country, To: to, Operators: ops, PLMNs: plmns}
	a.endCycle(OutcomeListExhausted, ReasonLeftArea)
}

// abroadPLMN is the network of the profile an attempt a neighbour's
// network served enabled: the one whose sight spends its back-off's try
// (backoffSeen), "" when the card no longer holds it.
func (a *Applet) abroadPLMN(ab Abroad) string {
	p, _ := a.profileByICCID(ab.ICCID)
	return p.HomePLMN
}

// homePLMNOf is the network of the card's first profile of operator op,
// "" when it holds none: an attempt's, for a LeftArea kept without PLMNs.
func (a *Applet) homePLMNOf(op string) string {
	for _, p := range a.st.Profiles {
		if p.Operator == op {
			return p.HomePLMN
		}
	}
	return ""
}
