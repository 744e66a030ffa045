package es10

import (
	"bytes"
	"fmt"

	"github.com/esimhil/esimhil/internal/codec/apdu"
)

// functionNames names the ES10 function each request tag starts (SGP.22
// §5.7, the names of its clause headings); readers of traces use it.
var functionNames = map[uint32]string{
	TagGetEUICCInfo1:           "GetEUICCInfo1",
	TagPrepareDownload:         "PrepareDownload",
	TagGetEUICCInfo2:           "GetEUICCInfo2",
	TagInitialiseSecureChannel: "InitialiseSecureChannel",
	TagConfigureISDP:           "ConfigureISDP",
	TagStoreMetadata:           "StoreMetadata",
	TagReplaceSessionKeys:      "ReplaceSessionKeys",
	TagListNotification:        "ListNotification",
	TagSetNickname:             "SetNickname",
	TagRetrieveNotifications:   "RetrieveNotificationsList",
	TagProfileInfoList:         "GetProfilesInfo",
	TagGetEuiccChallenge:       "GetEuiccChallenge",
	TagNotificationSent:        "RemoveNotificationFromList",
	TagEnableProfile:           "EnableProfile",
	TagDisableProfile:          "DisableProfile",
	TagDeleteProfile:           "DeleteProfile",
	TagEuiccMemoryReset:        "eUICCMemoryReset",
	TagLoadCRL:                 "LoadCRL",
	TagBoundProfilePackage:     "LoadBoundProfilePackage",
	TagAuthenticateServer:      "AuthenticateServer",
	TagConfiguredAddresses:     "GetEuiccConfiguredAddresses",
	TagGetEuiccData:            "GetEID",
	TagSetDefaultDpAddress:     "SetDefaultDpAddress",
	TagCancelSession:           "CancelSession",
	TagGetRAT:                  "GetRAT",
	// SGP.22's ASN.1 module declares it (LpaeActivationRequest); its
	// name is the type's.
	TagLpaeActivation: "LpaeActivation",
}

// bppSegments name the STORE DATA sequences a segmented
// LoadBoundProfilePackage sends after its first (SGP.22 §2.5.5): each
// sequence of the BoundProfilePackage's, or its tag and length alone and
// then each of its items. They start with these tags, never an ES10
// function's.
var bppSegments = map[uint32]string{
	0xA0: "LoadBoundProfilePackage: firstSequenceOf87",
	0xA1: "LoadBoundProfilePackage: sequenceOf88",
	0xA2: "LoadBoundProfilePackage: secondSequenceOf87",
	0xA3: "LoadBoundProfilePackage: sequenceOf86",
	0x87: "LoadBoundProfilePackage: an 87 of a sequenceOf87",
	0x88: "LoadBoundProfilePackage: an 88 of sequenceOf88",
	0x86: "LoadBoundProfilePackage: an 86 of sequenceOf86",
}

// FunctionName names the ES10 function whose request starts with tag (a
// segment of a LoadBoundProfilePackage by its part), or says which tag
// it is when the tag starts no ES10 function.
func FunctionName(tag uint32) string {
	if n, ok := functionNames[tag]; ok {
		return n
	}
	if n, ok := bppSegments[tag]; ok {
		return n
	}
	return fmt.Sprintf("unknown ES10 tag %X", tag)
}

// IsFunction reports whether tag starts an ES10 request.
func IsFunction(tag uint32) bool {
	_, ok := functionNames[tag]
	return ok
}

// SelectName is how a trace names a SELECT: the ISD-R by name, another
// target as apdu.SelectTarget gives it, a SELECT of nothing nameable as
// SELECT alone (no trailing blank). One wording for the timeline and the
// field-log readers.
func SelectName(p1 byte, data []byte) string {
	if bytes.Equal(data, ISDRAIDBytes()) {
		return "SELECT ISD-R"
	}
	if f := apdu.SelectTarget(p1, data); f != "" {
		return "SELECT " + f
	}
	return "SELECT"
}
