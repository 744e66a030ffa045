package es10

// PrepareDownload (SGP.22 §5.7.5): SmdpSigned2, PrepareDownloadRequest,
// EuiccSigned2 and PrepareDownloadResponse.

import (
	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// SmdpSigned2 (30): 80 transactionId, 01 ccRequiredFlag BOOLEAN,
// 5F49 bppEuiccOtpk (optional, for a retried download).
type SmdpSigned2 struct {
	TransactionID []byte
	CCRequired    bool
	BppEuiccOtpk  []byte
	Raw           []byte
}

func (s SmdpSigned2) tlv() tlv.TLV {
	flag := byte(0)
	if s.CCRequired {
		flag = 0xFF
	}
	cs := []tlv.TLV{tlv.New(0x80, s.TransactionID), tlv.New(0x01, []byte{flag})}
	if s.BppEuiccOtpk != nil {
		cs = append(cs, tlv.New(TagPublicKey, s.BppEuiccOtpk))
	}
	return tlv.Constructed(0x30, cs...)
}

// Encode returns the DER of SmdpSigned2.
func (s SmdpSigned2) Encode() []byte { return s.tlv().Bytes() }

// Signed returns the received encoding when decoded, else Encode.
func (s SmdpSigned2) Signed() []byte {
	if s.Raw != nil {
		return s.Raw
	}
	return s.Encode()
}

// SignedData2 returns what smdpSignature2 covers (SGP.22 §5.7.5):
// smdpSigned2 ‖ euiccSignature1 (with its 5F37 tag and length).
func SignedData2(smdpSigned2, euiccSignature1 []byte) []byte {
	return append(append([]byte{}, smdpSigned2...), tlv.New(TagSignature, euiccSignature1).Bytes()...)
}

// DecodeSmdpSigned2 decodes SmdpSigned2.
func DecodeSmdpSigned2(b []byte) (SmdpSigned2, error) {
	obj, rest, err := tlv.ParseOne(b)
	if err != nil || len(rest) != 0 || obj.Tag != 0x30 {
		return SmdpSigned2{}, decodeErr("smdpSigned2: not one SEQUENCE")
	}
	return smdpSigned2From(obj)
}

func smdpSigned2From(obj tlv.TLV) (SmdpSigned2, error) {
	f, err := inner(obj)
	if err != nil {
		return SmdpSigned2{}, err
	}
	s := SmdpSigned2{TransactionID: clone(f.get(0x80)), Raw: obj.Bytes()}
	flag := f.fixed(0x01, 1)
	if f.err != nil {
		return SmdpSigned2{}, f.err
	}
	s.CCRequired = flag[0] != 0
	if pk, ok := f.opt(TagPublicKey); ok {
		s.BppEuiccOtpk = clone(pk)
	}
	if len(s.TransactionID) == 0 || len(s.TransactionID) > 16 {
		return SmdpSigned2{}, decodeErr("transactionId of %d bytes", len(s.TransactionID))
	}
	return s, nil
}

// PrepareDownloadRequest (BF21): 30 smdpSigned2, 5F37 smdpSignature2,
// 04 hashCc (optional), 30 smdpCertificate (CERT.DPpb.ECDSA).
type PrepareDownloadRequest struct {
	SmdpSigned2     SmdpSigned2
	SmdpSignature2  []byte
	HashCC          []byte
	SmdpCertificate []byte
}

// Encode returns the BF21 encoding.
func (r PrepareDownloadRequest) Encode() []byte {
	cs := []tlv.TLV{tlv.New(0x30, r.SmdpSigned2.tlv().Value), tlv.New(TagSignature, r.SmdpSignature2)}
	if r.HashCC != nil {
		cs = append(cs, tlv.New(0x04, r.HashCC))
	}
	cs = append(cs, tlv.New(0x30, certValue(r.SmdpCertificate)))
	return tlv.Constructed(TagPrepareDownload, cs...).Bytes()
}

// DecodePrepareDownloadRequest decodes BF21 as the card receives it.
func DecodePrepareDownloadRequest(b []byte) (PrepareDownloadRequest, error) {
	f, err := parseOuter(b, TagPrepareDownload)
	if err != nil {
		return PrepareDownloadRequest{}, err
	}
	var r PrepareDownloadRequest
	s2 := f.nth(0x30, 0)
	r.SmdpSignature2 = clone(f.sized(TagSignature, 0, MaxReceivedSig))
	r.SmdpCertificate = certOf(f, 1)
	if h, ok := f.opt(0x04); ok {
		r.HashCC = clone(h)
	}
	if f.err != nil {
		return PrepareDownloadRequest{}, f.err
	}
	r.SmdpSigned2, err = smdpSigned2From(s2)
	return r, err
}

// EuiccSigned2 (30): 80 transactionId, 5F49 euiccOtpk, 04 hashCc (optional).
type EuiccSigned2 struct {
	TransactionID []byte
	EuiccOtpk     []byte
	HashCC        []byte
	Raw           []byte
}

func (s EuiccSigned2) tlv() tlv.TLV {
	cs := []tlv.TLV{tlv.New(0x80, s.TransactionID), tlv.New(TagPublicKey, s.EuiccOtpk)}
	if s.HashCC != nil {
		cs = append(cs, tlv.New(0x04, s.HashCC))
	}
	return tlv.Constructed(0x30, cs...)
}

// Encode returns the DER of EuiccSigned2.
func (s EuiccSigned2) Encode() []byte { return s.tlv().Bytes() }

// Signed returns the received encoding when decoded, else Encode.
func (s EuiccSigned2) Signed() []byte {
	if s.Raw != nil {
		return s.Raw
	}
	return s.Encode()
}

// DownloadErrorCode values (SGP.22 §5.7.5).
const (
	DlErrInvalidCertificate   = 1
	DlErrInvalidSignature     = 2
	DlErrUnsupportedCurve     = 3
	DlErrNoSessionContext     = 4
	DlErrInvalidTransactionID = 5
	DlErrUndefined            = 127
)

// PrepareDownloadResponse (BF21): downloadResponseOk (A0: 30 euiccSigned2,
// 5F37 euiccSignature2 over euiccSigned2 ‖ smdpSignature2 TLV) or, when
// ErrorCode != 0, downloadResponseError (A1: 80 transactionId, 02 code).
type PrepareDownloadResponse struct {
	EuiccSigned2    EuiccSigned2
	EuiccSignature2 []byte
	TransactionID   []byte // error form
	ErrorCode       int
}

// Encode returns the BF21 encoding.
func (r PrepareDownloadResponse) Encode() []byte {
	if r.ErrorCode != 0 {
		return tlv.Constructed(TagPrepareDownload, tlv.Constructed(0xA1,
			tlv.New(0x80, r.TransactionID), tlv.Uint(0x02, r.ErrorCode))).Bytes()
	}
	return tlv.Constructed(TagPrepareDownload, tlv.Constructed(0xA0,
		r.EuiccSigned2.tlv(), tlv.New(TagSignature, r.EuiccSignature2))).Bytes()
}

// DecodePrepareDownloadResponse decodes BF21 as the SM-DP+ receives it.
func DecodePrepareDownloadResponse(b []byte) (PrepareDownloadResponse, error) {
	f, err := parseOuter(b, TagPrepareDownload)
	if err != nil {
		return PrepareDownloadResponse{}, err
	}
	if len(f.list) != 1 {
		return PrepareDownloadResponse{}, decodeErr("BF21: %d choices", len(f.list))
	}
	c, err := inner(f.list[0])
	if err != nil {
		return PrepareDownloadResponse{}, err
	}
	var r PrepareDownloadResponse
	switch f.list[0].Tag {
	case 0xA1:
		r.TransactionID = clone(c.get(0x80))
		r.ErrorCode = c.integer(0x02)
		if c.err == nil && r.ErrorCode == 0 {
			c.err = decodeErr("BF21: error code 0")
		}
		return r, c.err
	case 0xA0:
	default:
		return PrepareDownloadResponse{}, decodeErr("BF21: choice %X", f.list[0].Tag)
	}
	s2 := c.obj(0x30)
	r.EuiccSignature2 = clone(c.fixed(TagSignature, SigLen))
	if c.err != nil {
		return PrepareDownloadResponse{}, c.err
	}
	sf, err := inner(s2)
	if err != nil {
		return PrepareDownloadResponse{}, err
	}
	r.EuiccSigned2 = EuiccSigned2{TransactionID: clone(sf.get(0x80)), EuiccOtpk: clone(sf.fixed(TagPublicKey, 65)), Raw: s2.Bytes()}
	if h, ok := sf.opt(0x04); ok {
		r.EuiccSigned2.HashCC = clone(h)
	}
	return r, sf.err
}
