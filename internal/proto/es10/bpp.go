package es10

// Bound profile package framing (SGP.22 §2.5.4 BoundProfilePackage, §5.5.1
// InitialiseSecureChannel, §2.5.5 segmentation): what an LPA needs to split
// a package into the segments it sends one STORE DATA sequence each, and
// what the card's loader reads. The protection itself (SCP03t) lives with
// the two ends that hold the keys.

import (
	"fmt"

	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// RemoteOpInstallBPP is remoteOpId installBoundProfilePackage.
const RemoteOpInstallBPP = 1

// BoundProfilePackage sequences (automatic tags [0]..[3]) and the segments
// they hold.
const (
	TagFirstSequenceOf87  = 0xA0 // ConfigureISDP
	TagSequenceOf88       = 0xA1 // StoreMetadata
	TagSecondSequenceOf87 = 0xA2 // ReplaceSessionKeys (optional)
	TagSequenceOf86       = 0xA3 // the profile package
)

// SegmentTag is the tag of the protected segments a BPP sequence holds.
func SegmentTag(seq uint32) uint32 {
	switch seq {
	case TagFirstSequenceOf87, TagSecondSequenceOf87:
		return 0x87
	case TagSequenceOf88:
		return 0x88
	case TagSequenceOf86:
		return 0x86
	}
	return 0
}

// SCP03t key values of the controlRefTemplate (GlobalPlatform Card
// Specification Table 11-16).
const (
	KeyTypeAES   = 0x88 // keyType: AES
	KeyLenAES128 = 0x10 // keyLength: 16 bytes
)

// InitialiseSecureChannel is InitialiseSecureChannelRequest (BF23):
// 82 remoteOpId, 80 transactionId, A6 controlRefTemplate {80 keyType,
// 81 keyLen, 84 hostId}, 5F49 smdpOtpk, 5F37 smdpSign. smdpSign covers the
// fields before it followed by 5F49 euiccOtpk (SGP.22 §5.5.1), binding the
// package to the card's one-time key.
type InitialiseSecureChannel struct {
	RemoteOpID    int
	TransactionID []byte
	KeyType       byte
	KeyLen        byte
	HostID        []byte
	SmdpOtpk      []byte
	SmdpSign      []byte
	raw           []byte // received encoding of the signed fields
}

func (s InitialiseSecureChannel) signedFields() []byte {
	if s.raw != nil {
		return s.raw
	}
	return tlv.Encode(tlv.Uint(0x82, s.RemoteOpID), tlv.New(0x80, s.TransactionID),
		tlv.Constructed(0xA6, tlv.New(0x80, []byte{s.KeyType}), tlv.New(0x81, []byte{s.KeyLen}), tlv.New(0x84, s.HostID)),
		tlv.New(TagPublicKey, s.SmdpOtpk))
}

// SignedData returns what smdpSign covers, given the card's otPK.
func (s InitialiseSecureChannel) SignedData(euiccOtpk []byte) []byte {
	return append(append([]byte{}, s.signedFields()...), tlv.New(TagPublicKey, euiccOtpk).Bytes()...)
}

// Encode returns the BF23 encoding.
func (s InitialiseSecureChannel) Encode() []byte {
	v := append(append([]byte{}, s.signedFields()...), tlv.New(TagSignature, s.SmdpSign).Bytes()...)
	return tlv.New(TagInitialiseSecureChannel, v).Bytes()
}

// DecodeInitialiseSecureChannel decodes BF23.
func DecodeInitialiseSecureChannel(b []byte) (InitialiseSecureChannel, error) {
	f, err := parseOuter(b, TagInitialiseSecureChannel)
	if err != nil {
		return InitialiseSecureChannel{}, err
	}
	s := InitialiseSecureChannel{RemoteOpID: f.integer(0x82), TransactionID: clone(f.get(0x80)),
		SmdpOtpk: clone(f.get(TagPublicKey)), SmdpSign: clone(f.sized(TagSignature, 0, MaxReceivedSig))}
	crt := f.obj(0xA6)
	if f.err != nil {
		return InitialiseSecureChannel{}, f.err
	}
	if n := len(f.list); n != 5 || f.list[n-1].Tag != TagSignature {
		return InitialiseSecureChannel{}, decodeErr("BF23: %d fields, signature last expected", n)
	}
	c, err := inner(crt)
	if err != nil {
		return InitialiseSecureChannel{}, err
	}
	kt, kl := c.fixed(0x80, 1), c.fixed(0x81, 1)
	s.HostID = clone(c.get(0x84))
	if c.err != nil {
		return InitialiseSecureChannel{}, c.err
	}
	s.KeyType, s.KeyLen = kt[0], kl[0]
	s.raw = tlv.Encode(f.list[:4]...)
	return s, nil
}

// header returns the tag and length bytes of obj (canonical DER).
func header(obj tlv.TLV) []byte {
	b := obj.Bytes()
	return b[:len(b)-len(obj.Value)]
}

// BPPSegments splits a BoundProfilePackage into what the LPA sends as one
// STORE DATA sequence each (SGP.22 §2.5.5): BF36 header + BF23; A0 header +
// first 87, then each further 87; A1 header, then each 88; A2 header + first
// 87, then each further 87 (if present); A3 header, then each 86.
func BPPSegments(b []byte) ([][]byte, error) {
	f, err := parseOuter(b, TagBoundProfilePackage)
	if err != nil {
		return nil, fmt.Errorf("BPP: %w", err)
	}
	bf36 := tlv.New(TagBoundProfilePackage, tlvValueOf(b))
	want := []uint32{TagInitialiseSecureChannel, TagFirstSequenceOf87, TagSequenceOf88, TagSecondSequenceOf87, TagSequenceOf86}
	i := 0
	var segs [][]byte
	for _, obj := range f.list {
		for i < len(want) && want[i] != obj.Tag && want[i] == TagSecondSequenceOf87 {
			i++
		}
		if i >= len(want) || want[i] != obj.Tag {
			return nil, decodeErr("BPP: unexpected %X", obj.Tag)
		}
		i++
		if obj.Tag == TagInitialiseSecureChannel {
			segs = append(segs, append(header(bf36), obj.Bytes()...))
			continue
		}
		inner, err := obj.Children()
		if err != nil {
			return nil, decodeErr("BPP: %X: %v", obj.Tag, err)
		}
		sub := SegmentTag(obj.Tag)
		for _, c := range inner {
			if c.Tag != sub {
				return nil, decodeErr("BPP: %X holds %X", obj.Tag, c.Tag)
			}
		}
		if len(inner) == 0 {
			return nil, decodeErr("BPP: empty %X", obj.Tag)
		}
		// The 87 sequences travel with their first element, 88 and 86
		// sequences with their header alone (SGP.22 §2.5.5).
		first := header(obj)
		if sub == 0x87 {
			segs = append(segs, append(first, inner[0].Bytes()...))
			inner = inner[1:]
		} else {
			segs = append(segs, first)
		}
		for _, c := range inner {
			segs = append(segs, c.Bytes())
		}
	}
	if i < len(want) {
		return nil, decodeErr("BPP: missing %X", want[len(want)-1])
	}
	return segs, nil
}

// SegmentName names a STORE DATA sequence's data (the whole of it) that
// is one of BPPSegments' segments ("" for anything else): the first, BF36's
// header with InitialiseSecureChannel; a sequence's header, alone (88 and
// 86) or with its first 87; or one 87, 88 or 86 of a sequence. A reader
// of a trace names a segmented LoadBoundProfilePackage's commands by it,
// which, but for the 87, 88 and 86 ones, are not one whole TLV.
func SegmentName(b []byte) string {
	tag, length, n, err := tlv.Header(b)
	if err != nil {
		return ""
	}
	rest := b[n:]
	whole := func(want uint32) bool {
		t, after, err := tlv.ParseOne(rest)
		return err == nil && t.Tag == want && len(after) == 0
	}
	switch {
	case tag == TagBoundProfilePackage && length > len(rest) && whole(TagInitialiseSecureChannel):
		return "LoadBoundProfilePackage: InitialiseSecureChannel"
	case (tag == TagFirstSequenceOf87 || tag == TagSecondSequenceOf87) && length >= len(rest) && whole(0x87):
		return FunctionName(tag) + " with its first 87"
	case (tag == TagSequenceOf88 || tag == TagSequenceOf86) && len(rest) == 0 && length > 0:
		return FunctionName(tag) + ", its tag and length"
	case tag == 0x87 || tag == 0x88 || tag == 0x86:
		if t, after, err := tlv.ParseOne(b); err == nil && t.Tag == tag && len(after) == 0 {
			return FunctionName(tag)
		}
	}
	return ""
}

func tlvValueOf(b []byte) []byte {
	obj, _, err := tlv.ParseOne(b)
	if err != nil {
		return nil
	}
	return obj.Value
}

// ConfigureISDPRequest (BF24) with no dpProprietaryData: the first 87.
func ConfigureISDPRequest() []byte { return tlv.Constructed(TagConfigureISDP).Bytes() }

// DecodeConfigureISDPRequest checks BF24 {B8 dpProprietaryData optional}.
func DecodeConfigureISDPRequest(b []byte) error {
	f, err := parseOuter(b, TagConfigureISDP)
	if err != nil {
		return err
	}
	if dp, ok := f.find(0xB8); ok {
		df, err := inner(dp)
		if err != nil {
			return err
		}
		df.get(0x06) // dpOid is mandatory in DpProprietaryData
		if len(dp.Value) > 128 {
			return decodeErr("BF24: dpProprietaryData of %d bytes", len(dp.Value))
		}
		return df.err
	}
	return f.err
}

// ReplaceSessionKeys is ReplaceSessionKeysRequest (BF26): 80
// initialMacChainingValue, 81 ppkEnc, 82 ppkCmac, 16 bytes each here.
type ReplaceSessionKeys struct{ MCV, ENC, MAC []byte }

// Encode returns the BF26 encoding.
func (r ReplaceSessionKeys) Encode() []byte {
	return tlv.Constructed(TagReplaceSessionKeys, tlv.New(0x80, r.MCV), tlv.New(0x81, r.ENC), tlv.New(0x82, r.MAC)).Bytes()
}

// DecodeReplaceSessionKeys decodes BF26 with AES-128 keys.
func DecodeReplaceSessionKeys(b []byte) (ReplaceSessionKeys, error) {
	f, err := parseOuter(b, TagReplaceSessionKeys)
	if err != nil {
		return ReplaceSessionKeys{}, err
	}
	r := ReplaceSessionKeys{MCV: clone(f.fixed(0x80, 16)), ENC: clone(f.fixed(0x81, 16)), MAC: clone(f.fixed(0x82, 16))}
	return r, f.err
}
