package capture

import (
	"encoding/binary"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// udpFrame is a datagram frame as the SIM tap writes it.
func udpFrame(t testing.TB, src, dst netip.AddrPort, payload []byte) []byte {
	var d dgramWriter
	b, err := d.serialize(src, dst, payload)
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), b...)
}

// checkTakeAsParser holds take's fast path (plainUDP4) to the parser's
// reading of one frame.
func checkTakeAsParser(t *testing.T, frame []byte) {
	t.Helper()
	ci := gopacket.CaptureInfo{Timestamp: time.Unix(1, 2), CaptureLength: len(frame), Length: len(frame) + 1}
	m := Mark{Events: 3, OK: true}
	fast, parsed := newDatagramReader(4729), newDatagramReader(4729)
	errF := fast.take(7, ci, m, frame, layers.LinkTypeEthernet)
	errP := parsed.takeParsed(7, ci, m, frame, layers.LinkTypeEthernet)
	if (errF == nil) != (errP == nil) || !reflect.DeepEqual(fast.out, parsed.out) {
		t.Fatalf("frame %x:\ntake       %+v, %v\ntakeParsed %+v, %v", frame, fast.out, errF, parsed.out, errP)
	}
}

func TestPlainUDP4AsParser(t *testing.T) {
	sim := netip.MustParseAddrPort("127.0.0.1:4729")
	other := netip.MustParseAddrPort("10.0.0.1:5000")
	apdu := udpFrame(t, sim, sim, []byte{2, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0xf2, 0, 0, 0x90, 0})
	edit := func(f func(b []byte)) []byte {
		b := append([]byte(nil), apdu...)
		f(b)
		return b
	}
	be := binary.BigEndian
	for name, frame := range map[string][]byte{
		"apdu":         apdu,
		"empty":        udpFrame(t, sim, sim, nil),
		"other port":   udpFrame(t, other, other, []byte{1}),
		"to the port":  udpFrame(t, other, sim, []byte{1, 2}),
		"ipv6":         udpFrame(t, netip.MustParseAddrPort("[::1]:4729"), netip.MustParseAddrPort("[::1]:4729"), []byte{1}),
		"short":        apdu[:40],
		"ip truncated": apdu[:14+21],
		"fragment":     edit(func(b []byte) { b[14+6] |= 0x20 }),
		"frag offset":  edit(func(b []byte) { b[14+7] = 1 }),
		"df":           edit(func(b []byte) { b[14+6] = 0x40 }),
		"tso length":   edit(func(b []byte) { be.PutUint16(b[14+2:], 0) }),
		"ip too long":  edit(func(b []byte) { be.PutUint16(b[14+2:], uint16(len(b))) }),
		"ip shorter":   edit(func(b []byte) { be.PutUint16(b[14+2:], 30) }),
		"udp long":     edit(func(b []byte) { be.PutUint16(b[14+20+4:], 200) }),
		"udp jumbo":    edit(func(b []byte) { be.PutUint16(b[14+20+4:], 0) }),
		"udp short":    edit(func(b []byte) { be.PutUint16(b[14+20+4:], 9) }),
		"udp tiny":     edit(func(b []byte) { be.PutUint16(b[14+20+4:], 3) }),
		"options":      edit(func(b []byte) { b[14] = 0x46 }),
		"version 6":    edit(func(b []byte) { b[14] = 0x65 }),
		"tcp":          edit(func(b []byte) { b[14+9] = 6 }),
		"ip in ip":     edit(func(b []byte) { b[14+9] = 4 }),
		"vlan":         edit(func(b []byte) { be.PutUint16(b[12:], 0x8100) }),
		"llc":          edit(func(b []byte) { be.PutUint16(b[12:], 40) }),
	} {
		t.Run(name, func(t *testing.T) { checkTakeAsParser(t, frame) })
	}
}

func FuzzPlainUDP4(f *testing.F) {
	sim := netip.MustParseAddrPort("127.0.0.1:4729")
	f.Add(udpFrame(f, sim, sim, []byte{2, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0xf2, 0, 0, 0x90, 0}))
	f.Add(udpFrame(f, sim, netip.MustParseAddrPort("127.0.0.2:1"), nil))
	f.Fuzz(func(t *testing.T, frame []byte) { checkTakeAsParser(t, frame) })
}

// FrameList is the one way the capture's readers name frames ("frame 5",
// "frames 5, 6"): IPv4 reassembly's give-ups and simtrace's duplicate
// fragments say them alike (r150).
func TestFrameList(t *testing.T) {
	for _, tc := range []struct {
		frames []int
		want   string
	}{
		{nil, ""},
		{[]int{5}, "frame 5"},
		{[]int{5, 6}, "frames 5, 6"},
		{[]int{1, 20, 300}, "frames 1, 20, 300"},
	} {
		if got := FrameList(tc.frames); got != tc.want {
			t.Errorf("FrameList(%v) = %q, want %q", tc.frames, got, tc.want)
		}
	}
}
