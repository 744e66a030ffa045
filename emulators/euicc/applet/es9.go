package applet

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	rsp "github.com/esimhil/esimhil/internal/proto/es9"
)

// ES9+ function names (SGP.22 §5.6), the last element of the request path.
const (
	FnInitiateAuthentication = rsp.FnInitiateAuthentication
	FnAuthenticateClient     = rsp.FnAuthenticateClient
	FnGetBoundProfilePackage = rsp.FnGetBoundProfilePackage
	FnHandleNotification     = rsp.FnHandleNotification
	FnCancelSession          = rsp.FnCancelSession
)

// maxES9Field bounds one decoded binary field of an ES9+ answer.
const maxES9Field = 48 << 10

// es9Header is the header of every ES9+ answer (SGP.22 §6.5.1.4).
type es9Header struct {
	Header struct {
		FunctionExecutionStatus struct {
			Status         string `json:"status"`
			StatusCodeData *struct {
				SubjectCode string `json:"subjectCode"`
				ReasonCode  string `json:"reasonCode"`
				Message     string `json:"message"`
			} `json:"statusCodeData,omitempty"`
		} `json:"functionExecutionStatus"`
	} `json:"header"`
}

// es9Answer decodes an ES9+ answer into v after checking HTTP and
// functionExecutionStatus; the error says why the call failed.
func es9Answer(fn string, e HTTPResult, v any) error {
	if e.Err != "" {
		return fmt.Errorf("%s: %s", fn, e.Err)
	}
	if e.Status != 200 {
		return fmt.Errorf("%s: http status %d", fn, e.Status)
	}
	var h es9Header
	if err := strictJSON(e.Body, &h); err != nil {
		return fmt.Errorf("%s: %w", fn, err)
	}
	st := h.Header.FunctionExecutionStatus
	if st.Status != "Executed-Success" && st.Status != "Executed-WithWarning" {
		if d := st.StatusCodeData; d != nil {
			return fmt.Errorf("%s: %s subject %s reason %s: %s", fn, orNone(st.Status), d.SubjectCode, d.ReasonCode, d.Message)
		}
		return fmt.Errorf("%s: status %s", fn, orNone(st.Status))
	}
	if v != nil {
		if err := strictJSON(e.Body, v); err != nil {
			return fmt.Errorf("%s: %w", fn, err)
		}
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return `""`
	}
	return s
}

// strictJSON decodes one JSON object with nothing after it.
func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("bad JSON: %w", err)
	}
	if dec.More() {
		return errors.New("trailing data after JSON object")
	}
	return nil
}

// b64 decodes a required base64 field of an ES9+ answer.
func b64(name, s string) ([]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("%s missing", name)
	}
	if base64.StdEncoding.DecodedLen(len(s)) > maxES9Field {
		return nil, fmt.Errorf("%s longer than %d bytes", name, maxES9Field)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%s: bad base64: %w", name, err)
	}
	return b, nil
}

func enc64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// ES9+ bodies (SGP.22 §6.5.2). Binary values are base64 of the DER of the
// ASN.1 element; transactionId is hex.
type initiateAuthReq struct {
	SMDPAddress    string `json:"smdpAddress"`
	EuiccChallenge string `json:"euiccChallenge"`
	EuiccInfo1     string `json:"euiccInfo1"`
}

type initiateAuthResp struct {
	es9Header
	TransactionID       string `json:"transactionId"`
	ServerSigned1       string `json:"serverSigned1"`
	ServerSignature1    string `json:"serverSignature1"`
	EuiccCiPKIdToBeUsed string `json:"euiccCiPKIdToBeUsed"`
	ServerCertificate   string `json:"serverCertificate"`
}

type authClientReq struct {
	TransactionID              string `json:"transactionId"`
	AuthenticateServerResponse string `json:"authenticateServerResponse"`
}

type authClientResp struct {
	es9Header
	TransactionID   string `json:"transactionId"`
	ProfileMetadata string `json:"profileMetadata"`
	SmdpSigned2     string `json:"smdpSigned2"`
	SmdpSignature2  string `json:"smdpSignature2"`
	SmdpCertificate string `json:"smdpCertificate"`
}

type getBPPReq struct {
	TransactionID           string `json:"transactionId"`
	PrepareDownloadResponse string `json:"prepareDownloadResponse"`
}

type getBPPResp struct {
	es9Header
	TransactionID       string `json:"transactionId"`
	BoundProfilePackage string `json:"boundProfilePackage"`
}

type handleNotificationReq struct {
	PendingNotification string `json:"pendingNotification"`
}

type cancelSessionReq struct {
	TransactionID         string `json:"transactionId"`
	CancelSessionResponse string `json:"cancelSessionResponse"`
}
