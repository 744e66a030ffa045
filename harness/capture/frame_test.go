package capture

import (
	"bytes"
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
)

// frameCase builds the ipFrame and transport header of one synthesized
// frame from the fields the fuzzer draws.
func frameCase(v6, tcp bool, id uint16, flags byte, sport, dport uint16, seq, ack uint32, mssOpt bool) (*ipFrame, []byte) {
	f := &ipFrame{srcMAC: clientMAC, dstMAC: serverMAC, id: id, proto: protoUDP}
	src, dst := net.IPv4(127, 0, 0, 1).To4(), net.IPv4(10, 1, 2, 254).To4()
	if v6 {
		src, dst = net.ParseIP("::1"), net.ParseIP("fd00::2:fffe")
	}
	f.srcIP, f.dstIP = src, dst
	if !tcp {
		th := make([]byte, 8)
		binary.BigEndian.PutUint16(th[0:], sport)
		binary.BigEndian.PutUint16(th[2:], dport)
		return f, th
	}
	f.proto, f.dontFragment = protoTCP, true
	th := make([]byte, 20, 24)
	binary.BigEndian.PutUint16(th[0:], sport)
	binary.BigEndian.PutUint16(th[2:], dport)
	binary.BigEndian.PutUint32(th[4:], seq)
	binary.BigEndian.PutUint32(th[8:], ack)
	th[12] = 5 << 4
	if mssOpt {
		th = append(th, 2, 4, mss>>8, mss&0xff)
		th[12] = 6 << 4
	}
	th[13] = flags & 0x1f
	binary.BigEndian.PutUint16(th[14:], 65535)
	return f, th
}

// TestFramesAsGopacket holds appendFrame to gopacket's serializer: the
// frames of every kind the rig writes, short (padded) and long, odd and
// even lengths.
func TestFramesAsGopacket(t *testing.T) {
	for _, tc := range []struct {
		name         string
		v6, tcp, mss bool
		flags        byte
		payload      int
		sport, dport uint16
		id           uint16
		seq, ack     uint32
	}{
		{name: "udp4 empty", sport: 4729, dport: 4729, id: 1},
		{name: "udp4 apdu", payload: 17, sport: 4729, dport: 4729, id: 0xffff},
		{name: "udp4 odd long", payload: 1001, sport: 1, dport: 65535},
		{name: "udp6", v6: true, payload: 33, sport: 4729, dport: 4729},
		{name: "udp4 64k", payload: 70000, sport: 4729, dport: 4729},
		{name: "udp6 jumbo", v6: true, payload: 70000, sport: 4729, dport: 4729},
		{name: "syn", tcp: true, mss: true, flags: flagSYN, sport: 40000, dport: 443, seq: 0x9E3779B1},
		{name: "syn-ack", tcp: true, mss: true, flags: flagSYN | flagACK, sport: 443, dport: 40000, seq: 1, ack: 0x9E3779B2},
		{name: "ack", tcp: true, flags: flagACK, sport: 40000, dport: 443, seq: 7, ack: 9},
		{name: "data", tcp: true, flags: flagACK | flagPSH, payload: mss, sport: 40000, dport: 80, seq: 0xfffffff0, ack: 3},
		{name: "odd data", tcp: true, flags: flagACK | flagPSH, payload: 333, sport: 80, dport: 40000},
		{name: "rst6", v6: true, tcp: true, flags: flagRST | flagACK, sport: 80, dport: 40000, seq: 5, ack: 6},
		{name: "fin6 data", v6: true, tcp: true, flags: flagFIN | flagACK, payload: 2, sport: 80, dport: 40000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, th := frameCase(tc.v6, tc.tcp, tc.id, tc.flags, tc.sport, tc.dport, tc.seq, tc.ack, tc.mss)
			checkFrameAsGopacket(t, f, th, numbered(tc.payload))
		})
	}
}

func checkFrameAsGopacket(t *testing.T, f *ipFrame, th, payload []byte) {
	t.Helper()
	want, err := serializeLayers(f, th, payload)
	if err != nil {
		t.Fatal(err)
	}
	if !f.fits(len(th) + len(payload)) {
		return // written by serializeLayers itself
	}
	got := appendFrame([]byte("prefix"), f, append([]byte(nil), th...), payload)
	if !bytes.Equal(got[6:], want) || string(got[:6]) != "prefix" {
		t.Fatalf("appendFrame:\n%x\ngopacket:\n%x", got[6:], want)
	}
}

// FuzzFrames holds appendFrame to gopacket's serializer on any header
// fields and payload.
func FuzzFrames(f *testing.F) {
	f.Add(false, false, uint16(1), byte(0), uint16(4729), uint16(4729), uint32(0), uint32(0), false, []byte{0x02, 0x04, 0, 0, 0xa0, 0x12})
	f.Add(false, true, uint16(0x100), byte(flagSYN), uint16(40000), uint16(443), uint32(0x9E3779B1), uint32(0), true, []byte(nil))
	f.Add(false, true, uint16(0x181), byte(flagACK|flagPSH), uint16(443), uint16(40000), uint32(1), uint32(2), false, []byte("HTTP/1.1 200 OK\r\n\r\n"))
	f.Add(true, true, uint16(0), byte(flagRST|flagACK), uint16(80), uint16(1), uint32(0xffffffff), uint32(0xffffffff), false, []byte{0xff, 0xff, 0xff})
	f.Add(true, false, uint16(0), byte(0), uint16(0), uint16(0), uint32(0), uint32(0), false, []byte{0xff, 0xfe})
	f.Fuzz(func(t *testing.T, v6, tcp bool, id uint16, flags byte, sport, dport uint16, seq, ack uint32, mssOpt bool, payload []byte) {
		fr, th := frameCase(v6, tcp, id, flags, sport, dport, seq, ack, mssOpt)
		checkFrameAsGopacket(t, fr, th, payload)
	})
}

// TestDatagramFrameAsGopacket: serialize, as the SIM tap calls it, of
// both families.
func TestDatagramFrameAsGopacket(t *testing.T) {
	var d dgramWriter
	for i, a := range []netip.AddrPort{SIMTapAddr, netip.MustParseAddrPort("[::1]:4729")} {
		got, err := d.serialize(a, a, []byte{1, 2, 3})
		if err != nil {
			t.Fatal(err)
		}
		f, th := frameCase(i == 1, false, d.id, 0, 4729, 4729, 0, 0, false)
		f.srcMAC, f.dstMAC = dgramSrcMAC, dgramDstMAC
		f.srcIP, f.dstIP = a.Addr().AsSlice(), a.Addr().AsSlice()
		want, err := serializeLayers(f, th, []byte{1, 2, 3})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: serialize %x, gopacket %x", a, got, want)
		}
	}
}
