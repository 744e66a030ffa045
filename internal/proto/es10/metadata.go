package es10

// Profile metadata: StoreMetadataRequest (SGP.22 §5.5.3, BF25), the
// profileMetadata of ES9+ authenticateClient and the second part of a bound
// profile package.

import (
	"bytes"

	"github.com/esimhil/esimhil/internal/codec/bcd"
	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// ProfileClass values (profileClass [21] 95).
const (
	ClassTest         = 0
	ClassProvisioning = 1
	ClassOperational  = 2
)

// Icon types (iconType [19] 93).
const (
	IconJPG = 0
	IconPNG = 1
)

// Profile Policy Rule bits (PprIds).
const (
	PPRUpdateControl = iota
	PPR1             // disabling of this profile is not allowed
	PPR2             // deletion of this profile is not allowed
	PPR3             // deletion is required upon its successful disabling
)

// OperatorID identifies a profile's owner: mccMnc [0] 80 (3 bytes as in
// TS 24.008), gid1 [1] 81 and gid2 [2] 82 (optional, EF GID1/GID2 contents).
// In a Rules Authorisation Table (SGP.22 §2.9) it names the operators a
// rule allows, and a digit of PLMN may be the wildcard E.
type OperatorID struct {
	PLMN       string // "MCCMNC", 5 or 6 digits (and E wildcards in a RAT)
	GID1, GID2 []byte
}

func (o OperatorID) tlv(tag uint32) tlv.TLV {
	// PLMNPattern encodes a plain PLMN as PLMN does; the wildcard only
	// ever comes from a RAT.
	p, err := bcd.PLMNPattern(o.PLMN)
	if err != nil {
		p = [3]byte{0xFF, 0xFF, 0xFF}
	}
	cs := []tlv.TLV{tlv.New(0x80, p[:])}
	if o.GID1 != nil {
		cs = append(cs, tlv.New(0x81, o.GID1))
	}
	if o.GID2 != nil {
		cs = append(cs, tlv.New(0x82, o.GID2))
	}
	return tlv.Constructed(tag, cs...)
}

// operatorIDFrom decodes an OperatorId; wild admits E wildcard digits in
// mccMnc (a RAT's allowedOperators, not a profile's owner).
func operatorIDFrom(obj tlv.TLV, wild bool) (OperatorID, error) {
	f, err := inner(obj)
	if err != nil {
		return OperatorID{}, err
	}
	mm := f.fixed(0x80, 3)
	o := OperatorID{}
	if v, ok := f.opt(0x81); ok {
		o.GID1 = clone(v)
	}
	if v, ok := f.opt(0x82); ok {
		o.GID2 = clone(v)
	}
	if f.err != nil {
		return OperatorID{}, f.err
	}
	parse := bcd.ParsePLMN
	if wild {
		parse = bcd.ParsePLMNPattern
	}
	if o.PLMN, err = parse(mm); err != nil {
		return OperatorID{}, decodeErr("operatorId: mccMnc %X", mm)
	}
	return o, nil
}

// Allows reports whether o, an operator of a RAT rule, covers owner, a
// profile's owner (SGP.22 §2.9): mccMnc compared nibble by nibble in
// its TS 24.008 coding, an E in o matching any nibble (the F filler of a
// 2-digit MNC included, so "208EEE" covers every network of MCC 208 and
// "208EE" only its 2-digit MNCs); gid1 and gid2 must be equal when o gives
// them and are not compared when it does not.
func (o OperatorID) Allows(owner OperatorID) bool {
	pat, err := bcd.PLMNPattern(o.PLMN)
	if err != nil {
		return false
	}
	got, err := bcd.PLMN(owner.PLMN)
	if err != nil {
		return false
	}
	for i := range pat {
		for _, shift := range []uint{0, 4} {
			p, g := pat[i]>>shift&0xF, got[i]>>shift&0xF
			if p != 0xE && p != g {
				return false
			}
		}
	}
	gidOK := func(want, have []byte) bool { return want == nil || have != nil && bytes.Equal(want, have) }
	return gidOK(o.GID1, owner.GID1) && gidOK(o.GID2, owner.GID2)
}

// NotificationConfig is one NotificationConfigurationInformation: which
// operations' notifications go to which address (automatic tags: 80
// profileManagementOperation, 81 notificationAddress).
type NotificationConfig struct {
	Events  NotificationEvents
	Address string
}

func notificationConfigList(list []NotificationConfig) tlv.TLV {
	var cs []tlv.TLV
	for _, n := range list {
		cs = append(cs, tlv.Constructed(0x30, tlv.New(0x80, n.Events.bits()), tlv.New(0x81, []byte(n.Address))))
	}
	return tlv.Constructed(0xB6, cs...)
}

func notificationConfigFrom(obj tlv.TLV) ([]NotificationConfig, error) {
	var out []NotificationConfig
	err := seqOf(obj, 0x30, maxList, func(c tlv.TLV) error {
		cf, err := inner(c)
		if err != nil {
			return err
		}
		ev, addr := cf.get(0x80), cf.text(0x81, maxText)
		if cf.err != nil {
			return cf.err
		}
		e, err := decodeEvents(ev)
		out = append(out, NotificationConfig{Events: e, Address: addr})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Icon is iconType 93 with its icon data 94 (at most 1024 bytes).
type Icon struct {
	Type int
	Data []byte
}

// ProfileMetadata is StoreMetadataRequest (BF25): iccid 5A,
// serviceProviderName 91 (0..32), profileName 92 (0..64), iconType 93 and
// icon 94 (optional), profileClass 95 (DEFAULT operational: absent then),
// notificationConfigurationInfo B6 (optional), profileOwner B7 (optional),
// profilePolicyRules 99 (optional). The ICCID, the IMSI and everything
// else of the profile itself travel in the profile package (package saip).
type ProfileMetadata struct {
	ICCID               string
	ServiceProviderName string
	ProfileName         string
	Icon                *Icon
	Class               int
	NotificationConfig  []NotificationConfig
	Owner               *OperatorID
	PPR                 *Bits
}

// HomePLMN is the profile owner's MCC+MNC, "" when the metadata names no
// owner.
func (m ProfileMetadata) HomePLMN() string {
	if m.Owner == nil {
		return ""
	}
	return m.Owner.PLMN
}

func (m ProfileMetadata) tlv() tlv.TLV {
	cs := []tlv.TLV{tlv.New(TagICCID, ICCIDBytes(m.ICCID)), tlv.New(0x91, []byte(m.ServiceProviderName)),
		tlv.New(0x92, []byte(m.ProfileName))}
	if m.Icon != nil {
		cs = append(cs, tlv.Uint(0x93, m.Icon.Type), tlv.New(0x94, m.Icon.Data))
	}
	// profileClass is DEFAULT operational: DER leaves the default out
	// (X.690 §11.5), as ProfileInfo does.
	if m.Class != ClassOperational {
		cs = append(cs, tlv.Uint(TagProfileClass, m.Class))
	}
	if m.NotificationConfig != nil {
		cs = append(cs, notificationConfigList(m.NotificationConfig))
	}
	if m.Owner != nil {
		cs = append(cs, m.Owner.tlv(0xB7))
	}
	if m.PPR != nil {
		cs = append(cs, bitsTLV(0x99, *m.PPR))
	}
	return tlv.Constructed(TagStoreMetadata, cs...)
}

// Encode returns the BF25 encoding.
func (m ProfileMetadata) Encode() []byte { return m.tlv().Bytes() }

// DecodeProfileMetadata decodes BF25.
func DecodeProfileMetadata(b []byte) (ProfileMetadata, error) {
	f, err := parseOuter(b, TagStoreMetadata)
	if err != nil {
		return ProfileMetadata{}, err
	}
	m := ProfileMetadata{Class: ClassOperational}
	iccid := f.get(TagICCID)
	m.ServiceProviderName = f.text(TagServiceProvider, MaxServiceProviderName)
	m.ProfileName = f.text(0x92, 64)
	if c := f.optInt(0x95); c >= 0 {
		m.Class = c
	}
	icType := f.optInt(0x93)
	icon, hasIcon := f.opt(0x94)
	owner, hasOwner := f.find(0xB7)
	notif, hasNotif := f.find(0xB6)
	ppr, hasPPR := f.opt(0x99)
	if f.err != nil {
		return ProfileMetadata{}, f.err
	}
	if m.ICCID, err = ParseICCID(iccid); err != nil {
		return ProfileMetadata{}, err
	}
	switch {
	case m.Class > ClassOperational:
		return ProfileMetadata{}, decodeErr("BF25: profileClass %d", m.Class)
	case (icType >= 0) != hasIcon:
		return ProfileMetadata{}, decodeErr("BF25: icon and iconType go together")
	case hasIcon && (icType > IconPNG || len(icon) > 1024):
		return ProfileMetadata{}, decodeErr("BF25: icon type %d of %d bytes", icType, len(icon))
	}
	if hasIcon {
		m.Icon = &Icon{Type: icType, Data: clone(icon)}
	}
	if hasOwner {
		o, err := operatorIDFrom(owner, false)
		if err != nil {
			return ProfileMetadata{}, err
		}
		m.Owner = &o
	}
	if hasNotif {
		if m.NotificationConfig, err = notificationConfigFrom(notif); err != nil {
			return ProfileMetadata{}, err
		}
	}
	if hasPPR {
		b, err := decodeBits(ppr)
		if err != nil {
			return ProfileMetadata{}, err
		}
		m.PPR = &b
	}
	return m, nil
}
