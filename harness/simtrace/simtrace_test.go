package simtrace

import (
	"bytes"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/gsmtap"
	"github.com/esimhil/esimhil/internal/codec/stk"
	"github.com/esimhil/esimhil/internal/hexdump"
)

var (
	sniffer = netip.MustParseAddrPort("192.0.2.7:41729")
	t0      = time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
)

// sim is a GSMTAP SIM datagram of sub-type sub carrying hex.
func sim(t *testing.T, sub uint8, hex string) []byte {
	return append(gsmtap.SIMHeader(sub).Append(nil), hexdump.Bytes(t, hex)...)
}

// decode is Decode of a capture's datagrams, none skipped at its end.
func decode(dgs []capture.Datagram) *Trace { return Decode(capture.Datagrams{List: dgs}) }

// stream makes datagrams from one sniffer, 1 ms apart.
func stream(payloads ...[]byte) []capture.Datagram {
	out := make([]capture.Datagram, len(payloads))
	for i, p := range payloads {
		out[i] = capture.Datagram{Frame: i + 1, Time: t0.Add(time.Duration(i) * time.Millisecond), Src: sniffer,
			Dst: netip.AddrPortFrom(sniffer.Addr(), gsmtap.Port), Payload: p}
	}
	return out
}

// A session as a SIMtrace2 on T=0 records it: ATR, TERMINAL PROFILE, a
// proactive command and its answer, an envelope, an ES10 request in two
// STORE DATA blocks answered through two GET RESPONSEs, a SELECT whose FCP
// comes through GET RESPONSE.
func TestDecodeTyped(t *testing.T) {
	tr := decode(stream(
		sim(t, gsmtap.SubATR, "3B 9A 96 80 1F C7 80 31 E0 73 FE 21 1F 82 90 00 A4"),
		sim(t, gsmtap.SubAPDU, "80 10 00 00 03 FF FF FF 91 10"),
		sim(t, gsmtap.SubAPDU, "80 12 00 00 0B D0 09 81 03 01 01 09 82 02 81 82 90 00"),
		sim(t, gsmtap.SubAPDU, "80 14 00 00 0C 81 03 01 01 09 82 02 82 81 83 01 00 90 00"),
		sim(t, gsmtap.SubAPDU, "80 C2 00 00 0E D7 0C 82 02 82 81 24 01 01 25 03 00 00 00 90 00"),
		sim(t, gsmtap.SubAPDU, "81 E2 11 00 02 BF 31 90 00"),
		sim(t, gsmtap.SubAPDU, "81 E2 91 01 03 03 A0 00 61 02"),
		sim(t, gsmtap.SubAPDU, "01 C0 00 00 02 BF 31 61 03"),
		sim(t, gsmtap.SubAPDU, "01 C0 00 00 03 03 80 01 91 0B"),
		sim(t, gsmtap.SubAPDU, "00 A4 00 04 02 3F 00 61 03"),
		sim(t, gsmtap.SubAPDU, "00 C0 00 00 03 62 01 00 90 00"),
	))
	l, err := tr.Only()
	if err != nil {
		t.Fatal(err)
	}
	if tr.Total() != 0 || l.Source != sniffer || len(l.ATRs) != 1 || len(l.APDUs) != 10 {
		t.Fatalf("lane from %s: %d ATRs, %d APDUs, warnings %q", l.Source, len(l.ATRs), len(l.APDUs), l.Summary())
	}
	a := l.APDUs
	want := []string{
		"TERMINAL PROFILE 9110",
		"FETCH REFRESH 09 (eUICC profile state change) 9000",
		"TERMINAL RESPONSE REFRESH: 00 9000",
		"ENVELOPE timer expiration (timer 1) 9000",
		"STORE DATA [ch 1] EnableProfile (block 0) 9000",
		"STORE DATA [ch 1] EnableProfile (block 1) 6102",
		"GET RESPONSE [ch 1] 6103",
		"GET RESPONSE [ch 1] 910B",
		"SELECT 3F00 6103",
		"GET RESPONSE 9000",
	}
	for i, w := range want {
		if got := a[i].String(); got != w {
			t.Errorf("APDU %d: %q, want %q", i, got, w)
		}
	}
	if !a[1].IsProactive(stk.CmdRefresh) || a[1].Qualifier() != stk.RefreshEUICCProfileChange {
		t.Errorf("FETCH %+v", a[1].Proactive)
	}
	if a[2].TR == nil || !a[2].TR.Result.OK() || a[2].Qualifier() != 9 {
		t.Errorf("TERMINAL RESPONSE %+v", a[2].TR)
	}
	if sd := a[5]; !sd.Last || !sd.Answered || sd.AnswerSW != 0x910B || !bytes.Equal(sd.Answer, hexdump.Bytes(t, "BF 31 03 80 01")) {
		t.Errorf("EnableProfile answer %X %04X answered %v", sd.Answer, sd.AnswerSW, sd.Answered)
	}
	if a[6].For != 5 || a[7].For != 5 || a[9].For != 8 {
		t.Errorf("GET RESPONSE continues %d, %d, %d; want 5, 5, 8", a[6].For, a[7].For, a[9].For)
	}
	if sel := a[8]; sel.File != 0x3F00 || !bytes.Equal(sel.Answer, []byte{0x62, 0x01, 0x00}) {
		t.Errorf("SELECT file %04X answer %X", sel.File, sel.Answer)
	}
	for i, w := range map[int]string{
		1: "proactive command 1: REFRESH 09 (eUICC profile state change), qualifier 09",
		5: "whole answer (through GET RESPONSE) BF31038001 910B",
		8: "command  00 A4 00 04 02 3F00",
	} {
		if !strings.Contains(a[i].Detail(), w) {
			t.Errorf("APDU %d detail %q lacks %q", i, a[i].Detail(), w)
		}
	}
	for _, x := range a {
		if !x.OK() {
			t.Errorf("%s is not a normal ending", x)
		}
	}
	if (APDU{APDU: gsmtap.APDU{SW: 0x6A82}}).OK() {
		t.Error("6A82 is a normal ending")
	}
}

