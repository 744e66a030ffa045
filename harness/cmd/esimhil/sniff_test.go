package main

import (
	"bytes"
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/simtrace"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/gsmtap"
	"github.com/esimhil/esimhil/internal/hexdump"
)

type discardSink struct{}

func (discardSink) WriteDatagramAfterLoss(time.Time, netip.AddrPort, netip.AddrPort, []byte, int, int) error {
	return nil
}

// `lab sniff`'s view of the lane: a datagram the receiver skipped that
// may have carried an exchange ends what was on its way, so the GET
// RESPONSE after it is not the whole answer, and the summary names the
// frames of each kind of skip (outside tester t72 F2, F3).
func TestLabSniffSaysWhatItSkipped(t *testing.T) {
	sim := func(sub uint8, h string) []byte {
		return append(gsmtap.SIMHeader(sub).Append(nil), hexdump.Bytes(t, h)...)
	}
	var out bytes.Buffer
	view := &laneView{sink: discardSink{}, tr: &simtrace.Trace{}, out: &out}
	rx, err := simtrace.Listen("udp://127.0.0.1:0", view)
	if err != nil {
		t.Fatal(err)
	}
	p, err := simtrace.NewReplayer(rx.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	stream := [][]byte{
		sim(gsmtap.SubATR, "3B 00"),
		sim(gsmtap.SubAPDU, "81 E2 91 00 03 BF 2D 00 61 03"),
		[]byte("not GSMTAP"), // the chain's first GET RESPONSE, garbled
		sim(gsmtap.SubAPDU, "01 C0 00 00 03 BF 2D 00 90 00"),
	}
	if err := p.Replay(context.Background(), stream); err != nil {
		t.Fatal(err)
	}
	if err := rx.Close(); err != nil {
		t.Fatal(err)
	}
	l := view.tr.Lane(p.From())
	if l == nil || len(l.APDUs) != 2 {
		t.Fatalf("lane %v", l)
	}
	if sd := l.APDUs[0]; sd.Answered || l.APDUs[1].Outcome != apdu.PartialAnswer {
		t.Errorf("the answer is whole across a skipped datagram: %q, then %q", sd.Detail(), l.APDUs[1])
	}
	var sum bytes.Buffer
	sum.WriteString(rx.Stats().String() + "\n")
	view.summary(&sum)
	for _, want := range []string{
		"4 datagrams received, 3 GSMTAP SIM merged into the capture, 1 skipped (1 not GSMTAP (received datagram 3))",
		"1 sniffer started mid-session (frame 3)",
	} {
		if !strings.Contains(sum.String(), want) {
			t.Errorf("summary\n%s\nlacks %q", sum.String(), want)
		}
	}
	if w := l.Warnings(); len(w) != 1 || !strings.Contains(w[0].Detail, "just after received datagram 3, which the receiver skipped") {
		t.Errorf("lane warnings %v", w)
	}
}

// TestLabSniffFlagsTheRowAfterALoss: `lab sniff`'s live lines say, under
// the GET RESPONSE after a loss, why it is flagged and where the loss was
// — the datagram the lane skipped by its frame in the capture, or the one
// the receiver skipped by its number received — and the chain's end is a
// partial answer, not decoded (outside tester t83 F3: only "sniffer
// started mid-session (frames 6)" at the end).
func TestLabSniffFlagsTheRowAfterALoss(t *testing.T) {
	sim := func(sub uint8, h string) []byte {
		return append(gsmtap.SIMHeader(sub).Append(nil), hexdump.Bytes(t, h)...)
	}
	src := netip.MustParseAddrPort("192.0.2.7:41729")
	dst := netip.MustParseAddrPort("192.0.2.1:4729")
	for _, tc := range []struct {
		name       string
		lose       func(v *laneView) // between the first GET RESPONSE and the second
		lostBefore int               // the receiver's skip, named on the second's frame
		kernel     int               // datagrams the kernel dropped before the second
		want       string
	}{
		{"the receiver skipped one", func(*laneView) {}, 5, 0,
			"    warning: sniffer started mid-session: GET RESPONSE on channel 1 with no 61xx before it (just after received datagram 5, which the receiver skipped)\n"},
		{"the lane skipped one (an APDU without its answer)", func(v *laneView) {
			_ = v.WriteDatagramAfterLoss(time.Time{}, src, dst, sim(gsmtap.SubAPDU, "01 C0 00 00 00 E3"), 0, 0)
		}, 0, 0, "    warning: sniffer started mid-session: GET RESPONSE on channel 1 with no 61xx before it (just after the datagram skipped at frame 4)\n"},
		// Whose datagrams the kernel dropped is unknown: every lane's
		// chain ends (SO_RXQ_OVFL, outside tester t241).
		{"the kernel dropped seven", func(*laneView) {}, 0, 7,
			"    warning: sniffer started mid-session: GET RESPONSE on channel 1 with no 61xx before it (just after 7 datagrams dropped by the kernel's receive buffer before frame 4)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			v := &laneView{sink: discardSink{}, tr: &simtrace.Trace{}, out: &out}
			_ = v.WriteDatagramAfterLoss(time.Time{}, src, dst, sim(gsmtap.SubATR, "3B 00"), 0, 0)
			for _, h := range []string{"81 E2 91 00 03 BF 3E 00 61 00", "01 C0 00 00 00 " + strings.Repeat("AA ", 256) + "61 16"} {
				_ = v.WriteDatagramAfterLoss(time.Time{}, src, dst, sim(gsmtap.SubAPDU, h), 0, 0)
			}
			tc.lose(v)
			for i, h := range []string{"01 C0 00 00 00 " + strings.Repeat("BB ", 256) + "61 02", "01 C0 00 00 02 CC CC 90 00"} {
				lost, kernel := 0, 0
				if i == 0 {
					lost, kernel = tc.lostBefore, tc.kernel
				}
				_ = v.WriteDatagramAfterLoss(time.Time{}, src, dst, sim(gsmtap.SubAPDU, h), lost, kernel)
			}
			got := out.String()
			lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
			if !strings.Contains(got, "GET RESPONSE [ch 1] 6102\n"+tc.want) {
				t.Errorf("output\n%s\nlacks, under the flagged GET RESPONSE,\n%s", got, tc.want)
			}
			if last := lines[len(lines)-1]; !strings.HasSuffix(last, "GET RESPONSE [ch 1] 9000 · partial answer (its start is not in the trace), not decoded") {
				t.Errorf("the chain's end: %q", last)
			}
			if tc.kernel == 0 {
				return
			}
			// Said as it happens, in the lane's words, and in the summary,
			// never silently.
			const said = "7 datagrams dropped by the kernel's receive buffer before frame 4"
			if !strings.Contains(got, " warning: "+said+", of senders unknown: what was on its way on every lane ends there\n") {
				t.Errorf("output\n%s\nlacks the live line", got)
			}
			for _, l := range v.tr.Lanes {
				for _, w := range l.Warnings() {
					if w.Kind == simtrace.KernelDropped && !strings.Contains(got, " warning: "+w.Detail+"\n") {
						t.Errorf("the live line is not the lane's warning %q:\n%s", w.Detail, got)
					}
				}
			}
			var sum bytes.Buffer
			v.summary(&sum)
			if !strings.Contains(sum.String(), "lost: "+said+"\n") || !strings.Contains(sum.String(), "1 overflow of the kernel's receive buffer (frame 4)") {
				t.Errorf("summary\n%s", sum.String())
			}
		})
	}
}

