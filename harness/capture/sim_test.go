package capture

import (
	"bytes"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/internal/codec/gsmtap"
	"github.com/esimhil/esimhil/internal/hexdump"
)

// frameTimes returns every frame's timestamp in file order.
func frameTimes(t *testing.T, path string) []time.Time {
	t.Helper()
	src := openTestSource(t, path)
	var out []time.Time
	for {
		_, ci, err := src.ReadPacketData()
		if err != nil {
			return out
		}
		out = append(out, ci.Timestamp)
	}
}

// The SIM tap writes each ATR and APDU as a GSMTAP SIM datagram to port
// 4729, stamped on the session's clock in order with the TCP frames, and
// the HTTP decoder does not see them.
func TestSIMTapInterleaved(t *testing.T) {
	clk := clock.NewVirtual(clock.Epoch)
	loop := clock.NewLoop(clk)
	path := filepath.Join(t.TempDir(), "sim.pcapng")
	sess, err := Start(Config{Path: path, Mode: Tap, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	sim := sess.SIM()
	if sess.SIM() != sim {
		t.Fatal("SIM() is not one tap per session")
	}
	p := newPlatform(t, clk)
	if err := p.Start("127.0.0.1:0", sess.Wrap); err != nil {
		t.Fatal(err)
	}
	sim.SniffATR(hexdump.Bytes(t, "3B 9A 96 80 1F C7 80 31 E0 73 FE 21 1F 82 90 00 A4"))
	sim.SniffAPDU(hexdump.Bytes(t, "80 C2 00 00 03 D7 01 00"), hexdump.Bytes(t, "91 0B"))
	eofClient(t, p.Addr().String(), 0, "/v1/preferred-list", listReq)
	if err := loop.Advance(time.Second); err != nil {
		t.Fatal(err)
	}
	sim.SniffAPDU(hexdump.Bytes(t, "80 12 00 00 0B"), hexdump.Bytes(t, "D0 09 81 03 01 01 09 82 02 81 82 90 00"))
	p.Close()
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	if sim.Packets() != 3 {
		t.Errorf("%d packets handed to the tap", sim.Packets())
	}
	times := frameTimes(t, path)
	for i := 1; i < len(times); i++ {
		if !times[i].After(times[i-1]) {
			t.Errorf("frame %d at %v, not after frame %d at %v", i+1, times[i], i, times[i-1])
		}
	}
	dgs, err := ReadDatagrams(path, gsmtap.Port)
	if err != nil || len(dgs.List) != 3 {
		t.Fatalf("%d datagrams, %v", len(dgs.List), err)
	}
	if dgs.List[0].Frame != 1 || dgs.List[1].Frame != 2 || dgs.List[2].Frame != len(times) || !dgs.List[2].Time.Equal(clock.Epoch.Add(time.Second)) {
		t.Errorf("datagrams at frames %d, %d, %d (of %d), last at %v", dgs.List[0].Frame, dgs.List[1].Frame, dgs.List[2].Frame, len(times), dgs.List[2].Time)
	}
	for _, d := range dgs.List {
		if d.Src != SIMTapAddr || d.Dst != SIMTapAddr {
			t.Errorf("datagram %s → %s", d.Src, d.Dst)
		}
	}
	want := append(gsmtap.SIMHeader(gsmtap.SubAPDU).Append(nil), hexdump.Bytes(t, "80 C2 00 00 03 D7 01 00 91 0B")...)
	if !bytes.Equal(dgs.List[1].Payload, want) {
		t.Errorf("APDU datagram % X, want % X", dgs.List[1].Payload, want)
	}
	if ex, err := ReadHTTP(path); err != nil || len(ex) != 1 {
		t.Errorf("HTTP beside the datagrams: %d exchanges, %v", len(ex), err)
	}
}

// A datagram the tap is given after Close is counted but not written: the
// rig's lane check then finds it missing.
func TestSIMTapAfterClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sim.pcapng")
	sess, err := Start(Config{Path: path, Mode: Tap, Clock: clock.NewVirtual(clock.Epoch)})
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	sess.SIM().SniffATR([]byte{0x3B, 0x00})
	if dgs, _ := ReadDatagrams(path, gsmtap.Port); sess.SIM().Packets() != 1 || len(dgs.List) != 0 {
		t.Errorf("%d handed, %d in the file", sess.SIM().Packets(), len(dgs.List))
	}
}

// WriteDatagram synthesizes IPv4 and IPv6 frames that decode back with
// their addresses; mixed families are refused.
func TestWriteDatagram(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.pcapng")
	sess, err := Start(Config{Path: path, Mode: Tap, Clock: clock.NewVirtual(clock.Epoch)})
	if err != nil {
		t.Fatal(err)
	}
	v4 := netip.MustParseAddrPort("192.0.2.7:41729")
	v6 := netip.MustParseAddrPort("[2001:db8::7]:41729")
	at := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	if err := sess.WriteDatagram(at, v4, netip.MustParseAddrPort("0.0.0.0:4729"), []byte{2, 4, 4}); err != nil {
		t.Fatal(err)
	}
	if err := sess.WriteDatagram(time.Time{}, v6, netip.MustParseAddrPort("[::]:4729"), []byte{2, 4, 4, 0}); err != nil {
		t.Fatal(err)
	}
	if err := sess.WriteDatagram(time.Time{}, v4, netip.MustParseAddrPort("[::]:4729"), nil); err == nil {
		t.Error("IPv4 to IPv6 accepted")
	}
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	dgs, err := ReadDatagrams(path, gsmtap.Port)
	if err != nil || len(dgs.List) != 2 {
		t.Fatalf("%d datagrams, %v", len(dgs.List), err)
	}
	if dgs.List[0].Src != v4 || !dgs.List[0].Time.Equal(at) || dgs.List[1].Src != v6 || len(dgs.List[1].Payload) != 4 {
		t.Errorf("datagrams %+v", dgs.List)
	}
	// The UDP checksum is right: Wireshark would flag it otherwise.
	b, _ := os.ReadFile(path)
	if !bytes.Contains(b, []byte{2, 4, 4, 0}) {
		t.Error("payload not in the file")
	}
	pkt := gopacket.NewPacket(firstFrame(t, path), layers.LinkTypeEthernet, gopacket.Default)
	udp := pkt.Layer(layers.LayerTypeUDP).(*layers.UDP)
	ip := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	got := udp.Checksum
	_ = udp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{ComputeChecksums: true, FixLengths: true}, udp, gopacket.Payload(udp.Payload)); err != nil {
		t.Fatal(err)
	}
	if want := uint16(buf.Bytes()[6])<<8 | uint16(buf.Bytes()[7]); got != want {
		t.Errorf("UDP checksum %04X, want %04X", got, want)
	}
}

