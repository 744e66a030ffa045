package modem

import (
	"encoding/hex"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/modem/stkterm"
	"github.com/esimhil/esimhil/harness/atclient"
)

// sniffer records what a SIMtrace2 between modem and card would see.
type sniffer struct {
	mu      sync.Mutex
	events  []string // "ATR <hex>" or "<cmd hex> <rsp hex>"
	command string   // the command SniffCommand saw, for SniffAPDU
}

func (s *sniffer) SniffCommand(cmd []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.command = strings.ToUpper(hex.EncodeToString(cmd))
}

func (s *sniffer) SniffATR(atr []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, "ATR "+strings.ToUpper(hex.EncodeToString(atr)))
}

// SniffAPDU records the exchange; one whose command was not seen first
// (SniffCommand) is recorded as such.
func (s *sniffer) SniffAPDU(cmd, rsp []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := strings.ToUpper(hex.EncodeToString(cmd))
	if s.command != c {
		c = "(unannounced) " + c
	}
	s.command = ""
	s.events = append(s.events, c+" "+strings.ToUpper(hex.EncodeToString(rsp)))
}

func (s *sniffer) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.events...)
}

// TestSnifferSeesEveryAPDU runs the modem with the real toolkit terminal
// reaching the card through Contacts: the sniffer sees the ATR first and
// then exactly the APDUs the card received, in order and with the card's
// answers — the terminal's (TERMINAL PROFILE, FETCH), the boot reads and
// the host's (+CSIM, +CCHO/+CGLA with the modem's GET RESPONSE).
func TestSnifferSeesEveryAPDU(t *testing.T) {
	loop := clock.NewLoop(clock.NewVirtual(clock.Epoch))
	log := eventlog.New(loop.Now)
	card, sn := newFakeCard(), &sniffer{}
	m, err := New(Options{Loop: loop, Log: log, Card: card, Network: &fakeNet{reg: roaming()},
		Link: filepath.Join(t.TempDir(), "tty"), Sniffer: sn})
	if err != nil {
		t.Fatal(err)
	}
	m.SetSTK(stkterm.New(m.Contacts(), m, loop, log))
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
	for _, line := range []string{`AT+CSIM=10,"00B0000001"`, `AT+CCHO="` + isdrAID + `"`} {
		if _, err := c.Command(line); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
	}
	var apdus []string
	loop.Do(func() { apdus = append(apdus, card.apdus...) })
	got := sn.list()
	if len(got) == 0 || got[0] != "ATR 3B9F96801FC78031E073FE211B63" {
		t.Fatalf("first sniffed %q, want the ATR", got)
	}
	if len(got)-1 != len(apdus) {
		t.Fatalf("sniffed %d APDUs, the card got %d:\n%q\n%q", len(got)-1, len(apdus), got, apdus)
	}
	for i, a := range apdus {
		if !strings.HasPrefix(got[i+1], a+" ") {
			t.Errorf("APDU %d: sniffed %q, card got %s", i, got[i+1], a)
		}
	}
	if !strings.HasPrefix(got[1], "8010") {
		t.Errorf("first APDU %q, want TERMINAL PROFILE", got[1])
	}
	var getResponse bool
	for _, e := range got {
		getResponse = getResponse || strings.HasPrefix(e, "01C0")
	}
	if !getResponse {
		t.Errorf("the modem's GET RESPONSE on channel 1 was not sniffed: %q", got)
	}
}

// Without a toolkit terminal the modem reaches the card through its
// contacts directly, and the sniffer still sees the APDUs.
func TestSnifferWithoutSTK(t *testing.T) {
	loop := clock.NewLoop(clock.NewVirtual(clock.Epoch))
	card, sn := newFakeCard(), &sniffer{}
	m, err := New(Options{Loop: loop, Log: eventlog.New(loop.Now), Card: card, Network: &fakeNet{reg: roaming()},
		Link: filepath.Join(t.TempDir(), "tty"), Sniffer: sn})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	got := sn.list()
	// ATR, then SELECT MF, SELECT EF ICCID, READ BINARY, SELECT MF, SELECT
	// USIM (61xx and GET RESPONSE), SELECT EF IMSI, READ BINARY.
	if len(got) < 8 || !strings.HasPrefix(got[0], "ATR ") || !strings.HasPrefix(got[1], "00A40004023F00") {
		t.Fatalf("sniffed %q", got)
	}
}
