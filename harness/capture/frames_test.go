package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"syscall"
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
	n, syn := 0, 0
	// Each connection ends with a FIN from both sides, or with an RST: a
	// socket closed with bytes unread, or met by bytes after its close,
	// resets (RFC 2525 §2.17), and whether a client's late close_notify
	// arrives before the server's close is a race of the wire.
	fins := map[[2]layers.TCPPort]int{} // by port pair (distinct in these files)
	ended := map[[2]layers.TCPPort]bool{}
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
		cport := [2]layers.TCPPort{min(tcp.SrcPort, tcp.DstPort), max(tcp.SrcPort, tcp.DstPort)}
		if tcp.FIN {
			if fins[cport]++; fins[cport] == 2 {
				ended[cport] = true
			}
		}
		if tcp.RST {
			ended[cport] = true
		}
	}
	// SYN and SYN-ACK per connection, and every connection ended.
	if syn != 2*conns || len(ended) != conns {
		t.Errorf("%d frames with %d SYN and %d connections ended (%v FINs), want %d SYN and %d ended", n, syn, len(ended), fins, 2*conns, conns)
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
	tp := newTap(clock.NewVirtual(clock.Epoch), eventCount{}, func(_ gopacket.CaptureInfo, b []byte, _ Mark) error {
		frames = append(frames, bytes.Clone(b))
		return nil
	})
	lo := net.IPv4(127, 0, 0, 1)
	f := tp.newFlow(&net.TCPAddr{IP: lo, Port: 34980}, &net.TCPAddr{IP: lo, Port: 40000}, false)
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

// A server that aborts a connection (SetLinger(0), then Close: an SM-DP+'s
// connection_reset fault) resets the socket and the tap draws the RST it
// sends; an ordinary Close draws the FIN exchange.
func TestTapDrawsAnAbort(t *testing.T) {
	for _, tc := range []struct {
		name  string
		abort bool
		last  string // the frames after the handshake: sender and flags
	}{
		{"close", false, "server FIN,ACK · client FIN,ACK · server ACK"},
		{"abort", true, "server RST,ACK"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "abort.pcapng")
			sess, ln := tapListening(t, path)
			l := sess.Wrap(ln)
			defer l.Close()
			client, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			server, err := l.Accept()
			if err != nil {
				t.Fatal(err)
			}
			if tc.abort {
				if err := server.(interface{ SetLinger(int) error }).SetLinger(0); err != nil {
					t.Fatal(err)
				}
			}
			if err := server.Close(); err != nil {
				t.Fatal(err)
			}
			if err := sess.Close(); err != nil {
				t.Fatal(err)
			}
			var frames [][]byte
			for src := openTestSource(t, path); ; {
				b, _, err := src.ReadPacketData()
				if err != nil {
					break
				}
				frames = append(frames, bytes.Clone(b))
			}
			var got []string
			for _, b := range frames[3:] { // after the handshake
				tcp := gopacket.NewPacket(b, layers.LayerTypeEthernet, gopacket.Default).Layer(layers.LayerTypeTCP).(*layers.TCP)
				side := "client"
				if int(tcp.SrcPort) == ln.Addr().(*net.TCPAddr).Port {
					side = "server"
				}
				var flags []string
				for _, f := range []struct {
					on   bool
					name string
				}{{tcp.FIN, "FIN"}, {tcp.RST, "RST"}, {tcp.ACK, "ACK"}} {
					if f.on {
						flags = append(flags, f.name)
					}
				}
				got = append(got, side+" "+strings.Join(flags, ","))
			}
			if s := strings.Join(got, " · "); s != tc.last {
				t.Errorf("the tap draws %q, want %q", s, tc.last)
			}
			_, err = client.Read(make([]byte, 1))
			if reset := errors.Is(err, syscall.ECONNRESET); reset != tc.abort {
				t.Errorf("client read: %v, want a reset: %v (the socket must get the option)", err, tc.abort)
			}
		})
	}
}

// The tap holds the connections still open, not every one the run made:
// a month-long run's thousands of closed connections were all kept to
// its end (outside tester t244). The flows held after n connections, each
// closed (a close, an RST, FINs both ways) but every tenth, grow with the
// open ones only; the session's end still closes those, in order.
func TestTapHoldsOnlyOpenFlows(t *testing.T) {
	for _, n := range []int{100, 1000, 10000} {
		var fins int
		tp := newTap(clock.NewVirtual(clock.Epoch), eventCount{}, func(_ gopacket.CaptureInfo, b []byte, _ Mark) error {
			if tcp, _ := gopacket.NewPacket(b, layers.LayerTypeEthernet, gopacket.Default).Layer(layers.LayerTypeTCP).(*layers.TCP); tcp != nil && tcp.FIN {
				fins++
			}
			return nil
		})
		lo := net.IPv4(127, 0, 0, 1)
		server := &net.TCPAddr{IP: lo, Port: 8080}
		var open []*flow
		for i := range n {
			f := tp.newFlow(&net.TCPAddr{IP: lo, Port: 1024 + i%60000}, server, false)
			switch i % 10 {
			case 0:
				open = append(open, f)
			case 1:
				f.reset(false)
			case 2:
				f.fin(true)
				f.fin(false)
			default:
				f.close()
			}
		}
		tp.mu.Lock()
		held := len(tp.open)
		tp.mu.Unlock()
		if max := 2*len(open) + 2; held > max {
			t.Errorf("%d connections, %d open: the tap holds %d flows, want at most %d", n, len(open), held, max)
		}
		before := fins
		tp.finish()
		for _, f := range open {
			if !f.closed {
				t.Fatalf("%d connections: a flow still open at the session's end was not closed", n)
			}
		}
		if got := fins - before; got != 2*len(open) {
			t.Errorf("%d connections: the session's end wrote %d FINs, want 2 for each of the %d open", n, got, len(open))
		}
	}
}
