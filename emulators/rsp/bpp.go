package rsp

// Bound profile package (SGP.22 §2.5.4 BoundProfilePackage, §5.5.1
// InitialiseSecureChannel, §2.5.5 segmentation): the SM-DP+ side builds it,
// the LPA splits it into the segments it sends one STORE DATA sequence each.

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"fmt"

	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// RemoteOpInstallBPP is remoteOpId installBoundProfilePackage.
const RemoteOpInstallBPP = 1

// BPP sub-structure tags.
const (
	tagFirst87  = 0xA0 // ConfigureISDP
	tagSeq88    = 0xA1 // StoreMetadata
	tagSecond87 = 0xA2 // ReplaceSessionKeys
	tagSeq86    = 0xA3 // profile elements
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
	return tlv.Encode(intTLV(0x82, s.RemoteOpID), tlv.New(0x80, s.TransactionID),
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
	return tlv.New(TagInitialiseSecureCh, v).Bytes()
}

// DecodeInitialiseSecureChannel decodes BF23.
func DecodeInitialiseSecureChannel(b []byte) (InitialiseSecureChannel, error) {
	f, err := parseOuter(b, TagInitialiseSecureCh)
	if err != nil {
		return InitialiseSecureChannel{}, err
	}
	s := InitialiseSecureChannel{RemoteOpID: f.integer(0x82), TransactionID: clone(f.get(0x80)),
		SmdpOtpk: clone(f.get(TagPublicKey)), SmdpSign: clone(f.fixed(TagSignature, SigLen))}
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

// BPPParams is what BuildBPP needs.
type BPPParams struct {
	TransactionID []byte
	DPpb          *ecdsa.PrivateKey // signs InitialiseSecureChannel
	EuiccOtpk     []byte            // otPK.EUICC.ECKA from euiccSigned2 (65 bytes)
	EID           string
	HostID        []byte // SM-DP+ host id in the CRT; default "SMDP"
	Metadata      ProfileMetadata
	Elements      []byte // the profile elements payload (ProfileElements.Encode)
	// SegmentSize bounds the plaintext in one 86 segment (default 1000,
	// so each segment stays under SGP.22's 1020 bytes).
	SegmentSize int
	// OneTimeKey is otSK.DP.ECKA; nil makes a fresh one.
	OneTimeKey *ecdh.PrivateKey
	// PPK, when set, adds ReplaceSessionKeys (A2): the profile elements
	// are then protected with these keys instead of the session keys.
	PPK *SessionKeys
}

// BuildBPP builds a BoundProfilePackage (BF36) for one card and session.
func BuildBPP(p BPPParams) ([]byte, error) {
	if p.DPpb == nil || len(p.TransactionID) == 0 || len(p.EuiccOtpk) == 0 {
		return nil, fmt.Errorf("rsp: BuildBPP: missing key, transaction id or otPK.EUICC")
	}
	otsk := p.OneTimeKey
	if otsk == nil {
		var err error
		if otsk, err = NewOneTimeKey(); err != nil {
			return nil, err
		}
	}
	host := p.HostID
	if len(host) == 0 {
		host = []byte("SMDP")
	}
	isc := InitialiseSecureChannel{RemoteOpID: RemoteOpInstallBPP, TransactionID: p.TransactionID,
		KeyType: KeyTypeAES, KeyLen: KeyLenAES128, HostID: host, SmdpOtpk: otsk.PublicKey().Bytes()}
	sig, err := Sign(p.DPpb, isc.SignedData(p.EuiccOtpk))
	if err != nil {
		return nil, fmt.Errorf("rsp: BuildBPP: %w", err)
	}
	isc.SmdpSign = sig
	shs, err := SharedSecret(otsk, p.EuiccOtpk)
	if err != nil {
		return nil, fmt.Errorf("rsp: BuildBPP: %w", err)
	}
	sc, err := NewSCP03t(DeriveSessionKeys(shs, host, EIDBytes(p.EID)))
	if err != nil {
		return nil, err
	}
	out := isc.Encode()
	out = append(out, tlv.New(tagFirst87, sc.Wrap(0x87, tlv.Constructed(TagConfigureISDP).Bytes(), true)).Bytes()...)
	out = append(out, tlv.New(tagSeq88, sc.Wrap(0x88, p.Metadata.Encode(), false)).Bytes()...)
	if p.PPK != nil {
		rk := tlv.Constructed(TagReplaceSessionKeys, tlv.New(0x80, p.PPK.MCV), tlv.New(0x81, p.PPK.ENC), tlv.New(0x82, p.PPK.MAC)).Bytes()
		out = append(out, tlv.New(tagSecond87, sc.Wrap(0x87, rk, true)).Bytes()...)
		if sc, err = NewSCP03t(*p.PPK); err != nil {
			return nil, err
		}
	}
	size := p.SegmentSize
	if size <= 0 {
		size = 1000
	}
	var pes []byte
	for off := 0; off < len(p.Elements); off += size {
		pes = append(pes, sc.Wrap(0x86, p.Elements[off:min(off+size, len(p.Elements))], true)...)
	}
	out = append(out, tlv.New(tagSeq86, pes).Bytes()...)
	return tlv.New(TagBoundProfilePackage, out).Bytes(), nil
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
		return nil, fmt.Errorf("rsp: BPP: %w", err)
	}
	bf36 := tlv.New(TagBoundProfilePackage, tlvValueOf(b))
	want := []uint32{TagInitialiseSecureCh, tagFirst87, tagSeq88, tagSecond87, tagSeq86}
	i := 0
	var segs [][]byte
	for _, obj := range f.list {
		for i < len(want) && want[i] != obj.Tag && want[i] == tagSecond87 {
			i++
		}
		if i >= len(want) || want[i] != obj.Tag {
			return nil, decodeErr("BPP: unexpected %X", obj.Tag)
		}
		i++
		if obj.Tag == TagInitialiseSecureCh {
			segs = append(segs, append(header(bf36), obj.Bytes()...))
			continue
		}
		inner, err := obj.Children()
		if err != nil {
			return nil, decodeErr("BPP: %X: %v", obj.Tag, err)
		}
		sub := map[uint32]uint32{tagFirst87: 0x87, tagSeq88: 0x88, tagSecond87: 0x87, tagSeq86: 0x86}[obj.Tag]
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

func tlvValueOf(b []byte) []byte {
	obj, _, err := tlv.ParseOne(b)
	if err != nil {
		return nil
	}
	return obj.Value
}
