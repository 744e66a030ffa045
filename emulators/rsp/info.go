package rsp

// EUICCInfo1 / EUICCInfo2 (SGP.22 §5.7.8, §5.7.9) and GetEuiccChallenge
// (§5.7.7).

import (
	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// ES10b request/response tags (SGP.22 §5.7).
const (
	TagGetEUICCInfo1         = 0xBF20
	TagPrepareDownload       = 0xBF21
	TagGetEUICCInfo2         = 0xBF22
	TagInitialiseSecureCh    = 0xBF23
	TagConfigureISDP         = 0xBF24
	TagStoreMetadata         = 0xBF25
	TagReplaceSessionKeys    = 0xBF26
	TagPIRData               = 0xBF27
	TagListNotification      = 0xBF28
	TagRetrieveNotifications = 0xBF2B
	TagGetEuiccChallenge     = 0xBF2E
	TagNotificationMetadata  = 0xBF2F
	TagNotificationSent      = 0xBF30
	TagDeleteProfile         = 0xBF33
	TagBoundProfilePackage   = 0xBF36
	TagProfileInstallResult  = 0xBF37
	TagAuthenticateServer    = 0xBF38
	TagCancelSession         = 0xBF41
)

// ChallengeLen is the length of euiccChallenge / serverChallenge (Octet16).
const ChallengeLen = 16

// maxList bounds lists of key identifiers decoded from the wire.
const maxList = 16

// EuiccInfo1 is EUICCInfo1 (BF20): svn 82, euiccCiPKIdListForVerification
// A9 and euiccCiPKIdListForSigning AA (each a list of 04 SubjectKeyIdentifier).
type EuiccInfo1 struct {
	SVN          [3]byte
	CiPKIDVerify [][]byte
	CiPKIDSign   [][]byte
}

// Encode returns the BF20 encoding.
func (e EuiccInfo1) Encode() []byte {
	return tlv.Constructed(TagGetEUICCInfo1, e.fields()...).Bytes()
}

func (e EuiccInfo1) fields() []tlv.TLV {
	return []tlv.TLV{tlv.New(0x82, e.SVN[:]), keyIDList(0xA9, e.CiPKIDVerify), keyIDList(0xAA, e.CiPKIDSign)}
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
	cs, err := obj.Children()
	if err != nil || len(cs) > maxList {
		f.err = decodeErr("%X: bad key id list", tag)
		return nil
	}
	var out [][]byte
	for _, c := range cs {
		if c.Tag != 0x04 || len(c.Value) == 0 || len(c.Value) > 64 {
			f.err = decodeErr("%X: bad key id %X", tag, c.Tag)
			return nil
		}
		out = append(out, clone(c.Value))
	}
	return out
}

// DecodeEuiccInfo1 decodes BF20.
func DecodeEuiccInfo1(b []byte) (EuiccInfo1, error) {
	f, err := parseOuter(b, TagGetEUICCInfo1)
	if err != nil {
		return EuiccInfo1{}, err
	}
	return euiccInfo1From(f)
}

func euiccInfo1From(f *fields) (EuiccInfo1, error) {
	var e EuiccInfo1
	copy(e.SVN[:], f.fixed(0x82, 3))
	e.CiPKIDVerify = decodeKeyIDList(f, 0xA9)
	e.CiPKIDSign = decodeKeyIDList(f, 0xAA)
	return e, f.err
}

// EuiccInfo2 is a minimal EUICCInfo2 (BF22): profileVersion 81, svn 82,
// euiccFirmwareVer 83, extCardResource 84 (ETSI TS 102 226 §8.2.1.3.2:
// 81 installed applications, 82 free non-volatile memory, 83 free volatile
// memory), globalplatformVersion 87, the two CI key id lists A9/AA, and
// ppVersion 04.
type EuiccInfo2 struct {
	ProfileVersion, SVN, FirmwareVer [3]byte
	InstalledApps                    int
	FreeNVM, FreeVM                  int
	CiPKIDVerify, CiPKIDSign         [][]byte
	PPVersion                        [3]byte
}

// Encode returns the BF22 encoding.
func (e EuiccInfo2) Encode() []byte { return e.tlv().Bytes() }

func (e EuiccInfo2) tlv() tlv.TLV {
	ext := tlv.Encode(intTLV(0x81, e.InstalledApps), intTLV(0x82, e.FreeNVM), intTLV(0x83, e.FreeVM))
	return tlv.Constructed(TagGetEUICCInfo2,
		tlv.New(0x81, e.ProfileVersion[:]), tlv.New(0x82, e.SVN[:]), tlv.New(0x83, e.FirmwareVer[:]),
		tlv.New(0x84, ext), tlv.New(0x87, []byte{2, 3, 0}),
		keyIDList(0xA9, e.CiPKIDVerify), keyIDList(0xAA, e.CiPKIDSign), tlv.New(0x04, e.PPVersion[:]))
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
	var e EuiccInfo2
	copy(e.ProfileVersion[:], f.fixed(0x81, 3))
	copy(e.SVN[:], f.fixed(0x82, 3))
	copy(e.FirmwareVer[:], f.fixed(0x83, 3))
	ext := f.get(0x84)
	e.CiPKIDVerify = decodeKeyIDList(f, 0xA9)
	e.CiPKIDSign = decodeKeyIDList(f, 0xAA)
	copy(e.PPVersion[:], f.fixed(0x04, 3))
	if f.err != nil {
		return EuiccInfo2{}, f.err
	}
	list, err := tlv.Parse(ext)
	if err != nil {
		return EuiccInfo2{}, decodeErr("BF22: extCardResource: %v", err)
	}
	x := &fields{tag: 0x84, list: list}
	e.InstalledApps, e.FreeNVM = x.integer(0x81), x.integer(0x82)
	e.FreeVM = x.integer(0x83)
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

// GetEUICCInfo1Request / GetEUICCInfo2Request are the empty requests.
func GetEUICCInfo1Request() []byte { return tlv.Constructed(TagGetEUICCInfo1).Bytes() }

// GetEUICCInfo2Request is BF22 with no content.
func GetEUICCInfo2Request() []byte { return tlv.Constructed(TagGetEUICCInfo2).Bytes() }
