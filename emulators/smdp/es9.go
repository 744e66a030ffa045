package smdp

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/rsp"
)

// ES9+ wire constants (SGP.22 §6.1, §6.5), from the shared rsp package.
const (
	PathPrefix      = rsp.ES9PathPrefix
	AdminProtocol   = rsp.AdminProtocol
	ContentType     = rsp.ES9ContentType
	MaxBody         = 1 << 20 // larger request bodies are refused
	StatusSuccess   = rsp.StatusSuccess
	StatusFailed    = rsp.StatusFailed
	headerAdminProt = rsp.AdminProtocolHeader
)

// ES9+ function names.
const (
	FnInitiateAuthentication = rsp.FnInitiateAuthentication
	FnAuthenticateClient     = rsp.FnAuthenticateClient
	FnGetBoundProfilePackage = rsp.FnGetBoundProfilePackage
	FnHandleNotification     = rsp.FnHandleNotification
	FnCancelSession          = rsp.FnCancelSession
)

// StatusCodeData is header.functionExecutionStatus.statusCodeData.
type StatusCodeData struct {
	SubjectCode string `json:"subjectCode"`
	ReasonCode  string `json:"reasonCode"`
	Message     string `json:"message,omitempty"`
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

// es9Error is a function failure with its SGP.22 subject and reason codes
// (SGP.22 §5.6 per function; generic format errors as in §6.5).
type es9Error struct {
	subject, reason, msg string
	http                 int // 0 = 200
}

func (e *es9Error) Error() string { return fmt.Sprintf("%s/%s: %s", e.subject, e.reason, e.msg) }

func fail(subject, reason, format string, a ...any) *es9Error {
	return &es9Error{subject: subject, reason: reason, msg: fmt.Sprintf(format, a...)}
}

// Subject and reason codes used here (SGP.22 §5.6 function tables; 1.x/2.x
// are the generic request-format codes of SGP.22 §6.5.2 / SGP.02 §5.1.6.4).
const (
	subjFunction      = "1.2"    // the function request itself
	subjEUICC         = "8.1"    // eUICC (its signatures)
	subjEID           = "8.1.1"  // EID
	subjEUICCCert     = "8.1.3"  // eUICC certificate
	subjMatchingID    = "8.2.6"  // matching ID
	subjSMDPAddress   = "8.8.1"  // SM-DP+ address
	subjSecurityConf  = "8.8.2"  // security configuration (CI keys)
	subjDownloadOrder = "8.8.5"  // download order
	subjTransactionID = "8.10.1" // transactionId
	subjCIKey         = "8.11.1" // CI public key

	reasonInvalidFormat = "2.1" // format error: invalid
	reasonMissing       = "2.2" // mandatory element missing
	reasonUnsupported   = "3.1" // unsupported
	reasonRefused       = "3.8" // refused / invalid association
	reasonUnknown       = "3.9" // unknown
	reasonAlreadyUsed   = "3.3" // already in use
	reasonExecution     = "4.2" // execution error
	reasonTTLExpired    = "4.10"
	reasonVerifyFailed  = "6.1" // signature / certificate verification failed
	reasonCertExpired   = "6.3"
)

var errNoContent = errors.New("no content") // handleNotification answers 204

// serveHTTP routes /gsma/rsp2/es9plus/<function> and wraps every answer in
// the ES9+ envelope; nothing a client sends can panic it.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	fn := strings.TrimPrefix(r.URL.Path, PathPrefix)
	proto := r.Header.Get(headerAdminProt)
	if proto != "" {
		w.Header().Set(headerAdminProt, proto)
	} else {
		w.Header().Set(headerAdminProt, AdminProtocol)
	}
	h, known := s.handlers()[fn]
	switch {
	case !strings.HasPrefix(r.URL.Path, PathPrefix) || !known:
		s.writeErr(w, fn, &es9Error{subject: subjFunction, reason: reasonUnknown, msg: "unknown function " + r.URL.Path, http: http.StatusNotFound})
		return
	case r.Method != http.MethodPost:
		w.Header().Set("Allow", http.MethodPost)
		s.writeErr(w, fn, &es9Error{subject: subjFunction, reason: reasonUnsupported, msg: "method " + r.Method, http: http.StatusMethodNotAllowed})
		return
	case proto == "":
		s.writeErr(w, fn, &es9Error{subject: subjFunction, reason: reasonMissing, msg: "missing X-Admin-Protocol header", http: http.StatusBadRequest})
		return
	case !strings.HasPrefix(proto, "gsma/rsp/v2."):
		s.writeErr(w, fn, &es9Error{subject: subjFunction, reason: reasonUnsupported, msg: "unsupported X-Admin-Protocol " + proto, http: http.StatusBadRequest})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		s.writeErr(w, fn, fail(subjFunction, reasonInvalidFormat, "reading body: %v", err))
		return
	}
	if len(body) > MaxBody {
		s.writeErr(w, fn, fail(subjFunction, reasonInvalidFormat, "body larger than %d bytes", MaxBody))
		return
	}
	out, err := h(w, body)
	var e *es9Error
	switch {
	case errors.Is(err, errHijacked):
		return
	case errors.Is(err, errNoContent):
		w.WriteHeader(http.StatusNoContent)
		return
	case errors.As(err, &e):
		s.writeErr(w, fn, e)
		return
	case err != nil:
		s.writeErr(w, fn, fail(subjFunction, reasonExecution, "%v", err))
		return
	}
	s.writeJSON(w, http.StatusOK, out)
}

