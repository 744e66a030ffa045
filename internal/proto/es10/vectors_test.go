package es10

// Golden vectors worked out by hand from the RSPDefinitions module of SGP.22
// v2.2.2 (AUTOMATIC TAGS: an untagged component of a SEQUENCE whose
// components are all untagged becomes [n]; constructed types get the
// constructed bit, so [1] SEQUENCE is A1 and [1] INTEGER is 81). Each
// comment gives the derivation; the encoders must produce exactly these
// bytes and the decoders must read them back.

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/hexdump"
)

// Identifiers shared by the vectors, each valid: the ICCID's last digit is
// its Luhn check digit, the EID's last two are ISO 7064 MOD 97-10, the
// IMEI's last digit is Luhn (ident tests check all three).
const (
	vICCID = "89330100000000000012"
	// Iccid: EF ICCID coding, each digit pair swapped: 89 33 01 00 00 00 00
	// 00 00 12 → 98 33 10 00 00 00 00 00 00 21.
	vICCIDHex = "98 33 10 00 00 00 00 00 00 21"
	vEID      = "89049032123451234512345678901235"
	vIMEI     = "352906110000017"
	vAddr     = "smdp.sfr.test"                          // 13 bytes
	vAddrHex  = "73 6D 64 70 2E 73 66 72 2E 74 65 73 74" // "smdp.sfr.test"
	vRootDS   = "lpa.ds.gsma.com"                        // 15 bytes
	vName     = "SFR test profile 1"                     // 18 bytes
	vNameHex  = "53 46 52 20 74 65 73 74 20 70 72 6F 66 69 6C 65 20 31"
	vSKI      = "F5 41 72 BD F9 8A 95 D6 5C BE B8 8A 38 A1 C1 1D 80 0A 85 C3" // 20 bytes
	vAID      = "A0 00 00 05 59 10 10 FF FF FF FF 89 00 00 10 00"             // an ISD-P AID, 16 bytes
	vTID      = "01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10"             // transactionId, 16 bytes
)

// PLMN 208-10 as TS 24.008 mccMnc: MCC2 MCC1 = 02, MNC3 MCC3 = F8 (two
// digit MNC), MNC2 MNC1 = 01.
const vPLMNHex = "02 F8 01"

// vRAT is a rules authorisation table with wildcard digits and a gid1:
// ppr1 and ppr2 for every 2-digit MNC of MCC 208 and for 310410 with gid1
// A1; ppr1, with the end user's consent, for any 3-digit MNC.
var vRAT = []PolicyRule{
	{PPRs: BitsOf(PPR1, PPR2), AllowedOperators: []OperatorID{{PLMN: "208EE"}, {PLMN: "310410", GID1: []byte{0xA1}}}},
	{PPRs: BitsOf(PPR1), AllowedOperators: []OperatorID{{PLMN: "EEEEEE"}}, ConsentRequired: true},
}

type vector struct {
	name   string
	encode func() []byte
	want   string                      // hex, spaces and newlines ignored
	decode func(b []byte) (any, error) // nil: encoder-only vector
	value  any                         // what decode must return
}

