package wire

import (
	"errors"
	"fmt"

	"github.com/esimhil/esimhil/internal/ident"
)

// Notification kinds accepted by POST /v1/notifications.
const (
	KindAttachSuccess   = "attach-success"
	KindDownloadSuccess = "download-success"
	KindAttachFailure   = "attach-failure"
	KindListExhausted   = "list-exhausted"
)

// Validate checks the fields of a preferred-list request.
func (r ListRequest) Validate() error {
	if !validEID(r.EID) {
		return fmt.Errorf("eid: want 32 decimal digits, got %q", r.EID)
	}
	if !validICCID(r.ICCID) {
		return fmt.Errorf("iccid: want 18 to 20 digits, got %q", r.ICCID)
	}
	if !validPLMN(r.HomePLMN) {
		return fmt.Errorf("home_plmn: want 5 or 6 digits (MCC+MNC), got %q", r.HomePLMN)
	}
	if !validPLMN(r.ServingPLMN) {
		return fmt.Errorf("serving_plmn: want 5 or 6 digits (MCC+MNC), got %q", r.ServingPLMN)
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
		if !validPLMN(s.PLMN) {
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
	if !validEID(n.EID) {
		return fmt.Errorf("eid: want 32 decimal digits, got %q", n.EID)
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
		if !validPLMN(n.PLMN) {
			return fmt.Errorf("plmn: want 5 or 6 digits (MCC+MNC), got %q", n.PLMN)
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
	if n.ICCID != "" && !validICCID(n.ICCID) {
		return fmt.Errorf("iccid: want 18 to 20 digits, got %q", n.ICCID)
	}
	if n.Cause != nil && (*n.Cause < 0 || *n.Cause > 255) {
		return fmt.Errorf("cause: %d outside 0..255", *n.Cause)
	}
	return nil
}

func validEID(s string) bool   { return ident.IsEID(s) }
func validICCID(s string) bool { return ident.IsICCID(s) }
func validPLMN(s string) bool  { return ident.IsPLMN(s) }

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
	if !validEID(r.EID) {
		return fmt.Errorf("eid: want 32 decimal digits, got %q", r.EID)
	}
	if r.Operator == "" {
		return errors.New("operator: required")
	}
	if !validPLMN(r.ServingPLMN) {
		return fmt.Errorf("serving_plmn: want 5 or 6 digits (MCC+MNC), got %q", r.ServingPLMN)
	}
	return nil
}
