package modem

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/internal/codec/at"
)

func startBare(t *testing.T, link string) (*Modem, *clock.Loop, error) {
	t.Helper()
	loop := clock.NewLoop(clock.NewVirtual(clock.Epoch))
	card := newFakeCard()
	m, err := New(Options{Loop: loop, Card: card, Network: &fakeNet{reg: roaming()}, STK: &fakeSTK{card: card}, Link: link})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		return nil, nil, err
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return m, loop, nil
}

func TestLinkReplacesStaleSymlink(t *testing.T) {
	link := filepath.Join(t.TempDir(), "ttyESIM")
	if err := os.Symlink("/dev/pts/does-not-exist", link); err != nil {
		t.Fatal(err)
	}
	m, _, err := startBare(t, link)
	if err != nil {
		t.Fatal(err)
	}
	target, err := os.Readlink(link)
	if err != nil || !strings.HasPrefix(target, "/dev/pts/") || target == "/dev/pts/does-not-exist" {
		t.Errorf("link -> %q, %v", target, err)
	}
	if m.Path() != link {
		t.Errorf("Path %q, want %q", m.Path(), link)
	}
}

func TestLinkRefusesRegularFile(t *testing.T) {
	link := filepath.Join(t.TempDir(), "ttyESIM")
	if err := os.WriteFile(link, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := startBare(t, link); err == nil || !strings.Contains(err.Error(), "not a symlink") {
		t.Fatalf("Start over a regular file: %v", err)
	}
	if b, _ := os.ReadFile(link); string(b) != "keep me" {
		t.Errorf("file clobbered")
	}
}

// With nobody reading the slave, output beyond MaxQueuedOutput is dropped
// and counted, and command handling never blocks.
func TestUnreadOutputIsDropped(t *testing.T) {
	m, loop, err := startBare(t, "")
	if err != nil {
		t.Fatal(err)
	}
	line := at.Line{Text: "AT+COPS=?;+CFUN=?;+CESQ=?;+CSQ=?"}
	for i := 0; m.DroppedOutput() == 0; i++ {
		if i > 20000 {
			t.Fatalf("nothing dropped after %d lines", i)
		}
		loop.Do(func() { m.handleLine(line) })
	}
}
