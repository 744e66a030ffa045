package es10

// Notifications (SGP.22 §2.5.4 ProfileInstallationResult, §5.7.9
// ListNotification, §5.7.10 RetrieveNotificationsList, §5.7.11
// RemoveNotificationFromList, whose request is NotificationSentRequest).

import (
	"fmt"
	"strings"

	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

// NotificationEvent is profileManagementOperation, a BIT STRING whose bit
// 0 is install, 1 enable, 2 disable, 3 delete.
type NotificationEvent int

// Notification events.
const (
	EventInstall NotificationEvent = iota
	EventEnable
	EventDisable
	EventDelete
)

var eventNames = [...]string{"install", "enable", "disable", "delete"}

func (e NotificationEvent) String() string {
	if e >= 0 && int(e) < len(eventNames) {
		return eventNames[e]
	}
	return "unknown"
}

// bits encodes a single event as DER BIT STRING contents.
func (e NotificationEvent) bits() []byte { return Events(e).bits() }

// decodeEvent reads the profileManagementOperation of one notification:
// exactly one of the events.
func decodeEvent(v []byte) (NotificationEvent, error) {
	s, err := decodeEvents(v)
	if err != nil {
		return 0, err
	}
	for e := EventInstall; e <= EventDelete; e++ {
		if s == Events(e) {
			return e, nil
		}
	}
	return 0, decodeErr("profileManagementOperation %X: not one known event", v)
}

// NotificationEvents is a set of events: a profileManagementOperation
// with any of its bits set, as an LPA filters ListNotification and
// RetrieveNotificationsList by (Android's LPA asks for all four, 04 F0)
// and as notificationConfigurationInfo names the operations that go to
// one address.
type NotificationEvents uint8

// Events is the set of es.
func Events(es ...NotificationEvent) NotificationEvents {
	var s NotificationEvents
	for _, e := range es {
		if e >= EventInstall && e <= EventDelete {
			s |= 1 << e
		}
	}
	return s
}

// Has reports whether e is in the set.
func (s NotificationEvents) Has(e NotificationEvent) bool {
	return e >= EventInstall && e <= EventDelete && s&(1<<e) != 0
}

func (s NotificationEvents) String() string {
	var names []string
	for e := EventInstall; e <= EventDelete; e++ {
		if s.Has(e) {
			names = append(names, e.String())
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, "|")
}

// bits encodes the set as DER BIT STRING contents (Bits: named bit n is
// 80>>n, trailing zero bits removed, the empty set the lone 00).
func (s NotificationEvents) bits() []byte { return Bits(s).encode() }

// decodeEvents reads profileManagementOperation contents (decodeBits);
// bits past the four named here are left out, as a later release may
// name more.
func decodeEvents(v []byte) (NotificationEvents, error) {
	b, err := decodeBits(v)
	if err != nil {
		return 0, fmt.Errorf("profileManagementOperation: %w", err)
	}
	return NotificationEvents(b & Bits(Events(EventInstall, EventEnable, EventDisable, EventDelete))), nil
}

// NotificationMetadata (BF2F): 80 seqNumber, 81 profileManagementOperation,
// 0C notificationAddress, 5A iccid (optional).
type NotificationMetadata struct {
	Seq     int
	Event   NotificationEvent
	Address string
	ICCID   string // "" = absent
}

func (n NotificationMetadata) tlv() tlv.TLV {
	cs := []tlv.TLV{tlv.Uint(0x80, n.Seq), tlv.New(0x81, n.Event.bits()), tlv.New(0x0C, []byte(n.Address))}
	if n.ICCID != "" {
		cs = append(cs, tlv.New(0x5A, ICCIDBytes(n.ICCID)))
	}
	return tlv.Constructed(TagNotificationMetadata, cs...)
}

// Encode returns the BF2F encoding.
func (n NotificationMetadata) Encode() []byte { return n.tlv().Bytes() }

// DecodeNotificationMetadata decodes BF2F.
func DecodeNotificationMetadata(b []byte) (NotificationMetadata, error) {
	f, err := parseOuter(b, TagNotificationMetadata)
	if err != nil {
		return NotificationMetadata{}, err
	}
	return notificationMetadataFrom(f)
}

func notificationMetadataFrom(f *fields) (NotificationMetadata, error) {
	n := NotificationMetadata{Seq: f.integer(0x80), Address: f.text(0x0C, maxText)}
	ev := f.get(0x81)
	if f.err != nil {
		return NotificationMetadata{}, f.err
	}
	var err error
	if n.Event, err = decodeEvent(ev); err != nil {
		return NotificationMetadata{}, err
	}
	if ic, ok := f.opt(0x5A); ok {
		if n.ICCID, err = ParseICCID(ic); err != nil {
			return NotificationMetadata{}, err
		}
	}
	return n, nil
}

// BPP command ids (SGP.22 §2.5.6 bppCommandId).
const (
	BPPCmdInitialiseSecureChannel = 0
	BPPCmdConfigureISDP           = 1
	BPPCmdStoreMetadata           = 2
	BPPCmdStoreMetadata2          = 3
	BPPCmdReplaceSessionKeys      = 4
	BPPCmdLoadProfileElements     = 5
)

// Profile installation errorReason values (SGP.22 §2.5.6).
const (
	ReasonIncorrectInputValues       = 1
	ReasonInvalidSignature           = 2
	ReasonInvalidTransactionID       = 3
	ReasonUnsupportedCrtValues       = 4
	ReasonUnsupportedRemoteOperation = 5
	ReasonUnsupportedProfileClass    = 6
	ReasonSCP03tStructureError       = 7
	ReasonSCP03tSecurityError        = 8
	ReasonICCIDAlreadyExists         = 9
	ReasonInsufficientMemory         = 10
	ReasonInstallInterrupted         = 11
	ReasonPEProcessingError          = 12
	ReasonDataMismatch               = 13
	ReasonInvalidNAAKey              = 14
	ReasonPPRNotAllowed              = 15
	ReasonUnknownError               = 127
)

// reasonNames are the errorReason values' names in SGP.22's ASN.1.
var reasonNames = map[int]string{
	ReasonIncorrectInputValues: "incorrectInputValues", ReasonInvalidSignature: "invalidSignature",
	ReasonInvalidTransactionID: "invalidTransactionId", ReasonUnsupportedCrtValues: "unsupportedCrtValues",
	ReasonUnsupportedRemoteOperation: "unsupportedRemoteOperationType", ReasonUnsupportedProfileClass: "unsupportedProfileClass",
	ReasonSCP03tStructureError: "scp03tStructureError", ReasonSCP03tSecurityError: "scp03tSecurityError",
	ReasonICCIDAlreadyExists: "installFailedDueToIccidAlreadyExistsOnEuicc", ReasonInsufficientMemory: "installFailedDueToInsufficientMemoryForProfile",
	ReasonInstallInterrupted: "installFailedDueToInterruption", ReasonPEProcessingError: "installFailedDueToPEProcessingError",
	ReasonDataMismatch: "installFailedDueToDataMismatch", ReasonInvalidNAAKey: "testProfileInstallFailedDueToInvalidNaaKey",
	ReasonPPRNotAllowed: "pprNotAllowed", ReasonUnknownError: "installFailedDueToUnknownError",
}

// ReasonName is errorReason r's name in SGP.22's ASN.1, "" for a value it
// does not name.
func ReasonName(r int) string { return reasonNames[r] }

// MinimalEUICCResponse is the smallest valid EUICCResponse of the TCA
// profile package specification: SEQUENCE { peStatus [0] SEQUENCE OF
// PEStatus } with no entry, 30 02 A0 00.
var MinimalEUICCResponse = []byte{0x30, 0x02, 0xA0, 0x00}

// ProfileInstallationResultData (BF27): 80 transactionId, BF2F
// notificationMetadata, 06 smdpOid (optional), A2 finalResult {A0
// successResult {4F aid, 04 simaResponse} | A1 errorResult {80
// bppCommandId, 81 errorReason, 82 simaResponse (optional)}}. ErrorResult
// has no tagged component, so its fields get automatic tags; SuccessResult
// has one, so simaResponse keeps OCTET STRING 04. SimaResponse holds the
// profile package's EUICCResponse(s); a success without one is encoded
// with MinimalEUICCResponse.
type ProfileInstallationResultData struct {
	TransactionID []byte
	Notification  NotificationMetadata
	SmdpOID       []byte // DER OID contents, nil = absent
	OK            bool
	AID           []byte // success
	CommandID     int    // error
	ErrorReason   int    // error
	SimaResponse  []byte
	Raw           []byte
}

func (d ProfileInstallationResultData) tlv() tlv.TLV {
	var final tlv.TLV
	if d.OK {
		sima := d.SimaResponse
		if sima == nil {
			sima = MinimalEUICCResponse
		}
		final = tlv.Constructed(0xA0, tlv.New(TagAID, d.AID), tlv.New(0x04, sima))
	} else {
		cs := []tlv.TLV{tlv.Uint(0x80, d.CommandID), tlv.Uint(0x81, d.ErrorReason)}
		if d.SimaResponse != nil {
			cs = append(cs, tlv.New(0x82, d.SimaResponse))
		}
		final = tlv.Constructed(0xA1, cs...)
	}
	cs := []tlv.TLV{tlv.New(0x80, d.TransactionID), d.Notification.tlv()}
	if d.SmdpOID != nil {
		cs = append(cs, tlv.New(0x06, d.SmdpOID))
	}
	return tlv.Constructed(TagPIRData, append(cs, tlv.Constructed(0xA2, final))...)
}

// Encode returns the BF27 encoding.
func (d ProfileInstallationResultData) Encode() []byte { return d.tlv().Bytes() }

// Signed returns the bytes euiccSignPIR covers (the BF27 TLV).
func (d ProfileInstallationResultData) Signed() []byte {
	if d.Raw != nil {
		return d.Raw
	}
	return d.Encode()
}

// ProfileInstallationResult (BF37): BF27 data, 5F37 euiccSignPIR.
type ProfileInstallationResult struct {
	Data      ProfileInstallationResultData
	Signature []byte
}

// Encode returns the BF37 encoding.
func (r ProfileInstallationResult) Encode() []byte { return r.tlv().Bytes() }

func (r ProfileInstallationResult) tlv() tlv.TLV {
	d := r.Data.tlv()
	if r.Data.Raw != nil {
		if o, rest, err := tlv.ParseOne(r.Data.Raw); err == nil && len(rest) == 0 {
			d = o
		}
	}
	return tlv.Constructed(TagProfileInstallResult, d, tlv.New(TagSignature, r.Signature))
}

// DecodeProfileInstallationResult decodes BF37.
func DecodeProfileInstallationResult(b []byte) (ProfileInstallationResult, error) {
	f, err := parseOuter(b, TagProfileInstallResult)
	if err != nil {
		return ProfileInstallationResult{}, err
	}
	return pirFrom(f)
}

func pirFrom(f *fields) (ProfileInstallationResult, error) {
	data := f.obj(TagPIRData)
	sig := clone(f.fixed(TagSignature, SigLen))
	if f.err != nil {
		return ProfileInstallationResult{}, f.err
	}
	d, err := inner(data)
	if err != nil {
		return ProfileInstallationResult{}, err
	}
	r := ProfileInstallationResult{Signature: sig, Data: ProfileInstallationResultData{TransactionID: clone(d.get(0x80)), Raw: data.Bytes()}}
	nm, final := d.obj(TagNotificationMetadata), d.obj(0xA2)
	if oid, ok := d.opt(0x06); ok {
		r.Data.SmdpOID = clone(oid)
	}
	if d.err != nil {
		return ProfileInstallationResult{}, d.err
	}
	nf, err := inner(nm)
	if err != nil {
		return ProfileInstallationResult{}, err
	}
	if r.Data.Notification, err = notificationMetadataFrom(nf); err != nil {
		return ProfileInstallationResult{}, err
	}
	ff, err := inner(final)
	if err != nil {
		return ProfileInstallationResult{}, err
	}
	if len(ff.list) != 1 {
		return ProfileInstallationResult{}, decodeErr("finalResult: %d choices", len(ff.list))
	}
	c, err := inner(ff.list[0])
	if err != nil {
		return ProfileInstallationResult{}, err
	}
	switch ff.list[0].Tag {
	case 0xA0:
		r.Data.OK, r.Data.AID = true, clone(c.sized(TagAID, 5, 16))
		r.Data.SimaResponse = clone(c.get(0x04))
	case 0xA1:
		r.Data.CommandID, r.Data.ErrorReason = c.integer(0x80), c.integer(0x81)
		if v, ok := c.opt(0x82); ok {
			r.Data.SimaResponse = clone(v)
		}
	default:
		return ProfileInstallationResult{}, decodeErr("finalResult: choice %X", ff.list[0].Tag)
	}
	if c.err != nil {
		return ProfileInstallationResult{}, c.err
	}
	if r.Data.SimaResponse != nil {
		if err := checkEUICCResponses(r.Data.SimaResponse); err != nil {
			return ProfileInstallationResult{}, err
		}
	}
	return r, nil
}

// OtherSignedNotification (30): BF2F tbsOtherNotification,
// 5F37 euiccNotificationSignature over it, 30 euiccCertificate,
// 30 eumCertificate.
type OtherSignedNotification struct {
	Metadata         NotificationMetadata
	Signature        []byte
	EuiccCertificate []byte
	EUMCertificate   []byte
	RawMetadata      []byte // the signed BF2F as received
}

// Signed returns the bytes the signature covers.
func (o OtherSignedNotification) Signed() []byte {
	if o.RawMetadata != nil {
		return o.RawMetadata
	}
	return o.Metadata.Encode()
}

// Encode returns the encoding.
func (o OtherSignedNotification) Encode() []byte { return o.tlv().Bytes() }

func (o OtherSignedNotification) tlv() tlv.TLV {
	md, _, err := tlv.ParseOne(o.Signed())
	if err != nil {
		md = o.Metadata.tlv()
	}
	return tlv.Constructed(0x30, md, tlv.New(TagSignature, o.Signature),
		tlv.New(0x30, certValue(o.EuiccCertificate)), tlv.New(0x30, certValue(o.EUMCertificate)))
}

func otherFrom(f *fields) (OtherSignedNotification, error) {
	md := f.obj(TagNotificationMetadata)
	o := OtherSignedNotification{Signature: clone(f.fixed(TagSignature, SigLen)),
		EuiccCertificate: certOf(f, 0), EUMCertificate: certOf(f, 1)}
	if f.err != nil {
		return OtherSignedNotification{}, f.err
	}
	mf, err := inner(md)
	if err != nil {
		return OtherSignedNotification{}, err
	}
	o.RawMetadata = md.Bytes()
	o.Metadata, err = notificationMetadataFrom(mf)
	return o, err
}

// PendingNotification is a CHOICE of ProfileInstallationResult (BF37) and
// OtherSignedNotification (30); exactly one of the pointers is set.
type PendingNotification struct {
	Install *ProfileInstallationResult
	Other   *OtherSignedNotification
}

// Metadata returns the notification's metadata.
func (p PendingNotification) Metadata() NotificationMetadata {
	if p.Install != nil {
		return p.Install.Data.Notification
	}
	if p.Other != nil {
		return p.Other.Metadata
	}
	return NotificationMetadata{}
}

// Encode returns the encoding of the chosen alternative.
func (p PendingNotification) Encode() []byte {
	if p.Install != nil {
		return p.Install.Encode()
	}
	if p.Other != nil {
		return p.Other.Encode()
	}
	return nil
}

// DecodePendingNotification decodes either alternative.
func DecodePendingNotification(b []byte) (PendingNotification, error) {
	obj, rest, err := tlv.ParseOne(b)
	if err != nil || len(rest) != 0 {
		return PendingNotification{}, decodeErr("pending notification: not one object")
	}
	return pendingFrom(obj)
}

func pendingFrom(obj tlv.TLV) (PendingNotification, error) {
	f, err := inner(obj)
	if err != nil {
		return PendingNotification{}, err
	}
	switch obj.Tag {
	case TagProfileInstallResult:
		r, err := pirFrom(f)
		if err != nil {
			return PendingNotification{}, err
		}
		return PendingNotification{Install: &r}, nil
	case 0x30:
		o, err := otherFrom(f)
		if err != nil {
			return PendingNotification{}, err
		}
		return PendingNotification{Other: &o}, nil
	}
	return PendingNotification{}, decodeErr("pending notification: tag %X", obj.Tag)
}

// maxNotifications bounds decoded notification lists.
const maxNotifications = 64

// ListNotificationRequest (BF28 {81 profileManagementOperation optional}):
// the notifications of the events in Filter, all when it is nil.
type ListNotificationRequest struct{ Filter *NotificationEvents }

// Encode returns the BF28 request.
func (r ListNotificationRequest) Encode() []byte {
	if r.Filter == nil {
		return tlv.Constructed(TagListNotification).Bytes()
	}
	return tlv.Constructed(TagListNotification, tlv.New(0x81, r.Filter.bits())).Bytes()
}

// DecodeListNotificationRequest decodes the BF28 request.
func DecodeListNotificationRequest(b []byte) (ListNotificationRequest, error) {
	f, err := parseOuter(b, TagListNotification)
	if err != nil {
		return ListNotificationRequest{}, err
	}
	v, ok := f.opt(0x81) // other fields: a later release's, skipped
	if _, wrongForm := f.find(0xA1); wrongForm && f.err == nil {
		f.err = decodeErr("BF28: profileManagementOperation [1] constructed")
	}
	if f.err != nil {
		return ListNotificationRequest{}, f.err
	}
	if !ok {
		return ListNotificationRequest{}, nil
	}
	e, err := decodeEvents(v)
	return ListNotificationRequest{Filter: &e}, err
}

// EncodeListNotificationResponse returns BF28 {A0 {BF2F...}}.
func EncodeListNotificationResponse(list []NotificationMetadata) []byte {
	var cs []tlv.TLV
	for _, n := range list {
		cs = append(cs, n.tlv())
	}
	return tlv.Constructed(TagListNotification, tlv.Constructed(0xA0, cs...)).Bytes()
}

// DecodeListNotificationResponse decodes BF28 {A0 {BF2F...}}; the error
// form (81 code) comes back as an error.
func DecodeListNotificationResponse(b []byte) ([]NotificationMetadata, error) {
	var out []NotificationMetadata
	code, err := listOrCode(b, TagListNotification, TagNotificationMetadata, maxNotifications, func(c tlv.TLV) error {
		cf, err := inner(c)
		if err != nil {
			return err
		}
		n, err := notificationMetadataFrom(cf)
		out = append(out, n)
		return err
	})
	switch {
	case err != nil:
		return nil, err
	case code != 0:
		return nil, decodeErr("BF28: listNotificationsResultError %d", code)
	}
	return out, nil
}

// RetrieveNotificationsListRequest (BF2B {A0 {80 seqNumber | 81 operation}}
// optional search criteria).
type RetrieveNotificationsListRequest struct {
	Seq    *int
	Filter *NotificationEvents
}

// Encode returns the BF2B request.
func (r RetrieveNotificationsListRequest) Encode() []byte {
	switch {
	case r.Seq != nil:
		return tlv.Constructed(TagRetrieveNotifications, tlv.Constructed(0xA0, tlv.Uint(0x80, *r.Seq))).Bytes()
	case r.Filter != nil:
		return tlv.Constructed(TagRetrieveNotifications, tlv.Constructed(0xA0, tlv.New(0x81, r.Filter.bits()))).Bytes()
	}
	return tlv.Constructed(TagRetrieveNotifications).Bytes()
}

// DecodeRetrieveNotificationsListRequest decodes the BF2B request.
func DecodeRetrieveNotificationsListRequest(b []byte) (RetrieveNotificationsListRequest, error) {
	f, err := parseOuter(b, TagRetrieveNotifications)
	if err != nil {
		return RetrieveNotificationsListRequest{}, err
	}
	crit, ok := f.find(0xA0) // other fields: a later release's, skipped
	if _, wrongForm := f.find(0x80); wrongForm && f.err == nil {
		// [0] is searchCriteria, a CHOICE: explicitly tagged, so
		// constructed; a bare seqNumber is not an extension but a
		// criterion out of its wrapper.
		f.err = decodeErr("BF2B: searchCriteria [0] primitive (a seqNumber outside A0?)")
	}
	switch {
	case f.err != nil:
		return RetrieveNotificationsListRequest{}, f.err
	case !ok:
		return RetrieveNotificationsListRequest{}, nil
	}
	c, err := inner(crit)
	if err != nil {
		return RetrieveNotificationsListRequest{}, err
	}
	if len(c.list) != 1 {
		return RetrieveNotificationsListRequest{}, decodeErr("BF2B: %d search criteria", len(c.list))
	}
	switch c.list[0].Tag {
	case 0x80:
		n := c.integer(0x80)
		return RetrieveNotificationsListRequest{Seq: &n}, c.err
	case 0x81:
		e, err := decodeEvents(c.list[0].Value)
		return RetrieveNotificationsListRequest{Filter: &e}, err
	}
	return RetrieveNotificationsListRequest{}, decodeErr("BF2B: criterion %X", c.list[0].Tag)
}

// Retrieve/List error codes (SGP.22 §5.7.9-10).
const (
	NotifErrNoResultAvailable = 1
	NotifErrUndefined         = 127
)

// EncodeRetrieveNotificationsListResponse returns BF2B {A0 {pending...}}, or
// the error form BF2B {81 code} when code != 0.
func EncodeRetrieveNotificationsListResponse(list []PendingNotification, code int) []byte {
	if code != 0 {
		return tlv.Constructed(TagRetrieveNotifications, tlv.Uint(0x81, code)).Bytes()
	}
	var cs []tlv.TLV
	for _, p := range list {
		if p.Install != nil {
			cs = append(cs, p.Install.tlv())
		} else if p.Other != nil {
			cs = append(cs, p.Other.tlv())
		}
	}
	return tlv.Constructed(TagRetrieveNotifications, tlv.Constructed(0xA0, cs...)).Bytes()
}

// DecodeRetrieveNotificationsListResponse decodes BF2B; code is the error
// form's value (0 when the list form was sent).
func DecodeRetrieveNotificationsListResponse(b []byte) (list []PendingNotification, code int, err error) {
	code, err = listOrCode(b, TagRetrieveNotifications, 0, maxNotifications, func(c tlv.TLV) error {
		p, err := pendingFrom(c)
		list = append(list, p)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return list, code, nil
}

// NotificationSent results (SGP.22 §5.7.11 deleteNotificationStatus).
const (
	DeleteOK              = 0
	DeleteNothingToDelete = 1
	DeleteUndefined       = 127
)

// EncodeNotificationSentRequest returns BF30 {80 seqNumber}.
func EncodeNotificationSentRequest(seq int) []byte {
	return tlv.Constructed(TagNotificationSent, tlv.Uint(0x80, seq)).Bytes()
}

// DecodeNotificationSentRequest decodes BF30 {80 seqNumber}.
func DecodeNotificationSentRequest(b []byte) (int, error) {
	f, err := parseOuter(b, TagNotificationSent)
	if err != nil {
		return 0, err
	}
	return f.integer(0x80), f.err
}

// EncodeNotificationSentResponse returns BF30 {80 status}.
func EncodeNotificationSentResponse(status int) []byte {
	return tlv.Constructed(TagNotificationSent, tlv.Uint(0x80, status)).Bytes()
}

// DecodeNotificationSentResponse decodes BF30 {80 status}.
func DecodeNotificationSentResponse(b []byte) (int, error) { return DecodeNotificationSentRequest(b) }

// checkEUICCResponses checks that simaResponse holds EUICCResponse(s).
func checkEUICCResponses(b []byte) error {
	if _, err := saip.DecodeEUICCResponses(b); err != nil {
		return fmt.Errorf("simaResponse: %v: %w", err, ErrDecode)
	}
	return nil
}
