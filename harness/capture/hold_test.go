package capture

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
)

// holdRun writes the same frames and secrets through a session of cfg and
// returns the file.
func holdRun(t *testing.T, cfg Config, secrets bool) []byte {
	t.Helper()
	clk := clock.NewVirtual(clock.Epoch)
	cfg.Path, cfg.Mode, cfg.Clock, cfg.KeyLog = filepath.Join(t.TempDir(), "run.pcapng"), Tap, clk, true
	n := 0
	cfg.Events = func() int { n++; return n }
	sess, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sim := sess.SIM()
	sim.SniffATR([]byte{0x3b, 0x00})
	for i := range 300 {
		sim.SniffCommand([]byte{0x80, 0xf2})
		sim.SniffAPDU([]byte{0x80, 0xf2, 0, byte(i)}, numbered(i%200))
		if i%50 == 0 && secrets {
			if _, err := sess.KeyLog().Write([]byte("CLIENT_RANDOM 00 11\n")); err != nil {
				t.Fatal(err)
			}
		}
		if err := sess.WriteDatagram(time.Time{}, netip.MustParseAddrPort("[::1]:4729"), netip.MustParseAddrPort("[::2]:4729"), numbered(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(cfg.Path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHeldPacketsSameFile: a session that holds its packets until Close
// (NoKeysFile) writes the file a streaming one does, with secrets or
// without, and past holdLimit.
func TestHeldPacketsSameFile(t *testing.T) {
	for _, tc := range []struct {
		name    string
		secrets bool
		limit   int
	}{
		{"secrets", true, holdLimit},
		{"no secrets", false, holdLimit},
		{"over the limit", true, 10 << 10},
		{"over the limit, no secrets", false, 10 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := holdLimit
			holdLimit = tc.limit
			t.Cleanup(func() { holdLimit = old })
			want := holdRun(t, Config{}, tc.secrets)
			got := holdRun(t, Config{NoKeysFile: true}, tc.secrets)
			if !bytes.Equal(got, want) {
				t.Errorf("held: %d bytes, streamed: %d bytes, not the same", len(got), len(want))
			}
			if len(want) < 64<<10 {
				t.Errorf("%d bytes: too few to cross a write buffer", len(want))
			}
		})
	}
}
