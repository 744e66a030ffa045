package modem

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/modem/stkterm"
	"github.com/esimhil/esimhil/internal/personality"
	"github.com/esimhil/esimhil/internal/proto/emm"
)

// TestAttachAttemptCounter: TS 24.301 §5.5.1.2.6 c — each T3410 expiry
// increments the attach attempt counter; below 5 the attach restarts on
// the same PLMN at T3411's expiry (10 s), at 5 the UE performs PLMN
// selection (TS 23.122 §4.4.3.1.1: the next PLMN in the order) or, with
// none left, waits for T3402 (12 min), whose expiry starts afresh. SFR
// (20810) is first in the fake's order and silent for its first `silent`
// attempts; Orange (20801) takes the device.
func TestAttachAttemptCounter(t *testing.T) {
	sfr := Registration{Stat: 5, PLMN: "20810", TAC: 0x0101, CellID: 0x0202, AcT: 7, RSRP: -101}
	orange := roaming()
	both := []stkterm.Cell{
		{PLMN: "20810", TAC: 0x0101, CellID: 0x0202, RSRP: -80},
		{PLMN: "20801", TAC: 0x3a9b, CellID: 0xc33d, RSRP: -85},
	}
	tests := []struct {
		name   string
		silent int // SFR's attempts left unanswered
		cells  []stkterm.Cell
		// at is how long after the first attempt (AttachDelay) to look;
		// then the registration and what each automatic attach was
		// given: "*" a whole selection, "only X" the T3411 restart on X,
		// "after X" the selection going on past X.
		at    time.Duration
		stat  int
		plmn  string
		sels  []string
		retry []int // the attach_retry events' attempts
	}{
		{"silent once: the T3411 restart registers at 25 s", 1, both,
			25 * time.Second, 5, "20810", []string{"*", "only 20810"}, []int{2}},
		{"not yet at 25 s - 1 ms", 1, both,
			25*time.Second - time.Millisecond, 0, "", []string{"*"}, nil},
		{"silent four times: the fifth attempt registers", 4, both,
			4 * (15 + 10) * time.Second, 5, "20810",
			[]string{"*", "only 20810", "only 20810", "only 20810", "only 20810"}, []int{2, 3, 4, 5}},
		{"silent: after the fifth T3410, the next PLMN at once", 99, both,
			5*15*time.Second + 4*10*time.Second, 5, "20801",
			[]string{"*", "only 20810", "only 20810", "only 20810", "only 20810", "after 20810"}, []int{2, 3, 4, 5}},
		{"silent, nothing else in sight: not registered until T3402", 99, both[:1],
			5*15*time.Second + 4*10*time.Second + T3402 - time.Millisecond, 0, "",
			[]string{"*", "only 20810", "only 20810", "only 20810", "only 20810"}, []int{2, 3, 4, 5}},
		{"T3402's expiry selects afresh, the counter reset", 99, both[:1],
			5*15*time.Second + 4*10*time.Second + T3402, 2, "",
			[]string{"*", "only 20810", "only 20810", "only 20810", "only 20810", "*"}, []int{2, 3, 4, 5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			tries := 0
			r.loop.Do(func() {
				r.net.cells = tc.cells
				r.net.choose = func(sel emm.Selection) Registration {
					if slices.Contains(sel.Failed, "20810") {
						return orange
					}
					if tries++; tries <= tc.silent {
						return Registration{Stat: 2, PLMN: "20810", Timeout: true}
					}
					return sfr
				}
			})
			r.advance(t, 2*time.Second) // AttachDelay: the first attempt
			r.advance(t, tc.at)
			var sels []string
			r.loop.Do(func() {
				if got := r.m.Registration(); got.Stat != tc.stat || got.PLMN != tc.plmn {
					t.Errorf("registration %+v, want stat %d on %q", got, tc.stat, tc.plmn)
				}
				sels = selections(r.net)
			})
			if !slices.Equal(sels, tc.sels) {
				t.Errorf("selections %q, want %q", sels, tc.sels)
			}
			var retries []int
			for _, e := range r.log.Kind("attach_retry") {
				if e.Str("plmn") != "20810" || e.Str("timer") != "T3411" {
					t.Errorf("attach_retry %v", e)
				}
				n, _ := e.Int("attempt")
				retries = append(retries, n)
			}
			if !slices.Equal(retries, tc.retry) {
				t.Errorf("attach_retry attempts %v, want %v", retries, tc.retry)
			}
			for i, e := range r.log.Kind("attach_timeout") {
				if n, _ := e.Int("attempt"); n != i%emm.MaxAttachAttempts+1 {
					t.Errorf("attach_timeout %d: %v", i, e)
				}
			}
		})
	}
}

