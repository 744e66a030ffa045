package timeline

import (
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/simtrace"
	"github.com/esimhil/esimhil/internal/codec/gsmtap"
)

// A SIMtrace receiver's skip after its sender's last frame (the capture
// ends saying so: capture.SkippedAtEnd) is on the page however the
// timeline gets the capture: read from the file, or as the evidence check
// decoded it, from the file or from an in-memory session (fixer f152:
// evidence decoded in memory went without it).
func TestSkipAtTheEndOnEveryPath(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC)
	src := netip.MustParseAddrPort("127.0.0.1:41729")
	dst := netip.AddrPortFrom(src.Addr(), gsmtap.Port)
	atr := append(gsmtap.SIMHeader(gsmtap.SubATR).Append(nil), 0x3B, 0x00)
	sel := gsmtap.AppendExchange(gsmtap.SIMHeader(gsmtap.SubAPDU).Append(nil), []byte{0x00, 0xA4, 0x00, 0x04, 0x02, 0x3F, 0x00}, []byte{0x61, 0x22})
	write := func(t *testing.T, s *capture.Session, ends []capture.SkippedAtEnd) {
		t.Helper()
		for i, p := range [][]byte{atr, sel} {
			if err := s.WriteDatagram(at.Add(time.Duration(i)*time.Millisecond), src, dst, p); err != nil {
				t.Fatal(err)
			}
		}
		s.SkippedAtEnd(at.Add(time.Second), ends)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	const kind = string(simtrace.SkippedAtEnd)
	for _, tc := range []struct {
		name string
		ends []capture.SkippedAtEnd
	}{
		{"a skip at the end", []capture.SkippedAtEnd{{Src: src, Received: 3}}},
		{"none", nil},
	} {
		dir := writeArtifacts(t, map[string]string{"events.jsonl": `{"t":"2026-01-01T00:00:00Z","actor":"harness","event":"run_started","scenario":"x","seed":1}` + "\n"})
		path := filepath.Join(dir, "traffic.pcapng")
		s, err := capture.Start(capture.Config{Path: path, Mode: capture.Tap})
		if err != nil {
			t.Fatal(err)
		}
		write(t, s, tc.ends)
		mem, err := capture.Start(capture.Config{InMemory: true, Mode: capture.Tap})
		if err != nil {
			t.Fatal(err)
		}
		write(t, mem, tc.ends)
		fileEx, fileDgs, err := capture.ReadEvidence(path, gsmtap.Port, 0)
		if err != nil {
			t.Fatal(err)
		}
		memEx, memDgs, err := mem.ReadEvidence(gsmtap.Port, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := mem.Release(); err != nil {
			t.Fatal(err)
		}
		for _, p := range []struct {
			name    string
			traffic *Decoded
		}{
			{"read from the file", nil},
			{"decoded from the file", &Decoded{Exchanges: fileEx, Datagrams: fileDgs}},
			{"decoded in memory", &Decoded{Exchanges: memEx, Datagrams: memDgs}},
		} {
			t.Run(tc.name+", "+p.name, func(t *testing.T) {
				tl, err := Build(dir, Run{Name: "x", Traffic: p.traffic})
				if err != nil {
					t.Fatal(err)
				}
				said := slices.ContainsFunc(tl.Notes, func(n string) bool {
					return strings.Contains(n, "APDU lane "+src.String()) && strings.Contains(n, kind)
				})
				if said != (tc.ends != nil) {
					t.Errorf("notes %q: the skip at the end said: %v, want %v", tl.Notes, said, tc.ends != nil)
				}
			})
		}
	}
}
