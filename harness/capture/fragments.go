package capture

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/ip4defrag"
	"github.com/gopacket/gopacket/layers"
)

// Bounds on the IP fragments a reader holds while it waits for the rest
// of their datagram. A GSMTAP datagram is a few hundred bytes: one that
// is fragmented at all comes in two or three pieces.
const (
	// maxFragmentGroups is how many fragmented datagrams are put together
	// at once; a new one past it gives up the one heard from longest ago.
	maxFragmentGroups = 16
	// maxGroupFragments is how many fragments one datagram may have. The
	// defragmenter keeps no byte twice and none past 64 KiB (it refuses
	// overlaps and oversized datagrams), so what is held stays under
	// 16 × (64 KiB + 64 fragments' headers), about 1 MiB.
	maxGroupFragments = 64
	// fragmentTimeout is how long, in capture time, a datagram waits for
	// its missing fragments from its first: Linux's ipfrag_time (30 s),
	// a timer not renewed by later fragments. A datagram given up stays
	// until it has been silent that long again (counted from its last
	// fragment or the give-up, whichever is later), to take its late
	// fragments: they are its lost bytes, named once. One put together
	// stays as long, to tell a repeat of its fragments (a duplicate,
	// discarded: RFC 791 §3.2) from a new datagram's.
	fragmentTimeout = 30 * time.Second
	// maxPortPairs bounds the address pairs remembered as exchanging
	// datagrams on the port (to tell a fragmented datagram whose first
	// fragment, the one with the ports, is missing).
	maxPortPairs = 64
)

// fragKey is what makes IP fragments one datagram's (RFC 791 §2.3:
// source, destination, protocol and identification; RFC 8200 §4.5 for
// IPv6, whose fragment header carries the protocol).
type fragKey struct {
	src, dst netip.Addr
	id       uint32
}

// fragGroup is the fragments of one datagram seen so far.
type fragGroup struct {
	v6     bool
	defrag *ip4defrag.IPv4Defragmenter // its own, so that it ends with the group; nil for IPv6
	frames []int
	time   time.Time // the first fragment's: its wait ends fragmentTimeout after
	last   time.Time // the latest fragment's, or the give-up's if later
	// prev is the group given up before this one with the same key, when
	// this one began while prev waited for late fragments: if this one is
	// given up in turn without its first fragment, its frames are prev's
	// late ones (prev's lost bytes, named once with it).
	prev     *fragGroup
	ports    bool // the first fragment, with the UDP ports, was seen
	src, dst netip.AddrPort
	sawLast  bool // the fragment that ends the datagram was seen
	// given is set once the group was given up (and its datagram named):
	// it stays, as the prev of the group its later fragments make, so
	// that they are not named again as a datagram without its first
	// fragment.
	given bool
	// whole is the datagram (UDP header and payload) once put together
	// (given is then set too): a fragment repeating its bytes is a
	// duplicate, noted on it.
	whole []byte
	// named is where in out the datagram was named (+1; 0: not named),
	// why is why, and late are the frames that came after: the name
	// lists them too.
	named int
	why   string
	late  []int
}

// repeats reports whether a fragment of data at off repeats bytes of g's
// datagram, put together.
func (g *fragGroup) repeats(off int, data []byte) bool {
	return g.whole != nil && off+len(data) <= len(g.whole) && string(g.whole[off:off+len(data)]) == string(data)
}

