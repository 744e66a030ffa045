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
