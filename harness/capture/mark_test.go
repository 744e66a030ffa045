package capture

import (
	"bytes"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/platform"
	"github.com/esimhil/esimhil/internal/codec/gsmtap"
	"github.com/esimhil/esimhil/internal/hexdump"
)

// unmarked adapts a plain packet writer to the tap's, dropping marks.
func unmarked(write func(gopacket.CaptureInfo, []byte) error) func(gopacket.CaptureInfo, []byte, Mark) error {
	return func(ci gopacket.CaptureInfo, b []byte, _ Mark) error { return write(ci, b) }
}

func TestParseMark(t *testing.T) {
	tests := []struct {
		comment string
		want    Mark
		ok      bool
	}{
		{"esimhil:after-event=0", Mark{Events: 0, OK: true}, true},
		{"esimhil:after-event=1234", Mark{Events: 1234, OK: true}, true},
		{MarkComment(Mark{Events: 77, OK: true}), Mark{Events: 77, OK: true}, true},
		{"esimhil:after-event=", Mark{}, false},
		{"esimhil:after-event=-1", Mark{}, false},
		{"esimhil:after-event=+1", Mark{}, false},
		{"esimhil:after-event=12 ", Mark{}, false},
		{"esimhil:after-event=99999999999999999999", Mark{}, false},
		{"retransmission, see frame 12", Mark{}, false},
		{"", Mark{}, false},
	}
	for _, tc := range tests {
		got, ok := ParseMark(tc.comment)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseMark(%q) = %+v, %v; want %+v, %v", tc.comment, got, ok, tc.want, tc.ok)
		}
	}
	if m := markOf([]string{"a user's note", "esimhil:after-event=5"}); m != (Mark{Events: 5, OK: true}) {
		t.Errorf("mark among other comments: %+v", m)
	}
	// An APDU's: its command's place beside the frame's own.
	apdu := Mark{Events: 9, OK: true, Command: 7, CommandOK: true}
	if c := markComments(apdu); len(c) != 2 || c[1] != "esimhil:command-after-event=7" || markOf(c) != apdu {
		t.Errorf("APDU mark %+v: comments %q read back as %+v", apdu, c, markOf(c))
	}
	if m := markOf([]string{"esimhil:command-after-event=7"}); m.OK || m.CommandOK {
		t.Errorf("a command's place alone read as a mark: %+v", m)
	}
	// A SIMtrace receiver's skip before the frame, with or without the
	// frame's own count (lab sniff's file has no events): read back
	// either way; 0 and junk are no skip.
	for _, m := range []Mark{{LostBefore: 3}, {Events: 4, OK: true, LostBefore: 12}} {
		if c := markComments(m); markOf(c) != m || c[len(c)-1] != "esimhil:receiver-skipped="+strconv.Itoa(m.LostBefore) {
			t.Errorf("mark %+v: comments %q read back as %+v", m, c, markOf(c))
		}
	}
	for _, c := range []string{"esimhil:receiver-skipped=0", "esimhil:receiver-skipped=x", "esimhil:receiver-skipped="} {
		if m := markOf([]string{c}); m != (Mark{}) {
			t.Errorf("%q read as %+v", c, m)
		}
	}
	// Datagrams the kernel dropped before the frame (SO_RXQ_OVFL), with
	// or without a count or a skip of the receiver's: read back; 0 and
	// junk are no drop.
	for _, m := range []Mark{{KernelDropped: 48}, {Events: 4, OK: true, KernelDropped: 1}, {LostBefore: 2, KernelDropped: 7}} {
		if c := markComments(m); markOf(c) != m || c[len(c)-1] != KernelDroppedComment {
			t.Errorf("mark %+v: comments %q read back as %+v", m, c, markOf(c))
		}
	}
	for _, c := range []string{"esimhil:kernel-dropped=0", "esimhil:kernel-dropped=-1", "esimhil:kernel-dropped=", KernelDroppedComment} {
		if m := markOf([]string{c}); m != (Mark{}) {
			t.Errorf("%q read as %+v", c, m)
		}
	}
	if _, ok := ParseMark("esimhil:command-after-event=7"); ok {
		t.Error("ParseMark took a command's place for the frame's mark")
	}
}

