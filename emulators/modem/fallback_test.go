package modem

import (
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/modem/stkterm"
	"github.com/esimhil/esimhil/internal/proto/emm"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

// fallbackRig is a rig registered on Orange (20801, the subscriber's
// HPLMN), its card with an empty EF FPLMN, a 2-digit MNC and EF EPSLOCI
// "updated" there (the RPLMN), its APDU log cleared, +CEREG=2.
func fallbackRig(t *testing.T) *rig {
	t.Helper()
	r := usimRig(t, map[uint16][]byte{
		0x6F7B: mustHex(emptyFPLMN),
		0x6FE3: epsloci("20801", 0x3a9b, saip.EPSUpdated),
	}, roaming(), nil)
	r.cmd(t, "ATE0;+CMEE=1;+CEREG=2")
	r.card.mu.Lock()
	r.card.apdus = nil
	r.card.mu.Unlock()
	return r
}

// TestManualAutomaticActsOnTheReject: +COPS=4 on SFR (20810), which
// refuses. The manual attempt's reject is acted on as any reject is,
// whatever the selection mode (TS 24.301 §5.5.1.2.5): #11 on EF FPLMN,
// #14 on the ME's list for GPRS service, #12, #13, #15 the tracking area
// on the ME's lists, #42 the PLMN blocked for 2 × T, the location
// deleted (EU3, #42 EU2: the RPLMN gone) — once, before the automatic
// selection 27.007 §7.3 falls back to, which so skips SFR (the fake
// tries SFR again, as the world would, unless the selection leaves its
// cell) and ranks without the deleted RPLMN; Orange takes the device,
// OK. A #3 makes the USIM invalid: no automatic selection may register,
// none is made, and the denial's error answers, as in mode 1. An
// abnormal #17 is the attach attempt counter's: five rejects, EU2 at
// the fifth (the RPLMN deleted), and the fallback goes on past SFR
// (Failed), ranking without the RPLMN.
//
// Before, the fallback's outcome replaced the manual attempt's and its
// reject was never acted on: the fallback tried SFR again, nothing was
// stored, and a #3 left the device registered on Orange.
func TestManualAutomaticActsOnTheReject(t *testing.T) {
	sfr := func(cause int) Registration {
		r := deniedOnSFR(cause)
		r.Refused = []emm.Reject{{PLMN: "20810", TAC: 0x0101, Cause: cause}} // as the world lists it
		return r
	}
	const (
		searching = `+CEREG: 2`
		onOrange  = `+CEREG: 5,"3a9b","0000c33d",7|OK`
		deniedSFR = `+CEREG: 3,"0101","00000202",7`
		noFPLMN   = "FFFFFF"
	)
	const sfrFPLMN = "02F801"
	for _, tc := range []struct {
		name   string
		manual Registration // SFR's answer to the manual attempt
		// want: what the modem sends at AttachDelay, and until the
		// fifth T3411 restart after it.
		want  [2]string
		fplmn string // EF FPLMN's first entry after
		// The fallback's selection: its lists and RPLMN; nil sel: none made.
		sel *emm.Selection
		// writes are EF EPSLOCI's UPDATE BINARYs.
		writes  []string
		blocked int // plmn_blocked events
	}{
		{"#11: on EF FPLMN, EU3", sfr(11), [2]string{searching + "|" + onOrange, ""}, sfrFPLMN,
			&emm.Selection{Forbidden: emm.Forbidden{PLMNs: []string{"20810"}}},
			[]string{"02F801FFFE 02", "02F8103A9B 00 +GUTI"}, 0},
		{"#11, the world's denial not among the refusals: the same", deniedOnSFR(11), [2]string{searching + "|" + onOrange, ""}, sfrFPLMN,
			&emm.Selection{Forbidden: emm.Forbidden{PLMNs: []string{"20810"}}},
			[]string{"02F801FFFE 02", "02F8103A9B 00 +GUTI"}, 0},
		{"#14: the ME's list for GPRS service, EU3", sfr(14), [2]string{searching + "|" + onOrange, ""}, noFPLMN,
			&emm.Selection{Forbidden: emm.Forbidden{EPS: []string{"20810"}}},
			[]string{"02F801FFFE 02", "02F8103A9B 00 +GUTI"}, 0},
		{"#12: the area for regional provision, EU3", sfr(12), [2]string{searching + "|" + onOrange, ""}, noFPLMN,
			&emm.Selection{Forbidden: emm.Forbidden{Regional: []emm.TAI{{PLMN: "20810", TAC: 0x0101}}}},
			[]string{"02F801FFFE 02", "02F8103A9B 00 +GUTI"}, 0},
		{"#13: the area for roaming, EU3", sfr(13), [2]string{searching + "|" + onOrange, ""}, noFPLMN,
			&emm.Selection{Forbidden: emm.Forbidden{Roaming: []emm.TAI{{PLMN: "20810", TAC: 0x0101}}}},
			[]string{"02F801FFFE 02", "02F8103A9B 00 +GUTI"}, 0},
		{"#15: the area for roaming, EU3", sfr(15), [2]string{searching + "|" + onOrange, ""}, noFPLMN,
			&emm.Selection{Forbidden: emm.Forbidden{Roaming: []emm.TAI{{PLMN: "20810", TAC: 0x0101}}}},
			[]string{"02F801FFFE 02", "02F8103A9B 00 +GUTI"}, 0},
		{"#42: blocked once, EU2", sfr(42), [2]string{searching + "|" + onOrange, ""}, noFPLMN,
			&emm.Selection{Forbidden: emm.Forbidden{Blocked: []string{"20810"}}},
			[]string{"02F801FFFE 01", "02F8103A9B 00 +GUTI"}, 1},
		{"#3: the USIM invalid, no fallback, 103", sfr(3), [2]string{searching + "|" + deniedSFR + "|+CME ERROR: 103", ""}, noFPLMN,
			nil, []string{"02F801FFFE 02"}, 0},
		{"#17: counted, automatic past SFR at the fifth, EU2", sfr(17), [2]string{searching + "|" + deniedSFR, onOrange}, noFPLMN,
			&emm.Selection{Failed: []string{"20810"}},
			[]string{"02F801FFFE 01", "02F8103A9B 00 +GUTI"}, 0},
		// SFR's other area refused with #15 before the #17 (the world
		// tries each area of the host's network): acted on at the
		// first reject, kept through the restarts.
		{"#17 after a #15 in another area: the area forbidden too", func() Registration {
			r := sfr(17)
			r.Refused = append([]emm.Reject{{PLMN: "20810", TAC: 0x0102, Cause: 15}}, r.Refused...)
			return r
		}(), [2]string{searching + "|" + deniedSFR, onOrange}, noFPLMN,
			&emm.Selection{Forbidden: emm.Forbidden{Roaming: []emm.TAI{{PLMN: "20810", TAC: 0x0102}}}, Failed: []string{"20810"}},
			[]string{"02F801FFFE 02", "02F801FFFE 01", "02F8103A9B 00 +GUTI"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := fallbackRig(t)
			n := 0
			r.loop.Do(func() {
				n = len(r.net.sels)
				r.net.reg = tc.manual
				r.net.choose = func(sel emm.Selection) Registration {
					if !sel.Leaves(emm.TAI{PLMN: "20810", TAC: 0x0101}, "20801") {
						return tc.manual // SFR tried again, refusing again
					}
					return roaming()
				}
			})
			got := r.pending(t, `AT+COPS=4,2,"20810"`, 2*time.Second, 4*T3411)
			if !slices.Equal(got, tc.want[:]) {
				t.Errorf("+COPS=4:\n got %q\nwant %q", got, tc.want)
			}
			var sels []emm.Selection
			r.loop.Do(func() { sels = slices.Clone(r.net.sels[n:]) })
			switch {
			case tc.sel == nil && len(sels) != 0:
				t.Errorf("automatic selections %+v, want none", sels)
			case tc.sel != nil && len(sels) != 1:
				t.Errorf("automatic selections %+v, want one", sels)
			case tc.sel != nil:
				s, w := sels[0], tc.sel
				for _, c := range []struct {
					what      string
					got, want []string
				}{
					{"EF FPLMN", s.PLMNs, w.PLMNs},
					{"forbidden for GPRS service", s.EPS, w.EPS},
					{"regional TAs", taNames(s.Regional), taNames(w.Regional)},
					{"roaming TAs", taNames(s.Roaming), taNames(w.Roaming)},
					{"blocked", s.Blocked, w.Blocked},
					{"failed", s.Failed, w.Failed},
				} {
					if !slices.Equal(orNone(c.got), orNone(c.want)) {
						t.Errorf("the fallback's %s %q, want %q", c.what, c.got, c.want)
					}
				}
				if s.RPLMN != w.RPLMN {
					t.Errorf("the fallback's RPLMN %q, want %q", s.RPLMN, w.RPLMN)
				}
			}
			r.card.mu.Lock()
			fplmn := strings.ToUpper(hex.EncodeToString(r.card.files[0x6F7B]))
			writes := epslociWrites(r.card.apdus)
			r.card.mu.Unlock()
			if want := tc.fplmn + strings.Repeat("FF", 9); fplmn != want {
				t.Errorf("EF FPLMN %s, want %s", fplmn, want)
			}
			if !slices.Equal(writes, tc.writes) {
				t.Errorf("EF EPSLOCI writes %q, want %q", writes, tc.writes)
			}
			if b := r.log.Kind(KindPLMNBlocked); len(b) != tc.blocked {
				t.Errorf("plmn_blocked %v, want %d", b, tc.blocked)
			}
			if got := r.cmd(t, "AT+COPS?"); len(got) != 1 || !strings.HasPrefix(got[0], "+COPS: 0") {
				t.Errorf("+COPS? %q, want mode 0 (automatic entered)", got)
			}
		})
	}
}

// orNone is l, nil as empty.
func orNone(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// TestManualAutomaticUSIMInvalid: +COPS=4 answers the denial's error
// whenever the USIM is invalid (#3, #6, #7, #8, TS 24.301 §5.5.1.2.5),
// since no selection can register then — the card already declared
// invalid before the command, or the fallback's automatic selection
// refused so — and OK for any other outcome of the fallback. Before, it
// answered OK.
func TestManualAutomaticUSIMInvalid(t *testing.T) {
	orange := func(cause int) Registration {
		return Registration{Stat: 3, PLMN: "20801", TAC: 0x3a9b, CellID: 0xc33d, AcT: 7, Cause: cause}
	}
	for _, tc := range []struct {
		name     string
		boot     Registration // the boot attach's outcome
		fallback Registration // the fallback's, after SFR's #11
		want     string       // +COPS=4's final result
	}{
		{"invalid before: 103", orange(3), orange(3), "+CME ERROR: 103"},
		{"the fallback refused with #7: 107", roaming(), orange(7), "+CME ERROR: 107"},
		{"the fallback refused with #11: OK", roaming(), orange(11), "OK"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := usimRig(t, map[uint16][]byte{0x6F7B: mustHex(emptyFPLMN)}, tc.boot, nil)
			r.cmd(t, "ATE0;+CMEE=1")
			r.loop.Do(func() {
				r.net.reg = deniedOnSFR(11)
				r.net.choose = func(emm.Selection) Registration { return tc.fallback }
			})
			got := r.pending(t, `AT+COPS=4,2,"20810"`, 2*time.Second)
			if len(got) != 1 || !strings.HasSuffix(got[0], tc.want) {
				t.Errorf("+COPS=4: %q, want %s", got, tc.want)
			}
		})
	}
}

// TestManualAutomaticOrder: the fallback is a new automatic selection
// that starts after the manual attempt's reject deleted the RPLMN: a
// selection going on past a network whose attempts ran out keeps that
// order (TS 23.122 §4.4.3.1.1), without the RPLMN, not the one from
// before the host's command. Orange (the RPLMN before) never answers;
// Bouygues (20820) takes the device after it.
func TestManualAutomaticOrder(t *testing.T) {
	r := fallbackRig(t)
	bouygues := Registration{Stat: 5, PLMN: "20820", TAC: 0x0505, CellID: 0x0606, AcT: 7, RSRP: -95}
	n := 0
	r.loop.Do(func() {
		n = len(r.net.sels)
		r.net.cells = append(r.net.Cells(), stkterm.Cell{PLMN: "20820", TAC: 0x0505, CellID: 0x0606, RSRP: -95})
		r.net.reg = deniedOnSFR(11)
		r.net.choose = func(sel emm.Selection) Registration {
			if slices.Contains(sel.Failed, "20801") {
				return bouygues
			}
			return Registration{Stat: 2, PLMN: "20801", Timeout: true}
		}
	})
	got := r.pending(t, `AT+COPS=4,2,"20810"`, 2*time.Second, 5*T3410+4*T3411)
	if !strings.HasSuffix(got[1], "OK") {
		t.Fatalf("+COPS=4: %q, want OK at last", got)
	}
	var rplmns, sels []string
	r.loop.Do(func() {
		for _, s := range r.net.sels[n:] {
			rplmns = append(rplmns, s.RPLMN)
		}
		sels = selections(&fakeNet{sels: r.net.sels[n:]})
	})
	if want := []string{"*", "only 20801", "only 20801", "only 20801", "only 20801", "after 20801"}; !slices.Equal(sels, want) {
		t.Errorf("selections %q, want %q", sels, want)
	}
	if want := []string{"", "", "", "", "", ""}; !slices.Equal(rplmns, want) {
		t.Errorf("RPLMNs %q, want %q", rplmns, want)
	}
	var reg Registration
	r.loop.Do(func() { reg = r.m.Registration() })
	if reg.PLMN != "20820" {
		t.Errorf("registered %+v, want on 20820", reg)
	}
}
