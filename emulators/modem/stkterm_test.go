package modem

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/modem/stkterm"
	"github.com/esimhil/esimhil/harness/atclient"
)

// The real toolkit terminal fits the modem both ways.
var (
	_ STK          = (*stkterm.Terminal)(nil)
	_ stkterm.Host = (*Modem)(nil)
)

// TestWithRealTerminal wires the modem to the real stkterm.Terminal: the
// terminal profile goes out on boot and every card read passes through it.
func TestWithRealTerminal(t *testing.T) {
	loop := clock.NewLoop(clock.NewVirtual(clock.Epoch))
	log := eventlog.New(loop.Now)
	card := newFakeCard()
	m, err := New(Options{Loop: loop, Log: log, Card: card, Network: &fakeNet{reg: roaming()},
		Link: filepath.Join(t.TempDir(), "tty")})
	if err != nil {
		t.Fatal(err)
	}
	m.SetSTK(stkterm.New(card, m, loop, log))
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	c, err := atclient.Open(m.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := loop.Advance(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	rsp, err := c.Command("AT+CIMI;+COPS?")
	if err != nil || strings.Join(rsp.Lines, "|") != `208011234567890|+COPS: 0,2,"20801",7` {
		t.Fatalf("got %+v, %v", rsp, err)
	}
	// The terminal's IMEI (PROVIDE LOCAL INFORMATION 01) is the one +CGSN
	// answers.
	if rsp, err := c.Command("AT+CGSN"); err != nil || len(rsp.Lines) != 1 || rsp.Lines[0] != m.IMEI() {
		t.Fatalf("AT+CGSN: %+v, %v; host IMEI %q", rsp, err, m.IMEI())
	}
	loop.Do(func() {
		if len(card.apdus) == 0 || !strings.HasPrefix(card.apdus[0], "8010") {
			t.Errorf("first APDU is not TERMINAL PROFILE: %q", card.apdus)
		}
		if loc := m.Location(); loc.Service != stkterm.NormalService || loc.Serving.PLMN != "20801" || len(loc.Visible) != 3 {
			t.Errorf("location %+v", loc)
		}
	})
}
