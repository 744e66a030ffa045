package simtrace

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/gsmtap"
	"github.com/esimhil/esimhil/internal/hexdump"
)

const fixture = "../../fixtures/simtrace/roam-fr-preinstalled"

func TestParseListen(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"udp://0.0.0.0:4729", "0.0.0.0:4729", ""},
		{"udp://[::1]:4729", "[::1]:4729", ""},
		{":4729", ":4729", ""},
		{"127.0.0.1:0", "127.0.0.1:0", ""},
		{"off", "", ""},
		{"tcp://127.0.0.1:4729", "", "want udp://host:port"},
		{"udp://127.0.0.1", "", "missing port"},
		{"udp://127.0.0.1:", "", "no port"},
		// The port's range is the parser's, so Listen and every command
		// refuse it alike (0 is any free port: Receiver.Addr).
		{"udp://127.0.0.1:65535", "127.0.0.1:65535", ""},
		{"udp://127.0.0.1:99999", "", "port 99999: want 0-65535"},
		{"127.0.0.1:65536", "", "port 65536: want 0-65535"},
		{":-1", "", "port -1: want 0-65535"},
		{":+4729", "", "port +4729: want 0-65535"},
		{"udp://127.0.0.1:gsmtap", "", "port gsmtap: want 0-65535"},
		{":0004729", ":0004729", ""}, // as net reads it: 4729
		{":99999999999999999999", "", "want 0-65535"},
	}
	for _, tc := range tests {
		got, err := ParseListen(tc.in)
		if got != tc.want || (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("ParseListen(%q) = %q, %v; want %q, %q", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// labCapture is a capture as a lab run has one: the tap, on the wall
// clock, with an HTTP server's traffic in it.
func labCapture(t *testing.T) (*capture.Session, string, func()) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "traffic.pcapng")
	sess, err := capture.Start(capture.Config{Path: path, Mode: capture.Tap})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })}
	go srv.Serve(sess.Wrap(l))
	request := func() {
		rsp, err := http.Post("http://"+l.Addr().String()+"/v1/notifications", "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, rsp.Body)
		rsp.Body.Close()
	}
	t.Cleanup(func() { srv.Close() })
	return sess, path, request
}

// A recorded SIMtrace2 stream replayed over loopback UDP lands in the
// capture as its own lane, with every datagram, beside the HTTP traffic.
func TestReceiverReplay(t *testing.T) {
	rec, err := LoadRecording(fixture)
	if err != nil {
		t.Fatal(err)
	}
	sess, path, request := labCapture(t)
	rx, err := Listen("udp://127.0.0.1:0", sess)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewReplayer(rx.Addr())
	if err != nil {
		t.Fatal(err)
	}
	request()
	if err := p.Replay(context.Background(), rec.Stream); err != nil {
		t.Fatal(err)
	}
	request()
	p.Close()
	if err := rx.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	if st := rx.Stats(); st.Received != len(rec.Stream) || st.Merged != len(rec.Stream) || st.Skipped != 0 {
		t.Errorf("stats %s, want all %d merged", st, len(rec.Stream))
	}
	tr, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	l := tr.Lane(p.From())
	if l == nil || len(l.ATRs)+len(l.APDUs) != rec.Manifest.Datagrams || tr.Total() != 0 {
		t.Fatalf("lane of %s: %v, warnings %q", p.From(), l, tr.Summary())
	}
	ex, err := capture.ReadHTTP(path)
	if err != nil || len(ex) != 2 {
		t.Fatalf("HTTP beside the lane: %d exchanges, %v", len(ex), err)
	}
}

