package capture

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"golang.org/x/net/bpf"
)

func TestLiveLoopback(t *testing.T) {
	probe, err := openLive(Config{Interface: "lo"})
	if err != nil {
		if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
			t.Skipf("live capture needs CAP_NET_RAW (run as root or setcap cap_net_raw): %v", err)
		}
		t.Fatalf("open AF_PACKET on lo: %v", err)
	}
	probe.ring.close()

	for name, send := range map[string]client{"eof client": eofClient, "net/http client": goClient} {
		t.Run(name, func(t *testing.T) {
			path, sess := scenario(t, Live, t.TempDir(), "127.0.0.1:0", nil, send)
			if sess.Mode() != Live {
				t.Fatalf("mode %s", sess.Mode())
			}
			checkMessages(t, path, false)
			checkOnce(t, path)
		})
	}
}

// checkOnce fails if any TCP segment appears twice (the PACKET_OUTGOING copy
// on loopback must be filtered out).
func checkOnce(t *testing.T, path string) {
	t.Helper()
	src := openTestSource(t, path)
	seen := map[string]int{}
	n := 0
	for {
		data, _, err := src.ReadPacketData()
		if err != nil {
			break
		}
		n++
		pkt := gopacket.NewPacket(data, layers.LinkTypeEthernet, gopacket.Default)
		tcp, _ := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if tcp == nil {
			t.Fatalf("packet %d is not TCP", n)
		}
		k := fmt.Sprintf("%d>%d seq=%d ack=%d syn=%v fin=%v len=%d", tcp.SrcPort, tcp.DstPort, tcp.Seq, tcp.Ack, tcp.SYN, tcp.FIN, len(tcp.Payload))
		seen[k]++
		if seen[k] == 2 {
			t.Errorf("packet seen twice: %s", k)
		}
	}
	if n < 4*7 {
		t.Errorf("only %d packets for 4 connections", n)
	}
}

func TestAutoPicksLiveAsRoot(t *testing.T) {
	s, err := Start(Config{Path: filepath.Join(t.TempDir(), "a.pcapng"), Mode: Auto})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	probe, err := openLive(Config{Interface: "lo"})
	if err != nil {
		if s.Mode() != Tap {
			t.Errorf("no AF_PACKET (%v) but mode %s", err, s.Mode())
		}
		return
	}
	probe.ring.close()
	if s.Mode() != Live {
		t.Errorf("AF_PACKET available but auto chose %s", s.Mode())
	}
}

// needLive skips when the process may not open an AF_PACKET socket.
func needLive(t *testing.T) {
	t.Helper()
	probe, err := openLive(Config{Interface: "lo"})
	if err != nil {
		if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
			t.Skipf("live capture needs CAP_NET_RAW: %v", err)
		}
		t.Fatalf("open AF_PACKET on lo: %v", err)
	}
	probe.ring.close()
}

// The kernel filter keeps the wrapped ports' packets and nothing else:
// traffic on another loopback port, as other programs on the machine make,
// never reaches the file.
func TestLiveFiltersInTheKernel(t *testing.T) {
	needLive(t)
	path := filepath.Join(t.TempDir(), "f.pcapng")
	s, err := Start(Config{Path: path, Mode: Live})
	if err != nil {
		t.Fatal(err)
	}
	ours, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer theirs.Close()
	s.Wrap(ours)
	echo := func(ln net.Listener) {
		c, err := ln.Accept()
		if err == nil {
			io.Copy(c, c)
			c.Close()
		}
	}
	go echo(ours)
	go echo(theirs)
	for _, ln := range []net.Listener{theirs, ours} {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, "hello")
		c.(*net.TCPConn).CloseWrite()
		io.ReadAll(c)
		c.Close()
	}
	ours.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Lost() || st.Packets == 0 {
		t.Errorf("stats %s", st)
	}
	port := uint16(ours.Addr().(*net.TCPAddr).Port)
	src := openTestSource(t, path)
	n := 0
	for {
		data, _, err := src.ReadPacketData()
		if err != nil {
			break
		}
		n++
		tcp, _ := gopacket.NewPacket(data, layers.LinkTypeEthernet, gopacket.Default).Layer(layers.LayerTypeTCP).(*layers.TCP)
		if tcp == nil || (uint16(tcp.SrcPort) != port && uint16(tcp.DstPort) != port) {
			t.Errorf("packet %d is not of port %d: %v", n, port, tcp)
		}
	}
	if uint64(n) != s.Stats().Packets || n < 7 {
		t.Errorf("%d packets in the file, the kernel counted %d", n, s.Stats().Packets)
	}
}