// A SELECT shows the file it names, however P1 names it — by path from
// the MF, as a modem reads ADF/EF.EPSLOCI, too (outside tester sw127 F11).
func TestSelectNamesItsFile(t *testing.T) {
	for _, tc := range []struct{ apdu, want string }{
		{"00 A4 00 04 02 3F 00 90 00", "SELECT 3F00 9000"},
		{"00 A4 08 0C 04 7F FF 6F E3 90 00", "SELECT 3F00/7FFF/6FE3 9000"},
		{"00 A4 09 0C 04 5F 3A 4F 09 6A 82", "SELECT ./5F3A/4F09 6A82"},
		{"01 A4 04 00 10 A0 00 00 05 59 10 10 FF FF FF FF 89 00 00 01 00 90 00", "SELECT [ch 1] ISD-R 9000"},
		{"00 A4 04 00 07 A0 00 00 00 87 10 02 90 00", "SELECT A0000000871002 9000"}, // the USIM: its AID
		{"00 A4 03 0C 00 90 00", "SELECT parent DF 9000"},
		// The MF's own id in a path from the MF is flagged, not doubled
		// (outside tester sw130 N9).
		{"00 A4 08 0C 06 3F 00 7F FF 6F E3 6A 82", "SELECT path 3F00/7FFF/6FE3 from the MF, naming the MF's own 3F00 (TS 102 221 §11.1.1.2 excludes it) 6A82"},
	} {
		tr := decode(stream(sim(t, gsmtap.SubATR, "3B 00"), sim(t, gsmtap.SubAPDU, tc.apdu)))
		l, err := tr.Only()
		if err != nil || len(l.APDUs) != 1 {
			t.Fatalf("%s: %v, %d APDUs (%s)", tc.apdu, err, len(l.APDUs), l.Summary())
		}
		if got := l.APDUs[0].String(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.apdu, got, tc.want)
		}
	}
}

// Bad input on GSMTAP's port: each is skipped or flagged with a counted
// warning in the protocol's terms, and the rest of the lane decodes.
func TestDecodeBadInput(t *testing.T) {
	tests := []struct {
		name string
		dg   func(t *testing.T) []byte
		kind Kind
		kept bool // the APDU stays on the lane
	}{
		{"a truncated datagram", func(t *testing.T) []byte { return []byte{0x02, 0x04, 0x04} }, NotGSMTAP, false},
		{"a foreign datagram (DNS)", func(t *testing.T) []byte {
			return hexdump.Bytes(t, "1234 0100 0001 0000 0000 0000 03777777 00 0001 0001")
		}, NotGSMTAP, false},
		{"GSMTAPv3", func(t *testing.T) []byte { return hexdump.Bytes(t, "03 00 0008 0004 0000 0000") }, NotGSMTAP, false},
		{"GSMTAP of another type (GSM Um)", func(t *testing.T) []byte {
			return hexdump.Bytes(t, "02 04 01 00 0001 C4 1E 00000000 01 00 00 00 06 12 00 00")
		}, OtherType, false},
		{"GSMTAP SIM PPS", func(t *testing.T) []byte { return sim(t, gsmtap.SubPPSReq, "FF 10 96 79") }, OtherSubType, false},
		{"an APDU without response", func(t *testing.T) []byte { return sim(t, gsmtap.SubAPDU, "80 C2 00 00 03 D7 01 00") }, NoResponse, false},
		{"an APDU cut short", func(t *testing.T) []byte { return sim(t, gsmtap.SubAPDU, "80 C2 00 00 09 D7 01 00 90 00") }, BadAPDU, false},
		{"a FETCH that is no proactive command", func(t *testing.T) []byte { return sim(t, gsmtap.SubAPDU, "80 12 00 00 03 D0 05 81 90 00") }, Undecoded, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := decode(stream(
				sim(t, gsmtap.SubATR, "3B 00"),
				sim(t, gsmtap.SubAPDU, "80 10 00 00 01 FF 90 00"),
				tc.dg(t),
				sim(t, gsmtap.SubAPDU, "80 C2 00 00 0E D7 0C 82 02 82 81 24 01 01 25 03 00 00 00 90 00"),
			))
			if tr.CountAll(tc.kind) != 1 {
				t.Fatalf("%s counted %d times; warnings %q", tc.kind, tr.CountAll(tc.kind), tr.Summary()+"|"+laneSummary(tr))
			}
			l := tr.Lanes[0]
			n := 2
			if tc.kept {
				n = 3
			}
			if len(l.APDUs) != n || l.APDUs[len(l.APDUs)-1].Envelope == nil {
				t.Errorf("%d APDUs (want %d), the envelope after the bad datagram: %v", len(l.APDUs), n, l.APDUs)
			}
			ws := append(tr.Warnings(), l.Warnings()...)
			if len(ws) != 1 || ws[0].Frame != 3 || !strings.Contains(ws[0].String(), "frame 3") {
				t.Errorf("warnings %v, want one on frame 3", ws)
			}
		})
	}
}

func laneSummary(tr *Trace) string {
	var s []string
	for _, l := range tr.Lanes {
		s = append(s, l.Summary())
	}
	return strings.Join(s, ";")
}

// A sniffer started mid-session: no ATR, a GET RESPONSE without its 61xx,
// a STORE DATA block without the first, a TERMINAL RESPONSE without its
// FETCH. Each is counted; the APDUs stay, typed as far as they go.
func TestDecodeMidSession(t *testing.T) {
	tr := decode(stream(
		sim(t, gsmtap.SubAPDU, "01 C0 00 00 02 BF 31 90 00"),
		sim(t, gsmtap.SubAPDU, "81 E2 91 02 01 00 90 00"),
		sim(t, gsmtap.SubAPDU, "80 14 00 00 0C 81 03 01 26 00 82 02 82 81 83 01 00 90 00"),
		sim(t, gsmtap.SubAPDU, "80 12 00 00 0B D0 09 81 03 02 01 04 82 02 81 82 90 00"),
	))
	l, err := tr.Only()
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Count(MidSession); got != 4 {
		t.Errorf("%d mid-session warnings, want 4 (no ATR, GET RESPONSE, STORE DATA, TERMINAL RESPONSE): %v", got, l.Warnings())
	}
	if len(l.APDUs) != 4 || l.APDUs[0].For != -1 || l.APDUs[1].ES10 != "" || l.APDUs[2].TR == nil || !l.APDUs[3].IsProactive(stk.CmdRefresh) {
		t.Errorf("lane %v", l.APDUs)
	}
}

