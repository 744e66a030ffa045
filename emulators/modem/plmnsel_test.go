package modem

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/modem/stkterm"
	"github.com/esimhil/esimhil/internal/proto/emm"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

// epsloci is EF EPSLOCI with no GUTI, a TAI and an update status.
func epsloci(plmn string, tac uint16, status byte) []byte {
	p := map[string][3]byte{"20810": {0x02, 0xF8, 0x01}, "20801": {0x02, 0xF8, 0x10}}[plmn]
	return saip.EPSLOCIOf(nil, p, tac, status)
}

// usimRig is a rig whose card holds files besides EF AD (a 2-digit MNC),
// its APDU log cleared, switched on with the network answering reg and
// showing cells (nil: the fake's), 2 s on: the boot attach made.
func usimRig(t *testing.T, files map[uint16][]byte, reg Registration, cells []stkterm.Cell) *rig {
	t.Helper()
	r := newRig(t)
	r.card.mu.Lock()
	r.card.sized = true
	r.card.files[0x6FAD] = mustHex("00000002")
	for fid, b := range files {
		r.card.files[fid] = slices.Clone(b)
	}
	r.card.apdus = nil
	r.card.mu.Unlock()
	r.net.reg, r.net.cells = reg, cells
	r.powerCycle(t)
	r.advance(t, 2*time.Second)
	return r
}

// onSFR is a registration roaming on SFR, its VPLMN, the HPLMN Orange
// (the fake network's other cell) in sight.
var onSFR = Registration{Stat: 5, PLMN: "20810", TAC: 0x0101, CellID: 0x0202, AcT: 7, RSRP: -101}

// hpplmn is a card's EF HPPLMN of value v.
func hpplmn(v byte) map[uint16][]byte { return map[uint16][]byte{0x6F31: {v}} }

// searches are the instants of the modem's plmn_search events.
func searches(r *rig) []time.Time {
	var at []time.Time
	for _, e := range r.log.Events() {
		if e.Kind == KindPLMNSearch {
			at = append(at, e.T)
		}
	}
	return at
}

