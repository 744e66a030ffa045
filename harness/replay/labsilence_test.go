package replay

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/field"
	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/harness/lab"
	"github.com/esimhil/esimhil/internal/answerpty"
	"github.com/esimhil/esimhil/internal/personality"
)

// TestLabRunEndingSilentReplays: a lab run on a modem that goes silent as
// it restarts (AT+CFUN=1,1 answered, then nothing) leaves an at.log whose
// last command reads as unanswered, not cut off; made a fixture, it
// replays to the same silence, the emulated modem restarting too.
func TestLabRunEndingSilentReplays(t *testing.T) {
	restarting := false // the modem's own state: only its reader touches it
	port := answerpty.Open(t, func(l string) string {
		switch {
		case restarting:
			return ""
		case l == "AT+CFUN=1,1":
			restarting = true
			return "\r\nOK\r\n"
		case l == "AT+CPIN?":
			return "\r\n+CPIN: READY\r\n\r\nOK\r\n"
		}
		return "\r\nOK\r\n"
	})
	log := labRun(t, port, "AT+CPIN?", "AT+CFUN=1,1", "AT+CSQ")
	tr, err := fieldlog.Read(lab.TranscriptFile, log, "")
	if err != nil {
		t.Fatalf("the lab's at.log does not read: %v\n%s", err, log)
	}
	cmds := tr.Commands()
	last := cmds[len(cmds)-1]
	if e := tr.Entries[last]; e.Text != "AT+CSQ" || len(tr.Answer(last)) != 0 {
		t.Fatalf("last command %q answered by %d lines, want AT+CSQ unanswered:\n%s", e.Text, len(tr.Answer(last)), log)
	}
	line := tr.Entries[last].Line

	fixture := newFixture(t, "lab-silent-restart", map[string]string{
		lab.TranscriptFile: string(log),
		field.ManifestFile: orangeFixture("lab-silent-restart", "generic", lab.TranscriptFile, "atlog", line),
	})
	res := replay(t, fixture)
	n := res.NoAnswer
	if n == nil || n.Command != "AT+CSQ" || n.Src != (field.Src{File: lab.TranscriptFile, Line: line}) {
		t.Fatalf("replay's unanswered command %+v, want AT+CSQ of at.log:%d: %s", n, line, Report(res))
	}
	if !res.OK {
		t.Errorf("the fixture does not reproduce: %s\n%s\n%s", res.Why, log, Report(res))
	}
	if !strings.Contains(n.Why, "restarting") {
		t.Errorf("why %q, want the emulated modem restarting", n.Why)
	}
}

// TestLabRunWithSilentStretchReplays: a lab run on a modem whose AT port
// goes silent for a while, dropping what it gets (AT+CSQ, the resync's
// AT and the client's probe before the next AT+CPIN?, which is not sent),
// then answers again, leaves an at.log with a "# no answer:" note after
// AT+CSQ and the probe; made a fixture, it replays as a hung AT port over
// that stretch: the same commands unanswered, the rest answered,
// reproduced.
func TestLabRunWithSilentStretchReplays(t *testing.T) {
	stalled := 0 // the modem's own state: only its reader touches it
	port := answerpty.Open(t, func(l string) string {
		switch {
		case l == "AT+CSQ" && stalled == 0:
			stalled = 1 // its AT task stalls from here, for three lines
			return ""
		case stalled > 0 && stalled < 3:
			stalled++
			return ""
		case l == "AT+CEREG?": // +CEREG=2, as the lab set it up
			return "\r\n+CEREG: 2,1,\"1A2B\",\"00C0FFEE\",7\r\n\r\nOK\r\n"
		case l == "ATS3?":
			return "\r\n013\r\n\r\nOK\r\n"
		case l == "AT+CPIN?":
			return "\r\n+CPIN: READY\r\n\r\nOK\r\n"
		}
		return "\r\nOK\r\n"
	})
	log := labRun(t, port, "AT+CPIN?", "AT+CSQ", "AT+CPIN?", "AT+CEREG?", "AT+CPIN?")
	if n := strings.Count(string(log), "# no answer: "); n != 2 || !strings.Contains(string(log), "# not sent: AT+CPIN?") {
		t.Fatalf("%d no-answer notes, want 2 (AT+CSQ, the probe ATS3?), and AT+CPIN? not sent:\n%s", n, log)
	}
	tr, err := fieldlog.Read(lab.TranscriptFile, log, "")
	if err != nil {
		t.Fatalf("the lab's at.log does not read: %v\n%s", err, log)
	}
	var csq int
	for _, k := range tr.Commands() {
		if tr.Entries[k].Text == "AT+CSQ" {
			csq = tr.Entries[k].Line
		}
	}
	fixture := newFixture(t, "lab-silent-stretch", map[string]string{
		lab.TranscriptFile: string(log),
		field.ManifestFile: orangeFixture("lab-silent-stretch", "generic", lab.TranscriptFile, "atlog", csq),
	})
	res := replay(t, fixture)
	if !res.OK || res.NoAnswer != nil {
		t.Fatalf("the fixture does not reproduce: %s\n%s\n%s", res.Why, log, Report(res))
	}
	host, err := os.ReadFile(filepath.Join(res.Dir, HostLog))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(host), "< +CPIN: READY"); n != 2 || strings.Contains(string(host), "+CSQ:") || !strings.Contains(string(host), `< +CEREG: 2,1,"1A2B","00C0FFEE",7`) {
		t.Errorf("host.log: %d +CPIN answers (want 2: before and after the stretch), no +CSQ, the +CEREG? answered:\n%s", n, host)
	}
}

// labRun runs a lab session on port that sends cmds, whatever the modem
// answers, and returns its at.log. A second for each timeout: what the
// silence costs, and no answer taken for silence on a loaded machine.
func labRun(t *testing.T, port string, cmds ...string) []byte {
	t.Helper()
	dir := t.TempDir()
	p := personality.Generic()
	p.Timeouts = personality.Timeouts{Command: time.Second, Restart: time.Second, Reattach: time.Second, Download: time.Second}
	r, err := lab.Open(context.Background(), lab.Config{Modem: port, Dir: dir, Personality: p, Slack: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cmds {
		r.AT.Command(c) // the silence is what is recorded
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	log, err := os.ReadFile(filepath.Join(dir, lab.TranscriptFile))
	if err != nil {
		t.Fatal(err)
	}
	return log
}
