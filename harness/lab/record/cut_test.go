package record

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/transport"
	"github.com/esimhil/esimhil/internal/answertcp"
	"github.com/esimhil/esimhil/internal/personality"
)

// A port that drops in the middle of a step's answer (the modem gone
// half way through "+QCCID: 8944…"): the step is named as one whose answer
// the drop cut, as a timed-out one is, and a recording saved with it
// (Manifest.Cut) is refused by Load, so diff and personality never take
// the cut answer for the modem's.
func TestAnswerCutByADrop(t *testing.T) {
	link := answertcp.Serve(t, func(n int, in string) (string, bool) {
		switch {
		case in == "":
			return "", false
		case n == 1 && strings.Contains(in, "AT+QCCID"):
			return "\r\n+QCCID: 89444765", true
		}
		return "\r\n+CPIN: READY\r\n\r\nOK\r\n", false
	})
	log := recordThrough(t, link, "AT+CPIN?", "AT+QCCID", "AT+CPIN?")
	text := strings.Join(log.Lines(), "\n")
	cut := log.Cut()
	if len(cut) != 1 || !strings.HasPrefix(cut[0], "step 2 (AT+QCCID): ") || !strings.Contains(cut[0], `cut at "+QCCID: 89444765"`) {
		t.Errorf("Cut() = %q\n%s", cut, text)
	}
	if !strings.Contains(text, "< +QCCID: 89444765\n") || !strings.Contains(text, "# line cut by the port drop") {
		t.Errorf("at.log:\n%s", text)
	}
	dir := t.TempDir()
	if err := Save(dir, Manifest{Script: "s", Modem: "tcp://lab1:3001", Personality: "generic", Cut: strings.Join(cut, "; ")}, []byte("name: x\nsteps:\n  - AT+CPIN?\n"), log.Lines()); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, ManifestFile)+": a port drop cut the answer of step 2 (AT+QCCID)") || !strings.Contains(err.Error(), "record it again") {
		t.Errorf("Load: %v", err)
	}
}

// A port that drops while a step waits, before any of its answer came
// (ser2net restarted), and the modem's answer to it arriving on the port
// back: the step is cut all the same (named, Manifest.Cut), and the late
// answer is filed under it in at.log, not under the next step, whose own
// answer the recording keeps.
func TestStepCutBeforeItsAnswer(t *testing.T) {
	link := answertcp.Serve(t, func(n int, in string) (string, bool) {
		switch {
		case in == "":
			return "", false
		case n == 1 && strings.Contains(in, "AT!ICCID?"):
			return "", true // gone with no answer
		case n == 2 && strings.Contains(in, "AT+CIMI"):
			return "\r\n208011234567890\r\n\r\nOK\r\n", false
		case n == 2 && strings.TrimSpace(in) == "AT":
			return "\r\nERROR\r\n\r\nOK\r\n", false // the late answer, then AT's
		}
		return "\r\n+CPIN: READY\r\n\r\nOK\r\n", false
	})
	log := recordThrough(t, link, "AT+CPIN?", "AT!ICCID?", "AT+CIMI")
	text := strings.Join(log.Lines(), "\n")
	if cut := log.Cut(); len(cut) != 1 || !strings.HasPrefix(cut[0], "step 2 (AT!ICCID?): ") {
		t.Errorf("Cut() = %q\n%s", cut, text)
	}
	step3 := text[strings.Index(text, "# step 3: AT+CIMI"):]
	if !strings.Contains(text, "# late answer to AT!ICCID? after") || !strings.Contains(step3, "< 208011234567890") {
		t.Errorf("at.log:\n%s", text)
	}
	if i := strings.Index(step3, "> AT+CIMI"); i < 0 || strings.Contains(step3[i:], "ERROR") {
		t.Errorf("an ERROR under AT+CIMI:\n%s", text)
	}
}