// When the reader cannot keep up, the kernel drops and says so; Close
// then fails with ErrIncomplete and the counts, instead of leaving a file
// that silently lacks packets.
func TestLiveReportsKernelDrops(t *testing.T) {
	needLive(t)
	path := filepath.Join(t.TempDir(), "d.pcapng")
	s, err := Start(Config{Path: path, Mode: Live, ringBlocks: 2, ringBlockSize: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s.Wrap(ln)
	delivered := make(chan struct{})
	go func() {
		defer close(delivered)
		c, err := ln.Accept()
		if err == nil {
			io.Copy(io.Discard, c)
			c.Close()
		}
	}()
	s.live.mu.Lock() // the reader stalls, as on a starved machine
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 16<<10)
	for range 256 { // 4 MiB through a 128 KiB ring
		c.Write(chunk)
	}
	c.Close()
	<-delivered // every segment has crossed lo (and the ring) while the reader stalls
	s.live.mu.Unlock()
	err = s.Close()
	if !errors.Is(err, ErrIncomplete) || !strings.Contains(err.Error(), "dropped by the kernel") {
		t.Fatalf("Close = %v, want ErrIncomplete with the kernel's counts", err)
	}
	if st := s.Stats(); st.Drops == 0 && st.LosingBlocks == 0 {
		t.Errorf("stats %s", st)
	}
}

// The filter program, run in x/net/bpf's VM (which lacks the packet-type
// extension, so from the EtherType check on): IPv4 TCP of the ports only.
func TestPortFilterProgram(t *testing.T) {
	raw, err := portFilter([]uint16{4000, 5000})
	if err != nil {
		t.Fatal(err)
	}
	insns, ok := bpf.Disassemble(raw)
	if !ok {
		t.Fatal("does not disassemble")
	}
	vm, err := bpf.NewVM(insns[2:]) // past the PACKET_OUTGOING check
	if err != nil {
		t.Fatal(err)
	}
	frame := func(l4 gopacket.SerializableLayer, ip *layers.IPv4) []byte {
		eth := &layers.Ethernet{SrcMAC: make(net.HardwareAddr, 6), DstMAC: make(net.HardwareAddr, 6), EthernetType: layers.EthernetTypeIPv4}
		buf := gopacket.NewSerializeBuffer()
		switch x := l4.(type) {
		case *layers.TCP:
			x.SetNetworkLayerForChecksum(ip)
		case *layers.UDP:
			x.SetNetworkLayerForChecksum(ip)
		}
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, l4, gopacket.Payload("x")); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	ip := func(proto layers.IPProtocol) *layers.IPv4 {
		return &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: proto, SrcIP: net.IPv4(127, 0, 0, 1), DstIP: net.IPv4(127, 0, 0, 1)}
	}
	withOptions := ip(layers.IPProtocolTCP)
	withOptions.Options = []layers.IPv4Option{{OptionType: 1}, {OptionType: 1}, {OptionType: 1}, {OptionType: 0}}
	fragment := ip(layers.IPProtocolTCP)
	fragment.FragOffset = 8
	tests := []struct {
		name string
		pkt  []byte
		keep bool
	}{
		{"to a port", frame(&layers.TCP{SrcPort: 40000, DstPort: 4000}, ip(layers.IPProtocolTCP)), true},
		{"from a port", frame(&layers.TCP{SrcPort: 5000, DstPort: 40000}, ip(layers.IPProtocolTCP)), true},
		{"IPv4 options", frame(&layers.TCP{SrcPort: 40000, DstPort: 5000}, withOptions), true},
		{"other ports", frame(&layers.TCP{SrcPort: 40000, DstPort: 4001}, ip(layers.IPProtocolTCP)), false},
		{"UDP on a port", frame(&layers.UDP{SrcPort: 40000, DstPort: 4000}, ip(layers.IPProtocolUDP)), false},
		{"a fragment", frame(&layers.TCP{SrcPort: 40000, DstPort: 4000}, fragment), false},
	}
	for _, tt := range tests {
		n, err := vm.Run(tt.pkt)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if (n > 0) != tt.keep {
			t.Errorf("%s: filter returned %d, want keep=%v", tt.name, n, tt.keep)
		}
	}
	if p, err := portFilter(nil); p != nil || err != nil {
		t.Errorf("no ports: %v %v, want nil (the accept-nothing filter)", p, err)
	}
	many := make([]uint16, maxPorts+1)
	if _, err := portFilter(many); err == nil {
		t.Error("more ports than a BPF jump reaches")
	}
}

