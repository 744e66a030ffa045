package es9

// The request and response body of each ES9+ function (SGP.22 §6.5.2).
// A response carries its header; on a failure only the header is present,
// so a response's Validate asks for the other fields only on success.

import "fmt"

// InitiateAuthenticationRequest (§6.5.2.6). LpaRspCapability is the
// member a release 3 LPA adds (v3 §6.5.2.6): taken, so such an LPA is
// answered, and not acted on — a 2.2 server's answer has no
// rspCapability, which tells the LPA to speak 2.x.
type InitiateAuthenticationRequest struct {
	SMDPAddress      string `json:"smdpAddress"`
	EuiccChallenge   []byte `json:"euiccChallenge"`
	EuiccInfo1       []byte `json:"euiccInfo1"`
	LpaRspCapability []byte `json:"lpaRspCapability,omitempty"`
}

// Validate checks the mandatory fields and the challenge length.
func (r InitiateAuthenticationRequest) Validate() error {
	if err := need("smdpAddress", r.SMDPAddress, "euiccChallenge", r.EuiccChallenge, "euiccInfo1", r.EuiccInfo1); err != nil {
		return err
	}
	if len(r.EuiccChallenge) != 16 {
		return &FieldError{Field: "euiccChallenge", Err: fmt.Errorf("%d bytes, want 16", len(r.EuiccChallenge))}
	}
	return nil
}

// InitiateAuthenticationResponse (§6.5.2.6).
type InitiateAuthenticationResponse struct {
	Header              ResponseHeader `json:"header"`
	TransactionID       TransactionID  `json:"transactionId,omitempty"`
	ServerSigned1       []byte         `json:"serverSigned1,omitempty"`
	ServerSignature1    []byte         `json:"serverSignature1,omitempty"`
	EuiccCiPKIdToBeUsed []byte         `json:"euiccCiPKIdToBeUsed,omitempty"`
	ServerCertificate   []byte         `json:"serverCertificate,omitempty"`
}

// Validate checks the fields of a successful answer.
func (r InitiateAuthenticationResponse) Validate() error {
	if err := validHeader(r.Header); err != nil || !r.Header.Succeeded() {
		return err
	}
	return need("transactionId", r.TransactionID, "serverSigned1", r.ServerSigned1, "serverSignature1", r.ServerSignature1,
		"euiccCiPKIdToBeUsed", r.EuiccCiPKIdToBeUsed, "serverCertificate", r.ServerCertificate)
}

// AuthenticateClientRequest (§6.5.2.7).
type AuthenticateClientRequest struct {
	TransactionID              TransactionID `json:"transactionId"`
	AuthenticateServerResponse []byte        `json:"authenticateServerResponse"`
}

// Validate checks the mandatory fields.
func (r AuthenticateClientRequest) Validate() error {
	return need("transactionId", r.TransactionID, "authenticateServerResponse", r.AuthenticateServerResponse)
}

// AuthenticateClientResponse (§6.5.2.7).
type AuthenticateClientResponse struct {
	Header          ResponseHeader `json:"header"`
	TransactionID   TransactionID  `json:"transactionId,omitempty"`
	ProfileMetadata []byte         `json:"profileMetadata,omitempty"`
	SmdpSigned2     []byte         `json:"smdpSigned2,omitempty"`
	SmdpSignature2  []byte         `json:"smdpSignature2,omitempty"`
	SmdpCertificate []byte         `json:"smdpCertificate,omitempty"`
}

// Validate checks the fields of a successful answer.
func (r AuthenticateClientResponse) Validate() error {
	if err := validHeader(r.Header); err != nil || !r.Header.Succeeded() {
		return err
	}
	return need("transactionId", r.TransactionID, "profileMetadata", r.ProfileMetadata, "smdpSigned2", r.SmdpSigned2,
		"smdpSignature2", r.SmdpSignature2, "smdpCertificate", r.SmdpCertificate)
}

