package smdp

import (
	"fmt"
	"github.com/esimhil/esimhil/internal/textcut"
	"net/http"
	"regexp"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/exactjson"
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/proto/es9"
)

// ES2+ (SGP.22 §5.3, JSON binding §6.5.2): the operator's (here: a
// third-party platform's) order interface, DownloadOrder then
// ConfirmOrder with releaseFlag, served beside ES9+ on the SM-DP+'s HTTPS
// so that a platform written from docs/platform-api.md can order what its
// cards then download. It does what Server.Order does in one Go call.
// Not emulated: an order without an EID at either step, a chosen ICCID,
// a confirmation code, an SM-DS, and releaseFlag false (no ReleaseProfile).
// Like the rest of the emulator it authenticates no caller (a real ES2+
// is mutually authenticated TLS).

// ES2PathPrefix is where the ES2+ functions are served.
const ES2PathPrefix = "/gsma/rsp2/es2plus/"

// ES2+ function names (the last path element).
const (
	FnDownloadOrder = "downloadOrder"
	FnConfirmOrder  = "confirmOrder"
)

// subjICCID is SGP.22's subject code for the Profile ICCID (§5.3.1).
const subjICCID = "8.2.1"

// ES2RequestHeader is the header of every ES2+ request (§6.5.1.3).
type ES2RequestHeader struct {
	FunctionRequesterIdentifier string `json:"functionRequesterIdentifier"`
	FunctionCallIdentifier      string `json:"functionCallIdentifier"`
}

// DownloadOrderRequest is ES2+ DownloadOrder's input (§5.3.1).
type DownloadOrderRequest struct {
	Header      ES2RequestHeader `json:"header"`
	EID         string           `json:"eid,omitempty"`
	ICCID       string           `json:"iccid,omitempty"`
	ProfileType string           `json:"profileType,omitempty"`
}

// DownloadOrderResponse is its output: the ICCID of the profile reserved.
type DownloadOrderResponse struct {
	Header es9.ResponseHeader `json:"header"`
	ICCID  string             `json:"iccid,omitempty"`
}

// Validate is es9.Message's; the server writes only valid answers.
func (DownloadOrderResponse) Validate() error { return nil }

// ConfirmOrderRequest is ES2+ ConfirmOrder's input (§5.3.2).
type ConfirmOrderRequest struct {
	Header           ES2RequestHeader `json:"header"`
	ICCID            string           `json:"iccid"`
	EID              string           `json:"eid,omitempty"`
	MatchingID       string           `json:"matchingId,omitempty"`
	ConfirmationCode string           `json:"confirmationCode,omitempty"`
	SMDSAddress      string           `json:"smdsAddress,omitempty"`
	// ReleaseFlag is mandatory: absent and false are not the same answer.
	ReleaseFlag *bool `json:"releaseFlag"`
}

// ConfirmOrderResponse is its output: what the activation code carries
// (LPA:1$<smdpAddress>$<matchingId>).
type ConfirmOrderResponse struct {
	Header      es9.ResponseHeader `json:"header"`
	EID         string             `json:"eid,omitempty"`
	MatchingID  string             `json:"matchingId,omitempty"`
	SMDPAddress string             `json:"smdpAddress,omitempty"`
}

// Validate is es9.Message's.
func (ConfirmOrderResponse) Validate() error { return nil }

func (s *Server) es2Handlers() map[string]handler {
	return map[string]handler{
		FnDownloadOrder: s.downloadOrder,
		FnConfirmOrder:  s.confirmOrder,
	}
}

// decodeES2 reads an ES2+ request exactly (member names as §6.5.2 spells
// them, each once, of its JSON type), its header required.
func decodeES2(body []byte, v any, h *ES2RequestHeader) error {
	if err := exactjson.Decode(body, v); err != nil {
		return fail(es9.SubjectFunction, es9.ReasonInvalidFormat, "%v", err)
	}
	if h.FunctionRequesterIdentifier == "" || h.FunctionCallIdentifier == "" {
		return fail(es9.SubjectFunction, es9.ReasonMissing, "header: functionRequesterIdentifier and functionCallIdentifier are required")
	}
	return nil
}

