package main

import (
	"bytes"
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/simtrace"
	"github.com/esimhil/esimhil/internal/codec/gsmtap"
	"github.com/esimhil/esimhil/internal/hexdump"
)

type discardSink struct{}

func (discardSink) WriteDatagram(time.Time, netip.AddrPort, netip.AddrPort, []byte) error { return nil }

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
	if sd := l.APDUs[0]; sd.Answered || l.APDUs[1].Outcome != "" {
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
	if w := l.Warnings(); len(w) != 1 || !strings.Contains(w[0].Detail, "just after a datagram the receiver skipped") {
		t.Errorf("lane warnings %v", w)
	}
}
