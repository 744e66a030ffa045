package modem

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/modem/stkterm"
	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/internal/personality"
)

// newPersonalityRig is newRig with a dialect and echo off.
func newPersonalityRig(t *testing.T, name string) *rig {
	t.Helper()
	p, err := personality.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	r := newRigWith(t, p)
	r.cmd(t, "ATE0")
	return r
}

// answer runs a line and renders its lines and final result "a|b|OK".
func (r *rig) answer(line string) string {
	rsp, err := r.c.Command(line)
	var out []string
	if rsp != nil {
		out = append(out, rsp.Lines...)
	}
	var cme *atclient.CMEError
	switch {
	case errors.As(err, &cme):
		out = append(out, "+CME ERROR: "+cme.Text)
	case err != nil && rsp != nil && rsp.Final != "":
		out = append(out, rsp.Final)
	case err != nil:
		out = append(out, "<"+err.Error()+">")
	default:
		out = append(out, "OK")
	}
	return strings.Join(out, "|")
}

const openISDR = `AT+CCHO="A0000005591010FFFFFFFF8900000100"`

func TestPersonalityDialects(t *testing.T) {
	type step struct{ line, want string }
	tests := []struct {
		name  string
		steps []step
	}{
		{"generic", []step{
			{"AT+CCID", "+CCID: 89330123456789012342|OK"},
			{"AT+QCCID", "ERROR"},
			{"ATI", "esimhil modem emulator|OK"},
			{"AT+CGMI;+CGMR", "esimhil|1.0|OK"},
			// E-UTRAN alone, for a host that finds no LTE in +GCAP
			// (outside tester sw122).
			{"AT+WS46=?;+WS46?", "+WS46: (28)|+WS46: 28|OK"},
			{"AT+WS46=28", "OK"},
			{"AT+CMEE=2;+WS46=12", "+CME ERROR: operation not supported"},
			{"AT+CMEE=0", "OK"},
			{"AT+CCHO=?", "OK"},
			{openISDR, "+CCHO: 1|OK"},
			{`AT+CGLA=1,10,"80CA005A00"`, `+CGLA: 4,"6D00"|OK`},
			{"AT+CCHC=1", "OK"},
			{"AT+CMEE=2;+CCHC=1", "+CME ERROR: invalid index"},
			{`AT+CSIM=4,"00"`, "+CME ERROR: incorrect parameters"},
		}},
		{"quectel-eg25", []step{
			{"AT+QCCID", "+QCCID: 89330123456789012342|OK"},
			{"AT+CCID", "ERROR"},
			{"AT+CGMM", "EG25-like (esimhil)|OK"},
			// The vendor's name, which hosts pick their vendor code by
			// (outside tester sw118).
			{"AT+CGMI;+GMI", "Quectel|Quectel|OK"},
			{openISDR, "+CCHO: 1|OK"},
			{"AT+CMEE=2", "OK"},
			{`AT+CSIM=4,"00"`, "+CME ERROR: Incorrect parameters"},
			{"AT+CCHC=2", "+CME ERROR: invalid index"},
		}},
		{"simcom-a7600", []step{
			// The answer's name differs from the command's; atclient
			// knows it (TestAnswerUnderAnotherName), TestSIMComICCID
			// checks the wire.
			{"AT+CICCID", "+ICCID: 89330123456789012342|OK"},
			{"AT+CCID", "ERROR"},
			{openISDR, "ERROR"},
			{`AT+CGLA=1,10,"80CA005A00"`, "ERROR"},
			{"AT+CCHC=1", "ERROR"},
			{"AT+CCHO=?", "ERROR"},
			{`AT+CSIM=10,"0070000001"`, `+CSIM: 6,"019000"|OK`},
			{`AT+CSIM=10,"0070800100"`, `+CSIM: 4,"9000"|OK`},
		}},
		{"sierra-em7511", []step{
			{"AT!ICCID?", "!ICCID: 89330123456789012342|OK"},
			{"AT!ICCID", "!ICCID: 89330123456789012342|OK"},
			{"AT!ICCID=?", "ERROR"},
			{"AT+CGMI", "Sierra Wireless, Incorporated|OK"},
			{openISDR, "+CCHO: 000000000385a7cf|OK"},
			{`AT+CGLA=000000000385a7cf,10,"80CA005A00"`, `+CGLA: 4,"6D00"|OK`},
			{`AT+CGLA=000000000385A7CF,10,"80CA005A00"`, `+CGLA: 4,"6D00"|OK`},
			{"AT+CMEE=1", "OK"},
			{`AT+CGLA=1,10,"80CA005A00"`, "+CME ERROR: invalid index"},
			{`AT+CGLA=1234567,10,"80CA005A00"`, "+CME ERROR: invalid index"},
			{`AT+CGLA="000000000385a7cf",10,"80CA005A00"`, "+CME ERROR: incorrect parameters"},
			{`AT+CGLA=000000000385a7cg,10,"80CA005A00"`, "+CME ERROR: incorrect parameters"},
			{"AT+CFUN=?", "ERROR"},
			{"AT+CCHC=000000000385a7cf", "OK"},
			{"AT+CCHC=000000000385a7cf", "+CME ERROR: invalid index"},
		}},
		{"ublox-sara-r5", []step{
			{"AT+CCID", "+CCID: 89330123456789012342|OK"},
			{"AT+CGMI", "u-blox|OK"},
			{openISDR, "+CCHO: 1|OK"},
			{"AT+CCHC=1", "OK"},
		}},
		{"fibocom-l850", []step{
			{"AT+CCID", "+CCID: 89330123456789012342|OK"},
			{openISDR, "1|OK"},
			{`AT+CGLA=1,10,"80CA005A00"`, `+CGLA: 4,"6D00"|OK`},
			{"AT+CCHC=1", "ERROR"},
			{"AT+CGMI", "Fibocom Wireless Inc.|OK"},
			{`AT+CSIM=10,"0070800100"`, `+CSIM: 4,"9000"|OK`},
			{openISDR, "1|OK"},
		}},
		{"nordic-nrf9160", []step{
			// The ICCID string without quotes (nRF9160 AT Commands, %XICCID).
			{"AT%XICCID", "%XICCID: 89330123456789012342|OK"},
			{"AT+CCID", "ERROR"},
			{"AT+CGMI;+CGMM;+CGMR", "Nordic Semiconductor ASA|nRF9160-SICA-like (esimhil)|mfw_nrf9160_1.3.5|OK"},
			{openISDR, "+CCHO: 1|OK"},
			{`AT+CGLA=1,10,"80CA005A00"`, `+CGLA: 4,"6D00"|OK`},
			{"AT+CCHC=1", "OK"},
			{`AT+CRSM=176,12258,0,0,10`, `+CRSM: 144,0,"98331032547698103224"|OK`},
			// Nordic's own commands it lacks: ERROR, as any unknown one.
			{"AT%XBANDLOCK=0", "ERROR"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newPersonalityRig(t, tc.name)
			r.advance(t, 2*time.Second)
			for _, s := range tc.steps {
				if got := r.answer(s.line); got != s.want {
					t.Errorf("%s: %q, want %q", s.line, got, s.want)
				}
			}
		})
	}
}

func TestPersonalityURCs(t *testing.T) {
	tests := []struct {
		name    string
		restart time.Duration
		boot    []string
		refresh []string
	}{
		{"generic", 11 * time.Second, []string{"RDY"}, nil},
		{"quectel-eg25", 13 * time.Second, []string{"RDY", "+CFUN: 1", "+CPIN: READY", "+QUSIM: 1", "+QIND: SMS DONE", "+QIND: PB DONE"}, []string{"+QUSIM: 1"}},
		{"simcom-a7600", 15 * time.Second, []string{"*ATREADY: 1", "+CPIN: READY", "SMS DONE", "PB DONE"}, []string{"+CPIN: READY"}},
		{"sierra-em7511", 20 * time.Second, nil, nil},
		{"ublox-sara-r5", 10 * time.Second, []string{"+CPIN: READY"}, nil},
		{"fibocom-l850", 16 * time.Second, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newPersonalityRig(t, tc.name)
			r.advance(t, 2*time.Second)
			mark := len(r.atlog.String())
			r.cmd(t, "AT+CFUN=1,1")
			r.advance(t, tc.restart-time.Millisecond)
			if got := urcsIn(r.atlog.String()[mark:]); len(got) != 0 {
				t.Errorf("before %v: %q", tc.restart, got)
			}
			r.advance(t, time.Millisecond)
			if _, err := r.c.Command("AT"); err != nil {
				t.Fatalf("after restart: %v", err)
			}
			if got := urcsIn(r.atlog.String()[mark:]); !slices.Equal(got, tc.boot) {
				t.Errorf("boot URCs %q, want %q", got, tc.boot)
			}
			mark = len(r.atlog.String())
			r.loop.Do(func() { r.m.Refresh(4) })
			r.advance(t, time.Millisecond)
			if _, err := r.c.Command("AT"); err != nil {
				t.Fatal(err)
			}
			if got := urcsIn(r.atlog.String()[mark:]); !slices.Equal(got, tc.refresh) {
				t.Errorf("refresh URCs %q, want %q", got, tc.refresh)
			}
		})
	}
}