// TestSelectionFromUSIM: with the IMSI the modem reads EF PLMNwAcT, EF
// OPLMNwAcT and EF EPSLOCI over READ BINARY (TS 31.102 §5.1.1.2) and
// gives automatic selection their E-UTRAN PLMNs in priority order and
// the RPLMN — EF EPSLOCI's TAI while "updated" (TS 23.122 §4.4.3.1) —;
// a card without a list has an empty one. The RPLMN then follows the
// registrations: a registration's PLMN, none after a reject that
// deletes the TAI (#13; a #17 deletes nothing), and the card's again
// after a power cycle.
func TestSelectionFromUSIM(t *testing.T) {
	// EF PLMNwAcT: Vodafone DE (E-UTRAN), O2 UK in GSM only (not for
	// this E-UTRAN world), Telekom DE in NB-S1 mode only (nor that: its
	// cells are WB-S1), Bouygues in WB-S1 mode only, an empty entry.
	user := mustHex("62F220" + "4000" + "32F401" + "0080" + "62F210" + "5000" + "02F802" + "6000" + "FFFFFF0000")
	// EF OPLMNwAcT: Orange, SFR, Orange again, empty entries.
	operator := mustHex("02F810" + "4000" + "02F801" + "4080" + "02F810" + "4000" + strings.Repeat("FFFFFF0000", 3))
	deniedTA := Registration{Stat: 3, PLMN: "20810", TAC: 0x0101, CellID: 0x0202, AcT: 7, Cause: 13}
	for _, tc := range []struct {
		name           string
		files          map[uint16][]byte
		act            func(t *testing.T, r *rig)
		rplmn          string
		user, operator []string
	}{
		{"the lists and an updated EPSLOCI",
			map[uint16][]byte{0x6F60: user, 0x6F61: operator, 0x6FE3: epsloci("20810", 0x0101, saip.EPSUpdated)},
			nil, "20810", []string{"26202", "20820"}, []string{"20801", "20810"}},
		{"a new profile's EPSLOCI: the TAI deleted, no RPLMN",
			map[uint16][]byte{0x6F61: operator, 0x6FE3: saip.EPSLOCI([3]byte{0x02, 0xF8, 0x10})},
			nil, "", nil, []string{"20801", "20810"}},
		{"roaming not allowed: no RPLMN",
			map[uint16][]byte{0x6FE3: epsloci("20810", 0x0101, saip.EPSRoamingNotAllowed)},
			nil, "", nil, nil},
		{"no such files: nothing", nil, nil, "", nil, nil},
		{"a registration makes its PLMN the RPLMN",
			map[uint16][]byte{0x6FE3: epsloci("20810", 0x0101, saip.EPSUpdated)},
			func(t *testing.T, r *rig) { r.loop.Do(r.m.Reselect) }, "20801", nil, nil},
		{"a reject deleting the TAI leaves none",
			map[uint16][]byte{0x6FE3: epsloci("20801", 0x0101, saip.EPSUpdated)},
			func(t *testing.T, r *rig) {
				r.net.reg = deniedTA
				r.loop.Do(r.m.Reselect)
				r.loop.Do(r.m.Reselect)
			}, "", nil, nil},
		{"a #17 deletes nothing: the RPLMN stays",
			map[uint16][]byte{0x6FE3: epsloci("20801", 0x0101, saip.EPSUpdated)},
			func(t *testing.T, r *rig) {
				r.net.reg = Registration{Stat: 3, PLMN: "20801", TAC: 0x0101, CellID: 0x0202, AcT: 7, Cause: 17}
				r.loop.Do(r.m.Reselect)
				r.loop.Do(r.m.Reselect)
			}, "20801", nil, nil},
		{"a power cycle reads the card's again",
			map[uint16][]byte{0x6FE3: epsloci("20810", 0x0101, saip.EPSUpdated)},
			func(t *testing.T, r *rig) {
				// Registered on Orange, which EF EPSLOCI then holds
				// (storeLocation): the power cycle forgets the RPLMN and
				// reads it back from the card.
				r.loop.Do(r.m.Reselect)
				r.powerCycle(t)
				r.advance(t, 2*time.Second)
			}, "20801", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := usimRig(t, tc.files, roaming(), nil)
			r.card.mu.Lock()
			apdus := slices.Clone(r.card.apdus)
			r.card.mu.Unlock()
			for fid, b := range tc.files {
				if !readWhole(apdus, fid, len(b)) {
					t.Errorf("no SELECT %04X then READ BINARY of its %d bytes in %q", fid, len(b), apdus)
				}
			}
			if tc.act != nil {
				tc.act(t, r)
			}
			if len(r.net.sels) == 0 {
				t.Fatal("no automatic attach")
			}
			sel := r.net.sels[len(r.net.sels)-1]
			want := emm.Selection{RPLMN: tc.rplmn, User: tc.user, Operator: tc.operator}
			if sel.RPLMN != want.RPLMN || !reflect.DeepEqual(sel.User, want.User) || !reflect.DeepEqual(sel.Operator, want.Operator) {
				t.Errorf("last automatic attach: RPLMN %q, user %q, operator %q; want %q, %q, %q",
					sel.RPLMN, sel.User, sel.Operator, want.RPLMN, want.User, want.Operator)
			}
			for _, e := range r.log.Events() {
				if e.Kind == KindCardError {
					t.Errorf("card error: %v", e.Fields)
				}
			}
		})
	}
}

// readWhole reports a SELECT of fid followed by a READ BINARY of n bytes
// from offset 0 in a card's APDU log.
func readWhole(apdus []string, fid uint16, n int) bool {
	sel := fmt.Sprintf("00A4000402%04X", fid)
	read := fmt.Sprintf("00B00000%02X", n)
	for i, a := range apdus {
		if strings.HasPrefix(a, sel) {
			for _, b := range apdus[i+1:] {
				if strings.HasPrefix(b, "00A4") {
					break
				}
				if b == read {
					return true
				}
			}
		}
	}
	return false
}

