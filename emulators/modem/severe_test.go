package modem

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/modem/stkterm"
	"github.com/esimhil/esimhil/internal/proto/emm"
)

// TestSevereNetworkFailureBlocks: a #42 (severe network failure, TS
// 24.301 §5.5.1.2.5) keeps its PLMN out of automatic selection for 2 ×
// T, T from EF HPPLMN (60 minutes by default: 2 hours), the HPLMN too,
// each such reject of a selection: the next automatic attaches are
// given it as blocked until the timer runs out, and not after. The
// block is the ME's, kept with its lists: across a reset of the same
// USIM, gone at power off, a restart, the card out, another USIM read,
// and for the PLMN a registration there (a manual selection's). Other
// causes block nothing; EF FPLMN is not written.
func TestSevereNetworkFailureBlocks(t *testing.T) {
	homeRefused := servedOnSFR
	homeRefused.Refused = []emm.Reject{{PLMN: "20801", TAC: 0x3a9b, Cause: 42}}
	// deniedWith42 is SFR's #42 as the world gives a denial: the last of
	// its selection's refusals too.
	deniedWith42 := deniedOnSFR(42)
	deniedWith42.Refused = []emm.Reject{{PLMN: "20810", TAC: 0x0101, Cause: 42}}
	after := func(d time.Duration) func(t *testing.T, r *rig) {
		return func(t *testing.T, r *rig) { r.advance(t, d); r.loop.Do(r.m.Reselect) }
	}
	for _, tc := range []struct {
		name   string
		files  map[uint16][]byte // besides EF FPLMN
		reg    Registration
		act    func(t *testing.T, r *rig)
		want   []string      // blocked at the next automatic attach
		period time.Duration // the plmn_blocked event's until, after the reject; 0: no event
	}{
		{"a visited network's #42: blocked at the T3402 retry", nil, deniedOnSFR(42),
			actT3402, []string{"20810"}, 2 * time.Hour},
		{"the world's denial, itself among the refusals: blocked once", nil, deniedWith42,
			actT3402, []string{"20810"}, 2 * time.Hour},
		{"the HPLMN's #42, the partner serving: blocked at the next selection", nil, homeRefused,
			func(t *testing.T, r *rig) { r.loop.Do(r.m.Reselect) }, []string{"20801"}, 2 * time.Hour},
		{"blocked a second short of 2 × T", nil, deniedOnSFR(42),
			after(2*time.Hour - time.Second), []string{"20810"}, 2 * time.Hour},
		{"a candidate again at 2 × T: the tenth T3402 retry tries it", nil, deniedOnSFR(42),
			func(t *testing.T, r *rig) { r.advance(t, 2*time.Hour) }, []string{}, 2 * time.Hour},
		{"EF HPPLMN '01' (6 min): blocked 12 min, a candidate again at the first T3402", hpplmn(0x01), deniedOnSFR(42),
			actT3402, []string{}, 12 * time.Minute},
		{"EF HPPLMN '01': blocked a second short of 12 min", hpplmn(0x01), deniedOnSFR(42),
			after(12*time.Minute - time.Second), []string{"20810"}, 12 * time.Minute},
		{"EF HPPLMN '00' (no search): the default T's 2 hours", hpplmn(0x00), deniedOnSFR(42),
			after(2*time.Hour - time.Second), []string{"20810"}, 2 * time.Hour},
		{"EF HPPLMN '50' (8 h): 16 hours", hpplmn(0x50), deniedOnSFR(42),
			after(16*time.Hour - time.Second), []string{"20810"}, 16 * time.Hour},
		{"kept across +CFUN=0 and 1, the same USIM", nil, deniedOnSFR(42), actCFUN, []string{"20810"}, 2 * time.Hour},
		{"kept across a UICC reset of the same USIM", nil, deniedOnSFR(42), actUICCReset(""), []string{"20810"}, 2 * time.Hour},
		{"gone when the reset brings another USIM (a profile switch)", nil, deniedOnSFR(42),
			actUICCReset("082980012143658709"), []string{}, 2 * time.Hour},
		{"gone at power off", nil, deniedOnSFR(42), actPowerOff, []string{}, 2 * time.Hour},
		{"gone at a restart", nil, deniedOnSFR(42), actRestart, []string{}, 2 * time.Hour},
		{"gone when the card is taken out", nil, deniedOnSFR(42), actCardOut, []string{}, 2 * time.Hour},
		{"a manual registration there ends it", nil, deniedOnSFR(42), actManualOnSFR, []string{}, 2 * time.Hour},
		{"#17 blocks nothing", nil, deniedOnSFR(17), actT3402, []string{}, 0},
		{"#11 blocks nothing (EF FPLMN's)", nil, deniedOnSFR(11), actT3402, []string{}, 0},
		{"#14 blocks nothing (the list for GPRS service's)", nil, deniedOnSFR(14), actT3402, []string{}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[uint16][]byte{0x6F7B: mustHex(emptyFPLMN)}
			for fid, b := range tc.files {
				files[fid] = b
			}
			r := usimRig(t, files, tc.reg, nil)
			rejected := r.loop.Now()
			// From now on a network that keeps failing: the rejecting
			// PLMN is tried while it is a candidate.
			refused := tc.reg.PLMN
			if len(tc.reg.Refused) > 0 && tc.reg.Stat != 3 {
				refused = tc.reg.Refused[0].PLMN
			}
			r.loop.Do(func() {
				r.net.choose = func(sel emm.Selection) Registration {
					if sel.Skips(refused, "20801") {
						if tc.reg.Stat == 3 {
							return limitedOnSFR
						}
						return servedOnSFR
					}
					return tc.reg
				}
			})
			n := len(r.net.sels)
			if n == 0 || len(r.net.sels[n-1].Blocked) != 0 {
				t.Fatalf("the attach refused: %d attaches, blocked %v, want none", n, r.net.sels)
			}
			blocked := r.log.Kind(KindPLMNBlocked)
			switch {
			case tc.period == 0 && len(blocked) != 0:
				t.Errorf("plmn_blocked %v, want none", blocked)
			case tc.period != 0 && len(blocked) != 1:
				t.Errorf("plmn_blocked %v, want one", blocked)
			case tc.period != 0:
				x := tc.reg.Refused
				if tc.reg.Stat == 3 {
					x = append(x, emm.Reject{PLMN: tc.reg.PLMN, Cause: tc.reg.Cause})
				}
				e := blocked[0]
				until := rejected.Add(tc.period).UTC().Format(time.RFC3339Nano)
				if cause, _ := e.Int("cause"); e.Str("plmn") != x[len(x)-1].PLMN || cause != 42 || e.Str("until") != until {
					t.Errorf("plmn_blocked %v, want %s until %s", e, x[len(x)-1].PLMN, until)
				}
			}
			tc.act(t, r)
			if len(r.net.sels) <= n {
				t.Fatal("no automatic attach after")
			}
			got := append([]string{}, r.net.sels[len(r.net.sels)-1].Blocked...)
			if !slices.Equal(got, tc.want) {
				t.Errorf("the last automatic attach blocked %q, want %q", got, tc.want)
			}
			if tc.reg.Cause != 11 {
				fplmnUntouched(t, r)
			}
		})
	}
}

