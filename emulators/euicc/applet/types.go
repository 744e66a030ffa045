// Package applet is the autoswitch method of the seed patent as a pure state
// machine, in the manner of etcd raft: every input enters through Step as an
// Event, every output leaves as an Effect, and nothing here does I/O or reads
// a clock. The card's runtime (package euicc) turns effects into proactive
// commands, ES10 operations and HTTP exchanges over BIP, and turns their
// outcomes back into events.
//
// The applet is also the card's IPA (SGP.22 §3.1, the LPA role inside the
// eUICC) for claim 2: when the first preferred operator's profile is not on
// the card it asks the platform (HTTPPost /v1/download), then drives the
// SGP.22 download as a chain of effects, each answered by one event: ES10
// (run in the ISD-R, answered by ES10Result) and ES9Call (HTTPS to the
// SM-DP+, answered by HTTPResult). download.go holds the steps, pending.go
// the resending of unacknowledged notifications after a Boot.
//
// fallback.go is claim 3: after every switch the attach is judged (location
// status, bounded by the attach-wait timer); on failure the card goes back
// to the original profile, waits for it to attach, reports the failure and
// tries the stored list's next operator, in order, each once, until one
// attaches or the list is exhausted.
package applet

import "time"

// Service is the terminal's service state, as in the location status event
// (TS 102 223 §8.27): normal, limited or no service.
type Service int

const (
	NormalService Service = iota
	LimitedService
	NoService
)

func (s Service) String() string {
	switch s {
	case NormalService:
		return "normal"
	case LimitedService:
		return "limited"
	default:
		return "none"
	}
}

// Profile is what the applet knows of a profile on the card.
type Profile struct {
	ICCID    string
	Operator string // operator id (the profile's service provider)
	HomePLMN string // MCC+MNC of the profile's IMSI, e.g. "46000"
	Enabled  bool
	Original bool // the profile enabled before any automatic switch: the fallback channel
}

// Measurement is one visible cell's signal as the terminal reports it.
type Measurement struct {
	PLMN string
	RSRP int // dBm
}

// Event is an input to Step.
type Event interface{ isEvent() }

// Boot: the card was reset and the terminal finished its profile download and
// event-list setup. Profiles is the card's current profile list.
type Boot struct{ Profiles []Profile }

// TimerExpired: a timer started with StartTimer ran out.
type TimerExpired struct{ ID int }

// LocalInfo answers ReadLocation (PROVIDE LOCAL INFORMATION).
type LocalInfo struct {
	Service Service
	PLMN    string // serving PLMN ("" when no service)
	TAC     uint16
	CellID  uint32
	Cells   []Measurement // visible cells, strongest first
}

// LocationStatus: the terminal's location status event download.
type LocationStatus struct {
	Service Service
	PLMN    string
	TAC     uint16
	CellID  uint32
}

// HTTPResult answers an HTTPPost with the same ReqID. Err is set when no HTTP
// answer came (channel could not open, connection refused or reset).
type HTTPResult struct {
	ReqID  int
	Status int
	Body   []byte
	Err    string
}

// ProfileEnabled answers EnableProfile.
type ProfileEnabled struct {
	ICCID  string
	Result int // ES10c EnableProfile result: 0 ok, 1 not found, 2 not disabled, ...
}

// ES10Result answers an ES10 effect with the same ReqID: the function's
// response data and status word, as the ISD-R answered them.
type ES10Result struct {
	ReqID int
	Resp  []byte
	SW    uint16
}

func (ES10Result) isEvent()     {}
func (Boot) isEvent()           {}
func (TimerExpired) isEvent()   {}
func (LocalInfo) isEvent()      {}
func (LocationStatus) isEvent() {}
func (HTTPResult) isEvent()     {}
func (ProfileEnabled) isEvent() {}

// Effect is an output of Step, for the runtime to carry out in order.
type Effect interface{ isEffect() }

// StartTimer asks the terminal to (re)start timer ID for D (TIMER MANAGEMENT).
type StartTimer struct {
	ID int
	D  time.Duration
}

// ReadLocation asks the terminal for location, service state and signal
// (PROVIDE LOCAL INFORMATION); the answer comes back as LocalInfo.
type ReadLocation struct{}

// HTTPPost sends Body as JSON to the management platform at Path over a BIP
// channel; the answer comes back as HTTPResult with the same ReqID. Seq is
// the request counter the runtime signs with (X-Esimhil-Seq): strictly
// increasing, persisted before the post.
type HTTPPost struct {
	ReqID int
	Path  string
	Body  []byte
	Seq   uint64
}

// ES9Call is one ES9+ function (SGP.22 §5.6) on the SM-DP+ at Address
// ("host[:port]"), over HTTPS through a BIP channel: POST
// /gsma/rsp2/es9plus/<Function> with the JSON Body. The answer comes back
// as HTTPResult with the same ReqID.
type ES9Call struct {
	ReqID    int
	Address  string
	Function string
	Body     []byte
}

// ES10 runs one ES10 function (the BER-TLV request, SGP.22 §5.7) in the
// card's ISD-R, as the card's own IPA; the answer comes back as ES10Result.
type ES10 struct {
	ReqID int
	Req   []byte
}

// EnableProfile enables ICCID (disabling the current one) in the card's
// non-volatile memory; the answer comes back as ProfileEnabled.
type EnableProfile struct{ ICCID string }

// Refresh asks the terminal to reset the card and re-attach (REFRESH, UICC
// reset): the runtime's next event is Boot.
type Refresh struct{}

// Persist asks the runtime to write State to non-volatile memory now, before
// carrying out the effects that follow it.
type Persist struct{ State State }

// Log appends an event (actor "euicc") to the rig's event log.
type Log struct {
	Kind   string
	Fields map[string]any
}

func (ES9Call) isEffect()       {}
func (ES10) isEffect()          {}
func (StartTimer) isEffect()    {}
func (ReadLocation) isEffect()  {}
func (HTTPPost) isEffect()      {}
func (EnableProfile) isEffect() {}
func (Refresh) isEffect()       {}
func (Persist) isEffect()       {}
func (Log) isEffect()           {}

// Config is fixed for the life of the card.
type Config struct {
	EID           string
	CheckInterval time.Duration
	// AttachWait bounds the wait for normal service after a switch or a
	// fallback (claim 3); zero means DefaultAttachWait.
	AttachWait time.Duration
}