// fragment4 takes frame n's IPv4 fragment of a UDP datagram: when it is
// the one that completes the datagram, the datagram is added at frame n
// (as Wireshark numbers a reassembled datagram by its last fragment).
func (d *datagramReader) fragment4(n int, ci gopacket.CaptureInfo, m Mark, ip *layers.IPv4) error {
	src, _ := netip.AddrFromSlice(ip.SrcIP.To4())
	dst, _ := netip.AddrFromSlice(ip.DstIP.To4())
	key := fragKey{src, dst, uint32(ip.Id)}
	off := int(ip.FragOffset) * 8
	g := d.fragGroup(ci.Timestamp, key, false, off, ip.Payload)
	if !d.fragSeen(key, g, n, ci.Timestamp, off, ip.Flags&layers.IPv4MoreFragments == 0, ip.Payload) {
		return nil
	}
	// The defragmenter keeps the layer it is given: a copy of what the
	// reader's buffers hold only until the next frame.
	cp := *ip
	cp.Contents, cp.Options, cp.Padding = nil, nil, nil
	cp.Payload = append([]byte(nil), ip.Payload...)
	whole, err := g.defrag.DefragIPv4WithTimestamp(&cp, ci.Timestamp)
	switch {
	case err != nil:
		d.fragFailed(key, g, strings.TrimPrefix(err.Error(), "defrag: "))
		return nil
	case whole == nil:
		return nil // more to come
	}
	// It stays, whole, to know a repeat of its fragments.
	g.given, g.whole, g.defrag = true, whole.Payload, nil
	var udp layers.UDP
	if err := udp.DecodeFromBytes(whole.Payload, gopacket.NilDecodeFeedback); err != nil {
		return nil
	}
	if uint16(udp.SrcPort) != d.port && uint16(udp.DstPort) != d.port {
		return nil
	}
	if err := d.add(n, ci, m, netip.AddrPortFrom(src, uint16(udp.SrcPort)), netip.AddrPortFrom(dst, uint16(udp.DstPort)), udp.Payload, false); err != nil {
		return err
	}
	g.named = len(d.out)
	return nil
}

// fragment6 takes frame n's IPv6 fragment of a UDP datagram. IPv6
// fragments are not put back together (a sniffer's datagrams are far
// below IPv6's minimum MTU of 1280 bytes, so none is fragmented on its
// way): the datagram is named as skipped.
func (d *datagramReader) fragment6(n int, ci gopacket.CaptureInfo, ip *layers.IPv6, f *layers.IPv6Fragment) {
	if f.NextHeader != layers.IPProtocolUDP {
		return
	}
	src, _ := netip.AddrFromSlice(ip.SrcIP)
	dst, _ := netip.AddrFromSlice(ip.DstIP)
	key := fragKey{src, dst, f.Identification}
	off := int(f.FragmentOffset) * 8
	g := d.fragGroup(ci.Timestamp, key, true, off, f.Payload)
	d.fragSeen(key, g, n, ci.Timestamp, off, !f.MoreFragments, f.Payload)
}

// fragGroup returns the group of key for a fragment of data at off, made
// if new. It first gives up the groups that waited past fragmentTimeout
// since their first fragment (kept to take their late fragments), and
// forgets the given up or whole ones silent that long since their last
// fragment or give-up; then the one heard from longest ago goes when
// maxFragmentGroups wait. A fragment of a key whose group is whole or
// given up begins a new datagram, as in the kernel, which forgets a
// datagram once whole or given up (a new one with the IP ID that came
// round again is put together): but a repeat of a whole datagram's bytes
// is a duplicate, noted on it, and one given up is kept as the new
// one's prev, to take its late fragments.
func (d *datagramReader) fragGroup(now time.Time, key fragKey, v6 bool, off int, data []byte) *fragGroup {
	for k, g := range d.frags {
		if !g.given && now.Sub(g.time) > fragmentTimeout {
			d.fragFailed(k, g, fmt.Sprintf("%s (not whole %v after its first fragment)", g.missing(), fragmentTimeout))
			// Given up when its wait ended, as the kernel does by a
			// timer, not when this fragment came: its own silence
			// counts from there.
			if end := g.time.Add(fragmentTimeout); end.After(g.last) {
				g.last = end
			}
		}
		if g.given && now.Sub(g.last) > fragmentTimeout {
			delete(d.frags, k)
		}
	}
	var prev *fragGroup
	if g := d.frags[key]; g != nil {
		switch {
		case !g.given, g.repeats(off, data):
			return g
		case g.whole == nil:
			prev = g
		}
		delete(d.frags, key)
	}
	if len(d.frags) >= maxFragmentGroups {
		var oldest fragKey
		var og *fragGroup
		for k, g := range d.frags {
			// One given up goes first: it only waits for late fragments.
			if og == nil || g.given && !og.given || g.given == og.given && (g.last.Before(og.last) || g.last.Equal(og.last) && g.frames[0] < og.frames[0]) {
				oldest, og = k, g
			}
		}
		d.fragFailed(oldest, og, fmt.Sprintf("%s (more than %d datagrams were in fragments at once)", og.missing(), maxFragmentGroups))
		delete(d.frags, oldest)
	}
	g := &fragGroup{time: now, v6: v6, prev: prev}
	if !v6 {
		g.defrag = ip4defrag.NewIPv4Defragmenter()
	}
	if d.frags == nil {
		d.frags = map[fragKey]*fragGroup{}
	}
	d.frags[key] = g
	return g
}