// urcsIn picks the boot and refresh URCs out of an AT log.
func urcsIn(log string) []string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		_, text, ok := strings.Cut(l, " < ")
		if ok && (text == "RDY" || strings.HasPrefix(text, "+CPIN:") || strings.HasPrefix(text, "+QUSIM:") ||
			strings.HasPrefix(text, "+CFUN:") || strings.HasPrefix(text, "+QIND:") || text == "*ATREADY: 1" || strings.HasSuffix(text, " DONE")) {
			out = append(out, text)
		}
	}
	return out
}

func TestSIMComICCID(t *testing.T) {
	r := newPersonalityRig(t, "simcom-a7600")
	r.cmd(t, "AT+CICCID")
	if !strings.Contains(r.atlog.String(), " > AT+CICCID\n") || !strings.Contains(r.atlog.String(), " < +ICCID: 89330123456789012342\n") {
		t.Errorf("AT log:\n%s", r.atlog.String())
	}
}

// TestBootURCDelays: boot_urc_delays spread a personality's boot URCs
// over its boot, each that long after the power-on or the restart's end,
// so that a command the host sends meanwhile is answered between them (an
// A7670's +CPIN: READY, SMS DONE and PB DONE come seconds after its
// *ATREADY: 1); a restart or a power cut during the boot drops the rest
// of that boot's.
func TestBootURCDelays(t *testing.T) {
	base, err := personality.Load("simcom-a7600")
	if err != nil {
		t.Fatal(err)
	}
	p, err := base.Override("test.yaml", []byte("boot_urc_delays: [0s, 2s, 4s, 9s]\n"))
	if err != nil {
		t.Fatal(err)
	}
	all := []string{"*ATREADY: 1", "+CPIN: READY", "SMS DONE", "PB DONE"}
	for _, tc := range []struct {
		name   string
		during func(r *rig) // 1 s into the boot
		wait   time.Duration
		want   []string // the boot URCs from the power-on on
	}{
		{"left alone", func(*rig) {}, 8 * time.Second, all},
		{"before the last", func(*rig) {}, 8*time.Second - time.Millisecond, all[:3]},
		{"restarted", func(r *rig) { r.cmd(t, "AT+CFUN=1,1") }, base.RestartDelay + 9*time.Second, append(all[:1:1], all...)},
		{"power cut", func(r *rig) { r.loop.Do(r.m.PowerOff) }, time.Minute, all[:1]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRigWith(t, p)
			r.advance(t, 2*time.Second)
			mark := len(r.atlog.String())
			r.loop.Do(func() { r.m.PowerOff(); r.m.PowerOn() })
			r.advance(t, time.Second)
			r.cmd(t, "AT")
			log := r.atlog.String()[mark:]
			if got := urcsIn(log); !slices.Equal(got, all[:1]) || !strings.Contains(log, "> AT\n") {
				t.Fatalf("1 s into the boot: URCs %q, want %q before the host's AT:\n%s", got, all[:1], log)
			}
			tc.during(r)
			r.advance(t, tc.wait)
			if got := urcsIn(r.atlog.String()[mark:]); !slices.Equal(got, tc.want) {
				t.Errorf("boot URCs %q, want %q:\n%s", got, tc.want, r.atlog.String()[mark:])
			}
		})
	}
}