// TestAttachAttemptsInManualMode: the T3411 restarts are the host's
// network's too (+COPS=1 and 4). In mode 1 no other PLMN is selected
// (TS 23.122 §4.4.3.1.2), and the pending +COPS answers +CME ERROR: 31
// at the fifth expiry, when the attempt on the host's network has ended
// (27.007 §7.3) — not at the first, as before the counter; a restart that
// registers answers OK. Mode 4 falls back to automatic selection then,
// past the silent network, and answers OK.
func TestAttachAttemptsInManualMode(t *testing.T) {
	five := 5*T3410 + 4*T3411
	tests := []struct {
		name   string
		line   string
		silent int
		// want: what the modem sends at the first expiry, just before the
		// fifth and at it.
		want [3]string
	}{
		{"mode 1, silent: 31 at the fifth expiry", `AT+COPS=1,2,"20810"`, 99,
			[3]string{"+CEREG: 2|+CEREG: 0", "", "+CME ERROR: 31"}},
		{"mode 1, silent twice: OK at the third attempt", `AT+COPS=1,2,"20810"`, 2,
			[3]string{"+CEREG: 2|+CEREG: 0", `+CEREG: 5,"0101","00000202",7|OK`, ""}},
		{"mode 4, silent: automatic past it at the fifth", `AT+COPS=4,2,"20810"`, 99,
			[3]string{"+CEREG: 2|+CEREG: 0", "", `+CEREG: 5,"3a9b","0000c33d",7|OK`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.cmd(t, "ATE0;+CMEE=1;+CEREG=2")
			r.advance(t, 2*time.Second) // roaming on 20801
			r.cmd(t, "AT")
			tries := 0
			r.loop.Do(func() {
				r.net.choose = func(sel emm.Selection) Registration {
					if sel.Only != "" || !slices.Contains(sel.Failed, "20810") {
						t.Errorf("automatic selection %+v", sel)
					}
					return roaming()
				}
				r.net.reg = Registration{Stat: 5, PLMN: "20810", TAC: 0x0101, CellID: 0x0202, AcT: 7}
			})
			r.net.silentTo = func() bool { tries++; return tries <= tc.silent }
			got := r.pending(t, tc.line, 2*time.Second+T3410, five-T3410-time.Millisecond, time.Millisecond)
			if !slices.Equal(got[:], tc.want[:]) {
				t.Errorf("%s:\n got %q\nwant %q", tc.line, got, tc.want)
			}
			if n := len(r.log.Kind("attach_timeout")); n != min(tc.silent, 5) {
				t.Errorf("%d T3410 expiries", n)
			}
		})
	}
}

