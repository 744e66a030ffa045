package capture

import (
	"bytes"
	"encoding/binary"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

var (
	fragSniffer = netip.MustParseAddrPort("192.168.7.20:41729")
	fragRx      = netip.MustParseAddrPort("192.168.7.1:4729")
	fragT0      = time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
)

// udpBytes is a UDP header and payload from src to dst.
func udpBytes(src, dst netip.AddrPort, payload []byte) []byte {
	b := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint16(b[0:], src.Port())
	binary.BigEndian.PutUint16(b[2:], dst.Port())
	binary.BigEndian.PutUint16(b[4:], uint16(8+len(payload)))
	return append(b, payload...)
}

// frag is one frame of a test capture: an IP packet carrying data (a UDP
// header and payload, or a piece of them) at byte offset off; more sets
// More Fragments. whole is a datagram that is not fragmented.
type frag struct {
	src, dst netip.Addr
	id       uint32
	off      int
	more     bool
	whole    bool
	data     []byte
	snap     int // the frame's first snap bytes kept (0: all)
	at       time.Duration
}

// packet builds f's IP packet: IPv4, or IPv6 with a fragment header.
func (f frag) packet(t *testing.T) []byte {
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	var err error
	if f.src.Is4() {
		ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolUDP, Id: uint16(f.id),
			SrcIP: net.IP(f.src.AsSlice()), DstIP: net.IP(f.dst.AsSlice()), FragOffset: uint16(f.off / 8)}
		if f.more {
			ip.Flags = layers.IPv4MoreFragments
		}
		err = gopacket.SerializeLayers(buf, opts, ip, gopacket.Payload(f.data))
	} else {
		ip := &layers.IPv6{Version: 6, HopLimit: 64, SrcIP: net.IP(f.src.AsSlice()), DstIP: net.IP(f.dst.AsSlice()), NextHeader: layers.IPProtocolUDP}
		if f.whole {
			err = gopacket.SerializeLayers(buf, opts, ip, gopacket.Payload(f.data))
		} else {
			ip.NextHeader = layers.IPProtocolIPv6Fragment
			fh := &layers.IPv6Fragment{NextHeader: layers.IPProtocolUDP, FragmentOffset: uint16(f.off / 8), MoreFragments: f.more, Identification: f.id}
			err = gopacket.SerializeLayers(buf, opts, ip, fh, gopacket.Payload(f.data))
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fragCapture writes frames as a pcapng of Ethernet frames (ng) or a
// pcap of raw IP packets.
func fragCapture(t *testing.T, ng bool, frames []frag) string {
	var buf bytes.Buffer
	write, flush := testWriter(t, &buf, ng, layers.LinkTypeRaw)
	for i, f := range frames {
		p := f.packet(t)
		if ng {
			eth := &layers.Ethernet{SrcMAC: dgramSrcMAC, DstMAC: dgramDstMAC, EthernetType: layers.EthernetTypeIPv4}
			if !f.src.Is4() {
				eth.EthernetType = layers.EthernetTypeIPv6
			}
			b := gopacket.NewSerializeBuffer()
			if err := gopacket.SerializeLayers(b, gopacket.SerializeOptions{}, eth, gopacket.Payload(p)); err != nil {
				t.Fatal(err)
			}
			p = b.Bytes()
		}
		n := len(p)
		if f.snap > 0 {
			p = p[:f.snap]
		}
		at := f.at
		if at == 0 {
			at = time.Duration(i) * time.Millisecond
		}
		if err := write(gopacket.CaptureInfo{Timestamp: fragT0.Add(at), CaptureLength: len(p), Length: n}, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := flush(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "c.pcapng")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestFragmentedDatagrams: a datagram on the port that came in IPv4
// fragments is put back together, in order or not, and listed at the
// frame that completed it, as Wireshark does; one that cannot be (a
// fragment missing or cut short by the snap length, IPv6 fragments) is
// listed at its first fragment with its frames and why, never dropped
// unsaid (outside tester t72 F2).
func TestFragmentedDatagrams(t *testing.T) {
	s4, r4 := fragSniffer.Addr(), fragRx.Addr()
	s6, r6 := netip.MustParseAddr("2001:db8::20"), netip.MustParseAddr("2001:db8::1")
	big := make([]byte, 300) // a GET RESPONSE of 256 bytes and more, in GSMTAP
	for i := range big {
		big[i] = byte(i)
	}
	u := udpBytes(fragSniffer, fragRx, big) // 308 bytes: pieces [0,200) and [200,308)
	head, tail := u[:200], u[200:]
	small := func(b byte) frag {
		return frag{src: s4, dst: r4, id: uint32(b), whole: true, data: udpBytes(fragSniffer, fragRx, []byte{b})}
	}
	first := frag{src: s4, dst: r4, id: 999, off: 0, more: true, data: head}
	last := frag{src: s4, dst: r4, id: 999, off: 200, data: tail}
	// at is f sent d after the capture's start.
	at := func(f frag, d time.Duration) frag { f.at = d; return f }
	// Another datagram with the same IP ID (it came round again).
	other := slices.Clone(big)
	other[0] = 0xEE
	u2 := udpBytes(fragSniffer, fragRx, other)
	first2 := frag{src: s4, dst: r4, id: 999, off: 0, more: true, data: u2[:200]}
	last2 := frag{src: s4, dst: r4, id: 999, off: 200, data: u2[200:]}
	type want struct {
		frame   int
		payload []byte // nil: Unassembled
		skip    string // what Unassembled says
		dups    []int  // Duplicates
	}
	one := func(b byte, frame int) want { return want{frame: frame, payload: []byte{b}} }
	for _, tc := range []struct {
		name   string
		frames []frag
		want   []want
	}{
		{"in order", []frag{small(1), first, last, small(2)},
			[]want{one(1, 1), {frame: 3, payload: big}, one(2, 4)}},
		{"out of order", []frag{small(1), last, first, small(2)},
			[]want{one(1, 1), {frame: 3, payload: big}, one(2, 4)}},
		{"interleaved with another datagram", []frag{first, small(1), last},
			[]want{one(1, 2), {frame: 3, payload: big}}},
		{"a fragment sent twice", []frag{first, first, last},
			[]want{{frame: 3, payload: big}}},
		// A repeat of a datagram already put together is no loss: the
		// kernel discards it (re-tester t145 F4).
		{"a fragment repeated after its datagram was whole", []frag{first, last, small(1), at(first, time.Second), at(last, 2*time.Second)},
			[]want{{frame: 2, payload: big, dups: []int{4, 5}}, one(1, 3)}},
		{"the IP ID again 10 s after a whole datagram, other bytes", []frag{first, last, at(first2, 10*time.Second), at(last2, 10*time.Second)},
			[]want{{frame: 2, payload: big}, {frame: 4, payload: other}}},
		{"the IP ID again 40 s after a whole datagram, same bytes", []frag{first, last, at(first, 40*time.Second), at(last, 40*time.Second)},
			[]want{{frame: 2, payload: big}, {frame: 4, payload: big}}},
		// A datagram given up is forgotten after its own 30 s of
		// silence, and one with its IP ID after that is new, put
		// together; so is one sooner whose fragments come whole, as the
		// kernel, which forgot the first at 30 s, does (re-tester t145
		// F3).
		{"the IP ID again 1000 s after a datagram given up", []frag{first, small(1), at(first, 1000*time.Second), at(last, 1000*time.Second), at(small(2), 1001*time.Second)},
			[]want{{frame: 1, skip: "IPv4 fragment at frame 1, not reassembled: its last fragment is missing (not whole 30s after its first fragment)"}, one(1, 2), {frame: 4, payload: big}, one(2, 5)}},
		{"the IP ID again 40 s after a datagram given up", []frag{first, at(first2, 40*time.Second), at(last2, 40*time.Second)},
			[]want{{frame: 1, skip: "IPv4 fragment at frame 1, not reassembled: its last fragment is missing (not whole 30s after its first fragment)"}, {frame: 3, payload: other}}},
		{"its own last fragment 70 s late", []frag{small(1), first, at(last, 70*time.Second)},
			[]want{one(1, 1), {frame: 2, skip: "IPv4 fragment at frame 2, not reassembled: its last fragment is missing (not whole 30s after its first fragment)"},
				{frame: 3, skip: "IPv4 fragment at frame 3, not reassembled: its first fragment is missing"}}},
		{"the last fragment missing", []frag{small(1), first, small(2)},
			[]want{one(1, 1), {frame: 2, skip: "IPv4 fragment at frame 2, not reassembled: its last fragment is missing"}, one(2, 3)}},
		{"the first fragment missing", []frag{small(1), last, small(2)},
			[]want{one(1, 1), {frame: 2, skip: "IPv4 fragment at frame 2, not reassembled: its first fragment is missing"}, one(2, 3)}},
		{"a fragment cut short by the snap length", []frag{small(1), {src: s4, dst: r4, id: 999, more: true, data: head, snap: 100}, last},
			[]want{one(1, 1), {frame: 2, skip: "IPv4 fragment at frame 2, not reassembled: fragment truncated"}}},
		{"the file ends before the last fragment", []frag{small(1), first},
			[]want{one(1, 1), {frame: 2, skip: "IPv4 fragment at frame 2, not reassembled: its last fragment is missing"}}},
		{"the last fragment 31 s late", []frag{first, small(1), {src: s4, dst: r4, id: 998, off: 200, data: tail, at: 31 * time.Second}, {src: s4, dst: r4, id: 998, more: true, data: head, at: 31 * time.Second}},
			[]want{{frame: 1, skip: "IPv4 fragment at frame 1, not reassembled: its last fragment is missing (not whole 30s after its first fragment)"}, one(1, 2), {frame: 4, payload: big}}},
		// Its late fragment is the same lost datagram's, named once
		// with it, not again as one without its first fragment.
		{"its own last fragment 31 s late", []frag{first, small(1), {src: s4, dst: r4, id: 999, off: 200, data: tail, at: 31 * time.Second}, {src: s4, dst: r4, id: 999, off: 200, data: tail, at: 32 * time.Second}},
			[]want{{frame: 1, skip: "IPv4 fragment at frame 1, not reassembled: its last fragment is missing (not whole 30s after its first fragment); frames 3, 4 came after, too late"}, one(1, 2)}},
		{"its last fragment 31 s late, the middle on time", []frag{first, {src: s4, dst: r4, id: 999, off: 200, more: true, data: tail[:96], at: 20 * time.Second}, {src: s4, dst: r4, id: 999, off: 296, data: tail[96:], at: 31 * time.Second}},
			[]want{{frame: 1, skip: "IPv4 fragments at frames 1, 2, not reassembled: its last fragment is missing (not whole 30s after its first fragment); frame 3 came after, too late"}}},
		{"IPv6 fragments", []frag{{src: s6, dst: r6, id: 7, more: true, data: head}, {src: s6, dst: r6, id: 7, off: 200, data: tail}},
			[]want{{frame: 1, skip: "IPv6 fragments at frames 1, 2, not reassembled: IPv6 fragments are not put back together"}}},
		{"fragments of another port", []frag{small(1), {src: s4, dst: r4, id: 5, more: true, data: udpBytes(fragSniffer, netip.AddrPortFrom(r4, 53), big)[:200]}},
			[]want{one(1, 1)}},
		{"a piece of other addresses' datagram", []frag{small(1), {src: r4, dst: netip.MustParseAddr("10.0.0.9"), id: 5, off: 200, data: tail}},
			[]want{one(1, 1)}},
	} {
		for _, ng := range []bool{true, false} {
			name := tc.name + " (pcapng, Ethernet)"
			if !ng {
				name = tc.name + " (pcap, raw IP)"
			}
			t.Run(name, func(t *testing.T) {
				path := fragCapture(t, ng, tc.frames)
				dgs, err := ReadDatagrams(path, 4729)
				if err != nil {
					t.Fatal(err)
				}
				_, ev, err := ReadEvidence(path, 4729, 0)
				if err != nil {
					t.Fatal(err)
				}
				for reader, got := range map[string][]Datagram{"ReadDatagrams": dgs.List, "ReadEvidence": ev.List} {
					if len(got) != len(tc.want) {
						t.Fatalf("%s: %d datagrams, want %d: %+v", reader, len(got), len(tc.want), got)
					}
					for i, w := range tc.want {
						g := got[i]
						switch {
						case g.Frame != w.frame:
							t.Errorf("%s: datagram %d at frame %d, want %d", reader, i, g.Frame, w.frame)
						case w.payload != nil && (g.Unassembled != "" || !bytes.Equal(g.Payload, w.payload) || g.Src.Port() != fragSniffer.Port()):
							t.Errorf("%s: datagram %d from %s: %d bytes, %q; want %d bytes", reader, i, g.Src, len(g.Payload), g.Unassembled, len(w.payload))
						case w.payload == nil && (!strings.HasPrefix(g.Unassembled, w.skip) || len(g.Payload) != 0):
							t.Errorf("%s: datagram %d says %q, want %q", reader, i, g.Unassembled, w.skip)
						case w.skip != "" && strings.Contains(w.skip, "(not whole") && g.Unassembled != w.skip:
							t.Errorf("%s: datagram %d says %q, want %q", reader, i, g.Unassembled, w.skip)
						case !slices.Equal(g.Duplicates, w.dups):
							t.Errorf("%s: datagram %d has duplicates at frames %v, want %v", reader, i, g.Duplicates, w.dups)
						}
					}
				}
			})
		}
	}
}

// The fragments waiting for the rest of their datagram are bounded: past
// maxFragmentGroups the one heard from longest ago is given up, named.
func TestFragmentsBounded(t *testing.T) {
	u := udpBytes(fragSniffer, fragRx, make([]byte, 300))
	var frames []frag
	const n = 3 * maxFragmentGroups
	for i := range n {
		frames = append(frames, frag{src: fragSniffer.Addr(), dst: fragRx.Addr(), id: uint32(i), more: true, data: u[:200]})
	}
	path := fragCapture(t, true, frames)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src, linkType, err := openSource(f)
	if err != nil {
		t.Fatal(err)
	}
	dg := newDatagramReader(4729)
	for k := 1; ; k++ {
		data, ci, m, err := src.readMarked()
		if err != nil {
			break
		}
		if err := dg.take(k, ci, m, data, linkType(ci)); err != nil {
			t.Fatal(err)
		}
		if len(dg.frags) > maxFragmentGroups {
			t.Fatalf("frame %d: %d datagrams waiting for fragments", k, len(dg.frags))
		}
	}
	dg.finish()
	if len(dg.out) != n {
		t.Fatalf("%d named, want %d", len(dg.out), n)
	}
	for i, d := range dg.out {
		if d.Frame != i+1 || d.Unassembled == "" {
			t.Errorf("datagram %d: frame %d %q", i, d.Frame, d.Unassembled)
		}
	}
	if !strings.Contains(dg.out[0].Unassembled, "more than 16 datagrams were in fragments at once") {
		t.Errorf("first given up: %q", dg.out[0].Unassembled)
	}
}
