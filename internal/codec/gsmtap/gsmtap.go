// Package gsmtap encodes and decodes GSMTAP, Osmocom's pseudo-header for
// cellular protocol traces carried in UDP datagrams to port 4729 (header
// version 2, as libosmocore's gsmtap.h defines it), and the SIM payload a
// SIMtrace2 sniffer sends in it: the card's ATR, or one APDU as it crossed
// the contacts (sim.go).
//
// The header is a gopacket layer registered on UDP port 4729, so packets
// decoded with gopacket carry it like any other layer; Wireshark's gsmtap
// and gsm_sim dissectors read the same bytes.
package gsmtap

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Port is the IANA-assigned UDP port of GSMTAP.
const Port = 4729

// Version is the header version this package reads and writes; version 3
// (GSMTAPv3) is a different layout altogether.
const Version = 2

// HeaderLen is the length of a version 2 header without options: 16 bytes,
// 4 in the header's own unit of 32-bit words.
const HeaderLen = 16

// Type is the kind of payload the header announces.
type Type uint8

// Payload types (libosmocore gsmtap.h, GSMTAP_TYPE_*). Only TypeSIM is
// decoded further here; the others are named for reports.
const (
	TypeUm      Type = 0x01
	TypeAbis    Type = 0x02
	TypeUmBurst Type = 0x03
	TypeSIM     Type = 0x04 // ISO 7816 smart card interface
	TypeLTERRC  Type = 0x0D
	TypeLTENAS  Type = 0x12
)

var typeNames = map[Type]string{
	TypeUm: "GSM Um", TypeAbis: "GSM Abis", TypeUmBurst: "GSM Um burst", TypeSIM: "SIM",
	0x05: "TETRA", 0x06: "TETRA burst", 0x07: "WiMAX burst", 0x08: "GPRS LLC", 0x09: "GPRS SNDCP",
	0x0A: "GMR-1 Um", 0x0B: "UMTS RLC/MAC", 0x0C: "UMTS RRC", TypeLTERRC: "LTE RRC",
	0x0E: "LTE MAC", 0x0F: "LTE MAC framed", 0x10: "osmocore log", 0x11: "Qualcomm DIAG", TypeLTENAS: "LTE NAS",
}

func (t Type) String() string {
	if n, ok := typeNames[t]; ok {
		return fmt.Sprintf("%d (%s)", uint8(t), n)
	}
	return fmt.Sprintf("%d (unknown)", uint8(t))
}

// Sub-types of TypeSIM (GSMTAP_SIM_*). A SIMtrace2 sends SubATR at each
// card reset and SubAPDU for every exchange; the TPDU and PPS sub-types
// exist in the format but no sniffer of ours sends them.
const (
	SubAPDU    uint8 = 0x00
	SubATR     uint8 = 0x01
	SubPPSReq  uint8 = 0x02
	SubPPSRsp  uint8 = 0x03
	SubTPDUHdr uint8 = 0x04
	SubTPDUCmd uint8 = 0x05
	SubTPDURsp uint8 = 0x06
	SubTPDUSW  uint8 = 0x07
)

// LayerTypeGSMTAP is the header's gopacket layer type, decoded for UDP
// port Port.
var LayerTypeGSMTAP = gopacket.RegisterLayerType(1729, gopacket.LayerTypeMetadata{
	Name: "GSMTAP", Decoder: gopacket.DecodeFunc(decodeGSMTAP),
})

func init() { layers.RegisterUDPPortLayerType(Port, LayerTypeGSMTAP) }

// Errors of DecodeFromBytes, for callers that count what they skip.
var (
	ErrTruncated = errors.New("gsmtap: truncated header")
	ErrVersion   = errors.New("gsmtap: unsupported version")
	ErrHeaderLen = errors.New("gsmtap: bad header length")
)

// GSMTAP is the version 2 header. The Um-specific fields (timeslot, ARFCN,
// signal, frame number, antenna, sub-slot) are zero in SIM traces.
type GSMTAP struct {
	layers.BaseLayer
	Version     uint8
	HdrLen      uint8 // in 32-bit words, at least 4; longer headers carry options this package skips
	Type        Type
	Timeslot    uint8
	ARFCN       uint16
	SignalDBm   int8
	SNRdB       int8
	FrameNumber uint32
	SubType     uint8
	Antenna     uint8
	SubSlot     uint8
	Reserved    uint8
}

