package es10

import (
	"fmt"

	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// Outcome is what an ES10 response says of its call: the result or error
// code it carries, by the name SGP.22 v2.2.2's ASN.1 gives it for that
// function. A card answers a refused call with status word 9000 and the
// refusal in its data, so a reader of a trace must look here, not at the
// status word, to tell a failed call (outside tester sw127 F4).
type Outcome struct {
	// Field is the ASN.1 field that carries Code ("disableResult",
	// "authenticateErrorCode", "errorReason").
	Field string
	// Code is the field's value: 0 is ok for a result; an error field
	// is present only on failure.
	Code int
	// Name is SGP.22's name of Code for this function
	// ("disallowedByPolicy"), "" for a number it does not define.
	Name string
	// Failed says the call failed: a result other than ok(0), or the
	// error alternative of a response's CHOICE.
	Failed bool
	// Extra is what else the error says ("bppCommandId 3 storeMetadata2":
	// the step of the package that failed).
	Extra string
}

// String is "disableResult 3 disallowedByPolicy" (the name when known),
// "successResult" for an outcome with no field, and Extra after a comma.
func (o Outcome) String() string {
	s := o.Name
	switch {
	case o.Field == "":
	case o.Name == "":
		s = fmt.Sprintf("%s %d", o.Field, o.Code)
	default:
		s = fmt.Sprintf("%s %d %s", o.Field, o.Code, o.Name)
	}
	if o.Extra != "" {
		s += ", " + o.Extra
	}
	return s
}

// resultField is a response of the form <tag> {80 result}: the field's
// name and its values' names.
type resultField struct {
	field string
	names map[int]string
}

// Named values shared by the result fields. NameCatBusy is the one a
// trace's reader looks for: a card busy with a toolkit session of its own.
const (
	NameCatBusy   = "catBusy"
	nameOK        = "ok"
	nameUndefined = "undefinedError"
)

// resultFields are the ES10 responses that are one result INTEGER
// (SGP.22 v2.2.2 §5.7.4, §5.7.11, §5.7.16-19, §5.7.21; LpaeActivation's
// as RSPDefinitions.asn declares it).
var resultFields = map[uint32]resultField{
	TagEnableProfile: {"enableResult", map[int]string{0: nameOK, 1: "iccidOrAidNotFound", 2: "profileNotInDisabledState",
		3: "disallowedByPolicy", 4: "wrongProfileReenabling", 5: NameCatBusy, 127: nameUndefined}},
	TagDisableProfile: {"disableResult", map[int]string{0: nameOK, 1: "iccidOrAidNotFound", 2: "profileNotInEnabledState",
		3: "disallowedByPolicy", 5: NameCatBusy, 127: nameUndefined}},
	TagDeleteProfile: {"deleteResult", map[int]string{0: nameOK, 1: "iccidOrAidNotFound", 2: "profileNotInDisabledState",
		3: "disallowedByPolicy", 127: nameUndefined}},
	TagEuiccMemoryReset:    {"resetResult", map[int]string{0: nameOK, 1: "nothingToDelete", 5: NameCatBusy, 127: nameUndefined}},
	TagSetNickname:         {"setNicknameResult", map[int]string{0: nameOK, 1: "iccidNotFound", 127: nameUndefined}},
	TagSetDefaultDpAddress: {"setDefaultDpAddressResult", map[int]string{0: nameOK, 127: nameUndefined}},
	TagNotificationSent:    {"deleteNotificationStatus", map[int]string{0: nameOK, 1: "nothingToDelete", 127: nameUndefined}},
	TagLpaeActivation:      {"lpaeActivationResult", map[int]string{0: nameOK, 1: "notSupported"}},
}

// errorChoices are the responses that are a CHOICE of an ok form (A0) and
// an error form: the error alternative's tag, the code's tag inside it (0
// when the alternative is the INTEGER itself), the field's name and its
// values' names (§5.7.5, §5.7.9, §5.7.10, §5.7.12-15). AuthenticateServer's
// and PrepareDownload's error SEQUENCE tags its transactionId [0], so its
// code keeps the universal INTEGER tag (X.680 §25.3: no automatic tags).
var errorChoices = map[uint32]struct {
	alt, code uint32
	field     string
	names     map[int]string
}{
	TagPrepareDownload: {0xA1, 0x02, "downloadErrorCode", map[int]string{1: "invalidCertificate", 2: "invalidSignature",
		3: "unsupportedCurve", 4: "noSessionContext", 5: "invalidTransactionId", 127: nameUndefined}},
	TagAuthenticateServer: {0xA1, 0x02, "authenticateErrorCode", map[int]string{1: "invalidCertificate", 2: "invalidSignature",
		3: "unsupportedCurve", 4: "noSessionContext", 5: "invalidOid", 6: "euiccChallengeMismatch", 7: "ciPKUnknown", 127: nameUndefined}},
	TagCancelSession:         {0x81, 0, "cancelSessionResponseError", map[int]string{5: "invalidTransactionId", 127: nameUndefined}},
	TagListNotification:      {0x81, 0, "listNotificationsResultError", map[int]string{127: nameUndefined}},
	TagRetrieveNotifications: {0x81, 0, "notificationsListResultError", map[int]string{1: "noResultAvailable", 127: nameUndefined}},
	TagProfileInfoList:       {0x81, 0, "profileInfoListError", map[int]string{1: "incorrectInputValues", 127: nameUndefined}},
	// LoadCRLResponse: loadCRLResponseOk [0] or loadCRLResponseError [1].
	TagLoadCRL: {0x81, 0, "loadCRLResponseError", map[int]string{1: "invalidSignature", 2: "invalidCRLFormat",
		3: "notEnoughMemorySpace", 4: "verificationKeyNotFound", 127: nameUndefined}},
}

// ErrorText is code, the error alternative of the ES10 response that tag
// starts, as Named writes it with the field's and the value's SGP.22
// names (AuthenticateServer's 2: "authenticateErrorCode 2
// invalidSignature"); the number alone for a value it does not name.
func ErrorText(tag uint32, code int) string {
	ec := errorChoices[tag]
	return Named(ec.field, code, ec.names[code])
}

// bppCommandNames name the BppCommandId values (§2.5.6): the step of a
// package an install failed at.
var bppCommandNames = map[int]string{
	BPPCmdInitialiseSecureChannel: "initialiseSecureChannel",
	BPPCmdConfigureISDP:           "configureISDP",
	BPPCmdStoreMetadata:           "storeMetadata",
	BPPCmdStoreMetadata2:          "storeMetadata2",
	BPPCmdReplaceSessionKeys:      "replaceSessionKeys",
	BPPCmdLoadProfileElements:     "loadProfileElements",
}

// BPPCommandName is BppCommandId n's name in SGP.22's ASN.1 (§2.5.6), ""
// for a value it does not name.
func BPPCommandName(n int) string { return bppCommandNames[n] }

// Named writes field and code with code's SGP.22 name after it, as the
// specification's enumerations read ("errorReason 8 scp03tSecurityError"),
// the number alone when name is "".
func Named(field string, code int, name string) string {
	if name == "" {
		return fmt.Sprintf("%s %d", field, code)
	}
	return fmt.Sprintf("%s %d %s", field, code, name)
}

// ResponseOutcome reads the outcome of the ES10 response b (DER; a reader
// of a real card's answer passes it through tlv.Canonical first). ok is
// false when b is no response that carries one (GetEID, an ok form
// without a code, an undecodable answer). A LoadBoundProfilePackage's
// ProfileInstallationResult (BF37) gives its errorResult's errorReason
// (§2.5.6, with the bppCommandId), or successResult.
func ResponseOutcome(b []byte) (o Outcome, ok bool) {
	top, _, err := tlv.ParseOne(b)
	if err != nil {
		return Outcome{}, false
	}
	if rf, found := resultFields[top.Tag]; found {
		v, has := top.Find(0x80)
		if !has {
			return Outcome{}, false
		}
		n, err := decodeInt(v.Value)
		if err != nil {
			return Outcome{}, false
		}
		return Outcome{Field: rf.field, Code: n, Name: rf.names[n], Failed: n != ResultOK}, true
	}
	if ec, found := errorChoices[top.Tag]; found {
		alt, has := top.Find(ec.alt)
		if !has {
			return Outcome{}, false
		}
		v := alt
		if ec.code != 0 {
			if v, has = alt.Find(ec.code); !has {
				return Outcome{}, false
			}
		}
		n, err := decodeInt(v.Value)
		if err != nil {
			return Outcome{}, false
		}
		return Outcome{Field: ec.field, Code: n, Name: ec.names[n], Failed: true}, true
	}
	if top.Tag == TagProfileInstallResult {
		return installOutcome(top)
	}
	return Outcome{}, false
}

// installOutcome reads a ProfileInstallationResult's finalResult (BF37
// {BF27 {… A2 {A0 successResult | A1 errorResult {80 bppCommandId, 81
// errorReason}}}}) without checking the rest: a trace shows the outcome
// of a result whose signature or metadata is odd too.
func installOutcome(top tlv.TLV) (Outcome, bool) {
	data, ok := top.Find(TagPIRData)
	if !ok {
		return Outcome{}, false
	}
	final, ok := data.Find(0xA2)
	if !ok {
		return Outcome{}, false
	}
	if _, ok := final.Find(0xA0); ok {
		return Outcome{Name: "successResult"}, true
	}
	e, ok := final.Find(0xA1)
	if !ok {
		return Outcome{}, false
	}
	o := Outcome{Field: "errorReason", Failed: true}
	if v, ok := e.Find(0x81); ok {
		if n, err := decodeInt(v.Value); err == nil {
			o.Code, o.Name = n, ReasonName(n)
		}
	}
	if v, ok := e.Find(0x80); ok {
		if n, err := decodeInt(v.Value); err == nil {
			o.Extra = Named("bppCommandId", n, bppCommandNames[n])
		}
	}
	return o, true
}

// DescribeAnswer is what a trace says of an ES10 function's whole answer
// (the response data of its last STORE DATA block, with what GET
// RESPONSE fetched after a 61xx): its outcome (ResponseOutcome), or the
// EID of GetEID, or how many profiles GetProfilesInfo lists; "" when it
// says nothing worth a word. failed is the outcome's: a card refuses an
// ES10 call under status word 9000, so every reader of a trace (the AT
// lane, the card's APDU lane) judges the call here. b may be a real
// card's answer: BER lengths are taken.
func DescribeAnswer(b []byte) (s string, failed bool) {
	if len(b) == 0 {
		return "", false
	}
	b = tlv.Canonical(b)
	top, _, err := tlv.ParseOne(b)
	if err != nil {
		return "", false
	}
	if o, ok := ResponseOutcome(b); ok {
		return o.String(), o.Failed
	}
	switch top.Tag {
	case TagGetEuiccData:
		if eid, ok := top.Find(0x5A); ok {
			return fmt.Sprintf("EID %X", eid.Value), false
		}
	case TagProfileInfoList:
		if list, _, err := DecodeProfileInfoList(b); err == nil {
			return fmt.Sprintf("%d profiles", len(list)), false
		}
	}
	return "", false
}

// ResultNameOf is SGP.22's name of code in the one-result response of
// the function tag ("catBusy" for EnableProfile's 5), "" when it names
// none.
func ResultNameOf(tag uint32, code int) string { return resultFields[tag].names[code] }