// Bad input on the receiver's port: what is not GSMTAP SIM is skipped and
// counted there and never reaches the capture; what a sniffer sent as SIM
// is kept and judged by the lane. The HTTP evidence is unaffected.
func TestReceiverBadInput(t *testing.T) {
	sess, path, request := labCapture(t)
	rx, err := Listen("127.0.0.1:0", sess)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewReplayer(rx.Addr())
	if err != nil {
		t.Fatal(err)
	}
	request()
	for _, h := range []string{
		"02 04",                            // truncated
		"48 54 54 50 2F 31 2E 31 20 32 30", // foreign: "HTTP/1.1 20"
		"02 04 01 00 0001 C4 1E 00000000 01 00 00 00 06 12 00 00",                // GSMTAP GSM Um
		"02 04 04 00 0000 00 00 00000000 02 00 00 00 FF 10 96 79",                // GSMTAP SIM PPS
		"02 04 04 00 0000 00 00 00000000 00 00 00 00 01 C0 00 00 02 BF 31 90 00", // mid-session GET RESPONSE
		"02 04 04 00 0000 00 00 00000000 00 00 00 00 80 C2 00 00 03 D7 01 00",    // no response
	} {
		if err := p.Send(hexdump.Bytes(t, h)); err != nil {
			t.Fatal(err)
		}
	}
	big := make([]byte, 70000) // more than a datagram can carry: refused by the kernel
	if err := p.Send(big); err == nil {
		t.Error("a 70000-byte datagram was sent")
	}
	p.Close()
	request()
	if err := rx.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	st := rx.Stats()
	if st.Received != 6 || st.Merged != 2 || st.Skipped != 4 {
		t.Errorf("stats %s", st)
	}
	for _, k := range []string{"2 not GSMTAP", "1 GSMTAP of another type than SIM", "1 GSMTAP SIM other than ATR or APDU"} {
		if !strings.Contains(st.Summary, k) {
			t.Errorf("summary %q lacks %q", st.Summary, k)
		}
	}
	tr, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	l := tr.Lane(p.From())
	if l == nil || tr.Total() != 0 || l.Count(MidSession) != 2 || l.Count(NoResponse) != 1 || len(l.APDUs) != 1 {
		t.Errorf("lane %v, trace warnings %q, lane warnings %v", l, tr.Summary(), l.Warnings())
	}
	dgs, _ := capture.ReadDatagrams(path, gsmtap.Port)
	if len(dgs.List) != 2 {
		t.Errorf("%d datagrams in the capture, want the 2 GSMTAP SIM ones", len(dgs.List))
	}
	if ex, err := capture.ReadHTTP(path); err != nil || len(ex) != 2 {
		t.Errorf("HTTP beside the lane: %d exchanges, %v", len(ex), err)
	}
}

// A receiver on a port in use fails naming the address.
func TestReceiverPortInUse(t *testing.T) {
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addr := "udp://" + c.LocalAddr().String()
	if _, err := Listen(addr, nil); err == nil || !strings.Contains(err.Error(), addr) {
		t.Errorf("Listen on a used port: %v", err)
	}
}

// TestReplayStopsWhenCancelled: a paced replay waiting for its next slot
// stops as soon as its context ends, saying how far it got.
func TestReplayStopsWhenCancelled(t *testing.T) {
	sink, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	p, err := NewReplayer(sink.LocalAddr().(*net.UDPAddr).AddrPort())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.Gap = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Replay(ctx, [][]byte{{1}, {2}}) }()
	if _, _, err := sink.ReadFromUDPAddrPort(make([]byte, 16)); err != nil { // the first has left
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "stopped after 1 of 2 datagrams") {
		t.Errorf("Replay = %v", err)
	}
}

// received is the capture a receiver makes of stream, sent over loopback
// UDP, and the sender's address.
func received(t *testing.T, stream [][]byte) (string, netip.AddrPort) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "simtrace.pcapng")
	sess, err := capture.Start(capture.Config{Path: path, Mode: capture.Tap})
	if err != nil {
		t.Fatal(err)
	}
	rx, err := Listen("udp://127.0.0.1:0", sess)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewReplayer(rx.Addr())
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Replay(context.Background(), stream); err != nil {
		t.Fatal(err)
	}
	p.Close()
	if err := rx.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	return path, p.From()
}

