package cardwire

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/simtrace"
	"github.com/esimhil/esimhil/internal/codec/gsmtap"
	"github.com/esimhil/esimhil/internal/codec/stk"
	"github.com/esimhil/esimhil/internal/hexdump"
)

const fixture = "../../fixtures/simtrace/roam-fr-preinstalled"

// recorded reads the recorded SIMtrace2 stream; edit may change or drop
// datagrams (return nil to drop) before the lane is decoded.
func recorded(t *testing.T, edit func(i int, payload []byte) []byte) (*simtrace.Lane, simtrace.Manifest) {
	t.Helper()
	rec, err := simtrace.LoadRecording(fixture)
	if err != nil {
		t.Fatal(err)
	}
	dgs, err := capture.ReadDatagrams(fixture+".pcapng", gsmtap.Port)
	if err != nil {
		t.Fatal(err)
	}
	var kept []capture.Datagram
	for i, d := range dgs.List {
		if edit != nil {
			if d.Payload = edit(i, append([]byte(nil), d.Payload...)); d.Payload == nil {
				continue
			}
		}
		kept = append(kept, d)
	}
	l, err := simtrace.Decode(capture.Datagrams{List: kept}).Only()
	if err != nil {
		t.Fatal(err)
	}
	return l, rec.Manifest
}

func claim(m simtrace.Manifest) Claim1 {
	return Claim1{Roaming: m.Roaming, Platform: netip.MustParseAddrPort(m.Platform), Attached: m.Attached}
}

func TestClaim1OnRecording(t *testing.T) {
	l, m := recorded(t, nil)
	steps, err := CheckClaim1(l, claim(m))
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(steps))
	for i, s := range steps {
		names[i] = s.Name
		if i > 0 && s.Time().Before(steps[i-1].End()) {
			t.Errorf("%s at %v before %s ended at %v", s.Name, s.Time(), steps[i-1].Name, steps[i-1].End())
		}
	}
	if got := strings.Join(names, ", "); got != "roaming check, preferred-list request, switch, attach check, attach report" {
		t.Errorf("steps %s", got)
	}
	if e := steps[0].APDUs[0].Envelope; e == nil || e.Tag != stk.TagTimerExpiration {
		t.Errorf("roaming check starts with %s", steps[0].APDUs[0])
	}
	if !strings.Contains(steps[2].String(), "REFRESH 09") {
		t.Errorf("switch %s", steps[2])
	}
}

// A lab platform listening on every address matches the card's OPEN
// CHANNEL by port.
func TestUnspecifiedPlatform(t *testing.T) {
	l, m := recorded(t, nil)
	c := claim(m)
	c.Platform = netip.AddrPortFrom(netip.IPv4Unspecified(), c.Platform.Port())
	if _, err := CheckClaim1(l, c); err != nil {
		t.Fatal(err)
	}
	c.Platform = netip.AddrPortFrom(netip.IPv4Unspecified(), c.Platform.Port()+1)
	if _, err := CheckClaim1(l, c); err == nil || !strings.Contains(err.Error(), "preferred-list request (OPEN CHANNEL to 0.0.0.0:") {
		t.Errorf("another port: %v", err)
	}
}

// Each step that is not on the lane fails, saying what was looked for and
// what the lane holds instead.
func TestClaim1Failures(t *testing.T) {
	l, m := recorded(t, nil)
	tests := []struct {
		name string
		edit func(*Claim1)
		want []string
	}{
		{"never on the network", func(c *Claim1) { c.Roaming = "26201" },
			[]string{"roaming check (timer expiration, then PROVIDE LOCAL INFORMATION answered with location in 26201)", "instead:", "location"}},
		{"another platform", func(c *Claim1) { c.Platform = netip.MustParseAddrPort("192.0.2.1:80") },
			[]string{"preferred-list request (OPEN CHANNEL to 192.0.2.1:80", "OPEN CHANNEL to 127.0.0.1:"}},
		{"attached elsewhere", func(c *Claim1) { c.Attached = "20801" },
			[]string{"attach check (location status ENVELOPE: normal service on 20801)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := claim(m)
			tc.edit(&c)
			_, err := CheckClaim1(l, c)
			for _, w := range tc.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("error %v lacks %q", err, w)
				}
			}
		})
	}
}

