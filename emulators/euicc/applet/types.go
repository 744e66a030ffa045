// Package applet is the autoswitch method of the seed patent as a pure state
// machine, in the manner of etcd raft: every input enters through Step as an
// Event, every output leaves as an Effect, and nothing here does I/O or reads
// a clock. The card's runtime (package euicc) turns effects into proactive
// commands, ES10 operations and HTTP exchanges over BIP, and turns their
// outcomes back into events.
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
// channel; the answer comes back as HTTPResult with the same ReqID.
type HTTPPost struct {
	ReqID int
	Path  string
	Body  []byte
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
}