// TestHigherPrioritySearch: roaming on a VPLMN in automatic mode, the
// modem looks for a higher priority PLMN every T (EF HPPLMN: n × 6
// minutes up to 8 hours, 60 without the file or beyond '50', none for
// 0; TS 31.102 §4.2.6, TS 23.122 §4.4.3.3.1) and,
// with the HPLMN in sight in the same country, runs automatic selection
// again in the search's order (the higher priority PLMNs, then the
// VPLMN: emm.Selection.Search, the RPLMN the VPLMN); at home, in manual mode or
// with only lower priority networks in sight it does not.
func TestHigherPrioritySearch(t *testing.T) {
	sfrOnly := []stkterm.Cell{{PLMN: "20810", TAC: 0x0101, CellID: 0x0202, RSRP: -101}}
	for _, tc := range []struct {
		name     string
		hpplmn   string // EF HPPLMN; "" no such file
		reg      Registration
		cells    []stkterm.Cell
		manual   bool
		wait     time.Duration
		searches int
	}{
		{"the HPLMN in sight: a search after T", "01", onSFR, nil, false, 6*time.Minute + 3*time.Second, 1},
		{"not before T", "01", onSFR, nil, false, 5 * time.Minute, 0},
		{"every T while roaming", "01", onSFR, nil, false, 18*time.Minute + 3*time.Second, 3},
		{"no EF HPPLMN: 60 minutes", "", onSFR, nil, false, 59 * time.Minute, 0},
		{"no EF HPPLMN: 60 minutes, then", "", onSFR, nil, false, 60*time.Minute + 3*time.Second, 1},
		{"T = 0: no search", "00", onSFR, nil, false, 2 * time.Hour, 0},
		{"'50': 8 hours, the longest", "50", onSFR, nil, false, 8*time.Hour + 3*time.Second, 1},
		{"'50': none before", "50", onSFR, nil, false, 8*time.Hour - time.Minute, 0},
		{"above '50': the default 60 minutes", "51", onSFR, nil, false, 60*time.Minute + 3*time.Second, 1},
		{"'FF': the default 60 minutes", "FF", onSFR, nil, false, 2*time.Hour + 3*time.Second, 2},
		{"at home: none", "01", roaming(), nil, false, time.Hour, 0},
		{"the HPLMN not in sight: none", "01", onSFR, sfrOnly, false, time.Hour, 0},
		{"manual mode: none", "01", onSFR, nil, true, time.Hour, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var files map[uint16][]byte
			if tc.hpplmn != "" {
				files = map[uint16][]byte{0x6F31: mustHex(tc.hpplmn)}
			}
			r := usimRig(t, files, tc.reg, tc.cells)
			if tc.manual {
				r.cmd(t, `AT+COPS=1,2,"20810"`)
			}
			attaches := len(r.net.sels)
			r.advance(t, tc.wait)
			for _, e := range r.log.Events() {
				if e.Kind == KindPLMNSearch && e.Str("plmn") != "20810" {
					t.Errorf("search from %q, want 20810", e.Str("plmn"))
				}
			}
			if n := len(searches(r)); n != tc.searches {
				t.Errorf("%d searches, want %d", n, tc.searches)
			}
			if got := len(r.net.sels) - attaches; got != tc.searches {
				t.Fatalf("%d automatic attaches after the first, want %d", got, tc.searches)
			}
			for _, sel := range r.net.sels[attaches:] {
				if !sel.Search || sel.RPLMN != "20810" {
					t.Errorf("the search's selection: search %v from RPLMN %q, want a search from 20810", sel.Search, sel.RPLMN)
				}
			}
		})
	}
}

// TestWBS1: TS 31.102 table 4.2.5.1 — which first access technology
// bytes of a PLMN selector entry select E-UTRAN in WB-S1 mode.
func TestWBS1(t *testing.T) {
	for _, tc := range []struct {
		act  byte
		want bool
	}{
		{0x40, true},  // E-UTRAN: WB-S1 and NB-S1
		{0x70, true},  // WB-S1 and NB-S1, both bits
		{0x60, true},  // WB-S1 only
		{0x50, false}, // NB-S1 only
		{0x20, false}, // b6 without b7: E-UTRAN not selected
		{0x80, false}, // UTRAN
		{0x08, false}, // NG-RAN
		{0xC0, true},  // UTRAN and E-UTRAN
	} {
		if got := wbS1(tc.act); got != tc.want {
			t.Errorf("wbS1(%02X) = %v, want %v", tc.act, got, tc.want)
		}
	}
}

