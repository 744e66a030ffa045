// Package emm holds what EPS mobility management reject causes (TS 24.301
// §9.9.3.9) mean for the UE that receives them: the radio world, which
// picks the networks an attach tries, and the modem, which retries or
// not, act on the same facts.
package emm

import (
	"slices"
	"time"

	"github.com/esimhil/esimhil/internal/ident"
)

// InvalidatesUSIM reports a reject cause after which the UE takes its
// USIM as invalid for EPS services until it is switched off or the UICC
// is removed (TS 24.301 §5.5.1.2.5: #3 illegal UE, #6 illegal ME, #7 EPS
// services not allowed, #8 EPS and non-EPS services not allowed): no
// other network is tried and no T3402 retry runs.
func InvalidatesUSIM(cause int) bool {
	switch cause {
	case 3, 6, 7, 8:
		return true
	}
	return false
}

// Causes that forbid the PLMN that sent them (TS 24.301 §9.9.3.9).
const (
	PLMNNotAllowed          = 11 // #11 PLMN not allowed
	EPSNotAllowedInThisPLMN = 14 // #14 EPS services not allowed in this PLMN
)

// ForbidsPLMN reports cause #11 (PLMN not allowed): the UE stores the
// PLMN in the forbidden PLMN list, on the USIM (EF FPLMN), unless it is
// the HPLMN, which is never stored there (TS 24.301 §5.5.1.2.5, TS
// 23.122 §3.1).
func ForbidsPLMN(cause int) bool { return cause == PLMNNotAllowed }

// ForbidsPLMNForEPS reports cause #14 (EPS services not allowed in this
// PLMN): the UE stores the PLMN in the list of "forbidden PLMNs for GPRS
// service", which the ME keeps (not the USIM) until it is switched off
// or the UICC holding the USIM is removed, and performs PLMN selection
// (TS 24.301 §5.5.1.2.5, TS 23.122 §3.1): automatic selection does not
// select it for EPS, the HPLMN included (§3.1 exempts the HPLMN from
// the #11 list only); manual selection may. Causes #12, #13 and #15
// forbid a tracking area, not the PLMN: another of its areas may serve
// (ForbidsTA).
func ForbidsPLMNForEPS(cause int) bool { return cause == EPSNotAllowedInThisPLMN }

// SevereNetworkFailure is cause #42 (TS 24.301 §9.9.3.9).
const SevereNetworkFailure = 42

// BlocksPLMN reports cause #42 (severe network failure): the UE sets
// EU2 NOT UPDATED and deletes the GUTI, the last visited registered
// TAI, the TAI list and eKSI (RejectLocation), resets the attach attempt
// counter and starts an implementation-specific timer of 2 × T
// (BlockPeriod), while which the PLMN, with the RAT that sent the
// reject — E-UTRAN, the emulated world's only one —, is no candidate
// for PLMN selection (Forbidden.Blocked); it then performs PLMN
// selection (TS 24.301 §5.5.1.2.5, from Rel-11's CR1473). No T3402 is
// started for the cause itself.
func BlocksPLMN(cause int) bool { return cause == SevereNetworkFailure }

// DefaultSearchPeriod is T, the period of the search for a higher
// priority PLMN, when the USIM stores none (TS 23.122 §4.4.3.3.1: 60
// minutes).
const DefaultSearchPeriod = time.Hour

// BlockPeriod is how long a #42 keeps its PLMN out of PLMN selection:
// 2 × T, t the USIM's period of the search for a higher priority PLMN
// (EF HPPLMN). A card coding no search (EF HPPLMN '00', t zero) has no
// period to double: the default T stands in, as for a card that stores
// none — a block of no time would drop the rule, one without end would
// lose the network until the ME is switched off.
func BlockPeriod(t time.Duration) time.Duration {
	if t <= 0 {
		t = DefaultSearchPeriod
	}
	return 2 * t
}

// Block is a PLMN a #42 keeps out of PLMN selection until the timer's
// expiry, Until: a candidate again from that instant on.
type Block struct {
	PLMN  string
	Until time.Time
}

// AddBlock stores b on a list of blocked PLMNs at now: a PLMN blocked
// already gets b's timer (a #42 again starts it afresh), and the blocks
// run out by now go.
func AddBlock(list []Block, b Block, now time.Time) []Block {
	list = slices.DeleteFunc(slices.Clone(list), func(x Block) bool {
		return x.PLMN == b.PLMN || !now.Before(x.Until)
	})
	return append(list, b)
}

