package harness

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/simtrace"
	"github.com/esimhil/esimhil/internal/codec/stk"
)

// tcpStream is one TCP connection of a capture file, as the wire shows
// it: the client's payload in order, and how the connection ended.
type tcpStream struct {
	client, server layers.TCPPort
	up             []byte // client → server payload
	serverFIN      bool
	afterFIN       int  // client bytes sent after the server's FIN
	serverRST      bool // the server reset it
	rstAfterData   bool // … right after client bytes that came after its FIN
	lastFromClient bool // the frame before the RST was the client's data
	afterRST       bool // a frame came after the server's RST
	serverAfterRST bool // … one of the server's own, not a further RST
}

// ngReader opens a pcapng capture for reading; the file closes with the
// test.
func ngReader(t *testing.T, path string) *pcapgo.NgReader {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	r, err := pcapgo.NewNgReader(f, pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// tcpStreams reads a capture's TCP connections in the order of their SYNs.
func tcpStreams(t *testing.T, path string) []*tcpStream {
	t.Helper()
	r := ngReader(t, path)
	var out []*tcpStream
	open := map[[2]layers.TCPPort]*tcpStream{}
	for {
		data, _, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pkt := gopacket.NewPacket(data, layers.LinkTypeEthernet, gopacket.NoCopy)
		tcp, _ := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if tcp == nil {
			continue // a GSMTAP SIM datagram
		}
		key := [2]layers.TCPPort{min(tcp.SrcPort, tcp.DstPort), max(tcp.SrcPort, tcp.DstPort)}
		if tcp.SYN && !tcp.ACK {
			s := &tcpStream{client: tcp.SrcPort, server: tcp.DstPort}
			open[key] = s
			out = append(out, s)
			continue
		}
		s := open[key]
		if s == nil {
			continue
		}
		fromClient := tcp.SrcPort == s.client
		if s.serverRST {
			s.afterRST = true
			s.serverAfterRST = s.serverAfterRST || !fromClient && !tcp.RST
		}
		switch {
		case fromClient && len(tcp.Payload) > 0:
			s.up = append(s.up, tcp.Payload...)
			if s.serverFIN {
				s.afterFIN += len(tcp.Payload)
			}
		case !fromClient && tcp.FIN:
			s.serverFIN = true
		case !fromClient && tcp.RST && !s.serverRST:
			s.serverRST = true
			s.rstAfterData = s.lastFromClient && s.afterFIN > 0
		}
		s.lastFromClient = fromClient && len(tcp.Payload) > 0
	}
	return out
}

// bipSent is what the card sent on each of its BIP channels, from the
// capture's own APDU lane: the SEND DATA commands' channel data between
// each OPEN CHANNEL and the next.
func bipSent(t *testing.T, path string) [][]byte {
	t.Helper()
	tr, err := simtrace.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	lane := tr.Lane(capture.SIMTapAddr)
	if lane == nil {
		t.Fatal("no APDU lane in the capture")
	}
	var out [][]byte
	for _, a := range lane.APDUs {
		switch {
		case a.IsProactive(stk.CmdOpenChannel):
			out = append(out, nil)
		case a.IsProactive(stk.CmdSendData) && len(out) > 0:
			out[len(out)-1] = append(out[len(out)-1], a.Proactive.Data...)
		}
	}
	return out
}

// TestTapRecordsWhatTheCardSent holds a download run's capture against
// the card's own account of what it sent: on every connection, the
// client's TCP payload is the channel data of the card's SEND DATA
// commands on that channel, byte for byte — the TLS close_notify it sends
// as the SM-DP+ closes included —, and a server that closed before such
// bytes arrived resets the connection right after them, as Linux does
// (RFC 1122 §4.2.2.13), or resets it as it closes with them unread (RFC
// 2525 §2.17): which, is the race of the card's goroutine with the
// server's, the live capture of the same run shows one or the other,
// and there the client's FIN may cross the RST and be reset in turn. The
// tap used to record the card's bytes only as the server read them and
// draw a clean close for every connection (outside tester sw74 F1: 5 × 31
// bytes of close_notify missing, no RST, the run a PASS).
func TestTapRecordsWhatTheCardSent(t *testing.T) {
	modes := []capture.Mode{capture.Tap}
	if probe, err := capture.Start(capture.Config{InMemory: true, Mode: capture.Live}); err == nil {
		probe.Close()
		probe.Release()
		modes = append(modes, capture.Live)
	}
	for _, mode := range modes {
		t.Run(string(mode), func(t *testing.T) {
			file := twoHoursCaptured(t, "roam-fr-download.yaml", mode)
			streams, sent := tcpStreams(t, file), bipSent(t, file)
			if len(streams) != len(sent) || len(streams) == 0 {
				t.Fatalf("%d TCP connections, %d BIP channels opened", len(streams), len(sent))
			}
			resets := 0
			for i, s := range streams {
				name := fmt.Sprintf("connection %d (client port %d)", i+1, s.client)
				if !bytes.Equal(s.up, sent[i]) {
					t.Errorf("%s: %d bytes from the client in the file, the card sent %d over BIP", name, len(s.up), len(sent[i]))
				}
				// Whether the card's close_notify reaches the server
				// after its close (then an RST right after it) or before
				// (unread as the server closes: an RST in place of a clean
				// end) is the race of two goroutines, on the wire too.
				switch {
				case s.afterFIN > 0 && !s.rstAfterData:
					t.Errorf("%s: %d client bytes after the server's FIN, and no RST right after them", name, s.afterFIN)
				case s.serverRST && mode == capture.Tap && s.afterRST:
					t.Errorf("%s: frames after the server's RST", name)
				case s.serverRST && s.serverAfterRST:
					// Live: the client's FIN or last bytes may cross the
					// RST on the wire (its goroutine had not yet seen it),
					// and the kernel resets each again; the server itself
					// sends nothing more.
					t.Errorf("%s: the server sent more after its RST", name)
				case s.serverRST:
					resets++
				}
			}
			if resets == 0 {
				t.Error("no connection the card's close_notify met closed: the run no longer shows the case")
			}
		})
	}
}

// TestTapCardBytesInTheirSendData holds the place of the card's bytes in
// a tap file against the APDU lane beside them: the modem writes a SEND
// DATA's channel data to the socket between the FETCH that carried it and
// its TERMINAL RESPONSE, so each client segment falls there — the full
// handshake's ClientHello and ClientKeyExchange flight too. The tap used to
// hold those flights until the server's next write, as it must for a
// client out of process that logs no secret: the card's ClientHello came
// after the TERMINAL RESPONSE and the TIMER MANAGEMENT that followed it
// (outside tester o314: 7 of the run's 27 client segments out of place).
func TestTapCardBytesInTheirSendData(t *testing.T) {
	file := twoHoursCaptured(t, "roam-fr-download.yaml", capture.Tap)
	tr, err := simtrace.Read(file)
	if err != nil {
		t.Fatal(err)
	}
	lane := tr.Lane(capture.SIMTapAddr)
	if lane == nil || len(lane.APDUs) == 0 {
		t.Fatal("no APDU lane in the capture")
	}
	r := ngReader(t, file)
	servers := map[layers.TCPPort]bool{}
	segments, wrong := 0, 0
	next := 0 // the lane's first APDU after the frame read
	for frame := 1; ; frame++ {
		data, _, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for next < len(lane.APDUs) && lane.APDUs[next].Frame <= frame {
			next++
		}
		tcp, _ := gopacket.NewPacket(data, layers.LinkTypeEthernet, gopacket.NoCopy).Layer(layers.LayerTypeTCP).(*layers.TCP)
		if tcp == nil {
			continue
		}
		if tcp.SYN && !tcp.ACK {
			servers[tcp.DstPort] = true
		}
		if !servers[tcp.DstPort] || len(tcp.Payload) == 0 {
			continue
		}
		segments++
		before := "none"
		ok := next > 0 && lane.APDUs[next-1].IsProactive(stk.CmdSendData)
		if next > 0 {
			before = lane.APDUs[next-1].String()
		}
		if ok && next < len(lane.APDUs) {
			a := lane.APDUs[next]
			ok = a.TR != nil && a.TR.Details.Type == stk.CmdSendData
		}
		if !ok {
			if wrong++; wrong <= 5 {
				t.Errorf("frame %d: %d bytes of the card's (port %d) after %q, not between a FETCH SEND DATA and its TERMINAL RESPONSE", frame, len(tcp.Payload), tcp.SrcPort, before)
			}
		}
	}
	if segments == 0 {
		t.Fatal("no client segment in the capture")
	}
	if wrong > 0 {
		t.Errorf("%d of %d client segments out of their SEND DATA", wrong, segments)
	}
}
