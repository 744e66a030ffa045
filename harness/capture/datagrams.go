package capture

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Datagram is one UDP datagram of a capture file.
type Datagram struct {
	Frame    int // packet number in the file, from 1 (Wireshark's frame.number)
	Time     time.Time
	Src, Dst netip.AddrPort
	Payload  []byte
	// Truncated reports a frame the capture cut short (snap length): the
	// payload is what was kept.
	Truncated bool
}

// ReadDatagrams returns the UDP datagrams to or from port in a pcapng or
// pcap file (Ethernet, Linux cooked, raw IP or loopback link types), in
// file order. IPv4 fragments are not reassembled: a datagram split in
// fragments is not in the list.
func ReadDatagrams(path string, port uint16) ([]Datagram, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read capture: %w", err)
	}
	defer f.Close()
	src, linkType, err := openSource(f)
	if err != nil {
		return nil, fmt.Errorf("read capture %s: %w", path, err)
	}
	var out []Datagram
	total := 0
	for n := 1; ; n++ {
		if n > maxPackets {
			return nil, fmt.Errorf("read capture %s: more than %d packets", path, maxPackets)
		}
		data, ci, err := src.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read capture %s: packet %d: %w", path, n, err)
		}
		pkt := gopacket.NewPacket(data, linkType(ci), gopacket.DecodeOptions{Lazy: true, NoCopy: true})
		udp, _ := pkt.Layer(layers.LayerTypeUDP).(*layers.UDP)
		if udp == nil || (uint16(udp.SrcPort) != port && uint16(udp.DstPort) != port) {
			continue
		}
		var srcIP, dstIP netip.Addr
		switch ip := pkt.NetworkLayer().(type) {
		case *layers.IPv4:
			srcIP, _ = netip.AddrFromSlice(ip.SrcIP.To4())
			dstIP, _ = netip.AddrFromSlice(ip.DstIP.To4())
		case *layers.IPv6:
			srcIP, _ = netip.AddrFromSlice(ip.SrcIP)
			dstIP, _ = netip.AddrFromSlice(ip.DstIP)
		default:
			continue
		}
		if total += len(udp.Payload); total > maxTotalBytes {
			return nil, fmt.Errorf("read capture %s: more than %d bytes of datagrams to port %d", path, maxTotalBytes, port)
		}
		out = append(out, Datagram{
			Frame: n, Time: ci.Timestamp,
			Src:       netip.AddrPortFrom(srcIP, uint16(udp.SrcPort)),
			Dst:       netip.AddrPortFrom(dstIP, uint16(udp.DstPort)),
			Payload:   append([]byte(nil), udp.Payload...),
			Truncated: ci.CaptureLength < ci.Length,
		})
	}
	return out, nil
}