// TestScanAfterTheCardIsReady: a modem that shows its scan
// (searching_urc) shows it once the card is ready, after the URCs that
// say so, at a REFRESH and at a restart: the scan needs the IMSI, and a
// field EG25 logs +CEREG: 0, +QUSIM: 1, then +CEREG: 2.
func TestScanAfterTheCardIsReady(t *testing.T) {
	p, err := personality.Load("quectel-eg25")
	if err != nil {
		t.Fatal(err)
	}
	p.SearchingURC = true
	r := newRigWith(t, p)
	r.cmd(t, "ATE0")
	r.cmd(t, "AT+CEREG=1")
	r.advance(t, 2*time.Second)
	order := func(log string) []string {
		var out []string
		for _, l := range strings.Split(log, "\n") {
			if _, text, ok := strings.Cut(l, " < "); ok && (strings.HasPrefix(text, "+CEREG: ") || strings.HasPrefix(text, "+QUSIM:") || strings.HasPrefix(text, "+QIND:")) {
				out = append(out, text)
			}
		}
		return out
	}
	mark := len(r.atlog.String())
	r.loop.Do(func() { r.m.Refresh(4) })
	r.advance(t, 2*time.Second)
	r.cmd(t, "AT")
	if got, want := order(r.atlog.String()[mark:]), []string{"+CEREG: 0", "+QUSIM: 1", "+CEREG: 2", "+CEREG: 5"}; !slices.Equal(got, want) {
		t.Errorf("REFRESH: %q, want %q", got, want)
	}
	mark = len(r.atlog.String())
	r.cmd(t, "AT+CFUN=1,1")
	r.advance(t, 15*time.Second)
	r.cmd(t, "AT+CEREG=1")
	r.advance(t, 2*time.Second)
	r.cmd(t, "AT")
	got := order(r.atlog.String()[mark:])
	if i, j := slices.Index(got, "+QIND: PB DONE"), slices.Index(got, "+CEREG: 2"); i < 0 || j >= 0 && j < i {
		t.Errorf("restart: %q, want the boot's URCs before any scan", got)
	}
}

