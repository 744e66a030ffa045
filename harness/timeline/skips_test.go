package timeline

import (
	"bytes"
	"encoding/binary"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/esimhil/esimhil/internal/codec/gsmtap"
	"github.com/esimhil/esimhil/internal/hexdump"
)

// simFrame is one frame of a SIMtrace2's capture: GSMTAP payload from
// 192.168.7.20:41729 to port 4729 over Ethernet and IPv4, or a piece of
// it (the IP payload from byte off, more fragments to come); snap keeps
// the frame's first snap bytes.
type simFrame struct {
	gsmtap   []byte
	id       uint16
	off, end int // the piece of the UDP datagram this frame carries ([0, 0): all)
	more     bool
	snap     int
}

// simCapture writes frames as a pcapng, 1 ms apart.
func simCapture(t *testing.T, dir string, frames []simFrame) {
	var buf bytes.Buffer
	w, err := pcapgo.NewNgWriter(&buf, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC)
	for i, f := range frames {
		udp := make([]byte, 8, 8+len(f.gsmtap))
		binary.BigEndian.PutUint16(udp[0:], 41729)
		binary.BigEndian.PutUint16(udp[2:], gsmtap.Port)
		binary.BigEndian.PutUint16(udp[4:], uint16(8+len(f.gsmtap)))
		udp = append(udp, f.gsmtap...)
		ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolUDP, Id: f.id,
			SrcIP: net.IPv4(192, 168, 7, 20), DstIP: net.IPv4(192, 168, 7, 1), FragOffset: uint16(f.off / 8)}
		if f.more {
			ip.Flags = layers.IPv4MoreFragments
		}
		if f.end > 0 {
			udp = udp[f.off:f.end]
		}
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
		b := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(b, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, gopacket.Payload(udp)); err != nil {
			t.Fatal(err)
		}
		p := b.Bytes()
		n := len(p)
		if f.snap > 0 {
			p = p[:f.snap]
		}
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(p), Length: n}, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "traffic.pcapng"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestAPDULaneSaysEverySkip: the page's "incomplete or approximate" box
// names every kind of datagram skipped on GSMTAP's port — cut short by
// the capture, IP fragments not reassembled, not GSMTAP — with its count
// and frames, beside the lane's own warnings (outside tester t72 F3); a
// datagram in IP fragments is put together and drawn at the frame that
// completed it, and a chain a skipped datagram broke claims no whole
// answer (F2).
func TestAPDULaneSaysEverySkip(t *testing.T) {
	sim := func(sub uint8, h string) []byte {
		return append(gsmtap.SIMHeader(sub).Append(nil), hexdump.Bytes(t, h)...)
	}
	part1 := sim(gsmtap.SubAPDU, "01 C0 00 00 00 "+strings.Repeat("E3 ", 256)+"61 10")
	part2 := sim(gsmtap.SubAPDU, "01 C0 00 00 10 "+strings.Repeat("E3 ", 16)+"90 00")
	frames := []simFrame{
		{gsmtap: sim(gsmtap.SubATR, "3B 00")},                          // 1
		{gsmtap: sim(gsmtap.SubAPDU, "81 E2 91 00 03 BF 2D 00 61 00")}, // 2
		{gsmtap: part1, id: 7, off: 0, end: 200, more: true},           // 3: put together at 4
		{gsmtap: part1, id: 7, off: 200, end: 8 + len(part1)},          // 4
		{gsmtap: part2}, // 5: the chain's whole answer
		{gsmtap: sim(gsmtap.SubAPDU, "81 E2 91 00 03 BF 2D 00 61 00")}, // 6
		{gsmtap: part1, snap: 80},                                      // 7: cut short
		{gsmtap: part2},                                                // 8: no whole answer
		{gsmtap: sim(gsmtap.SubAPDU, "81 E2 91 00 03 BF 2D 00 61 00")}, // 9
		{gsmtap: part1, id: 9, off: 0, end: 200, more: true},           // 10: its end never comes
		{gsmtap: part2},                                       // 11: no whole answer
		{gsmtap: []byte("not GSMTAP")},                        // 12
		{gsmtap: sim(gsmtap.SubAPDU, "82 E2 91 00 06 68 81")}, // 13: refused after its header (F1)
	}
	dir := writeArtifacts(t, map[string]string{"events.jsonl": `{"t":"2026-01-01T00:00:00Z","actor":"harness","event":"run_started","scenario":"x","seed":1}` + "\n"})
	simCapture(t, dir, frames)
	tl, err := Build(dir, Run{Name: "x"})
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]Item{}
	for _, it := range tl.Items {
		if it.Kind == KindAPDU {
			rows[it.Source] = it
		}
	}
	for frame, want := range map[string]string{
		"traffic.pcapng frame 2":  "whole answer (through GET RESPONSE)",
		"traffic.pcapng frame 4":  "GET RESPONSE [ch 1] 6110",
		"traffic.pcapng frame 13": "STORE DATA [ch 2] 6881",
	} {
		if it, ok := rows[frame]; !ok || !strings.Contains(it.Label+"\n"+it.Detail, want) {
			t.Errorf("%s: %q, want %q in it", frame, it.Label+"\n"+it.Detail, want)
		}
	}
	for _, frame := range []string{"traffic.pcapng frame 6", "traffic.pcapng frame 9"} {
		if it := rows[frame]; strings.Contains(it.Detail, "whole answer") {
			t.Errorf("%s claims a whole answer past a lost datagram:\n%s", frame, it.Detail)
		}
	}
	if it := rows["traffic.pcapng frame 13"]; !it.Failed {
		t.Errorf("the refused STORE DATA is not drawn failed")
	}
	notes := strings.Join(tl.Notes, "\n")
	for _, want := range []string{
		"traffic.pcapng: datagrams on GSMTAP's port 4729 skipped: 1 datagram cut short by the capture (frame 7), 1 datagram in IP fragments not reassembled (frame 10), 1 not GSMTAP (frame 12)",
		"traffic.pcapng: APDU lane 192.168.7.20:41729: 2 sniffer started mid-session (frames 8, 11)",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes\n%s\nlack\n%s", notes, want)
		}
	}
}