// Every frame the tap writes carries the event count of its moment, in its
// block's comment, and the decoders read it back: the request's frames
// precede the platform's own event for it (emitted on the server's
// goroutine), its answer's follow, and each datagram sits between the
// events logged around it.
func TestMarksRoundTrip(t *testing.T) {
	sess, p, log, path := markedPlatform(t)
	log.Emit(eventlog.Harness, eventlog.KindRunStarted, nil) // line 1
	sess.SIM().SniffATR(hexdump.Bytes(t, "3B 9A 96 80 1F C7 80 31 E0 73 FE 21 1F 82 90 00 A4"))
	eofClient(t, p.Addr().String(), 0, "/v1/preferred-list", listReq) // line 2: preferred_list_served
	// The card logs line 3 while it handles the command: the datagram,
	// written with the answer, says where the command came.
	sess.SIM().SniffCommand(hexdump.Bytes(t, "80 C2 00 00 03 D7 01 00"))
	log.Emit(eventlog.Harness, eventlog.KindRunStarted, nil) // line 3
	sess.SIM().SniffAPDU(hexdump.Bytes(t, "80 C2 00 00 03 D7 01 00"), hexdump.Bytes(t, "91 0B"))
	p.Close()
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	if evs := log.Events(); len(evs) != 3 || evs[1].Kind != "preferred_list_served" {
		t.Fatalf("events %v", evs)
	}
	ex, dgs, err := ReadEvidence(path, gsmtap.Port, 0)
	if err != nil || len(ex) != 1 || len(dgs.List) != 2 {
		t.Fatalf("%d exchanges, %d datagrams, %v", len(ex), len(dgs.List), err)
	}
	e := ex[0]
	// The test's client dials the server itself, not through the tap:
	// a client out of process, as far as the capture can tell.
	if e.Mark != (Mark{Events: 1, OK: true, Outside: true}) || e.RespMark != (Mark{Events: 2, OK: true, Outside: true}) {
		t.Errorf("request after %+v, answer after %+v; want events 1 and 2", e.Mark, e.RespMark)
	}
	if e.Frame <= dgs.List[0].Frame || e.RespFrame <= e.Frame || dgs.List[1].Frame <= e.RespFrame {
		t.Errorf("frames: ATR %d, request %d, answer %d, APDU %d: not in the order written", dgs.List[0].Frame, e.Frame, e.RespFrame, dgs.List[1].Frame)
	}
	for i, want := range []Mark{{Events: 1, OK: true}, {Events: 3, OK: true, Command: 2, CommandOK: true}} {
		if dgs.List[i].Mark != want {
			t.Errorf("datagram %d marked %+v, want %+v", i, dgs.List[i].Mark, want)
		}
	}
	// Every frame, the handshakes and closes too, is marked, and the marks
	// never go back.
	marks := frameMarks(t, path)
	for i, m := range marks {
		if !m.OK || i > 0 && m.Events < marks[i-1].Events {
			t.Errorf("frame %d: mark %+v after %+v", i+1, m, marks[max(i-1, 0)])
		}
	}
}

// A session without an event count writes no comment, and its frames
// read back unmarked, as do classic pcap files.
func TestUnmarkedSession(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plain.pcapng")
	sess, err := Start(Config{Path: path, Mode: Tap, Clock: clock.NewVirtual(clock.Epoch)})
	if err != nil {
		t.Fatal(err)
	}
	sess.SIM().SniffATR([]byte{0x3B, 0x00})
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	dgs, err := ReadDatagrams(path, gsmtap.Port)
	if err != nil || len(dgs.List) != 1 || dgs.List[0].Mark.OK {
		t.Fatalf("datagrams %+v, %v", dgs.List, err)
	}
}

// frameMarks returns every frame's mark in file order.
func frameMarks(t *testing.T, path string) []Mark {
	t.Helper()
	src := openTestSource(t, path)
	var out []Mark
	for {
		_, _, m, err := src.readMarked()
		if err != nil {
			return out
		}
		out = append(out, m)
	}
}

// A frame's own mark has one maker: no log, no mark; a log, its count at
// the moment, which the command's place then joins (withCommand) only
// when both are known.
func TestEventCountMark(t *testing.T) {
	n := 0
	count := eventCount{n: func() int { n++; return n }}
	if m := count.mark(); m != (Mark{Events: 1, OK: true}) {
		t.Errorf("mark %+v", m)
	}
	if m := (eventCount{}).mark(); m != (Mark{}) {
		t.Errorf("no log: %+v", m)
	}
	if m := withCommand(count.mark(), Mark{Events: 1, OK: true}); m != (Mark{Events: 2, OK: true, Command: 1, CommandOK: true}) {
		t.Errorf("with command: %+v", m)
	}
	if m := withCommand((eventCount{}).mark(), Mark{Events: 1, OK: true}); m != (Mark{}) {
		t.Errorf("command without a log: %+v", m)
	}
	// After the record's end (Config.Ended), every frame says so.
	ended := false
	count = eventCount{n: func() int { return 7 }, ended: func() bool { return ended }}
	if m := count.mark(); m.AfterEnd {
		t.Errorf("before the end: %+v", m)
	}
	ended = true
	if m := count.mark(); m != (Mark{Events: 7, OK: true, AfterEnd: true}) {
		t.Errorf("after the end: %+v", m)
	}
}