// Datagrams of two sniffers make two lanes; Only refuses to pick.
func TestDecodeTwoSniffers(t *testing.T) {
	dgs := stream(sim(t, gsmtap.SubATR, "3B 00"), sim(t, gsmtap.SubATR, "3B 00"))
	dgs[1].Src = netip.MustParseAddrPort("192.0.2.8:41729")
	tr := decode(dgs)
	if len(tr.Lanes) != 2 || tr.Lane(dgs[1].Src) == nil {
		t.Fatalf("%d lanes", len(tr.Lanes))
	}
	if _, err := tr.Only(); err == nil || !strings.Contains(err.Error(), "2 sniffers") {
		t.Errorf("Only: %v", err)
	}
	if _, err := decode(nil).Only(); err == nil || !strings.Contains(err.Error(), "no GSMTAP SIM") {
		t.Errorf("Only on nothing: %v", err)
	}
}

// Warnings are bounded; counts are not.
func TestWarningsBounded(t *testing.T) {
	var p [][]byte
	for range MaxWarnings * 3 {
		p = append(p, []byte{1})
	}
	tr := decode(stream(p...))
	if tr.Count(NotGSMTAP) != MaxWarnings*3 || len(tr.Warnings()) != MaxWarnings {
		t.Errorf("%d counted, %d kept", tr.Count(NotGSMTAP), len(tr.Warnings()))
	}
}

// TestStoreDataSequence: the lane follows an ES10 request's STORE DATA
// blocks as every reader of a trace does (es10.StoreData): the block a
// 6Cxx has sent again is that block, named and no warning (TS 102 221
// §7.3.1.1.4); a SELECT on the channel, or its close, ends the request, so
// a block after it belongs to none; a block out of sequence says which
// the card expected.
func TestStoreDataSequence(t *testing.T) {
	const (
		block0 = "81 E2 11 00 02 BF 31 90 00"
		last   = "81 E2 91 01 03 03 A0 00"
	)
	for _, tc := range []struct {
		name  string
		apdus []string
		want  string // the last APDU's String
		warns []string
	}{
		{"the last block again after 6Cxx", []string{block0, last + " 6C 05", last + " BF 31 03 80 01 00 90 00"},
			"STORE DATA [ch 1] EnableProfile (block 1) 9000 · enableResult 0 ok", nil},
		{"a SELECT between two blocks", []string{block0, "01 A4 04 00 10 A0 00 00 05 59 10 10 FF FF FF FF 89 00 00 01 00 90 00", last + " 90 00"},
			"STORE DATA [ch 1] 9000", []string{"STORE DATA block 1 on channel 1 without the blocks before it"}},
		{"the channel closed from channel 0", []string{block0, "00 70 80 01 00 90 00", last + " 90 00"},
			"STORE DATA [ch 1] 9000", []string{"STORE DATA block 1 on channel 1 without the blocks before it"}},
		{"another channel closed", []string{block0, "00 70 80 02 00 90 00", last + " 90 00"},
			"STORE DATA [ch 1] EnableProfile (block 1) 9000", nil},
		{"a block out of sequence", []string{block0, "81 E2 91 02 01 00 90 00"},
			"STORE DATA [ch 1] 9000", []string{"STORE DATA block 2 on channel 1 out of sequence (block 1 expected)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dgs := [][]byte{sim(t, gsmtap.SubATR, "3B 00")}
			for _, a := range tc.apdus {
				dgs = append(dgs, sim(t, gsmtap.SubAPDU, a))
			}
			l, err := decode(stream(dgs...)).Only()
			if err != nil {
				t.Fatal(err)
			}
			if got := l.APDUs[len(l.APDUs)-1].String(); got != tc.want {
				t.Errorf("%q, want %q", got, tc.want)
			}
			var warns []string
			for _, w := range l.Warnings() {
				warns = append(warns, w.Detail)
			}
			if strings.Join(warns, "|") != strings.Join(tc.warns, "|") {
				t.Errorf("warnings %q, want %q", warns, tc.warns)
			}
		})
	}
}

// A 61xx chain that never ends is cut at apdu.MaxAnswer, and the lane
// says so rather than decode its first 64 KiB as the answer (reviewer
// r65 #4), as the field-log reader and the AT lane say.
func TestEndlessChainNotDecoded(t *testing.T) {
	part := strings.Repeat("00", 255)
	p := [][]byte{sim(t, gsmtap.SubATR, "3B 00"), sim(t, gsmtap.SubAPDU, "81E2910003BF2D00 61FF")}
	for range apdu.MaxAnswer/255 + 2 {
		p = append(p, sim(t, gsmtap.SubAPDU, "81C00000FF"+part+"61FF"))
	}
	p = append(p, sim(t, gsmtap.SubAPDU, "81C00000FF"+part+"9000"))
	l, err := decode(stream(p...)).Only()
	if err != nil {
		t.Fatal(err)
	}
	last := l.APDUs[len(l.APDUs)-1]
	if want := "answer of more than 65536 bytes, not decoded"; last.Outcome != want || !last.Refused {
		t.Errorf("outcome %q refused=%v, want %q", last.Outcome, last.Refused, want)
	}
	if n := len(l.APDUs[0].Answer); n != apdu.MaxAnswer {
		t.Errorf("the command's answer holds %d bytes, want the first %d", n, apdu.MaxAnswer)
	}
}

// TestRefusedAfterHeader: a command the card refused after its header
// (SW1 SW2 in place of a procedure byte, ISO/IEC 7816-3 §10.3.3; the
// SIMtrace2 sends the header and the status word) is a row of the lane,
// failed, with no data (outside tester t72 F1).
func TestRefusedAfterHeader(t *testing.T) {
	for _, tc := range []struct {
		apdu, want string
		failed     bool
	}{
		{"82 E2 91 00 06 68 81", "STORE DATA [ch 2] 6881", true},
		{"81 E2 91 00 06 69 85", "STORE DATA [ch 1] 6985", true},
		{"80 E2 91 00 03 6D 00", "STORE DATA 6D00", true},
		{"00 A4 00 04 02 6A 82", "SELECT 6A82", true},
		{"00 70 00 00 01 6A 81", "MANAGE CHANNEL 6A81", true},
		{"80 C2 00 00 05 93 00", "ENVELOPE 9300", true},
	} {
		l, err := decode(stream(sim(t, gsmtap.SubATR, "3B 00"), sim(t, gsmtap.SubAPDU, tc.apdu))).Only()
		if err != nil {
			t.Fatal(err)
		}
		if len(l.APDUs) != 1 || l.Total() != 0 {
			t.Errorf("%s: %d APDUs, warnings %q", tc.apdu, len(l.APDUs), l.Summary())
			continue
		}
		a := l.APDUs[0]
		if a.String() != tc.want || a.Failed() != tc.failed || len(a.Data) != 0 {
			t.Errorf("%s: %q failed=%v data %X, want %q failed=%v", tc.apdu, a, a.Failed(), a.Data, tc.want, tc.failed)
		}
		if a.INS != 0x70 && !strings.Contains(a.Detail(), "(none sent: the card answered the header)") {
			t.Errorf("%s: detail %q says nothing of the data not sent", tc.apdu, a.Detail())
		}
	}
}

