package modem

import (
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/modem/stkterm"
	"github.com/esimhil/esimhil/internal/proto/emm"
)

func TestForbiddenList(t *testing.T) {
	orange := [3]byte{0x02, 0xF8, 0x10}
	sfr := [3]byte{0x02, 0xF8, 0x01}
	empty := strings.Repeat("FF", 12)
	for _, tc := range []struct {
		name, list string
		edit       func([]byte) []byte
		want       string
	}{
		{"into an empty list", empty, func(l []byte) []byte { return forbid(l, orange) }, "02F810" + strings.Repeat("FF", 9)},
		{"after the entries there", "02F801" + strings.Repeat("FF", 9), func(l []byte) []byte { return forbid(l, orange) }, "02F80102F810" + strings.Repeat("FF", 6)},
		{"already there", "02F81002F801" + strings.Repeat("FF", 6), func(l []byte) []byte { return forbid(l, orange) }, "02F81002F801" + strings.Repeat("FF", 6)},
		{"a full list loses its oldest", "12F34156F78902F80164F000", func(l []byte) []byte { return forbid(l, orange) }, "56F78902F80164F00002F810"},
		{"taken out, the rest moving up", "02F81002F80164F000FFFFFF", func(l []byte) []byte { return allow(l, orange) }, "02F80164F000FFFFFFFFFFFF"},
		{"taken out of the end", "64F00002F801", func(l []byte) []byte { return allow(l, sfr) }, "64F000FFFFFF"},
		{"not there", empty, func(l []byte) []byte { return allow(l, orange) }, empty},
		{"a list of one entry", "FFFFFF", func(l []byte) []byte { return forbid(l, orange) }, "02F810"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, _ := hex.DecodeString(tc.list)
			if got := strings.ToUpper(hex.EncodeToString(tc.edit(l))); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// TestForbiddenNotHome: a reject with #11 forbids the network that sent
// it — in EF FPLMN and as +COPS=?'s <stat> 3 — unless it is the
// subscriber's HPLMN, which is never on the forbidden list (TS 23.122
// §3.1), read by the MNC length EF AD gives (a 3-digit MNC whose first
// two digits are another network's too); other causes forbid no PLMN.
func TestForbiddenNotHome(t *testing.T) {
	empty := strings.Repeat("FF", 12)
	for _, tc := range []struct {
		name        string
		ad          string // EF AD: its fourth byte the MNC length
		reg         Registration
		fplmn, cops string
	}{
		{"a visited network's #11", "00000002", Registration{Stat: 3, PLMN: "20810", Cause: 11},
			"02F801" + strings.Repeat("FF", 9), `(3,"SFR","SFR","20810",7)`},
		{"the home network's #11", "00000002", Registration{Stat: 3, PLMN: "20801", Cause: 11},
			empty, `(1,"Orange F","Orange","20801",7)`},
		// IMSI 208 011 234…: under a 3-digit MNC the home is 208011, and
		// 20801 is another network.
		{"#11 from 20801 under a 3-digit MNC", "00000003", Registration{Stat: 3, PLMN: "20801", Cause: 11},
			"02F810" + strings.Repeat("FF", 9), `(3,"Orange F","Orange","20801",7)`},
		{"#13 roaming not allowed in this tracking area", "00000002", Registration{Stat: 3, PLMN: "20810", Cause: 13},
			empty, `(1,"SFR","SFR","20810",7)`},
		{"#17 network failure", "00000002", Registration{Stat: 3, PLMN: "20810", Cause: 17},
			empty, `(1,"SFR","SFR","20810",7)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.card.mu.Lock()
			r.card.sized = true
			r.card.files[0x6F7B] = mustHex(empty)
			r.card.files[0x6FAD] = mustHex(tc.ad)
			r.card.mu.Unlock()
			r.net.reg = tc.reg
			r.net.reg.TAC, r.net.reg.CellID, r.net.reg.AcT = 0x0101, 0x0202, 7
			r.advance(t, 2*time.Second)
			r.card.mu.Lock()
			got := strings.ToUpper(hex.EncodeToString(r.card.files[0x6F7B]))
			r.card.mu.Unlock()
			if got != tc.fplmn {
				t.Errorf("EF FPLMN %s, want %s", got, tc.fplmn)
			}
			if list := strings.Join(r.cmd(t, "AT+COPS=?"), "|"); !strings.Contains(list, tc.cops) {
				t.Errorf("AT+COPS=?: %q, want %s in it", list, tc.cops)
			}
		})
	}
}

// TestAutomaticSelectionSkipsForbidden: the modem reads the profile's EF
// FPLMN with its IMSI (TS 31.102 §5.1.1.2) and gives its PLMNs to
// automatic selection, which selects none of them (TS 23.122 §3.1,
// §4.4.3.1.1): a #11 from a visited network is skipped at the next
// attach and after a power cycle, the list being the card's; a manual
// selection may still try one, and its registration there takes it off
// the list.
func TestAutomaticSelectionSkipsForbidden(t *testing.T) {
	empty := strings.Repeat("FF", 12)
	sfrOnly := "02F801" + strings.Repeat("FF", 9)
	denied := Registration{Stat: 3, PLMN: "20810", TAC: 0x0101, CellID: 0x0202, AcT: 7, Cause: 11}
	onSFR := Registration{Stat: 5, PLMN: "20810", TAC: 0x0101, CellID: 0x0202, AcT: 7, RSRP: -90}
	for _, tc := range []struct {
		name  string
		fplmn string // EF FPLMN at power on; "" no such file
		reg   Registration
		act   func(t *testing.T, r *rig)
		want  []string // the forbidden list the last automatic attach got
		file  string   // EF FPLMN at the end
	}{
		{"the card's list, read at power on", sfrOnly, roaming(), nil, []string{"20810"}, sfrOnly},
		{"a #11 is skipped at the T3402 retry", empty, denied,
			func(t *testing.T, r *rig) { r.advance(t, T3402) }, []string{"20810"}, sfrOnly},
		{"an earlier network's #11 in a selection that ended roaming", empty,
			func() Registration {
				r := roaming()
				r.Refused = []emm.Reject{{PLMN: "20810", Cause: 11}, {PLMN: "26202", Cause: 17}}
				return r
			}(),
			func(t *testing.T, r *rig) { r.powerCycle(t); r.advance(t, 2*time.Second) }, []string{"20810"}, sfrOnly},
		{"a #11 is skipped after a power cycle", empty, denied,
			func(t *testing.T, r *rig) { r.powerCycle(t); r.advance(t, 2*time.Second) }, []string{"20810"}, sfrOnly},
		{"a manual registration takes it off the list", sfrOnly, onSFR,
			func(t *testing.T, r *rig) {
				r.cmd(t, `AT+COPS=1,2,"20810"`)
				r.cmd(t, "AT+COPS=0")
			}, []string{}, empty},
		{"no EF FPLMN on the card: none forbidden", "", roaming(), nil, []string{}, ""},
		// Five #11 then a #7 in one selection: the full list lost the
		// first; the invalid USIM's later attaches (a move) act on none
		// of them again, which wrote the lost one back in the oldest's
		// place at each (TS 24.301 §5.5.1.2.5: a reject is acted on
		// once), and the same USIM read again has the list as it was.
		{"five #11 then #7, a move on the invalid USIM: EF FPLMN not written again", empty,
			func() Registration {
				r := Registration{Stat: 3, PLMN: "26203", TAC: 0x0101, CellID: 0x0202, AcT: 7, Cause: 7}
				for _, p := range []string{"20810", "20820", "20815", "26201", "26202"} {
					r.Refused = append(r.Refused, emm.Reject{PLMN: p, TAC: 0x0101, Cause: 11})
				}
				return r
			}(),
			func(t *testing.T, r *rig) {
				r.loop.Do(r.m.Reselect)
				r.loop.Do(r.m.Reselect)
				r.net.reg = roaming()
				actUICCReset("")(t, r)
			}, []string{"20815", "20820", "26201", "26202"}, "02F80202F85162F21062F220"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.card.mu.Lock()
			r.card.sized = true
			if tc.fplmn != "" {
				r.card.files[0x6F7B] = mustHex(tc.fplmn)
			}
			r.card.files[0x6FAD] = mustHex("00000002")
			r.card.mu.Unlock()
			r.net.reg = tc.reg
			r.powerCycle(t)
			r.advance(t, 2*time.Second)
			if tc.act != nil {
				tc.act(t, r)
			}
			if len(r.net.forbidden) == 0 {
				t.Fatal("no automatic attach")
			}
			if got := r.net.forbidden[len(r.net.forbidden)-1]; !slices.Equal(got, tc.want) {
				t.Errorf("last automatic attach forbade %q, want %q (all: %q)", got, tc.want, r.net.forbidden)
			}
			r.card.mu.Lock()
			got := strings.ToUpper(hex.EncodeToString(r.card.files[0x6F7B]))
			r.card.mu.Unlock()
			if got != tc.file {
				t.Errorf("EF FPLMN %s, want %s", got, tc.file)
			}
			for _, e := range r.log.Events() {
				if e.Kind == KindCardError {
					t.Errorf("card error: %v", e.Fields)
				}
			}
		})
	}
}

// TestLimitedServiceCamped: with only forbidden networks in sight the
// world tries none and leaves the modem searching, camped on the
// strongest cell in limited service (TS 23.122 §3.5): +CEREG shows 2 with
// that cell, the signal is measured, and the toolkit reports limited
// service there; searching on no cell is still no service.
func TestLimitedServiceCamped(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reg   Registration
		cereg string
		csq   string
		svc   stkterm.Service
	}{
		{"camped on a forbidden network's cell", Registration{Stat: 2, PLMN: "20810", TAC: 0x0101, CellID: 0x0202, AcT: 7, RSRP: -90},
			`+CEREG: 2,2,"0101","00000202",7`, "+CSQ: 25,99", stkterm.LimitedService},
		{"searching on no cell", Registration{Stat: 2}, "+CEREG: 2,2", "+CSQ: 99,99", stkterm.NoService},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.net.reg = tc.reg
			r.cmd(t, "AT+CEREG=2")
			r.cmd(t, "AT+COPS=0")
			if got := strings.Join(r.cmd(t, "AT+CEREG?"), "|"); got != tc.cereg {
				t.Errorf("AT+CEREG? %q, want %q", got, tc.cereg)
			}
			if got := strings.Join(r.cmd(t, "AT+CSQ"), "|"); got != tc.csq {
				t.Errorf("AT+CSQ %q, want %q", got, tc.csq)
			}
			var loc stkterm.Location
			r.loop.Do(func() { loc = r.m.Location() })
			if loc.Service != tc.svc || (tc.svc == stkterm.LimitedService && loc.Serving.CellID != tc.reg.CellID) {
				t.Errorf("toolkit location %+v, want %v", loc, tc.svc)
			}
		})
	}
}

// The ME's lists' tables (TestForbiddenForEPS, TestForbiddenTAs) share
// their registrations, the acts that keep or clear the lists, and the
// rig they start from.

// deniedOnSFR is SFR's cell refusing with cause.
func deniedOnSFR(cause int) Registration {
	return Registration{Stat: 3, PLMN: "20810", TAC: 0x0101, CellID: 0x0202, AcT: 7, Cause: cause}
}

// servedOnSFR is SFR's cell serving the device roaming.
var servedOnSFR = Registration{Stat: 5, PLMN: "20810", TAC: 0x0101, CellID: 0x0202, AcT: 7, RSRP: -90}

// emptyFPLMN is an EF FPLMN of four free entries.
var emptyFPLMN = strings.Repeat("FF", 12)

// Acts on a rig whose lists hold an entry.
var (
	actT3402    = func(t *testing.T, r *rig) { r.advance(t, T3402) }
	actCFUN     = func(t *testing.T, r *rig) { r.cmd(t, "AT+CFUN=0"); r.cmd(t, "AT+CFUN=1"); r.advance(t, 2*time.Second) }
	actPowerOff = func(t *testing.T, r *rig) { r.powerCycle(t); r.advance(t, 2*time.Second) }
	actRestart  = func(t *testing.T, r *rig) { r.restart(t); r.advance(t, 2*time.Second) }
	actCardOut  = func(t *testing.T, r *rig) {
		r.loop.Do(func() { r.m.SetCardPresent(false); r.m.SetCardPresent(true) })
		r.advance(t, 2*time.Second)
	}
	// actManualOnSFR registers by a manual selection where SFR serves,
	// then goes back to automatic selection.
	actManualOnSFR = func(t *testing.T, r *rig) {
		r.net.reg = servedOnSFR
		if got := r.pending(t, `AT+COPS=1,2,"20810"`, 2*time.Second); !strings.HasSuffix(got[0], "OK") {
			t.Fatalf("manual selection: %q", got)
		}
		r.cmd(t, "AT+COPS=0")
	}
)

// actUICCReset resets the UICC (REFRESH), which then holds imsi ("": the
// same USIM).
func actUICCReset(imsi string) func(t *testing.T, r *rig) {
	return func(t *testing.T, r *rig) {
		if imsi != "" {
			r.card.mu.Lock()
			r.card.files[0x6F07] = mustHex(imsi)
			r.card.mu.Unlock()
		}
		r.loop.Do(func() { r.m.Refresh(4) }) // UICC reset
		r.advance(t, 0)
		r.advance(t, 2*time.Second)
	}
}

// meListRig is a rig whose card has an empty EF FPLMN and a 2-digit MNC,
// powered on into reg.
func meListRig(t *testing.T, reg Registration) *rig {
	t.Helper()
	return usimRig(t, map[uint16][]byte{0x6F7B: mustHex(emptyFPLMN)}, reg, nil)
}

// fplmnUntouched fails t when EF FPLMN was written: only a #11 does.
func fplmnUntouched(t *testing.T, r *rig) {
	r.card.mu.Lock()
	got := strings.ToUpper(hex.EncodeToString(r.card.files[0x6F7B]))
	r.card.mu.Unlock()
	if got != emptyFPLMN {
		t.Errorf("EF FPLMN %s, want it untouched", got)
	}
}

// TestForbiddenForEPS: a #14 (EPS services not allowed in this PLMN)
// puts the PLMN on the ME's list of forbidden PLMNs for GPRS service,
// not on EF FPLMN, the HPLMN too (TS 24.301 §5.5.1.2.5, TS 23.122 §3.1),
// and automatic selection skips it from the next attach on; the list
// outlasts a reset of the same USIM and goes at power off (a restart
// too), when the card is taken out or another USIM is read (a profile
// switch), and for the PLMN a manual registration on it. A #15 or a
// #11 puts nothing on it.
func TestForbiddenForEPS(t *testing.T) {
	homeRefused := servedOnSFR
	homeRefused.Refused = []emm.Reject{{PLMN: "20801", Cause: 14}}
	for _, tc := range []struct {
		name  string
		reg   Registration
		act   func(t *testing.T, r *rig)
		first []string // the ME's list at the #14's own attach
		want  []string // the ME's list at the next automatic attach
	}{
		{"a visited network's #14 is skipped at the T3402 retry", deniedOnSFR(14),
			actT3402, []string{}, []string{"20810"}},
		{"the HPLMN's #14, the partner serving: skipped at the next selection", homeRefused,
			func(t *testing.T, r *rig) { r.loop.Do(r.m.Reselect) }, []string{}, []string{"20801"}},
		{"kept across +CFUN=0 and 1, the same USIM", deniedOnSFR(14), actCFUN, []string{}, []string{"20810"}},
		{"kept across a UICC reset of the same USIM", deniedOnSFR(14), actUICCReset(""), []string{}, []string{"20810"}},
		{"deleted when the reset brings another USIM (a profile switch)", deniedOnSFR(14),
			actUICCReset("082980012143658709"), []string{}, []string{}},
		{"deleted at power off", deniedOnSFR(14),
			actPowerOff, []string{}, []string{}},
		{"deleted at a restart", deniedOnSFR(14),
			actRestart, []string{}, []string{}},
		{"deleted when the card is taken out", deniedOnSFR(14),
			actCardOut, []string{}, []string{}},
		{"a manual registration takes it off", deniedOnSFR(14),
			actManualOnSFR, []string{}, []string{}},
		{"#15 forbids no PLMN: tried again at the T3402 retry", deniedOnSFR(15),
			actT3402, []string{}, []string{}},
		{"#11 goes to EF FPLMN, not to the ME's list", deniedOnSFR(11),
			actT3402, []string{}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := meListRig(t, tc.reg)
			n := len(r.net.forbiddenEPS)
			if n == 0 || !slices.Equal(r.net.forbiddenEPS[n-1], tc.first) {
				t.Fatalf("the attach refused: the ME's list %q, want %q", r.net.forbiddenEPS, tc.first)
			}
			tc.act(t, r)
			if len(r.net.forbiddenEPS) <= n {
				t.Fatal("no automatic attach after")
			}
			if got := r.net.forbiddenEPS[n]; !slices.Equal(got, tc.want) {
				t.Errorf("next automatic attach skipped %q for EPS, want %q (all: %q)", got, tc.want, r.net.forbiddenEPS)
			}
			if tc.reg.Cause != 11 {
				fplmnUntouched(t, r)
			}
		})
	}
}

// TestForbiddenTAs: a #12 puts the tracking area it came from on the
// ME's list of forbidden tracking areas for regional provision of
// service, a #13 or #15 on the list for roaming (TS 24.301 §5.5.1.2.5),
// the HPLMN's areas too, each reject of the selection; automatic
// selection skips them from the next attach on. The lists outlast a
// reset of the same USIM and go at power off (a restart too), when the
// card is taken out or another USIM is read (a profile switch), every
// emm.TAPeriod (TS 24.301 §5.3.2: 12 to 24 hours), and for the area a
// registration in it. EF FPLMN is never written for them; #11 and #17
// forbid no area.
func TestForbiddenTAs(t *testing.T) {
	onOrange := Registration{Stat: 1, PLMN: "20801", TAC: 0x3a9c, CellID: 0xc33e, AcT: 7, RSRP: -110}
	homeRefused := onOrange
	homeRefused.Refused = []emm.Reject{{PLMN: "20801", TAC: 0x3a9b, Cause: 15}}
	// later serves elsewhere, waits d and selects again.
	later := func(d time.Duration) func(t *testing.T, r *rig) {
		return func(t *testing.T, r *rig) {
			r.net.reg = onOrange
			r.loop.Do(r.m.Reselect)
			r.advance(t, d)
			r.loop.Do(r.m.Reselect)
		}
	}
	none := [2][]string{{}, {}}
	roaming := [2][]string{{}, {"20810/0101"}}
	// invalidated is a selection whose #15 in SFR's 0x0102 came before
	// its #7 in 0x0101 (the USIM invalid from then on).
	invalidated := deniedOnSFR(7)
	invalidated.Refused = []emm.Reject{{PLMN: "20810", TAC: 0x0102, Cause: 15}}
	// invalid waits d, lets again run an attach on the invalid USIM
	// (which shows the denial again and tries no network), then reads
	// the same USIM again, which keeps the ME's lists and attaches.
	invalid := func(d time.Duration, again func(t *testing.T, r *rig)) func(t *testing.T, r *rig) {
		return func(t *testing.T, r *rig) {
			r.advance(t, d)
			n := len(r.net.attaches)
			again(t, r)
			if len(r.net.attaches) != n {
				t.Fatalf("an attach on the invalid USIM: %q", r.net.attaches[n:])
			}
			actUICCReset("")(t, r)
		}
	}
	move := func(t *testing.T, r *rig) { r.loop.Do(r.m.Reselect) }
	cops0 := func(t *testing.T, r *rig) { r.cmd(t, "AT+COPS=0") }
	cfun41 := func(t *testing.T, r *rig) { r.cmd(t, "AT+CFUN=4"); r.cmd(t, "AT+CFUN=1"); r.advance(t, 2*time.Second) }
	secondArea := [2][]string{{}, {"20810/0102"}}
	for _, tc := range []struct {
		name string
		reg  Registration
		act  func(t *testing.T, r *rig)
		want [2][]string // the ME's lists (regional, roaming) at the next automatic attach
	}{
		{"#15's area is skipped at the T3402 retry", deniedOnSFR(15),
			actT3402, roaming},
		{"#13's area goes on the list for roaming", deniedOnSFR(13),
			actT3402, roaming},
		{"#12's area goes on the list for regional provision of service", deniedOnSFR(12),
			actT3402, [2][]string{{"20810/0101"}, {}}},
		{"the HPLMN's area refused with #15, another serving: skipped at the next selection", homeRefused,
			func(t *testing.T, r *rig) { r.loop.Do(r.m.Reselect) }, [2][]string{{}, {"20801/3a9b"}}},
		{"kept across +CFUN=0 and 1, the same USIM", deniedOnSFR(15), actCFUN, roaming},
		{"kept across a UICC reset of the same USIM", deniedOnSFR(15), actUICCReset(""), roaming},
		{"deleted when the reset brings another USIM (a profile switch)", deniedOnSFR(15),
			actUICCReset("082980012143658709"), none},
		{"deleted at power off", deniedOnSFR(15),
			actPowerOff, none},
		{"deleted at a restart", deniedOnSFR(13),
			actRestart, none},
		{"deleted when the card is taken out", deniedOnSFR(12),
			actCardOut, none},
		{"kept a second short of the period", deniedOnSFR(15), later(emm.TAPeriod - 3*time.Second), roaming},
		{"deleted when the period has run", deniedOnSFR(15), later(emm.TAPeriod), none},
		{"a manual registration in the area takes it off", deniedOnSFR(15),
			actManualOnSFR, none},
		{"#11 forbids no area", deniedOnSFR(11),
			actT3402, none},
		{"#17 forbids no area", deniedOnSFR(17),
			actT3402, none},
		// A reject is acted on once, when it comes (TS 24.301
		// §5.5.1.2.5): the invalid USIM's attaches show the stored
		// denial without storing its selection's areas again, so the
		// period that ran out is not started again.
		{"#15 then #7: kept within the period, a move on the invalid USIM", invalidated,
			invalid(emm.TAPeriod-10*time.Second, move), secondArea},
		{"#15 then #7: the period runs out, a move: the area not back", invalidated,
			invalid(emm.TAPeriod, move), none},
		{"#15 then #7: the period runs out, +COPS=0: the area not back", invalidated,
			invalid(emm.TAPeriod, cops0), none},
		{"#15 then #7: the period runs out, +CFUN=4 and 1: the area not back", invalidated,
			invalid(emm.TAPeriod, cfun41), none},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := meListRig(t, tc.reg)
			n := len(r.net.forbiddenTAs)
			if n == 0 || !slices.Equal(r.net.forbiddenTAs[n-1][0], none[0]) || !slices.Equal(r.net.forbiddenTAs[n-1][1], none[1]) {
				t.Fatalf("the attach refused: the ME's lists %q, want none", r.net.forbiddenTAs)
			}
			tc.act(t, r)
			if len(r.net.forbiddenTAs) <= n {
				t.Fatal("no automatic attach after")
			}
			got := r.net.forbiddenTAs[len(r.net.forbiddenTAs)-1]
			if !slices.Equal(got[0], tc.want[0]) || !slices.Equal(got[1], tc.want[1]) {
				t.Errorf("the last automatic attach skipped %q, want %q (all: %q)", got, tc.want, r.net.forbiddenTAs)
			}
			if tc.reg.Cause != 11 {
				fplmnUntouched(t, r)
			}
		})
	}
}

// TestMEListsOwnedByAUSIM: no entry is stored without the IMSI of the
// USIM it is learned with, so none outlives a change of USIM — a #14 or
// a #15 taken before the IMSI was read would otherwise belong to none
// and survive the next USIM's reading (usim ignores ""). The modem
// attaches only with an IMSI, so this holds by construction; the table
// pins it.
func TestMEListsOwnedByAUSIM(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	eps := emm.Reject{PLMN: "20810", Cause: 14}
	ta := emm.Reject{PLMN: "20810", TAC: 0x0101, Cause: 15}
	for _, tc := range []struct {
		name    string
		steps   func(l *meLists)
		eps, ta int
	}{
		{"stored without an IMSI: nothing", func(l *meLists) { l.store("", eps, now); l.store("", ta, now) }, 0, 0},
		{"without an IMSI, then another USIM read: nothing", func(l *meLists) {
			l.store("", eps, now)
			l.store("", ta, now)
			l.usim("208011111111111")
		}, 0, 0},
		{"with an IMSI: kept at its USIM's reading", func(l *meLists) {
			l.store("208012222222222", eps, now)
			l.store("208012222222222", ta, now)
			l.usim("208012222222222")
		}, 1, 1},
		{"kept while no IMSI is read", func(l *meLists) {
			l.store("208012222222222", eps, now)
			l.store("208012222222222", ta, now)
			l.usim("")
		}, 1, 1},
		{"deleted at another USIM's reading", func(l *meLists) {
			l.store("208012222222222", eps, now)
			l.store("208012222222222", ta, now)
			l.usim("208011111111111")
		}, 0, 0},
		{"another USIM's reject replaces the lists", func(l *meLists) {
			l.store("208012222222222", eps, now)
			l.store("208011111111111", ta, now)
		}, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var l meLists
			l.forget()
			tc.steps(&l)
			f := l.forbidden(emm.Forbidden{}, now)
			if len(f.EPS) != tc.eps || len(f.Roaming) != tc.ta {
				t.Errorf("lists %+v, want %d for GPRS service, %d areas", f, tc.eps, tc.ta)
			}
		})
	}
}

// TestRejectsBeforeATimeout: a selection's rejects count though it ends
// unanswered — a network refused, the next one's ATTACH REQUEST never
// answered (T3410): the UE acted on each reject as it came (TS 24.301
// §5.5.1.2.5). Before, the timeout's searching registration carried none
// of them, so a #11 reached no EF FPLMN, a #14 or #15 no ME list, and the
// next selection tried the refusing network or area again (explore, brief
// t274: #13 in Puerto Rico's 0x2001, then a timeout on another network;
// 14 min later the same area again).
func TestRejectsBeforeATimeout(t *testing.T) {
	empty := strings.Repeat("FF", 12)
	for _, tc := range []struct {
		name  string
		x     emm.Reject
		fplmn string   // EF FPLMN after the selection
		eps   []string // the PLMNs forbidden for EPS at the next attach
		ta    []string // the tracking areas forbidden for roaming then
	}{
		{"#11: the PLMN on EF FPLMN", emm.Reject{PLMN: "20810", TAC: 0x0101, Cause: 11}, "02F801" + strings.Repeat("FF", 9), nil, []string{}},
		{"#14: the PLMN on the ME's list for GPRS service", emm.Reject{PLMN: "20810", TAC: 0x0101, Cause: 14}, empty, []string{"20810"}, []string{}},
		{"#15: the area on the ME's list for roaming", emm.Reject{PLMN: "20810", TAC: 0x0101, Cause: 15}, empty, nil, []string{"20810/0101"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.card.mu.Lock()
			r.card.sized = true
			r.card.files[0x6F7B] = mustHex(empty)
			r.card.files[0x6FAD] = mustHex("00000002")
			r.card.mu.Unlock()
			r.net.reg = Registration{Stat: 2, PLMN: "20803", Timeout: true, Refused: []emm.Reject{tc.x}}
			r.powerCycle(t)
			r.advance(t, 2*time.Second)
			n := len(r.net.attaches)
			r.advance(t, T3410)
			r.advance(t, T3402)
			if len(r.net.attaches) <= n {
				t.Fatalf("no attach after T3410 and T3402: %q", r.net.attaches)
			}
			r.card.mu.Lock()
			got := strings.ToUpper(hex.EncodeToString(r.card.files[0x6F7B]))
			r.card.mu.Unlock()
			if got != tc.fplmn {
				t.Errorf("EF FPLMN %s, want %s", got, tc.fplmn)
			}
			last := len(r.net.forbiddenEPS) - 1
			if eps := r.net.forbiddenEPS[last]; !slices.Equal(eps, tc.eps) {
				t.Errorf("the next attach skipped PLMNs %q for EPS, want %q", eps, tc.eps)
			}
			if ta := r.net.forbiddenTAs[last][1]; !slices.Equal(ta, tc.ta) {
				t.Errorf("the next attach skipped tracking areas %q, want %q", ta, tc.ta)
			}
		})
	}
}