// LayerType implements gopacket.Layer.
func (g *GSMTAP) LayerType() gopacket.LayerType { return LayerTypeGSMTAP }

// CanDecode implements gopacket.DecodingLayer.
func (g *GSMTAP) CanDecode() gopacket.LayerClass { return LayerTypeGSMTAP }

// NextLayerType implements gopacket.DecodingLayer: the payload is left to
// the caller (SIM payloads: DecodeSIM).
func (g *GSMTAP) NextLayerType() gopacket.LayerType { return gopacket.LayerTypePayload }

// DecodeFromBytes reads the header; Contents keeps the header with its
// options and Payload the rest, both sub-slices of data.
func (g *GSMTAP) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 2 {
		df.SetTruncated()
		return fmt.Errorf("%w: %d bytes", ErrTruncated, len(data))
	}
	if data[0] != Version {
		return fmt.Errorf("%w %d (want %d)", ErrVersion, data[0], Version)
	}
	n := int(data[1]) * 4
	if n < HeaderLen {
		return fmt.Errorf("%w: %d words, at least %d", ErrHeaderLen, data[1], HeaderLen/4)
	}
	if len(data) < n {
		df.SetTruncated()
		return fmt.Errorf("%w: %d of %d header bytes", ErrTruncated, len(data), n)
	}
	*g = GSMTAP{
		BaseLayer:   layers.BaseLayer{Contents: data[:n], Payload: data[n:]},
		Version:     data[0],
		HdrLen:      data[1],
		Type:        Type(data[2]),
		Timeslot:    data[3],
		ARFCN:       binary.BigEndian.Uint16(data[4:6]),
		SignalDBm:   int8(data[6]),
		SNRdB:       int8(data[7]),
		FrameNumber: binary.BigEndian.Uint32(data[8:12]),
		SubType:     data[12],
		Antenna:     data[13],
		SubSlot:     data[14],
		Reserved:    data[15],
	}
	return nil
}

// SerializeTo writes a 16-byte header (HdrLen 4: options are not written)
// in front of the buffer's payload.
func (g *GSMTAP) SerializeTo(b gopacket.SerializeBuffer, opts gopacket.SerializeOptions) error {
	h, err := b.PrependBytes(HeaderLen)
	if err != nil {
		return err
	}
	if opts.FixLengths {
		g.HdrLen = HeaderLen / 4
	}
	g.put(h)
	return nil
}

// Append appends the 16-byte header to dst (SerializeTo without a buffer).
func (g *GSMTAP) Append(dst []byte) []byte {
	var h [HeaderLen]byte
	g.put(h[:])
	return append(dst, h[:]...)
}

func (g *GSMTAP) put(h []byte) {
	h[0], h[1], h[2], h[3] = g.Version, HeaderLen/4, uint8(g.Type), g.Timeslot
	binary.BigEndian.PutUint16(h[4:6], g.ARFCN)
	h[6], h[7] = byte(g.SignalDBm), byte(g.SNRdB)
	binary.BigEndian.PutUint32(h[8:12], g.FrameNumber)
	h[12], h[13], h[14], h[15] = g.SubType, g.Antenna, g.SubSlot, g.Reserved
}

func decodeGSMTAP(data []byte, p gopacket.PacketBuilder) error {
	g := &GSMTAP{}
	if err := g.DecodeFromBytes(data, p); err != nil {
		return err
	}
	p.AddLayer(g)
	return p.NextDecoder(gopacket.LayerTypePayload)
}

// SIMHeader is the header a SIM sniffer puts in front of an ATR or an
// APDU: version 2, 4 words, type SIM, the sub-type, every other field zero.
func SIMHeader(sub uint8) *GSMTAP {
	return &GSMTAP{Version: Version, HdrLen: HeaderLen / 4, Type: TypeSIM, SubType: sub}
}
