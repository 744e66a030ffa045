package capture

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// The receiver's skips a capture ends with (an Interface Statistics
// Block after its last frame) read back as written, for one sender or
// several, IPv4 or IPv6, with the datagrams in the same pass, by every
// reader: pcapgo's (ReadDatagrams), the fast one (ReadEvidence of a tap
// file, which reads it whole), an in-memory session's. A file without
// the block, with another tool's ISB comment, or cut inside the block
// has none (re-tester t145 F5; fixer f152: they were read by a second
// walk over the file, and the fast reader declined such a file).
func TestSkippedAtEndRoundTrip(t *testing.T) {
	a := netip.MustParseAddrPort("127.0.0.1:40000")
	b := netip.MustParseAddrPort("[2001:db8::7]:4729")
	at := time.Date(2026, 12, 6, 7, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		list []SkippedAtEnd
		edit func([]byte) []byte // of the file written
		want []SkippedAtEnd
		cut  bool // the edit cuts the file short
	}{
		{"none", nil, nil, nil, false},
		{"one sender", []SkippedAtEnd{{a, 3}}, nil, []SkippedAtEnd{{a, 3}}, false},
		{"two senders", []SkippedAtEnd{{a, 3}, {b, 17}}, nil, []SkippedAtEnd{{a, 3}, {b, 17}}, false},
		{"cut inside the block", []SkippedAtEnd{{a, 3}}, func(f []byte) []byte { return f[:len(f)-6] }, nil, true},
		{"another's comment", nil, func(f []byte) []byte {
			blk := skippedAtEndBlock(0, at, []SkippedAtEnd{{a, 3}})
			copy(blk[24:], "other:")
			return append(f, blk...)
		}, nil, false},
		{"ours, then another's", []SkippedAtEnd{{b, 2}}, func(f []byte) []byte {
			blk := skippedAtEndBlock(0, at, []SkippedAtEnd{{a, 3}})
			copy(blk[24:], "other:")
			return append(f, blk...)
		}, []SkippedAtEnd{{b, 2}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			write := func(s *Session) {
				t.Helper()
				if err := s.WriteDatagram(time.Time{}, a, netip.AddrPortFrom(a.Addr(), 4729), []byte("gsmtap")); err != nil {
					t.Fatal(err)
				}
				s.SkippedAtEnd(at, tc.list)
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
			}
			path := filepath.Join(t.TempDir(), "c.pcapng")
			s, err := Start(Config{Path: path, Mode: Tap})
			if err != nil {
				t.Fatal(err)
			}
			write(s)
			f, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if tc.edit != nil {
				f = tc.edit(f)
				if err := os.WriteFile(path, f, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if whole := checkNgFastAsPcapgo(t, f); whole == tc.cut {
				t.Errorf("the fast reader read the file whole: %v, want %v", whole, !tc.cut)
			}
			check := func(reader string, d Datagrams, err error) {
				t.Helper()
				if tc.cut != errors.Is(err, ErrCutShort) || !tc.cut && err != nil {
					t.Errorf("%s: %v", reader, err)
				}
				if !slices.Equal(d.SkippedAtEnd, tc.want) {
					t.Errorf("%s: skipped at the end %v, want %v", reader, d.SkippedAtEnd, tc.want)
				}
				if len(d.List) != 1 || string(d.List[0].Payload) != "gsmtap" {
					t.Errorf("%s: the frame before: %+v", reader, d.List)
				}
			}
			d, err := ReadDatagrams(path, 4729)
			check("ReadDatagrams", d, err)
			_, d, err = ReadEvidence(path, 4729, 0)
			check("ReadEvidence", d, err)
			if tc.edit != nil {
				return
			}
			mem, err := Start(Config{InMemory: true, Mode: Tap})
			if err != nil {
				t.Fatal(err)
			}
			write(mem)
			_, d, err = mem.ReadEvidence(4729, 0)
			check("in memory", d, err)
			if err := mem.Release(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// The kernel's drops after the last frame (an ISB of their own) read back
// as written by every reader, beside the receiver's skips or alone; a
// comment that is not a count of ours is passed over.
func TestKernelDroppedAtEndRoundTrip(t *testing.T) {
	a := netip.MustParseAddrPort("127.0.0.1:40000")
	at := time.Date(2026, 12, 6, 7, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		skipped []SkippedAtEnd
		dropped int
	}{
		{"none", nil, 0},
		{"drops alone", nil, 7},
		{"drops and a skip", []SkippedAtEnd{{a, 3}}, 1},
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
			s.SkippedAtEnd(at, tc.skipped)
			s.KernelDroppedAtEnd(at, tc.dropped)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			f, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			checkNgFastAsPcapgo(t, f)
			d, err := ReadDatagrams(path, 4729)
			_, e, eerr := ReadEvidence(path, 4729, 0)
			for _, got := range []Datagrams{d, e} {
				if err != nil || eerr != nil || got.KernelDroppedAtEnd != tc.dropped || !slices.Equal(got.SkippedAtEnd, tc.skipped) || len(got.List) != 1 {
					t.Errorf("read back %+v (%v, %v); want %d dropped at the end, skipped %v", got, err, eerr, tc.dropped, tc.skipped)
				}
			}
		})
	}
}

func TestParseKernelDroppedAtEnd(t *testing.T) {
	for _, tc := range []struct {
		comment string
		n       int
		ok      bool
	}{
		{"esimhil:kernel-dropped-at-end=7", 7, true},
		{"esimhil:kernel-dropped-at-end=4294967295", 4294967295, true},
		{"esimhil:kernel-dropped-at-end=0", 0, false},
		{"esimhil:kernel-dropped-at-end=-3", 0, false},
		{"esimhil:kernel-dropped-at-end=+3", 0, false},
		{"esimhil:kernel-dropped-at-end=", 0, false},
		{"esimhil:kernel-dropped-at-end=3 more", 0, false},
		{"esimhil:receiver-skipped-at-end=3@127.0.0.1:4729", 0, false},
		{"other:kernel-dropped-at-end=3", 0, false},
	} {
		if n, ok := parseKernelDroppedAtEnd(tc.comment); n != tc.n || ok != tc.ok {
			t.Errorf("parseKernelDroppedAtEnd(%q) = %d, %v; want %d, %v", tc.comment, n, ok, tc.n, tc.ok)
		}
	}
}