// The checks keep claim order: the attach check of the visited network
// before roaming is not the one after the switch.
func TestWalkKeepsOrder(t *testing.T) {
	l, m := recorded(t, nil)
	w := NewWalk(l)
	if _, err := w.Switch(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.RoamingCheck(m.Roaming); err == nil {
		t.Error("a roaming check after the switch was found: the walk went back")
	}
}

// datagram edits on the recording.
func isAPDU(p []byte, ins byte) bool {
	return len(p) > gsmtap.HeaderLen+1 && p[12] == gsmtap.SubAPDU && p[gsmtap.HeaderLen+1] == ins
}

// A REFRESH in the wrong mode for the terminal profile fails the switch:
// here the terminal profile no longer announces eUICC Profile State
// Change, so the card owed UICC reset (04).
func TestSwitchModeFromTerminalProfile(t *testing.T) {
	l, _ := recorded(t, func(_ int, p []byte) []byte {
		if isAPDU(p, stk.InsTerminalProfile) {
			byteNo := gsmtap.HeaderLen + 5 + stk.FacRefreshEUICCProfile.Byte - 1
			p[byteNo] &^= 1 << (stk.FacRefreshEUICCProfile.Bit - 1)
		}
		return p
	})
	w := NewWalk(l)
	_, err := w.Switch()
	if err == nil || !strings.Contains(err.Error(), "REFRESH mode 09 (eUICC profile state change), want 04 (UICC reset)") {
		t.Errorf("switch: %v", err)
	}
}

// A REFRESH the terminal never acted on is no switch: 09 (the recording's
// mode, whose terminal initialises the card again with no ATR) is the
// switch when answered, and without its TERMINAL RESPONSE or an ATR after
// it is none.
func TestSwitchNeedsReset(t *testing.T) {
	for _, tc := range []struct {
		name   string
		dropTR bool
		err    string
	}{
		{"answered", false, ""},
		{"not answered", true, "neither its TERMINAL RESPONSE nor an ATR after it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seenRefresh, seenTR := false, false
			l, _ := recorded(t, func(_ int, p []byte) []byte {
				// FETCH: CLA INS P1 P2 P3, D0 len, 81 03 number type
				// qualifier; TERMINAL RESPONSE: CLA INS P1 P2 P3, 81 03
				// number type qualifier.
				if isAPDU(p, stk.InsFetch) && len(p) > gsmtap.HeaderLen+10 && p[gsmtap.HeaderLen+10] == stk.CmdRefresh {
					seenRefresh = true
				}
				if isAPDU(p, stk.InsTerminalResponse) && len(p) > gsmtap.HeaderLen+8 && p[gsmtap.HeaderLen+8] == stk.CmdRefresh {
					seenTR = true
					if tc.dropTR {
						return nil
					}
				}
				if seenRefresh && p[12] == gsmtap.SubATR {
					t.Errorf("an ATR after the REFRESH 09: the terminal reset the card")
				}
				return p
			})
			if !seenRefresh || !seenTR {
				t.Fatalf("REFRESH %v, its TERMINAL RESPONSE %v in the recording", seenRefresh, seenTR)
			}
			sw, err := NewWalk(l).Switch()
			if tc.err == "" && (err != nil || len(sw.APDUs) != 2 || sw.APDUs[1].TR == nil) || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("switch %+v: %v, want %q", sw.APDUs, err, tc.err)
			}
		})
	}
}

// A sniffer that started after the terminal profile cannot tell the
// mode; the switch is still found.
func TestSwitchWithoutTerminalProfile(t *testing.T) {
	l, _ := recorded(t, func(_ int, p []byte) []byte {
		if isAPDU(p, stk.InsTerminalProfile) {
			return nil
		}
		return p
	})
	if _, err := NewWalk(l).Switch(); err != nil {
		t.Error(err)
	}
}

// A terminal that refuses the eUICC Profile State Change it announced
// (30) and resets the card on the UICC reset the card then asks for made
// the switch (reviewer sw123); without the reset it made none.
func TestSwitchAfterARefused09(t *testing.T) {
	sniffer := netip.MustParseAddrPort("192.0.2.7:41729")
	t0 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	sim := func(sub uint8, h string) []byte {
		return append(gsmtap.SIMHeader(sub).Append(nil), hexdump.Bytes(t, h)...)
	}
	tp := "80 10 00 00 22" + strings.Repeat(" 00", 33) + " 20 91 0B"
	payloads := [][]byte{
		sim(gsmtap.SubATR, "3B 9A 96 80 1F C7 80 31 E0 73 FE 21 1F 82 90 00 A4"),
		sim(gsmtap.SubAPDU, tp),
		sim(gsmtap.SubAPDU, "80 12 00 00 0B D0 09 81 03 01 01 09 82 02 81 82 90 00"),
		sim(gsmtap.SubAPDU, "80 14 00 00 0C 81 03 01 01 09 82 02 82 81 83 01 30 91 0B"),
		sim(gsmtap.SubAPDU, "80 12 00 00 0B D0 09 81 03 02 01 04 82 02 81 82 90 00"),
		sim(gsmtap.SubATR, "3B 9A 96 80 1F C7 80 31 E0 73 FE 21 1F 82 90 00 A4"),
		sim(gsmtap.SubAPDU, tp),
	}
	for _, withReset := range []bool{true, false} {
		ps := payloads
		if !withReset {
			ps = payloads[:5]
		}
		dgs := make([]capture.Datagram, len(ps))
		for i, p := range ps {
			dgs[i] = capture.Datagram{Frame: i + 1, Time: t0.Add(time.Duration(i) * time.Millisecond), Src: sniffer,
				Dst: netip.AddrPortFrom(sniffer.Addr(), gsmtap.Port), Payload: p}
		}
		l, err := simtrace.Decode(capture.Datagrams{List: dgs}).Only()
		if err != nil {
			t.Fatal(err)
		}
		sw, err := NewWalk(l).Switch()
		if withReset && (err != nil || len(sw.APDUs) != 3 || sw.APDUs[2].Qualifier() != stk.RefreshUICCReset) {
			t.Errorf("with the reset: %+v, %v", sw.APDUs, err)
		}
		if !withReset && (err == nil || !strings.Contains(err.Error(), "no ATR after it")) {
			t.Errorf("without the reset: %v", err)
		}
	}
}