// Blocked are the PLMNs of list whose timer runs at now, in the list's
// order.
func Blocked(list []Block, now time.Time) []string {
	var out []string
	for _, b := range list {
		if now.Before(b.Until) {
			out = append(out, b.PLMN)
		}
	}
	return out
}

// Causes that forbid the tracking area they came from (TS 24.301
// §9.9.3.9).
const (
	TANotAllowed          = 12 // #12 Tracking area not allowed
	RoamingNotAllowedInTA = 13 // #13 Roaming not allowed in this tracking area
	NoSuitableCellsInTA   = 15 // #15 No suitable cells in tracking area
)

// TAI is a tracking area identity (TS 23.003 §19.4.2.3): the PLMN and
// the tracking area code within it.
type TAI struct {
	PLMN string
	TAC  uint16
}

// TAList names one of the ME's two lists of forbidden tracking areas
// (TS 24.301 §5.3.2).
type TAList int

const (
	// NoTAList: the cause forbids no tracking area.
	NoTAList TAList = iota
	// RegionalTAs is "forbidden tracking areas for regional provision
	// of service" (#12).
	RegionalTAs
	// RoamingTAs is "forbidden tracking areas for roaming" (#13, #15).
	RoamingTAs
)

// ForbidsTA reports which list of forbidden tracking areas a reject
// cause stores the current TAI in (TS 24.301 §5.5.1.2.5): #12 the list
// for regional provision of service, #13 and #15 the list for roaming;
// NoTAList for the others.
func ForbidsTA(cause int) TAList {
	switch cause {
	case TANotAllowed:
		return RegionalTAs
	case RoamingNotAllowedInTA, NoSuitableCellsInTA:
		return RoamingTAs
	}
	return NoTAList
}

// Next is where automatic selection looks after a reject.
type Next int

const (
	// NextPLMN: the PLMN is done with; the next one in priority order
	// (after a #42 the PLMN is besides blocked for 2 × T: BlocksPLMN).
	NextPLMN Next = iota
	// OtherTA: a suitable cell in another tracking area of the same
	// PLMN first, then, if it has none, the next PLMN (#12, #15: TS
	// 24.301 §5.5.1.2.5 "search for a suitable cell in another tracking
	// area of the same PLMN", TS 23.122 §3.1).
	OtherTA
	// PLMNSelection: PLMN selection (#13, TS 24.301 §5.5.1.2.5): the
	// other PLMNs in priority order, the same PLMN in another tracking
	// area only after them — a #13 is a visited network's national
	// roaming restriction, which another network likely does not share.
	PLMNSelection
	// Stop: no other network is tried (the USIM is invalid, #3, #6, #7,
	// #8).
	Stop
	// AttemptCounter: an abnormal case (Abnormal): selection stops on
	// this PLMN and the attach attempt counter decides, as for T3410's
	// expiry — a restart there at T3411's expiry below 5, PLMN selection
	// at 5 (TS 24.301 §5.5.1.2.6 d).
	AttemptCounter
)

// Abnormal reports an ATTACH REJECT cause that TS 24.301 §5.5.1.2.5 does
// not treat, an abnormal case (§5.5.1.2.6 d: "other EMM cause values than
// those treated in subclause 5.5.1.2.5"): #17 network failure, #19 ESM
// failure, #95-#111 protocol errors, any cause not in the clause. Three
// the clause lists are abnormal for the emulated UE as well: #22
// congestion without a T3346 value (the emulated networks send none),
// #25 from a non-CSG cell (they have no CSG cells) and #31 to a UE
// without N1 mode (the emulated modem is E-UTRAN only). #35, #42 and #78
// the clause treats: they are not abnormal. Cause 0 is no reject.
func Abnormal(cause int) bool {
	switch cause {
	case 0, 3, 6, 7, 8, 11, 12, 13, 14, 15, 35, 42, 78:
		return false
	}
	return true
}

// After is what automatic selection does after a reject with cause.
func After(cause int) Next {
	switch {
	case InvalidatesUSIM(cause):
		return Stop
	case cause == TANotAllowed || cause == NoSuitableCellsInTA:
		return OtherTA
	case cause == RoamingNotAllowedInTA:
		return PLMNSelection
	case Abnormal(cause):
		return AttemptCounter
	}
	return NextPLMN
}

// MaxForbiddenTAs is how many entries each list of forbidden tracking
// areas holds: TS 24.301 §5.3.2 asks for 40 or more, the oldest deleted
// when it is full.
const MaxForbiddenTAs = 40

