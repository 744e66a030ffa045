//go:build linux

package simtrace

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/gsmtap"
)

// cmsg is one control message as the kernel writes it (cmsg(3)), its
// length field set to length (-1: the true one), padded to alignment.
func cmsg(level, typ int32, data []byte, length int) []byte {
	b := make([]byte, unix.CmsgSpace(len(data)))
	if length < 0 {
		length = unix.CmsgLen(len(data))
	}
	ne := binary.NativeEndian
	if unix.SizeofCmsghdr == 16 {
		ne.PutUint64(b, uint64(length))
	} else {
		ne.PutUint32(b, uint32(length))
	}
	at := unix.SizeofCmsghdr - 8
	ne.PutUint32(b[at:], uint32(level))
	ne.PutUint32(b[at+4:], uint32(typ))
	copy(b[unix.CmsgLen(0):], data)
	return b
}

func u32(n uint32) []byte { return binary.NativeEndian.AppendUint32(nil, n) }

// The drop count is read from whatever control data recvmsg returned:
// cut short or malformed, it is a clear error, never a panic or a
// count read from the wrong bytes.
func TestDropCount(t *testing.T) {
	ovfl := func(data []byte) []byte { return cmsg(unix.SOL_SOCKET, unix.SO_RXQ_OVFL, data, -1) }
	stamp := cmsg(unix.SOL_SOCKET, unix.SO_TIMESTAMP, make([]byte, 16), -1)
	tests := []struct {
		name  string
		oob   []byte
		count uint32
		ok    bool
		err   string
	}{
		{"none (no drop yet)", nil, 0, false, ""},
		{"the count", ovfl(u32(48)), 48, true, ""},
		{"its largest", ovfl(u32(1<<32 - 1)), 1<<32 - 1, true, ""},
		{"after another message", append(stamp, ovfl(u32(3))...), 3, true, ""},
		{"another message only", stamp, 0, false, ""},
		// Bytes too few for a header are no message (the kernel's cut is
		// MSG_CTRUNC, checked before).
		{"shorter than a header", ovfl(u32(1))[:5], 0, false, ""},
		{"a header and a half", append(stamp, ovfl(u32(1))[:unix.SizeofCmsghdr-1]...), 0, false, ""},
		{"length below the header", cmsg(unix.SOL_SOCKET, unix.SO_RXQ_OVFL, u32(1), 4), 0, false, "invalid argument"},
		{"length past the data", cmsg(unix.SOL_SOCKET, unix.SO_RXQ_OVFL, u32(1), 64), 0, false, "invalid argument"},
		{"no count", ovfl(nil), 0, false, "0 bytes of data, want 4"},
		{"a short count", ovfl([]byte{1, 2}), 0, false, "2 bytes of data, want 4"},
		{"a long count", ovfl(make([]byte, 8)), 0, false, "8 bytes of data, want 4"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			count, ok, err := dropCount(tc.oob)
			if count != tc.count || ok != tc.ok || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("dropCount = %d, %v, %v; want %d, %v, %q", count, ok, err, tc.count, tc.ok, tc.err)
			}
		})
	}
}

// The count is cumulative and wraps at 2^32: a rise is the difference; an
// unreadable count stops the counting and says so, never a made-up 0.
func TestKernelDropsRise(t *testing.T) {
	r := &Receiver{dropCount: 1<<32 - 2}
	r.kernelDrops(7, cmsg(unix.SOL_SOCKET, unix.SO_RXQ_OVFL, u32(1), -1), 0)
	r.kernelDrops(8, cmsg(unix.SOL_SOCKET, unix.SO_RXQ_OVFL, u32(1), -1), 0) // no rise
	if r.dropped != 3 || r.dropPending != 3 || len(r.drops) != 1 || r.drops[0] != (Drop{N: 3, Before: 7}) {
		t.Errorf("after a wrap: dropped %d, pending %d, %v", r.dropped, r.dropPending, r.drops)
	}
	r.kernelDrops(9, cmsg(unix.SOL_SOCKET, unix.SO_RXQ_OVFL, u32(1), 64), 0)
	r.kernelDrops(10, cmsg(unix.SOL_SOCKET, unix.SO_RXQ_OVFL, u32(9), -1), 0)
	if r.dropped != 3 || !strings.Contains(r.notCounted, "received datagram 9: control data of") {
		t.Errorf("after bad control data: dropped %d, %q", r.dropped, r.notCounted)
	}
	r = &Receiver{}
	r.kernelDrops(1, nil, unix.MSG_CTRUNC)
	if !strings.Contains(r.notCounted, "MSG_CTRUNC") {
		t.Errorf("control data cut short: %q", r.notCounted)
	}
}