// TestRefusedAfterPartOfItsData: a card that took part of a command's
// data (procedure bytes INS or ~INS) and then answered a failing status
// word is a row of the lane, failed, with the data that crossed, and the
// row says the bytes cannot tell it from a cut (final71: "not an APDU").
// Two bytes that are no failing status word stay a loss.
func TestRefusedAfterPartOfItsData(t *testing.T) {
	for _, tc := range []struct {
		apdu, want string // want "": skipped, not an APDU
		data       int
	}{
		{"81 E2 91 00 06 BF 2D 00 6A 80", "STORE DATA [ch 1] GetProfilesInfo 6A80", 3},
		{"80 14 00 00 0C 81 03 01 67 00", "TERMINAL RESPONSE 6700", 3},
		{"80 C2 00 00 05 D1 03 6F 00", "ENVELOPE 6F00", 2},
		{"81 E2 91 00 06 BF 2D 90 00", "", 0},
	} {
		l, err := decode(stream(sim(t, gsmtap.SubATR, "3B 00"), sim(t, gsmtap.SubAPDU, tc.apdu))).Only()
		if err != nil {
			t.Fatal(err)
		}
		if tc.want == "" {
			if len(l.APDUs) != 0 || !strings.Contains(l.Summary(), string(BadAPDU)) {
				t.Errorf("%s: %d APDUs, warnings %q; want it skipped, not an APDU", tc.apdu, len(l.APDUs), l.Summary())
			}
			continue
		}
		if len(l.APDUs) != 1 || l.Total() != 0 {
			t.Errorf("%s: %d APDUs, warnings %q", tc.apdu, len(l.APDUs), l.Summary())
			continue
		}
		a := l.APDUs[0]
		if a.String() != tc.want || !a.Failed() || len(a.Data) != tc.data {
			t.Errorf("%s: %q failed=%v data %X, want %q failed, %d bytes", tc.apdu, a, a.Failed(), a.Data, tc.want, tc.data)
		}
		if want := fmt.Sprintf("(%d of %d sent: the card answered after them — or the sniffer cut the exchange there", tc.data, a.P3); !strings.Contains(a.Detail(), want) {
			t.Errorf("%s: detail %q, want %q", tc.apdu, a.Detail(), want)
		}
	}
}

// TestLostDatagramEndsWhatWasOnItsWay: a datagram on GSMTAP's port that
// is skipped but may have carried an exchange (cut short by the snap
// length, IP fragments not reassembled, not GSMTAP, a TPDU part, an APDU
// without its answer or cut inside its data) is bytes lost on the card's
// interface: the 61xx chain open on the lane ends there, so the GET
// RESPONSE after it is no part of a "whole answer", and says where the
// loss was (outside tester t72 F2). Other datagrams (another GSMTAP type,
// a PPS, another sender) leave the chain whole.
func TestLostDatagramEndsWhatWasOnItsWay(t *testing.T) {
	part1 := "01 C0 00 00 00 " + strings.Repeat("E3 ", 256) + "61 A1"
	part2 := "01 C0 00 00 A1 " + strings.Repeat("E3 ", 161) + "90 00"
	other := netip.MustParseAddrPort("192.0.2.99:5000")
	for _, tc := range []struct {
		name string
		lost func(t *testing.T, d *capture.Datagram)
		ends bool
	}{
		{"cut short by the capture", func(t *testing.T, d *capture.Datagram) {
			d.Payload, d.Truncated = d.Payload[:40], true
		}, true},
		{"IPv4 fragments not reassembled", func(t *testing.T, d *capture.Datagram) {
			d.Payload, d.Unassembled = nil, "IPv4 fragment at frame 3, not reassembled: its last fragment is missing"
		}, true},
		{"fragments without their first, from the sniffer's address", func(t *testing.T, d *capture.Datagram) {
			d.Payload, d.Src, d.Unassembled = nil, netip.AddrPortFrom(sniffer.Addr(), 0), "IPv4 fragment at frame 3, not reassembled: its first fragment is missing"
		}, true},
		{"not GSMTAP", func(t *testing.T, d *capture.Datagram) { d.Payload = []byte("hello world, not gsmtap") }, true},
		// Each TPDU part, the status word's too (t167 S4: an off-by-one
		// in LosesExchange let a skipped status word keep the chain).
		{"a TPDU header", func(t *testing.T, d *capture.Datagram) { d.Payload = sim(t, gsmtap.SubTPDUHdr, "01 C0 00 00 00") }, true},
		{"a TPDU command", func(t *testing.T, d *capture.Datagram) { d.Payload = sim(t, gsmtap.SubTPDUCmd, "01 C0 00 00 00") }, true},
		{"a TPDU response", func(t *testing.T, d *capture.Datagram) { d.Payload = sim(t, gsmtap.SubTPDURsp, "E3 E3") }, true},
		{"a TPDU status word", func(t *testing.T, d *capture.Datagram) { d.Payload = sim(t, gsmtap.SubTPDUSW, "61 A1") }, true},
		{"an APDU without its answer", func(t *testing.T, d *capture.Datagram) { d.Payload = sim(t, gsmtap.SubAPDU, "01 C0 00 00 00 E3 E3") }, true},
		{"an APDU cut inside its data", func(t *testing.T, d *capture.Datagram) { d.Payload = sim(t, gsmtap.SubAPDU, "01 E2 91 00 09 E3 90 00") }, true},
		{"GSMTAP of another type", func(t *testing.T, d *capture.Datagram) {
			d.Payload = hexdump.Bytes(t, "02 04 01 00 0001 C4 1E 00000000 01 00 00 00 06 12 00 00")
		}, false},
		{"a PPS", func(t *testing.T, d *capture.Datagram) { d.Payload = sim(t, gsmtap.SubPPSReq, "FF 10 96 79") }, false},
		{"a PPS answer", func(t *testing.T, d *capture.Datagram) { d.Payload = sim(t, gsmtap.SubPPSRsp, "FF 10 96 79") }, false},
		{"another sender's datagram", func(t *testing.T, d *capture.Datagram) { d.Src, d.Payload = other, []byte("not gsmtap") }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Frame 3 is the chain's first GET RESPONSE, lost; or, for a
			// datagram that loses nothing, one beside the chain.
			p := [][]byte{sim(t, gsmtap.SubATR, "3B 00"), sim(t, gsmtap.SubAPDU, "81 E2 91 00 03 BF 2D 00 61 00"), sim(t, gsmtap.SubAPDU, part1)}
			if !tc.ends {
				p = append(p, sim(t, gsmtap.SubAPDU, part1))
			}
			dgs := stream(append(p, sim(t, gsmtap.SubAPDU, part2))...)
			tc.lost(t, &dgs[2])
			tr := decode(dgs)
			l := tr.Lane(sniffer)
			if l == nil {
				t.Fatalf("no lane: %s", tr.Summary())
			}
			sd, last := l.APDUs[0], l.APDUs[len(l.APDUs)-1]
			if tc.ends {
				if sd.Answered || last.For != -1 || last.Outcome != apdu.PartialAnswer || !last.Partial {
					t.Errorf("the chain went on past the loss: answered %v (%d bytes), GET RESPONSE for %d, outcome %q, partial %v", sd.Answered, len(sd.Answer), last.For, last.Outcome, last.Partial)
				}
				if strings.Contains(sd.Detail()+last.Detail(), "whole answer") {
					t.Errorf("a whole answer is claimed:\n%s\n%s", sd.Detail(), last.Detail())
				}
				want := "GET RESPONSE on channel 1 with no 61xx before it (just after the datagram skipped at frame 3)"
				if ws := l.Warnings(); len(ws) == 0 || ws[len(ws)-1].Detail != want {
					t.Errorf("lane warnings %v, want the last %q", ws, want)
				}
				return
			}
			if !sd.Answered || len(sd.Answer) != 256+161 || last.For != 0 || l.Count(MidSession) != 0 {
				t.Errorf("the chain broke: answered %v (%d bytes), GET RESPONSE for %d, warnings %q", sd.Answered, len(sd.Answer), last.For, l.Summary())
			}
		})
	}
}

