package modem

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/modem/stkterm"
	"github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/personality"
)

// pending sends line, whose final result comes later on the virtual
// clock: it advances the clock by each of steps in turn and returns, for
// each, what the modem sent meanwhile (URCs, information text, the final
// result), as at.log shows it: "+CEREG: 2|+CME ERROR: 111".
func (r *rig) pending(t *testing.T, line string, steps ...time.Duration) []string {
	t.Helper()
	mark := len(r.atlog.String())
	in := r.m.LinesIn()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = r.c.Command(line) // read from at.log below
	}()
	if !r.m.AwaitLinesIn(in, 2*time.Second) {
		t.Fatalf("%s: not taken in", line)
	}
	var out []string
	for _, d := range steps {
		r.advance(t, d)
		log := r.atlog.String()
		out = append(out, strings.Join(sent(log[mark:]), "|"))
		mark = len(log)
	}
	<-done
	return out
}

// sent is what the modem sent in an at.log excerpt.
func sent(log string) []string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if _, text, ok := strings.Cut(l, " < "); ok {
			out = append(out, text)
		}
	}
	return out
}

// TestManualSelectionAnswersAfterTheAttempt: +COPS=1 on another network
// answers only once its registration attempt has ended (TS 27.007 §7.3):
// the modem leaves its network (searching, +CEREG: 2), and AttachDelay
// later the outcome's URC comes, then the final result — OK registered,
// the §9.2.2.1 error of the reject cause denied (or the personality's
// cops_reject_error), 31 for a network that never answers (when T3410
// runs out the fifth time), 30 for no cell of it answering. The rest of the line runs
// after it.
func TestManualSelectionAnswersAfterTheAttempt(t *testing.T) {
	denied := func(cause int) Registration {
		return Registration{Stat: 3, PLMN: "20810", TAC: 0x0101, CellID: 0x0202, AcT: 7, Cause: cause}
	}
	sfr := Registration{Stat: 5, PLMN: "20810", TAC: 0x0101, CellID: 0x0202, AcT: 7, RSRP: -101}
	tests := []struct {
		name  string
		quirk func(*personality.Personality)
		reg   Registration // the network's answer to the attempt
		line  string
		// want is what the modem sends just before AttachDelay, at it,
		// and when T3410 would run out after it.
		want [3]string
	}{
		{"registered", nil, sfr, `AT+COPS=1,2,"20810"`,
			[3]string{`+CEREG: 2`, `+CEREG: 5,"0101","00000202",7|OK`, ""}},
		{"registered, the line goes on", nil, sfr, `AT+COPS=1,2,"20810";+COPS?`,
			[3]string{`+CEREG: 2`, `+CEREG: 5,"0101","00000202",7|+COPS: 1,2,"20810",7|OK`, ""}},
		{"PLMN not allowed", nil, denied(11), `AT+COPS=1,2,"20810",7`,
			[3]string{`+CEREG: 2`, `+CEREG: 3,"0101","00000202",7,0,11|+CME ERROR: 111`, ""}},
		{"roaming not allowed in this area, by name", nil, denied(13), `AT+COPS=1,0,"SFR"`,
			[3]string{`+CEREG: 2`, `+CEREG: 3,"0101","00000202",7,0,13|+CME ERROR: 113`, ""}},
		{"no suitable cells", nil, denied(15), `AT+COPS=1,2,"20810"`,
			[3]string{`+CEREG: 2`, `+CEREG: 3,"0101","00000202",7,0,15|+CME ERROR: 115`, ""}},
		{"a cause without its own error", nil, denied(42), `AT+COPS=1,2,"20810"`,
			[3]string{`+CEREG: 2`, `+CEREG: 3,"0101","00000202",7,0,42|+CME ERROR: 32`, ""}},
		// An abnormal cause: the answer waits for the fifth attempt
		// (TestAbnormalRejectsInManualMode).
		{"an abnormal cause", nil, denied(22), `AT+COPS=1,2,"20810"`,
			[3]string{`+CEREG: 2`, `+CEREG: 3,"0101","00000202",7,0,22`, ""}},
		{"cops_reject_error 30", func(p *personality.Personality) { p.COPSRejectError = 30 }, denied(11), `AT+COPS=1,2,"20810"`,
			[3]string{`+CEREG: 2`, `+CEREG: 3,"0101","00000202",7,0,11|+CME ERROR: 30`, ""}},
		{"the line stops at the error", nil, denied(11), `AT+COPS=1,2,"20810";+COPS?`,
			[3]string{`+CEREG: 2`, `+CEREG: 3,"0101","00000202",7,0,11|+CME ERROR: 111`, ""}},
		{"no cell answers", nil, Registration{}, `AT+COPS=1,1,"SFR"`,
			[3]string{`+CEREG: 2`, `+CEREG: 0|+CME ERROR: 30`, ""}},
		// The answer waits for the fifth T3410 expiry: TestAttachAttemptsInManualMode.
		{"no answer: T3410", nil, Registration{Timeout: true, PLMN: "20810"}, `AT+COPS=1,2,"20810"`,
			[3]string{`+CEREG: 2`, ``, `+CEREG: 0`}},
		{"mode 4 falls back to automatic", nil, Registration{}, `AT+COPS=4,2,"20810"`,
			[3]string{`+CEREG: 2`, `+CEREG: 5,"3a9b","0000c33d",7|OK`, ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := personality.Generic()
			if tc.quirk != nil {
				tc.quirk(&p)
			}
			r := newRigWith(t, p)
			r.cmd(t, "ATE0;+CMEE=1;+CEREG=3")
			r.advance(t, 2*time.Second) // roaming on 20801
			r.cmd(t, "AT")              // its URC read
			r.loop.Do(func() {
				r.net.reg = tc.reg
				if tc.reg.Timeout || tc.reg.Stat == 0 {
					// Automatic selection still finds 20801.
					r.net.fallback = roaming()
				}
			})
			got := r.pending(t, tc.line, 2*time.Second-time.Millisecond, time.Millisecond, T3410)
			if want := tc.want[:]; !slices.Equal(got, want) {
				t.Errorf("%s:\n got %q\nwant %q", tc.line, got, want)
			}
		})
	}
}

