package es10

// GetEUICCInfo (SGP.22 §5.7.8) and GetEuiccChallenge (§5.7.7).

import (
	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// EuiccInfo1 is EUICCInfo1 (BF20): svn [2] 82, euiccCiPKIdListForVerification
// [9] A9 and euiccCiPKIdListForSigning [10] AA (each a SEQUENCE OF
// SubjectKeyIdentifier, 04).
type EuiccInfo1 struct {
	SVN          Version
	CiPKIDVerify [][]byte
	CiPKIDSign   [][]byte
}

// Encode returns the BF20 encoding.
func (e EuiccInfo1) Encode() []byte {
	return tlv.Constructed(TagGetEUICCInfo1, tlv.New(0x82, e.SVN[:]),
		keyIDList(0xA9, e.CiPKIDVerify), keyIDList(0xAA, e.CiPKIDSign)).Bytes()
}

func keyIDList(tag uint32, ids [][]byte) tlv.TLV {
	var cs []tlv.TLV
	for _, id := range ids {
		cs = append(cs, tlv.New(0x04, id))
	}
	return tlv.Constructed(tag, cs...)
}

func decodeKeyIDList(f *fields, tag uint32) [][]byte {
	obj := f.obj(tag)
	if f.err != nil {
		return nil
	}
	var out [][]byte
	f.err = seqOf(obj, 0x04, maxList, func(c tlv.TLV) error {
		if len(c.Value) == 0 || len(c.Value) > 64 {
			return decodeErr("%X: key id of %d bytes", tag, len(c.Value))
		}
		out = append(out, clone(c.Value))
		return nil
	})
	return out
}

// DecodeEuiccInfo1 decodes BF20.
func DecodeEuiccInfo1(b []byte) (EuiccInfo1, error) {
	f, err := parseOuter(b, TagGetEUICCInfo1)
	if err != nil {
		return EuiccInfo1{}, err
	}
	e := EuiccInfo1{SVN: f.version(0x82)}
	e.CiPKIDVerify = decodeKeyIDList(f, 0xA9)
	e.CiPKIDSign = decodeKeyIDList(f, 0xAA)
	return e, f.err
}

// UICCCapability bits (SGP.22 Annex H, from the SAIP ServicesList).
const (
	UICCContactless = iota
	UICCUSIM
	UICCISIM
	UICCCSIM
	UICCMilenage
	UICCCave
	UICCTuak128
	UICCTuak256
	UICCRFU1
	UICCRFU2
	UICCGBAUSIM
	UICCGBAISIM
	UICCMBMSUSIM
	UICCEAPClient
	UICCJavacard
	UICCMultos
	UICCMultipleUSIM
	UICCMultipleISIM
	UICCMultipleCSIM
)

// RspCapability bits (SGP.22 v2.2.2 Annex H).
const (
	RSPAdditionalProfile = iota
	RSPCRLSupport
	RSPRPMSupport
	RSPTestProfileSupport
)

// euiccCategory values.
const (
	CategoryOther = iota
	CategoryBasic
	CategoryMedium
	CategoryContactless
)

// ExtCardResource is extCardResource (ETSI TS 102 226 §8.2.1.3.2): 81
// installed applications, 82 free non-volatile memory, 83 free volatile
// memory, as simple TLVs inside the OCTET STRING.
type ExtCardResource struct {
	InstalledApps, FreeNVM, FreeVM int
}

// CertificationDataObject is certificationDataObject [12] (AC): 80
// platformLabel, 81 discoveryBaseURL (GlobalPlatform DLOA).
type CertificationDataObject struct {
	PlatformLabel, DiscoveryBaseURL string
}

// EuiccInfo2 is EUICCInfo2 (BF22) of SGP.22 v2.2.2: profileVersion 81, svn
// 82, euiccFirmwareVer 83, extCardResource 84, uiccCapability 85,
// javacardVersion 86 (optional), globalplatformVersion 87 (optional),
// rspCapability 88, the CI key id lists A9/AA, euiccCategory 8B (optional),
// forbiddenProfilePolicyRules 99 (optional), ppVersion 04,
// sasAcreditationNumber 0C (UTF8String 0..64) and certificationDataObject
// AC (optional). ppVersion and sasAcreditationNumber have no context tag:
// the SEQUENCE has tagged components, so automatic tagging does not apply.
type EuiccInfo2 struct {
	ProfileVersion, SVN, FirmwareVer Version
	ExtCardResource                  ExtCardResource
	UICCCapability                   Bits
	JavacardVersion                  Version // zero: absent
	GlobalPlatformVersion            Version // zero: absent
	RSPCapability                    Bits
	CiPKIDVerify, CiPKIDSign         [][]byte
	Category                         int   // -1: absent
	ForbiddenPPR                     *Bits // nil: absent
	PPVersion                        Version
	SASAccreditationNumber           string
	CertificationData                *CertificationDataObject
}

// Encode returns the BF22 encoding.
func (e EuiccInfo2) Encode() []byte { return e.tlv().Bytes() }

func (e EuiccInfo2) tlv() tlv.TLV {
	r := e.ExtCardResource
	ext := tlv.Encode(tlv.Uint(0x81, r.InstalledApps), tlv.Uint(0x82, r.FreeNVM), tlv.Uint(0x83, r.FreeVM))
	cs := []tlv.TLV{tlv.New(0x81, e.ProfileVersion[:]), tlv.New(0x82, e.SVN[:]), tlv.New(0x83, e.FirmwareVer[:]),
		tlv.New(0x84, ext), bitsTLV(0x85, e.UICCCapability)}
	if e.JavacardVersion != (Version{}) {
		cs = append(cs, tlv.New(0x86, e.JavacardVersion[:]))
	}
	if e.GlobalPlatformVersion != (Version{}) {
		cs = append(cs, tlv.New(0x87, e.GlobalPlatformVersion[:]))
	}
	cs = append(cs, bitsTLV(0x88, e.RSPCapability), keyIDList(0xA9, e.CiPKIDVerify), keyIDList(0xAA, e.CiPKIDSign))
	if e.Category >= 0 {
		cs = append(cs, tlv.Uint(0x8B, e.Category))
	}
	if e.ForbiddenPPR != nil {
		cs = append(cs, bitsTLV(0x99, *e.ForbiddenPPR))
	}
	cs = append(cs, tlv.New(0x04, e.PPVersion[:]), tlv.New(0x0C, []byte(e.SASAccreditationNumber)))
	if c := e.CertificationData; c != nil {
		cs = append(cs, tlv.Constructed(0xAC, tlv.New(0x80, []byte(c.PlatformLabel)), tlv.New(0x81, []byte(c.DiscoveryBaseURL))))
	}
	return tlv.Constructed(TagGetEUICCInfo2, cs...)
}

// DecodeEuiccInfo2 decodes BF22.
func DecodeEuiccInfo2(b []byte) (EuiccInfo2, error) {
	f, err := parseOuter(b, TagGetEUICCInfo2)
	if err != nil {
		return EuiccInfo2{}, err
	}
	return euiccInfo2From(f)
}

func euiccInfo2From(f *fields) (EuiccInfo2, error) {
	e := EuiccInfo2{ProfileVersion: f.version(0x81), SVN: f.version(0x82), FirmwareVer: f.version(0x83)}
	ext := f.get(0x84)
	e.UICCCapability = f.bits(0x85)
	e.JavacardVersion = f.optVersion(0x86)
	e.GlobalPlatformVersion = f.optVersion(0x87)
	e.RSPCapability = f.bits(0x88)
	e.CiPKIDVerify = decodeKeyIDList(f, 0xA9)
	e.CiPKIDSign = decodeKeyIDList(f, 0xAA)
	e.Category = f.optInt(0x8B)
	if v, ok := f.opt(0x99); ok && f.err == nil {
		b, err := decodeBits(v)
		if err != nil {
			return EuiccInfo2{}, err
		}
		e.ForbiddenPPR = &b
	}
	e.PPVersion = f.version(0x04)
	e.SASAccreditationNumber = f.text(0x0C, 64)
	if c, ok := f.find(0xAC); ok && f.err == nil {
		cf, err := inner(c)
		if err != nil {
			return EuiccInfo2{}, err
		}
		e.CertificationData = &CertificationDataObject{PlatformLabel: cf.text(0x80, maxText), DiscoveryBaseURL: cf.text(0x81, maxText)}
		if cf.err != nil {
			return EuiccInfo2{}, cf.err
		}
	}
	if f.err != nil {
		return EuiccInfo2{}, f.err
	}
	list, err := tlv.Parse(ext)
	if err != nil {
		return EuiccInfo2{}, decodeErr("BF22: extCardResource: %v", err)
	}
	x := &fields{tag: 0x84, list: list}
	e.ExtCardResource = ExtCardResource{InstalledApps: x.integer(0x81), FreeNVM: x.integer(0x82), FreeVM: x.integer(0x83)}
	return e, x.err
}

// GetEuiccChallengeRequest is the request BF2E with no content.
func GetEuiccChallengeRequest() []byte { return tlv.Constructed(TagGetEuiccChallenge).Bytes() }

// EncodeEuiccChallenge returns the response BF2E {80 euiccChallenge}.
func EncodeEuiccChallenge(ch []byte) []byte {
	return tlv.Constructed(TagGetEuiccChallenge, tlv.New(0x80, ch)).Bytes()
}

// DecodeEuiccChallenge decodes the response BF2E {80 euiccChallenge}.
func DecodeEuiccChallenge(b []byte) ([]byte, error) {
	f, err := parseOuter(b, TagGetEuiccChallenge)
	if err != nil {
		return nil, err
	}
	ch := f.fixed(0x80, ChallengeLen)
	return clone(ch), f.err
}

// GetEUICCInfo1Request is BF20 with no content.
func GetEUICCInfo1Request() []byte { return tlv.Constructed(TagGetEUICCInfo1).Bytes() }

// GetEUICCInfo2Request is BF22 with no content.
func GetEUICCInfo2Request() []byte { return tlv.Constructed(TagGetEUICCInfo2).Bytes() }