// TestNordicCFUN: an nRF91's +CFUN modes (nRF9160 AT Commands, +CFUN):
// what each does to the radio and the card, what +CFUN? reads after it,
// no <rst>; and %XSYSTEMMODE kept and read back. Generic refuses them all.
func TestNordicCFUN(t *testing.T) {
	type step struct{ line, want string }
	tests := []struct {
		name  string
		steps []step
	}{
		{"nordic-nrf9160", []step{
			{"AT+CFUN=?", "+CFUN: (0,1,4,20,21,30,31,40,41,44)|OK"},
			{"AT+CFUN=1,1", "ERROR"},
			// 0 takes the card's power; 41 gives it back, the radio off
			// (nrf-softsim issue 95: +CFUN=41, then +CFUN: 41).
			{"AT+CFUN=0;+CFUN?", "+CFUN: 0|OK"},
			{"AT+CPIN?", "ERROR"},
			{"AT+CFUN=41;+CFUN?", "+CFUN: 41|OK"},
			{"AT+CPIN?;+CEREG?", "+CPIN: READY|+CEREG: 0,0|OK"},
			{"AT%XICCID", "%XICCID: 89330123456789012342|OK"},
			// GNSS is not modelled: nothing changes, the read included.
			{"AT+CFUN=31;+CFUN?", "+CFUN: 41|OK"},
			// 4 is flight mode with the card shut down, 44 with it on.
			{"AT+CFUN=4;+CFUN?", "+CFUN: 4|OK"},
			{"AT+CPIN?", "ERROR"},
			{"AT+CFUN=44;+CFUN?", "+CFUN: 44|OK"},
			{"AT+CPIN?", "+CPIN: READY|OK"},
			// 21 turns LTE on (normal mode), 20 off with the card on.
			{"AT+CFUN=21;+CFUN?", "+CFUN: 1|OK"},
			{"AT+CFUN=20;+CFUN?;+CPIN?", "+CFUN: 4|+CPIN: READY|OK"},
			// 40 deactivates the card, the radio with it.
			{"AT+CFUN=40;+CFUN?;+CPIN?", "+CFUN: 0|ERROR"},
			{"AT+CFUN=1;+CFUN?;+CPIN?", "+CFUN: 1|+CPIN: READY|OK"},
			{"AT+CFUN=5", "ERROR"},
			{"AT%XSYSTEMMODE?", "%XSYSTEMMODE: 1,0,1,0|OK"},
			{"AT%XSYSTEMMODE=0,1,0,0;%XSYSTEMMODE?", "%XSYSTEMMODE: 0,1,0,0|OK"},
			{"AT%XSYSTEMMODE=1,1,1,0,1", "ERROR"},
			{"AT%XSYSTEMMODE=?", "OK"},
			{"AT%XSYSTEMMODE", "ERROR"}, // no execute form
		}},
		{"generic", []step{
			{"AT+CFUN=?", "+CFUN: (0,1,4),(0,1)|OK"},
			{"AT+CFUN=41", "+CME ERROR: incorrect parameters"},
			{"AT+CFUN=44", "+CME ERROR: incorrect parameters"},
			{"AT+CFUN=4;+CFUN?;+CPIN?", "+CFUN: 4|+CPIN: READY|OK"},
			{"AT%XSYSTEMMODE?", "ERROR"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newPersonalityRig(t, tc.name)
			r.advance(t, 2*time.Second)
			if tc.name == "generic" {
				r.cmd(t, "AT+CMEE=2")
			}
			for _, s := range tc.steps {
				got := r.answer(s.line)
				r.advance(t, 10*time.Millisecond)
				if got != s.want {
					t.Errorf("%s: %q, want %q", s.line, got, s.want)
				}
			}
		})
	}
}

// TestNordicCESQ: an nRF91's %CESQ notifications (nRF91 AT reference,
// %CESQ) follow the world's signal as +CESQ does: subscribed, one goes
// out when the RSRP's or RSRQ's threshold index changes — not for a
// change within a band —, with 255 for all once the modem measures
// nothing; unsubscribed, none. A personality without them refuses the
// command.
func TestNordicCESQ(t *testing.T) {
	type step struct {
		line string // a command line, or "" for the signal change below
		rsrp int    // the serving cell's RSRP after the change
		want string // its answer, then the URCs after it ("" none)
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"nordic-nrf9160", []step{
			{line: "AT+CESQ", want: "+CESQ: 99,99,255,255,20,56|OK"},
			{line: "AT%CESQ=1", want: "OK"},
			// -85 → -101 dBm: index 56 → 40, both in band 2 (40-59).
			{rsrp: -101, want: ""},
			{rsrp: -125, want: "%CESQ: 16,0,20,2"},
			{rsrp: -60, want: "%CESQ: 81,4,20,2"},
			// LTE off: nothing measured.
			{line: "AT+CFUN=20", want: "OK|%CESQ: 255,255,255,255"},
			// LTE on again: attached, measured again (the fake
			// network's attach gives -85 dBm).
			{line: "AT+CFUN=21", want: "OK|%CESQ: 56,2,20,2"},
			{line: "AT%CESQ=0", want: "OK"},
			{rsrp: -125, want: ""},
			{line: "AT%CESQ=2", want: "ERROR"},
			{line: "AT%CESQ?", want: "ERROR"},
		}},
		{"generic", []step{
			{line: "AT%CESQ=1", want: "ERROR"},
			{rsrp: -125, want: ""},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newPersonalityRig(t, tc.name)
			r.advance(t, 2*time.Second)
			r.c.ClearURCs()
			for i, s := range tc.steps {
				var got []string
				if s.line != "" {
					got = append(got, r.answer(s.line))
				} else {
					r.loop.Do(func() {
						r.net.cells = []stkterm.Cell{{PLMN: "20801", TAC: 0x3a9b, CellID: 0xc33d, RSRP: s.rsrp}}
						r.m.SignalChanged()
					})
				}
				r.advance(t, 5*time.Second) // an attach after LTE is back
				r.answer("AT")              // the URCs before its OK are in
				got = append(got, r.c.URCs()...)
				r.c.ClearURCs()
				if g := strings.Join(got, "|"); g != s.want {
					t.Errorf("step %d (%q, %d dBm): %q, want %q", i, s.line, s.rsrp, g, s.want)
				}
			}
		})
	}
}