// TAPeriod is how long the ME keeps its lists of forbidden tracking
// areas: TS 24.301 §5.3.2 deletes them "periodically (with a period in
// the range 12 to 24 hours)"; the shortest, counted from the first entry
// stored since they were last deleted.
const TAPeriod = 12 * time.Hour

// AddTA stores t at the end of a list of forbidden tracking areas: a TAI
// already there stays where it is; a full list loses its oldest, the
// first (TS 24.301 §5.3.2).
func AddTA(list []TAI, t TAI) []TAI {
	if slices.Contains(list, t) {
		return list
	}
	list = append(list, t)
	if n := len(list) - MaxForbiddenTAs; n > 0 {
		list = slices.Delete(list, 0, n)
	}
	return list
}

// DropTA takes t off a list: the UE registered in it (TS 24.301 §5.3.2,
// a manual selection can make it do so).
func DropTA(list []TAI, t TAI) []TAI {
	return slices.DeleteFunc(list, func(x TAI) bool { return x == t })
}

// Forbidden are the PLMNs automatic network selection selects none of
// (TS 23.122 §4.4.3.1.1) and the tracking areas whose cells it takes as
// not suitable (TS 36.304 §4.3).
type Forbidden struct {
	// PLMNs is the forbidden PLMN list (#11), the USIM's EF FPLMN: the
	// HPLMN is never skipped for it (TS 23.122 §3.1).
	PLMNs []string
	// EPS is the list of forbidden PLMNs for GPRS service (#14), the
	// ME's: skipped, the HPLMN too.
	EPS []string
	// Regional and Roaming are the ME's lists of forbidden tracking
	// areas for regional provision of service (#12) and for roaming
	// (#13, #15), the HPLMN's areas too.
	Regional, Roaming []TAI
	// Blocked are the PLMNs whose #42 timer runs (Blocked of the ME's
	// Blocks at the selection's instant): no candidate for PLMN
	// selection, the HPLMN too — the clause makes no exception.
	Blocked []string
}

// Skips reports whether automatic selection leaves plmn out, home being
// the subscriber's HPLMN.
func (f Forbidden) Skips(plmn, home string) bool {
	return slices.Contains(f.EPS, plmn) || slices.Contains(f.Blocked, plmn) || plmn != home && slices.Contains(f.PLMNs, plmn)
}

// SkipsCell reports whether automatic selection leaves out a cell of
// tracking area t: its PLMN skipped, or t on a list of forbidden
// tracking areas, which makes the cell not suitable.
func (f Forbidden) SkipsCell(t TAI, home string) bool {
	return f.Skips(t.PLMN, home) || slices.Contains(f.Regional, t) || slices.Contains(f.Roaming, t)
}

// Reject is a network's ATTACH REJECT in a selection: its PLMN, the
// tracking area of the cell that sent it, and its EMM cause. The world
// says which networks refused, the modem acts on each (a #11 forbids its
// PLMN on the USIM, a #14 in the ME, a #12, #13 or #15 the tracking area
// in the ME).
type Reject struct {
	PLMN  string
	TAC   uint16
	Cause int
}

// Selection is what automatic network selection (TS 23.122 §4.4.3.1)
// goes by besides the cells in sight: the forbidden lists, the
// registered PLMN and the USIM's PLMN selector lists.
type Selection struct {
	Forbidden
	// RPLMN is the registered PLMN, tried first when one of its cells is
	// in sight and allowable (§4.4.3.1: at switch-on and on recovery
	// from lack of coverage; a UE moving between cells stays in it, TS
	// 36.304 §5.2.4): the PLMN of the last registration, at switch-on
	// the one EF EPSLOCI's last registered TAI names while its update
	// status is "updated". Empty: none.
	RPLMN string
	// User and Operator are the PLMNs of EF PLMNwAcT (user controlled,
	// TS 31.102 §4.2.5) and EF OPLMNwAcT (operator controlled, §4.2.53)
	// whose entries name E-UTRAN, in the files' priority order.
	User, Operator []string
	// EHPLMNs are EF EHPLMN's PLMNs (TS 31.102 §4.2.84), in its priority
	// order: when the list holds any, selection's home step takes the
	// highest priority EHPLMN available rather than the HPLMN the IMSI
	// names (TS 23.122 §4.4.3.1.1 i), the next ones after it; empty, the
	// HPLMN.
	EHPLMNs []string
	// Search is the periodic search for a higher priority PLMN made on
	// the VPLMN RPLMN (TS 23.122 §4.4.3.3.1): the PLMNs of higher
	// priority in the RPLMN's country first (f: the attempts are limited
	// to those), then the RPLMN — the MS stays on its VPLMN when none of
	// them takes it —, then the rest.
	Search bool
	// Only, when set, is the PLMN whose attach attempt counter runs: the
	// attach procedure restarted at T3411's expiry (TS 24.301
	// §5.5.1.2.6 c) tries that PLMN alone — the counter counts attempts
	// on one PLMN, and selecting another resets it (§5.5.1.1).
	Only string
	// Failed are the PLMNs this selection is done with: the attach
	// attempt counter reached MaxAttachAttempts on each (its T3410
	// expiries), or a retry there ended otherwise. §5.5.1.2.6 then has
	// the UE perform PLMN selection (TS 23.122): in automatic mode the
	// next PLMN in the order (§4.4.3.1.1, state A3's "registration
	// failure"), which for the search is the VPLMN the MS was on.
	Failed []string
}