// GetBoundProfilePackageRequest (§6.5.2.8).
type GetBoundProfilePackageRequest struct {
	TransactionID           TransactionID `json:"transactionId"`
	PrepareDownloadResponse []byte        `json:"prepareDownloadResponse"`
}

// Validate checks the mandatory fields.
func (r GetBoundProfilePackageRequest) Validate() error {
	return need("transactionId", r.TransactionID, "prepareDownloadResponse", r.PrepareDownloadResponse)
}

// GetBoundProfilePackageResponse (§6.5.2.8).
type GetBoundProfilePackageResponse struct {
	Header              ResponseHeader `json:"header"`
	TransactionID       TransactionID  `json:"transactionId,omitempty"`
	BoundProfilePackage []byte         `json:"boundProfilePackage,omitempty"`
}

// Validate checks the fields of a successful answer.
func (r GetBoundProfilePackageResponse) Validate() error {
	if err := validHeader(r.Header); err != nil || !r.Header.Succeeded() {
		return err
	}
	return need("transactionId", r.TransactionID, "boundProfilePackage", r.BoundProfilePackage)
}

// HandleNotificationRequest (§6.5.2.9); the answer is HTTP 204 with no body.
type HandleNotificationRequest struct {
	PendingNotification []byte `json:"pendingNotification"`
}

// Validate checks the mandatory field.
func (r HandleNotificationRequest) Validate() error {
	return need("pendingNotification", r.PendingNotification)
}

// CancelSessionRequest (§6.5.2.10).
type CancelSessionRequest struct {
	TransactionID         TransactionID `json:"transactionId"`
	CancelSessionResponse []byte        `json:"cancelSessionResponse"`
}

// Validate checks the mandatory fields.
func (r CancelSessionRequest) Validate() error {
	return need("transactionId", r.TransactionID, "cancelSessionResponse", r.CancelSessionResponse)
}

// HeaderOnly is an answer with nothing but the header: cancelSession's,
// and every failed function's.
type HeaderOnly struct {
	Header ResponseHeader `json:"header"`
}

// Validate checks the header.
func (r HeaderOnly) Validate() error { return validHeader(r.Header) }

func validHeader(h ResponseHeader) error {
	st := h.FunctionExecutionStatus
	switch st.Status {
	case StatusSuccess, StatusWithWarning:
		return nil
	case StatusExpired:
		// The function was not executed in time: it owes no codes
		// (SGP.22 §6.5.1.4 asks them of a failure), and is read as
		// expired, not as a Failed answer missing them (outside tester
		// t180 F9).
		return nil
	case StatusFailed:
		if st.StatusCodeData == nil || st.StatusCodeData.SubjectCode == "" || st.StatusCodeData.ReasonCode == "" {
			return &FieldError{Field: "header.functionExecutionStatus.statusCodeData", Missing: true}
		}
		return nil
	case "":
		return &FieldError{Field: "header.functionExecutionStatus.status", Missing: true}
	}
	return &FieldError{Field: "header.functionExecutionStatus.status", Err: fmt.Errorf("unknown %q", st.Status)}
}

// NewRequest returns an empty request body of function fn, nil for an
// unknown function.
func NewRequest(fn string) Message {
	switch fn {
	case FnInitiateAuthentication:
		return &InitiateAuthenticationRequest{}
	case FnAuthenticateClient:
		return &AuthenticateClientRequest{}
	case FnGetBoundProfilePackage:
		return &GetBoundProfilePackageRequest{}
	case FnHandleNotification:
		return &HandleNotificationRequest{}
	case FnCancelSession:
		return &CancelSessionRequest{}
	}
	return nil
}

// NewResponse returns an empty response body of function fn (nil for
// handleNotification, which answers without a body, and for an unknown
// function).
func NewResponse(fn string) Message {
	switch fn {
	case FnInitiateAuthentication:
		return &InitiateAuthenticationResponse{}
	case FnAuthenticateClient:
		return &AuthenticateClientResponse{}
	case FnGetBoundProfilePackage:
		return &GetBoundProfilePackageResponse{}
	case FnCancelSession:
		return &HeaderOnly{}
	}
	return nil
}
