package platformapi

import (
	"errors"
	"fmt"

	"github.com/esimhil/esimhil/internal/exactjson"
	"github.com/esimhil/esimhil/internal/ident"
)

// Notification kinds accepted by POST /v1/notifications.
const (
	KindAttachSuccess   = "attach-success"
	KindDownloadSuccess = "download-success"
	KindAttachFailure   = "attach-failure"
	KindListExhausted   = "list-exhausted"
)

// Validate checks the fields of a preferred-list request. A body's
// signal entry without rsrp is refused by its decoder (the member is
// required), never read as 0 dBm.
func (r ListRequest) Validate() error {
	if err := checkEID(r.EID); err != nil {
		return err
	}
	if err := checkICCID(r.ICCID); err != nil {
		return err
	}
	if err := checkPLMN("home_plmn", r.HomePLMN, ""); err != nil {
		return err
	}
	if err := checkPLMN("serving_plmn", r.ServingPLMN, ""); err != nil {
		return err
	}
	// TAC is 16 bits in E-UTRAN, 24 bits in NR (TS 23.003 §19.4.2.3).
	if r.TAC != "" && (!isHex(r.TAC) || (len(r.TAC) != 4 && len(r.TAC) != 6)) {
		return fmt.Errorf("tac: want 4 or 6 hex digits, got %q", r.TAC)
	}
	// E-UTRAN cell identity is 28 bits, NR cell identity 36 bits.
	if r.CellID != "" && (!isHex(r.CellID) || len(r.CellID) > 9) {
		return fmt.Errorf("cell_id: want 1 to 9 hex digits, got %q", r.CellID)
	}
	seen := map[string]bool{}
	for i, s := range r.Signal {
		switch {
		case s.PLMN == "":
			return fmt.Errorf("signal[%d].plmn: required", i)
		case !validPLMN(s.PLMN):
			return fmt.Errorf("signal[%d].plmn: want 5 or 6 digits, got %q", i, s.PLMN)
		}
		// RSRP reporting range of TS 36.133 §9.1.4 (extended): -156..-31 dBm.
		if s.RSRP < -156 || s.RSRP > -31 {
			return fmt.Errorf("signal[%d].rsrp: %d dBm outside -156..-31", i, s.RSRP)
		}
		if seen[s.PLMN] {
			return fmt.Errorf("signal[%d].plmn: %s reported twice", i, s.PLMN)
		}
		seen[s.PLMN] = true
	}
	return nil
}

// Validate checks the fields of a notification.
func (n Notification) Validate() error {
	if err := checkEID(n.EID); err != nil {
		return err
	}
	switch n.Kind {
	case KindDownloadSuccess:
		// The card reports what it installed; the PLMN is optional here.
		if n.Operator == "" {
			return fmt.Errorf("operator: required for kind %s", n.Kind)
		}
		if n.ICCID == "" {
			return fmt.Errorf("iccid: required for kind %s", n.Kind)
		}
		if n.PLMN != "" && !validPLMN(n.PLMN) {
			return fmt.Errorf("plmn: want 5 or 6 digits (MCC+MNC), got %q", n.PLMN)
		}
	case KindAttachSuccess, KindAttachFailure:
		if n.Operator == "" {
			return fmt.Errorf("operator: required for kind %s", n.Kind)
		}
		if err := checkPLMN("plmn", n.PLMN, " for kind "+n.Kind); err != nil {
			return err
		}
	case KindListExhausted:
		if n.PLMN != "" && !validPLMN(n.PLMN) {
			return fmt.Errorf("plmn: want 5 or 6 digits (MCC+MNC), got %q", n.PLMN)
		}
	case "":
		return errors.New("kind: required")
	default:
		return fmt.Errorf("kind: unknown %q (want attach-success, download-success, attach-failure or list-exhausted)", n.Kind)
	}
	if n.ICCID != "" {
		if err := checkICCID(n.ICCID); err != nil {
			return err
		}
	}
	if n.Cause != nil && (*n.Cause < 0 || *n.Cause > 255) {
		return fmt.Errorf("cause: %d outside 0..255", *n.Cause)
	}
	return nil
}

// checkEID refuses a malformed eid in the API's words, and one whose MOD
// 97-10 check digits are wrong with the right ones (ident.ExplainEID).
func checkEID(s string) error {
	switch {
	case ident.IsEID(s):
		return nil
	case s == "":
		return errors.New("eid: required") // absent, or given empty
	case !ident.Digits(s, 32, 32):
		return fmt.Errorf("eid: want 32 decimal digits, got %q", s)
	}
	return fmt.Errorf("eid: %s", ident.ExplainEID(s))
}