// TestManualSelectionAtOnce: what needs no attempt answers at once —
// the network the modem is registered on, a network none of whose cells
// is visible, a malformed command — and +COPS=0 and a restart return to
// automatic selection.
func TestManualSelectionAtOnce(t *testing.T) {
	r := newRig(t)
	r.cmd(t, "ATE0;+CMEE=1")
	r.advance(t, 2*time.Second) // roaming on 20801 (the fake's network)
	r.exchanges(t, []exchange{
		{`AT+COPS=1,2,"20801"`, "OK"},
		{"AT+COPS?", `+COPS: 1,2,"20801",7|OK`},
		{`AT+COPS=1,0,"Orange F";+COPS?`, `+COPS: 1,0,"Orange F",7|OK`},
		{`AT+COPS=1,2,"20801",7`, "OK"},
		{`AT+COPS=1,2,"99999"`, "+CME ERROR: 30"},
		{`AT+COPS=1,0,"Nowhere"`, "+CME ERROR: 30"},
		{`AT+COPS=1,2,20801`, "+CME ERROR: 50"},
		{`AT+COPS=1,2,"2080"`, "+CME ERROR: 50"},
		{`AT+COPS=1,2,"20801",2`, "+CME ERROR: 50"},
		// NB-S1 asked for: the world's cells are WB-S1 alone (outside
		// tester sw118: 9 answered OK and stayed on 7); mode 4 then
		// selects automatically.
		{`AT+COPS=1,2,"20801",9`, "+CME ERROR: 30"},
		{`AT+COPS=4,2,"20801",9;+COPS?`, `+COPS: 0,2,"20801",7|OK`},
		{`AT+COPS=4,0,"Nowhere";+COPS=3,2;+COPS?`, `+COPS: 0,2,"20801",7|OK`},
		// By number alike: automatic at once, the cell kept (sw124).
		{`AT+CEREG=1;+COPS=4,2,"99999";+COPS?;+CEREG=0`, `+COPS: 0,2,"20801",7|OK`},
		{"AT+COPS=3,2;+COPS=0;+COPS?", `+COPS: 0,2,"20801",7|OK`},
	})
	r.loop.Do(func() { r.net.reg = Registration{} })
	if got := r.pending(t, `AT+COPS=1,1,"SFR"`, 2*time.Second); got[0] != "+CME ERROR: 30" {
		t.Errorf(`AT+COPS=1,1,"SFR": %q`, got)
	}
	r.exchanges(t, []exchange{{"AT+COPS?", "+COPS: 1|OK"}, {"AT+CEREG?", "+CEREG: 0,0|OK"}})
	r.loop.Do(func() { r.net.reg = roaming() })
	r.restart(t)
	r.exchanges(t, []exchange{{"ATE0", "OK"}, {"AT+COPS?", `+COPS: 0,2,"20801",7|OK`}})
	r.loop.Do(func() {
		want := "@20810"
		if !slices.ContainsFunc(r.net.attaches, func(a string) bool { return strings.HasSuffix(a, want) }) {
			t.Errorf("attaches %q: no manual attach on 20810", r.net.attaches)
		}
	})
}

