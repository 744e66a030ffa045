package applet

import (
	"bytes"
	"slices"
	"strings"
)

// StateVersion is the format of State as persisted (State.Version).
// Version 1 is the format before the explicit modes (no version field);
// DecodeState migrates it.
const StateVersion = 2

// Mode is where the method stands. Each mode has one step function
// (modes.go) and, apart from Idle, a bounded way out: a timer it started or
// the answer to a request the runtime always answers (docs/applet-modes.md).
type Mode string

const (
	// ModeIdle: between cycles. The periodic check runs (claim 1).
	ModeIdle Mode = "idle"
	// ModeAwaitingList: the preferred-list request is in flight (claim 2).
	ModeAwaitingList Mode = "awaiting-list"
	// ModeAttemptEnabling: the next operator's profile is being enabled
	// (claim 1's switch).
	ModeAttemptEnabling Mode = "attempt.enabling"
	// ModeAttemptDownloading: the next operator's profile is being
	// downloaded (claim 2), one request at a time (Download.Step).
	ModeAttemptDownloading Mode = "attempt.downloading"
	// ModeAttemptAwaitAttach: the attempt's profile is enabled; the attach
	// is judged (claim 3), bounded by the attach timer.
	ModeAttemptAwaitAttach Mode = "attempt.await-attach"
	// ModeFallbackEnabling: after a failed attempt, a fallback profile is
	// being enabled (claim 3: the original operator is the fallback).
	ModeFallbackEnabling Mode = "fallback.enabling"
	// ModeFallbackAwaitAttach: the fallback profile's attach is awaited,
	// bounded by the attach timer; then the list goes on.
	ModeFallbackAwaitAttach Mode = "fallback.await-attach"
)

// Modes lists every mode, in method order.
var Modes = []Mode{ModeIdle, ModeAwaitingList, ModeAttemptEnabling, ModeAttemptDownloading,
	ModeAttemptAwaitAttach, ModeFallbackEnabling, ModeFallbackAwaitAttach}

func (m Mode) valid() bool {
	for _, x := range Modes {
		if m == x {
			return true
		}
	}
	return false
}

// enabling, awaiting and fallback classify modes for the shared handlers.
func (m Mode) enabling() bool { return m == ModeAttemptEnabling || m == ModeFallbackEnabling }
func (m Mode) awaiting() bool { return m == ModeAttemptAwaitAttach || m == ModeFallbackAwaitAttach }
func (m Mode) fallback() bool { return m == ModeFallbackEnabling || m == ModeFallbackAwaitAttach }

// awaitAttach is the mode that awaits the attach of the profile m enables.
func (m Mode) awaitAttach() Mode {
	if m.fallback() {
		return ModeFallbackAwaitAttach
	}
	return ModeAttemptAwaitAttach
}