// TestSevereNetworkFailureRetries: a network that keeps failing with #42
// (SFR alone in sight) is tried at the boot attach, then left out of
// every T3402 retry (12 min) while its 2 × T runs — limited service
// there, camped on its cell — and tried again by the first retry at or
// after it, which blocks it afresh. Before #42 blocked anything, every
// T3402 retry tried it.
func TestSevereNetworkFailureRetries(t *testing.T) {
	sfrCell := stkterm.Cell{PLMN: "20810", TAC: 0x0101, CellID: 0x0202, RSRP: -80}
	for _, tc := range []struct {
		name  string
		files map[uint16][]byte
		span  time.Duration
		tries []time.Duration // after the first, the boot attach's
	}{
		{"T 60 min: tried again at 2 h, the tenth T3402", nil, 4*time.Hour + time.Minute,
			[]time.Duration{0, 2 * time.Hour, 4 * time.Hour}},
		{"T 18 min: 36 min, the third T3402", hpplmn(0x03), time.Hour + 13*time.Minute,
			[]time.Duration{0, 36 * time.Minute, 72 * time.Minute}},
		{"T 30 min: 60 min, the fifth T3402", hpplmn(0x05), time.Hour,
			[]time.Duration{0, time.Hour}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := usimRig(t, tc.files, deniedOnSFR(42), []stkterm.Cell{sfrCell})
			first := r.loop.Now()
			var tries []time.Duration
			tries = append(tries, 0) // the boot attach's, usimRig's
			r.loop.Do(func() {
				r.net.choose = func(sel emm.Selection) Registration {
					if sel.Leaves(emm.TAI{PLMN: "20810", TAC: 0x0101}, "20801") {
						return limitedOnSFR
					}
					tries = append(tries, r.loop.Now().Sub(first))
					return deniedOnSFR(42)
				}
			})
			r.advance(t, tc.span)
			var got []time.Duration
			r.loop.Do(func() { got = slices.Clone(tries) })
			if !slices.Equal(got, tc.tries) {
				t.Errorf("SFR tried at %v, want %v", got, tc.tries)
			}
			if n := len(r.log.Kind(KindPLMNBlocked)); n != len(tc.tries) {
				t.Errorf("%d plmn_blocked, want one a try: %d", n, len(tc.tries))
			}
		})
	}
}

