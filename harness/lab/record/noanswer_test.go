package record

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/harness/transport"
	"github.com/esimhil/esimhil/internal/answerpty"
	"github.com/esimhil/esimhil/internal/personality"
)

// TestRecordingEndingOnSilence: a recording whose modem never answers the
// script's last command says so at its end (fieldlog.NoAnswerNote), and
// reads back with that command unanswered, not as cut off; a silent
// command followed by another gets its note where the host moves on,
// before the next command, and the next one is answered.
func TestRecordingEndingOnSilence(t *testing.T) {
	for _, tc := range []struct {
		name, script string
		want         string // the command noted unanswered; "" none
		noise        bool   // the modem answers the silent command with noise
	}{
		{"silent to the last step", "name: x\nsteps:\n  - AT+CPIN?\n  - 'AT+CSIM=10,\"0070000001\"'\n", `AT+CSIM=10,"0070000001"`, false},
		{"silent, then answering", "name: x\nsteps:\n  - 'AT+CSIM=10,\"0070000001\"'\n  - AT+CPIN?\n", `AT+CSIM=10,"0070000001"`, false},
		// Noise for its answer: lab record advises the port's settings
		// (Noisy), not a longer timeout.
		{"noise for an answer", "name: x\nsteps:\n  - 'AT+CSIM=10,\"0070000001\"'\n  - AT+CPIN?\n", `AT+CSIM=10,"0070000001"`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseScript("s.yaml", []byte(tc.script))
			if err != nil {
				t.Fatal(err)
			}
			port := scriptedModem(t, func(l string) string {
				if strings.HasPrefix(l, "AT+CSIM") && tc.noise {
					return "\r\n\xf0\xf8\x80\xfe\r\n" // garbage, not text
				}
				if strings.HasPrefix(l, "AT+CSIM") {
					return "" // the modem hangs on the card
				}
				return "\r\n+CPIN: READY\r\n\r\nOK\r\n"
			})
			var log Log
			c := atclient.New(port, atclient.WithTrace(&log), atclient.WithTimestamps(time.Now), atclient.WithTimeout(time.Second)) // an answering modem is never taken for silent under load
			defer c.Close()
			if err := Run(c, personality.Generic(), s, &log, Wall{AT: c}); err != nil {
				t.Fatal(err)
			}
			text := strings.Join(log.Lines(), "\n") + "\n"
			tr, err := fieldlog.Read(LogFile, []byte(text), fieldlog.ATLog)
			if err != nil {
				t.Fatalf("the recording does not read: %v\n%s", err, text)
			}
			var noted []string
			for _, e := range tr.Entries {
				if e.Role == fieldlog.Note && strings.HasPrefix(e.Text, fieldlog.NoAnswerNote("")) {
					noted = append(noted, strings.TrimPrefix(e.Text, fieldlog.NoAnswerNote("")))
				}
			}
			if tc.want == "" && len(noted) > 0 || tc.want != "" && !slices.Equal(noted, []string{tc.want}) {
				t.Errorf("noted unanswered %q, want %q:\n%s", noted, tc.want, text)
			}
			// lab record exits 1 naming the step.
			if to := log.TimedOut(); len(to) != 1 || !strings.Contains(to[0], "the modem did not answer "+tc.want+" within 1s") || strings.Contains(to[0], "late answer") {
				t.Errorf("TimedOut() = %q, want the step of %s, never answered", to, tc.want)
			}
			if log.Noisy() != tc.noise {
				t.Errorf("Noisy() = %v, want %v", log.Noisy(), tc.noise)
			}
			for _, k := range tr.Commands() {
				if tr.Entries[k].Text == "AT+CPIN?" && !slices.ContainsFunc(tr.Answer(k), func(e fieldlog.Entry) bool { return e.Role == fieldlog.Final }) {
					t.Errorf("AT+CPIN? (line %d) unanswered:\n%s", tr.Entries[k].Line, text)
				}
			}
		})
	}
}