func vectors(t testing.TB) []vector {
	aid := hexdump.Bytes(t, vAID)
	tid := hexdump.Bytes(t, vTID)
	ski := hexdump.Bytes(t, vSKI)
	owner := &OperatorID{PLMN: "20810"}
	enabled := ProfileInfo{ICCID: vICCID, AID: aid, State: StateEnabled, Nickname: "Work", ServiceProviderName: "SFR",
		ProfileName: vName, Class: ClassOperational, Owner: owner}
	infoTags := []uint32{TagICCID, TagAID, TagProfileState, TagNickname, TagServiceProvider, TagProfileName, TagProfileClass, TagProfileOwner}
	ppr := BitsOf(PPR1, PPR2)
	info2 := EuiccInfo2{
		ProfileVersion: Version{2, 3, 1}, SVN: Version{2, 2, 2}, FirmwareVer: Version{1, 0, 0},
		ExtCardResource:       ExtCardResource{InstalledApps: 0, FreeNVM: 65536, FreeVM: 4096},
		UICCCapability:        BitsOf(UICCUSIM, UICCMilenage),
		GlobalPlatformVersion: Version{2, 3, 1},
		RSPCapability:         BitsOf(RSPAdditionalProfile, RSPTestProfileSupport),
		CiPKIDVerify:          [][]byte{ski}, CiPKIDSign: [][]byte{ski},
		Category: CategoryBasic, ForbiddenPPR: &ppr,
		PPVersion: Version{0, 0, 1}, SASAccreditationNumber: "SAS1",
	}
	dev := DeviceInfoFor(vIMEI, DeviceCapabilities{EUTRAN: Version{13, 0, 0}})
	nm := NotificationMetadata{Seq: 5, Event: EventEnable, Address: vAddr, ICCID: vICCID}
	seq5 := 5
	return []vector{
		{
			// GetEuiccDataRequest ::= [62] SEQUENCE { tagList [APPLICATION 28]
			// Octet1 } with the EID's tag 5A as the only value.
			name: "GetEuiccDataRequest", encode: GetEuiccDataRequest, want: "BF3E 03 5C 01 5A",
			decode: func(b []byte) (any, error) { return nil, DecodeGetEuiccDataRequest(b) },
		},
		{
			// GetEuiccDataResponse ::= [62] SEQUENCE { eidValue [APPLICATION 26]
			// Octet16 }: the 32 EID digits in plain BCD.
			name: "GetEuiccDataResponse", encode: func() []byte { return EncodeEID(vEID) },
			want:   "BF3E 12 5A 10 89 04 90 32 12 34 51 23 45 12 34 56 78 90 12 35",
			decode: func(b []byte) (any, error) { return DecodeEID(b) }, value: vEID,
		},
		{
			// GetEuiccInfo1Request ::= [32] SEQUENCE {}.
			name: "GetEuiccInfo1Request", encode: GetEUICCInfo1Request, want: "BF20 00",
		},
		{
			// EUICCInfo1 ::= [32] SEQUENCE { svn [2] VersionType,
			// euiccCiPKIdListForVerification [9] SEQUENCE OF
			// SubjectKeyIdentifier, euiccCiPKIdListForSigning [10] ... }:
			// 82 03 020202 (5) + A9 16 {04 14 ski} (24) + AA 16 {...} (24) = 53.
			name: "EUICCInfo1",
			encode: func() []byte {
				return EuiccInfo1{SVN: Version{2, 2, 2}, CiPKIDVerify: [][]byte{ski}, CiPKIDSign: [][]byte{ski}}.Encode()
			},
			want:   "BF20 35 82 03 02 02 02 A9 16 04 14 " + vSKI + " AA 16 04 14 " + vSKI,
			decode: func(b []byte) (any, error) { return DecodeEuiccInfo1(b) },
			value:  EuiccInfo1{SVN: Version{2, 2, 2}, CiPKIDVerify: [][]byte{ski}, CiPKIDSign: [][]byte{ski}},
		},
		{
			// EUICCInfo2 ::= [34] SEQUENCE:
			//   profileVersion [1] 81 03 020301           5
			//   svn [2] 82 03 020202                      5
			//   euiccFirmwareVer [3] 83 03 010000          5
			//   extCardResource [4] 84 0C: TS 102 226 simple TLVs 81 01 00
			//     (0 apps), 82 03 010000 (65536 bytes free NVM), 83 02 1000
			//     (4096 bytes free RAM)                   14
			//   uiccCapability [5] BIT STRING usim(1), milenage(4): highest
			//     bit 4, so one byte, 3 unused bits, 0100 1000 = 48: 85 02 03 48  4
			//   globalplatformVersion [7] 87 03 020301     5
			//   rspCapability [8] additionalProfile(0), testProfileSupport(3):
			//     1001 0000 = 90, 4 unused: 88 02 04 90    4
			//   A9 16 {04 14 ski}, AA 16 {04 14 ski}       48
			//   euiccCategory [11] basicEuicc(1): 8B 01 01  3
			//   forbiddenProfilePolicyRules [25] ppr1(1), ppr2(2): 0110 0000 =
			//     60, 5 unused: 99 02 05 60                4
			//   ppVersion (untagged: the SEQUENCE has tagged components, so
			//     no automatic tags) OCTET STRING 04 03 000001   5
			//   sasAcreditationNumber UTF8String 0C 04 "SAS1"   6
			// 108 bytes = 6C.
			name:   "EUICCInfo2",
			encode: info2.Encode,
			want: `BF22 6C 81 03 02 03 01 82 03 02 02 02 83 03 01 00 00
				84 0C 81 01 00 82 03 01 00 00 83 02 10 00
				85 02 03 48 87 03 02 03 01 88 02 04 90
				A9 16 04 14 ` + vSKI + ` AA 16 04 14 ` + vSKI + `
				8B 01 01 99 02 05 60 04 03 00 00 01 0C 04 53 41 53 31`,
			decode: func(b []byte) (any, error) { return DecodeEuiccInfo2(b) }, value: info2,
		},
		{
			// ctxParams1 [0] CtxParamsForCommonAuthentication:
			//   matchingId [0] 80 03 "ABC"                            5
			//   deviceInfo [1] A1 17:
			//     tac [0] Octet4: 80 04 53 92 60 11 (the IMEI's first 8
			//       digits, TBCD: digit 1 in the low nibble)
			//     deviceCapabilities [1] A1 05 { eutranSupportedRelease [5]
			//       85 03 0D 00 00 (Rel-13) }
			//     imei [2] Octet8: 82 08, digits 1–14 in TBCD, then the
			//       check digit 7 high and F low (SGP.22 v2.1 §4.2):
			//       53 92 60 11 00 00 10 7F                             25
			// 30 bytes = 1E.
			name:   "CtxParams1",
			encode: CtxParams1{MatchingID: "ABC", DeviceInfo: dev}.Encode,
			want: `A0 1E 80 03 41 42 43 A1 17 80 04 53 92 60 11 A1 05 85 03 0D 00 00
				82 08 53 92 60 11 00 00 10 7F`,
			decode: func(b []byte) (any, error) {
				c, err := DecodeCtxParams1(b)
				c.Raw = nil
				return c, err
			},
			value: CtxParams1{MatchingID: "ABC", DeviceInfo: DeviceInfo{TAC: "35290611", Capabilities: DeviceCapabilities{EUTRAN: Version{13, 0, 0}}, IMEI: vIMEI}},
		},
		{
			// ServerSigned1 ::= SEQUENCE { transactionId [0] 80 10,
			// euiccChallenge [1] 81 10, serverAddress [3] 83 0D,
			// serverChallenge [4] 84 10 }: 18 + 18 + 15 + 18 = 69 = 45.
			name: "ServerSigned1",
			encode: ServerSigned1{TransactionID: tid, EuiccChallenge: bytes.Repeat([]byte{0xAA}, 16), ServerAddress: vAddr,
				ServerChallenge: bytes.Repeat([]byte{0xBB}, 16)}.Encode,
			want: "30 45 80 10 " + vTID + " 81 10 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA 83 0D " + vAddrHex +
				" 84 10 BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
		},
		{
			// SmdpSigned2 ::= SEQUENCE { transactionId [0] 80 10, ccRequiredFlag
			// BOOLEAN 01 01 FF }: 21 = 15.
			name:   "SmdpSigned2",
			encode: SmdpSigned2{TransactionID: tid, CCRequired: true}.Encode,
			want:   "30 15 80 10 " + vTID + " 01 01 FF",
		},
		{
			// ProfileInfoListRequest ::= [45] SEQUENCE { searchCriteria [0]
			// CHOICE { iccid Iccid 5A } } → BF2D 0E A0 0C 5A 0A iccid.
			name:   "ProfileInfoListRequest by ICCID",
			encode: ProfileInfoListRequest{ICCID: vICCID}.Encode,
			want:   "BF2D 0E A0 0C 5A 0A " + vICCIDHex,
			decode: func(b []byte) (any, error) { return DecodeProfileInfoListRequest(b) },
			value:  ProfileInfoListRequest{ICCID: vICCID},
		},
		{
			// tagList [APPLICATION 28] OCTET STRING: the tags one after the
			// other, 5A 9F70 92.
			name:   "ProfileInfoListRequest with tagList",
			encode: ProfileInfoListRequest{Tags: []uint32{TagICCID, TagProfileState, TagProfileName}}.Encode,
			want:   "BF2D 06 5C 04 5A 9F 70 92",
			decode: func(b []byte) (any, error) { return DecodeProfileInfoListRequest(b) },
			value:  ProfileInfoListRequest{Tags: []uint32{TagICCID, TagProfileState, TagProfileName}},
		},
		{
			// ProfileInfoListResponse ::= [45] CHOICE { profileInfoListOk
			// SEQUENCE OF ProfileInfo } → A0; ProfileInfo ::= [PRIVATE 3]
			// SEQUENCE → E3:
			//   iccid 5A 0A …                                 12
			//   isdpAid [APPLICATION 15] 4F 10 …              18
			//   profileState [112] 9F70 01 01 (enabled)        4
			//   profileNickname [16] 90 04 "Work"              6
			//   serviceProviderName [17] 91 03 "SFR"           5
			//   profileName [18] 92 12 "SFR test profile 1"   20
			//   profileClass [21] DEFAULT operational: the value
			//     is operational, so DER leaves it out (X.690
			//     §11.5; asn1c refused 95 01 02 here)        0
			//   profileOwner [23] B7 05 { mccMnc [0] 80 03 }   7
			// 72 = 48; A0 4A; BF2D 4C.
			name:   "ProfileInfoListResponse",
			encode: func() []byte { return EncodeProfileInfoList([]ProfileInfo{enabled}, infoTags, 0) },
			want: `BF2D 4C A0 4A E3 48 5A 0A ` + vICCIDHex + ` 4F 10 ` + vAID + `
				9F 70 01 01 90 04 57 6F 72 6B 91 03 53 46 52 92 12 ` + vNameHex + `
				B7 05 80 03 ` + vPLMNHex,
			decode: func(b []byte) (any, error) {
				l, _, err := DecodeProfileInfoList(b)
				for i := range l {
					l[i].Has = nil
				}
				return l, err
			},
			value: []ProfileInfo{enabled},
		},
		{
			// profileInfoListError [1] INTEGER { incorrectInputValues(1) }.
			name: "ProfileInfoListResponse error", encode: func() []byte { return EncodeProfileInfoList(nil, nil, ProfileInfoIncorrectInput) },
			want: "BF2D 03 81 01 01",
		},
		{
			// EnableProfileRequest ::= [49] SEQUENCE { profileIdentifier [0]
			// CHOICE { iccid 5A }, refreshFlag [1] BOOLEAN } → A0 0C {5A 0A
			// …} 81 01 FF: 14 + 3 = 17 = 11.
			name:   "EnableProfileRequest",
			encode: SwitchRequest{Tag: TagEnableProfile, Profile: ProfileID{ICCID: vICCID}, Refresh: true}.Encode,
			want:   "BF31 11 A0 0C 5A 0A " + vICCIDHex + " 81 01 FF",
			decode: func(b []byte) (any, error) { return DecodeSwitchRequest(b) },
			value:  SwitchRequest{Tag: TagEnableProfile, Profile: ProfileID{ICCID: vICCID}, Refresh: true},
		},
		{
			// DisableProfileRequest ::= [50] SEQUENCE { profileIdentifier [0]
			// CHOICE { isdpAid 4F }, refreshFlag [1] FALSE }: 20 + 3 = 23 = 17.
			name:   "DisableProfileRequest",
			encode: SwitchRequest{Tag: TagDisableProfile, Profile: ProfileID{AID: aid}}.Encode,
			want:   "BF32 17 A0 12 4F 10 " + vAID + " 81 01 00",
			decode: func(b []byte) (any, error) { return DecodeSwitchRequest(b) },
			value:  SwitchRequest{Tag: TagDisableProfile, Profile: ProfileID{AID: aid}},
		},
		{
			// EnableProfileResponse ::= [49] SEQUENCE { enableResult INTEGER
			// { profileNotInDisabledState(2) } } → 80 01 02.
			name: "EnableProfileResponse", encode: func() []byte { return EncodeResult(TagEnableProfile, ResultWrongState) },
			want:   "BF31 03 80 01 02",
			decode: func(b []byte) (any, error) { return DecodeResult(TagEnableProfile, b) }, value: ResultWrongState,
		},
		{
			// DeleteProfileRequest ::= [51] CHOICE { isdpAid, iccid }: the
			// chosen alternative sits directly inside BF33.
			name:   "DeleteProfileRequest",
			encode: func() []byte { return DeleteProfileRequest(ProfileID{ICCID: vICCID}) },
			want:   "BF33 0C 5A 0A " + vICCIDHex,
			decode: func(b []byte) (any, error) { return DecodeDeleteProfileRequest(b) },
			value:  ProfileID{ICCID: vICCID},
		},
		{
			// EuiccMemoryResetRequest ::= [52] SEQUENCE { resetOptions [2] BIT
			// STRING { deleteOperationalProfiles(0), deleteFieldLoadedTestProfiles(1),
			// resetDefaultSmdpAddress(2) } }: bits 0 and 2 → 1010 0000 = A0,
			// 5 unused.
			name: "EuiccMemoryResetRequest",
			encode: func() []byte {
				return EuiccMemoryResetRequest(BitsOf(ResetOperationalProfiles, ResetDefaultSmdpAddress))
			},
			want:   "BF34 04 82 02 05 A0",
			decode: func(b []byte) (any, error) { return DecodeEuiccMemoryResetRequest(b) },
			value:  BitsOf(ResetOperationalProfiles, ResetDefaultSmdpAddress),
		},
		{
			// SetNicknameRequest ::= [41] SEQUENCE { iccid Iccid,
			// profileNickname [16] UTF8String }: 12 + 6 = 18 = 12.
			name:   "SetNicknameRequest",
			encode: SetNicknameRequest{ICCID: vICCID, Nickname: "Work"}.Encode,
			want:   "BF29 12 5A 0A " + vICCIDHex + " 90 04 57 6F 72 6B",
			decode: func(b []byte) (any, error) { return DecodeSetNicknameRequest(b) },
			value:  SetNicknameRequest{ICCID: vICCID, Nickname: "Work"},
		},
		{
			// EuiccConfiguredAddressesResponse ::= [60] SEQUENCE {
			// defaultDpAddress UTF8String OPTIONAL, rootDsAddress UTF8String }:
			// automatic tags 80 and 81; 15 + 17 = 32 = 20.
			name:   "EuiccConfiguredAddressesResponse",
			encode: ConfiguredAddresses{DefaultDP: vAddr, RootDS: vRootDS}.Encode,
			want:   "BF3C 20 80 0D " + vAddrHex + " 81 0F 6C 70 61 2E 64 73 2E 67 73 6D 61 2E 63 6F 6D",
			decode: func(b []byte) (any, error) { return DecodeConfiguredAddresses(b) },
			value:  ConfiguredAddresses{DefaultDP: vAddr, RootDS: vRootDS},
		},
		{
			// SetDefaultDpAddressRequest ::= [63] SEQUENCE { defaultDpAddress
			// UTF8String } → 80 (automatic tag).
			name:   "SetDefaultDpAddressRequest",
			encode: func() []byte { return SetDefaultDpAddressRequest(vAddr) },
			want:   "BF3F 0F 80 0D " + vAddrHex,
			decode: func(b []byte) (any, error) { return DecodeSetDefaultDpAddressRequest(b) }, value: vAddr,
		},
		{
			// GetRatResponse ::= [67] SEQUENCE { rat RulesAuthorisationTable }
			// → A0; ProfilePolicyAuthorisationRule ::= SEQUENCE { pprIds PprIds
			// 80 02 06 40 (ppr1), allowedOperators SEQUENCE OF OperatorId A1 07
			// {30 05 {80 03 mccMnc}}, pprFlags BIT STRING { consentRequired(0) }
			// 82 02 07 80 }: 4 + 9 + 4 = 17 = 11.
			name: "GetRatResponse",
			encode: func() []byte {
				return EncodeRAT([]PolicyRule{{PPRs: BitsOf(PPR1), AllowedOperators: []OperatorID{*owner}, ConsentRequired: true}})
			},
			want:   "BF43 15 A0 13 30 11 80 02 06 40 A1 07 30 05 80 03 " + vPLMNHex + " 82 02 07 80",
			decode: func(b []byte) (any, error) { return DecodeRAT(b) },
			value:  []PolicyRule{{PPRs: BitsOf(PPR1), AllowedOperators: []OperatorID{*owner}, ConsentRequired: true}},
		},
		{
			// Two rules. The first: pprIds ppr1 and ppr2 (0110 0000, 5
			// unused bits) 80 02 05 60; allowedOperators A1 11 {30 05 {80 03
			// 02 F8 EE} (208EE: every 2-digit MNC of MCC 208), 30 08 {80 03
			// 13 00 14, 81 01 A1} (310410 with gid1 A1)}; no flag 82 01 00:
			// 4 + 19 + 3 = 26 = 1A. The second: ppr1 80 02 06 40, any
			// operator with a 3-digit MNC A1 07 {30 05 {80 03 EE EE EE}},
			// consentRequired 82 02 07 80: 4 + 9 + 4 = 17 = 11.
			// A0: 28 + 19 = 47 = 2F; BF43: 49 = 31.
			name: "GetRatResponse with wildcards and gid1",
			encode: func() []byte {
				return EncodeRAT(vRAT)
			},
			want: `BF43 31 A0 2F
				30 1A 80 02 05 60 A1 11 30 05 80 03 02 F8 EE 30 08 80 03 13 00 14 81 01 A1 82 01 00
				30 11 80 02 06 40 A1 07 30 05 80 03 EE EE EE 82 02 07 80`,
			decode: func(b []byte) (any, error) { return DecodeRAT(b) },
			value:  vRAT,
		},
		{
			// StoreMetadataRequest ::= [37] SEQUENCE:
			//   iccid 5A 0A                                               12
			//   serviceProviderName [17] 91 03 "SFR"                       5
			//   profileName [18] 92 12                                    20
			//   profileClass [21] DEFAULT operational: absent (X.690
			//     §11.5; the strict peer refused 95 01 02 here)           0
			//   notificationConfigurationInfo [22] B6 15 { 30 13 {
			//     profileManagementOperation [0] 80 02 07 80 (install, bit 0),
			//     notificationAddress [1] 81 0D "smdp.sfr.test" } }         23
			//   profileOwner [23] B7 05 { 80 03 mccMnc }                   7
			// 67 = 43.
			name: "StoreMetadataRequest",
			encode: ProfileMetadata{ICCID: vICCID, ServiceProviderName: "SFR", ProfileName: vName, Class: ClassOperational,
				NotificationConfig: []NotificationConfig{{Events: Events(EventInstall), Address: vAddr}}, Owner: owner}.Encode,
			want: `BF25 43 5A 0A ` + vICCIDHex + ` 91 03 53 46 52 92 12 ` + vNameHex + `
				B6 15 30 13 80 02 07 80 81 0D ` + vAddrHex + ` B7 05 80 03 ` + vPLMNHex,
			decode: func(b []byte) (any, error) { return DecodeProfileMetadata(b) },
			value: ProfileMetadata{ICCID: vICCID, ServiceProviderName: "SFR", ProfileName: vName, Class: ClassOperational,
				NotificationConfig: []NotificationConfig{{Events: Events(EventInstall), Address: vAddr}}, Owner: owner},
		},
		{
			// ListNotificationRequest ::= [40] SEQUENCE {
			// profileManagementOperation [1] NotificationEvent OPTIONAL }:
			// install is bit 0 → 07 80.
			name:   "ListNotificationRequest",
			encode: ListNotificationRequest{Filter: new(NotificationEvents(1))}.Encode,
			want:   "BF28 04 81 02 07 80",
			decode: func(b []byte) (any, error) { return DecodeListNotificationRequest(b) },
			value:  ListNotificationRequest{Filter: new(NotificationEvents(1))},
		},
		{
			// ListNotificationResponse ::= [40] CHOICE { notificationMetadataList
			// [0] SEQUENCE OF NotificationMetadata } → A0; NotificationMetadata
			// ::= [47] SEQUENCE { seqNumber [0] 80 01 05, profileManagementOperation
			// [1] 81 02 06 40 (enable, bit 1), notificationAddress UTF8String
			// 0C 0D, iccid 5A 0A }: 3 + 4 + 15 + 12 = 34 = 22; A0 25; BF28 27.
			name:   "ListNotificationResponse",
			encode: func() []byte { return EncodeListNotificationResponse([]NotificationMetadata{nm}) },
			want:   "BF28 27 A0 25 BF2F 22 80 01 05 81 02 06 40 0C 0D " + vAddrHex + " 5A 0A " + vICCIDHex,
			decode: func(b []byte) (any, error) { return DecodeListNotificationResponse(b) },
			value:  []NotificationMetadata{nm},
		},
		{
			// RetrieveNotificationsListRequest ::= [43] SEQUENCE { searchCriteria
			// CHOICE { seqNumber [0] INTEGER, ... } OPTIONAL }: the CHOICE gets
			// automatic tag [0] (explicit, as every tagged CHOICE): A0 03 80 01 05.
			name:   "RetrieveNotificationsListRequest",
			encode: RetrieveNotificationsListRequest{Seq: &seq5}.Encode,
			want:   "BF2B 05 A0 03 80 01 05",
			decode: func(b []byte) (any, error) { return DecodeRetrieveNotificationsListRequest(b) },
			value:  RetrieveNotificationsListRequest{Seq: &seq5},
		},
		{
			// NotificationSentRequest ::= [48] SEQUENCE { seqNumber [0] INTEGER }.
			name: "NotificationSentRequest", encode: func() []byte { return EncodeNotificationSentRequest(5) },
			want:   "BF30 03 80 01 05",
			decode: func(b []byte) (any, error) { return DecodeNotificationSentRequest(b) }, value: 5,
		},
		{
			// CancelSessionRequest ::= [65] SEQUENCE { transactionId [0] 80 10,
			// reason [1] CancelSessionReason 81 01 00 (endUserRejection) }.
			name:   "CancelSessionRequest",
			encode: CancelSessionRequest{TransactionID: tid, Reason: CancelEndUserRejection}.Encode,
			want:   "BF41 15 80 10 " + vTID + " 81 01 00",
			decode: func(b []byte) (any, error) { return DecodeCancelSessionRequest(b) },
			value:  CancelSessionRequest{TransactionID: tid, Reason: CancelEndUserRejection},
		},
		{
			// CancelSessionResponse ::= [65] CHOICE → BF41 (a tagged CHOICE
			// is explicit); cancelSessionResponseOk [0] A0 {
			//   euiccCancelSessionSigned SEQUENCE 30 1A: none of its
			//   components has a tag, so AUTOMATIC TAGS numbers them:
			//     transactionId [0] 80 10 …                         18
			//     smdpOid [1] OBJECT IDENTIFIER 81 03 (2.999.10: 2×40+999
			//       = 1079 = 88 37, then 0A), not 06 03 — asn1c refused
			//       the 06 form                                        5
			//     reason [2] 82 01 01 (postponed)                      3
			//   euiccCancelSessionSignature [APPLICATION 55] 5F37 40 …  67 }
			// 28 + 67 = 95 = 5F; A0 5F; BF41 61.
			name: "CancelSessionResponse",
			encode: CancelSessionResponse{TransactionID: tid, SmdpOID: []byte{0x88, 0x37, 0x0A}, Reason: CancelPostponed,
				Signature: bytes.Repeat([]byte{0xAB}, SigLen)}.Encode,
			want:   "BF41 61 A0 5F 30 1A 80 10 " + vTID + " 81 03 88 37 0A 82 01 01 5F37 40" + strings.Repeat(" AB", SigLen),
			decode: func(b []byte) (any, error) { return DecodeCancelSessionResponse(b) },
			value: CancelSessionResponse{TransactionID: tid, SmdpOID: []byte{0x88, 0x37, 0x0A}, Reason: CancelPostponed,
				Signature: bytes.Repeat([]byte{0xAB}, SigLen), Raw: hexdump.Bytes(t, "30 1A 80 10 "+vTID+" 81 03 88 37 0A 82 01 01")},
		},
		{
			// ProfileInstallationResultData ::= [39] SEQUENCE {
			//   transactionId [0] 80 10                                     18
			//   notificationMetadata [47] BF2F 22 { 80 01 01, 81 02 07 80
			//     (install), 0C 0D address, 5A 0A iccid }                    37
			//   smdpOid OBJECT IDENTIFIER 06 04: 2.999.10.1 → 2×40+999 =
			//     1079 = 8×128+55 → 88 37, then 0A, 01                        6
			//   finalResult [2] A2 1A { successResult A0 18 { aid
			//     [APPLICATION 15] 4F 10 …, simaResponse OCTET STRING 04 04
			//     30 02 A0 00 (EUICCResponse with an empty peStatus) } }      28
			// 89 = 59. SuccessResult has a tagged component, so no automatic
			// tags inside it: 4F and 04 stay.
			name: "ProfileInstallationResultData success",
			encode: ProfileInstallationResultData{TransactionID: tid, SmdpOID: []byte{0x88, 0x37, 0x0A, 0x01}, OK: true, AID: aid,
				Notification: NotificationMetadata{Seq: 1, Event: EventInstall, Address: vAddr, ICCID: vICCID}}.Encode,
			want: `BF27 59 80 10 ` + vTID + ` BF2F 22 80 01 01 81 02 07 80 0C 0D ` + vAddrHex + ` 5A 0A ` + vICCIDHex + `
				06 04 88 37 0A 01 A2 1A A0 18 4F 10 ` + vAID + ` 04 04 30 02 A0 00`,
		},
		{
			// finalResult errorResult [1] A1 { bppCommandId 80 01 05
			// (loadProfileElements), errorReason 81 01 0C
			// (installFailedDueToPEProcessingError) }: ErrorResult's
			// components are untagged, so automatic tags apply; 18 + 37 + 10
			// = 65 = 41.
			name: "ProfileInstallationResultData error",
			encode: ProfileInstallationResultData{TransactionID: tid, CommandID: BPPCmdLoadProfileElements, ErrorReason: ReasonPEProcessingError,
				Notification: NotificationMetadata{Seq: 1, Event: EventInstall, Address: vAddr, ICCID: vICCID}}.Encode,
			want: `BF27 41 80 10 ` + vTID + ` BF2F 22 80 01 01 81 02 07 80 0C 0D ` + vAddrHex + ` 5A 0A ` + vICCIDHex + `
				A2 08 A1 06 80 01 05 81 01 0C`,
		},
		{
			// InitialiseSecureChannelRequest ::= [35] SEQUENCE { remoteOpId
			// [2] 82 01 01, transactionId [0] 80 10, controlRefTemplate [6]
			// IMPLICIT A6 09 { keyType [0] 80 01 88 (AES), keyLen [1] 81 01 10,
			// hostId [4] 84 01 01 }, smdpOtpk [APPLICATION 73] 5F49 01 04,
			// smdpSign [APPLICATION 55] 5F37 01 FF }: 3+18+11+4+4 = 40 = 28.
			// (Real keys and signatures are 65 and 64 bytes; one byte each
			// keeps the vector short; the decoder, which checks SigLen, is
			// exercised by the card tests.)
			name: "InitialiseSecureChannelRequest",
			encode: InitialiseSecureChannel{RemoteOpID: RemoteOpInstallBPP, TransactionID: tid, KeyType: KeyTypeAES, KeyLen: KeyLenAES128,
				HostID: []byte{1}, SmdpOtpk: []byte{4}, SmdpSign: []byte{0xFF}}.Encode,
			want: "BF23 28 82 01 01 80 10 " + vTID + " A6 09 80 01 88 81 01 10 84 01 01 5F49 01 04 5F37 01 FF",
		},
	}
}