// openTestSource opens a capture file's frames, closed with the test.
func openTestSource(t *testing.T, path string) packetSource {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	src, _, err := openSource(f)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func firstFrame(t *testing.T, path string) []byte {
	t.Helper()
	src := openTestSource(t, path)
	data, _, err := src.ReadPacketData()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Live mode: the datagrams are stamped with the wall clock (the kernel's
// time base) and written among the kernel's frames in timestamp order;
// none is lost.
func TestSIMTapLive(t *testing.T) {
	probe, err := openLive(Config{Interface: "lo"})
	if err != nil {
		if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
			t.Skipf("live capture needs CAP_NET_RAW (run as root or setcap cap_net_raw): %v", err)
		}
		t.Fatalf("open AF_PACKET on lo: %v", err)
	}
	probe.ring.close()
	clk := clock.NewVirtual(clock.Epoch)
	path := filepath.Join(t.TempDir(), "live.pcapng")
	sess, err := Start(Config{Path: path, Mode: Live, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	p := newPlatform(t, clk)
	if err := p.Start("127.0.0.1:0", sess.Wrap); err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	for i := range 3 {
		sess.SIM().SniffAPDU(hexdump.Bytes(t, "80 C2 00 00 03 D7 01 00"), []byte{0x90, byte(i)})
		eofClient(t, p.Addr().String(), 0, "/v1/preferred-list", listReq)
	}
	p.Close()
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	times := frameTimes(t, path)
	for i := 1; i < len(times); i++ {
		if times[i].Before(times[i-1]) {
			t.Errorf("frame %d at %v before frame %d at %v", i+1, times[i], i, times[i-1])
		}
	}
	dgs, err := ReadDatagrams(path, gsmtap.Port)
	if err != nil || len(dgs.List) != 3 {
		t.Fatalf("%d datagrams, %v", len(dgs.List), err)
	}
	for i, d := range dgs.List {
		if d.Time.Before(before) || d.Payload[len(d.Payload)-1] != byte(i) {
			t.Errorf("datagram %d at %v (run began %v): % X", i, d.Time, before, d.Payload)
		}
	}
	if ex, err := ReadHTTP(path); err != nil || len(ex) != 3 {
		t.Errorf("HTTP beside the datagrams: %d exchanges, %v", len(ex), err)
	}
}
