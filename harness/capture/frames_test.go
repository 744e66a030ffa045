package capture

import (
	"bytes"
	"encoding/binary"
	"net"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/internal/dissectorports"
)

// checkFrames reads every frame of a tap file and verifies, independently of
// gopacket's serializer, the IPv4 header checksum and the TCP checksum over
// the pseudo-header (RFC 1071, RFC 9293 §3.1), and that MSS is respected.
func checkFrames(t *testing.T, path string) { checkFramesN(t, path, 4) }

// checkFramesN is checkFrames for a capture of conns connections.
func checkFramesN(t *testing.T, path string, conns int) {
	t.Helper()
	src := openTestSource(t, path)
	n, syn, fin := 0, 0, 0
	for {
		data, _, err := src.ReadPacketData()
		if err != nil {
			break
		}
		n++
		pkt := gopacket.NewPacket(data, layers.LinkTypeEthernet, gopacket.Default)
		ip, _ := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		tcp, _ := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if ip == nil || tcp == nil {
			t.Fatalf("frame %d is not IPv4/TCP: %v", n, pkt)
		}
		hdr := data[14 : 14+int(ip.IHL)*4]
		if onesSum(hdr) != 0xffff {
			t.Errorf("frame %d: bad IPv4 header checksum %#04x", n, ip.Checksum)
		}
		seg := data[14+int(ip.IHL)*4 : 14+int(ip.Length)]
		pseudo := make([]byte, 12)
		copy(pseudo[0:4], ip.SrcIP.To4())
		copy(pseudo[4:8], ip.DstIP.To4())
		pseudo[9] = 6
		binary.BigEndian.PutUint16(pseudo[10:], uint16(len(seg)))
		if onesSum(append(pseudo, seg...)) != 0xffff {
			t.Errorf("frame %d: bad TCP checksum %#04x", n, tcp.Checksum)
		}
		if len(tcp.Payload) > mss {
			t.Errorf("frame %d: %d bytes of payload > MSS", n, len(tcp.Payload))
		}
		if tcp.SYN {
			syn++
		}
		if tcp.FIN {
			fin++
		}
	}
	// Four connections: SYN and SYN-ACK, and a FIN from each side, per connection.
	if syn != 2*conns || fin != 2*conns {
		t.Errorf("%d frames with %d SYN and %d FIN, want %d each", n, syn, fin, 2*conns)
	}
}

// onesSum is the 16-bit one's complement sum; a correct checksum makes the
// sum over the covered bytes 0xffff.
func onesSum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}

// A client port Wireshark gives to a protocol of its own (34980: EtherCAT)
// is written as its stand-in, so tshark reads the exchange as HTTP; the
// server's port and the other frames are as they were.
func TestTapWritesAStandInForATakenPort(t *testing.T) {
	var frames [][]byte
	tp := newTap(clock.NewVirtual(clock.Epoch), nil, func(_ gopacket.CaptureInfo, b []byte, _ Mark) error {
		frames = append(frames, bytes.Clone(b))
		return nil
	})
	lo := net.IPv4(127, 0, 0, 1)
	f := tp.newFlow(&net.TCPAddr{IP: lo, Port: 34980}, &net.TCPAddr{IP: lo, Port: 40000})
	f.data(true, []byte("GET / HTTP/1.1\r\nHost: p\r\n\r\n"))
	f.close()
	want, _ := dissectorports.StandIn(34980)
	for i, b := range frames {
		tcp, _ := gopacket.NewPacket(b, layers.LayerTypeEthernet, gopacket.Default).Layer(layers.LayerTypeTCP).(*layers.TCP)
		if tcp == nil {
			t.Fatalf("frame %d: no TCP", i)
		}
		c, s := tcp.SrcPort, tcp.DstPort
		if s != 40000 {
			c, s = s, c
		}
		if uint16(c) != want || s != 40000 {
			t.Errorf("frame %d: ports %d → %d, want the client as %d", i, tcp.SrcPort, tcp.DstPort, want)
		}
	}
}