func TestVectors(t *testing.T) {
	for _, v := range vectors(t) {
		t.Run(v.name, func(t *testing.T) {
			want := hexdump.Bytes(t, v.want)
			got := v.encode()
			if !bytes.Equal(got, want) {
				t.Fatalf("encoded\n %X\nwant\n %X", got, want)
			}
			if v.decode == nil {
				return
			}
			val, err := v.decode(want)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if v.value != nil && !reflect.DeepEqual(val, v.value) {
				t.Fatalf("decoded %+v\nwant    %+v", val, v.value)
			}
		})
	}
}

// The bytes each signature covers, worked out by hand from SGP.22 v2.2.2
// (§5.6.2 and §5.7.5 for smdpSignature2 and euiccSignature2, §2.5.3 /
// ES8+.InitialiseSecureChannel for smdpSign). The card and the SM-DP+
// both build these through the functions under test, so a layout error
// shared by both would still verify between them (mutation test t237,
// M14: SignedData2 without euiccSignature1's 5F37 tag and length passed
// every emulated spec); a third-party peer would refuse it. These vectors
// name such an error.
func TestSignedInputs(t *testing.T) {
	sig := strings.Repeat("AB ", SigLen) // an ECDSA r‖s, 64 bytes
	otpk := "04" + strings.Repeat(" 11", 64)
	tid := hexdump.Bytes(t, vTID)
	for _, v := range []struct {
		name string
		got  func() []byte
		want string
	}{{
		// smdpSignature2 covers smdpSigned2 (30: transactionId 80,
		// ccRequiredFlag 01 BOOLEAN false) ‖ euiccSignature1 with its tag
		// 5F37 and length 40.
		name: "smdpSignature2's input",
		got: func() []byte {
			return SignedData2(SmdpSigned2{TransactionID: tid}.Encode(), hexdump.Bytes(t, sig))
		},
		want: "30 15 80 10 " + vTID + " 01 01 00 5F37 40 " + sig,
	}, {
		// euiccSignature2 covers euiccSigned2 ‖ smdpSignature2, the
		// latter again with its tag and length (the card signs what the
		// SM-DP+ sent, tag included).
		name: "euiccSignature2's input",
		got: func() []byte {
			return SignedData2(EuiccSigned2{TransactionID: tid, EuiccOtpk: hexdump.Bytes(t, otpk)}.Encode(), hexdump.Bytes(t, sig))
		},
		want: "30 56 80 10 " + vTID + " 5F49 41 " + otpk + " 5F37 40 " + sig,
	}, {
		// smdpSign covers remoteOpId 82, transactionId 80,
		// controlRefTemplate A6 (keyType 80, keyLen 81, hostId 84),
		// smdpOtpk 5F49 — as sent, tags included — ‖ the card's
		// euiccOtpk with its tag 5F49.
		name: "smdpSign's input",
		got: func() []byte {
			isc := InitialiseSecureChannel{RemoteOpID: RemoteOpInstallBPP, TransactionID: tid, KeyType: KeyTypeAES, KeyLen: KeyLenAES128,
				HostID: []byte{1}, SmdpOtpk: []byte{4}, SmdpSign: []byte{0xFF}}
			return isc.SignedData(hexdump.Bytes(t, otpk))
		},
		want: "82 01 01 80 10 " + vTID + " A6 09 80 01 88 81 01 10 84 01 01 5F49 01 04 5F49 41 " + otpk,
	}} {
		t.Run(v.name, func(t *testing.T) {
			if got, want := v.got(), hexdump.Bytes(t, v.want); !bytes.Equal(got, want) {
				t.Fatalf("signed input\n %X\nwant\n %X", got, want)
			}
		})
	}
}