// State is the applet's non-volatile state. It fully describes the applet:
// New(cfg, st) with a persisted State continues where the card was before
// a reset (the runtime always steps a Boot next).
type State struct {
	Version int `json:"version"`
	// Profiles is the card's profile list as of the last Boot or switch.
	Profiles []Profile `json:"profiles,omitempty"`
	// Home is the ICCID of the profile enabled at the first Boot: the
	// device's own subscription, where "coming home" goes.
	Home string `json:"home,omitempty"`
	Mode Mode   `json:"mode"`
	// Cycle is the walk in progress; set in every mode but Idle.
	Cycle *Cycle `json:"cycle,omitempty"`
	// List is the last preferred list received (claim 5: the card stores it).
	List *PreferredList `json:"list,omitempty"`
	// InFlight is the one table of requests awaiting their answer, by id
	// (HTTP and ES10 share the id space); ids only grow (LastReq).
	InFlight []Request `json:"in_flight,omitempty"`
	LastReq  int       `json:"last_req"`
	// PlatformSeq is the last request counter signed to the platform
	// (X-Esimhil-Seq); it only grows and is persisted before each post.
	PlatformSeq uint64 `json:"platform_seq,omitempty"`
	// LastReport numbers the notes to the platform (Note.Report), so a
	// resend after a lost answer is taken once.
	LastReport uint64 `json:"last_report,omitempty"`
	// Checks counts periodic checks: the back-off clock, durable while a
	// back-off entry waits for it (State.durable).
	Checks uint64 `json:"checks,omitempty"`
	// NoService counts the periodic checks in a row, in Idle, without
	// normal service on the enabled profile (a rescue needs two).
	NoService int `json:"no_service,omitempty"`
	// Backoff holds the operators that failed, per area.
	Backoff []BackoffEntry `json:"backoff,omitempty"`
	// PlatformFailures counts the list requests in a row that got no
	// answer from the platform; none is made before the periodic check
	// numbered PlatformUntil (platform.go).
	PlatformFailures int    `json:"platform_failures,omitempty"`
	PlatformUntil    uint64 `json:"platform_until,omitempty"`
	// Stranded is the enabled profile when a cycle left the card on it
	// after it failed (stranded.go): its failure is counted, and maybe
	// reported, until it has normal service or the card switches away.
	Stranded *Stranded `json:"stranded,omitempty"`
	// LeftArea is the last cycle's end when it ended as the device having
	// left the list's area: a cycle that then ends by going back the way
	// it came is a border area, not two crossings; one that leaves the
	// same list's country again backs off there the attempts a
	// neighbour's network served in both (border.go).
	LeftArea *LeftArea `json:"left_area,omitempty"`
	// Outbox holds the notes owed to the platform, oldest first.
	Outbox []Note `json:"outbox,omitempty"`
	// OutboxRetry says the head of the outbox failed: the next periodic
	// check sends it again (a platform outage costs one post a period).
	OutboxRetry bool `json:"outbox_retry,omitempty"`
	// Retry resends the card's pending SGP.22 notifications after a Boot.
	Retry *NotifRetry `json:"retry,omitempty"`
	// RetryDue says pending notifications wait for a bearer.
	RetryDue bool `json:"retry_due,omitempty"`
	// Online says the terminal reported normal service since the last
	// Boot (only then is there a bearer for BIP); Serving is that
	// network.
	Online  bool   `json:"online,omitempty"`
	Serving string `json:"serving,omitempty"`
	// Measured are the networks of the cells the last PROVIDE LOCAL
	// INFORMATION measured since the last Boot (LocalInfo.Cells): with
	// Serving, what the next check would be told, as a stale list's
	// reason says it (staleListNext).
	Measured []string `json:"measured,omitempty"`
	// AttachArmed says the attach timer runs.
	AttachArmed bool `json:"attach_armed,omitempty"`
	// SMDPs names the operator of each SM-DP+ address the card was sent
	// to download from, so that a notification the ISD-R kept through a
	// reset — a failed install's, whose profile the card never had —
	// names its operator, not the address. At most maxSMDPs: a card
	// meets few SM-DP+s, and NVM is bounded.
	SMDPs []SMDPOperator `json:"smdps,omitempty"`
	// NoRoom holds the operators whose profile the card could not install
	// for lack of memory (SGP.22 errorReason 10, or the SM-DP+'s 8.1/4.8
	// at authenticateClient): not ordered again until the card holds
	// fewer profiles than it did then (room.go).
	NoRoom []NoRoom `json:"no_room,omitempty"`
}

// NoRoom is an operator whose profile did not fit for lack of memory, and
// how many profiles the card held then.
type NoRoom struct {
	Operator string `json:"operator"`
	Profiles int    `json:"profiles"`
	// SMDP: the SM-DP+ refused the download (8.1/4.8), not the ISD-R
	// the install.
	SMDP bool `json:"smdp,omitempty"`
}

// SMDPOperator is an SM-DP+ address and the operator it delivers for.
type SMDPOperator struct {
	Address  string `json:"address"`
	Operator string `json:"operator"`
}

// maxSMDPs bounds State.SMDPs.
const maxSMDPs = 32

// noteSMDP remembers that address delivers operator's profiles. An
// address is a host name, which has no case (RFC 4343): a notification's
// may be as an activation code gave it, upper case, and is the same
// SM-DP+.
func (s *State) noteSMDP(address, operator string) {
	for i, e := range s.SMDPs {
		if strings.EqualFold(e.Address, address) {
			s.SMDPs[i].Operator = operator
			return
		}
	}
	if len(s.SMDPs) < maxSMDPs {
		s.SMDPs = append(s.SMDPs, SMDPOperator{address, operator})
	}
}

