package es10

// CancelSession (SGP.22 §5.7.14): BF41 {80 transactionId, 81 reason} →
// BF41 {A0 {30 euiccCancelSessionSigned {80 transactionId, 06 smdpOid,
// 81 reason}, 5F37 signature} | 81 error}.

import (
	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// CancelSessionReason values (SGP.22 §5.7.14).
const (
	CancelEndUserRejection  = 0
	CancelPostponed         = 1
	CancelTimeout           = 2
	CancelPPRNotAllowed     = 3
	CancelMetadataMismatch  = 4
	CancelLoadBppExecution  = 5
	CancelUndefinedReason   = 127
	CancelErrInvalidTransID = 5   // cancelSessionResponseError
	CancelErrUndefined      = 127 // cancelSessionResponseError
)

// CancelSessionRequest is BF41 {80 transactionId, 81 reason}.
type CancelSessionRequest struct {
	TransactionID []byte
	Reason        int
}

// Encode returns the BF41 request.
func (r CancelSessionRequest) Encode() []byte {
	return tlv.Constructed(TagCancelSession, tlv.New(0x80, r.TransactionID), tlv.Uint(0x81, r.Reason)).Bytes()
}

// DecodeCancelSessionRequest decodes the BF41 request.
func DecodeCancelSessionRequest(b []byte) (CancelSessionRequest, error) {
	f, err := parseOuter(b, TagCancelSession)
	if err != nil {
		return CancelSessionRequest{}, err
	}
	r := CancelSessionRequest{TransactionID: clone(f.get(0x80)), Reason: f.integer(0x81)}
	if f.err == nil && (len(r.TransactionID) == 0 || len(r.TransactionID) > 16) {
		f.err = decodeErr("BF41: transactionId of %d bytes", len(r.TransactionID))
	}
	return r, f.err
}

// CancelSessionResponse is the ok form (signed) or, when ErrorCode != 0,
// the error form.
type CancelSessionResponse struct {
	TransactionID []byte
	SmdpOID       []byte // OBJECT IDENTIFIER contents octets (mandatory)
	Reason        int
	Signature     []byte
	ErrorCode     int
	Raw           []byte // euiccCancelSessionSigned as received
}

// SignedPart returns the euiccCancelSessionSigned bytes the signature
// covers. None of its components has a tag of its own, so AUTOMATIC TAGS
// numbers them: transactionId [0] 80, smdpOid [1] 81 (an OBJECT IDENTIFIER
// implicitly tagged: its contents octets under 81, not 06), reason [2] 82.
func (r CancelSessionResponse) SignedPart() []byte {
	if r.Raw != nil {
		return r.Raw
	}
	return tlv.Constructed(0x30, tlv.New(0x80, r.TransactionID), tlv.New(0x81, r.SmdpOID), tlv.Uint(0x82, r.Reason)).Bytes()
}

// Encode returns the BF41 response.
func (r CancelSessionResponse) Encode() []byte {
	if r.ErrorCode != 0 {
		return tlv.Constructed(TagCancelSession, tlv.Uint(0x81, r.ErrorCode)).Bytes()
	}
	signed, _, _ := tlv.ParseOne(r.SignedPart())
	return tlv.Constructed(TagCancelSession, tlv.Constructed(0xA0, signed, tlv.New(TagSignature, r.Signature))).Bytes()
}

// DecodeCancelSessionResponse decodes the BF41 response.
func DecodeCancelSessionResponse(b []byte) (CancelSessionResponse, error) {
	f, err := parseOuter(b, TagCancelSession)
	if err != nil {
		return CancelSessionResponse{}, err
	}
	if len(f.list) != 1 {
		return CancelSessionResponse{}, decodeErr("BF41: %d choices", len(f.list))
	}
	if f.list[0].Tag == 0x81 {
		r := CancelSessionResponse{ErrorCode: f.integer(0x81)}
		if f.err == nil && r.ErrorCode == 0 {
			f.err = decodeErr("BF41: error code 0")
		}
		return r, f.err
	}
	ok, err := inner(f.obj(0xA0))
	if f.err != nil {
		return CancelSessionResponse{}, f.err
	}
	if err != nil {
		return CancelSessionResponse{}, err
	}
	s := ok.obj(0x30)
	r := CancelSessionResponse{Signature: clone(ok.fixed(TagSignature, SigLen))}
	if ok.err != nil {
		return CancelSessionResponse{}, ok.err
	}
	sf, err := inner(s)
	if err != nil {
		return CancelSessionResponse{}, err
	}
	r.TransactionID, r.SmdpOID, r.Reason, r.Raw = clone(sf.get(0x80)), clone(sf.get(0x81)), sf.integer(0x82), s.Bytes()
	if sf.err == nil && (len(r.TransactionID) == 0 || len(r.TransactionID) > 16) {
		sf.err = decodeErr("BF41: transactionId of %d bytes", len(r.TransactionID))
	}
	if sf.err == nil && len(r.SmdpOID) == 0 {
		sf.err = decodeErr("BF41: empty smdpOid")
	}
	return r, sf.err
}
