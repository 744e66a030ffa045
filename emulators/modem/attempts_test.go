package modem

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/modem/stkterm"
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
				for _, s := range r.net.sels {
					switch {
					case s.Only != "":
						sels = append(sels, "only "+s.Only)
					case len(s.Failed) > 0:
						sels = append(sels, "after "+strings.Join(s.Failed, ","))
					default:
						sels = append(sels, "*")
					}
				}
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