// TestLinesWaitForAPendingAnswer: a line typed while +COPS=1 runs is
// echoed, then runs once the final result has gone (V.250 §5.6: one
// command line at a time); a power cut drops both, answered by nobody.
func TestLinesWaitForAPendingAnswer(t *testing.T) {
	r := newRig(t)
	r.cmd(t, "ATE0;+CMEE=1")
	r.advance(t, 2*time.Second)
	r.loop.Do(func() {
		r.net.reg = Registration{Stat: 3, PLMN: "20810", TAC: 0x0101, CellID: 0x0202, AcT: 7, Cause: 11}
		mark := len(r.atlog.String())
		r.m.takeBytes([]byte("AT+COPS=1,2,\"20810\"\rAT+CEREG?\r"))
		if got := sent(r.atlog.String()[mark:]); len(got) != 0 {
			t.Errorf("before the attempt ends: %q", got)
		}
	})
	mark := len(r.atlog.String())
	r.advance(t, 2*time.Second)
	if got, want := sent(r.atlog.String()[mark:]), []string{"+CME ERROR: 111", "+CEREG: 0,3", "OK"}; !slices.Equal(got, want) {
		t.Errorf("after it: %q, want %q", got, want)
	}
	r.loop.Do(func() {
		r.m.takeBytes([]byte("AT+COPS=1,2,\"20810\"\rAT\r"))
		r.m.PowerOff()
		r.m.PowerOn()
	})
	mark = len(r.atlog.String())
	r.advance(t, time.Minute)
	if got := sent(r.atlog.String()[mark:]); slices.Contains(got, "+CME ERROR: 111") || slices.Contains(got, "OK") {
		t.Errorf("after a power cut: %q", got)
	}
}

// TestCellChangeURC: under +CEREG=2 the modem reports a change of the
// serving cell (TAC or cell ID) even when <stat> stays the same (27.007
// §10.1.22); under n=1 only <stat> is shown, so a new cell says nothing.
// The AT log is evidence of where the device was. t153 F4.
func TestCellChangeURC(t *testing.T) {
	for _, tc := range []struct {
		name     string
		n        string
		tac      uint16
		ci       uint32
		wantURCs []string
	}{
		{"n=2, new cell, same TAC", "2", 0x3a9b, 0xc33e, []string{`+CEREG: 5,"3a9b","0000c33e",7`}},
		{"n=2, new TAC and cell", "2", 0x3a9c, 0xd001, []string{`+CEREG: 5,"3a9c","0000d001",7`}},
		{"n=2, same cell", "2", 0x3a9b, 0xc33d, nil},
		{"n=1, new cell", "1", 0x3a9c, 0xd001, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.cmd(t, "ATE0;+CEREG="+tc.n)
			r.advance(t, 2*time.Second) // roaming on 20801, cell 3a9b/c33d
			r.cmd(t, "AT")              // its URC read
			mark := len(r.atlog.String())
			r.loop.Do(func() {
				moved := roaming()
				moved.TAC, moved.CellID = tc.tac, tc.ci
				r.net.reg = moved
				r.m.Reselect()
			})
			r.advance(t, 2*time.Second)
			r.cmd(t, "AT") // whatever the move sent comes before its OK
			var got []string
			for _, l := range strings.Split(r.atlog.String()[mark:], "\n") {
				if _, u, ok := strings.Cut(l, " < "); ok && strings.HasPrefix(u, "+CEREG:") {
					got = append(got, u)
				}
			}
			if !slices.Equal(got, tc.wantURCs) {
				t.Errorf("URCs after the move %q, want %q", got, tc.wantURCs)
			}
		})
	}
}

