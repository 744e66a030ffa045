package es10

import "fmt"

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
}

// FunctionName names the ES10 function whose request starts with tag, or
// says which tag it is when the tag starts no ES10 function.
func FunctionName(tag uint32) string {
	if n, ok := functionNames[tag]; ok {
		return n
	}
	return fmt.Sprintf("unknown ES10 tag %X", tag)
}

// IsFunction reports whether tag starts an ES10 request.
func IsFunction(tag uint32) bool {
	_, ok := functionNames[tag]
	return ok
}