// TestSearchAfterSwitchOn: the MT switched off and on again — a restart
// (+CFUN=1,1), a power cycle, +CFUN=0 then 1 —, or the host's +COPS=2
// then 0, starts the search for a higher priority PLMN afresh: the first
// attempt at least 2 minutes and at most T after it (TS 23.122
// §4.4.3.3.1 b), not when the timer of before would have run out.
func TestSearchAfterSwitchOn(t *testing.T) {
	for _, tc := range []struct {
		name string
		act  func(t *testing.T, r *rig)
	}{
		{"+CFUN=1,1", func(t *testing.T, r *rig) { r.restart(t) }},
		{"a power cycle", func(t *testing.T, r *rig) { r.powerCycle(t) }},
		{"+CFUN=0, +CFUN=1", func(t *testing.T, r *rig) { r.cmd(t, "AT+CFUN=0"); r.cmd(t, "AT+CFUN=1") }},
		{"+COPS=2, +COPS=0", func(t *testing.T, r *rig) { r.cmd(t, "AT+COPS=2"); r.cmd(t, "AT+COPS=0") }},
		// Manual mode on the VPLMN it is registered on: no search while
		// manual (§4.4.3.3.1 a), automatic again a fresh timer, as after
		// a manual selection of another network.
		{"+COPS=1 on its VPLMN, +COPS=0", func(t *testing.T, r *rig) {
			r.cmd(t, `AT+COPS=1,2,"20810"`)
			r.advance(t, 30*time.Second)
			r.cmd(t, "AT+COPS=0")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := usimRig(t, hpplmn(0x01), onSFR, nil) // T = 6 minutes
			r.advance(t, 5*time.Minute)
			at := r.loop.Clock().Now()
			tc.act(t, r)
			r.advance(t, 8*time.Minute-r.loop.Clock().Now().Sub(at))
			var after []time.Duration
			for _, s := range searches(r) {
				after = append(after, s.Sub(at))
			}
			if len(after) != 1 || after[0] < 2*time.Minute || after[0] > 7*time.Minute {
				t.Errorf("searches %v after it, want one between 2 minutes and T (6) plus the re-attach", after)
			}
		})
	}
}

// TestSearchAfterClose: a closed modem searches no more — its timer,
// left on the loop's clock, runs no selection (as the TA lists' erase
// timer, TestTAEraseAfterClose).
func TestSearchAfterClose(t *testing.T) {
	r := usimRig(t, hpplmn(0x01), onSFR, nil)
	n := len(r.net.sels)
	if err := r.m.Close(); err != nil {
		t.Fatal(err)
	}
	r.advance(t, time.Hour)
	if at := searches(r); len(at) != 0 {
		t.Errorf("plmn_search at %v after the modem closed", at)
	}
	if len(r.net.sels) != n {
		t.Errorf("%d automatic attaches after the modem closed", len(r.net.sels)-n)
	}
}