type handler func(w http.ResponseWriter, body []byte) (map[string]any, error)

func (s *Server) handlers() map[string]handler {
	return map[string]handler{
		FnInitiateAuthentication: s.initiateAuthentication,
		FnAuthenticateClient:     s.authenticateClient,
		FnGetBoundProfilePackage: s.getBoundProfilePackage,
		FnHandleNotification:     s.handleNotification,
		FnCancelSession:          s.cancelSession,
	}
}

func (s *Server) writeErr(w http.ResponseWriter, fn string, e *es9Error) {
	s.emit(KindES9Error, eventlog.F{"function": fn, "subject": e.subject, "reason": e.reason, "message": e.msg})
	code := e.http
	if code == 0 {
		code = http.StatusOK // SGP.22 §6.5: function errors travel in a 200 answer
	}
	s.writeJSON(w, code, map[string]any{"header": ResponseHeader{FunctionExecutionStatus{
		Status: StatusFailed, StatusCodeData: &StatusCodeData{SubjectCode: e.subject, ReasonCode: e.reason, Message: e.msg},
	}}})
}

func (s *Server) writeJSON(w http.ResponseWriter, code int, body map[string]any) {
	if _, ok := body["header"]; !ok {
		body["header"] = ResponseHeader{FunctionExecutionStatus{Status: StatusSuccess}}
	}
	b, err := json.Marshal(body)
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"header":{"functionExecutionStatus":{"status":"Failed"}}}`)
	}
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

// decodeJSON reads one JSON object into v; trailing data is an error.
func decodeJSON(body []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(body))
	if err := d.Decode(v); err != nil {
		return fail(subjFunction, reasonInvalidFormat, "malformed JSON: %v", err)
	}
	if d.More() {
		return fail(subjFunction, reasonInvalidFormat, "malformed JSON: trailing data")
	}
	return nil
}

// b64 decodes a mandatory base64 field (standard alphabet, padded).
func b64(name, v string) ([]byte, error) {
	if v == "" {
		return nil, fail(subjFunction, reasonMissing, "missing %s", name)
	}
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return nil, fail(subjFunction, reasonInvalidFormat, "%s: bad base64", name)
	}
	return b, nil
}

// txid decodes a mandatory hex transactionId (1..16 bytes).
func txid(v string) ([]byte, error) {
	if v == "" {
		return nil, fail(subjFunction, reasonMissing, "missing transactionId")
	}
	b, err := hex.DecodeString(v)
	if err != nil || len(b) == 0 || len(b) > 16 {
		return nil, fail(subjTransactionID, reasonInvalidFormat, "transactionId is not 1..16 bytes of hex")
	}
	return b, nil
}

func enc(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func hexID(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }
