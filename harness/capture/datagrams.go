package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Datagram is one UDP datagram of a capture file.
type Datagram struct {
	Frame    int // packet number in the file, from 1 (Wireshark's frame.number)
	Time     time.Time
	Mark     Mark // where it falls among the run's events, if the frame says
	Src, Dst netip.AddrPort
	Payload  []byte
	// Truncated reports a frame the capture cut short (snap length): the
	// payload is what was kept.
	Truncated bool
	// Unassembled, when set, says the datagram came in IP fragments that
	// could not be put back together, which frames hold them and why
	// ("IPv4 fragments at frames 14, 15, not reassembled: its last
	// fragment is missing"). Payload is empty, Frame and Time are its
	// first fragment's, and Src and Dst have port 0 when that fragment,
	// the one with the UDP header, is missing.
	Unassembled string
	// Duplicates are the frames, after it, that repeat a fragment of this
	// datagram put together from IP fragments: discarded, as the kernel
	// discards a duplicate fragment (RFC 791 §3.2, RFC 815), no bytes lost.
	Duplicates []int
}

// FrameList names frames of a capture as Wireshark numbers them (its
// frame.number): "frame 5", "frames 5, 6, 9"; "" for none.
func FrameList(frames []int) string {
	if len(frames) == 0 {
		return ""
	}
	b := []byte("frame ")
	if len(frames) > 1 {
		b = []byte("frames ")
	}
	for i, f := range frames {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendInt(b, int64(f), 10)
	}
	return string(b)
}

// Datagrams is what a capture holds on one UDP port: its datagrams, and
// the SIMtrace receiver's skips the capture ends with (SkippedAtEnd),
// read in the same pass, so that whoever has the one has the other
// (simtrace.Decode takes both).
type Datagrams struct {
	List         []Datagram
	SkippedAtEnd []SkippedAtEnd
	// KernelDroppedAtEnd is how many datagrams the receiver's socket
	// buffer dropped after the last frame the capture marks
	// (Session.KernelDroppedAtEnd).
	KernelDroppedAtEnd int
}

// ReadDatagrams returns the UDP datagrams to or from port in a pcapng or
// pcap file (Ethernet, Linux cooked, raw IP or loopback link types), in
// file order, and the receiver's skips it ends with. A datagram in IPv4
// fragments is put back together, in whatever order they come, and
// listed at the frame of the fragment that completed it (as Wireshark
// lists it); one whose fragments do not make it whole (one is missing or
// broken, or they are IPv6's) is listed at its first fragment with
// Unassembled set.
func ReadDatagrams(path string, port uint16) (Datagrams, error) {
	f, err := os.Open(path)
	if err != nil {
		return Datagrams{}, fmt.Errorf("read capture: %w", err)
	}
	defer f.Close()
	src, linkType, err := openSource(f)
	if err != nil {
		return Datagrams{}, fmt.Errorf("read capture %s: %w", path, err)
	}
	dg := newDatagramReader(port)
	for n := 1; ; n++ {
		if n > maxPackets {
			return Datagrams{}, fmt.Errorf("read capture %s: more than %d packets", path, maxPackets)
		}
		data, ci, m, err := src.readMarked()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			dg.ends = src.atEnd()
			dg.finish()
			return dg.result(), fmt.Errorf("read capture %s: %w", path, cutShort(n, len(dg.out), "datagrams read"))
		}
		if err != nil {
			return Datagrams{}, fmt.Errorf("read capture %s: packet %d: %w", path, n, err)
		}
		if err := dg.take(n, ci, m, data, linkType(ci)); err != nil {
			return Datagrams{}, fmt.Errorf("read capture %s: %w", path, err)
		}
	}
	dg.ends = src.atEnd()
	dg.finish()
	return dg.result(), nil
}

// ReadEvidence reads a capture once for both its HTTP exchanges (as
// ReadHTTP) and its datagrams to or from port (as ReadDatagrams). Like
// them, on a file cut short it returns what came before the cut with an
// error wrapping ErrCutShort. datagrams is how many the caller expects,
// if it knows (0 if not): the list is made that long at once, not grown
// from nothing a datagram at a time.
func ReadEvidence(path string, port uint16, datagrams int) ([]Exchange, Datagrams, error) {
	return evidence(port, datagrams, func(dg *datagramReader) ([]Exchange, error) { return readTLS(path, nil, dg) })
}

// readEvidence is ReadEvidence on any source.
func readEvidence(src captureSource, port uint16, datagrams int) ([]Exchange, Datagrams, error) {
	return evidence(port, datagrams, func(dg *datagramReader) ([]Exchange, error) { return readCapture(src, nil, dg) })
}

// evidence is ReadEvidence by read.
func evidence(port uint16, datagrams int, read func(*datagramReader) ([]Exchange, error)) ([]Exchange, Datagrams, error) {
	dg := newDatagramReader(port)
	dg.expect = min(max(datagrams, 0), 1<<20)
	ex, err := read(dg)
	if err != nil && !errors.Is(err, ErrCutShort) {
		return nil, Datagrams{}, err
	}
	dg.finish()
	return ex, dg.result(), err
}

// datagramReader picks the datagrams of one port out of a capture's
// frames. Ethernet frames (the tap's, a live capture's) go through a
// DecodingLayerParser that stops at the transport header: a TCP frame
// costs a header parse, not a packet; other link types take gopacket's
// full decoder.
type datagramReader struct {
	port    uint16
	eth     layers.Ethernet
	ip4     layers.IPv4
	ip6     layers.IPv6
	ip6frag layers.IPv6Fragment
	udp     layers.UDP
	parser  *gopacket.DecodingLayerParser
	decoded []gopacket.LayerType
	out     []Datagram
	expect  int // out's room when its first datagram comes
	total   int
	slab    []byte // where keep copies payloads
	// frags holds the datagrams whose IP fragments are being put
	// together (fragments.go); pairs, the address pairs that exchange
	// datagrams on the port. unordered says out needs sorting by frame.
	frags     map[fragKey]*fragGroup
	pairs     map[[2]netip.Addr]struct{}
	unordered bool
	// ends is the receiver's skips and the kernel's drops the capture
	// ends with, set by the reader once it has read the file
	// (packetSource.atEnd).
	ends endSkips
}

// result is what the reader took, once finished.
func (d *datagramReader) result() Datagrams {
	return Datagrams{List: d.out, SkippedAtEnd: d.ends.list, KernelDroppedAtEnd: d.ends.dropped}
}

// keep copies a payload (the frame's bytes are the reader's, reused) into
// the slab, 4 KiB at first, then twice the last up to 64 KiB at a time: a
// run's capture holds thousands of APDUs, an exploration case's a few
// hundred (20 KiB).
func (d *datagramReader) keep(p []byte) []byte {
	if len(p) == 0 {
		return nil // as a copy of nothing
	}
	if cap(d.slab)-len(d.slab) < len(p) {
		d.slab = make([]byte, 0, max(min(2*cap(d.slab), 64<<10), 4<<10, len(p)))
	}
	d.slab = append(d.slab, p...)
	n := len(d.slab)
	return d.slab[n-len(p) : n : n]
}

// reset forgets the datagrams taken, for a second reading of a file.
func (d *datagramReader) reset() {
	d.out, d.total, d.unordered, d.ends = nil, 0, false, endSkips{}
	clear(d.frags)
	clear(d.pairs)
}

func newDatagramReader(port uint16) *datagramReader {
	d := &datagramReader{port: port}
	d.parser = gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &d.eth, &d.ip4, &d.ip6, &d.ip6frag, &d.udp)
	d.parser.IgnoreUnsupported = true
	return d
}

// take looks at frame n; it fails only past the bound on datagram bytes.
func (d *datagramReader) take(n int, ci gopacket.CaptureInfo, m Mark, data []byte, lt layers.LinkType) error {
	if lt == layers.LinkTypeEthernet {
		if payload, src, dst, ok, done := plainUDP4(data); done {
			if !ok || (src.Port() != d.port && dst.Port() != d.port) {
				return nil
			}
			return d.add(n, ci, m, src, dst, payload, ci.CaptureLength < ci.Length)
		}
	}
	return d.takeParsed(n, ci, m, data, lt)
}

// takeParsed is take by gopacket's decoders.
func (d *datagramReader) takeParsed(n int, ci gopacket.CaptureInfo, m Mark, data []byte, lt layers.LinkType) error {
	var udp *layers.UDP
	var netLayer gopacket.NetworkLayer
	var frag6 *layers.IPv6Fragment
	if lt == layers.LinkTypeEthernet {
		_ = d.parser.DecodeLayers(data, &d.decoded) // an unsupported or broken layer ends the list
		for _, l := range d.decoded {
			switch l {
			case layers.LayerTypeIPv4:
				netLayer = &d.ip4
			case layers.LayerTypeIPv6:
				netLayer = &d.ip6
			case layers.LayerTypeIPv6Fragment:
				frag6 = &d.ip6frag
			case layers.LayerTypeUDP:
				udp = &d.udp
			}
		}
	} else {
		pkt := gopacket.NewPacket(data, lt, gopacket.DecodeOptions{Lazy: true, NoCopy: true})
		udp, _ = pkt.Layer(layers.LayerTypeUDP).(*layers.UDP)
		frag6, _ = pkt.Layer(layers.LayerTypeIPv6Fragment).(*layers.IPv6Fragment)
		netLayer = pkt.NetworkLayer()
	}
	if udp == nil {
		// A fragment of a datagram (RFC 791 §2.3, RFC 8200 §4.5): the UDP
		// header is in the first one only.
		switch ip := netLayer.(type) {
		case *layers.IPv4:
			if (ip.Flags&layers.IPv4MoreFragments != 0 || ip.FragOffset != 0) && ip.Protocol == layers.IPProtocolUDP {
				return d.fragment4(n, ci, m, ip)
			}
		case *layers.IPv6:
			if frag6 != nil && (frag6.MoreFragments || frag6.FragmentOffset != 0) {
				d.fragment6(n, ci, ip, frag6)
			}
		}
	}
	if udp == nil || (uint16(udp.SrcPort) != d.port && uint16(udp.DstPort) != d.port) {
		return nil
	}
	var srcIP, dstIP netip.Addr
	switch ip := netLayer.(type) {
	case *layers.IPv4:
		srcIP, _ = netip.AddrFromSlice(ip.SrcIP.To4())
		dstIP, _ = netip.AddrFromSlice(ip.DstIP.To4())
	case *layers.IPv6:
		srcIP, _ = netip.AddrFromSlice(ip.SrcIP)
		dstIP, _ = netip.AddrFromSlice(ip.DstIP)
	default:
		return nil
	}
	return d.add(n, ci, m, netip.AddrPortFrom(srcIP, uint16(udp.SrcPort)), netip.AddrPortFrom(dstIP, uint16(udp.DstPort)), udp.Payload, ci.CaptureLength < ci.Length)
}

// add keeps frame n's datagram; truncated says the capture cut it short.
func (d *datagramReader) add(n int, ci gopacket.CaptureInfo, m Mark, src, dst netip.AddrPort, payload []byte, truncated bool) error {
	if d.total += len(payload); d.total > maxTotalBytes {
		return fmt.Errorf("more than %d bytes of datagrams to port %d", maxTotalBytes, d.port)
	}
	if p := pairOf(src.Addr(), dst.Addr()); len(d.pairs) < maxPortPairs {
		if d.pairs == nil {
			d.pairs = map[[2]netip.Addr]struct{}{}
		}
		d.pairs[p] = struct{}{}
	}
	if d.out == nil && d.expect > 0 {
		d.out = make([]Datagram, 0, d.expect)
	}
	d.out = append(d.out, Datagram{
		Frame: n, Time: ci.Timestamp, Mark: m, Src: src, Dst: dst,
		Payload:   d.keep(payload),
		Truncated: truncated,
	})
	return nil
}

// plainUDP4 reads the frames every capture of the rig is made of, without
// the parser: Ethernet, then an IPv4 header without options that is whole
// in the frame and not a fragment, carrying UDP whose length fits (ok,
// with its payload and addresses) or TCP (not ok). done is
// false for any other frame, which the parser reads (a datagram's fields
// are then the same: TestPlainUDP4AsParser, FuzzPlainUDP4).
func plainUDP4(frame []byte) (payload []byte, src, dst netip.AddrPort, ok, done bool) {
	be := binary.BigEndian
	if len(frame) < 14+20 || be.Uint16(frame[12:]) != uint16(layers.EthernetTypeIPv4) || frame[14] != 0x45 {
		return nil, src, dst, false, false
	}
	ip := frame[14:]
	n := int(be.Uint16(ip[2:]))
	if n < 20 || n > len(ip) || be.Uint16(ip[6:])&0x3fff != 0 {
		return nil, src, dst, false, false // TSO's 0, truncated, a fragment
	}
	ip = ip[:n]
	switch ip[9] {
	case uint8(layers.IPProtocolTCP):
		return nil, src, dst, false, true
	case uint8(layers.IPProtocolUDP):
	default:
		return nil, src, dst, false, false // IP in IP, say: the parser goes on
	}
	udp := ip[20:]
	if len(udp) < 8 {
		return nil, src, dst, false, false
	}
	ul := int(be.Uint16(udp[4:]))
	if ul < 8 || ul > len(udp) {
		return nil, src, dst, false, false // a jumbogram's 0, truncated
	}
	src = netip.AddrPortFrom(netip.AddrFrom4([4]byte(ip[12:16])), be.Uint16(udp[0:]))
	dst = netip.AddrPortFrom(netip.AddrFrom4([4]byte(ip[16:20])), be.Uint16(udp[2:]))
	return udp[8:ul], src, dst, true, true
}
