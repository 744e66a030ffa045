package es10

// ES10c (SGP.22 §5.7.15-§5.7.21): GetProfilesInfo, EnableProfile,
// DisableProfile, DeleteProfile, eUICCMemoryReset, GetEID and SetNickname;
// ES10a (§5.7.3, §5.7.4): GetEuiccConfiguredAddresses and
// SetDefaultDpAddress; ES10b GetRAT (§5.7.22).

import (
	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// ProfileState values (profileState [112] 9F70).
const (
	StateDisabled = 0
	StateEnabled  = 1
)

// ProfileInfo tags.
const (
	TagProfileInfo     = 0xE3   // ProfileInfo [PRIVATE 3]
	TagProfileState    = 0x9F70 // profileState [112]
	TagNickname        = 0x90   // profileNickname [16]
	TagServiceProvider = 0x91   // serviceProviderName [17]
	TagProfileName     = 0x92   // profileName [18]
	TagIconType        = 0x93   // iconType [19]
	TagIcon            = 0x94   // icon [20]
	TagProfileClass    = 0x95   // profileClass [21]
	TagNotifConfig     = 0xB6   // notificationConfigurationInfo [22]
	TagProfileOwner    = 0xB7   // profileOwner [23]
	TagDPProprietary   = 0xB8   // dpProprietaryData [24]
	TagPPR             = 0x99   // profilePolicyRules [25]
)

// MaxServiceProviderName is serviceProviderName's SIZE (0..32): in
// characters, as X.680 counts a UTF8String's.
const MaxServiceProviderName = 32

// MaxNickname is the longest profileNickname (UTF8String SIZE(0..64)).
const MaxNickname = 64

// ProfileInfo is one entry of the profile list (E3). Every field is
// optional on the wire; which ones an answer carries depends on the
// request's tag list.
type ProfileInfo struct {
	ICCID               string
	AID                 []byte
	State               int // StateDisabled or StateEnabled
	Nickname            string
	ServiceProviderName string
	ProfileName         string
	Icon                *Icon
	Class               int
	NotificationConfig  []NotificationConfig
	Owner               *OperatorID
	PPR                 *Bits
	// Has records which tags were present in a decoded entry.
	Has map[uint32]bool
}

// DefaultInfoTags are the ProfileInfo fields a card returns when the
// request has no tag list (SGP.22 §5.7.15: every field it holds); the
// icon and DP proprietary data are omitted when the profile has none.
var DefaultInfoTags = []uint32{TagICCID, TagAID, TagProfileState, TagNickname, TagServiceProvider, TagProfileName,
	TagIconType, TagIcon, TagProfileClass, TagNotifConfig, TagProfileOwner, TagPPR}

// Encode returns the E3 encoding with the fields named in tags, in the
// module's order; optional fields with no value are left out.
func (p ProfileInfo) Encode(tags []uint32) []byte { return p.tlv(tags).Bytes() }

func (p ProfileInfo) tlv(tags []uint32) tlv.TLV {
	want := map[uint32]bool{}
	for _, t := range tags {
		want[t] = true
	}
	var cs []tlv.TLV
	add := func(tag uint32, ok bool, t func() tlv.TLV) {
		if want[tag] && ok {
			cs = append(cs, t())
		}
	}
	add(TagICCID, p.ICCID != "", func() tlv.TLV { return tlv.New(TagICCID, ICCIDBytes(p.ICCID)) })
	add(TagAID, p.AID != nil, func() tlv.TLV { return tlv.New(TagAID, p.AID) })
	add(TagProfileState, true, func() tlv.TLV { return tlv.Uint(TagProfileState, p.State) })
	add(TagNickname, p.Nickname != "", func() tlv.TLV { return tlv.New(TagNickname, []byte(p.Nickname)) })
	add(TagServiceProvider, true, func() tlv.TLV { return tlv.New(TagServiceProvider, []byte(p.ServiceProviderName)) })
	add(TagProfileName, true, func() tlv.TLV { return tlv.New(TagProfileName, []byte(p.ProfileName)) })
	add(TagIconType, p.Icon != nil, func() tlv.TLV { return tlv.Uint(TagIconType, p.Icon.Type) })
	add(TagIcon, p.Icon != nil, func() tlv.TLV { return tlv.New(TagIcon, p.Icon.Data) })
	// profileClass is DEFAULT operational: DER leaves the default out
	// (X.690 §11.5), asked for or not; a reader takes absence as operational.
	add(TagProfileClass, p.Class != ClassOperational, func() tlv.TLV { return tlv.Uint(TagProfileClass, p.Class) })
	add(TagNotifConfig, p.NotificationConfig != nil, func() tlv.TLV { return notificationConfigList(p.NotificationConfig) })
	add(TagProfileOwner, p.Owner != nil, func() tlv.TLV { return p.Owner.tlv(TagProfileOwner) })
	add(TagPPR, p.PPR != nil, func() tlv.TLV { return bitsTLV(TagPPR, *p.PPR) })
	return tlv.Constructed(TagProfileInfo, cs...)
}

func profileInfoFrom(obj tlv.TLV) (ProfileInfo, error) {
	f, err := inner(obj)
	if err != nil {
		return ProfileInfo{}, err
	}
	p := ProfileInfo{Class: ClassOperational, Has: map[uint32]bool{}}
	for _, c := range f.list {
		p.Has[c.Tag] = true
	}
	if v, ok := f.opt(TagICCID); ok {
		if p.ICCID, err = ParseICCID(v); err != nil {
			return ProfileInfo{}, err
		}
	}
	if v, ok := f.opt(TagAID); ok {
		if len(v) < 5 || len(v) > 16 {
			return ProfileInfo{}, decodeErr("E3: isdpAid of %d bytes", len(v))
		}
		p.AID = clone(v)
	}
	if st := f.optInt(TagProfileState); st >= 0 {
		p.State = st
	}
	p.Nickname, _ = f.optText(TagNickname, MaxNickname)
	p.ServiceProviderName, _ = f.optText(TagServiceProvider, MaxServiceProviderName)
	p.ProfileName, _ = f.optText(TagProfileName, 64)
	if c := f.optInt(TagProfileClass); c >= 0 {
		p.Class = c
	}
	icType := f.optInt(TagIconType)
	if icon, ok := f.opt(TagIcon); ok && icType >= 0 {
		if len(icon) > 1024 {
			return ProfileInfo{}, decodeErr("E3: icon of %d bytes", len(icon))
		}
		p.Icon = &Icon{Type: icType, Data: clone(icon)}
	}
	if o, ok := f.find(TagProfileOwner); ok && f.err == nil {
		op, err := operatorIDFrom(o, false)
		if err != nil {
			return ProfileInfo{}, err
		}
		p.Owner = &op
	}
	if n, ok := f.find(TagNotifConfig); ok && f.err == nil {
		if p.NotificationConfig, err = notificationConfigFrom(n); err != nil {
			return ProfileInfo{}, err
		}
	}
	if v, ok := f.opt(TagPPR); ok && f.err == nil {
		b, err := decodeBits(v)
		if err != nil {
			return ProfileInfo{}, err
		}
		p.PPR = &b
	}
	if f.err == nil && (p.State > StateEnabled || p.Class > ClassOperational) {
		f.err = decodeErr("E3: profileState %d, profileClass %d", p.State, p.Class)
	}
	return p, f.err
}

// ProfileInfoListRequest is BF2D {A0 searchCriteria {4F isdpAid | 5A iccid
// | 95 profileClass} (optional), 5C tagList (optional)}.
type ProfileInfoListRequest struct {
	AID   []byte // search by ISD-P AID
	ICCID string // search by ICCID
	Class *int   // search by class
	Tags  []uint32
}

// Encode returns the BF2D request.
func (r ProfileInfoListRequest) Encode() []byte {
	var cs []tlv.TLV
	switch {
	case r.AID != nil:
		cs = append(cs, tlv.Constructed(0xA0, tlv.New(TagAID, r.AID)))
	case r.ICCID != "":
		cs = append(cs, tlv.Constructed(0xA0, tlv.New(TagICCID, ICCIDBytes(r.ICCID))))
	case r.Class != nil:
		cs = append(cs, tlv.Constructed(0xA0, tlv.Uint(TagProfileClass, *r.Class)))
	}
	if r.Tags != nil {
		cs = append(cs, tlv.New(TagTagList, tlv.EncodeTags(r.Tags)))
	}
	return tlv.Constructed(TagProfileInfoList, cs...).Bytes()
}

// DecodeProfileInfoListRequest decodes the BF2D request.
func DecodeProfileInfoListRequest(b []byte) (ProfileInfoListRequest, error) {
	f, err := parseOuter(b, TagProfileInfoList)
	if err != nil {
		return ProfileInfoListRequest{}, err
	}
	var r ProfileInfoListRequest
	if sc, ok := f.find(0xA0); ok && f.err == nil {
		cs, err := sc.Children()
		if err != nil || len(cs) != 1 {
			return ProfileInfoListRequest{}, decodeErr("BF2D: searchCriteria is one choice")
		}
		switch c := cs[0]; c.Tag {
		case TagAID:
			if len(c.Value) < 1 || len(c.Value) > 16 {
				return ProfileInfoListRequest{}, decodeErr("BF2D: isdpAid of %d bytes", len(c.Value))
			}
			r.AID = clone(c.Value)
		case TagICCID:
			if r.ICCID, err = ParseICCID(c.Value); err != nil {
				return ProfileInfoListRequest{}, err
			}
		case TagProfileClass:
			n, err := decodeInt(c.Value)
			if err != nil {
				return ProfileInfoListRequest{}, err
			}
			r.Class = &n
		default:
			return ProfileInfoListRequest{}, decodeErr("BF2D: searchCriteria %X", c.Tag)
		}
	}
	if tl, ok := f.opt(TagTagList); ok && f.err == nil {
		if r.Tags, err = tlv.ParseTags(tl); err != nil {
			return ProfileInfoListRequest{}, decodeErr("BF2D: tagList: %v", err)
		}
		if r.Tags == nil {
			r.Tags = []uint32{}
		}
	}
	return r, f.err
}

// ProfileInfoListError values.
const (
	ProfileInfoIncorrectInput = 1
	ProfileInfoUndefined      = 127
)

// EncodeProfileInfoList returns BF2D {A0 {E3...}} with the fields in tags,
// or the error form BF2D {81 code} when code != 0.
func EncodeProfileInfoList(list []ProfileInfo, tags []uint32, code int) []byte {
	if code != 0 {
		return tlv.Constructed(TagProfileInfoList, tlv.Uint(0x81, code)).Bytes()
	}
	var cs []tlv.TLV
	for _, p := range list {
		cs = append(cs, p.tlv(tags))
	}
	return tlv.Constructed(TagProfileInfoList, tlv.Constructed(0xA0, cs...)).Bytes()
}

// DecodeProfileInfoList decodes the BF2D response; code is the error
// form's value (0 for a list).
func DecodeProfileInfoList(b []byte) (list []ProfileInfo, code int, err error) {
	code, err = listOrCode(b, TagProfileInfoList, TagProfileInfo, maxList, func(c tlv.TLV) error {
		p, err := profileInfoFrom(c)
		list = append(list, p)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return list, code, nil
}

// ProfileID names a profile by ISD-P AID (4F) or ICCID (5A).
type ProfileID struct {
	AID   []byte
	ICCID string
}

func (p ProfileID) tlv() tlv.TLV {
	if p.AID != nil {
		return tlv.New(TagAID, p.AID)
	}
	return tlv.New(TagICCID, ICCIDBytes(p.ICCID))
}

func profileIDFrom(t tlv.TLV) (ProfileID, error) {
	switch t.Tag {
	case TagAID:
		if len(t.Value) < 1 || len(t.Value) > 16 {
			return ProfileID{}, decodeErr("isdpAid of %d bytes", len(t.Value))
		}
		return ProfileID{AID: clone(t.Value)}, nil
	case TagICCID:
		iccid, err := ParseICCID(t.Value)
		return ProfileID{ICCID: iccid}, err
	}
	return ProfileID{}, decodeErr("profileIdentifier %X", t.Tag)
}

// Enable/Disable/Delete results (SGP.22 v2.2.2 §5.7.16-18).
const (
	ResultOK                     = 0
	ResultNotFound               = 1 // iccidOrAidNotFound
	ResultWrongState             = 2 // profileNotIn{Disabled,Enabled}State
	ResultDisallowedByPolicy     = 3
	ResultWrongProfileReenabling = 4
	ResultCatBusy                = 5
	ResultUndefined              = 127
)

// SwitchRequest is EnableProfileRequest (BF31) or DisableProfileRequest
// (BF32): profileIdentifier [0] A0 {4F | 5A}, refreshFlag [1] 81 BOOLEAN.
type SwitchRequest struct {
	Tag     uint32 // TagEnableProfile or TagDisableProfile
	Profile ProfileID
	Refresh bool
}

// Encode returns the request.
func (r SwitchRequest) Encode() []byte {
	return tlv.Constructed(r.Tag, tlv.Constructed(0xA0, r.Profile.tlv()), tlv.Bool(0x81, r.Refresh)).Bytes()
}

// DecodeSwitchRequest decodes BF31 or BF32.
func DecodeSwitchRequest(b []byte) (SwitchRequest, error) {
	obj, rest, err := tlv.ParseOne(b)
	if err != nil || len(rest) != 0 || (obj.Tag != TagEnableProfile && obj.Tag != TagDisableProfile) {
		return SwitchRequest{}, decodeErr("not an Enable/DisableProfile request")
	}
	f, err := inner(obj)
	if err != nil {
		return SwitchRequest{}, err
	}
	id, rf := f.obj(0xA0), f.get(0x81)
	if f.err != nil {
		return SwitchRequest{}, f.err
	}
	r := SwitchRequest{Tag: obj.Tag}
	if r.Refresh, err = decodeBool(rf); err != nil {
		return SwitchRequest{}, err
	}
	cs, err := id.Children()
	if err != nil || len(cs) != 1 {
		return SwitchRequest{}, decodeErr("%X: profileIdentifier is one choice", obj.Tag)
	}
	r.Profile, err = profileIDFrom(cs[0])
	return r, err
}

// EncodeResult returns a response of the form <tag> {80 result}: Enable,
// Disable and Delete profile, eUICCMemoryReset, SetNickname,
// SetDefaultDpAddress, NotificationSent.
func EncodeResult(tag uint32, result int) []byte {
	return tlv.Constructed(tag, tlv.Uint(0x80, result)).Bytes()
}

// DecodeResult decodes a <tag> {80 result} response.
func DecodeResult(tag uint32, b []byte) (int, error) {
	f, err := parseOuter(b, tag)
	if err != nil {
		return 0, err
	}
	return f.integer(0x80), f.err
}

// DeleteProfileRequest is BF33 {4F | 5A}: the CHOICE itself carries the
// BF33 tag.
func DeleteProfileRequest(p ProfileID) []byte {
	return tlv.Constructed(TagDeleteProfile, p.tlv()).Bytes()
}

// DecodeDeleteProfileRequest decodes BF33.
func DecodeDeleteProfileRequest(b []byte) (ProfileID, error) {
	f, err := parseOuter(b, TagDeleteProfile)
	if err != nil {
		return ProfileID{}, err
	}
	if len(f.list) != 1 {
		return ProfileID{}, decodeErr("BF33: %d choices", len(f.list))
	}
	return profileIDFrom(f.list[0])
}

// eUICCMemoryReset options (resetOptions [2] 82 BIT STRING) and results.
const (
	ResetOperationalProfiles = 0
	ResetTestProfiles        = 1
	ResetDefaultSmdpAddress  = 2

	ResetOK              = 0
	ResetNothingToDelete = 1
	ResetUndefined       = 127
)

// EuiccMemoryResetRequest returns BF34 {82 resetOptions}.
func EuiccMemoryResetRequest(opts Bits) []byte {
	return tlv.Constructed(TagEuiccMemoryReset, bitsTLV(0x82, opts)).Bytes()
}

// DecodeEuiccMemoryResetRequest decodes BF34.
func DecodeEuiccMemoryResetRequest(b []byte) (Bits, error) {
	f, err := parseOuter(b, TagEuiccMemoryReset)
	if err != nil {
		return 0, err
	}
	return f.bits(0x82), f.err
}

// GetEuiccDataRequest is BF3E {5C 5A}: the EID is the only tag SGP.22
// v2.2.2 defines.
func GetEuiccDataRequest() []byte {
	return tlv.Constructed(TagGetEuiccData, tlv.New(TagTagList, []byte{TagICCID})).Bytes()
}

// DecodeGetEuiccDataRequest checks BF3E {5C 5A}.
func DecodeGetEuiccDataRequest(b []byte) error {
	f, err := parseOuter(b, TagGetEuiccData)
	if err != nil {
		return err
	}
	if tl := f.fixed(TagTagList, 1); f.err == nil && tl[0] != 0x5A {
		return decodeErr("BF3E: tagList %X, want 5A", tl)
	}
	return f.err
}

// EncodeEID returns GetEuiccDataResponse BF3E {5A eid}.
func EncodeEID(eid string) []byte {
	return tlv.Constructed(TagGetEuiccData, tlv.New(0x5A, EIDBytes(eid))).Bytes()
}

// DecodeEID decodes GetEuiccDataResponse.
func DecodeEID(b []byte) (string, error) {
	f, err := parseOuter(b, TagGetEuiccData)
	if err != nil {
		return "", err
	}
	v := f.fixed(0x5A, 16)
	if f.err != nil {
		return "", f.err
	}
	return ParseEID(v)
}

// SetNickname results.
const (
	NicknameOK           = 0
	NicknameICCIDUnknown = 1
	NicknameUndefined    = 127
)

// SetNicknameRequest is BF29 {5A iccid, 90 profileNickname (0..64)}.
type SetNicknameRequest struct {
	ICCID    string
	Nickname string
}

// Encode returns the BF29 request.
func (r SetNicknameRequest) Encode() []byte {
	return tlv.Constructed(TagSetNickname, tlv.New(TagICCID, ICCIDBytes(r.ICCID)), tlv.New(TagNickname, []byte(r.Nickname))).Bytes()
}

// DecodeSetNicknameRequest decodes BF29; a nickname over 64 characters,
// or not UTF-8, is a decoding error (the module's UTF8String (SIZE(0..64))).
func DecodeSetNicknameRequest(b []byte) (SetNicknameRequest, error) {
	f, err := parseOuter(b, TagSetNickname)
	if err != nil {
		return SetNicknameRequest{}, err
	}
	iccid := f.get(TagICCID)
	r := SetNicknameRequest{Nickname: f.text(TagNickname, MaxNickname)}
	if f.err != nil {
		return SetNicknameRequest{}, f.err
	}
	r.ICCID, err = ParseICCID(iccid)
	return r, err
}

// ConfiguredAddresses is EuiccConfiguredAddressesResponse (BF3C):
// defaultDpAddress [0] 80 (optional) and rootDsAddress [1] 81.
type ConfiguredAddresses struct {
	DefaultDP string // "" = absent
	RootDS    string
}

// EuiccConfiguredAddressesRequest is BF3C with no content.
func EuiccConfiguredAddressesRequest() []byte { return tlv.Constructed(TagConfiguredAddresses).Bytes() }

// Encode returns the BF3C response.
func (a ConfiguredAddresses) Encode() []byte {
	var cs []tlv.TLV
	if a.DefaultDP != "" {
		cs = append(cs, tlv.New(0x80, []byte(a.DefaultDP)))
	}
	cs = append(cs, tlv.New(0x81, []byte(a.RootDS)))
	return tlv.Constructed(TagConfiguredAddresses, cs...).Bytes()
}

// DecodeConfiguredAddresses decodes the BF3C response.
func DecodeConfiguredAddresses(b []byte) (ConfiguredAddresses, error) {
	f, err := parseOuter(b, TagConfiguredAddresses)
	if err != nil {
		return ConfiguredAddresses{}, err
	}
	var a ConfiguredAddresses
	a.DefaultDP, _ = f.optText(0x80, maxText)
	a.RootDS = f.text(0x81, maxText)
	return a, f.err
}

// SetDefaultDpAddress results.
const (
	SetDefaultDPOK        = 0
	SetDefaultDPUndefined = 127
)

// SetDefaultDpAddressRequest returns BF3F {80 defaultDpAddress}; an empty
// address removes the default.
func SetDefaultDpAddressRequest(addr string) []byte {
	return tlv.Constructed(TagSetDefaultDpAddress, tlv.New(0x80, []byte(addr))).Bytes()
}

// DecodeSetDefaultDpAddressRequest decodes BF3F.
func DecodeSetDefaultDpAddressRequest(b []byte) (string, error) {
	f, err := parseOuter(b, TagSetDefaultDpAddress)
	if err != nil {
		return "", err
	}
	// No size in the module: the card, not the codec, decides what it
	// keeps (a longer one is its undefinedError); the request's own
	// length bounds it.
	return f.text(0x80, len(b)), f.err
}

// PolicyRule is ProfilePolicyAuthorisationRule (30): pprIds [0] 80,
// allowedOperators [1] A1 SEQUENCE OF OperatorID (30), whose mccMnc digits
// may be the wildcard E, pprFlags [2] 82 (bit 0 consentRequired).
type PolicyRule struct {
	PPRs             Bits
	AllowedOperators []OperatorID
	ConsentRequired  bool
}

// PPRsNotAllowed returns the rules of pprs (a profile's
// profilePolicyRules) that rat does not allow for a profile owned by owner
// (SGP.22 §2.9): each rule set must be named in the pprIds of a rule
// one of whose allowedOperators covers the owner (OperatorID.Allows).
// Without an owner nothing can be matched: every rule set is returned.
// Zero means the profile may carry pprs.
func PPRsNotAllowed(rat []PolicyRule, pprs Bits, owner *OperatorID) Bits {
	var refused Bits
	for n := 0; n < 64; n++ {
		if !pprs.Has(n) {
			continue
		}
		ok := false
		for _, r := range rat {
			if !r.PPRs.Has(n) || owner == nil {
				continue
			}
			for _, o := range r.AllowedOperators {
				ok = ok || o.Allows(*owner)
			}
		}
		if !ok {
			refused |= BitsOf(n)
		}
	}
	return refused
}

// GetRATRequest is BF43 with no content.
func GetRATRequest() []byte { return tlv.Constructed(TagGetRAT).Bytes() }

// EncodeRAT returns GetRatResponse BF43 {A0 rat SEQUENCE OF rules}.
func EncodeRAT(rules []PolicyRule) []byte {
	var cs []tlv.TLV
	for _, r := range rules {
		var ops []tlv.TLV
		for _, o := range r.AllowedOperators {
			ops = append(ops, o.tlv(0x30))
		}
		flags := Bits(0)
		if r.ConsentRequired {
			flags = BitsOf(0)
		}
		cs = append(cs, tlv.Constructed(0x30, bitsTLV(0x80, r.PPRs), tlv.Constructed(0xA1, ops...), bitsTLV(0x82, flags)))
	}
	return tlv.Constructed(TagGetRAT, tlv.Constructed(0xA0, cs...)).Bytes()
}

// DecodeRAT decodes GetRatResponse.
func DecodeRAT(b []byte) ([]PolicyRule, error) {
	f, err := parseOuter(b, TagGetRAT)
	if err != nil {
		return nil, err
	}
	rat := f.obj(0xA0)
	if f.err != nil {
		return nil, f.err
	}
	var out []PolicyRule
	err = seqOf(rat, 0x30, maxList, func(c tlv.TLV) error {
		rf, err := inner(c)
		if err != nil {
			return err
		}
		r := PolicyRule{PPRs: rf.bits(0x80)}
		flags := rf.bits(0x82)
		ops := rf.obj(0xA1)
		if rf.err != nil {
			return rf.err
		}
		r.ConsentRequired = flags.Has(0)
		out = append(out, r)
		return seqOf(ops, 0x30, maxList, func(o tlv.TLV) error {
			op, err := operatorIDFrom(o, true)
			out[len(out)-1].AllowedOperators = append(out[len(out)-1].AllowedOperators, op)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