// TestDuplicateFragmentsLoseNothing: IP fragments repeating a datagram
// already put together (capture.Datagram.Duplicates) were discarded as
// duplicates: the trace says so, and the 61xx chain across them stays
// whole, where a loss would have ended it (re-tester t145 F4).
func TestDuplicateFragmentsLoseNothing(t *testing.T) {
	part1 := "01 C0 00 00 00 " + strings.Repeat("E3 ", 256) + "61 A1"
	part2 := "01 C0 00 00 A1 " + strings.Repeat("E3 ", 161) + "90 00"
	for _, tc := range []struct {
		name string
		dups []int
		want string // the warning's detail; "": none
	}{
		{"none", nil, ""},
		{"one", []int{4}, "frame 4 repeated IP fragments of this datagram, already put together: discarded as duplicates, no bytes lost (from " + sniffer.String() + ")"},
		{"two", []int{4, 6}, "frames 4, 6 repeated IP fragments of this datagram, already put together: discarded as duplicates, no bytes lost (from " + sniffer.String() + ")"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dgs := stream(sim(t, gsmtap.SubATR, "3B 00"), sim(t, gsmtap.SubAPDU, "81 E2 91 00 03 BF 2D 00 61 00"), sim(t, gsmtap.SubAPDU, part1), sim(t, gsmtap.SubAPDU, part2))
			dgs[2].Duplicates = tc.dups
			tr := decode(dgs)
			l := tr.Lane(sniffer)
			if l == nil {
				t.Fatalf("no lane: %s", tr.Summary())
			}
			sd, last := l.APDUs[0], l.APDUs[len(l.APDUs)-1]
			if !sd.Answered || len(sd.Answer) != 256+161 || last.Partial || l.Total() != 0 {
				t.Errorf("the chain broke: answered %v (%d bytes), partial %v, lane warnings %q", sd.Answered, len(sd.Answer), last.Partial, l.Summary())
			}
			ws := tr.Warnings()
			switch {
			case tc.want == "" && len(ws) != 0:
				t.Errorf("warnings %v, want none", ws)
			case tc.want != "" && (len(ws) != 1 || ws[0].Kind != DuplicateFragments || ws[0].Detail != tc.want || ws[0].Frame != 3):
				t.Errorf("warnings %v, want at frame 3 %q", ws, tc.want)
			}
		})
	}
}