// endSink is a capture that keeps the drops it is told it ends with.
type endSink struct {
	discardSink
	dropped *int
}

func (s endSink) KernelDroppedAtEnd(_ time.Time, n int) { *s.dropped = n }

// Drops after the last datagram (told at the receiver's close) reach the
// capture and `lab sniff`'s summary, and end the chain on its way.
func TestLabSniffSaysDropsAfterTheLast(t *testing.T) {
	src := netip.MustParseAddrPort("127.0.0.1:40000")
	dst := netip.MustParseAddrPort("127.0.0.1:4729")
	sim := func(sub uint8, h string) []byte {
		return append(gsmtap.SIMHeader(sub).Append(nil), hexdump.Bytes(t, h)...)
	}
	var out, sum bytes.Buffer
	var dropped int
	v := &laneView{sink: endSink{dropped: &dropped}, tr: &simtrace.Trace{}, out: &out}
	_ = v.WriteDatagramAfterLoss(time.Time{}, src, dst, sim(gsmtap.SubATR, "3B 00"), 0, 0)
	_ = v.WriteDatagramAfterLoss(time.Time{}, src, dst, sim(gsmtap.SubAPDU, "81 E2 91 00 03 BF 3E 00 61 00"), 0, 0)
	v.KernelDroppedAtEnd(time.Now(), 3)
	v.summary(&sum)
	if dropped != 3 {
		t.Errorf("the capture was told %d dropped at its end, want 3", dropped)
	}
	if want := "lost: 3 datagrams dropped by the kernel's receive buffer after the last frame\n"; !strings.Contains(sum.String(), want) ||
		!strings.Contains(sum.String(), "1 overflow of the kernel's receive buffer (frame 2)") {
		t.Errorf("summary\n%s\nwant %q and the lane's warning at frame 2", sum.String(), want)
	}
}
