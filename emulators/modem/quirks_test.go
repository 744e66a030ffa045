package modem

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/personality"
)

// quirkRig is a generic modem with a field device's quirks laid over it,
// as a fixture manifest does.
func quirkRig(t *testing.T, quirks string) *rig {
	t.Helper()
	p, err := personality.Generic().Override("quirks.yaml", []byte(quirks))
	if err != nil {
		t.Fatal(err)
	}
	r := newRigWith(t, p)
	r.cmd(t, "ATE0")
	r.advance(t, 2*time.Second)
	return r
}

// TestQuirks: each personality quirk does what README's "Modem quirks"
// says, and nothing else changes.
func TestQuirks(t *testing.T) {
	type step struct{ line, want string }
	for _, tc := range []struct {
		name, quirks string
		steps        []step
	}{
		{"cgla_max_apdu: a longer APDU gets a bare ERROR, the card never sees it", "cgla_max_apdu: 10\n", []step{
			{"AT+CMEE=2", "OK"},
			{openISDR, "+CCHO: 1|OK"},
			{`AT+CGLA=1,20,"80CA005A05AABBCCDDEE"`, `+CGLA: 4,"6D00"|OK`},
			{`AT+CGLA=1,22,"80CA005A05AABBCCDDEEFF"`, "ERROR"},
			{`AT+CGLA=7,22,"80CA005A05AABBCCDDEEFF"`, "ERROR"},
			{`AT+CGLA=1,10,"80CA005A00"`, `+CGLA: 4,"6D00"|OK`},
		}},
		{"cgla_refused: only +CSIM reaches the card", "ccho_form: bare\ncgla_refused: true\n", []step{
			{"AT+CGLA=?", "OK"},
			{openISDR, "1|OK"},
			{`AT+CGLA=1,10,"80CA005A00"`, "ERROR"},
			{`AT+CSIM=10,"81CA005A00"`, `+CSIM: 4,"6D00"|OK`},
		}},
		{"cchc_bare_line: +CCHC for any session", "cchc_bare_line: true\n", []step{
			{"AT+CCHC=3", "+CCHC|OK"},
			{openISDR, "+CCHO: 1|OK"},
			{"AT+CCHC=1", "+CCHC|OK"},
			{"AT+CMEE=1", "OK"},
			{`AT+CGLA=1,10,"80CA005A00"`, "+CME ERROR: invalid index"},
		}},
		{"apdu_answer_no_space and cgla_passes_61xx: the host fetches the response", "apdu_answer_no_space: true\ncgla_passes_61xx: true\n", []step{
			{openISDR, "+CCHO: 1|OK"},
			{`AT+CGLA=1,42,"00A4040410A0000005591010FFFFFFFF8900000100"`, `+CGLA:4,"6105"|OK`},
			{`AT+CGLA=1,10,"00C0000005"`, `+CGLA:14,"62038201219000"|OK`},
			{`AT+CSIM=10,"81CA005A00"`, `+CSIM:4,"6D00"|OK`},
		}},
		// The +CCHO answer's space is its own field: apdu_answer_no_space
		// (above) leaves "+CCHO: 1"; a bare or long form is as its own.
		{"ccho_no_space: +CCHO:1", "ccho_no_space: true\n", []step{
			{openISDR, "+CCHO:1|OK"},
			{`AT+CGLA=1,10,"80CA005A00"`, `+CGLA: 4,"6D00"|OK`},
		}},
		{"ccho_no_space with a handle", "ccho_no_space: true\nccho_form: long\n", []step{
			{openISDR, "+CCHO:000000000385a7cf|OK"},
		}},
		{"without them: the modem fetches it, the answers have their space", "cgla_passes_61xx: false\n", []step{
			{openISDR, "+CCHO: 1|OK"},
			{`AT+CGLA=1,42,"00A4040410A0000005591010FFFFFFFF8900000100"`, `+CGLA: 14,"62038201219000"|OK`},
			{`AT+CSIM=10,"81CA005A00"`, `+CSIM: 4,"6D00"|OK`},
		}},
		{"hides_91xx: the REFRESH's 91xx shows as 9000 through +CGLA and +CSIM", "hides_91xx: true\n", []step{
			{openISDR, "+CCHO: 1|OK"},
			{`AT+CGLA=1,50,"81E2910014BF3111A00C5A0A989420000021436587098101FF"`, `+CGLA: 16,"BF31038001009000"|OK`},
			{`AT+CSIM=50,"81E2910014BF3111A00C5A0A989420000021436587098101FF"`, `+CSIM: 4,"6106"|OK`},
			{`AT+CSIM=10,"81C0000006"`, `+CSIM: 16,"BF31038001009000"|OK`},
			{`AT+CGLA=1,10,"80CA005A00"`, `+CGLA: 4,"6D00"|OK`},
		}},
		{"without it: the host sees 910B", "hides_91xx: false\n", []step{
			{openISDR, "+CCHO: 1|OK"},
			{`AT+CGLA=1,50,"81E2910014BF3111A00C5A0A989420000021436587098101FF"`, `+CGLA: 16,"BF3103800100910B"|OK`},
			{`AT+CSIM=50,"81E2910014BF3111A00C5A0A989420000021436587098101FF"`, `+CSIM: 4,"6106"|OK`},
			{`AT+CSIM=10,"81C0000006"`, `+CSIM: 16,"BF3103800100910B"|OK`},
		}},
		{"cgla_closed_error: a session never opened, closed, or gone with a REFRESH", "cgla_closed_error: 3\n", []step{
			{"AT+CMEE=2", "OK"},
			{`AT+CGLA=1,10,"80CA005A00"`, "+CME ERROR: operation not allowed"},
			{openISDR, "+CCHO: 1|OK"},
			{`AT+CGLA=1,10,"80CA005A00"`, `+CGLA: 4,"6D00"|OK`},
			{"AT+CCHC=1", "OK"},
			{`AT+CGLA=1,10,"80CA005A00"`, "+CME ERROR: operation not allowed"},
		}},
		{"without it: invalid index", "cgla_closed_error: 0\n", []step{
			{"AT+CMEE=2", "OK"},
			{`AT+CGLA=1,10,"80CA005A00"`, "+CME ERROR: invalid index"},
		}},
		// 27.007 §10.1.22 gives <tac> and <ci> as hex strings, the case
		// left to the module: an nRF91 writes upper case.
		{"location_hex: upper: the location in upper-case hex", "location_hex: upper\n", []step{
			{"AT+CEREG=2;+CREG=2", "OK"},
			{"AT+CEREG?;+CREG?", `+CEREG: 2,5,"3A9B","0000C33D",7|+CREG: 2,5,"3A9B","0000C33D",7|OK`},
		}},
		{"location_hex: lower", "location_hex: lower\n", []step{
			{"AT+CEREG=2", "OK"},
			{"AT+CEREG?", `+CEREG: 2,5,"3a9b","0000c33d",7|OK`},
		}},
		{"test_answers: the =? forms answer their line", "test_answers: {\"+CCHO\": \"+CCHO: <dfname>\", \"+CGLA\": \"+CGLA: <sessionid>,<length>,<command>\"}\n", []step{
			{"AT+CCHO=?", "+CCHO: <dfname>|OK"},
			{"AT+CGLA=?", "+CGLA: <sessionid>,<length>,<command>|OK"},
			{"AT+CCHC=?", "OK"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := quirkRig(t, tc.quirks)
			for _, s := range tc.steps {
				if got := r.answer(s.line); got != s.want {
					t.Errorf("%s: %q, want %q", s.line, got, s.want)
				}
			}
		})
	}
}

// TestProactivePendingIsNormal: while the card has a proactive command
// pending (after an enable, the REFRESH), it ends every command 91xx — a
// normal ending (TS 102 221 §10.2.1.1): +CCHO, +CCHC and the reads behind
// +CCID and +CIMI go through, no "SIM failure" (outside tester sw49: a
// fast host's +CCHC after EnableProfile got +CME ERROR: 13).
func TestProactivePendingIsNormal(t *testing.T) {
	r := quirkRig(t, "hides_91xx: false\n")
	r.cmd(t, "AT+CMEE=2")
	r.card.mu.Lock()
	r.card.proactive = true
	r.card.mu.Unlock()
	for _, s := range []struct{ line, want string }{
		{openISDR, "+CCHO: 1|OK"},
		{"AT+CCHC=1", "OK"},
		{"AT+CCID", "+CCID: 89330123456789012342|OK"},
		{`AT+CRSM=176,12258,0,0,10`, `+CRSM: 145,11,"98331032547698103224"|OK`},
	} {
		if got := r.answer(s.line); got != s.want {
			t.Errorf("%s: %q, want %q", s.line, got, s.want)
		}
	}
}

// TestEchoJoinsPrevious reads the wire: with echo on, the final result
// code ends with CR and no LF, so the next echo runs on; with echo off the
// answers are framed as usual.
func TestEchoJoinsPrevious(t *testing.T) {
	p, err := personality.Generic().Override("quirks.yaml", []byte("echo_joins_previous: true\n"))
	if err != nil {
		t.Fatal(err)
	}
	r := newRigWith(t, p)
	r.c.Close() // the test talks to the tty itself
	f, err := os.OpenFile(r.m.Path(), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	exchange := func(line, want string) {
		t.Helper()
		if _, err := f.WriteString(line + "\r"); err != nil {
			t.Fatal(err)
		}
		f.SetReadDeadline(time.Now().Add(3 * time.Second))
		var got []byte
		buf := make([]byte, 256)
		for len(got) < len(want) {
			n, err := f.Read(buf)
			if err != nil {
				t.Fatalf("%s: read %q: %v", line, got, err)
			}
			got = append(got, buf[:n]...)
		}
		if string(got) != want {
			t.Errorf("%s: wire %q, want %q", line, got, want)
		}
	}
	exchange("AT", "AT\r\r\nOK\r")
	exchange("AT+CMEE=1", "AT+CMEE=1\r\r\nOK\r")
	exchange("ATE0", "ATE0\r\r\nOK\r\n")
	exchange("AT", "\r\nOK\r\n")
}

// TestRefreshIgnored: the REFRESH is logged as ignored and nothing else
// happens — no detach, no card reset, the old identities stay — until
// +CFUN=1,1 resets the card.
func TestRefreshIgnored(t *testing.T) {
	r := quirkRig(t, "refresh_ignored: true\n")
	resets, detaches := r.card.resets, r.net.detaches
	r.loop.Do(func() { r.m.Refresh(4) })
	r.advance(t, time.Minute)
	if r.card.resets != resets || r.net.detaches != detaches || r.stk.stops != 0 {
		t.Errorf("refresh acted: resets %d→%d, detaches %d→%d, stk stops %d", resets, r.card.resets, detaches, r.net.detaches, r.stk.stops)
	}
	if got := r.answer("AT+CCID"); got != "+CCID: 89330123456789012342|OK" {
		t.Errorf("ICCID after the ignored refresh: %q", got)
	}
	var ignored bool
	for _, e := range r.log.Events() {
		if e.Kind == KindRefresh && e.Fields["ignored"] == true {
			ignored = true
		}
	}
	if !ignored {
		t.Error("no refresh {ignored: true} event")
	}
	r.cmd(t, "AT+CFUN=1,1")
	r.advance(t, 20*time.Second)
	if r.card.resets != resets+1 {
		t.Errorf("+CFUN=1,1 did not reset the card: %d resets", r.card.resets-resets)
	}
	if !strings.Contains(r.atlog.String(), "< RDY") {
		t.Error("no RDY after the restart")
	}
}

// TestRefreshDelay: under refresh_delay the REFRESH the toolkit fetched
// is carried out that long after: a host's channel stays open meanwhile
// (+CCHC answers OK, as lpac logs of a switch show), and then the card
// is reset, the channels gone and the REFRESH's URCs sent. A restart
// before it makes it moot: one reset, not two.
func TestRefreshDelay(t *testing.T) {
	r := quirkRig(t, "refresh_delay: 1500ms\nrefresh_urcs: [\"+QUSIM: 1\"]\n")
	resets := r.card.resets
	if got := r.answer(openISDR); got != "+CCHO: 1|OK" {
		t.Fatalf("%s: %q", openISDR, got)
	}
	r.loop.Do(func() { r.m.Refresh(4) })
	r.advance(t, time.Second)
	if r.card.resets != resets || strings.Contains(r.atlog.String(), "+QUSIM: 1") {
		t.Fatalf("the REFRESH ran before its delay: %d resets, at.log:\n%s", r.card.resets-resets, r.atlog.String())
	}
	if got := r.answer(`AT+CGLA=1,10,"80CA005A00"`); got != `+CGLA: 4,"6D00"|OK` {
		t.Errorf("+CGLA while the REFRESH waits: %q", got)
	}
	if got := r.answer("AT+CCHC=1"); got != "OK" {
		t.Errorf("+CCHC while the REFRESH waits: %q", got)
	}
	r.advance(t, time.Second)
	if r.card.resets != resets+1 || !strings.Contains(r.atlog.String(), "< +QUSIM: 1") {
		t.Fatalf("the REFRESH did not run after its delay: %d resets, at.log:\n%s", r.card.resets-resets, r.atlog.String())
	}

	// Asked for, then a restart before its time: the restart's reset only.
	resets = r.card.resets
	r.loop.Do(func() { r.m.Refresh(4) })
	r.cmd(t, "AT+CFUN=1,1")
	r.advance(t, time.Minute)
	if r.card.resets != resets+1 {
		t.Errorf("a REFRESH pending at a restart: %d resets after it, want the restart's 1", r.card.resets-resets)
	}
}
