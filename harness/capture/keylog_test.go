package capture

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// nssLine is an NSS key-log line of label for client random r (a byte
// repeated) and secret s.
func nssLine(label string, r, s byte) string {
	return fmt.Sprintf("%s %s %s\n", label, strings.Repeat(fmt.Sprintf("%02x", r), 32), strings.Repeat(fmt.Sprintf("%02x", s), 48))
}

// keyLogSession writes lines (one Write each) through a file session of
// cfg and returns its key-log file ("" without one) and the secrets of
// its capture's Decryption Secrets Blocks.
func keyLogSession(t *testing.T, cfg Config, writes []string) (keys, dsb string) {
	t.Helper()
	cfg.Path = filepath.Join(t.TempDir(), "x.pcapng")
	cfg.Mode, cfg.KeyLog = Tap, true
	s, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range writes {
		if _, err := s.KeyLog().Write([]byte(w)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(cfg.Path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := readSecrets(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.NoKeysFile {
		k, err := os.ReadFile(KeysPathFor(cfg.Path))
		if err != nil {
			t.Fatal(err)
		}
		keys = string(k)
	}
	return keys, string(got)
}

// TestKeyLogWritesEachLineOnce: the card and the SM-DP+ both log a full
// handshake's secret, which was written twice to traffic.keys and the
// capture's secrets (sw53, F6). A line the same as the last of its label
// and random goes once; a later secret for a random (a declined
// resumption) and another label's line are kept, and so is a return to an
// earlier secret, which replaces the one before it for a reader.
func TestKeyLogWritesEachLineOnce(t *testing.T) {
	a, b := nssLine("CLIENT_RANDOM", 1, 0xa), nssLine("CLIENT_RANDOM", 2, 0xb)
	offered, full := nssLine("CLIENT_RANDOM", 3, 0xc), nssLine("CLIENT_RANDOM", 3, 0xd)
	hs := nssLine("CLIENT_HANDSHAKE_TRAFFIC_SECRET", 1, 0xa)
	for _, tc := range []struct {
		name   string
		writes []string
		want   string
	}{
		{"a full handshake logged by both ends", []string{a, a, b, b}, a + b},
		{"the card's offered session, declined", []string{offered, full, full}, offered + full},
		{"another label of one random", []string{a, hs, a, hs}, a + hs},
		{"back to an earlier secret", []string{offered, full, offered}, offered + full + offered},
		{"two lines in one write", []string{a + a + b}, a + b},
		{"not a key line", []string{"# x\n", "# x\n"}, "# x\n# x\n"},
	} {
		for _, cfg := range []struct {
			name string
			Config
		}{{"streamed", Config{}}, {"held", Config{NoKeysFile: true}}} {
			t.Run(tc.name+", "+cfg.name, func(t *testing.T) {
				keys, dsb := keyLogSession(t, cfg.Config, tc.writes)
				if !cfg.NoKeysFile && keys != tc.want {
					t.Errorf("key log file\n%q\nwant\n%q", keys, tc.want)
				}
				if dsb != tc.want {
					t.Errorf("secrets blocks\n%q\nwant\n%q", dsb, tc.want)
				}
			})
		}
	}
}

// TestKeyLogPastTheOldBound: a key log past the old 4 MiB bound (24,000
// handshakes: reached at close by a 168 h run of downloads, sw53 F2) is
// kept whole, and a held capture puts it in several secrets blocks of at
// most maxDSBSecrets, each well under a reader's bound on a block.
func TestKeyLogPastTheOldBound(t *testing.T) {
	if MaxKeyLog/KeyLogLineLen < 250_000 {
		t.Fatalf("MaxKeyLog holds %d handshakes, fewer than the events of a run at the limit", MaxKeyLog/KeyLogLineLen)
	}
	const n = 30_000 // 5.3 MB
	var writes []string
	var want strings.Builder
	for i := range n {
		l := fmt.Sprintf("CLIENT_RANDOM %064x %096x\n", i, i)
		writes = append(writes, l)
		want.WriteString(l)
	}
	if len(writes[0]) != KeyLogLineLen || want.Len() <= 4<<20 {
		t.Fatalf("line of %d bytes, %d in all", len(writes[0]), want.Len())
	}
	for _, cfg := range []Config{{}, {NoKeysFile: true}} {
		keys, dsb := keyLogSession(t, cfg, writes)
		if !cfg.NoKeysFile && keys != want.String() {
			t.Errorf("%+v: key log file of %d bytes, want %d", cfg, len(keys), want.Len())
		}
		if dsb != want.String() {
			t.Errorf("%+v: secrets blocks of %d bytes, want %d", cfg, len(dsb), want.Len())
		}
	}
	blocks := dsbBlocks([]byte(want.String()))
	for off, i := 0, 0; off < len(blocks); i++ {
		total := int(binary.LittleEndian.Uint32(blocks[off+4:]))
		if total > maxDSBSecrets+20 {
			t.Errorf("block %d: %d bytes", i, total)
		}
		off += total
	}
}