// The attach's timers, TS 24.301 §10.2's values: T3410, how long the UE
// waits for an answer to its ATTACH REQUEST; T3411, how long after an
// abnormal failure below the counter's limit it restarts the attach on
// the same PLMN (§5.5.1.2.6); T3402, how long after the attempts failed
// it tries again (the network may send another; the emulated ones do
// not). The emulated modem runs them and the field reconstruction reads
// logs by them.
const (
	T3410 = 15 * time.Second
	T3411 = 10 * time.Second
	T3402 = 12 * time.Minute
)

// MaxAttachAttempts is the attach attempt counter's limit (TS 24.301
// §5.5.1.2.6): below it a T3410 expiry restarts the attach on the same
// PLMN at T3411's expiry; at it the UE starts T3402 and performs PLMN
// selection.
const MaxAttachAttempts = 5

// RetriesAttach reports whether, the attach attempt counter at n once
// incremented for a T3410 expiry or an abnormal reject (Abnormal), the UE restarts the attach on the same
// PLMN at T3411's expiry (TS 24.301 §5.5.1.2.6 c): below 5.
func RetriesAttach(n int) bool { return n < MaxAttachAttempts }

// EndsAttempts reports an abnormal reject cause at which the UE sets the
// attach attempt counter to 5 rather than incrementing it (TS 24.301
// §5.5.1.2.6 d: "should" for #95, #96, #97, #99 and #111, the protocol
// errors a restart on the same network would meet again): PLMN
// selection at once, as at the fifth failure. #19's "may" is not taken:
// an ESM failure counts one by one.
func EndsAttempts(cause int) bool {
	switch cause {
	case 95, 96, 97, 99, 111:
		return true
	}
	return false
}

// Leaves reports whether automatic selection leaves out a cell of
// tracking area t: SkipsCell's, one of a PLMN the selection is done
// with (Failed), or of another PLMN than Only when set.
func (s Selection) Leaves(t TAI, home string) bool {
	return s.SkipsCell(t, home) || slices.Contains(s.Failed, t.PLMN) || s.Only != "" && t.PLMN != s.Only
}

// Remaining reports whether a visible tracking area is left for s to
// try: after a PLMN's attach attempts ran out, whether PLMN selection
// has a next network, or the UE waits for T3402.
func (s Selection) Remaining(visible []TAI, home string) bool {
	return slices.ContainsFunc(visible, func(t TAI) bool { return !s.Leaves(t, home) })
}

// Rank is plmn's place in automatic selection's order (TS 23.122
// §4.4.3.1, §4.4.3.1.1), lower first, home being the HPLMN: the RPLMN,
// then the HPLMN, then the User list's PLMNs in order, then the Operator
// list's, then every other PLMN at one rank — the caller orders those by
// signal (§4.4.3.1.1 iv and v: the high-quality ones, RSRP ≥ -110 dBm,
// "in random order", then the others by decreasing signal; strongest
// first is one such random order, and the deterministic one). A PLMN on
// several lists takes its first place. Whether plmn may be selected at
// all is Skips's to say.
func (s Selection) Rank(plmn, home string) int {
	if s.Search && s.RPLMN != "" {
		// The RPLMN at its own place, before the PLMNs ranked with it.
		rplmn, r := s.RPLMN, Selection{User: s.User, Operator: s.Operator, EHPLMNs: s.EHPLMNs}
		own, at := r.Rank(rplmn, home), r.Rank(plmn, home)
		switch {
		case plmn == rplmn:
			return own
		case at >= own:
			return at + 1
		case !SameCountry(plmn, rplmn):
			return r.others() + 1 // not searched: with the rest
		}
		return at
	}
	switch {
	case plmn == "":
		return s.others()
	case plmn == s.RPLMN:
		return 0
	}
	homes := s.homes(home)
	if i := slices.Index(homes, plmn); i >= 0 {
		return 1 + i
	}
	n := 1 + len(homes)
	if i := slices.Index(s.User, plmn); i >= 0 {
		return n + i
	}
	if i := slices.Index(s.Operator, plmn); i >= 0 {
		return n + len(s.User) + i
	}
	return s.others()
}