// downloadOrder reserves the next profile, for eid if given.
func (s *Server) downloadOrder(_ http.ResponseWriter, body []byte) (es9.Message, error) {
	var req DownloadOrderRequest
	if err := decodeES2(body, &req, &req.Header); err != nil {
		return nil, err
	}
	switch {
	case req.EID != "" && !ident.IsEID(req.EID):
		return nil, fail(es9.SubjectEID, es9.ReasonInvalidFormat, "eid %q is not an EID (32 digits, MOD 97-10)", textcut.Cut(req.EID, maxQuoted))
	case req.ICCID != "" && !ident.IsICCID(req.ICCID):
		return nil, fail(subjICCID, es9.ReasonInvalidFormat, "iccid %s", ident.ExplainICCID(req.ICCID))
	case req.ICCID != "":
		return nil, fail(subjICCID, es9.ReasonUnsupported, "iccid: this SM-DP+ picks the profile; give profileType or nothing")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.roomLocked(); err != nil {
		return nil, fail(es9.SubjectDownloadOrder, es9.ReasonExecution, "%v", err)
	}
	o := s.newOrderLocked(req.EID)
	s.allocated[o.profile.ICCID] = o
	return DownloadOrderResponse{Header: es9.Success(), ICCID: o.profile.ICCID}, nil
}

// confirmOrder releases a reserved profile for download under a matching
// ID, the one given or one of the SM-DP+'s.
func (s *Server) confirmOrder(_ http.ResponseWriter, body []byte) (es9.Message, error) {
	var req ConfirmOrderRequest
	if err := decodeES2(body, &req, &req.Header); err != nil {
		return nil, err
	}
	switch {
	case req.ICCID == "":
		return nil, fail(subjICCID, es9.ReasonMissing, "iccid is required")
	case !ident.IsICCID(req.ICCID):
		// Malformed is not unknown: no order could ever have it.
		return nil, fail(subjICCID, es9.ReasonInvalidFormat, "iccid %s", ident.ExplainICCID(req.ICCID))
	case req.EID != "" && !ident.IsEID(req.EID):
		return nil, fail(es9.SubjectEID, es9.ReasonInvalidFormat, "eid %q is not an EID (32 digits, MOD 97-10)", textcut.Cut(req.EID, maxQuoted))
	case req.ReleaseFlag == nil:
		return nil, fail(es9.SubjectFunction, es9.ReasonMissing, "releaseFlag is required")
	case !*req.ReleaseFlag:
		return nil, fail(es9.SubjectFunction, es9.ReasonUnsupported, "releaseFlag false: ReleaseProfile is not emulated; confirm with releaseFlag true")
	case req.MatchingID != "" && !matchingIDForm.MatchString(req.MatchingID):
		return nil, fail(es9.SubjectMatchingID, es9.ReasonInvalidFormat, "matchingId %q: an activation code carries only 0-9, A-Z and '-' (SGP.22 §4.1)", textcut.Cut(req.MatchingID, maxQuoted))
	case req.ConfirmationCode != "":
		return nil, fail(es9.SubjectFunction, es9.ReasonUnsupported, "confirmationCode: not emulated")
	case req.SMDSAddress != "":
		return nil, fail(es9.SubjectFunction, es9.ReasonUnsupported, "smdsAddress: no SM-DS is emulated")
	}
	s.mu.Lock()
	o := s.allocated[req.ICCID]
	switch {
	case o == nil && s.released[req.ICCID] != nil:
		// Confirmed already (outside tester t71 F12: "no profile reserved"
		// of one that was): the profile is in use by its order, whatever
		// its state now — SGP.22 §5.3.2 releases a profile once. 3.3 as
		// the matching ID of an order past "released" is answered (ES9+).
		r := s.released[req.ICCID]
		s.mu.Unlock()
		return nil, fail(subjICCID, es9.ReasonAlreadyUsed, "iccid %s: already confirmed, under matchingId %s (order %s): confirmOrder releases a reserved profile once", req.ICCID, r.matchingID, r.state)
	case o == nil:
		s.mu.Unlock()
		return nil, fail(subjICCID, es9.ReasonUnknown, "iccid %s: no profile reserved by downloadOrder", req.ICCID)
	case o.eid != "" && req.EID != "" && o.eid != req.EID:
		s.mu.Unlock()
		return nil, fail(es9.SubjectEID, es9.ReasonRefused, "eid %s: the order was for %s", req.EID, o.eid)
	case o.eid == "" && req.EID == "":
		s.mu.Unlock()
		return nil, fail(es9.SubjectEID, es9.ReasonMissing, "eid: given at neither downloadOrder nor confirmOrder (orders without an EID are not emulated)")
	case req.MatchingID != "" && s.orders[req.MatchingID] != nil:
		s.mu.Unlock()
		return nil, fail(es9.SubjectMatchingID, es9.ReasonAlreadyUsed, "matchingId %s is another order's", req.MatchingID)
	}
	if o.eid == "" {
		o.eid = req.EID
	}
	if req.MatchingID != "" {
		o.matchingID = req.MatchingID
	} else {
		o.matchingID = orderMatchingID(o.eid, o.seq)
	}
	delete(s.allocated, req.ICCID)
	s.setState(o, "released")
	s.orders[o.matchingID] = o
	s.released[o.profile.ICCID] = o
	s.mu.Unlock()
	s.emit(KindOrder, eventlog.F{"operator": s.cfg.Operator, "matching_id": o.matchingID})
	return ConfirmOrderResponse{Header: es9.Success(), EID: o.eid, MatchingID: o.matchingID, SMDPAddress: s.cfg.Host}, nil
}

// matchingIDForm is what a Matching ID may hold: the activation code
// separates its fields with '$', and SGP.22 §4.1 allows upper-case
// letters, digits and '-'.
var matchingIDForm = regexp.MustCompile(`^[0-9A-Z-]+$`)

// orderMatchingID is the SM-DP+'s own matching ID for an order: deterministic,
// so the event log does not depend on randomness.
func orderMatchingID(eid string, seq int) string {
	return fmt.Sprintf("MID-%s-%04d", eid[len(eid)-6:], seq)
}