// TestICCIDFiller: the ICCID command prints EF ICCID's F filler under
// iccid_filler: keep, as an L860-GL's "+CCID: 8937105220100124117F",
// and the digits alone under strip (the default); a 20-digit ICCID has
// none either way.
func TestICCIDFiller(t *testing.T) {
	const (
		ef20 = "98331032547698103224" // 89330123456789012342
		ef19 = "983301214365870921F1" // 8933101234567890121
		ef18 = "983301214365870981FF" // 893310123456789018
	)
	for _, tc := range []struct {
		name, personality, quirks, ef, line, want string
	}{
		{"generic strips", "generic", "", ef19, "AT+CCID", "+CCID: 8933101234567890121|OK"},
		{"keep over generic", "generic", "iccid_filler: keep\n", ef19, "AT+CCID", "+CCID: 8933101234567890121F|OK"},
		{"keep, 18 digits: both Fs", "generic", "iccid_filler: keep\n", ef18, "AT+CCID", "+CCID: 893310123456789018FF|OK"},
		{"keep, 20 digits: no filler", "generic", "iccid_filler: keep\n", ef20, "AT+CCID", "+CCID: 89330123456789012342|OK"},
		{"fibocom-l850 keeps", "fibocom-l850", "", ef19, "AT+CCID", "+CCID: 8933101234567890121F|OK"},
		{"quectel-eg25 keeps", "quectel-eg25", "", ef19, "AT+QCCID", "+QCCID: 8933101234567890121F|OK"},
		{"nordic-nrf9160 keeps", "nordic-nrf9160", "", ef19, "AT%XICCID", "%XICCID: 8933101234567890121F|OK"},
		{"strip over quectel-eg25", "quectel-eg25", "iccid_filler: strip\n", ef19, "AT+QCCID", "+QCCID: 8933101234567890121|OK"},
		{"simcom-a7600 strips", "simcom-a7600", "", ef19, "AT+CICCID", "+ICCID: 8933101234567890121|OK"},
		{"sierra-em7511 strips", "sierra-em7511", "", ef19, "AT!ICCID?", "!ICCID: 8933101234567890121|OK"},
		{"ublox-sara-r5 strips", "ublox-sara-r5", "", ef19, "AT+CCID", "+CCID: 8933101234567890121|OK"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := personality.Load(tc.personality)
			if err == nil && tc.quirks != "" {
				p, err = p.Override("quirks.yaml", []byte(tc.quirks))
			}
			if err != nil {
				t.Fatal(err)
			}
			loop := clock.NewLoop(clock.NewVirtual(clock.Epoch))
			r := &rig{loop: loop, log: eventlog.New(loop.Now), card: newFakeCard(), net: &fakeNet{reg: roaming()}, atlog: &syncBuf{}}
			r.card.files[0x2FE2] = mustHex(tc.ef)
			r.stk = &fakeSTK{card: r.card}
			r.start(t, r.card, p)
			r.cmd(t, "ATE0")
			if got := r.answer(tc.line); got != tc.want {
				t.Errorf("%s: %q, want %q", tc.line, got, tc.want)
			}
		})
	}
}
