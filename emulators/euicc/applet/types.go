package applet

import (
	"slices"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/codec/stk"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

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
	ICCID    string `json:"iccid"`
	Operator string `json:"operator"`  // operator id (the profile's service provider)
	HomePLMN string `json:"home_plmn"` // MCC+MNC of the profile's IMSI, e.g. "46000"
	// EHPLMNs are its EF EHPLMN's equivalent home PLMNs (TS 23.122 §1.2):
	// the operator's networks the subscription is at home on, besides
	// HomePLMN (China Mobile's 46002, 46007 beside 46000).
	EHPLMNs []string `json:"ehplmns,omitempty"`
	Enabled bool     `json:"enabled,omitempty"`
	// Original marks the card's home profile: the one enabled at the first
	// Boot (the device's own subscription). The runtime flags it; the
	// applet keeps it in State.Home whatever later Boots say.
	Original bool `json:"original,omitempty"`
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

// HTTPResult answers an HTTPPost or ES9Call with the same ReqID. Err is set
// when no HTTP answer came (channel could not open, connection refused or
// reset). TerminalResult, only with Err, is the terminal's result when its
// answer to a toolkit command (OPEN CHANNEL, SEND DATA, RECEIVE DATA) is
// what ended the exchange: the applet's events for the failure carry it
// as their "result", so a reader need not find it in Err's words. Unsent,
// only with Err, says no byte of the request left the device (the channel
// did not open, or failed before the card's first SEND DATA that sends):
// the peer cannot have acted on it.
type HTTPResult struct {
	ReqID          int
	Status         int
	Body           []byte
	Err            string
	TerminalResult *stk.Result
	Unsent         bool
}

// HTTPSent: the first byte of request ReqID (an HTTPPost or ES9Call) is
// leaving the device — the runtime is issuing the exchange's first SEND
// DATA that sends immediately (store mode keeps the bytes before it in the
// terminal, TS 102 223 §6.4.30). From here the peer may have the request
// and act on it; the HTTPResult still follows. It is stepped before that
// SEND DATA goes, so an NVM write it makes is there if the power is cut
// while the bytes are on their way.
type HTTPSent struct{ ReqID int }

// ProfileEnabled answers EnableProfile.
type ProfileEnabled struct {
	ICCID  string
	Result int // ES10c EnableProfile result: 0 ok, 1 not found, 2 not disabled, ...
}

// ProfilesDeleted: the ISD-R deleted profiles at another LPA's request
// (ES10c DeleteProfile, eUICCMemoryReset); Profiles is the card's list
// after it. The card executed the delete, so its applet learns it then,
// not at the next Boot.
type ProfilesDeleted struct{ Profiles []Profile }

// ES10Result answers an ES10 effect with the same ReqID: the function's
// response data and status word, as the ISD-R answered them.
type ES10Result struct {
	ReqID int
	Resp  []byte
	SW    uint16
}

func (ES10Result) isEvent()      {}
func (Boot) isEvent()            {}
func (TimerExpired) isEvent()    {}
func (LocalInfo) isEvent()       {}
func (LocationStatus) isEvent()  {}
func (HTTPResult) isEvent()      {}
func (HTTPSent) isEvent()        {}
func (ProfileEnabled) isEvent()  {}
func (ProfilesDeleted) isEvent() {}

// eventName names an event in `ignored` logs and in the mode table.
func eventName(ev Event) string {
	switch ev.(type) {
	case Boot:
		return "boot"
	case TimerExpired:
		return "timer_expired"
	case LocalInfo:
		return "local_info"
	case LocationStatus:
		return "location_status"
	case HTTPResult:
		return "http_result"
	case HTTPSent:
		return "http_sent"
	case ProfileEnabled:
		return "profile_enabled"
	case ES10Result:
		return "es10_result"
	case ProfilesDeleted:
		return "profiles_deleted"
	}
	return "unknown"
}

// Effect is an output of Step, for the runtime to carry out in order.
type Effect interface{ isEffect() }

// StartTimer asks the terminal to (re)start timer ID for D (TIMER MANAGEMENT).
type StartTimer struct {
	ID int
	D  time.Duration
}

// StopTimer asks the terminal to deactivate timer ID (TIMER MANAGEMENT,
// qualifier deactivate); the applet only stops a timer it knows runs.
type StopTimer struct{ ID int }

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
// carrying out the effects that follow it. State is the runtime's to keep
// and encode, not to change: the applet compares later states with it.
type Persist struct{ State State }

// Log appends an event (actor "euicc") to the rig's event log.
type Log struct {
	Kind   eventlog.Kind
	Fields map[string]any
}

func (ES9Call) isEffect()       {}
func (ES10) isEffect()          {}
func (StartTimer) isEffect()    {}
func (StopTimer) isEffect()     {}
func (ReadLocation) isEffect()  {}
func (HTTPPost) isEffect()      {}
func (EnableProfile) isEffect() {}
func (Refresh) isEffect()       {}
func (Persist) isEffect()       {}
func (Log) isEffect()           {}

// Config is fixed for the life of the card.
type Config struct {
	EID string
	// CheckInterval is the roaming check's period; zero means
	// DefaultCheckInterval.
	CheckInterval time.Duration
	// AttachWait bounds the wait for normal service after a switch or a
	// fallback (claim 3); zero means DefaultAttachWait.
	AttachWait time.Duration
	// Backoff spaces out the retries of an operator that failed in an
	// area; the zero value means DefaultBackoff.
	Backoff Backoff
	// DeviceInfo is what the device tells an SM-DP+ about itself in
	// ctxParams1 (SGP.22 §4.2: TAC, capabilities, IMEI).
	DeviceInfo es10.DeviceInfo
}

// Backoff is the retry policy for failed operators, counted in periodic
// checks ("periods"): after the n-th failure in a row of an operator in an
// area it is left out of that area's cycles for First·2^(n-1) periods,
// at most Max.
type Backoff struct {
	First int `json:"first"`
	Max   int `json:"max"`
}

// DefaultBackoff: one period after a first failure, then 2, 4, 8, 16, 16 …
var DefaultBackoff = Backoff{First: 1, Max: 16}

// MaxBackoffPeriods bounds Backoff.Max: a longer pause is a configuration
// error, not a back-off.
const MaxBackoffPeriods = 10000

// DefaultAttachWait is Config.AttachWait when it is zero: long enough for a
// modem to try several cells and run out T3410 (15 s, TS 24.301 §10.2) a
// few times, short against a roaming-check period.
const DefaultAttachWait = 3 * time.Minute

// DefaultCheckInterval is Config.CheckInterval when it is zero. A timer
// of 0 s would expire at once and be started again at once, for ever.
const DefaultCheckInterval = 10 * time.Minute

func (c Config) checkInterval() time.Duration {
	if c.CheckInterval <= 0 {
		return DefaultCheckInterval
	}
	return c.CheckInterval
}

func (c Config) attachWait() time.Duration {
	if c.AttachWait <= 0 {
		return DefaultAttachWait
	}
	return c.AttachWait
}

func (c Config) backoff() Backoff {
	b := c.Backoff
	if b.First <= 0 {
		b.First = DefaultBackoff.First
	}
	if b.Max <= 0 {
		b.Max = DefaultBackoff.Max
	}
	if b.Max < b.First {
		b.Max = b.First
	}
	return b
}

// Timer ids (TIMER MANAGEMENT, 1–7: the runtime keeps 8 for BIP).
const (
	// CheckTimer is the periodic roaming check (claim 1), always running.
	CheckTimer = 1
	// AttachTimer bounds the wait for an attach after a switch or during a
	// fallback (claim 3).
	AttachTimer = 2
)

// Platform API paths (DESIGN.md §4: the platform API is ours to design).
const (
	PathPreferredList = "/v1/preferred-list"
	PathNotifications = "/v1/notifications"
	PathDownload      = "/v1/download"
)

// AtHome reports whether serving network plmn is p's home network: its
// HPLMN or one of its EHPLMNs (TS 23.122 §1.2, §4.4.3: registration on
// any of them is at home, not roaming).
func (p Profile) AtHome(plmn string) bool {
	return plmn != "" && (plmn == p.HomePLMN || slices.Contains(p.EHPLMNs, plmn))
}