// TestAPDULanePartialAnswer: after a datagram lost inside a 61xx chain,
// the rows of the GET RESPONSEs that follow show the end of an answer as
// partial, never as the whole answer, and the first one's row says where
// the loss was — on the page, not only in the lane's warning list
// (outside tester t83 F3: a 617-byte answer's last 361 bytes drawn as the
// "whole answer", and "just after the datagram skipped at frame N" on no
// row).
func TestAPDULanePartialAnswer(t *testing.T) {
	sim := func(sub uint8, h string) []byte {
		return append(gsmtap.SIMHeader(sub).Append(nil), hexdump.Bytes(t, h)...)
	}
	gr1 := sim(gsmtap.SubAPDU, "01 C0 00 00 00 "+strings.Repeat("A1 ", 256)+"61 00")
	gr2 := sim(gsmtap.SubAPDU, "01 C0 00 00 00 "+strings.Repeat("B2 ", 256)+"61 69")
	gr3 := sim(gsmtap.SubAPDU, "01 C0 00 00 69 "+strings.Repeat("C3 ", 105)+"90 00")
	for _, tc := range []struct {
		name  string
		lost  simFrame // frame 4, between the first and the second GET RESPONSE's
		which string   // what the warning names
	}{
		{"the first GET RESPONSE cut short by the capture", simFrame{gsmtap: gr1, snap: 60}, "the datagram skipped at frame 4"},
		{"a datagram not GSMTAP after the first GET RESPONSE", simFrame{gsmtap: []byte("not GSMTAP")}, "the datagram skipped at frame 5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			frames := []simFrame{
				{gsmtap: sim(gsmtap.SubATR, "3B 00")},                          // 1
				{gsmtap: sim(gsmtap.SubAPDU, "00 70 00 00 01 01 90 00")},       // 2
				{gsmtap: sim(gsmtap.SubAPDU, "81 E2 91 00 03 BF 2D 00 61 00")}, // 3
				tc.lost,       // 4
				{gsmtap: gr2}, // 5 (6)
				{gsmtap: gr3}, // 6 (7)
			}
			if tc.lost.snap == 0 { // the loss comes after the first part
				frames = append(frames[:3], append([]simFrame{{gsmtap: gr1}}, frames[3:]...)...)
			}
			dir := writeArtifacts(t, map[string]string{"events.jsonl": `{"t":"2026-01-01T00:00:00Z","actor":"harness","event":"run_started","scenario":"x","seed":1}` + "\n"})
			simCapture(t, dir, frames)
			tl, err := Build(dir, Run{Name: "x"})
			if err != nil {
				t.Fatal(err)
			}
			var rows []Item
			var all strings.Builder
			for _, it := range tl.Items {
				if it.Kind == KindAPDU {
					rows = append(rows, it)
					all.WriteString(it.Source + ": " + it.Label + "\n" + it.Detail + "\n")
				}
			}
			if strings.Contains(all.String(), "whole answer") {
				t.Errorf("a whole answer is claimed across the loss:\n%s", all.String())
			}
			flagged, last := rows[len(rows)-2], rows[len(rows)-1]
			for _, want := range []string{
				"partial answer (its start is not in the trace) " + strings.Repeat("B2", 256) + strings.Repeat("C3", 105) + " 9000",
				"warning: sniffer started mid-session: GET RESPONSE on channel 1 with no 61xx before it (just after " + tc.which + ")",
			} {
				if !strings.Contains(flagged.Detail, want) {
					t.Errorf("%s's detail lacks %q:\n%s", flagged.Source, want, flagged.Detail)
				}
			}
			if want := "GET RESPONSE [ch 1] 9000 · partial answer (its start is not in the trace), not decoded"; last.Label != want || last.Failed {
				t.Errorf("%s: %q failed %v, want %q", last.Source, last.Label, last.Failed, want)
			}
		})
	}
}
