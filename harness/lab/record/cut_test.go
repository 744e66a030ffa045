package record

import (
	"context"
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
	p, err := transport.Open(context.Background(), link, transport.Config{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseScript("s.yaml", []byte("name: x\nsteps:\n  - AT+CPIN?\n  - AT+QCCID\n  - AT+CPIN?\n"))
	if err != nil {
		t.Fatal(err)
	}
	var log Log
	c := atclient.New(p, atclient.WithTrace(&log), atclient.WithTimestamps(time.Now), atclient.WithTimeout(3*time.Second), atclient.WithReconnect(10*time.Second))
	defer c.Close()
	if err := Run(c, personality.Generic(), s, &log, Wall{AT: c}); err != nil {
		t.Fatal(err)
	}
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