// TestAbnormalRejects: TS 24.301 §5.5.1.2.6 d — an ATTACH REJECT whose
// cause §5.5.1.2.5 does not treat (emm.Abnormal: #17, #22 without T3346,
// #111...) counts in the attach attempt counter as a T3410 expiry does:
// below 5 the attach restarts on the same PLMN at T3411's expiry, at 5
// the UE performs PLMN selection or, with none left, waits for T3402.
// The denial shows (<stat> 3, once: the restarts say nothing until their
// outcome). A #11 is no abnormal case: no restart. SFR (20810) is first
// in the fake's order and rejects its first `rejected` attempts; Orange
// (20801) takes the device once SFR is done with.
func TestAbnormalRejects(t *testing.T) {
	sfr := Registration{Stat: 5, PLMN: "20810", TAC: 0x0101, CellID: 0x0202, AcT: 7, RSRP: -101}
	orange := roaming()
	both := []stkterm.Cell{
		{PLMN: "20810", TAC: 0x0101, CellID: 0x0202, RSRP: -80},
		{PLMN: "20801", TAC: 0x3a9b, CellID: 0xc33d, RSRP: -85},
	}
	five := 4 * T3411 // the fifth reject, after the first
	tests := []struct {
		name     string
		cause    int
		rejected int // SFR's attempts rejected
		cells    []stkterm.Cell
		at       time.Duration // after the first attempt
		stat     int
		plmn     string
		sels     []string // as in TestAttachAttemptCounter
		counted  []int    // the attach_rejected events' attempts
		retry    []int    // the attach_retry events' attempts
		rplmn    string   // the RPLMN then ("" deleted)
	}{
		{"#17 once: the T3411 restart registers at 10 s", 17, 1, both,
			T3411, 5, "20810", []string{"*", "only 20810"}, []int{1}, []int{2}, "20810"},
		{"#17 once: denied until 10 s - 1 ms", 17, 1, both,
			T3411 - time.Millisecond, 3, "20810", []string{"*"}, []int{1}, nil, "20801"},
		{"#17 four times: the fifth attempt registers", 17, 4, both,
			five, 5, "20810", []string{"*", "only 20810", "only 20810", "only 20810", "only 20810"}, []int{1, 2, 3, 4}, []int{2, 3, 4, 5}, "20810"},
		{"#17 five times: the next PLMN at the fifth", 17, 99, both,
			five, 5, "20801", []string{"*", "only 20810", "only 20810", "only 20810", "only 20810", "after 20810"}, []int{1, 2, 3, 4, 5}, []int{2, 3, 4, 5}, "20801"},
		{"#19 five times: counted one by one (its setting to 5 is a may)", 19, 99, both,
			five, 5, "20801", []string{"*", "only 20810", "only 20810", "only 20810", "only 20810", "after 20810"}, []int{1, 2, 3, 4, 5}, []int{2, 3, 4, 5}, "20801"},
		// §5.5.1.2.6 d: #95, #96, #97, #99 and #111 set the counter to 5:
		// the next PLMN at the first, the location deleted as at the
		// fifth (the selection keeps its order: the RPLMN's network).
		{"#111 once: the counter at 5, the next PLMN at once", 111, 1, both,
			0, 5, "20801", []string{"*", "after 20810"}, []int{1}, nil, "20801"},
		{"#95 once: the next PLMN at once", 95, 1, both,
			0, 5, "20801", []string{"*", "after 20810"}, []int{1}, nil, "20801"},
		{"#99, nothing else in sight: denied until T3402, the RPLMN deleted", 99, 1, both[:1],
			T3402 - time.Millisecond, 3, "20810", []string{"*"}, []int{1}, nil, ""},
		{"#96, nothing else in sight: T3402's expiry selects afresh", 96, 1, both[:1],
			T3402, 5, "20810", []string{"*", "*"}, []int{1}, nil, "20810"},
		{"#22 without T3346 twice: the third attempt registers", 22, 2, both,
			2 * T3411, 5, "20810", []string{"*", "only 20810", "only 20810"}, []int{1, 2}, []int{2, 3}, "20810"},
		{"#17, nothing else in sight: denied until T3402, the RPLMN deleted", 17, 99, both[:1],
			five + T3402 - time.Millisecond, 3, "20810", []string{"*", "only 20810", "only 20810", "only 20810", "only 20810"}, []int{1, 2, 3, 4, 5}, []int{2, 3, 4, 5}, ""},
		{"T3402's expiry selects afresh, the counter reset", 17, 99, both[:1],
			five + T3402, 3, "20810", []string{"*", "only 20810", "only 20810", "only 20810", "only 20810", "*"}, []int{1, 2, 3, 4, 5, 1}, []int{2, 3, 4, 5}, ""},
		// EU3: the location deleted at once (§5.5.1.2.5).
		{"#11 is not abnormal: no restart, T3402", 11, 99, both,
			five, 3, "20810", []string{"*"}, nil, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			tries := 0
			r.loop.Do(func() {
				r.m.st.rplmn = "20801" // from an earlier registration
				r.net.cells = tc.cells
				r.net.choose = func(sel emm.Selection) Registration {
					if slices.Contains(sel.Failed, "20810") {
						return orange
					}
					if tries++; tries <= tc.rejected {
						return Registration{Stat: 3, PLMN: "20810", TAC: 0x0101, CellID: 0x0202, AcT: 7, Cause: tc.cause}
					}
					return sfr
				}
			})
			r.advance(t, 2*time.Second) // AttachDelay: the first attempt
			r.advance(t, tc.at)
			var sels []string
			r.loop.Do(func() {
				if got := r.m.Registration(); got.Stat != tc.stat || got.PLMN != tc.plmn {
					t.Errorf("registration %+v, want stat %d on %q", got, tc.stat, tc.plmn)
				}
				if r.m.st.rplmn != tc.rplmn {
					t.Errorf("RPLMN %q, want %q", r.m.st.rplmn, tc.rplmn)
				}
				sels = selections(r.net)
			})
			if !slices.Equal(sels, tc.sels) {
				t.Errorf("selections %q, want %q", sels, tc.sels)
			}
			var counted []int
			for _, e := range r.log.Kind("attach_rejected") {
				if c, _ := e.Int("cause"); e.Str("plmn") != "20810" || c != tc.cause {
					t.Errorf("attach_rejected %v", e)
				}
				n, _ := e.Int("attempt")
				counted = append(counted, n)
			}
			if !slices.Equal(counted, tc.counted) {
				t.Errorf("attach_rejected attempts %v, want %v", counted, tc.counted)
			}
			var retries []int
			for _, e := range r.log.Kind("attach_retry") {
				n, _ := e.Int("attempt")
				retries = append(retries, n)
			}
			if !slices.Equal(retries, tc.retry) {
				t.Errorf("attach_retry attempts %v, want %v", retries, tc.retry)
			}
			denials := 0
			for _, e := range r.log.Kind(KindRegistration) {
				if s, _ := e.Int("stat"); s == 3 {
					denials++
				}
			}
			if want := min(1, tc.rejected); denials != want {
				t.Errorf("%d stat-3 registration changes, want %d (the restarts say nothing)", denials, want)
			}
		})
	}
}