// markComments are the EPB comments that carry m, in appendEPB's order,
// written out as a list for pcapgo's writer to encode.
func markComments(m Mark) []string {
	var c []string
	if m.OK {
		c = append(c, MarkComment(m))
		if m.CommandOK {
			c = append(c, commandPrefix+strconv.Itoa(m.Command))
		}
		if m.Outside {
			c = append(c, OutsideComment)
		}
		if m.AfterEnd {
			c = append(c, AfterEndComment)
		}
	}
	if m.LostBefore > 0 {
		c = append(c, lostBeforePrefix+strconv.Itoa(m.LostBefore))
	}
	if m.KernelDropped > 0 {
		c = append(c, kernelDroppedPrefix+strconv.Itoa(m.KernelDropped), KernelDroppedComment)
	}
	if m.Note != "" {
		c = append(c, m.Note)
	}
	return c
}

// The tap's blocks are pcapgo's: appendEPB encodes what
// NgWriter.WritePacketWithOptions writes for a frame and its mark.
func TestEPBAsPcapgo(t *testing.T) {
	marks := []Mark{{}, {Events: 0, OK: true}, {Events: 12345, OK: true}, {Events: 7, OK: true, Command: 3, CommandOK: true},
		{Events: 1 << 40, OK: true, Command: 99999, CommandOK: true},
		{LostBefore: 3}, {Events: 8, OK: true, LostBefore: 1 << 33},
		{Events: 2, OK: true, Outside: true}, {Note: "a note"}, {Events: 5, OK: true, Command: 4, CommandOK: true, Outside: true, LostBefore: 2, Note: "n"},
		{Events: 9, OK: true, AfterEnd: true}, {Events: 6, OK: true, Command: 5, CommandOK: true, Outside: true, AfterEnd: true, LostBefore: 1},
		{KernelDropped: 9}, {Events: 3, OK: true, LostBefore: 4, KernelDropped: 1 << 31, Note: "n"}}
	for size := range 9 {
		for _, m := range marks {
			data := bytes.Repeat([]byte{0xa5}, size)
			ci := gopacket.CaptureInfo{Timestamp: time.Unix(1700000000, 123456789).Add(time.Duration(size)), CaptureLength: size, Length: size + 3}
			var want bytes.Buffer
			w, err := newNgWriter(&want, "tap")
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			head := want.Len()
			var opts pcapgo.NgPacketOptions
			opts.Comments = markComments(m)
			if err := w.WritePacketWithOptions(ci, data, opts); err != nil {
				t.Fatal(err)
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if got := appendEPB([]byte("x"), ci, data, m)[1:]; !bytes.Equal(got, want.Bytes()[head:]) {
				t.Errorf("%d bytes, mark %+v:\n got %x\nwant %x", size, m, got, want.Bytes()[head:])
			}
		}
	}
}

// TestOutsideClientsMarked: the frames of a client the tap did not dial —
// another program, a host LPA — carry OutsideComment, and the decoders set
// Mark.Outside on its exchange; a connection dialed through the tap (the
// card's BIP, WrapDial) is not so marked (outside tester sw91: a host
// LPA's ES9+ drawn as the card's).
func TestOutsideClientsMarked(t *testing.T) {
	sess, p, log, path := markedPlatform(t)
	log.Emit(eventlog.Harness, eventlog.KindRunStarted, nil)
	dial := sess.WrapDial(net.Dial)
	for _, d := range []func(network, address string) (net.Conn, error){dial, net.Dial} {
		c, err := d("tcp", p.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		req := "POST /v1/preferred-list HTTP/1.1\r\nHost: platform\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
			strconv.Itoa(len(listReq)) + "\r\n\r\n" + listReq
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadAll(c); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	p.Close()
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	ex, _, err := ReadEvidence(path, gsmtap.Port, 0)
	if err != nil || len(ex) != 2 {
		t.Fatalf("%d exchanges, %v", len(ex), err)
	}
	if ex[0].Mark.Outside || !ex[1].Mark.Outside || ex[0].RespMark.Outside || !ex[1].RespMark.Outside {
		t.Errorf("outside: dialed through the tap %v, dialed on its own %v (answers %v, %v); want false, true (false, true)",
			ex[0].Mark.Outside, ex[1].Mark.Outside, ex[0].RespMark.Outside, ex[1].RespMark.Outside)
	}
}

// markedPlatform starts a tap session whose frames carry the marks of
// log, and a platform served through it; path is the capture's file.
func markedPlatform(t *testing.T) (*Session, *platform.Server, *eventlog.Log, string) {
	t.Helper()
	clk := clock.NewVirtual(clock.Epoch)
	log := eventlog.New(clk.Now)
	path := filepath.Join(t.TempDir(), "marked.pcapng")
	sess, err := Start(Config{Path: path, Mode: Tap, Clock: clk, Events: log.Count})
	if err != nil {
		t.Fatal(err)
	}
	p, err := platform.New(platform.Config{
		Operators: []platform.Operator{{ID: "orange-fr", PLMN: "20801", Country: "FR", Tariff: 0.8}},
		Preferred: map[string][]string{"FR": {"orange-fr"}},
		Clock:     clk,
		Log:       log,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start("127.0.0.1:0", sess.Wrap); err != nil {
		t.Fatal(err)
	}
	return sess, p, log, path
}
