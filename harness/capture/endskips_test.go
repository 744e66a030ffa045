package capture

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// The receiver's skips a capture ends with (an Interface Statistics
// Block after its last frame) read back as written, for one sender or
// several, IPv4 or IPv6; the frames before still read whole; a file
// without the block, with another ISB comment, or cut inside the block
// has none (re-tester t145 F5).
func TestSkippedAtEndRoundTrip(t *testing.T) {
	a := netip.MustParseAddrPort("127.0.0.1:40000")
	b := netip.MustParseAddrPort("[2001:db8::7]:4729")
	at := time.Date(2026, 12, 6, 7, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		list []SkippedAtEnd
		edit func([]byte) []byte // of the file written
		want []SkippedAtEnd
	}{
		{"none", nil, nil, nil},
		{"one sender", []SkippedAtEnd{{a, 3}}, nil, []SkippedAtEnd{{a, 3}}},
		{"two senders", []SkippedAtEnd{{a, 3}, {b, 17}}, nil, []SkippedAtEnd{{a, 3}, {b, 17}}},
		{"cut inside the block", []SkippedAtEnd{{a, 3}}, func(f []byte) []byte { return f[:len(f)-6] }, nil},
		{"another's comment", nil, func(f []byte) []byte {
			blk := skippedAtEndBlock(0, at, []SkippedAtEnd{{a, 3}})
			copy(blk[24:], "other:")
			return append(f, blk...)
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.pcapng")
			s, err := Start(Config{Path: path, Mode: Tap})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.WriteDatagram(time.Time{}, a, netip.AddrPortFrom(a.Addr(), 4729), []byte("gsmtap")); err != nil {
				t.Fatal(err)
			}
			s.SkippedAtEnd(at, tc.list)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if tc.edit != nil {
				f, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, tc.edit(f), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := ReadSkippedAtEnd(path)
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("ReadSkippedAtEnd = %v, %v; want %v", got, err, tc.want)
			}
			if tc.edit != nil {
				return
			}
			dgs, err := ReadDatagrams(path, 4729)
			if err != nil || len(dgs) != 1 || string(dgs[0].Payload) != "gsmtap" {
				t.Errorf("the frame before: %v, %v", dgs, err)
			}
		})
	}
}