// checkICCID refuses a malformed iccid in the API's words, and one whose
// Luhn check digit is wrong with the right one (ident.ExplainICCID).
func checkICCID(s string) error {
	switch {
	case ident.IsICCID(s):
		return nil
	case s == "":
		return errors.New("iccid: required")
	case !ident.Digits(s, 18, 20):
		return fmt.Errorf("iccid: want 18 to 20 digits, got %q", s)
	}
	return fmt.Errorf("iccid: %s", ident.ExplainICCID(s))
}

func validPLMN(s string) bool { return ident.IsPLMN(s) }

// checkPLMN refuses a required PLMN member that is absent or empty as
// required (why: the kind that needs it), and a malformed one with what
// it holds.
func checkPLMN(member, s, why string) error {
	switch {
	case s == "":
		return fmt.Errorf("%s: required%s", member, why)
	case !validPLMN(s):
		return fmt.Errorf("%s: want 5 or 6 digits (MCC+MNC), got %q", member, s)
	}
	return nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return s != ""
}

// Validate checks the fields of a download request.
func (r DownloadRequest) Validate() error {
	if err := checkEID(r.EID); err != nil {
		return err
	}
	if r.Operator == "" {
		return errors.New("operator: required")
	}
	if err := checkPLMN("serving_plmn", r.ServingPLMN, ""); err != nil {
		return err
	}
	return nil
}

// DecodeListRequest parses and validates a preferred-list request body.
func DecodeListRequest(b []byte) (ListRequest, error) {
	var r ListRequest
	if err := exactjson.Decode(b, &r); err != nil {
		return r, err
	}
	return r, r.Validate()
}

// DecodeNotification parses and validates a notification body.
func DecodeNotification(b []byte) (Notification, error) {
	var n Notification
	if err := exactjson.Decode(b, &n); err != nil {
		return n, err
	}
	return n, n.Validate()
}

// DecodeListResponse parses a preferred-list answer. An answer without
// operators (or with null) is no list, where "operators": [] is an empty
// one.
func DecodeListResponse(b []byte) (ListResponse, error) {
	var r ListResponse
	if err := exactjson.Decode(b, &r); err != nil {
		return r, err
	}
	switch r.OrderBy {
	case OrderTariff, OrderSignal:
	default:
		return r, fmt.Errorf("order_by %q, want %s or %s", r.OrderBy, OrderTariff, OrderSignal)
	}
	if len(r.Operators) > MaxListOperators {
		return r, fmt.Errorf("%d operators, at most %d", len(r.Operators), MaxListOperators)
	}
	for i, o := range r.Operators {
		if o.ID == "" {
			return r, fmt.Errorf("operators[%d]: missing id", i)
		}
		if !validPLMN(o.PLMN) {
			return r, fmt.Errorf("operators[%d]: plmn %q is not 5 or 6 digits", i, o.PLMN)
		}
	}
	return r, nil
}

// DecodeNotificationAck parses a notification answer; one without ack
// is named as such, not taken for "ack": false.
func DecodeNotificationAck(b []byte) (NotificationAck, error) {
	var a NotificationAck
	return a, exactjson.Decode(b, &a)
}

// DecodeErrorResponse parses the body of a 4xx answer.
func DecodeErrorResponse(b []byte) (ErrorResponse, error) {
	var e ErrorResponse
	return e, exactjson.Decode(b, &e)
}

// DecodeDownloadRequest parses and validates a download request body.
func DecodeDownloadRequest(b []byte) (DownloadRequest, error) {
	var r DownloadRequest
	if err := exactjson.Decode(b, &r); err != nil {
		return r, err
	}
	return r, r.Validate()
}

// DecodeDownloadResponse parses and checks a download answer.
func DecodeDownloadResponse(b []byte) (DownloadResponse, error) {
	var r DownloadResponse
	if err := exactjson.Decode(b, &r); err != nil {
		return r, err
	}
	if r.Operator == "" || r.SMDPAddress == "" || r.MatchingID == "" {
		return r, errors.New("operator, smdp_address and matching_id are required")
	}
	if want := ActivationCode(r.SMDPAddress, r.MatchingID); r.ActivationCode != want {
		return r, fmt.Errorf("activation_code %q, want %q", r.ActivationCode, want)
	}
	return r, nil
}

// ActivationCode builds the SGP.22 §4.1 activation code (format 1, no
// SM-DP+ OID, no confirmation code).
func ActivationCode(smdpAddress, matchingID string) string {
	return "LPA:1$" + smdpAddress + "$" + matchingID
}