// A datagram the receiver skipped that may have carried an exchange is
// not in the capture, but the sender's next frame says so (the comment
// "esimhil:receiver-skipped=N"): a reader of the file — the lab run's
// LabCardLane, the timeline page, a saved lab sniff — ends the answer
// that was on its way there, as the live reader does, and does not
// decode the GET RESPONSE after it as the whole answer (outside tester
// t136 F2). A skip that carried no exchange (another GSMTAP type) is no
// loss and leaves no mark.
func TestReceiverSkipIsMarkedInTheCapture(t *testing.T) {
	um := sim(t, gsmtap.SubAPDU, "00")
	um[2] = byte(gsmtap.TypeUm)
	for _, tc := range []struct {
		name    string
		skipped []byte // between the command answered 6103 and its GET RESPONSE
		lost    bool
	}{
		{"not GSMTAP", []byte("xx"), true},
		{"a TPDU part", sim(t, gsmtap.SubTPDUHdr, "01 C0 00 00 03"), true},
		{"GSMTAP of another type", um, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, from := received(t, [][]byte{
				sim(t, gsmtap.SubATR, "3B 00"),
				sim(t, gsmtap.SubAPDU, "81 E2 91 00 03 BF 2D 00 61 03"),
				tc.skipped,
				sim(t, gsmtap.SubAPDU, "01 C0 00 00 03 BF 2D 00 90 00"),
			})
			dgs, err := capture.ReadDatagrams(path, gsmtap.Port)
			if err != nil || len(dgs.List) != 3 {
				t.Fatalf("%d datagrams in the capture, %v", len(dgs.List), err)
			}
			want := 0
			if tc.lost {
				want = 3
			}
			if got := dgs.List[2].Mark.LostBefore; got != want {
				t.Errorf("the GET RESPONSE's frame names received datagram %d as skipped before it, want %d", got, want)
			}
			tr, err := Read(path)
			if err != nil {
				t.Fatal(err)
			}
			l := tr.Lane(from)
			if l == nil || len(l.APDUs) != 2 {
				t.Fatalf("lane %v", l)
			}
			partial := l.APDUs[1].Outcome == apdu.PartialAnswer
			if partial != tc.lost || l.APDUs[0].Answered == tc.lost {
				t.Errorf("read from the file: %q (%q), then %q; want the chain ended: %v", l.APDUs[0], l.APDUs[0].Detail(), l.APDUs[1], tc.lost)
			}
			if w := l.Warnings(); tc.lost && (len(w) != 1 || !strings.Contains(w[0].Detail, "just after received datagram 3, which the receiver skipped")) {
				t.Errorf("lane warnings %v", w)
			}
		})
	}
}

// A skip with no later frame from its sender — the exchange the sniffer
// was cut in — has no frame to mark: the capture ends saying so (an
// Interface Statistics Block, capture.SkippedAtEnd), and a reader of the
// file says it on the sender's lane (re-tester t145 F5: the saved file
// held no trace of it). A skip that carried no exchange leaves nothing,
// and neither does one a later frame marked.
func TestReceiverSkipAtTheEndIsInTheCapture(t *testing.T) {
	um := sim(t, gsmtap.SubAPDU, "00")
	um[2] = byte(gsmtap.TypeUm)
	atr, sel := sim(t, gsmtap.SubATR, "3B 00"), sim(t, gsmtap.SubAPDU, "01 A4 00 04 02 3F 00 61 22")
	for _, tc := range []struct {
		name   string
		stream [][]byte
		want   int // the received datagram said skipped at the end; 0: none
	}{
		{"not GSMTAP, last", [][]byte{atr, sel, []byte("xx")}, 3},
		{"a TPDU part, last", [][]byte{atr, sel, sim(t, gsmtap.SubTPDUHdr, "01 C0 00 00 22")}, 3},
		{"GSMTAP of another type, last", [][]byte{atr, sel, um}, 0},
		{"not GSMTAP, then a frame", [][]byte{atr, []byte("xx"), sel}, 0},
		{"nothing skipped", [][]byte{atr, sel}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, from := received(t, tc.stream)
			var want []capture.SkippedAtEnd
			if tc.want > 0 {
				want = []capture.SkippedAtEnd{{Src: from, Received: tc.want}}
			}
			// Read with the datagrams, by pcapgo and by the fast reader.
			dgs, err := capture.ReadDatagrams(path, gsmtap.Port)
			if err != nil || !slices.Equal(dgs.SkippedAtEnd, want) {
				t.Errorf("the capture ends with skips %v (%v), want %v", dgs.SkippedAtEnd, err, want)
			}
			if _, dgs, err := capture.ReadEvidence(path, gsmtap.Port, 0); err != nil || !slices.Equal(dgs.SkippedAtEnd, want) {
				t.Errorf("its evidence ends with skips %v (%v), want %v", dgs.SkippedAtEnd, err, want)
			}
			tr, err := Read(path)
			if err != nil {
				t.Fatal(err)
			}
			l := tr.Lane(from)
			if l == nil || len(l.APDUs) != 1 {
				t.Fatalf("lane %v", l)
			}
			ws := l.Warnings()
			if tc.want == 0 {
				if slices.ContainsFunc(ws, func(w Warning) bool { return w.Kind == SkippedAtEnd }) {
					t.Errorf("lane warnings %v, want no skip at the end", ws)
				}
				return
			}
			wantDetail := fmt.Sprintf("received datagram %d from %s, after the sender's last frame in the capture: part of an exchange may be lost there", tc.want, from)
			if len(ws) != 1 || ws[0].Kind != SkippedAtEnd || ws[0].Detail != wantDetail || ws[0].Frame != 2 {
				t.Errorf("lane warnings %v, want at frame 2 %q", ws, wantDetail)
			}
		})
	}
}

