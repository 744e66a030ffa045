// Package es9 is ES9+, the interface between an LPA (or the card's own IPA)
// and an SM-DP+ (GSMA SGP.22 v2.2.2 §5.6, JSON binding §6.5): the route,
// headers and status values, and the typed request and response body of
// every function, each with one strict decoder that the SM-DP+, the card's
// IPA, the capture decoder and the host-side LPA share.
//
// JSON values follow §6.5.2: transactionId is hex (upper-case when this
// package writes it), every other binary value is base64 of the complete
// BER-TLV as the eUICC produces or consumes it (serverSigned1 and
// smdpSigned2 the 30 SEQUENCE, serverSignature1 and smdpSignature2 the 5F37
// TLV, euiccCiPKIdToBeUsed the 04 TLV, certificates their DER, euiccInfo1
// BF20, authenticateServerResponse BF38, profileMetadata BF25,
// prepareDownloadResponse BF21, boundProfilePackage BF36,
// pendingNotification BF37 or an OtherSignedNotification 30,
// cancelSessionResponse BF41).
package es9

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/esimhil/esimhil/internal/exactjson"
)

// ES9+ transport facts (SGP.22 §6.1, §6.5.1).
const (
	// PathPrefix is the route prefix; the function name follows it.
	PathPrefix = "/gsma/rsp2/es9plus/"
	// AdminProtocolHeader carries AdminProtocol on every request and answer.
	AdminProtocolHeader = "X-Admin-Protocol"
	AdminProtocol       = "gsma/rsp/v2.2.0"
	ContentType         = "application/json;charset=UTF-8"
	// UserAgentLPAe is the User-Agent of an LPA in the eUICC, as the
	// emulated card is (an LPA in the device sends gsma-rsp-lpad).
	UserAgentLPAe = "gsma-rsp-lpae"
	// Port is the SM-DP+ port when an address names none.
	Port = 443
	// MaxBody bounds a request or response body.
	MaxBody = 1 << 20
)