// TestSearchPastASilentHigherPriority: the search for a higher priority
// PLMN (TS 23.122 §4.4.3.3.1) tries the HPLMN, whose network never
// answers: the modem restarts the attach on it at each T3411, the
// search's order kept, and at the fifth T3410 expiry (1 min 55 s after
// the search) PLMN selection goes on with the next in that order, the
// VPLMN it was on (TS 24.301 §5.5.1.2.6 c, outside tester o259 F1) — not
// T3402's 12 minutes with no service —, though the fifth expiry deleted
// the RPLMN (EF EPSLOCI: EU2). The next search comes T after that
// registration.
func TestSearchPastASilentHigherPriority(t *testing.T) {
	files := hpplmn(0x01)
	files[0x6FE3] = epsloci("20810", 0x0101, saip.EPSUpdated)
	r := usimRig(t, files, onSFR, nil)
	r.loop.Do(func() {
		r.net.choose = func(sel emm.Selection) Registration {
			if !sel.Search {
				t.Errorf("a selection outside the search: %+v", sel)
			}
			if slices.Contains(sel.Failed, "20801") {
				return onSFR
			}
			return Registration{Stat: 2, PLMN: "20801", Timeout: true}
		}
	})
	first := len(r.net.sels)
	r.advance(t, 6*time.Minute)
	at := searches(r)
	if len(at) != 1 {
		t.Fatalf("searches at %v, want one", at)
	}
	run := 5*15*time.Second + 4*10*time.Second
	r.advance(t, at[0].Add(run).Sub(r.loop.Now())-time.Millisecond)
	r.loop.Do(func() {
		if got := r.m.Registration(); got.Registered() {
			t.Errorf("registered before the fifth expiry: %+v", got)
		}
	})
	r.advance(t, time.Millisecond)
	var got []string
	r.loop.Do(func() {
		if reg := r.m.Registration(); reg.Stat != 5 || reg.PLMN != "20810" {
			t.Errorf("after the fifth expiry %+v, want roaming on 20810 again", reg)
		}
		for _, sel := range r.net.sels[first:] {
			got = append(got, fmt.Sprintf("only=%s failed=%v rplmn=%s", sel.Only, sel.Failed, sel.RPLMN))
		}
	})
	// The fifth expiry deleted the last visited registered TAI (TS 24.301
	// §5.5.1.2.6: EU2, EF EPSLOCI written so), but the selection that goes
	// on keeps the search's order, the VPLMN at its place (attachRun.rplmn).
	want := []string{"only= failed=[] rplmn=20810", "only=20801 failed=[] rplmn=20810", "only=20801 failed=[] rplmn=20810",
		"only=20801 failed=[] rplmn=20810", "only=20801 failed=[] rplmn=20810", "only= failed=[20801] rplmn=20810"}
	if !slices.Equal(got, want) {
		t.Errorf("the search's attaches %q, want %q", got, want)
	}
	r.card.mu.Lock()
	writes := epslociWrites(r.card.apdus)
	r.card.mu.Unlock()
	if want := []string{"02F810FFFE 01", "02F8010101 00 +GUTI"}; len(writes) < 2 || !slices.Equal(writes[len(writes)-2:], want) {
		t.Errorf("EF EPSLOCI writes %q, want them to end with %q", writes, want)
	}
	r.advance(t, 6*time.Minute)
	if at := searches(r); len(at) != 2 || !at[1].Equal(at[0].Add(run+6*time.Minute)) {
		t.Errorf("searches at %v, want the next 6 min after the return", at)
	}
}

// TestEHPLMNFromUSIM: the modem reads EF EHPLMN (TS 31.102 §4.2.84) when
// EF UST announces the service (n°71), and gives automatic selection its
// PLMNs in order (TS 23.122 §4.4.3.1.1 i); without the service the file
// is not the list, and without either the list is empty: the HPLMN.
func TestEHPLMNFromUSIM(t *testing.T) {
	list := saip.EHPLMN([]string{"20810", "20801"}) // SFR first, then Orange
	for _, tc := range []struct {
		name  string
		files map[uint16][]byte
		want  []string
	}{
		{"service 71 and the list", map[uint16][]byte{0x6F38: saip.UST(saip.ServiceEHPLMN), 0x6FD9: list}, []string{"20810", "20801"}},
		{"the file without the service: no list", map[uint16][]byte{0x6F38: saip.UST(), 0x6FD9: list}, nil},
		{"the service with an empty file: no list", map[uint16][]byte{0x6F38: saip.UST(saip.ServiceEHPLMN), 0x6FD9: saip.EHPLMN(nil)}, nil},
		{"neither", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := usimRig(t, tc.files, roaming(), nil)
			if len(r.net.sels) == 0 {
				t.Fatal("no automatic attach")
			}
			if got := r.net.sels[len(r.net.sels)-1].EHPLMNs; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("automatic attach's EHPLMNs %q, want %q", got, tc.want)
			}
			r.card.mu.Lock()
			apdus := slices.Clone(r.card.apdus)
			r.card.mu.Unlock()
			if read := readWhole(apdus, 0x6FD9, len(list)); read != (tc.files[0x6F38] != nil && saip.HasService(tc.files[0x6F38], saip.ServiceEHPLMN)) {
				t.Errorf("EF EHPLMN read %v with EF UST %X: %q", read, tc.files[0x6F38], apdus)
			}
		})
	}
}