// A live file keeps apart what the kernel captured and what the rig
// wrote itself: the TCP frames on the captured interface ("lo"), the
// GSMTAP SIM datagrams on an interface of their own ("esimhil-sim", said
// to be written, not captured), and after the last frame an Interface
// Statistics Block with the kernel's counters for "lo", so that the file
// alone shows the capture lost nothing (sw53, F4). The datagrams still
// read as the lane.
func TestLiveFileInterfacesAndStatistics(t *testing.T) {
	needLive(t)
	path := filepath.Join(t.TempDir(), "l.pcapng")
	s, err := Start(Config{Path: path, Mode: Live})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Wrap(ln)
	go func() {
		if c, err := ln.Accept(); err == nil {
			io.Copy(c, c)
			c.Close()
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	sim := s.SIM()
	sim.SniffATR([]byte{0x3b, 0x00})
	io.WriteString(c, "hello")
	sim.SniffCommand([]byte{0x80, 0xf2, 0x00, 0x00})
	sim.SniffAPDU([]byte{0x80, 0xf2, 0x00, 0x00}, []byte{0x90, 0x00})
	c.(*net.TCPConn).CloseWrite()
	io.ReadAll(c)
	c.Close()
	ln.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var stats []pcapgo.NgInterfaceStatistics
	var statsAfter int // packets read when the statistics came
	packets := map[int]int{}
	opts := pcapgo.DefaultNgReaderOptions
	opts.StatisticsCallback = func(i int, st pcapgo.NgInterfaceStatistics) {
		if i != 0 {
			t.Errorf("statistics of interface %d", i)
		}
		stats, statsAfter = append(stats, st), packets[0]+packets[1]
	}
	r, err := pcapgo.NewNgReader(f, opts)
	if err != nil {
		t.Fatal(err)
	}
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		packets[ci.InterfaceIndex]++
		udp, _ := gopacket.NewPacket(data, layers.LinkTypeEthernet, gopacket.Default).Layer(layers.LayerTypeUDP).(*layers.UDP)
		if isSIM := udp != nil && udp.DstPort == 4729; isSIM != (ci.InterfaceIndex == simIface) {
			t.Errorf("packet %d: GSMTAP %v on interface %d", packets[0]+packets[1], isSIM, ci.InterfaceIndex)
		}
	}
	if r.NInterfaces() != 2 {
		t.Fatalf("%d interfaces, want the kernel's and the rig's", r.NInterfaces())
	}
	lo, _ := r.Interface(0)
	own, _ := r.Interface(simIface)
	if lo.Name != "lo" || own.Name != "esimhil-sim" || !strings.Contains(own.Description, "not captured") {
		t.Errorf("interfaces %q, %q (%q)", lo.Name, own.Name, own.Description)
	}
	if packets[simIface] != 2 || uint64(packets[0]) != s.Stats().Packets || packets[0] < 7 {
		t.Errorf("%d frames on lo (the kernel counted %d), %d on esimhil-sim, want 2", packets[0], s.Stats().Packets, packets[simIface])
	}
	if len(stats) != 1 || stats[0].PacketsReceived != s.Stats().Packets || stats[0].PacketsDropped != 0 || stats[0].EndTime.Before(stats[0].StartTime) {
		t.Fatalf("interface statistics %+v, want one block with the kernel's %s", stats, s.Stats())
	}
	if statsAfter != packets[0]+packets[1] {
		t.Errorf("statistics after %d of %d frames, want after the last", statsAfter, packets[0]+packets[1])
	}
	if dgs, err := ReadDatagrams(path, 4729); err != nil || len(dgs.List) != 2 {
		t.Errorf("lane: %d datagrams, %v", len(dgs.List), err)
	}
}