// TestLostDatagramLeavesAPartialAnswer: the GET RESPONSEs after a loss
// put together only the end of an answer. No row shows it as the whole
// answer, nor decodes it as an ES10 one, however many parts follow, and
// the flagged GET RESPONSE's row says where the loss was (outside tester
// t83 F3: the last 361 of 617 bytes shown as the whole answer, and "just
// after the datagram skipped at frame N" on no row).
func TestLostDatagramLeavesAPartialAnswer(t *testing.T) {
	eid := "BF 3E 12 5A 10 89 04 90 32 12 34 51 23 45 12 34 56 78 90 12 35"
	head := []string{"3B 00", "81 E2 91 00 03 BF 3E 00 61 00"} // ATR, STORE DATA GetEID: 61xx
	gr := func(data, sw string) string { return "01 C0 00 00 00 " + data + " " + sw }
	for _, tc := range []struct {
		name string
		// apdus after head (an ATR: "3B 00" at its place; "" for none),
		// and which of them is lost, cut short by the capture (-1: none).
		apdus []string
		lose  int
		// want: the partial answer (hex, "" for a whole one) put together
		// on the first GET RESPONSE after the loss, and that row's
		// warning.
		partial string
		warning string
	}{
		{"lost the first of three parts", []string{
			gr(strings.Repeat("AA ", 256), "61 00"), gr(strings.Repeat("BB ", 256), "61 02"), gr("CC CC", "90 00"),
		}, 0, strings.Repeat("BB", 256) + "CCCC",
			"sniffer started mid-session: GET RESPONSE on channel 1 with no 61xx before it (just after the datagram skipped at frame 3)"},
		{"lost a part: what follows is a well-formed EID answer, never decoded", []string{
			gr("AA AA", "61 16"), gr(eid, "61 02"), gr(eid[:5], "90 00"),
		}, 0, strings.ReplaceAll(eid, " ", "") + "BF3E",
			"sniffer started mid-session: GET RESPONSE on channel 1 with no 61xx before it (just after the datagram skipped at frame 3)"},
		{"lost the first of two parts", []string{
			gr("AA AA", "61 16"), gr(eid, "90 00"),
		}, 0, strings.ReplaceAll(eid, " ", ""),
			"sniffer started mid-session: GET RESPONSE on channel 1 with no 61xx before it (just after the datagram skipped at frame 3)"},
		{"a reset between the parts", []string{
			gr("AA AA", "61 16"), "3B 00", gr(eid, "90 00"),
		}, -1, strings.ReplaceAll(eid, " ", ""),
			"sniffer started mid-session: GET RESPONSE on channel 1 with no 61xx before it"},
		{"nothing lost: whole, and decoded", []string{
			gr("BF 3E 12", "61 13"), gr(strings.ReplaceAll(eid, "BF 3E 12 ", ""), "90 00"),
		}, -1, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p [][]byte
			for i, h := range append(head, tc.apdus...) {
				sub := gsmtap.SubAPDU
				if i == 0 || h == "3B 00" {
					sub = gsmtap.SubATR
				}
				p = append(p, sim(t, sub, h))
			}
			dgs := stream(p...)
			if tc.lose >= 0 {
				d := &dgs[len(head)+tc.lose]
				d.Payload, d.Truncated = d.Payload[:20], true
			}
			l, err := decode(dgs).Only()
			if err != nil {
				t.Fatal(err)
			}
			var rows strings.Builder
			for _, a := range l.APDUs {
				rows.WriteString(a.String() + "\n" + a.Detail() + "\n")
			}
			sd := l.APDUs[0]
			if tc.partial == "" {
				if !sd.Answered || sd.Partial || !strings.Contains(rows.String(), "EID 89049032123451234512345678901235") {
					t.Errorf("the whole answer is not whole:\n%s", rows.String())
				}
				return
			}
			if sd.Answered || strings.Contains(rows.String(), "whole answer") || strings.Contains(rows.String(), "EID 89") {
				t.Errorf("a whole answer is claimed across the loss:\n%s", rows.String())
			}
			var first *APDU // the first GET RESPONSE after the loss
			for i := range l.APDUs {
				if a := &l.APDUs[i]; a.INS == apdu.InsGetResponse && len(a.Warnings) > 0 {
					first = a
					break
				}
			}
			switch {
			case first == nil:
				t.Fatalf("no GET RESPONSE carries a warning:\n%s", rows.String())
			case !first.Partial || first.Answered || fmt.Sprintf("%X", first.Answer) != tc.partial:
				t.Errorf("frame %d: partial %v answered %v answer %X, want partial %s", first.Frame, first.Partial, first.Answered, first.Answer, tc.partial)
			case !strings.Contains(first.Detail(), "partial answer (its start is not in the trace) "+tc.partial+" 9000"):
				t.Errorf("frame %d's detail does not show the partial answer:\n%s", first.Frame, first.Detail())
			case !strings.Contains(first.Detail(), "warning: "+tc.warning):
				t.Errorf("frame %d's detail lacks %q:\n%s", first.Frame, tc.warning, first.Detail())
			}
			if last := l.APDUs[len(l.APDUs)-1]; last.Outcome != apdu.PartialAnswer || last.Refused || !strings.HasSuffix(last.String(), "9000 · "+apdu.PartialAnswer) {
				t.Errorf("the chain's end: %q, outcome %q refused %v", last, last.Outcome, last.Refused)
			}
		})
	}
}

// A datagram lost between two STORE DATA blocks ends the sequence: the
// block after it is no function's, and the warning says why.
func TestLostDatagramEndsStoreData(t *testing.T) {
	dgs := stream(
		sim(t, gsmtap.SubATR, "3B 00"),
		sim(t, gsmtap.SubAPDU, "81 E2 11 00 02 BF 38 90 00"),
		sim(t, gsmtap.SubAPDU, "81 E2 11 01 02 30 00 90 00"),
		sim(t, gsmtap.SubAPDU, "81 E2 91 02 02 80 00 90 00"), // ended: no GET RESPONSE due at the trace's end
	)
	dgs[2].Payload, dgs[2].Truncated = dgs[2].Payload[:20], true
	l, err := decode(dgs).Only()
	if err != nil {
		t.Fatal(err)
	}
	if a := l.APDUs[len(l.APDUs)-1]; a.ES10 != "" {
		t.Errorf("the block after the loss is named %q", a.ES10)
	}
	want := "STORE DATA block 2 on channel 1 without the blocks before it (just after the datagram skipped at frame 3)"
	if ws := l.Warnings(); len(ws) != 1 || ws[0].Detail != want {
		t.Errorf("warnings %v, want %q", ws, want)
	}
}

// A summary names each kind's count and the frames of its first
// FramesNamed, so a reader finds them in Wireshark (outside tester t72
// F3).
func TestSummaryNamesFrames(t *testing.T) {
	var p [][]byte
	for range 7 {
		p = append(p, []byte{1})
	}
	p = append(p, sim(t, gsmtap.SubPPSReq, "FF 10 96 79"))
	dgs := stream(p...)
	dgs[0].Truncated = true
	tr := decode(dgs)
	want := "1 GSMTAP SIM other than ATR or APDU (frame 8), 1 datagram cut short by the capture (frame 1), 6 not GSMTAP (frames 2, 3, 4, 5, 6 and 1 more)"
	if got := tr.Summary(); got != want {
		t.Errorf("summary\n%q, want\n%q", got, want)
	}
}

