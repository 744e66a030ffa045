package capture

import (
	"encoding/binary"
	"fmt"
	"net"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// The frames the rig synthesizes (the tap's TCP segments, the datagrams)
// are encoded here rather than by gopacket.SerializeLayers, which cost
// more than the rest of writing them (an interface and a layer struct per
// layer, prepends, a byte-wise checksum, deep stacks on the servers' fresh
// goroutines). The bytes are those SerializeLayers writes for the same
// Ethernet, IPv4 or IPv6, and TCP or UDP layers with FixLengths and
// ComputeChecksums (TestFramesAsGopacket, FuzzFrames): Ethernet padded to
// 60 bytes, the IPv4 header checksum, the transport checksum over the
// pseudo-header, a UDP checksum of 0 sent as 0xffff (RFC 768).

// IP protocol numbers.
const (
	protoTCP = 6
	protoUDP = 17
)

// ipFrame is what differs between the synthesized frames below the
// transport header.
type ipFrame struct {
	srcMAC, dstMAC net.HardwareAddr // 6 bytes each
	srcIP, dstIP   []byte           // both 4 bytes (IPv4) or both 16 (IPv6)
	id             uint16           // IPv4 identification
	dontFragment   bool             // IPv4 DF flag
	proto          byte
}

// maxIPv6Payload is the largest IPv6 payload without a jumbo option, which
// appendFrame does not write (fits says so).
const maxIPv6Payload = 65535

// fits reports whether appendFrame writes a frame with a transport
// payload of n bytes (header included): IPv6 beyond 65,535 bytes needs a
// jumbogram, left to gopacket.
func (f *ipFrame) fits(n int) bool { return len(f.srcIP) == 4 || n <= maxIPv6Payload }

// appendFrame appends the frame: Ethernet, the IP header, th (a UDP or TCP
// header with its checksum zero; a UDP header's length is set here) and
// payload, with lengths and checksums filled in. Only when f.fits.
func appendFrame(b []byte, f *ipFrame, th, payload []byte) []byte {
	be := binary.BigEndian
	start := len(b)
	b = append(b, f.dstMAC...)
	b = append(b, f.srcMAC...)
	l4 := len(th) + len(payload)
	var sum uint64 // the pseudo-header's (RFC 9293 §3.1, RFC 8200 §8.1)
	if len(f.srcIP) == 4 {
		b = be.AppendUint16(b, 0x0800)
		ip := len(b)
		var flags uint16
		if f.dontFragment {
			flags = 0x4000
		}
		b = append(b, 0x45, 0)
		b = be.AppendUint16(b, uint16(20+l4))
		b = be.AppendUint16(b, f.id)
		b = be.AppendUint16(b, flags)
		b = append(b, 64, f.proto, 0, 0)
		b = append(b, f.srcIP...)
		b = append(b, f.dstIP...)
		be.PutUint16(b[ip+10:], ^fold(onesAdd(0, b[ip:ip+20])))
	} else {
		b = be.AppendUint16(b, 0x86DD)
		b = append(b, 0x60, 0, 0, 0)
		b = be.AppendUint16(b, uint16(l4))
		b = append(b, f.proto, 64)
		b = append(b, f.srcIP...)
		b = append(b, f.dstIP...)
	}
	sum = onesAdd(sum, f.srcIP)
	sum = onesAdd(sum, f.dstIP)
	sum += uint64(f.proto) + uint64(l4&0xffff) + uint64(l4>>16)
	at := len(b)
	b = append(b, th...)
	b = append(b, payload...)
	if f.proto == protoUDP {
		be.PutUint16(b[at+4:], uint16(l4))
	}
	csum := ^fold(onesAdd(sum, b[at:]))
	switch f.proto {
	case protoUDP:
		if csum == 0 {
			csum = 0xffff
		}
		be.PutUint16(b[at+6:], csum)
	case protoTCP:
		be.PutUint16(b[at+16:], csum)
	}
	if n := len(b) - start; n < 60 {
		b = append(b, make([]byte, 60-n)...)
	}
	return b
}

// onesAdd adds data's big-endian 16-bit words (a trailing odd byte as the
// high half of one) to sum, 32 bits at a time: one's complement addition
// is the same in any word size once folded (RFC 1071 §2).
func onesAdd(sum uint64, data []byte) uint64 {
	be := binary.BigEndian
	for len(data) >= 4 {
		sum += uint64(be.Uint32(data))
		data = data[4:]
	}
	if len(data) >= 2 {
		sum += uint64(be.Uint16(data))
		data = data[2:]
	}
	if len(data) == 1 {
		sum += uint64(data[0]) << 8
	}
	return sum
}

// fold reduces a one's complement sum to 16 bits.
func fold(sum uint64) uint16 {
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return uint16(sum)
}

// serializeLayers is what appendFrame writes, by gopacket's serializer:
// the jumbograms appendFrame leaves to it, and the reference its tests
// compare with. th's ports (and a TCP header's other fields) are read
// back from it.
func serializeLayers(f *ipFrame, th, payload []byte) ([]byte, error) {
	eth := &layers.Ethernet{SrcMAC: f.srcMAC, DstMAC: f.dstMAC, EthernetType: layers.EthernetTypeIPv4}
	var ip gopacket.NetworkLayer
	if len(f.srcIP) == 4 {
		ip4 := &layers.IPv4{Version: 4, TTL: 64, Id: f.id, Protocol: layers.IPProtocol(f.proto), SrcIP: f.srcIP, DstIP: f.dstIP}
		if f.dontFragment {
			ip4.Flags = layers.IPv4DontFragment
		}
		ip = ip4
	} else {
		eth.EthernetType = layers.EthernetTypeIPv6
		ip = &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocol(f.proto), SrcIP: f.srcIP, DstIP: f.dstIP}
	}
	var l4 interface {
		gopacket.SerializableLayer
		SetNetworkLayerForChecksum(gopacket.NetworkLayer) error
	}
	be := binary.BigEndian
	switch f.proto {
	case protoUDP:
		l4 = &layers.UDP{SrcPort: layers.UDPPort(be.Uint16(th[0:])), DstPort: layers.UDPPort(be.Uint16(th[2:]))}
	case protoTCP:
		fl := th[13]
		tcp := &layers.TCP{
			SrcPort: layers.TCPPort(be.Uint16(th[0:])), DstPort: layers.TCPPort(be.Uint16(th[2:])),
			Seq: be.Uint32(th[4:]), Ack: be.Uint32(th[8:]), Window: be.Uint16(th[14:]),
			FIN: fl&flagFIN != 0, SYN: fl&flagSYN != 0, RST: fl&flagRST != 0, PSH: fl&flagPSH != 0, ACK: fl&flagACK != 0,
		}
		for o := th[20:]; len(o) >= 2 && o[1] >= 2 && int(o[1]) <= len(o); o = o[o[1]:] {
			tcp.Options = append(tcp.Options, layers.TCPOption{OptionType: layers.TCPOptionKind(o[0]), OptionLength: o[1], OptionData: o[2:o[1]]})
		}
		l4 = tcp
	default:
		return nil, fmt.Errorf("IP protocol %d", f.proto)
	}
	if err := l4.SetNetworkLayerForChecksum(ip); err != nil {
		return nil, err
	}
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, eth, ip.(gopacket.SerializableLayer), l4, gopacket.Payload(payload)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
