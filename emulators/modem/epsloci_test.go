package modem

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/modem/stkterm"
	"github.com/esimhil/esimhil/internal/proto/emm"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

// epslociWrites are the UPDATE BINARYs of EF EPSLOCI in a card's APDU
// log (each after a SELECT by path of 7FFF 6FE3), as "TAI status" with
// "+GUTI" when one is stored.
func epslociWrites(apdus []string) []string {
	var out []string
	for i, a := range apdus {
		if a != "00A4080C047FFF6FE3" || i+1 >= len(apdus) {
			continue
		}
		w := apdus[i+1]
		if !strings.HasPrefix(w, "00D6000012") || len(w) != 10+36 {
			continue
		}
		d := w[10:]
		s := d[24:34] + " " + d[34:36]
		if d[:24] != strings.Repeat("F", 24) {
			s += " +GUTI"
		}
		out = append(out, s)
	}
	return out
}

// TestLocationAfterFailures: what the modem stores in EF EPSLOCI, and
// keeps as the RPLMN, when an attach fails. TS 24.301 §5.5.1.2.6: at the
// attach attempt counter's fifth T3410 expiry the UE deletes the GUTI
// and the last visited registered TAI and sets EU2 NOT UPDATED — the
// card's RPLMN gone for the selection that goes on and the next (TS
// 23.122 §4.4.3.1). §5.5.1.2.5: a reject with #3, #6-#8, #11-#15 sets
// EU3 and deletes the same, whether it is the selection's outcome or a
// network that refused before the selection ended unregistered, and #42
// EU2 with the same deletions; other causes (#17) touch neither. The
// card starts "updated" on start's TAI; each row looks after the boot
// attach and `then` more (a T3402 retry).
func TestLocationAfterFailures(t *testing.T) {
	sfrCell := stkterm.Cell{PLMN: "20810", TAC: 0x0101, CellID: 0x0202, RSRP: -80}
	orangeCell := stkterm.Cell{PLMN: "20801", TAC: 0x3a9b, CellID: 0xc33d, RSRP: -85}
	silentSFR := Registration{Stat: 2, PLMN: "20810", Timeout: true}
	five := 5*T3410 + 4*T3411
	orangeRejects := func(cause int) func(emm.Selection) Registration {
		return func(emm.Selection) Registration {
			return Registration{Stat: 2, Refused: []emm.Reject{{PLMN: "20801", TAC: 0x3a9b, Cause: cause}}}
		}
	}
	tests := []struct {
		name   string
		start  string // the card's "updated" PLMN (its TAI's TAC 0101 for SFR, 3A9B for Orange)
		cells  []stkterm.Cell
		choose func(emm.Selection) Registration
		then   time.Duration
		writes []string // EF EPSLOCI's UPDATE BINARYs
		rplmns []string // each automatic attach's RPLMN
	}{
		{"five T3410 expiries, nothing else: EU2, the RPLMN deleted", "20810",
			[]stkterm.Cell{sfrCell}, func(emm.Selection) Registration { return silentSFR }, five + T3402,
			[]string{"02F801FFFE 01"},
			[]string{"20810", "20810", "20810", "20810", "20810", ""}},
		{"five T3410 expiries, then Orange: EU2, then updated on Orange", "20810",
			[]stkterm.Cell{sfrCell, orangeCell}, func(sel emm.Selection) Registration {
				if slices.Contains(sel.Failed, "20810") {
					return roaming()
				}
				return silentSFR
			}, five,
			[]string{"02F801FFFE 01", "02F8103A9B 00 +GUTI"},
			// The selection going on past SFR keeps the order it began
			// with (attachRun.rplmn); the next would have none.
			[]string{"20810", "20810", "20810", "20810", "20810", "20810"}},
		{"four expiries and a registration: nothing deleted", "20810",
			[]stkterm.Cell{sfrCell}, func(sel emm.Selection) Registration {
				if sel.Only == "20810" {
					return Registration{Stat: 5, PLMN: "20810", TAC: 0x0101, CellID: 0x0202, AcT: 7, RSRP: -80}
				}
				return silentSFR
			}, T3410 + T3411,
			[]string{"02F8010101 00 +GUTI"},
			[]string{"20810", "20810"}},
		{"a #13 before an unregistered end: EU3, the RPLMN deleted, once", "20801",
			[]stkterm.Cell{orangeCell}, orangeRejects(13), T3402,
			[]string{"02F810FFFE 02"},
			[]string{"20801", ""}},
		{"a #11 before an unanswered attach: EU3 at once", "20801",
			[]stkterm.Cell{sfrCell, orangeCell}, func(emm.Selection) Registration {
				r := silentSFR
				r.Refused = []emm.Reject{{PLMN: "20801", TAC: 0x3a9b, Cause: 11}}
				return r
			}, T3410 + T3411,
			[]string{"02F810FFFE 02"},
			[]string{"20801", ""}},
		{"a #17 before an unregistered end: nothing deleted", "20801",
			[]stkterm.Cell{orangeCell}, orangeRejects(17), T3402,
			nil,
			[]string{"20801", "20801"}},
		{"a #11 before a registration: updated there", "20810",
			[]stkterm.Cell{sfrCell, orangeCell}, func(emm.Selection) Registration {
				r := roaming()
				r.Refused = []emm.Reject{{PLMN: "20810", TAC: 0x0101, Cause: 11}}
				return r
			}, 0,
			[]string{"02F8103A9B 00 +GUTI"},
			[]string{"20810"}},
		// #42 (severe network failure): EU2 NOT UPDATED, the GUTI and
		// TAI deleted (TS 24.301 §5.5.1.2.5), the RPLMN with them.
		{"a #42 before an unregistered end: EU2, the RPLMN deleted", "20801",
			[]stkterm.Cell{orangeCell}, orangeRejects(42), T3402,
			[]string{"02F810FFFE 01"},
			[]string{"20801", ""}},
		{"a #42 denial, again at T3402: EU2 written once", "20801",
			[]stkterm.Cell{orangeCell}, func(emm.Selection) Registration {
				return Registration{Stat: 3, PLMN: "20801", TAC: 0x3a9b, CellID: 0xc33d, AcT: 7, Cause: 42}
			}, T3402,
			[]string{"02F810FFFE 01"},
			[]string{"20801", ""}},
		{"a #42 before a registration: updated there", "20810",
			[]stkterm.Cell{sfrCell, orangeCell}, func(emm.Selection) Registration {
				r := roaming()
				r.Refused = []emm.Reject{{PLMN: "20810", TAC: 0x0101, Cause: 42}}
				return r
			}, 0,
			[]string{"02F8103A9B 00 +GUTI"},
			[]string{"20810"}},
		{"a #15 denial, again at T3402: EU3 written once", "20801",
			[]stkterm.Cell{orangeCell}, func(emm.Selection) Registration {
				return Registration{Stat: 3, PLMN: "20801", TAC: 0x3a9b, CellID: 0xc33d, AcT: 7, Cause: 15}
			}, T3402,
			[]string{"02F810FFFE 02"},
			[]string{"20801", ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			tac := map[string]uint16{"20810": 0x0101, "20801": 0x3a9b}[tc.start]
			r.card.mu.Lock()
			r.card.sized = true
			r.card.files[0x6FAD] = mustHex("00000002")
			r.card.files[0x6FE3] = epsloci(tc.start, tac, saip.EPSUpdated)
			r.card.apdus = nil
			r.card.mu.Unlock()
			r.loop.Do(func() { r.net.cells, r.net.choose = tc.cells, tc.choose })
			r.powerCycle(t)
			r.advance(t, 2*time.Second) // AttachDelay: the boot attach
			if tc.then > 0 {
				r.advance(t, tc.then)
			}
			r.card.mu.Lock()
			writes := epslociWrites(r.card.apdus)
			r.card.mu.Unlock()
			if !slices.Equal(writes, tc.writes) {
				t.Errorf("EF EPSLOCI writes %q, want %q", writes, tc.writes)
			}
			var rplmns []string
			r.loop.Do(func() {
				for _, s := range r.net.sels {
					rplmns = append(rplmns, s.RPLMN)
				}
			})
			if !slices.Equal(rplmns, tc.rplmns) {
				t.Errorf("attaches' RPLMNs %q, want %q", rplmns, tc.rplmns)
			}
		})
	}
}