// Decode takes the datagrams in time order, a stable sort (a sniffer's
// order kept for one instant), whether the list comes in order (read as
// it is: a capture written as the run goes) or not (sorted in a copy),
// and leaves the caller's list as it was.
func TestDecodeTimeOrder(t *testing.T) {
	tp := sim(t, gsmtap.SubAPDU, "80 10 00 00 03 FF FF FF 91 10")
	fetch := sim(t, gsmtap.SubAPDU, "80 12 00 00 0B D0 09 81 03 01 01 09 82 02 81 82 90 00")
	resp := sim(t, gsmtap.SubAPDU, "80 14 00 00 0C 81 03 01 01 09 82 02 82 81 83 01 00 90 00")
	at := func(dgs []capture.Datagram, ms ...int) []capture.Datagram {
		for i := range dgs {
			dgs[i].Time = t0.Add(time.Duration(ms[i]) * time.Millisecond)
		}
		return dgs
	}
	for _, tc := range []struct {
		name   string
		list   []capture.Datagram
		frames []int // of the lane's APDUs, in order
	}{
		{"in order", at(stream(tp, fetch, resp), 0, 1, 2), []int{1, 2, 3}},
		{"one instant, the sniffer's order", at(stream(tp, fetch, resp), 0, 1, 1), []int{1, 2, 3}},
		{"out of order", at(stream(fetch, resp, tp), 1, 2, 0), []int{3, 1, 2}},
		{"out of order, one instant", at(stream(fetch, resp, tp), 1, 1, 0), []int{3, 1, 2}},
	} {
		before := make([]int, len(tc.list))
		for i, d := range tc.list {
			before[i] = d.Frame
		}
		l, err := decode(tc.list).Only()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var got []int
		for _, a := range l.APDUs {
			got = append(got, a.Frame)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.frames) {
			t.Errorf("%s: APDUs of frames %v, want %v", tc.name, got, tc.frames)
		}
		for i, d := range tc.list {
			if d.Frame != before[i] {
				t.Errorf("%s: the caller's list was reordered: frame %d at %d, was %d", tc.name, d.Frame, i, before[i])
			}
		}
	}
}

// TestDescriptionsAsFmt: the rows' and details' descriptions of proactive
// commands and terminal responses, built by appending, read as the fmt
// verbs they replaced (%d, %02X, %s of stk.Result) would print them.
func TestDescriptionsAsFmt(t *testing.T) {
	cmd := func(typ, q, num byte) stk.Command {
		var c stk.Command
		c.Details.Type, c.Details.Qualifier, c.Details.Number = typ, q, num
		return c
	}
	send := cmd(stk.CmdSendData, stk.SendImmediately, 7)
	send.Data = make([]byte, 237)
	for _, tc := range []struct {
		c    stk.Command
		want string
	}{
		{send, fmt.Sprintf("%s %d bytes", stk.CommandName(stk.CmdSendData), 237)},
		{cmd(stk.CmdReceiveData, 0, 200), fmt.Sprintf("%s %02X", stk.CommandName(stk.CmdReceiveData), 0)},
		{cmd(stk.CmdCloseChannel, 0x0A, 3), fmt.Sprintf("%s %02X", stk.CommandName(stk.CmdCloseChannel), 0x0A)},
		{cmd(0xEE, 0xF1, 1), fmt.Sprintf("%s %02X", stk.CommandName(0xEE), 0xF1)},
	} {
		if got := string(appendCommand([]byte("x"), tc.c)); got != "x"+tc.want {
			t.Errorf("appendCommand %+v = %q, want %q", tc.c.Details, got, "x"+tc.want)
		}
		a := APDU{Proactive: &tc.c}
		want := fmt.Sprintf("proactive command %d: %s, qualifier %02X\n", tc.c.Details.Number, tc.want, tc.c.Details.Qualifier)
		if len(tc.c.Data) > 0 {
			want += fmt.Sprintf("channel data %d bytes\n", len(tc.c.Data))
		}
		if d := a.Detail(); !strings.Contains(d+"\n", want) {
			t.Errorf("detail %q lacks %q", d, want)
		}
	}
	for _, tc := range []struct {
		r    stk.Result
		text string // as fmt's %02X and %02X/%X printed it
	}{
		{stk.Result{General: stk.ResultOK}, "00"},
		{stk.Result{General: 0x3A, Additional: []byte{0x02}}, "3A/02"},
		{stk.Result{General: 0x20, Additional: []byte{0x04, 0xAB}}, "20/04AB"},
	} {
		r := tc.r
		if got := r.String(); got != tc.text {
			t.Errorf("result %+v = %q, want %q", r, got, tc.text)
		}
		tr := stk.TerminalResponse{Result: r}
		tr.Details.Type, tr.Details.Number = stk.CmdSendData, 12
		a := APDU{Name: "TERMINAL RESPONSE", TR: &tr}
		if want := fmt.Sprintf("terminal response to command %d (%s): result %s\n", 12, stk.CommandName(stk.CmdSendData), r); !strings.Contains(a.Detail()+"\n", want) {
			t.Errorf("detail %q lacks %q", a.Detail(), want)
		}
		if want := fmt.Sprintf("TERMINAL RESPONSE %s: %s 0000", stk.CommandName(stk.CmdSendData), r); a.String() != want {
			t.Errorf("row %q, want %q", a.String(), want)
		}
	}
}

// A datagram of sub-type ATR whose bytes are no ATR (ISO/IEC 7816-3 §8.2:
// TS 3B or 3F, then T0 and the interface, historical and check bytes it
// announces) is no reset of the card: it is counted, never a lane's ATR,
// and what was on its way on the lane ends there, as at any bytes lost.
// The lane used to take an empty one for a card reset (outside tester
// o314: `ATR  (card reset)` in lab sniff, the GET RESPONSE after it then
// blamed on a sniffer started mid-session).
func TestDecodeNotAnATR(t *testing.T) {
	for _, tc := range []struct {
		name, atr, want string
	}{
		{"empty", "", "no TS"},
		{"TS alone", "3B", "cut short after TS"},
		{"no TS", "00 00", "TS 00"},
		{"historical bytes cut", "3B 02 80", "cut short: 3 of 4 bytes"},
		{"interface bytes cut", "3B 9A 96", "cut short: 3 of at least 14 bytes"},
		{"no TCK for T=1", "3B 80 01", "cut short: 3 of 4 bytes"},
		{"bytes after its end", "3B 00 90 00", "2 bytes more than the 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := decode(stream(
				sim(t, gsmtap.SubATR, "3B 00"),
				sim(t, gsmtap.SubAPDU, "00 A4 00 04 02 3F 00 61 22"),
				sim(t, gsmtap.SubATR, tc.atr),
				sim(t, gsmtap.SubAPDU, "00 C0 00 00 22 "+strings.Repeat("00 ", 0x22)+"90 00"),
			)).Only()
			if err != nil {
				t.Fatal(err)
			}
			if len(l.ATRs) != 1 || l.Count(NotATR) != 1 {
				t.Fatalf("%d ATRs, %d not an ATR: %s", len(l.ATRs), l.Count(NotATR), l.Summary())
			}
			if w := l.Warnings()[0]; w.Frame != 3 || !strings.Contains(w.Detail, tc.want) {
				t.Errorf("warning %v, want frame 3 saying %q", w, tc.want)
			}
			// The GET RESPONSE after it continues nothing: lost, not a
			// sniffer that started mid-session after a reset.
			if g := l.APDUs[1]; g.For != -1 || !slices.ContainsFunc(l.Warnings(), func(w Warning) bool {
				return w.Kind == MidSession && strings.Contains(w.Detail, "just after the datagram skipped at frame 3")
			}) {
				t.Errorf("GET RESPONSE after it: For %d, warnings %v", g.For, l.Warnings())
			}
		})
	}
	for _, atr := range []string{"3B 00", "3F 00", "3B 9A 96 80 1F C7 80 31 E0 73 FE 21 1F 82 90 00 A4", "3B 9A 96 80 3F C7 82 80 31 E0 73 FE 21 1F 82 90 00 06"} {
		l, err := decode(stream(sim(t, gsmtap.SubATR, atr))).Only()
		if err != nil || len(l.ATRs) != 1 || l.Total() != 0 {
			t.Errorf("ATR %s: %v, %d ATRs, %s", atr, err, len(l.ATRs), l.Summary())
		}
	}
}