// TestCOPSListsForbidden: a network that rejected the subscriber is
// listed by AT+COPS=? as forbidden, <stat> 3 (27.007 §7.3), until it takes
// the subscriber (tester t153 F6, N33: the modem forgot the rejection and
// listed it as available).
func TestCOPSListsForbidden(t *testing.T) {
	tests := []struct {
		name string
		reg  Registration // the network's answer to the attach
		want string
	}{
		{"rejected with #11 by SFR", Registration{Stat: 3, PLMN: "20810", TAC: 0x0101, CellID: 0x0202, AcT: 7, Cause: 11},
			`+COPS: (1,"Orange F","Orange","20801",7),(3,"SFR","SFR","20810",7),,(0-4),(0-2)`},
		{"roaming on Orange: none forbidden", roaming(),
			`+COPS: (2,"Orange F","Orange","20801",7),(1,"SFR","SFR","20810",7),,(0-4),(0-2)`},
		{"searching: none forbidden", Registration{Stat: 2},
			`+COPS: (1,"Orange F","Orange","20801",7),(1,"SFR","SFR","20810",7),,(0-4),(0-2)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.net.reg = tc.reg
			r.advance(t, 2*time.Second)
			if got := strings.Join(r.cmd(t, "AT+COPS=?"), "|"); got != tc.want {
				t.Errorf("AT+COPS=?: got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestQueuedLineLoggedWhenSent: at.log has a line the host sent while a
// command ran at the time it arrived, marked queued, not at the time it
// ran (t169 F1): a host that did not wait for the final result shows as
// one. Its answer still comes after the running command's. Times are
// from the +COPS=1 line; the attempt it starts ends 2 s later.
func TestQueuedLineLoggedWhenSent(t *testing.T) {
	type typed struct {
		at   time.Duration
		line string
	}
	const cops = `AT+COPS=1,2,"20810"`
	q := at.QueuedMark
	tests := []struct {
		name  string
		typed []typed
		cut   func(m *Modem) // at 1.8 s: a power cut or a hang drops what waits
		want  []string       // at.log from the +COPS=1 on: "<offset> <dir> <text>"
	}{
		{"one line typed 0.5 s into the attempt", []typed{{500 * time.Millisecond, "AT+CGMI"}}, nil, []string{
			"0s > " + cops, "500ms > AT+CGMI" + q, "2s < +CME ERROR: 111", "2s < esimhil", "2s < OK"}},
		{"three lines, each at its own time", []typed{{500 * time.Millisecond, "AT+CEREG?"}, {time.Second, "A/"}, {1500 * time.Millisecond, "AT"}}, nil, []string{
			"0s > " + cops, "500ms > AT+CEREG?" + q, "1s > A/" + q, "1.5s > AT" + q,
			"2s < +CME ERROR: 111", "2s < +CEREG: 0,3", "2s < OK", "2s < +CEREG: 0,3", "2s < OK", "2s < OK"}},
		// t185 F2: the lines behind a queued +CFUN=1,1 meet the restart
		// as lines typed after it do: lost, not answered by a modem
		// that reboots (its RDY comes RestartDelay later).
		{"lines queued behind a restart are lost in it", []typed{{500 * time.Millisecond, "AT+CFUN=1,1"}, {time.Second, "AT+CGMI"},
			{1500 * time.Millisecond, "AT+CFUN?;+CEREG?"}}, nil, []string{
			"0s > " + cops, "500ms > AT+CFUN=1,1" + q, "1s > AT+CGMI" + q, "1.5s > AT+CFUN?;+CEREG?" + q,
			"2s < +CME ERROR: 111", "2s < OK"}},
		{"a chained line's restart loses the lines behind it", []typed{{500 * time.Millisecond, "AT+CGMR;+CFUN=1,1"}, {time.Second, "AT+CGMI"}}, nil, []string{
			"0s > " + cops, "500ms > AT+CGMR;+CFUN=1,1" + q, "1s > AT+CGMI" + q,
			"2s < +CME ERROR: 111", "2s < 1.0", "2s < OK"}},
		{"a hung AT port answers neither the command nor what waits", []typed{{500 * time.Millisecond, "AT+CGMI"}},
			func(m *Modem) { m.SetATHung(true) }, []string{"0s > " + cops, "500ms > AT+CGMI" + q}},
		{"a line the modem cannot frame", []typed{{time.Second, "AT\x01"}}, nil, []string{
			"0s > " + cops, "1s > <at: malformed command line: control or non-ASCII byte 0x01>" + q, "2s < +CME ERROR: 111", "2s < ERROR"}},
		{"a power cut drops the line, which at.log keeps as sent", []typed{{500 * time.Millisecond, "AT+CGMI"}}, func(m *Modem) { m.PowerOff(); m.PowerOn() }, []string{
			"0s > " + cops, "500ms > AT+CGMI" + q, "1.8s < RDY"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.cmd(t, "ATE0;+CMEE=1")
			r.advance(t, 2*time.Second)
			var t0 time.Time
			mark := 0
			r.loop.Do(func() {
				r.net.reg = Registration{Stat: 3, PLMN: "20810", TAC: 0x0101, CellID: 0x0202, AcT: 7, Cause: 11}
				t0, mark = r.loop.Now(), len(r.atlog.String())
				r.m.takeBytes([]byte(cops + "\r"))
			})
			now := time.Duration(0)
			for _, ty := range tc.typed {
				r.advance(t, ty.at-now)
				now = ty.at
				r.loop.Do(func() { r.m.takeBytes([]byte(ty.line + "\r")) })
			}
			if tc.cut != nil {
				r.advance(t, 1800*time.Millisecond-now)
				r.loop.Do(func() { tc.cut(r.m) })
				r.advance(t, 200*time.Millisecond)
			} else {
				r.advance(t, 2*time.Second-now)
			}
			var got []string
			for _, l := range strings.Split(strings.TrimSuffix(r.atlog.String()[mark:], "\n"), "\n") {
				stamp, rest, _ := strings.Cut(l, " ")
				ts, err := time.Parse(time.RFC3339Nano, stamp)
				if err != nil {
					t.Fatalf("at.log line %q: %v", l, err)
				}
				got = append(got, ts.Sub(t0).String()+" "+rest)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("at.log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestSignalWithoutACard: with no card the UE camps in limited service
// on the strongest cell in reach (TS 23.122 §3.1, §3.5), so +CSQ and
// +CESQ give that cell's signal, not "not known"; with the radio off, no
// cell in reach, or after the host's +COPS=2, they give none. t169 F4.
func TestSignalWithoutACard(t *testing.T) {
	strongest := []stkterm.Cell{{PLMN: "20810", TAC: 1, CellID: 2, RSRP: -101}, {PLMN: "46000", TAC: 3, CellID: 4, RSRP: -80}}
	tests := []struct {
		name  string
		cells []stkterm.Cell // nil: the fake's (Orange's -85 the strongest)
		setup []string       // commands before the card goes
		after []string       // commands after
		csq   string
		cesq  string
	}{
		{"no card: the strongest cell", nil, nil, nil, fmt.Sprintf("+CSQ: %d,99", csqFromRSRP(-85)), fmt.Sprintf("+CESQ: 99,99,255,255,20,%d", rsrpIndex(-85))},
		{"no card: another network's cell", strongest, nil, nil, fmt.Sprintf("+CSQ: %d,99", csqFromRSRP(-80)), fmt.Sprintf("+CESQ: 99,99,255,255,20,%d", rsrpIndex(-80))},
		{"no card, no cell in reach", []stkterm.Cell{}, nil, nil, "+CSQ: 99,99", "+CESQ: 99,99,255,255,255,255"},
		{"no card, radio off", nil, nil, []string{"AT+CFUN=4"}, "+CSQ: 99,99", "+CESQ: 99,99,255,255,255,255"},
		{"deregistered by the host (left as it was)", nil, []string{"AT+COPS=2"}, nil, "+CSQ: 99,99", "+CESQ: 99,99,255,255,255,255"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.cmd(t, "ATE0;+CMEE=1")
			r.advance(t, 2*time.Second)
			for _, l := range tc.setup {
				r.cmd(t, l)
			}
			r.loop.Do(func() {
				if tc.cells != nil {
					r.net.cells = tc.cells
				}
				r.m.SetCardPresent(false)
			})
			r.advance(t, time.Minute)
			for _, l := range tc.after {
				r.cmd(t, l)
			}
			r.exchanges(t, []exchange{
				{"AT+CPIN?", "+CME ERROR: 10"},
				{"AT+CEREG?", "+CEREG: 0,0|OK"},
				{"AT+CSQ", tc.csq + "|OK"},
				{"AT+CESQ", tc.cesq + "|OK"},
			})
		})
	}
}