// homes are the PLMNs of selection's home step in priority order: EF
// EHPLMN's when it holds any, else the HPLMN.
func (s Selection) homes(home string) []string {
	if len(s.EHPLMNs) > 0 {
		return s.EHPLMNs
	}
	return []string{home}
}

// others is the rank of the PLMNs on no list: after all of them.
func (s Selection) others() int { return 1 + max(1, len(s.EHPLMNs)) + len(s.User) + len(s.Operator) }

// HigherPriority reports whether automatic mode's periodic search for a
// higher priority PLMN (TS 23.122 §4.4.3.3.1), made while on the VPLMN
// serving, finds one among the visible tracking areas: a PLMN of the
// same country (SameCountry) that s ranks above serving leaving the RPLMN
// aside — the HPLMN, a PLMN of the selector lists above serving's entry
// —, in an area automatic selection does not skip. The PLMNs on no
// list are never of higher priority.
func (s Selection) HigherPriority(serving, home string, visible []TAI) bool {
	s.RPLMN, s.Search = "", false
	rank := s.Rank(serving, home)
	for _, t := range visible {
		if SameCountry(t.PLMN, serving) && t.PLMN != serving && s.Rank(t.PLMN, home) < rank && !s.SkipsCell(t, home) {
			return true
		}
	}
	return false
}

// SameCountry reports whether two PLMNs are of one country as TS 23.122
// Annex B has it: ident.SameCountry on their MCCs, the relation the card
// compares its areas by too.
func SameCountry(a, b string) bool {
	return len(a) >= 3 && len(b) >= 3 && ident.SameCountry(a[:3], b[:3])
}

// UpdateStatus is the EPS update status (TS 24.301 §5.1.3.2.2), as EF
// EPSLOCI stores it (TS 31.102 §4.2.91: '00', '01', '02').
type UpdateStatus byte

const (
	EU1Updated           UpdateStatus = 0 // EU1 UPDATED
	EU2NotUpdated        UpdateStatus = 1 // EU2 NOT UPDATED
	EU3RoamingNotAllowed UpdateStatus = 2 // EU3 ROAMING NOT ALLOWED
)

// Location is what an attach that failed does to the UE's stored
// location: the EPS update status it sets and whether it deletes the
// GUTI, the last visited registered TAI, the TAI list and eKSI — the
// last registered TAI being what names the RPLMN (TS 23.122 §4.4.3.1),
// a deletion leaves the UE none.
type Location struct {
	Status UpdateStatus
	Delete bool
}

// AttemptsRanOut is TS 24.301 §5.5.1.2.6 at an attach attempt counter of
// 5 (MaxAttachAttempts, its T3410 expiries): the UE deletes the GUTI,
// TAI list, last visited registered TAI and eKSI and sets EU2 NOT
// UPDATED, then starts T3402 and performs PLMN selection.
var AttemptsRanOut = Location{Status: EU2NotUpdated, Delete: true}

// RejectLocation is what an ATTACH REJECT with cause does to the stored
// location (TS 24.301 §5.5.1.2.5): #3, #6, #7, #8 (the USIM invalid),
// #11, #12, #13, #14 and #15 set EU3 ROAMING NOT ALLOWED and delete the
// GUTI, the last visited registered TAI, the TAI list and eKSI; #42
// (severe network failure) sets EU2 NOT UPDATED and deletes the same.
// ok false for the other causes, abnormal cases (§5.5.1.2.6 d) which the
// attach attempt counter governs: they touch the location only as the
// counter reaches 5 (AttemptsRanOut). #25 (CSG) and #22 with T3346 are
// left out: the emulated networks have no CSG cells and send no T3346.
func RejectLocation(cause int) (l Location, ok bool) {
	switch cause {
	case 3, 6, 7, 8, 11, 12, 13, 14, 15:
		return Location{Status: EU3RoamingNotAllowed, Delete: true}, true
	case SevereNetworkFailure:
		return Location{Status: EU2NotUpdated, Delete: true}, true
	}
	return Location{}, false
}
