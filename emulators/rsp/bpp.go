package rsp

// Building a bound profile package (SGP.22 §2.5.4 BoundProfilePackage,
// §5.5.1 InitialiseSecureChannel): the SM-DP+ side, which holds SK.DPpb and
// otSK.DP.ECKA. The framing (tags, segmentation) is in package es10.

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"fmt"

	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// BPPParams is what BuildBPP needs.
type BPPParams struct {
	TransactionID []byte
	DPpb          *ecdsa.PrivateKey // signs InitialiseSecureChannel
	EuiccOtpk     []byte            // otPK.EUICC.ECKA from euiccSigned2 (65 bytes)
	EID           string
	HostID        []byte // SM-DP+ host id in the CRT; default "SMDP"
	Metadata      es10.ProfileMetadata
	Package       []byte // the profile package (saip.Build)
	// SegmentSize bounds the plaintext in one 86 segment (default 1000,
	// so each segment stays under SGP.22's 1020 bytes).
	SegmentSize int
	// OneTimeKey is otSK.DP.ECKA; nil makes a fresh one.
	OneTimeKey *ecdh.PrivateKey
	// PPK, when set, adds ReplaceSessionKeys (A2): the profile package is
	// then protected with these keys instead of the session keys.
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
		if otsk, err = NewOneTimeKey(nil); err != nil {
			return nil, err
		}
	}
	host := p.HostID
	if len(host) == 0 {
		host = []byte("SMDP")
	}
	isc := es10.InitialiseSecureChannel{RemoteOpID: es10.RemoteOpInstallBPP, TransactionID: p.TransactionID,
		KeyType: es10.KeyTypeAES, KeyLen: es10.KeyLenAES128, HostID: host, SmdpOtpk: otsk.PublicKey().Bytes()}
	sig, err := Sign(p.DPpb, isc.SignedData(p.EuiccOtpk))
	if err != nil {
		return nil, fmt.Errorf("rsp: BuildBPP: %w", err)
	}
	isc.SmdpSign = sig
	shs, err := SharedSecret(otsk, p.EuiccOtpk)
	if err != nil {
		return nil, fmt.Errorf("rsp: BuildBPP: %w", err)
	}
	sc, err := NewSCP03t(DeriveSessionKeys(shs, host, es10.EIDBytes(p.EID)))
	if err != nil {
		return nil, err
	}
	out := isc.Encode()
	out = append(out, tlv.New(es10.TagFirstSequenceOf87, sc.Wrap(0x87, es10.ConfigureISDPRequest(), true)).Bytes()...)
	out = append(out, tlv.New(es10.TagSequenceOf88, sc.Wrap(0x88, p.Metadata.Encode(), false)).Bytes()...)
	if p.PPK != nil {
		rk := es10.ReplaceSessionKeys{MCV: p.PPK.MCV, ENC: p.PPK.ENC, MAC: p.PPK.MAC}.Encode()
		out = append(out, tlv.New(es10.TagSecondSequenceOf87, sc.Wrap(0x87, rk, true)).Bytes()...)
		if sc, err = NewSCP03t(*p.PPK); err != nil {
			return nil, err
		}
	}
	size := p.SegmentSize
	if size <= 0 {
		size = 1000
	}
	var pes []byte
	for off := 0; off < len(p.Package); off += size {
		pes = append(pes, sc.Wrap(0x86, p.Package[off:min(off+size, len(p.Package))], true)...)
	}
	out = append(out, tlv.New(es10.TagSequenceOf86, pes).Bytes()...)
	return tlv.New(es10.TagBoundProfilePackage, out).Bytes(), nil
}