// fragSeen notes frame n's fragment, of payload at off, in g, the group
// of key; it reports whether the fragment is one to put together: not
// when g was given up (now, past maxGroupFragments, or before) or is
// whole (the fragment repeats its bytes: fragGroup).
func (d *datagramReader) fragSeen(key fragKey, g *fragGroup, n int, now time.Time, off int, last bool, payload []byte) bool {
	g.last = now
	first := off == 0
	if g.given {
		// A repeat of the bytes of g, whole (fragGroup).
		if g.named > 0 && len(g.late) < maxGroupFragments {
			g.late = append(g.late, n)
			d.out[g.named-1].Duplicates = slices.Clone(g.late)
		}
		return false
	}
	if len(g.frames) < maxGroupFragments {
		g.frames = append(g.frames, n)
	} else {
		d.fragFailed(key, g, fmt.Sprintf("more than %d fragments", maxGroupFragments))
		return false
	}
	g.sawLast = g.sawLast || last
	if !g.ports {
		g.src, g.dst = netip.AddrPortFrom(key.src, 0), netip.AddrPortFrom(key.dst, 0)
		if first && len(payload) >= 8 {
			be := binary.BigEndian
			g.ports = true
			g.src = netip.AddrPortFrom(key.src, be.Uint16(payload[0:]))
			g.dst = netip.AddrPortFrom(key.dst, be.Uint16(payload[2:]))
		}
	}
	return true
}

// missing says what a group that was not put together lacks.
func (g *fragGroup) missing() string {
	switch {
	case g.v6:
		return "IPv6 fragments are not put back together"
	case !g.ports:
		return "its first fragment is missing"
	case !g.sawLast:
		return "its last fragment is missing"
	}
	return "a fragment in its middle is missing"
}

// fragFailed gives up g, the group of key, once: when its datagram is on
// the port, or may be (its first fragment is missing, and its addresses
// exchange datagrams on the port), it is added as one not reassembled,
// at its first fragment. g stays, to take the datagram's later
// fragments, until the caller deletes it. A g without its first fragment
// that began while the datagram before it with its key waited for late
// fragments holds those: its frames go to that one's name.
func (d *datagramReader) fragFailed(key fragKey, g *fragGroup, why string) {
	if g.given {
		return
	}
	g.given, g.defrag = true, nil
	if p := g.prev; p != nil && !g.ports && p.named > 0 {
		p.late = append(p.late, g.frames...)
		if len(p.late) > maxGroupFragments {
			p.late = p.late[:maxGroupFragments]
		}
		d.out[p.named-1].Unassembled = p.name()
		// g's own later fragments are late ones of p's too.
		g.named, g.frames, g.why, g.late = p.named, p.frames, p.why, p.late
		return
	}
	onPort := g.src.Port() == d.port || g.dst.Port() == d.port
	if !g.ports {
		_, onPort = d.pairs[pairOf(key.src, key.dst)]
	}
	if !onPort || len(g.frames) == 0 {
		return
	}
	g.why = why
	d.out = append(d.out, Datagram{Frame: g.frames[0], Time: g.time, Src: g.src, Dst: g.dst, Unassembled: g.name()})
	g.named = len(d.out)
	d.unordered = true
}

// name is what a given-up group's datagram says: its frames, why, and
// the frames that came after it was given up.
func (g *fragGroup) name() string {
	ip := "IPv4"
	if g.v6 {
		ip = "IPv6"
	}
	noun := "fragment"
	if len(g.frames) > 1 {
		noun = "fragments"
	}
	out := fmt.Sprintf("%s %s at %s, not reassembled: %s", ip, noun, FrameList(g.frames), g.why)
	if len(g.late) > 0 {
		out += "; " + FrameList(g.late) + " came after, too late"
	}
	return out
}

// pairOf is the unordered pair of a and b.
func pairOf(a, b netip.Addr) [2]netip.Addr {
	if b.Less(a) {
		a, b = b, a
	}
	return [2]netip.Addr{a, b}
}

// finish gives up the datagrams whose fragments the capture did not
// complete and puts the list back in frame order.
func (d *datagramReader) finish() {
	for k, g := range d.frags {
		d.fragFailed(k, g, g.missing())
	}
	clear(d.frags)
	if d.unordered {
		slices.SortStableFunc(d.out, func(a, b Datagram) int { return a.Frame - b.Frame })
		d.unordered = false
	}
}