// recordThrough records a script of steps from the modem at link (an
// answertcp port) through a client that waits for a dropped port, and
// returns the recording's log.
func recordThrough(t *testing.T, link string, steps ...string) *Log {
	t.Helper()
	p, err := transport.Open(context.Background(), link, transport.Config{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseScript("s.yaml", []byte("name: x\nsteps:\n  - "+strings.Join(steps, "\n  - ")+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	log := &Log{}
	c := atclient.New(p, atclient.WithTrace(log), atclient.WithTimestamps(time.Now), atclient.WithTimeout(3*time.Second), atclient.WithReconnect(10*time.Second))
	defer c.Close()
	if err := Run(c, personality.Generic(), s, log, Wall{AT: c}); err != nil {
		t.Fatal(err)
	}
	return log
}

// A port that drops while a step waits and never comes back (ser2net
// killed, not back within --restart): the run stops at the next step,
// and the step the drop cut is still named (Cut, the manifest's cut:),
// with the identity read before the drop.
func TestStepCutByADropThatLasts(t *testing.T) {
	link := answertcp.Serve(t, func(n int, in string) (string, bool) {
		switch {
		case n > 1:
			return "", true // ser2net gone: every connection closes at once
		case in == "":
			return "", false
		case strings.Contains(in, "AT+CGMM"):
			return "\r\nFM100\r\n\r\nOK\r\n", false
		case strings.Contains(in, "AT+COPS"):
			return "", true
		}
		return "\r\nOK\r\n", false
	})
	p, err := transport.Open(context.Background(), link, transport.Config{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseScript("s.yaml", []byte("name: x\nsteps:\n  - AT+CGMM\n  - AT+CEREG=2\n  - AT+COPS=1,2,\"20810\"\n  - AT+CIMI\n"))
	if err != nil {
		t.Fatal(err)
	}
	log := &Log{}
	c := atclient.New(p, atclient.WithTrace(log), atclient.WithTimestamps(time.Now), atclient.WithTimeout(3*time.Second), atclient.WithReconnect(300*time.Millisecond))
	defer c.Close()
	identity, err := Record(c, personality.Generic(), s, log)
	text := strings.Join(log.Lines(), "\n")
	if !errors.Is(err, atclient.ErrClosed) || !strings.HasPrefix(err.Error(), "step 4 (AT+CIMI): ") {
		t.Errorf("Record: %v\n%s", err, text)
	}
	if cut := log.Cut(); len(cut) != 1 || !strings.HasPrefix(cut[0], `step 3 (AT+COPS=1,2,"20810"): `) || !strings.Contains(cut[0], "port dropped") {
		t.Errorf("Cut() = %q\n%s", cut, text)
	}
	if identity.Text != "FM100" {
		t.Errorf("identity %q, want the one read before the drop", identity.Text)
	}
}

// A port that drops only after a command timed out — ser2net's client
// closed after the modem stopped answering, the close reaching the
// recorder late: the step whose answer never came is cut all the same
// (Cut, the manifest's cut:), not only timed out (outside tester sw104:
// a drop filed as a slow modem, and a personality drafted from the
// conversation it cut).
func TestDropNoticedAfterTheTimeout(t *testing.T) {
	link := answertcp.Serve(t, func(n int, in string) (string, bool) {
		switch {
		case in == "":
			return "", false
		case n == 1 && strings.Contains(in, "AT+CIMI"):
			time.Sleep(600 * time.Millisecond) // the modem silent, then the port gone
			return "", true
		}
		return "\r\n+CPIN: READY\r\n\r\nOK\r\n", false
	})
	p, err := transport.Open(context.Background(), link, transport.Config{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseScript("s.yaml", []byte("name: x\nsteps:\n  - AT+CPIN?\n  - AT+CIMI\n  - AT+CPIN?\n  - AT+CPIN?\n"))
	if err != nil {
		t.Fatal(err)
	}
	log := &Log{}
	c := atclient.New(p, atclient.WithTrace(log), atclient.WithTimestamps(time.Now), atclient.WithTimeout(200*time.Millisecond), atclient.WithReconnect(10*time.Second))
	defer c.Close()
	if err := Run(c, personality.Generic(), s, log, Wall{AT: c}); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(log.Lines(), "\n")
	// The step whose answer the drop took — or, on a loaded machine
	// whose probe met the drop first, the next one, cut by it — once.
	if cut := log.Cut(); len(cut) == 0 || !strings.HasPrefix(cut[0], "step 2 (AT+CIMI): ") && !strings.HasPrefix(cut[0], "step 3 ") || len(cut) > 1 && !strings.HasPrefix(cut[1], "step 3 ") {
		t.Errorf("Cut() = %q, want the step the drop took\n%s", cut, text)
	}
}