// smdpOperator is the operator address delivers for, "" if unknown.
func (s *State) smdpOperator(address string) string {
	for _, e := range s.SMDPs {
		if strings.EqualFold(e.Address, address) {
			return e.Operator
		}
	}
	return ""
}

// Request is one entry of the in-flight table.
type Request struct {
	ID     int    `json:"id"`
	Answer string `json:"answer"` // answerHTTP or answerES10
	Owner  string `json:"owner"`  // who takes the answer
}

// Request answers and owners.
const (
	answerHTTP = "http"
	answerES10 = "es10"

	ownerList     = "list"     // ModeAwaitingList
	ownerDownload = "download" // ModeAttemptDownloading
	ownerOutbox   = "outbox"   // the platform notes (background)
	ownerRetry    = "retry"    // SGP.22 pending notifications (background)
)

// Cycle is one walk through a list of operators (claim 3): the platform's
// preferred list, the home profile, or the card's other profiles when the
// enabled one has no service. The operators are tried in order, each at
// most once; after a failed attach the card falls back to a profile that
// attaches (the cycle's original first) before the next.
type Cycle struct {
	Trigger string `json:"trigger"` // TriggerList, TriggerHome, TriggerRescue
	// Area is the MCC the cycle began on, whose country (ident.SameCountry) is
	// the cycle's area: with Country, where its failures are backed off.
	Area string `json:"area,omitempty"`
	// Country is the list's country, as the platform named it (a list
	// cycle's, once the list came; "" before, and for the rescue and
	// coming home; a state from before the card kept it takes the stored
	// list's, recoverListCountry): every MCC that may serve it is in the
	// cycle's area too (inArea).
	Country string `json:"country,omitempty"`
	// Serving is the serving PLMN when the cycle began.
	Serving string `json:"serving,omitempty"`
	// Original is the ICCID enabled (and, for list and home cycles,
	// serving) when the cycle began: the first fallback.
	Original string         `json:"original,omitempty"`
	ListID   string         `json:"list_id,omitempty"`
	Ops      []ListOperator `json:"ops,omitempty"`
	// Next is the index in Ops of the next operator to consider.
	Next int `json:"next"`
	// Tried are the operators attempted, in order; Attempts counts them.
	Tried    []string `json:"tried,omitempty"`
	Attempts int      `json:"attempts,omitempty"`
	// Failed are the ICCIDs that did not attach during this cycle (as an
	// attempt or as a fallback): not tried again before the cycle ends.
	Failed []string `json:"failed,omitempty"`
	// Current is the operator of the attempt in progress or last failed.
	Current string `json:"current,omitempty"`
	// Target is the ICCID being enabled or whose attach is awaited.
	Target string `json:"target,omitempty"`
	// Booted says the Boot on Target happened: only reports after it
	// judge the attach.
	Booted   bool      `json:"booted,omitempty"`
	Download *Download `json:"download,omitempty"`
	// EnableAfterNote: the enable of Target is held. With a note in
	// flight (to the platform, or a pending SGP.22 notification to its
	// SM-DP+: notesOut) it waits for the answer, as the REFRESH that
	// follows an enable would cut that answer and the note go out twice
	// (a downloaded profile's download-success above all: claim 2,
	// notify, then switch). With none, an attempt a reset interrupted
	// waits for the network the device woke up on (holdForPlace). The
	// location is followed meanwhile, and an attempt whose device left
	// the list's country ends unswitched.
	EnableAfterNote bool `json:"enable_after_note,omitempty"`
	// Abroad are this cycle's attempts that a network of another country
	// than Area served or refused. The card cannot tell a border it
	// crossed from a border area where the profile prefers the
	// neighbour's network; its fallback tells: one attaching in Area
	// shows the device is still there, and those attempts are backed
	// off there.
	Abroad []Abroad `json:"abroad,omitempty"`
	// Visible are the networks the terminal camped on or measured at the
	// check that began the cycle: an operator of one of them is tried
	// though backed off in the area (visibleExempt), as that back-off may
	// have been earned where its network had no cell.
	Visible []string `json:"visible,omitempty"`
}

// Abroad is an attempt a network of another country served (Bearer: it
// had normal service, so it is the last fallback to try) or refused.
type Abroad struct {
	ICCID    string `json:"iccid"`
	Operator string `json:"operator"`
	Bearer   bool   `json:"bearer,omitempty"`
	// Tried: it was enabled again as the last fallback.
	Tried bool `json:"tried,omitempty"`
}

