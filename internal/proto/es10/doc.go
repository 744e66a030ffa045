// Package es10 is the ES10 interface between an LPA and the eUICC's ISD-R
// (GSMA SGP.22 v2.2.2 §5.7, ASN.1 module RSPDefinitions, Annex H): every
// request and response of ES10a, ES10b and ES10c, the structures they carry
// (EUICCInfo1/2, DeviceInfo, the signed parts of mutual authentication,
// StoreMetadataRequest, the bound profile package's framing, notifications)
// and the ISD-R's AID. Each structure has one encoder and one strict decoder
// that the card, the SM-DP+, the card's IPA and every host-side reader
// (the LPA spec, the capture decoder, the rig's profile list) share; a
// reader of real cards' answers passes them through tlv.Canonical first,
// since the decoders refuse BER lengths DER forbids.
//
// The module uses AUTOMATIC TAGS, so within a SEQUENCE whose components
// carry no tag of their own the n-th component is context tag [n]
// (X.680 §25.3); the comments give the resulting BER tags.
package es10

// SVN is the SGP.22 version this package implements (EUICCInfo1/2 svn).
var SVN = Version{2, 2, 2}

// ISDRAID is the ISD-R's application identifier (SGP.22 §2.2.3), in hex as
// AT+CCHO takes it; ISDRAIDBytes is the same value for the card.
const ISDRAID = "A0000005591010FFFFFFFF8900000100"

// ISDRAIDBytes returns ISDRAID as bytes.
func ISDRAIDBytes() []byte {
	return []byte{0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00}
}

// ES10 request and response tags (SGP.22 §5.7; ES10a: BF3C, BF3F; ES10b:
// BF20-BF2B, BF2E, BF30, BF38, BF41, BF43; ES10c: BF29, BF2D, BF31-BF34,
// BF3E).
const (
	TagGetEUICCInfo1           = 0xBF20
	TagPrepareDownload         = 0xBF21
	TagGetEUICCInfo2           = 0xBF22
	TagInitialiseSecureChannel = 0xBF23
	TagConfigureISDP           = 0xBF24
	TagStoreMetadata           = 0xBF25
	TagReplaceSessionKeys      = 0xBF26
	TagPIRData                 = 0xBF27
	TagListNotification        = 0xBF28
	TagSetNickname             = 0xBF29
	TagUpdateMetadata          = 0xBF2A
	TagRetrieveNotifications   = 0xBF2B
	TagProfileInfoList         = 0xBF2D
	TagGetEuiccChallenge       = 0xBF2E
	TagNotificationMetadata    = 0xBF2F
	TagNotificationSent        = 0xBF30
	TagEnableProfile           = 0xBF31
	TagDisableProfile          = 0xBF32
	TagDeleteProfile           = 0xBF33
	TagEuiccMemoryReset        = 0xBF34
	TagLoadCRL                 = 0xBF35
	TagBoundProfilePackage     = 0xBF36
	TagProfileInstallResult    = 0xBF37
	TagAuthenticateServer      = 0xBF38
	TagConfiguredAddresses     = 0xBF3C
	TagGetEuiccData            = 0xBF3E
	TagSetDefaultDpAddress     = 0xBF3F
	TagCancelSession           = 0xBF41
	TagLpaeActivation          = 0xBF42
	TagGetRAT                  = 0xBF43
)

// Tags shared by several structures.
const (
	TagICCID     = 0x5A   // Iccid [APPLICATION 26]
	TagAID       = 0x4F   // isdpAid [APPLICATION 15]
	TagTagList   = 0x5C   // tagList [APPLICATION 28]
	TagSignature = 0x5F37 // signatures [APPLICATION 55]
	TagPublicKey = 0x5F49 // one-time keys [APPLICATION 73]
)

// SigLen is the length of a signature value: r‖s of ECDSA P-256, each 32
// bytes big-endian (SGP.22 §2.6.5, as BSI TR-03111 plain format).
const SigLen = 64

// MaxReceivedSig bounds a signature the card receives (serverSignature1,
// smdpSignature2, smdpSign). Any length is well-formed ASN.1 (an OCTET
// STRING), so one that is not SigLen bytes — a DER-encoded signature, the
// classic interop bug — is decoded and fails verification (the card's
// invalidSignature, which the LPA can pass on to the SM-DP+), not the
// APDU (6A80, which leaves the LPA nothing to send: outside tester sw65).
const MaxReceivedSig = 1024

// ChallengeLen is the length of euiccChallenge / serverChallenge (Octet16).
const ChallengeLen = 16