// TestAbnormalRejectsInManualMode: in manual mode the abnormal rejects
// count too, on the host's network (+COPS=1 and 4): mode 1 answers the
// reject's error at the fifth, when the attempt on that network has
// ended, or OK at a restart that registers; mode 4 falls back to
// automatic selection past the network at the fifth.
func TestAbnormalRejectsInManualMode(t *testing.T) {
	const denied = `+CEREG: 2|+CEREG: 3,"0101","00000202",7`
	tests := []struct {
		name     string
		line     string
		rejected int
		// want: what the modem sends at the first reject, just before the
		// fifth and at it.
		want [3]string
	}{
		{"mode 1, #17 always: 32 at the fifth", `AT+COPS=1,2,"20810"`, 99,
			[3]string{denied, "", "+CME ERROR: 32"}},
		{"mode 1, #17 twice: OK at the third attempt", `AT+COPS=1,2,"20810"`, 2,
			[3]string{denied, `+CEREG: 5,"0101","00000202",7|OK`, ""}},
		{"mode 4, #17 always: automatic past it at the fifth", `AT+COPS=4,2,"20810"`, 99,
			[3]string{denied, "", `+CEREG: 5,"3a9b","0000c33d",7|OK`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.cmd(t, "ATE0;+CMEE=1;+CEREG=2")
			r.advance(t, 2*time.Second) // roaming on 20801
			r.cmd(t, "AT")
			tries := 0
			sfr := Registration{Stat: 5, PLMN: "20810", TAC: 0x0101, CellID: 0x0202, AcT: 7}
			r.loop.Do(func() {
				r.net.choose = func(sel emm.Selection) Registration {
					if sel.Only != "" || !slices.Contains(sel.Failed, "20810") {
						t.Errorf("automatic selection %+v", sel)
					}
					return roaming()
				}
				r.net.reg = Registration{Stat: 3, PLMN: "20810", TAC: 0x0101, CellID: 0x0202, AcT: 7, Cause: 17}
			})
			r.net.silentTo = func() bool {
				if tries++; tries > tc.rejected {
					r.net.reg = sfr
				}
				return false
			}
			got := r.pending(t, tc.line, 2*time.Second, 4*T3411-time.Millisecond, time.Millisecond)
			if !slices.Equal(got[:], tc.want[:]) {
				t.Errorf("%s:\n got %q\nwant %q", tc.line, got, tc.want)
			}
			if n := len(r.log.Kind("attach_rejected")); n != min(tc.rejected, 5) {
				t.Errorf("%d abnormal rejects counted", n)
			}
		})
	}
}