// TestSevereNetworkFailureRestart: a #42 answering the T3411 restart of
// the attach attempt counter resets it — the selection goes on to the
// next PLMN at once (TS 24.301 §5.5.1.2.5: PLMN selection), no further
// restart there — and blocks the PLMN for the selections after (a move).
func TestSevereNetworkFailureRestart(t *testing.T) {
	r := newRig(t)
	r.loop.Do(func() {
		r.net.cells = []stkterm.Cell{
			{PLMN: "20810", TAC: 0x0101, CellID: 0x0202, RSRP: -80},
			{PLMN: "20801", TAC: 0x3a9b, CellID: 0xc33d, RSRP: -85},
		}
		r.net.choose = func(sel emm.Selection) Registration {
			switch {
			case sel.Leaves(emm.TAI{PLMN: "20810", TAC: 0x0101}, "20801"):
				return roaming()
			case sel.Only == "20810":
				// The world's denial names itself among the refusals.
				x := deniedOnSFR(42)
				x.Refused = []emm.Reject{{PLMN: "20810", TAC: 0x0101, Cause: 42}}
				return x
			}
			return Registration{Stat: 2, PLMN: "20810", Timeout: true}
		}
	})
	r.advance(t, 2*time.Second) // AttachDelay
	r.advance(t, T3410+T3411)   // the first expiry, the restart
	r.loop.Do(r.m.Reselect)     // a move
	var sels []string
	var reg Registration
	var blocked [][]string
	r.loop.Do(func() {
		sels, reg = selections(r.net), r.m.Registration()
		for _, s := range r.net.sels {
			blocked = append(blocked, s.Blocked)
		}
	})
	if want := []string{"*", "only 20810", "after 20810", "*"}; !slices.Equal(sels, want) {
		t.Errorf("selections %q, want %q", sels, want)
	}
	if reg.PLMN != "20801" || !reg.Registered() {
		t.Errorf("registration %+v, want on Orange", reg)
	}
	if got := blocked[len(blocked)-1]; !slices.Equal(got, []string{"20810"}) {
		t.Errorf("the move's selection blocked %q, want SFR", got)
	}
	if n := len(r.log.Kind(KindAttachRetry)); n != 1 {
		t.Errorf("%d attach_retry, want the one before the #42", n)
	}
}

// TestSevereNetworkFailureManual: the host's +COPS=1 on a blocked
// network tries it (TS 23.122 §4.4.3.1.2: the user's choice among the
// available PLMNs, as a forbidden one may be; the #42 timer keeps it out
// of automatic selection's candidates), and a registration there ends
// the block; a #42 there answers with the cause's error and blocks it
// for automatic selection.
func TestSevereNetworkFailureManual(t *testing.T) {
	for _, tc := range []struct {
		name    string
		manual  Registration
		suffix  string
		blocked []string // at the automatic attach after +COPS=0
	}{
		{"registered there: OK, the block ended", servedOnSFR, "OK", []string{}},
		{"refused again with #42: an error, still blocked", deniedOnSFR(42), "ERROR", []string{"20810"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := meListRig(t, deniedOnSFR(42))
			r.net.reg = tc.manual
			got := r.pending(t, `AT+COPS=1,2,"20810"`, 2*time.Second)
			if len(got) == 0 || !strings.HasSuffix(got[len(got)-1], tc.suffix) {
				t.Fatalf("+COPS=1 on the blocked SFR: %q, want %s", got, tc.suffix)
			}
			if !slices.ContainsFunc(r.net.attaches, func(a string) bool { return strings.HasSuffix(a, "@20810") }) {
				t.Errorf("attaches %q: SFR not tried", r.net.attaches)
			}
			r.net.reg = deniedOnSFR(42)
			r.cmd(t, "AT+COPS=0")
			n := len(r.net.sels)
			if got := append([]string{}, r.net.sels[n-1].Blocked...); !slices.Equal(got, tc.blocked) {
				t.Errorf("+COPS=0's selection blocked %q, want %q", got, tc.blocked)
			}
		})
	}
}