// TestLocationAfterHostWrite: a deletion is not written again while the
// card holds it, but once the host has written EF EPSLOCI itself (here
// +CRSM UPDATE BINARY, "updated" on Orange) the modem no longer knows
// what the card holds, and the T3402 retry's same #13 writes EU3 again.
func TestLocationAfterHostWrite(t *testing.T) {
	for _, tc := range []struct {
		name  string
		host  bool
		retry []string // EF EPSLOCI's writes at the T3402 retry
	}{
		{"no host write: EU3 once", false, nil},
		{"the host's write: EU3 again", true, []string{"02F810FFFE 02"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.card.mu.Lock()
			r.card.sized = true
			r.card.files[0x6FAD] = mustHex("00000002")
			r.card.files[0x6FE3] = epsloci("20801", 0x3a9b, saip.EPSUpdated)
			r.card.mu.Unlock()
			r.loop.Do(func() {
				r.net.cells = []stkterm.Cell{{PLMN: "20801", TAC: 0x3a9b, CellID: 0xc33d, RSRP: -85}}
				r.net.choose = func(emm.Selection) Registration {
					return Registration{Stat: 2, Refused: []emm.Reject{{PLMN: "20801", TAC: 0x3a9b, Cause: 13}}}
				}
			})
			r.powerCycle(t)
			r.advance(t, 2*time.Second)
			if tc.host {
				got := r.cmd(t, `AT+CRSM=214,28643,0,0,18,"`+fmt.Sprintf("%X", epsloci("20801", 0x3a9b, saip.EPSUpdated))+`"`)
				if !slices.Contains(got, "+CRSM: 144,0") {
					t.Fatalf("the host's UPDATE BINARY: %q", got)
				}
			}
			r.card.mu.Lock()
			r.card.apdus = nil
			r.card.mu.Unlock()
			r.advance(t, T3402)
			r.card.mu.Lock()
			writes := epslociWrites(r.card.apdus)
			r.card.mu.Unlock()
			if !slices.Equal(writes, tc.retry) {
				t.Errorf("EF EPSLOCI writes at the T3402 retry %q, want %q", writes, tc.retry)
			}
		})
	}
}
