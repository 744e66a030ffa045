// Package scenario loads scenario files (README "Scenario files"): a radio world, a
// device, the platform's preferred lists, an itinerary, a fault plan and the
// expected outcome. Files are YAML; every error names file:line:col and the
// field path, e.g.
//
//	roam.yaml:14:22: device.profiles[1].operator: unknown operator "foo"
//
// The schema is documented field by field in fixtures/scenarios/README.md.
package scenario

import (
	"fmt"
	"slices"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/proto/emm"
	"github.com/esimhil/esimhil/internal/proto/es9"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// Scenario is one parsed and validated scenario file.
type Scenario struct {
	File      string // name given to Parse or path given to Load
	Name      string
	Seed      int64
	Network   Network
	Device    Device
	Platform  Platform
	Itinerary []Stop
	// Signal changes cells' RSRP during the run, in time order.
	Signal []SignalChange
	Faults []Fault
	Expect Expect
}

// SignalChange sets the RSRP of Operator's cells in Area to RSRP dBm at At
// after the start of the run (world.SetRSRP), for lists ordered by signal
// whose order changes between periods (claim 5).
type SignalChange struct {
	At             time.Duration
	Area, Operator string
	RSRP           int
}

// Network is the radio world.
type Network struct {
	Operators []Operator
	Roaming   []Agreement
	Cells     []Cell
}

// Operator is a mobile network operator.
type Operator struct {
	ID, PLMN, Country, Name string
	Tariff                  float64
	// SMDP is the TLS host name of the operator's SM-DP+; empty means the
	// operator offers no profile download (no contract with the platform).
	SMDP string
	// PPR lists the profile policy rules (PPRs) the profiles its SM-DP+
	// delivers set in their metadata, of PPRNames (SGP.22 §2.9); needs
	// SMDP. Empty: none.
	PPR []string
	// PIN1 is the PIN1 of the operator's profiles, preinstalled and
	// downloaded; nil: the default, code 0000, verification disabled.
	PIN1 *PIN1
	// MSISDNPrefix starts the subscriber number (EF MSISDN) of each
	// profile its SM-DP+ delivers: the prefix, then the delivery's serial
	// in 6 digits (DeliveredMSISDN); needs SMDP. Empty: delivered profiles
	// carry no number.
	MSISDNPrefix string
	// PreferredPartners are the operators it steers its roamers to, in
	// priority order: its profiles' EF OPLMNwAcT (TS 31.102 §4.2.53)
	// lists its own PLMN then theirs (OperatorPLMNs), which automatic
	// network selection tries after the HPLMN and before the other
	// networks by signal (TS 23.122 §4.4.3.1.1). Empty: its own PLMN
	// alone.
	PreferredPartners []string
	// HPLMNSearch is the period of the search for a higher priority PLMN
	// its roamers' modems run on a VPLMN (TS 23.122 §4.4.3.3.1), which
	// its profiles' EF HPPLMN holds (TS 31.102 §4.2.6, HPPLMN): a
	// multiple of 6 minutes up to 8 hours, 0 for no search. nil: the
	// profiles' default, 60 minutes.
	HPLMNSearch *time.Duration
	// EHPLMNs are the operator's other networks, equivalent home PLMNs
	// (TS 23.122 §1.2): its cells may be on any of them (Cell.PLMN), its
	// subscribers are at home there (+CEREG stat 1), and its profiles'
	// EF EHPLMN (TS 31.102 §4.2.84) lists its PLMN then these, in
	// priority order (ProfileEHPLMNs). Empty: its PLMN alone, no EF
	// EHPLMN service.
	EHPLMNs []string
}

// MaxEHPLMNs is how many equivalent home PLMNs an operator may have: the
// card's EF EHPLMN holds 8 entries (saip.EHPLMNEntries: TS 31.102
// §4.2.84 gives the file n×3 bytes and no bound; 8 covers China Mobile's
// six codes), its own PLMN first.
const MaxEHPLMNs = 7

// Owns reports whether plmn is one of o's networks, its PLMN or an
// equivalent home PLMN: the relation world.Operator.Owns holds for the
// operator the world is given.
func (o Operator) Owns(plmn string) bool {
	return plmn != "" && (plmn == o.PLMN || slices.Contains(o.EHPLMNs, plmn))
}

// ProfileEHPLMNs is EF EHPLMN of operator o's profiles: its PLMN then
// its equivalent home PLMNs, nil when it has none.
func (o Operator) ProfileEHPLMNs() []string {
	if len(o.EHPLMNs) == 0 {
		return nil
	}
	return append([]string{o.PLMN}, o.EHPLMNs...)
}

// MaxPreferredPartners is how many partners an operator may prefer: EF
// OPLMNwAcT's 32 entries (saip.OPLMNwAcT), its own PLMN first.
const MaxPreferredPartners = 31

// DeliveredMSISDN is the number of the seq-th profile (from 1) the
// operator's SM-DP+ delivers, "" when it gives none.
func (o Operator) DeliveredMSISDN(seq int) string {
	if o.MSISDNPrefix == "" {
		return ""
	}
	return fmt.Sprintf("%s%06d", o.MSISDNPrefix, seq)
}

// PIN1 is an operator's PIN1: its code (4 to 8 digits) and whether its
// verification is enabled (then the modem reports SIM PIN after every
// reset and reads no IMSI until the host enters the code).
type PIN1 struct {
	Code    string
	Enabled bool
}

// PPRNames are the profile policy rules a scenario may name, with their
// bit in SGP.22 PprIds: ppr1 (disabling the profile is not allowed) and
// ppr2 (deleting it is not allowed), the two the card enforces.
var PPRNames = map[string]int{"ppr1": 1, "ppr2": 2}

// pprList is PPRNames' keys for messages, in bit order.
const pprList = "ppr1, ppr2"

// Agreement: Visited accepts Home's subscribers as roamers.
type Agreement struct{ Home, Visited string }

// Cell is a cell of Operator in Area; TAC and CellID 0 let the world assign them.
type Cell struct {
	Area, Operator string
	// PLMN is the operator's network the cell is of: its PLMN or one of
	// its EHPLMNs; "" its PLMN.
	PLMN   string
	RSRP   int
	TAC    uint16
	CellID uint32
}

// Device is the device under test and its eUICC.
type Device struct {
	EID           string
	Personality   string // modem personality; default "generic"
	CheckInterval time.Duration
	Profiles      []Profile
	// AttachWait bounds the card's wait for an attach after a switch
	// before it falls back to the original profile (0: the card's 3 min).
	AttachWait time.Duration
	// FreeNVM is the card's free memory for new profiles, in bytes
	// (0: the card's default).
	FreeNVM int
	// Backoff spaces out the card's retries of an operator that failed in
	// an area, in periodic checks (zero fields: the card's defaults).
	Backoff Backoff
	// RAT is the card's Rules Authorisation Table (SGP.22 §2.9): which
	// operators may deliver profiles that set which policy rules. Empty
	// (the default): none may, and a profile that sets one is refused.
	RAT []RATRule
	// Notifications are the pending notifications (SGP.22 §3.5) the card
	// holds at power-on, as a field card that has not delivered them
	// does. The card signs each as it would have when it made it.
	Notifications []Notification
}

// Notification is a pending notification: its sequence number, the
// operation (install, enable, disable or delete), the profile it is
// about and the SM-DP+ address it goes to.
type Notification struct {
	Seq            int
	Event          string
	ICCID, Address string
}

// RATRule is one ProfilePolicyAuthorisationRule: the rules (PPRNames) it
// allows, the operators it allows them for, and whether the end user must
// consent (pprFlags consentRequired, reported by GetRAT for an LPA to act
// on).
type RATRule struct {
	PPR       []string
	Operators []RATOperator
	Consent   bool
}

// RATOperator is one OperatorId of a rule: MCC+MNC as 5 or 6 characters,
// each a digit or E (any digit: "208EE" is every 2-digit MNC of MCC 208,
// "208EEE" every MNC of it), and GID1/GID2 in hex ("" matches any).
type RATOperator struct {
	PLMN, GID1, GID2 string
}

// Backoff is the card's retry policy for failed operators: after the n-th
// failure in a row an operator sits out First·2^(n-1) checks in that area,
// at most Max (applet.Backoff; 0 means the card's default, 1 and 16).
type Backoff struct{ First, Max int }

// Profile is a profile preinstalled on the eUICC.
type Profile struct {
	ICCID, Operator string
	// IMSI defaults to the operator's PLMN followed by the last digits of the
	// ICCID, 15 digits in all (TS 23.003 §2.2).
	IMSI    string
	Enabled bool
	// MSISDN is the subscriber number its EF MSISDN holds (digits, "+"
	// first for an international one); empty: none.
	MSISDN string
}

// Platform configures the management platform emulator.
type Platform struct {
	OrderBy     string              // "tariff" (default) or "signal"
	Preferred   map[string][]string // country → operator ids
	Eligibility Eligibility
	// TLS makes the platform serve HTTPS (default plain HTTP: the card's
	// requests are signed either way).
	TLS bool
}

// Eligibility is the platform's download policy (claim 4).
type Eligibility struct {
	AllowEIDs   []string // empty: every EID
	QuotaPerDay int      // downloads per EID per simulated day; 0: no limit
}

// Stop moves the device to Area at At after the start of the run.
type Stop struct {
	At   time.Duration
	Area string
}

// FaultKind names a kind of injected fault.
type FaultKind string

// Fault kinds. Each is written in YAML by its own key (platform: unreachable,
// attach_reject: <cause>, attach: no_service|timeout, download: <name>,
// power_cut: <event kind>, at_port: hang, card: absent).
const (
	PlatformUnreachable FaultKind = "platform_unreachable"
	PlatformNoAck       FaultKind = "platform_no_ack"
	// PlatformGarbled: the platform answers card requests 200 with a body
	// that is not the API's JSON (platform: garbled).
	PlatformGarbled FaultKind = "platform_garbled"
	// PlatformSlow: the platform holds each answer for Delay of simulated
	// time before it sends it (platform: slow).
	PlatformSlow FaultKind = "platform_slow"
	// SMDPSlow: Operator's SM-DP+ holds each ES9+ answer (of Function,
	// if given) for Delay of simulated time before it sends it (smdp:
	// slow): a slow server, a TLS handshake over a long path.
	SMDPSlow FaultKind = "smdp_slow"
	// PlatformStatus: the platform answers card requests (those on Path,
	// if given) with the HTTP status Code and its JSON error body
	// (platform: status): a server error, as a real platform's gateway
	// answers when what is behind it fails.
	PlatformStatus FaultKind = "platform_status"
	AttachReject   FaultKind = "attach_reject"
	// AttachNoService: the operator's cells do not answer the attempt; the
	// device finds no suitable cell of it (attach: no_service).
	AttachNoService FaultKind = "attach_no_service"
	// AttachTimeout: the operator's network never answers the ATTACH
	// REQUEST; the modem's T3410 expires (attach: timeout).
	AttachTimeout FaultKind = "attach_timeout"
	Download      FaultKind = "download"
	// PowerCut cuts the power of the modem and the card right after the
	// Nth event of kind Event (by Actor, if given) for Off.
	PowerCut FaultKind = "power_cut"
	// ATPortHang hangs the modem's AT port in the window (at_port: hang):
	// lines are taken in and nothing is said; the radio, the toolkit and
	// the card go on.
	ATPortHang FaultKind = "at_port_hang"
	// CardAbsent keeps the card out of the modem's reach in the window
	// (card: absent): a contact failure, or a SIM-detect line the card
	// never asserts. The modem finds no card; the card is unpowered.
	CardAbsent FaultKind = "card_absent"
	// CoverageLost puts the device in a dead zone in the window (coverage:
	// lost): no cell of any network reaches it, so it loses its
	// registration and searches until the window ends, when it attaches
	// again at once.
	CoverageLost FaultKind = "coverage_lost"
)

// IsAttach reports whether k is one of the attach faults, which the radio
// world applies per operator and attempt.
func (k FaultKind) IsAttach() bool {
	return k == AttachReject || k == AttachNoService || k == AttachTimeout
}

// DefaultPowerOff is how long a power cut lasts when off is not given.
const DefaultPowerOff = 30 * time.Second

// MaxPowerOff bounds off: a longer cut is a different scenario (a device
// switched off), not a power glitch.
const MaxPowerOff = 24 * time.Hour

// PowerCutPoint is a step of the method after which a power cut can be
// injected: an event kind and the actors that log it.
type PowerCutPoint struct {
	Event  string
	Actors []string
	Step   string // the step of the method it marks, for documentation
	// Needs names what the scenario must have for the event to ever occur:
	// "smdp" (an operator with an SM-DP+), "attach_timeout" (an attach:
	// timeout fault), "abnormal_reject" (an attach_reject fault with an
	// abnormal cause, TS 24.301 §5.5.1.2.6 d), "attach_retry" (either of
	// the last two, the reject's cause one that restarts the attach), or
	// "".
	Needs string
}

// CutNeeds is what a scenario holds that power-cut points may need
// (PowerCutPoint.Needs): an operator with an SM-DP+, an attach: timeout
// fault, an attach_reject fault with an abnormal cause (TS 24.301
// §5.5.1.2.6 d) and one of those that restarts the attach (not a cause
// that sets the counter to 5). The loader refuses a point the scenario
// cannot reach; the exploration draws only the points it can.
type CutNeeds struct{ SMDP, Timeout, Abnormal, Restart bool }

// Reject notes an attach_reject fault with cause.
func (n *CutNeeds) Reject(cause int) {
	if emm.Abnormal(cause) {
		n.Abnormal = true
		n.Restart = n.Restart || !emm.EndsAttempts(cause)
	}
}

// needsText says what a point's Needs lacks, for the loader's refusal.
var needsText = map[string]string{
	"smdp":            ": no operator runs an SM-DP+ (network.operators[].smdp)",
	"attach_timeout":  " without an attach: timeout fault",
	"abnormal_reject": " without an attach_reject fault with an abnormal cause (#17, #19, #22, #95-#111…, TS 24.301 §5.5.1.2.6 d)",
	"attach_retry":    " without an attach: timeout fault or an attach_reject fault with an abnormal cause that restarts the attach (not #95, #96, #97, #99, #111)",
}

// Has reports whether point p can occur in a scenario holding n.
func (n CutNeeds) Has(p PowerCutPoint) bool {
	switch p.Needs {
	case "smdp":
		return n.SMDP
	case "attach_timeout":
		return n.Timeout
	case "abnormal_reject":
		return n.Abnormal
	case "attach_retry":
		return n.Restart || n.Timeout
	}
	return true
}

// PowerCutPointList lists, in method order, the events a power_cut fault
// may name (fixtures/scenarios/README.md documents each).
var PowerCutPointList = []PowerCutPoint{
	{"preferred_list_served", []string{"platform"}, "the platform answered the list request, before the card stored it", ""},
	{"preferred_list_received", []string{"euicc"}, "list stored and acted on in the same step: after the switch (as profile_enabled) or with the download request sent (as download_requested)", ""},
	{"list_passed_over", []string{"euicc"}, "a list of which nothing could be tried (backed off, no room, no bearer): no cycle started, the next check asks again", ""},
	{"preferred_already_enabled", []string{"euicc"}, "the list led to the profile already serving: no cycle started, or a cycle's walk ended there", ""},
	{"profile_not_preinstalled", []string{"euicc"}, "in the same step, the download request sent (as download_requested)", ""},
	{"download_requested", []string{"euicc", "platform"}, "download asked for: the platform orders the profile at that instant, the card never hears back (a request queued behind a note in flight never leaves)", ""},
	{"mutual_auth", []string{"euicc", "smdp"}, "mid-download: after mutual authentication", "smdp"},
	{"bpp_sent", []string{"smdp"}, "mid-download: the bound profile package is on its way", "smdp"},
	{"bpp_segment_stored", []string{"euicc"}, "mid-install: the nth segment of the bound profile package stored, the next not: the card discards the partial profile and keeps a failed install result (installFailedDueToInterruption) for the SM-DP+", "smdp"},
	{"profile_installed", []string{"euicc"}, "after the install, before the notifications", "smdp"},
	{"download_result", []string{"euicc"}, "download finished (ok or not)", ""},
	{"notification_received", []string{"platform", "smdp"}, "a notification arrived, before the card saw the acknowledgement", ""},
	{"notification_sent", []string{"euicc"}, "a notification acknowledged (refused: answered with a refusal, not delivered), before any request or enable that waited for its exchange", ""},
	{"profile_enabled", []string{"euicc"}, "after enable, before the REFRESH", ""},
	{"refresh", []string{"modem"}, "the modem runs the REFRESH", ""},
	{"attach_attempt", []string{"world"}, "an attach attempt started, before the network answers", ""},
	{"attach_result", []string{"world"}, "an attach attempt answered, before the modem acts on it", ""},
	{"attach_timeout", []string{"modem"}, "T3410 expired", "attach_timeout"},
	{"attach_rejected", []string{"modem"}, "an abnormal reject counted: T3411 running (the next network's attempt made, at the fifth)", "abnormal_reject"},
	{"attach_retry", []string{"modem"}, "T3411 expired: the restart on the same network made", "attach_retry"},
	{"attach_failed", []string{"euicc"}, "the card judged the attach failed (claim 3)", ""},
	{"fallback", []string{"euicc"}, "switching back to the original profile (held behind an attach-failure in flight: before the enable)", ""},
	{"fallback_attached", []string{"euicc"}, "back on the original, the next operator begun in the same step (or queued behind a note the step sent first)", ""},
	{"list_exhausted", []string{"euicc"}, "every operator of the list failed", ""},
	{"cycle_ended", []string{"euicc"}, "the cycle over, its report to the platform on its way (or queued behind a note the step sent first)", ""},
}

// PowerCutAt is the power_cut "point" that is a time, not an event: the
// cut comes at the entry's from (a field log's boot no command asked for
// is replayed so).
const PowerCutAt = "at"

// PowerCutPoints lists the event kinds a power_cut fault may name, in
// method order.
var PowerCutPoints = func() []string {
	out := make([]string, len(PowerCutPointList))
	for i, p := range PowerCutPointList {
		out[i] = p.Event
	}
	return out
}()

// powerCutPoint returns the point for event kind ev.
func powerCutPoint(ev string) (PowerCutPoint, bool) {
	for _, p := range PowerCutPointList {
		if p.Event == ev {
			return p, true
		}
	}
	return PowerCutPoint{}, false
}

// Download fault names (faults: [{download: <name>, operator: <id>}]); each
// breaks one step of the SGP.22 download of claim 2.
const (
	SMDPUnreachable    = "smdp_unreachable"     // connections to the SM-DP+ are refused
	TLSFailure         = "tls_failure"          // the SM-DP+ serves a TLS certificate the card cannot trust
	UnknownCI          = "unknown_ci"           // the eUICC certificate chains to a CI the SM-DP+ does not know
	ExpiredSMDPCert    = "expired_smdp_cert"    // the SM-DP+ authenticates with an expired certificate
	BadServerSignature = "bad_server_signature" // serverSignature1 does not verify
	BadEUICCSignature  = "bad_euicc_signature"  // euiccSignature1 does not verify
	WrongTransactionID = "wrong_transaction_id" // smdpSigned2 names another transaction
	EIDOutOfRange      = "eid_out_of_range"     // the EID lies outside the EUM's permitted range
	EligibilityRefused = "eligibility_refused"  // the platform refuses the download (EID not allowed)
	ConnectionReset    = "connection_reset"     // the SM-DP+ resets the connection during getBoundProfilePackage
	TamperedBPP        = "tampered_bpp"         // one byte of the bound profile package is changed
	TruncatedBPP       = "truncated_bpp"        // the bound profile package lacks its last segment
	OutOfMemory        = "out_of_memory"        // the card has no room for the new profile
)

// DownloadFaults lists the download fault names in documentation order.
var DownloadFaults = []string{SMDPUnreachable, TLSFailure, UnknownCI, ExpiredSMDPCert,
	BadServerSignature, BadEUICCSignature, WrongTransactionID, EIDOutOfRange,
	EligibilityRefused, ConnectionReset, TamperedBPP, TruncatedBPP, OutOfMemory}

// Fault is one entry of the fault plan.
type Fault struct {
	Kind FaultKind
	// Name is the download fault's name (Download).
	Name string
	// Operator is the network that fails the attach (attach faults) or the
	// operator whose download breaks (Download).
	Operator string
	// Subscriber limits an attach fault to subscribers of that operator
	// (a network refusing its own new profile while it serves roamers).
	Subscriber string
	// Attempt is the 1-based attach attempt on Operator's network to fail,
	// counted over the run; 0 (omitted) fails every attempt (attach faults).
	Attempt int
	// Cause is the EMM cause sent (attach_reject, TS 24.301 §9.9.3.9).
	Cause int
	// TAC limits an attach_reject to Operator's cells of that tracking
	// area (#12, #13 and #15 refuse an area, not the network); 0 (omitted)
	// rejects in every area.
	TAC uint16
	// From and Until bound the fault on the simulated clock, measured from
	// the start of the run; Until 0 leaves it open-ended.
	From, Until time.Duration
	// Event is the event kind after which the power is cut, one of
	// PowerCutPoints (PowerCut).
	Event string
	// Nth: the cut follows the Nth event of that kind, 1-based (PowerCut).
	Nth int
	// Actor restricts the count to events of that actor; "" counts any
	// (PowerCut).
	Actor string
	// Off is how long the power stays off (PowerCut; default
	// DefaultPowerOff).
	Off time.Duration
	// Delay is how long the platform or the SM-DP+ holds each answer
	// (PlatformSlow, SMDPSlow).
	Delay time.Duration
	// Function limits an SMDPSlow fault to one ES9+ function (one of
	// ES9Functions); "" holds them all.
	Function string
	// Code is the HTTP status the platform answers with (PlatformStatus).
	Code int
	// Path limits a PlatformStatus fault to one card route (one of
	// CardPaths); "" hits them all.
	Path string
}

// CardPaths are the platform routes a card asks, which a platform:
// status fault's path may name.
var CardPaths = []string{platformapi.PathPreferredList, platformapi.PathDownload, platformapi.PathNotifications}

// ES9Functions are the ES9+ functions an smdp: slow fault's function may
// name (SGP.22 §5.6).
var ES9Functions = []string{es9.FnInitiateAuthentication, es9.FnAuthenticateClient, es9.FnGetBoundProfilePackage, es9.FnHandleNotification, es9.FnCancelSession}

// Active reports whether f is in force at elapsed time t.
func (f Fault) Active(t time.Duration) bool {
	return t >= f.From && (f.Until == 0 || t < f.Until)
}

// Overlaps reports whether the windows of f and g share a moment (an
// until of 0 is open to the end of the run).
func (f Fault) Overlaps(g Fault) bool {
	return f.From < g.end() && g.From < f.end()
}

// end is f's until, or the end of time when its window is open.
func (f Fault) end() time.Duration {
	if f.Until == 0 {
		return time.Duration(1<<63 - 1)
	}
	return f.Until
}

// Expect is what the run must show. Nil or zero fields are not checked.
type Expect struct {
	// Attempts lists the operators the card attempted, in order (its
	// `attempt` events). Present but empty means no attempt at all.
	Attempts []string
	// Final is the registration at the end of the run, as a host reads
	// it (AT+CEREG?, AT+COPS?, AT+CIMI).
	Final *Final
	// LastAttach is the last successful attach of the run (the world's
	// last attach_result with ok), whatever happened after it.
	LastAttach *LastAttach
	// Notifications lists "kind@to" of every notification sent, in order.
	Notifications []string
	// ListRequests counts preferred-list requests.
	ListRequests *int
	// Duplicates counts the notifications a receiver (the platform, an
	// SM-DP+) logged as already taken: delivery is at least once, and 0
	// asserts each went once.
	Duplicates *int
	// Within bounds the time of the final attach, from the start of the run.
	Within time.Duration
}

// Final is the registration at the end of the run. Empty fields are not
// checked.
type Final struct {
	// Registration is the +CEREG <stat> read at the end: home (1),
	// roaming (5), denied (3), searching (2) or none (0, not registered).
	Registration string
	// Operator is the subscriber's operator: the one whose PLMN starts the
	// IMSI the modem reads (AT+CIMI), i.e. the enabled profile's.
	Operator string
	// PLMN is the serving network (AT+COPS?), only when registered.
	PLMN string
}

// Registrations are the values Final.Registration takes, in +CEREG <stat>
// order of meaning, and the end states with nothing registered to read:
// RegistrationOff, RegistrationHung and RegistrationAbsent.
var Registrations = []string{"home", "roaming", "denied", "searching", "none", RegistrationOff, RegistrationHung, RegistrationAbsent}

// RegistrationOff is the end of a run whose modem is powered off at its
// horizon (a power cut in progress): the host reads nothing, as a real
// host reads nothing from a modem without power.
const RegistrationOff = "off"

// RegistrationHung is the end of a run whose modem's AT port is hung at
// its horizon (an at_port: hang in force): the host reads nothing.
const RegistrationHung = "hung"

// RegistrationAbsent is the end of a run whose device has no card at its
// horizon (a card: absent window in force): the modem answers, but the
// card's commands answer SIM not inserted, so there is no subscriber to
// read and nothing to register with.
const RegistrationAbsent = "absent"

// LastAttach is the last successful attach of a run.
type LastAttach struct {
	Operator     string // the subscriber's operator
	Registration string // home or roaming
}

// EndRegistration is what a host read at the end of a run: the +CEREG
// <stat> (as a Registrations value, or "unknown"), the serving PLMN from
// +COPS? ("" unless registered) and the IMSI from +CIMI; Registration is
// RegistrationOff, and the rest empty, when the modem had no power,
// RegistrationHung when its AT port was hung and RegistrationAbsent when
// its card was absent (the card's commands answered SIM not inserted).
type EndRegistration struct {
	Registration string
	PLMN         string
	IMSI         string
	// PIN is "SIM PIN" or "SIM PUK" when the card wanted PIN1 (or the
	// PUK) at the end: +CIMI answered no IMSI; the host enters none.
	PIN string
}

// Fields are e as run_ended logs it (the empty fields left out).
func (e EndRegistration) Fields() eventlog.F {
	f := eventlog.F{"registration": e.Registration}
	for k, v := range map[string]string{"plmn": e.PLMN, "imsi": e.IMSI, "pin": e.PIN} {
		if v != "" {
			f[k] = v
		}
	}
	return f
}

// EndOf is the end state a log's run_ended says the host read, with the
// event, and false when the log has none (a run that did not finish, or
// one an esimhil before it wrote).
func EndOf(events []eventlog.Event) (EndRegistration, eventlog.Event, bool) {
	for i := len(events) - 1; i >= 0; i-- {
		if e := events[i]; e.Actor == eventlog.Harness && e.Kind == eventlog.KindRunEnded {
			return EndRegistration{Registration: e.Str("registration"), PLMN: e.Str("plmn"), IMSI: e.Str("imsi"), PIN: e.Str("pin")}, e, true
		}
	}
	return EndRegistration{}, eventlog.Event{}, false
}

// PlatformDown reports whether a platform_unreachable fault is in force at
// elapsed time t.
func (s *Scenario) PlatformDown(t time.Duration) bool {
	for _, f := range s.Faults {
		if f.Kind == PlatformUnreachable && f.Active(t) {
			return true
		}
	}
	return false
}

// HasFault reports whether the plan holds a fault of kind k.
func (s *Scenario) HasFault(k FaultKind) bool {
	for _, f := range s.Faults {
		if f.Kind == k {
			return true
		}
	}
	return false
}

// PowerCuts returns the power_cut faults, in file order.
func (s *Scenario) PowerCuts() []Fault {
	var out []Fault
	for _, f := range s.Faults {
		if f.Kind == PowerCut {
			out = append(out, f)
		}
	}
	return out
}

// EnabledProfile returns the profile enabled at the start.
func (s *Scenario) EnabledProfile() Profile {
	for _, p := range s.Device.Profiles {
		if p.Enabled {
			return p
		}
	}
	return Profile{}
}
