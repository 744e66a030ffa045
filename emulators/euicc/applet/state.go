package applet

// State is the applet's non-volatile state. It fully describes the applet:
// New(cfg, st) with a persisted State continues exactly where the card was
// before a reset. Every field survives a JSON round trip.
type State struct {
	// Profiles is the card's profile list as of the last Boot or switch.
	Profiles []Profile `json:"profiles,omitempty"`
	// Original is the ICCID of the profile enabled before any automatic
	// switch: the fallback channel. It survives every Boot.
	Original string `json:"original,omitempty"`
	// LastReqID is the last HTTP request id used; ids only grow.
	LastReqID int `json:"last_req_id"`
	// ListReq is the id of the preferred-list request awaiting its answer, 0 if none.
	ListReq int `json:"list_req,omitempty"`
	// NotifyReq is the id of the attach-success notification awaiting its answer, 0 if none.
	NotifyReq int `json:"notify_req,omitempty"`
	// Enabling is the ICCID of an EnableProfile awaiting its answer.
	Enabling string `json:"enabling,omitempty"`
	// List is the last preferred list received (claim 5: the card stores it).
	List *PreferredList `json:"list,omitempty"`
	// Await is the switch whose attach is still to be checked or reported.
	Await *AttachCheck `json:"await,omitempty"`
	// LastES10 is the last ES10 request id used (a space apart from HTTP ids).
	LastES10 int `json:"last_es10,omitempty"`
	// Serving is the serving PLMN of the last preferred-list request.
	Serving string `json:"serving,omitempty"`
	// PlatformSeq is the last request counter signed to the platform
	// (X-Esimhil-Seq); it only grows and is persisted before each post.
	PlatformSeq uint64 `json:"platform_seq,omitempty"`
	// DL is the profile download in progress (claim 2); a Boot drops it.
	DL *Download `json:"download,omitempty"`
	// Owed are download-success notifications the platform did not take yet.
	Owed []OwedNote `json:"owed,omitempty"`
	// Retry resends the card's pending notifications after a Boot.
	Retry *NotifRetry `json:"retry,omitempty"`
	// Online says the terminal reported normal service since the last Boot:
	// only then is there a bearer for BIP.
	Online bool `json:"online,omitempty"`
	// FlushDue says notifications wait for a bearer or failed to go out;
	// the next normal-service location status or periodic check sends them.
	FlushDue bool `json:"flush_due,omitempty"`
	// LastReport numbers attach-success reports (AttachCheck.Report).
	LastReport uint64 `json:"last_report,omitempty"`
	// CheckDeferred says the periodic check timer waits for the attach-wait
	// timer: a Boot that awaits an attach starts only that one.
	CheckDeferred bool `json:"check_deferred,omitempty"`
	// Cycle is the walk through the stored list in progress (claim 3).
	Cycle *Cycle `json:"cycle,omitempty"`
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
	Tariff float64 `json:"tariff"`
	RSRP   int     `json:"rsrp"`
}

// AttachCheck is a switch to a preferred operator's profile whose attach has
// not been reported yet.
type AttachCheck struct {
	ICCID    string `json:"iccid"`
	Operator string `json:"operator"`
	PLMN     string `json:"plmn"`
	// Attached is set once the terminal reported normal service on PLMN; the
	// attach-success notification is then owed until the platform takes it.
	Attached bool `json:"attached,omitempty"`
	// Booted is set at the Boot on the new profile: only reports after it
	// can judge the attach a failure (claim 3).
	Booted bool `json:"booted,omitempty"`
	// Report numbers this switch's attach-success report, so a resend after
	// a lost answer is recognised by the platform.
	Report uint64 `json:"report,omitempty"`
}