// A FETCH while the proactive command fetched before it has had no
// TERMINAL RESPONSE: the card sends no proactive command before the
// terminal answered the last (TS 102 223 §6.2), so the response is missing
// from the trace — counted, as one without its FETCH is. The lane used to
// say nothing (outside tester o314: 4 of 18 datagrams dropped from a
// replayed lane, each a TERMINAL RESPONSE, went unnoticed).
func TestDecodeFetchWithoutTheResponseBefore(t *testing.T) {
	const (
		fetchTimer = "80 12 00 00 0E D0 0C 81 03 01 27 01 82 02 81 82 A4 01 01 90 00"
		trTimer    = "80 14 00 00 0F 81 03 01 27 01 82 02 82 81 83 01 00 A4 01 01 91 0E"
		trRefused  = "80 14 00 00 0F 6F 00"
	)
	for _, tc := range []struct {
		name  string
		apdus []string
		want  int
	}{
		{"answered", []string{fetchTimer, trTimer, fetchTimer, trTimer}, 0},
		{"response missing", []string{fetchTimer, fetchTimer, trTimer}, 1},
		{"response refused after its header", []string{fetchTimer, trRefused, fetchTimer, trTimer}, 0},
		// Bytes lost between: the loss is said, not again at the FETCH.
		{"response lost with a datagram", []string{fetchTimer, "lost", fetchTimer, trTimer}, 0},
		{"lost, then answered", []string{fetchTimer, "lost", trTimer}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := [][]byte{sim(t, gsmtap.SubATR, "3B 00")}
			for _, a := range tc.apdus {
				if a == "lost" {
					p = append(p, []byte("not GSMTAP"))
					continue
				}
				p = append(p, sim(t, gsmtap.SubAPDU, a))
			}
			l, err := decode(stream(p...)).Only()
			if err != nil {
				t.Fatal(err)
			}
			if got := l.Count(MidSession); got != tc.want {
				t.Errorf("%d warnings, want %d: %v", got, tc.want, l.Warnings())
			}
			if tc.want > 0 && !strings.Contains(l.Warnings()[0].Detail, "TIMER MANAGEMENT of frame 2 has no TERMINAL RESPONSE") {
				t.Errorf("warning %v", l.Warnings()[0])
			}
		})
	}
}

// A trace that ends inside an exchange says so on its lane's last frame:
// a terminal sends the TERMINAL RESPONSE, the GET RESPONSE, the command
// again with the right length and the FETCH at once, so one missing at
// the end is a trace cut there (a sniffer stopped mid-exchange) or a
// terminal that stopped. The lane used to end on it without a word
// (outside tester o314: a sender stopped after SELECT … 6122).
func TestDecodeEndsInsideAnExchange(t *testing.T) {
	const (
		profile = "80 10 00 00 01 FF 91 0E"
		fetch   = "80 12 00 00 0E D0 0C 81 03 01 27 01 82 02 81 82 A4 01 01 90 00"
		tr      = "80 14 00 00 0F 81 03 01 27 01 82 02 82 81 83 01 00 A4 01 01 90 00"
		trMore  = "80 14 00 00 0F 81 03 01 27 01 82 02 82 81 83 01 00 A4 01 01 91 0E"
	)
	for _, tc := range []struct {
		name  string
		apdus []string // after the ATR; "ATR": another
		want  string
	}{
		{"answered", []string{profile, fetch, tr}, ""},
		{"a read answered", []string{profile, fetch, tr, "00 B0 00 00 02 98 68 90 00"}, ""},
		{"FETCH without its response", []string{profile, fetch}, "TIMER MANAGEMENT of frame 3 has no TERMINAL RESPONSE"},
		{"61xx without GET RESPONSE", []string{"00 A4 00 04 02 3F 00 61 22"}, "SELECT answered 6122, not the GET RESPONSE"},
		{"6Cxx without the command again", []string{"00 B0 00 00 00 6C 0A"}, "READ BINARY answered 6C0A, not the command again"},
		{"91xx without FETCH", []string{profile, fetch, trMore}, "TERMINAL RESPONSE answered 910E, not the FETCH"},
		{"an ATR last", []string{profile, fetch, "ATR"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := [][]byte{sim(t, gsmtap.SubATR, "3B 00")}
			for _, a := range tc.apdus {
				if a == "ATR" {
					p = append(p, sim(t, gsmtap.SubATR, "3B 00"))
					continue
				}
				p = append(p, sim(t, gsmtap.SubAPDU, a))
			}
			l, err := decode(stream(p...)).Only()
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				if l.Total() != 0 {
					t.Errorf("warnings %v", l.Warnings())
				}
				return
			}
			if l.Count(EndsInExchange) != 1 || l.Total() != 1 {
				t.Fatalf("warnings %v, want one %q", l.Warnings(), EndsInExchange)
			}
			if w := l.Warnings()[0]; w.Frame != len(p) || !strings.Contains(w.Detail, tc.want) {
				t.Errorf("warning %v, want frame %d saying %q", w, len(p), tc.want)
			}
		})
	}
}
