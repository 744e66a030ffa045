package capture

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/codec/gsmtap"
	"github.com/esimhil/esimhil/internal/hexdump"
)

// benchAPDUs is how many APDUs a benchmark capture holds per exchange.
const benchAPDUs = 200

// writeRunCapture writes to cfg.Path what a run's capture holds: the
// card's APDUs as GSMTAP datagrams, benchAPDUs of them before each of a
// platform's four HTTP exchanges, every frame marked with the event count.
func writeRunCapture(b *testing.B, cfg Config) {
	clk := clock.NewVirtual(clock.Epoch)
	loop := clock.NewLoop(clk)
	log := eventlog.New(clk.Now)
	cfg.Mode, cfg.Clock, cfg.Events = Tap, clk, log.Count
	sess, err := Start(cfg)
	if err != nil {
		b.Fatal(err)
	}
	p := newPlatform(b, clk)
	if err := p.Start("127.0.0.1:0", sess.Wrap); err != nil {
		b.Fatal(err)
	}
	if cfg.KeyLog {
		if _, err := sess.KeyLog().Write([]byte("CLIENT_RANDOM 00 11\n")); err != nil {
			b.Fatal(err)
		}
	}
	sim := sess.SIM()
	sim.SniffATR(hexdump.Bytes(b, "3B 9A 96 80 1F C7 80 31 E0 73 FE 21 1F 82 90 00 A4"))
	cmd, resp := hexdump.Bytes(b, "80 12 00 00 0B"), hexdump.Bytes(b, "D0 09 81 03 01 01 09 82 02 81 82 90 00")
	for _, body := range []string{listReq, badNotify, bigNotify, attachOK} {
		for range benchAPDUs {
			sim.SniffCommand(cmd)
			log.Emit(eventlog.Harness, eventlog.KindRunStarted, nil)
			sim.SniffAPDU(cmd, resp)
		}
		eofClient(b, p.Addr().String(), 0, "/v1/preferred-list", body)
		if err := loop.Advance(time.Second); err != nil {
			b.Fatal(err)
		}
	}
	p.Close()
	if err := sess.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkReadEvidence decodes what Rig.Close's evidence check decodes: a
// marked capture of a run, its card's APDUs beside the platform's HTTP.
func BenchmarkReadEvidence(b *testing.B) {
	path := filepath.Join(b.TempDir(), "run.pcapng")
	writeRunCapture(b, Config{Path: path})
	b.ReportAllocs()
	for b.Loop() {
		ex, dgs, err := ReadEvidence(path, gsmtap.Port, 4*benchAPDUs+1)
		if err != nil || len(ex) != 4 || len(dgs.List) != 4*benchAPDUs+1 {
			b.Fatalf("%d exchanges, %d datagrams, %v", len(ex), len(dgs.List), err)
		}
	}
}

// BenchmarkWriteCapture writes what an exploration case's capture holds:
// a marked session without a key-log file, the card's APDUs as GSMTAP
// datagrams and a platform's HTTP exchanges, then Close with the secrets.
func BenchmarkWriteCapture(b *testing.B) {
	path := filepath.Join(b.TempDir(), "run.pcapng")
	b.ReportAllocs()
	for b.Loop() {
		writeRunCapture(b, Config{Path: path, KeyLog: true, NoKeysFile: true})
	}
}