// The socket's drop count at the close, less the last one a datagram
// carried, is the drops after the last datagram (wrapping at 2^32);
// without a count to start from nothing is made up (nor the count read),
// and an unreadable count says so.
func TestAfterLast(t *testing.T) {
	tests := []struct {
		name       string
		last       uint32 // the count the last datagram carried
		was        string // notCounted before
		total      uint32
		err        error
		after      int
		notCounted string
	}{
		{"none", 0, "", 0, nil, 0, ""},
		{"after none told", 0, "", 7, nil, 7, ""},
		{"after some told", 40, "", 43, nil, 3, ""},
		{"no more", 40, "", 40, nil, 0, ""},
		{"past a wrap", 1<<32 - 2, "", 1, nil, 3, ""},
		{"not counted", 0, "SO_RXQ_OVFL is Linux's", 9, nil, 0, "SO_RXQ_OVFL is Linux's"},
		{"unreadable", 0, "", 0, errors.New("SO_MEMINFO: bad"), 0, "after the last datagram received: SO_MEMINFO: bad"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &Receiver{dropCount: tc.last, notCounted: tc.was}
			read := false
			r.afterLast(func() (uint32, error) { read = true; return tc.total, tc.err })
			if r.droppedAfter != tc.after || r.notCounted != tc.notCounted {
				t.Errorf("after %d, not counted %q; want %d, %q", r.droppedAfter, r.notCounted, tc.after, tc.notCounted)
			}
			// Drops not counted: the count at the close is not read.
			if read != (tc.was == "") {
				t.Errorf("the socket's count read: %t, want %t", read, tc.was == "")
			}
		})
	}
}

// The summary names the drops after the last datagram, alone or after
// those told before a datagram.
func TestStatsSayDropsAfterTheLast(t *testing.T) {
	tests := []struct {
		st   Stats
		want string
	}{
		{Stats{Received: 4, Merged: 4, ReadBuffer: 2304, DroppedAfterLast: 1},
			"4 datagrams received, 4 GSMTAP SIM merged into the capture; 1 datagram dropped by the kernel's receive buffer after the last datagram received (a receive buffer of 2304 bytes), not in the capture"},
		{Stats{Received: 4, Merged: 4, ReadBuffer: 2304, KernelDropped: 14, Drops: []Drop{{14, 3}}, DroppedAfterLast: 5},
			"4 datagrams received, 4 GSMTAP SIM merged into the capture; 14 datagrams dropped by the kernel's receive buffer before received datagram 3, 5 more after the last datagram received (a receive buffer of 2304 bytes), not in the capture"},
	}
	for _, tc := range tests {
		if got := tc.st.String(); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
}