// scriptedModem is a pty whose master answers each line with answer(line)
// ("" says nothing); it returns the port on the other side.
func scriptedModem(t *testing.T, answer func(line string) string) transport.Port {
	t.Helper()
	p, err := transport.Open(context.Background(), answerpty.Open(t, answer), transport.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// CardRefused: every ES10 step refused before an APDU reached the card
// (outside tester t72), told from a card that answered, even with an
// error status word, and from a refused close (a modem without +CCHC).
func TestCardRefused(t *testing.T) {
	const script = "name: x\nsteps:\n  - AT+CPIN?\n  - {es10: BF3E035C015A}\n  - {es10: BF2000}\n"
	for _, tc := range []struct {
		name             string
		ccho, cgla, cchc string
		refused, lacks   bool
		first            string // the first step's refusal
	}{
		{"+CCHO not supported", "+CME ERROR: 4", "", "OK", true, true,
			"step 2 (es10 BF3E035C015A): AT+CCHO: +CME ERROR: 4 (operation not supported)"},
		{"+CGLA refused", "+CCHO: 1\r\n\r\nOK", "ERROR", "OK", true, true, "step 2 (es10 BF3E035C015A): AT+CGLA: at: ERROR"},
		{"no card", "+CME ERROR: 10", "", "OK", true, false, "step 2 (es10 BF3E035C015A): AT+CCHO: +CME ERROR: 10 (SIM not inserted)"},
		{"the card answers 6A88", "+CCHO: 1\r\n\r\nOK", "+CGLA: 4,\"6A88\"\r\n\r\nOK", "OK", false, false, ""},
		{"only the close refused", "+CCHO: 1\r\n\r\nOK", "+CGLA: 4,\"9000\"\r\n\r\nOK", "ERROR", false, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseScript("s.yaml", []byte(script))
			if err != nil {
				t.Fatal(err)
			}
			port := scriptedModem(t, func(l string) string {
				switch {
				case strings.HasPrefix(l, "AT+CCHO="):
					return "\r\n" + tc.ccho + "\r\n"
				case strings.HasPrefix(l, "AT+CGLA="):
					return "\r\n" + tc.cgla + "\r\n"
				case strings.HasPrefix(l, "AT+CCHC="):
					return "\r\n" + tc.cchc + "\r\n"
				}
				return "\r\nOK\r\n"
			})
			var log Log
			c := atclient.New(port, atclient.WithTrace(&log), atclient.WithTimeout(2*time.Second))
			defer c.Close()
			if err := Run(c, personality.Generic(), s, &log, Wall{AT: c}); err != nil {
				t.Fatal(err)
			}
			r, refused := log.CardRefused()
			if refused != tc.refused || r.Lacks != tc.lacks || tc.refused && (len(r.Steps) != 2 || r.Steps[0] != tc.first) {
				t.Errorf("CardRefused() = %q, lacks %v, %v; want %v, lacks %v, first %q", r.Steps, r.Lacks, refused, tc.refused, tc.lacks, tc.first)
			}
		})
	}
}

// OtherWayOf and TestAnswered: the way a personality does not take, and
// what the recording shows of the modem's test form for it — which was
// sent and what it answered, so that no message names an answer the
// modem was never asked for (outside tester t83 F4).
func TestOtherWay(t *testing.T) {
	a7600, err := personality.Load("simcom-a7600")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		p          personality.Personality
		lines      []string
		way, alt   string
		cmd, final string
		line       int
		sent       bool
	}{
		{"+CSIM refused, +CCHO=? OK", a7600, []string{"T # step 17: AT+CCHO=?", "T > AT+CCHO=?", "T < OK"}, "+CCHO/+CGLA", "generic", "AT+CCHO=?", "OK", 3, true},
		{"+CGLA=? refused", a7600, []string{"T > AT+CGLA=?", "T < ERROR"}, "+CCHO/+CGLA", "generic", "AT+CGLA=?", "ERROR", 2, true},
		{"+CCHO=? refused, +CGLA=? OK: the OK speaks", a7600, []string{"T > AT+CCHO=?", "T < +CME ERROR: 4", "T > AT+CGLA=?", "T < OK"}, "+CCHO/+CGLA", "generic", "AT+CGLA=?", "OK", 4, true},
		{"+CSIM=? refused", personality.Generic(), []string{"T > AT+CSIM=?", "T < +CME ERROR: 4"}, "+CSIM", "simcom-a7600", "AT+CSIM=?", "+CME ERROR: 4", 2, true},
		{"+CCHO refused, no +CSIM=? in the script", personality.Generic(), []string{"T > AT+CCHO=?", "T < OK"}, "+CSIM", "simcom-a7600", "", "", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := OtherWayOf(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			cmd, final, line, sent := w.TestAnswered(tc.lines)
			if w.Name != tc.way || w.Personality.Name != tc.alt || cmd != tc.cmd || final != tc.final || line != tc.line || sent != tc.sent {
				t.Errorf("%s via %s, test %q answered %q at %d, sent %v", w.Name, w.Personality.Name, cmd, final, line, sent)
			}
		})
	}
}