// PreferredList is the platform's answer to a preferred-list request.
type PreferredList struct {
	ListID    string         `json:"list_id"`
	Country   string         `json:"country"`
	OrderBy   string         `json:"order_by"`
	Operators []ListOperator `json:"operators"`
}

// ListOperator is one entry of a preferred list.
type ListOperator struct {
	ID     string  `json:"id"`
	PLMN   string  `json:"plmn"`
	Tariff float64 `json:"tariff,omitempty"`
	RSRP   int     `json:"rsrp,omitempty"`
}

// BackoffEntry: Operator failed Failures times in a row in Area, under a
// list for Country ("" when the cycle had no list: samePlace); it is left
// out until the periodic check numbered Until.
type BackoffEntry struct {
	Operator string `json:"operator"`
	Area     string `json:"area"`
	Country  string `json:"country,omitempty"`
	Failures int    `json:"failures"`
	Until    uint64 `json:"until"`
	// Rescued says a cycle tried the operator once in spite of the
	// pause, its network visible (visibleExempt), or that it failed with
	// it in sight (failedInSight, backoffSeen): once only, until it
	// attaches, so a network that keeps refusing its own subscriber
	// costs no REFRESH a round. (Named when only the rescue had the try.)
	Rescued bool `json:"rescued,omitempty"`
}

// maxBackoff bounds the back-off table; the oldest entry makes room.
const maxBackoff = 64

// Note is a notification owed to the platform (POST /v1/notifications):
// attach-success, attach-failure, list-exhausted or download-success.
// Notes go out in order, at least once; Report makes a resend recognisable.
type Note struct {
	Kind     string `json:"kind"`
	Operator string `json:"operator,omitempty"`
	ICCID    string `json:"iccid,omitempty"`
	PLMN     string `json:"plmn,omitempty"`
	Report   uint64 `json:"report"`
	// Seq is the install's SGP.22 sequence number (download-success).
	Seq int `json:"seq,omitempty"`
}

// maxOutbox bounds the outbox; the oldest note makes room (logged).
const maxOutbox = 64

// clone deep-copies s so that a Persist effect or State() result never
// aliases the applet's live state — but for a download's Segments, which
// nothing changes in place (below).
func (s State) clone() State {
	c := s
	c.Profiles = append([]Profile(nil), s.Profiles...)
	if s.List != nil {
		l := *s.List
		l.Operators = append([]ListOperator(nil), s.List.Operators...)
		c.List = &l
	}
	if s.Cycle != nil {
		cy := *s.Cycle
		cy.Ops = append([]ListOperator(nil), s.Cycle.Ops...)
		cy.Tried = append([]string(nil), s.Cycle.Tried...)
		cy.Failed = append([]string(nil), s.Cycle.Failed...)
		cy.Abroad = append([]Abroad(nil), s.Cycle.Abroad...)
		cy.Visible = append([]string(nil), s.Cycle.Visible...)
		if d := s.Cycle.Download; d != nil {
			dc := *d
			// Shared, not copied: the applet only ever replaces the
			// list whole (a new package, nil when loaded), never an
			// element, and clipped, an append to either side copies.
			// A copy at every segment's Persist copied the list once a
			// segment, its length each time.
			dc.Segments = slices.Clip(d.Segments)
			dc.Challenge = bytes.Clone(d.Challenge)
			if d.Profile != nil {
				p := *d.Profile
				dc.Profile = &p
			}
			cy.Download = &dc
		}
		c.Cycle = &cy
	}
	c.InFlight = append([]Request(nil), s.InFlight...)
	c.Backoff = append([]BackoffEntry(nil), s.Backoff...)
	if s.Stranded != nil {
		st := *s.Stranded
		c.Stranded = &st
	}
	c.Outbox = append([]Note(nil), s.Outbox...)
	c.SMDPs = append([]SMDPOperator(nil), s.SMDPs...)
	c.NoRoom = append([]NoRoom(nil), s.NoRoom...)
	c.Measured = append([]string(nil), s.Measured...)
	if s.Retry != nil {
		r := *s.Retry
		r.Seqs = append([]int(nil), s.Retry.Seqs...)
		c.Retry = &r
	}
	return c
}
