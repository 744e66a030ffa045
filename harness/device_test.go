package harness

import (
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/rsp"
)

// A device linked to its host in memory answers AT as over a pty: the
// same interpreter, URCs included, and drops what it says while no host
// has the port open.
func TestDeviceInMemory(t *testing.T) {
	s := loadFixture(t, "roam-fr-preinstalled.yaml")
	pki, err := rsp.GeneratePKI(rsp.PKIConfig{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	loop := clock.NewLoop(clock.NewVirtual(clock.Epoch))
	sh := &Shared{Loop: loop, CI: pki.CI, EUM: pki.EUM}
	log := eventlog.New(loop.Clock().Now)
	d, err := NewDevice(sh, DeviceConfig{Scenario: s, Seed: 1, Log: log, InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if !strings.HasPrefix(d.Modem.Path(), "mem:") {
		t.Errorf("path %q", d.Modem.Path())
	}
	if err := loop.Advance(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	c, err := d.Host()
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"ATE0", "AT+CMEE=2", "AT+CEREG=2"} {
		if _, err := c.Command(cmd); err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
	}
	resp, err := c.Command("AT+CIMI")
	if err != nil || len(resp.Lines) != 1 || resp.Lines[0] != "460000000000019" {
		t.Fatalf("AT+CIMI: %v %v", resp, err)
	}
	if _, err := c.Command("AT+NOPE"); err == nil {
		t.Error("an unknown command answered OK")
	}
	// The trip to France: the registration URC reaches the host.
	if err := loop.Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitURC("+CEREG: 5,", 5*time.Second); err != nil {
		t.Errorf("no roaming registration URC: %v (URCs %q)", err, c.URCs())
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	// With the port closed the modem's output goes nowhere, and the
	// next host does not read it.
	d.link.Send([]byte("\r\n+CEREG: 1\r\n"))
	if d.link.dropped == 0 {
		t.Error("nothing dropped while no host had the port open")
	}
	c, err = d.Host()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if resp, err := c.Command("AT"); err != nil || len(c.URCs()) != 0 {
		t.Errorf("reopened: %v %v, URCs %q", resp, err, c.URCs())
	}
}