// selections names the selections the modem asked of net, in order: "*"
// a new one, "only P" a T3411 restart on P, "after P,Q" one going on
// past the PLMNs it failed on.
func selections(net *fakeNet) []string {
	var out []string
	for _, s := range net.sels {
		switch {
		case s.Only != "":
			out = append(out, "only "+s.Only)
		case len(s.Failed) > 0:
			out = append(out, "after "+strings.Join(s.Failed, ","))
		default:
			out = append(out, "*")
		}
	}
	return out
}

// TestAttemptQuirks: the two modem differences field logs show at the
// attach attempt counter (TS 24.301 §5.5.1.2.6). abnormal_reject_moves_on
// takes every abnormal reject as #111's, the counter at 5 at once: PLMN
// selection goes on (a T3410 expiry still counts one by one).
// restart_searching shows each T3411 restart as trying to attach (27.007
// <stat> 2) and its outcome the attach's time (AttachDelay, 2 s here)
// later; without it the restart says nothing until its outcome, at
// T3411's expiry. SFR (20810) rejects (or leaves unanswered) its first
// `failed` attempts; Orange (20801) takes the device once SFR is done
// with. regs are the registration changes, as "stat@offset plmn" from
// the first attempt.
func TestAttemptQuirks(t *testing.T) {
	sfr := Registration{Stat: 5, PLMN: "20810", TAC: 0x0101, CellID: 0x0202, AcT: 7, RSRP: -101}
	both := []stkterm.Cell{
		{PLMN: "20810", TAC: 0x0101, CellID: 0x0202, RSRP: -80},
		{PLMN: "20801", TAC: 0x3a9b, CellID: 0xc33d, RSRP: -85},
	}
	quirks := func(movesOn, shows bool) personality.Personality {
		p := personality.Generic()
		p.AbnormalRejectMovesOn, p.RestartSearching = movesOn, shows
		return p
	}
	movesOn, shows := quirks(true, false), quirks(false, true)
	tests := []struct {
		name    string
		p       personality.Personality
		cause   int // 0: SFR leaves the attempt unanswered
		failed  int
		at      time.Duration // how long to look, after the first attempt
		regs    []string
		sels    []string // as in TestAttachAttemptCounter
		counted []int    // the attach_rejected events' attempts
		retry   []int    // the attach_retry events' attempts
	}{
		{"no quirk: #17, the restart silent until its outcome at T3411", quirks(false, false), 17, 1, time.Minute,
			[]string{"3@0s 20810", "5@10s 20810"}, []string{"*", "only 20810"}, []int{1}, []int{2}},
		{"abnormal_reject_moves_on: #17, the next PLMN at once", movesOn, 17, 99, time.Minute,
			[]string{"3@0s 20810", "5@0s 20801"}, []string{"*", "after 20810"}, []int{1}, nil},
		{"abnormal_reject_moves_on: #19 too", movesOn, 19, 99, time.Minute,
			[]string{"3@0s 20810", "5@0s 20801"}, []string{"*", "after 20810"}, []int{1}, nil},
		{"abnormal_reject_moves_on: #11 is no abnormal cause, T3402", movesOn, 11, 99, time.Minute,
			[]string{"3@0s 20810"}, []string{"*"}, nil, nil},
		{"abnormal_reject_moves_on: a T3410 expiry still restarts at T3411", movesOn, 0, 1, time.Minute,
			[]string{"2@0s ", "0@15s ", "5@25s 20810"}, []string{"*", "only 20810"}, nil, []int{2}},
		{"restart_searching: #17, searching at T3411, registered 2 s later", shows, 17, 1, time.Minute,
			[]string{"3@0s 20810", "2@10s ", "5@12s 20810"}, []string{"*", "only 20810"}, []int{1}, []int{2}},
		{"restart_searching: #17 twice, searching at each restart", shows, 17, 2, time.Minute,
			[]string{"3@0s 20810", "2@10s ", "3@12s 20810", "2@22s ", "5@24s 20810"}, []string{"*", "only 20810", "only 20810"}, []int{1, 2}, []int{2, 3}},
		{"restart_searching: not registered after T3410, searching at T3411", shows, 0, 1, time.Minute,
			[]string{"2@0s ", "0@15s ", "2@25s ", "5@27s 20810"}, []string{"*", "only 20810"}, nil, []int{2}},
		{"restart_searching: no restart after #111, nothing to show", shows, 111, 99, time.Minute,
			[]string{"3@0s 20810", "5@0s 20801"}, []string{"*", "after 20810"}, []int{1}, nil},
		{"both: #17 moves on, no restart to show", quirks(true, true), 17, 99, time.Minute,
			[]string{"3@0s 20810", "5@0s 20801"}, []string{"*", "after 20810"}, []int{1}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRigWith(t, tc.p)
			tries := 0
			r.loop.Do(func() {
				r.net.cells = both
				r.net.choose = func(sel emm.Selection) Registration {
					if slices.Contains(sel.Failed, "20810") {
						return roaming()
					}
					if tries++; tries > tc.failed {
						return sfr
					}
					if tc.cause == 0 {
						return Registration{Stat: 2, PLMN: "20810", Timeout: true}
					}
					return Registration{Stat: 3, PLMN: "20810", TAC: 0x0101, CellID: 0x0202, AcT: 7, Cause: tc.cause}
				}
			})
			r.advance(t, 2*time.Second) // AttachDelay: the first attempt
			first := r.loop.Now()
			r.advance(t, tc.at)
			var regs []string
			for _, e := range r.log.Kind(KindRegistration) {
				s, _ := e.Int("stat")
				regs = append(regs, fmt.Sprintf("%d@%v %s", s, e.T.Sub(first), e.Str("plmn")))
			}
			if !slices.Equal(regs, tc.regs) {
				t.Errorf("registrations %q, want %q", regs, tc.regs)
			}
			var sels []string
			r.loop.Do(func() { sels = selections(r.net) })
			if !slices.Equal(sels, tc.sels) {
				t.Errorf("selections %q, want %q", sels, tc.sels)
			}
			var counted, retries []int
			rejected := map[int]time.Time{}
			for _, e := range r.log.Kind("attach_rejected") {
				n, _ := e.Int("attempt")
				counted = append(counted, n)
				rejected[n] = e.T
			}
			for _, e := range r.log.Kind("attach_retry") {
				n, _ := e.Int("attempt")
				retries = append(retries, n)
				if at, ok := rejected[n-1]; ok && !e.T.Equal(at.Add(T3411)) {
					t.Errorf("attach_retry %d %v after the reject, want T3411", n, e.T.Sub(at))
				}
			}
			if !slices.Equal(counted, tc.counted) || !slices.Equal(retries, tc.retry) {
				t.Errorf("attach_rejected attempts %v, attach_retry %v; want %v, %v", counted, retries, tc.counted, tc.retry)
			}
		})
	}
}
