// Package platformapi is the management platform's HTTP API
// (docs/platform-api.md): routes, request and answer bodies, each with one
// strict decoder, and the request-authentication headers with the bytes the
// card signs. The card's IPA, the platform emulator and the host-side
// capture decoder all use it.
package platformapi

// Routes of the API.
const (
	PathPreferredList = "/v1/preferred-list"
	PathNotifications = "/v1/notifications"
	PathDownload      = "/v1/download"
	PathInspect       = "/v1/inspect/received"
)

// Answered reports whether an HTTP status is a platform's answer to a
// card's request: a 2xx with a body (200, or 201 and the like, which REST
// frameworks give a POST), not the bodiless 204 and 205 (RFC 9110
// §15.3.5-6) — each card route answers with a JSON body the card reads.
func Answered(status int) bool {
	return status >= 200 && status < 300 && status != 204 && status != 205
}

// ContentType is the media type of every body, requests and answers.
const ContentType = "application/json"

// MaxBody is the largest request body the platform accepts (413 beyond).
const MaxBody = 64 << 10

// MaxListOperators bounds a preferred list; a longer answer is refused.
const MaxListOperators = 64

// Ordering rules of a preferred list (claim 5).
const (
	OrderTariff = "tariff" // cheapest first
	OrderSignal = "signal" // strongest reported RSRP first, unreported last
)

// SignalReport is one visible network as the device measured it.
type SignalReport struct {
	PLMN string `json:"plmn"`
	// RSRP is required: left out, it is not 0 dBm (outside tester t71 F9).
	RSRP int `json:"rsrp" exactjson:"required"` // dBm
}

// ListRequest is the body of POST /v1/preferred-list: the attach information
// the card collected in the visited area (claim 1).
type ListRequest struct {
	EID         string         `json:"eid"`
	ICCID       string         `json:"iccid"`
	HomePLMN    string         `json:"home_plmn"`
	ServingPLMN string         `json:"serving_plmn"`
	TAC         string         `json:"tac,omitempty"`
	CellID      string         `json:"cell_id,omitempty"`
	Signal      []SignalReport `json:"signal,omitempty"`
}

// ListedOperator is one entry of a preferred list. RSRP is present only when
// the device reported that operator's signal.
type ListedOperator struct {
	ID     string  `json:"id"`
	PLMN   string  `json:"plmn"`
	Tariff float64 `json:"tariff"`
	RSRP   *int    `json:"rsrp,omitempty"`
}

// ListResponse is the 200 answer to a preferred-list request.
type ListResponse struct {
	ListID    string           `json:"list_id"`
	Country   string           `json:"country"`
	OrderBy   string           `json:"order_by"`
	Operators []ListedOperator `json:"operators" exactjson:"required"` // [] is an empty list; absent or null is none
}

// Notification is the body of POST /v1/notifications. Operator is
// required except for list-exhausted, PLMN for attach-success and
// attach-failure (optional for download-success, and for list-exhausted,
// where it is the network the card asked for the list on); Cause is an
// optional EMM reject cause (TS 24.301 §9.9.3.9) for attach-failure.
type Notification struct {
	EID      string `json:"eid"`
	Kind     string `json:"kind"`
	ICCID    string `json:"iccid,omitempty"`
	Operator string `json:"operator,omitempty"`
	PLMN     string `json:"plmn,omitempty"`
	Cause    *int   `json:"cause,omitempty"`
	// Report identifies one report across resends (the card numbers its
	// attach-success reports): a repeat after a lost answer is taken once.
	Report uint64 `json:"report,omitempty"`
}

// NotificationAck is the 200 answer to a notification.
type NotificationAck struct {
	Ack bool   `json:"ack" exactjson:"required"` // absent is no "ack": false
	ID  string `json:"id"`
}

// ErrorResponse is the body of every 4xx answer.
type ErrorResponse struct {
	Error string `json:"error"`
}

// DownloadRequest is the body of POST /v1/download.
type DownloadRequest struct {
	EID         string `json:"eid"`
	Operator    string `json:"operator"`
	ServingPLMN string `json:"serving_plmn"`
}

// DownloadResponse is the 200 answer: the operator's SM-DP+ and the matching
// ID, also as an SGP.22 §4.1 activation code "LPA:1$<address>$<matching id>".
type DownloadResponse struct {
	Operator       string `json:"operator"`
	SMDPAddress    string `json:"smdp_address"`
	MatchingID     string `json:"matching_id"`
	ActivationCode string `json:"activation_code"`
}