// TakesProtocol reports whether a peer naming proto in X-Admin-Protocol
// can be served by this release: any 2.x, and 3.x, whose LPAs fall back
// to the 2.x exchange when the server's answers carry no rspCapability
// (SGP.22 v3 §3.0.1's version negotiation) — ours never do. It must be
// gsma/rsp/v<major>.<minor>.<patch> in digits.
func TakesProtocol(proto string) bool {
	v, ok := strings.CutPrefix(proto, "gsma/rsp/v")
	if !ok {
		return false
	}
	parts := strings.Split(v, ".")
	if len(parts) != 3 || (parts[0] != "2" && parts[0] != "3") {
		return false
	}
	for _, p := range parts[1:] {
		if p == "" || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

// header.functionExecutionStatus.status values (SGP.22 §6.5.1.4).
const (
	StatusSuccess     = "Executed-Success"
	StatusWithWarning = "Executed-WithWarning"
	StatusFailed      = "Failed"
	StatusExpired     = "Expired"
)

// ES9+ function names (SGP.22 §5.6), the last element of the request path.
const (
	FnInitiateAuthentication = "initiateAuthentication"
	FnAuthenticateClient     = "authenticateClient"
	FnGetBoundProfilePackage = "getBoundProfilePackage"
	FnHandleNotification     = "handleNotification"
	FnCancelSession          = "cancelSession"
)

// Functions lists the ES9+ functions in call order.
var Functions = []string{FnInitiateAuthentication, FnAuthenticateClient, FnGetBoundProfilePackage, FnHandleNotification, FnCancelSession}

// TransactionID is a transactionId (1..16 bytes), hex in JSON.
type TransactionID []byte

// MarshalText writes upper-case hex.
func (t TransactionID) MarshalText() ([]byte, error) {
	return []byte(strings.ToUpper(hex.EncodeToString(t))), nil
}

// UnmarshalText reads hex of 1..16 bytes (either case).
func (t *TransactionID) UnmarshalText(b []byte) error {
	v, err := hex.DecodeString(string(b))
	if err != nil || len(v) == 0 || len(v) > 16 {
		return &FieldError{Field: "transactionId", Err: errors.New("not 1..16 bytes of hex")}
	}
	*t = v
	return nil
}

func (t TransactionID) String() string { b, _ := t.MarshalText(); return string(b) }

// StatusCodeData is header.functionExecutionStatus.statusCodeData.
type StatusCodeData struct {
	SubjectCode       string `json:"subjectCode"`
	ReasonCode        string `json:"reasonCode"`
	SubjectIdentifier string `json:"subjectIdentifier,omitempty"`
	Message           string `json:"message,omitempty"`
}

// FunctionExecutionStatus is header.functionExecutionStatus.
type FunctionExecutionStatus struct {
	Status         string          `json:"status"`
	StatusCodeData *StatusCodeData `json:"statusCodeData,omitempty"`
}

// ResponseHeader is the header every ES9+ response carries.
type ResponseHeader struct {
	FunctionExecutionStatus FunctionExecutionStatus `json:"functionExecutionStatus"`
}

// Succeeded reports an executed function (with or without warning).
func (h ResponseHeader) Succeeded() bool {
	s := h.FunctionExecutionStatus.Status
	return s == StatusSuccess || s == StatusWithWarning
}

// Success is the header of a successful answer.
func Success() ResponseHeader {
	return ResponseHeader{FunctionExecutionStatus{Status: StatusSuccess}}
}

// Failure is the header of a failed function with its subject and reason
// codes (SGP.22 §5.6 per function).
func Failure(subject, reason, message string) ResponseHeader {
	return ResponseHeader{FunctionExecutionStatus{Status: StatusFailed,
		StatusCodeData: &StatusCodeData{SubjectCode: subject, ReasonCode: reason, Message: message}}}
}

// Subject and reason codes of statusCodeData (SGP.22 §5.6 function
// tables; 1.x/2.x are the generic request-format codes of SGP.22 §6.5.2 /
// SGP.02 §5.1.6.4): the emulated SM-DP+ answers with them and the LPA side
// reads them (StatusError.SessionGone), from this one table.
const (
	SubjectFunction      = "1.2"    // the function request itself
	SubjectEUICC         = "8.1"    // eUICC (its signatures)
	SubjectEID           = "8.1.1"  // EID
	SubjectEUMCert       = "8.1.2"  // EUM certificate
	SubjectEUICCCert     = "8.1.3"  // eUICC certificate
	SubjectMatchingID    = "8.2.6"  // matching ID
	SubjectSMDPAddress   = "8.8.1"  // SM-DP+ address
	SubjectSecurityConf  = "8.8.2"  // security configuration (the eUICC's CIs for signing)
	SubjectSMDP          = "8.8"    // SM-DP+
	SubjectSVN           = "8.8.3"  // specification version number
	SubjectNoDPauthCert  = "8.8.4"  // CERT.DPauth for a CI the eUICC verifies with
	SubjectDownloadOrder = "8.8.5"  // download order
	SubjectTransactionID = "8.10.1" // transactionId
	SubjectCIKey         = "8.11.1" // CI public key

	ReasonInvalidFormat      = "2.1"  // format error: invalid
	ReasonMissing            = "2.2"  // mandatory element missing
	ReasonUnsupported        = "3.1"  // unsupported
	ReasonNoCertForCI        = "3.7"  // unavailable server authentication certificate
	ReasonRefused            = "3.8"  // refused / invalid association
	ReasonUnknown            = "3.9"  // unknown
	ReasonInvalidAssociation = "3.10" // invalid association
	ReasonAlreadyUsed        = "3.3"  // already in use
	ReasonExecution          = "4.2"  // execution error
	ReasonInsufficientMemory = "4.8"  // insufficient memory (with 8.1: the eUICC has no room for the profile)
	ReasonTTLExpired         = "4.10" // time to live expired
	ReasonVerifyFailed       = "6.1"  // signature / certificate verification failed
	ReasonCertExpired        = "6.3"  // certificate expired
)

// Err returns nil for a success, else a *StatusError.
func (h ResponseHeader) Err() error {
	if h.Succeeded() {
		return nil
	}
	e := &StatusError{Status: h.FunctionExecutionStatus.Status}
	if d := h.FunctionExecutionStatus.StatusCodeData; d != nil {
		e.Subject, e.Reason, e.Message = d.SubjectCode, d.ReasonCode, d.Message
	}
	return e
}

// StatusError is an answer whose functionExecutionStatus is not a success:
// Failed (or Expired) with its subject and reason codes (SGP.22 §6.5.1.4).
type StatusError struct {
	Status                   string
	Subject, Reason, Message string
}

func (e *StatusError) Error() string {
	s := "status " + orNone(e.Status)
	if e.Status == StatusExpired {
		s += " (the SM-DP+ did not execute the function in time)"
	}
	if e.Subject == "" && e.Reason == "" {
		return s
	}
	s += fmt.Sprintf(" subject %s reason %s", e.Subject, e.Reason)
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// NoRoom reports the SM-DP+'s eligibility refusal of an eUICC without
// room for the profile (SGP.22 §5.6.3 authenticateClient: 8.1/4.8, "eUICC
// does not have sufficient space for this Profile").
func (e *StatusError) NoRoom() bool {
	return e.Subject == SubjectEUICC && e.Reason == ReasonInsufficientMemory
}

// SessionGone reports an SM-DP+ that holds no session for the request's
// transactionId: unknown (8.10.1/3.9, what SGP.22 §5.6 answers for an
// RSP session it does not know), or the session's order expired
// (8.8.5/4.10). A cancelSession for it could only be refused the same
// way, so the LPA sends none.
func (e *StatusError) SessionGone() bool {
	return e.Subject == SubjectTransactionID || e.Subject == SubjectDownloadOrder && e.Reason == ReasonTTLExpired
}

func orNone(s string) string {
	if s == "" {
		return `""`
	}
	return s
}

// FieldError is a body that decodes but lacks a mandatory field or holds a
// value of the wrong form.
type FieldError struct {
	Field   string
	Missing bool
	Err     error
}

func (e *FieldError) Error() string {
	if e.Missing {
		return "missing " + e.Field
	}
	return fmt.Sprintf("%s: %v", e.Field, e.Err)
}

func (e *FieldError) Unwrap() error { return e.Err }

// ErrJSON matches (errors.Is) every error for a body that is not one
// JSON object of the function's members, exactly as §6.5.2 names them.
var ErrJSON = errors.New("es9: malformed JSON body")

// jsonError is a body refused by the exact decoder; it reads as the
// decoder's words (member and path) and is ErrJSON.
type jsonError struct{ err error }

func (e *jsonError) Error() string        { return e.err.Error() }
func (e *jsonError) Unwrap() error        { return e.err }
func (e *jsonError) Is(target error) bool { return target == ErrJSON }

// Message is an ES9+ body; Validate checks its mandatory fields.
type Message interface{ Validate() error }

// Decode reads exactly one JSON object into m and validates it. Member
// names are case-sensitive (§6.5 spells each; a peer that folds case
// would take "TransactionId" for "transactionId" where a strict one
// refuses it), each appears once, nothing follows the object; a value
// of the wrong form is a FieldError for the transactionId, else ErrJSON.
func Decode(b []byte, m Message) error {
	if len(b) > MaxBody {
		return &jsonError{fmt.Errorf("body of %d bytes, more than %d", len(b), MaxBody)}
	}
	if err := exactjson.DecodeExtensible(b, m); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			return fe
		}
		return &jsonError{err}
	}
	return m.Validate()
}

// Encode returns m as JSON.
func Encode(m Message) []byte {
	b, err := json.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("es9: encode %T: %v", m, err)) // only []byte, strings and TransactionID fields
	}
	return b
}

// need returns a FieldError for each mandatory field left empty.
func need(fields ...any) error {
	for i := 0; i+1 < len(fields); i += 2 {
		name := fields[i].(string)
		empty := false
		switch v := fields[i+1].(type) {
		case string:
			empty = v == ""
		case []byte:
			empty = len(v) == 0
		case TransactionID:
			empty = len(v) == 0
		}
		if empty {
			return &FieldError{Field: name, Missing: true}
		}
	}
	return nil
}
