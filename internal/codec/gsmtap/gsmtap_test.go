package gsmtap

import (
	"bytes"
	"errors"
	"net"
	"reflect"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/esimhil/esimhil/internal/hexdump"
)

// simHeaderHex is the header simtrace2-sniff puts in front of an APDU
// (libosmocore gsmtap.h): version 02, length 04 words, type 04 SIM,
// timeslot 00, ARFCN 0000, signal 00, SNR 00, frame number 00000000,
// sub-type 00 APDU, antenna 00, sub-slot 00, reserved 00.
const simHeaderHex = "02 04 04 00 0000 00 00 00000000 00 00 00 00"

func TestHeaderVectors(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		want GSMTAP
	}{
		{"SIM APDU", simHeaderHex, GSMTAP{Version: 2, HdrLen: 4, Type: TypeSIM, SubType: SubAPDU}},
		{"SIM ATR", "02 04 04 00 0000 00 00 00000000 01 00 00 00", GSMTAP{Version: 2, HdrLen: 4, Type: TypeSIM, SubType: SubATR}},
		// A GSM Um burst header: every field set, to check the byte order.
		{"Um with every field", "02 04 01 07 43FF C4 1E 0012D687 06 01 02 00",
			GSMTAP{Version: 2, HdrLen: 4, Type: TypeUm, Timeslot: 7, ARFCN: 0x43FF, SignalDBm: -60, SNRdB: 30,
				FrameNumber: 1234567, SubType: 6, Antenna: 1, SubSlot: 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := append(hexdump.Bytes(t, tc.hex), 0xA0, 0xA4)
			var g GSMTAP
			if err := g.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err != nil {
				t.Fatal(err)
			}
			got := g
			got.BaseLayer = layers.BaseLayer{}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("decoded %+v, want %+v", got, tc.want)
			}
			if !bytes.Equal(g.Payload, []byte{0xA0, 0xA4}) || len(g.Contents) != HeaderLen {
				t.Errorf("contents %X payload %X", g.Contents, g.Payload)
			}
			if enc := tc.want.Append(nil); !bytes.Equal(enc, b[:HeaderLen]) {
				t.Errorf("Append = %X, want %X", enc, b[:HeaderLen])
			}
			buf := gopacket.NewSerializeBuffer()
			if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, &tc.want, gopacket.Payload{0xA0, 0xA4}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), b) {
				t.Errorf("SerializeTo = %X, want %X", buf.Bytes(), b)
			}
		})
	}
}

// A header longer than four words carries options: they are skipped.
func TestHeaderWithOptions(t *testing.T) {
	b := hexdump.Bytes(t, "02 05 04 00 0000 00 00 00000000 00 00 00 00 DEADBEEF 80 12 00 00 0E")
	var g GSMTAP
	if err := g.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err != nil {
		t.Fatal(err)
	}
	if len(g.Contents) != 20 || !bytes.Equal(g.Payload, hexdump.Bytes(t, "80 12 00 00 0E")) {
		t.Errorf("contents %X payload %X", g.Contents, g.Payload)
	}
}

func TestHeaderErrors(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		want error
	}{
		{"empty", "", ErrTruncated},
		{"one byte", "02", ErrTruncated},
		{"version 1", "01 04 04 00 0000 00 00 00000000 00 00 00 00", ErrVersion},
		{"GSMTAPv3", "03 00 0008 0004 0000", ErrVersion},
		{"length below 4 words", "02 03 04 00 0000 00 00 00000000", ErrHeaderLen},
		{"header cut", "02 04 04 00 0000 00 00", ErrTruncated},
		{"options cut", "02 06 04 00 0000 00 00 00000000 00 00 00 00 0000", ErrTruncated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var g GSMTAP
			err := g.DecodeFromBytes(hexdump.Bytes(t, tc.hex), gopacket.NilDecodeFeedback)
			if !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
}

// gopacket decodes UDP to port 4729 as GSMTAP by registration.
func TestLayerRegisteredOnPort(t *testing.T) {
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IP{192, 0, 2, 7}, DstIP: net.IP{127, 0, 0, 1}}
	udp := &layers.UDP{SrcPort: 50123, DstPort: Port}
	_ = udp.SetNetworkLayerForChecksum(ip)
	apdu := hexdump.Bytes(t, "80 12 00 00 0E D0 0C 81 03 01 01 09 82 02 81 82 00 00 90 00")
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		eth, ip, udp, SIMHeader(SubAPDU), gopacket.Payload(apdu)); err != nil {
		t.Fatal(err)
	}
	pkt := gopacket.NewPacket(buf.Bytes(), layers.LinkTypeEthernet, gopacket.Default)
	g, ok := pkt.Layer(LayerTypeGSMTAP).(*GSMTAP)
	if !ok {
		t.Fatalf("no GSMTAP layer in %v", pkt)
	}
	if g.Type != TypeSIM || g.SubType != SubAPDU || !bytes.Equal(g.Payload, apdu) {
		t.Errorf("decoded %+v payload %X", g, g.Payload)
	}
}

func TestTypeString(t *testing.T) {
	if s := TypeSIM.String(); s != "4 (SIM)" {
		t.Errorf("TypeSIM = %q", s)
	}
	if s := Type(0xEE).String(); s != "238 (unknown)" {
		t.Errorf("0xEE = %q", s)
	}
}
