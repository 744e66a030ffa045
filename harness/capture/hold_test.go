package capture

import (
	"bytes"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
)

// holdRun writes the same frames and secrets through a session of cfg and
// returns the file.
func holdRun(t *testing.T, cfg Config, secrets bool) []byte {
	t.Helper()
	cfg.Path = filepath.Join(t.TempDir(), "run.pcapng")
	holdSession(t, cfg, secrets)
	b, err := os.ReadFile(cfg.Path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// secretLine is an NSS key-log line, well formed for the decoder.
var secretLine = []byte("CLIENT_RANDOM " + strings.Repeat("01", 32) + " " + strings.Repeat("02", 48) + "\n")

// holdSession writes the same frames and secrets through a session of
// cfg and returns it closed.
func holdSession(t *testing.T, cfg Config, secrets bool) *Session {
	t.Helper()
	clk := clock.NewVirtual(clock.Epoch)
	cfg.Mode, cfg.Clock, cfg.KeyLog = Tap, clk, true
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
			if _, err := sess.KeyLog().Write(secretLine); err != nil {
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
	return sess
}

// memoryBytes is what a closed in-memory session holds: the bytes of its
// temporary file if it outgrew memory, else those it would write.
func memoryBytes(t *testing.T, s *Session) []byte {
	t.Helper()
	if s.spilled {
		b, err := os.ReadFile(s.path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	r, err := s.memorySource().rewind()
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHeldAndInMemorySameFile: a session that holds its packets until
// Close (NoKeysFile) writes a file with the evidence and secrets a
// streaming one does (which puts its secrets among the packets as they
// come, the held one all ahead of them), and an in-memory one (InMemory)
// holds the held file's bytes, with secrets or without and
// past holdLimit — where the in-memory one goes on in a temporary file,
// which Release removes; it creates no file otherwise. Its evidence reads
// as the file's.
func TestHeldAndInMemorySameFile(t *testing.T) {
	for _, tc := range []struct {
		name    string
		secrets bool
		limit   int
		spills  bool
	}{
		{"secrets", true, holdLimit, false},
		{"no secrets", false, holdLimit, false},
		{"over the limit", true, 10 << 10, true},
		{"over the limit, no secrets", false, 10 << 10, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := holdLimit
			holdLimit = tc.limit
			t.Cleanup(func() { holdLimit = old })
			streamed := holdRun(t, Config{}, tc.secrets)
			if len(streamed) < 64<<10 {
				t.Errorf("%d bytes: too few to cross a write buffer", len(streamed))
			}
			want := holdRun(t, Config{NoKeysFile: true}, tc.secrets)
			if !tc.secrets && !bytes.Equal(streamed, want) {
				t.Errorf("held: %d bytes, streamed: %d bytes, not the same", len(want), len(streamed))
			}
			ws, werr := readSecrets(bytes.NewReader(want))
			ss, serr := readSecrets(bytes.NewReader(streamed))
			if werr != nil || serr != nil || !bytes.Equal(ws, ss) || tc.secrets != (len(ws) > 0) {
				t.Errorf("secrets held %d bytes (%v), streamed %d bytes (%v)", len(ws), werr, len(ss), serr)
			}
			streamedPath := filepath.Join(t.TempDir(), "streamed.pcapng")
			if err := os.WriteFile(streamedPath, streamed, 0o644); err != nil {
				t.Fatal(err)
			}

			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp) // where a spilling session's file goes
			sess := holdSession(t, Config{InMemory: true}, tc.secrets)
			if got := memoryBytes(t, sess); !bytes.Equal(got, want) {
				t.Errorf("in memory: %d bytes, file: %d bytes, not the same", len(got), len(want))
			}
			if spilled := sess.spilled; spilled != tc.spills {
				t.Errorf("went on in a temporary file: %v, want %v", spilled, tc.spills)
			}
			if ents, _ := os.ReadDir(tmp); len(ents) != map[bool]int{false: 0, true: 1}[tc.spills] {
				t.Errorf("%d files in the temporary directory before Release", len(ents))
			}
			path := filepath.Join(t.TempDir(), "want.pcapng")
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			wantEx, wantDg, err := ReadEvidence(path, 4729, 0)
			if err != nil {
				t.Fatal(err)
			}
			ex, dg, err := sess.ReadEvidence(4729, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ex, wantEx) || !reflect.DeepEqual(dg, wantDg) || len(wantDg.List) == 0 {
				t.Errorf("in-memory evidence: %d exchanges, %d datagrams; the file's: %d, %d", len(ex), len(dg.List), len(wantEx), len(wantDg.List))
			}
			sex, sdg, err := ReadEvidence(streamedPath, 4729, 0)
			if err != nil || !reflect.DeepEqual(sex, wantEx) || !reflect.DeepEqual(sdg, wantDg) {
				t.Errorf("streamed evidence: %d exchanges, %d datagrams (%v); the held file's: %d, %d", len(sex), len(sdg.List), err, len(wantEx), len(wantDg.List))
			}
			if err := sess.Release(); err != nil {
				t.Fatal(err)
			}
			if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
				t.Errorf("%d files left in the temporary directory after Release", len(ents))
			}
			if _, _, err := sess.ReadEvidence(4729, 0); err == nil {
				t.Error("read after Release: no error")
			}
		})
	}
}

// TestInMemoryBadConfig: an in-memory session with a file to write is
// refused, not half-honoured.
func TestInMemoryBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{InMemory: true, Path: filepath.Join(t.TempDir(), "x.pcapng")},
		{InMemory: true, KeysPath: filepath.Join(t.TempDir(), "x.keys")},
		{},
	} {
		if s, err := Start(cfg); err == nil {
			s.Close()
			t.Errorf("Start(%+v): no error", cfg)
		}
	}
}

// TestSecretsInlineBeforeClose: a file session puts each secret in the
// file as it is logged, so a capture cut before Close (a kill) holds the
// secrets of what it holds; Close adds no second copy.
func TestSecretsInlineBeforeClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.pcapng")
	s, err := Start(Config{Path: path, Mode: Tap, KeyLog: true})
	if err != nil {
		t.Fatal(err)
	}
	line := "CLIENT_RANDOM 00 11\n"
	if _, err := io.WriteString(s.KeyLog(), line); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	err = s.bw.Flush() // as the buffer reaches the disk during a long run
	s.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	for _, when := range []string{"before Close", "after Close"} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := readSecrets(bytes.NewReader(b)); err != nil || string(got) != line {
			t.Errorf("%s: secrets %q (%v), want %q once", when, got, err, line)
		}
		if when == "before Close" {
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
}
