package rsp

// Profile metadata (SGP.22 §5.4.1 StoreMetadataRequest, BF25) and the
// profile elements payload that stands in for SAIP profile elements
// (SGP.22 §2.5.4 sequenceOf86).

import (
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// Private tags (class private, X.690 §8.1.2.2) this harness adds where
// SGP.22 has no field: the profile's IMSI, its size in bytes and its MNC
// length. A real SM-DP+ never sends them; a real card ignores them.
const (
	TagPrivateIMSI   = 0xDF40 // IMSI as ASCII digits
	TagPrivateSize   = 0xDF41 // INTEGER: bytes of NVM the profile needs
	TagPrivateMNCLen = 0xDF42 // INTEGER: 2 or 3
)

// ProfileMetadata is StoreMetadataRequest (BF25): 5A iccid,
// 91 serviceProviderName, 92 profileName, 95 profileClass (operational), and
// the private IMSI / size / MNC length.
type ProfileMetadata struct {
	ICCID               string
	ServiceProviderName string
	ProfileName         string
	IMSI                string
	MNCLen              int // 0 = 2
	Size                int
}

func (m ProfileMetadata) tlv() tlv.TLV {
	cs := []tlv.TLV{tlv.New(0x5A, ICCIDBytes(m.ICCID)), tlv.New(0x91, []byte(m.ServiceProviderName)),
		tlv.New(0x92, []byte(m.ProfileName)), tlv.New(0x95, []byte{2}), tlv.New(TagPrivateIMSI, []byte(m.IMSI)),
		intTLV(TagPrivateSize, m.Size)}
	if m.MNCLen != 0 {
		cs = append(cs, intTLV(TagPrivateMNCLen, m.MNCLen))
	}
	return tlv.Constructed(TagStoreMetadata, cs...)
}

// Encode returns the BF25 encoding.
func (m ProfileMetadata) Encode() []byte { return m.tlv().Bytes() }

// DecodeProfileMetadata decodes BF25 and checks the identifiers' shapes.
func DecodeProfileMetadata(b []byte) (ProfileMetadata, error) {
	f, err := parseOuter(b, TagStoreMetadata)
	if err != nil {
		return ProfileMetadata{}, err
	}
	var m ProfileMetadata
	iccid := f.get(0x5A)
	m.ServiceProviderName = f.text(0x91, 32)
	m.ProfileName = f.text(0x92, 64)
	m.IMSI = f.text(TagPrivateIMSI, 15)
	m.Size = f.integer(TagPrivateSize)
	if f.err != nil {
		return ProfileMetadata{}, f.err
	}
	if v, ok := f.opt(TagPrivateMNCLen); ok {
		if m.MNCLen, err = decodeInt(v); err != nil {
			return ProfileMetadata{}, err
		}
	}
	if m.ICCID, err = ParseICCID(iccid); err != nil {
		return ProfileMetadata{}, err
	}
	switch {
	case !ident.IsIMSI(m.IMSI):
		return ProfileMetadata{}, decodeErr("BF25: IMSI %q", m.IMSI)
	case m.ServiceProviderName == "":
		return ProfileMetadata{}, decodeErr("BF25: empty serviceProviderName")
	case m.MNCLen != 0 && m.MNCLen != 2 && m.MNCLen != 3:
		return ProfileMetadata{}, decodeErr("BF25: MNC length %d", m.MNCLen)
	}
	return m, nil
}

// ProfileElements is the payload the 86 segments carry once decrypted: a
// SEQUENCE (30) of the same fields as the metadata (5A ICCID, 91 operator,
// 92 name, DF40 IMSI, DF41 size, DF42 MNC length). It stands in for the
// SAIP profile elements (SGP.22 §2.5.4): the card installs what it says, and
// refuses it when it contradicts the metadata (installFailedDueToDataMismatch).
type ProfileElements ProfileMetadata

// Encode returns the payload.
func (p ProfileElements) Encode() []byte {
	t := ProfileMetadata(p).tlv()
	t.Tag = 0x30
	return t.Bytes()
}

// DecodeProfileElements decodes the payload.
func DecodeProfileElements(b []byte) (ProfileElements, error) {
	obj, rest, err := tlv.ParseOne(b)
	if err != nil || len(rest) != 0 || obj.Tag != 0x30 {
		return ProfileElements{}, decodeErr("profile elements: not one SEQUENCE")
	}
	obj.Tag = TagStoreMetadata
	m, err := DecodeProfileMetadata(obj.Bytes())
	return ProfileElements(m), err
}