// memDrops is the kernel's own count of the datagrams it dropped from
// conn's receive buffer (SO_MEMINFO's SK_MEMINFO_DROPS).
func memDrops(t *testing.T, conn *net.UDPConn) int {
	t.Helper()
	n, err := socketDrops(conn)
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// countingSink is a capture that says each datagram it took.
type countingSink struct {
	*capture.Session
	took chan struct{}
}

func (s countingSink) WriteDatagramAfterLoss(ts time.Time, src, dst netip.AddrPort, payload []byte, lostBefore, kernelDropped int) error {
	err := s.Session.WriteDatagramAfterLoss(ts, src, dst, payload, lostBefore, kernelDropped)
	s.took <- struct{}{}
	return err
}

// burst is a receiver whose smallest socket buffer overflowed: sent
// datagrams went to it before it read (an ATR, then commands each
// answered 6103, so an answer waits for its GET RESPONSE), dropped of
// them by the kernel by its own count (SO_MEMINFO), and the rest taken
// into the capture at path.
type burst struct {
	path          string
	sess          *capture.Session
	rx            *Receiver
	sink          countingSink
	send          func([]byte)
	sent, dropped int
}

func burstIntoFullBuffer(t *testing.T) burst {
	t.Helper()
	b := burst{path: filepath.Join(t.TempDir(), "simtrace.pcapng")}
	var err error
	if b.sess, err = capture.Start(capture.Config{Path: b.path, Mode: capture.Tap}); err != nil {
		t.Fatal(err)
	}
	const most = 10000
	b.sink = countingSink{b.sess, make(chan struct{}, most+2)}
	hold := make(chan struct{})
	if b.rx, err = listen("udp://127.0.0.1:0", b.sink, options{readBuffer: 1, hold: hold}); err != nil {
		t.Fatal(err)
	}
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(b.rx.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	b.send = func(p []byte) {
		if _, err := c.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	b.send(sim(t, gsmtap.SubATR, "3B 00"))
	for b.sent = 1; b.sent < most && (b.sent < 16 || memDrops(t, b.rx.conn) == 0); b.sent++ {
		b.send(sim(t, gsmtap.SubAPDU, "81 E2 91 00 03 BF 2D 00 61 03"))
	}
	if b.dropped = memDrops(t, b.rx.conn); b.dropped == 0 {
		t.Fatalf("no drop after %d datagrams into a receive buffer of %d bytes", b.sent, b.rx.readBuffer)
	}
	close(hold)
	for range b.sent - b.dropped { // what the buffer held
		<-b.sink.took
	}
	return b
}

// Datagrams the kernel dropped from the receiver's full socket buffer
// never reach the receiver, but the datagram after them carries the
// socket's drop count (SO_RXQ_OVFL): its frame is marked, the answer on
// its way on the lane ends there, and the receiver's summary names the
// count (outside tester t241: 293 sent, 245 arrived, nothing said). The
// buffer is the kernel's smallest and the burst is sent before the
// receiver reads, until the kernel's own count (SO_MEMINFO) has drops.
func TestReceiverCountsKernelDrops(t *testing.T) {
	b := burstIntoFullBuffer(t)
	path, sess, rx, sink, send, sent, dropped := b.path, b.sess, b.rx, b.sink, b.send, b.sent, b.dropped
	// The GET RESPONSE after the drops carries their count.
	send(sim(t, gsmtap.SubAPDU, "01 C0 00 00 03 BF 2D 00 90 00"))
	<-sink.took
	if err := rx.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	st := rx.Stats()
	last := sent - dropped + 1 // the GET RESPONSE, received and in the capture
	if st.KernelDropped != dropped || st.Received != last || st.NotCounted != "" || len(st.Drops) != 1 || st.Drops[0] != (Drop{N: dropped, Before: last}) {
		t.Fatalf("stats %+v; want %d dropped before received datagram %d", st, dropped, last)
	}
	if want := DroppedBefore(dropped, "received datagram", last); !strings.Contains(st.String(), want) {
		t.Errorf("summary %q does not say %q", st, want)
	}
	dgs, err := capture.ReadDatagrams(path, gsmtap.Port)
	if err != nil || len(dgs.List) != last {
		t.Fatalf("%d datagrams in the capture, %v", len(dgs.List), err)
	}
	if m := dgs.List[last-1].Mark; m.KernelDropped != dropped {
		t.Errorf("the GET RESPONSE's frame is marked %+v, want %d dropped before it", m, dropped)
	}
	for _, d := range dgs.List[:last-1] {
		if d.Mark.KernelDropped != 0 {
			t.Fatalf("frame %d marked %+v: no drop before it", d.Frame, d.Mark)
		}
	}
	tr, l := readLane(t, path)
	if got := l.APDUs[len(l.APDUs)-1]; got.Outcome != apdu.PartialAnswer {
		t.Errorf("the GET RESPONSE after the drops: %q, want the answer partial", got)
	}
	want := DroppedBefore(dropped, "frame", last)
	if l.Count(KernelDropped) != 1 || !strings.Contains(l.Summary(), fmt.Sprintf("1 overflow of the kernel's receive buffer (frame %d)", last)) ||
		!strings.Contains(tr.KernelDrops(), want) {
		t.Errorf("lane summary %q, trace %q; want %q", l.Summary(), tr.KernelDrops(), want)
	}
	t.Logf("%d sent, %d dropped by a receive buffer of %d bytes: %s", sent+1, dropped, st.ReadBuffer, st)
}

// The summaries name each drop's count and where, the first few of them.
func TestDropsSaid(t *testing.T) {
	tests := []struct {
		total int
		drops []Drop
		want  string
	}{
		{0, nil, ""},
		{1, []Drop{{1, 3}}, "1 datagram dropped by the kernel's receive buffer before frame 3"},
		{48, []Drop{{48, 46}}, "48 datagrams dropped by the kernel's receive buffer before frame 46"},
		{48, []Drop{{40, 46}, {8, 120}}, "48 datagrams dropped by the kernel's receive buffer: 40 before frame 46, 8 before frame 120"},
		{50, []Drop{{40, 46}}, "50 datagrams dropped by the kernel's receive buffer: 40 before frame 46, 10 later"},
	}
	for _, tc := range tests {
		if got := dropsSaid(tc.total, tc.drops, "frame"); got != tc.want {
			t.Errorf("dropsSaid(%d, %v) = %q, want %q", tc.total, tc.drops, got, tc.want)
		}
	}
}

// Datagrams the kernel dropped after the last datagram received have no
// datagram after them to carry their count (SO_RXQ_OVFL): the socket's
// own count, read at the close (SO_MEMINFO), tells them. The summary
// names them, the capture ends saying so, and a reader of the file ends
// what was on its way on the lane at its last frame. The burst goes into
// the smallest buffer before the receiver reads, and nothing is sent
// after it.
func TestReceiverCountsKernelDropsAfterTheLast(t *testing.T) {
	b := burstIntoFullBuffer(t)
	path, sess, rx, sent, dropped := b.path, b.sess, b.rx, b.sent, b.dropped
	if err := rx.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	st := rx.Stats()
	last := sent - dropped
	if st.KernelDropped != 0 || st.DroppedAfterLast != dropped || st.Received != last || st.NotCounted != "" {
		t.Fatalf("stats %+v; want %d dropped after received datagram %d", st, dropped, last)
	}
	if want := DroppedAfterLast(dropped, "datagram received"); !strings.Contains(st.String(), want) {
		t.Errorf("summary %q does not say %q", st, want)
	}
	dgs, err := capture.ReadDatagrams(path, gsmtap.Port)
	if err != nil || len(dgs.List) != last || dgs.KernelDroppedAtEnd != dropped {
		t.Fatalf("%d datagrams in the capture, %d dropped at its end, %v; want %d, %d", len(dgs.List), dgs.KernelDroppedAtEnd, err, last, dropped)
	}
	tr, l := readLane(t, path)
	want := DroppedAfterLast(dropped, "frame")
	if l.Count(KernelDropped) != 1 || !strings.Contains(l.Summary(), fmt.Sprintf("1 overflow of the kernel's receive buffer (frame %d)", last)) ||
		tr.KernelDrops() != want {
		t.Errorf("lane summary %q, trace %q; want %q", l.Summary(), tr.KernelDrops(), want)
	}
	t.Logf("%d sent, %d dropped after the last by a receive buffer of %d bytes: %s", sent, dropped, st.ReadBuffer, st)
}

// readLane reads the capture at path as a reader of the file does, and
// its one lane.
func readLane(t *testing.T, path string) (*Trace, *Lane) {
	t.Helper()
	tr, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := tr.Only()
	if err != nil {
		t.Fatal(err)
	}
	return tr, l
}
