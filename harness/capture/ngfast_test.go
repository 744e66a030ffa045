package capture

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/gopacket/gopacket"

	"github.com/esimhil/esimhil/internal/codec/gsmtap"
)

// packet is one read of a packet source.
type packet struct {
	data []byte
	ci   any
	mark Mark
}

// checkNgFastAsPcapgo holds ngFast to pcapgo and readSecrets on one file,
// each read as readCapture and openSource read it (through blockCheck):
// every packet it reads before it says errNotFast is the one pcapgo reads,
// a block whose trailing length is not its leading one is the same
// *BlockLengthError to both at the same packet, and when it reads the
// file to its end, pcapgo ends there too, the secrets are readSecrets'
// and the receiver's skips the file ends with are those of pcapgo's
// StatisticsCallback. It reports whether ngFast read the file whole.
func checkNgFastAsPcapgo(t *testing.T, file []byte) bool {
	t.Helper()
	ng, ok := newNgFast(bufio.NewReaderSize(checkBlocks(bytes.NewReader(file)), readBuffer))
	if !ok {
		return false
	}
	src, _, err := openSource(bytes.NewReader(file))
	if err != nil {
		t.Fatalf("ngFast reads a file pcapgo does not open: %v", err)
	}
	for n := 1; ; n++ {
		data, ci, m, err := ng.readMarked()
		if errors.Is(err, errNotFast) {
			return false
		}
		pdata, pci, pm, perr := src.readMarked()
		if bad := (*BlockLengthError)(nil); errors.As(err, &bad) {
			if pbad := (*BlockLengthError)(nil); !errors.As(perr, &pbad) || *pbad != *bad {
				t.Fatalf("packet %d: ngFast: %v; pcapgo: %v", n, err, perr)
			}
			return false
		}
		if errors.Is(err, io.EOF) {
			if !errors.Is(perr, io.EOF) {
				t.Fatalf("packet %d: ngFast at the end, pcapgo: %v", n, perr)
			}
			break
		}
		if err != nil {
			t.Fatalf("packet %d: ngFast: %v", n, err)
		}
		// (An empty packet's data may be nil to one, empty to the other.)
		if perr != nil || !bytes.Equal(data, pdata) || !reflect.DeepEqual(packet{nil, ci, m}, packet{nil, pci, pm}) {
			t.Fatalf("packet %d:\nngFast %x %+v %+v\npcapgo %x %+v %+v %v", n, data, ci, m, pdata, pci, pm, perr)
		}
	}
	want, err := readSecrets(bytes.NewReader(file))
	if err != nil || !bytes.Equal(ng.secrets, want) {
		t.Fatalf("secrets %q, readSecrets %q, %v", ng.secrets, want, err)
	}
	if !reflect.DeepEqual(ng.atEnd(), src.atEnd()) {
		t.Fatalf("skipped at the end %v, pcapgo's %v", ng.atEnd(), src.atEnd())
	}
	return true
}

// TestNgFastAsPcapgo: the files the tap writes are read whole by ngFast,
// as pcapgo reads them, and the evidence decoded from them is the one
// pcapgo's reading gives.
func TestNgFastAsPcapgo(t *testing.T) {
	https, _ := httpsScenario(t, Tap)
	held := filepath.Join(t.TempDir(), "held.pcapng")
	if err := os.WriteFile(held, holdRun(t, Config{NoKeysFile: true}, false), 0o644); err != nil {
		t.Fatal(err)
	}
	synth := filepath.Join(t.TempDir(), "synth.pcapng")
	if err := os.WriteFile(synth, synthCapture(t, true), 0o644); err != nil {
		t.Fatal(err)
	}
	// A SIMtrace receiver's frames, one naming a skip before it
	// (Mark.LostBefore), in a session without events (lab sniff's), and
	// a skip after the last (SkippedAtEnd: the file ends with an ISB).
	sniffed := filepath.Join(t.TempDir(), "sniffed.pcapng")
	sess, err := Start(Config{Path: sniffed, Mode: Tap})
	if err != nil {
		t.Fatal(err)
	}
	src, dst := netip.MustParseAddrPort("127.0.0.1:41729"), netip.MustParseAddrPort("127.0.0.1:4729")
	for _, lost := range []int{0, 5} {
		if err := sess.WriteDatagramAfterLoss(time.Time{}, src, dst, []byte{2, 4, 4, 0}, lost, lost*2); err != nil {
			t.Fatal(err)
		}
	}
	ends := []SkippedAtEnd{{Src: src, Received: 9}}
	sess.SkippedAtEnd(time.Unix(1700000000, 0), ends)
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	if _, dgs, err := ReadEvidence(sniffed, gsmtap.Port, 0); err != nil || len(dgs.List) != 2 || dgs.List[0].Mark != (Mark{}) || dgs.List[1].Mark != (Mark{LostBefore: 5, KernelDropped: 10}) ||
		!reflect.DeepEqual(dgs.SkippedAtEnd, ends) {
		t.Fatalf("the receiver's skips read back: %+v, %v", dgs, err)
	}
	for _, path := range []string{https, held, synth, sniffed} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !checkNgFastAsPcapgo(t, b) {
				t.Fatal("ngFast does not read the tap's file whole")
			}
			ex, dgs, err := ReadEvidence(path, gsmtap.Port, 0)
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			dg := newDatagramReader(gsmtap.Port)
			wantEx, err := readTLSPcapgo(fileSource(f), bufio.NewReaderSize(f, readBuffer), nil, dg)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ex, wantEx) || !reflect.DeepEqual(dgs, dg.result()) {
				t.Errorf("ngFast's evidence differs from pcapgo's:\n%+v\n%+v", ex, wantEx)
			}
		})
	}
}

// TestNgFastDeclines: what ngFast does not read is left to pcapgo, and
// the evidence check says what it said (a file cut short, say).
func TestNgFastDeclines(t *testing.T) {
	path, _ := httpsScenario(t, Tap)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := len(tapHeader())
	le := binary.LittleEndian
	epb := func(file []byte) int { // offset of the first EPB
		for off := h; off+8 <= len(file); off += int(le.Uint32(file[off+4:])) {
			if le.Uint32(file[off:]) == blockTypeEPB {
				return off
			}
		}
		t.Fatal("no EPB")
		return 0
	}
	edit := func(f func([]byte) []byte) []byte { return f(append([]byte(nil), b...)) }
	for name, file := range map[string][]byte{
		"cut short":      b[:len(b)-10],
		"cut at a block": b[:epb(b)+4],
		"other interface": edit(func(f []byte) []byte {
			le.PutUint32(f[epb(f)+8:], 1)
			return f
		}),
		"other option": func() []byte {
			f := holdRun(t, Config{}, false) // marked: its EPBs have comments
			o := epb(f)
			n := int(le.Uint32(f[o+20:]))
			le.PutUint16(f[o+28+n+(4-n&3)&3:], 2) // opt_epb_flags in place of the comment
			return f
		}(),
		"big-endian section": edit(func(f []byte) []byte {
			f[8], f[9], f[10], f[11] = 0x1A, 0x2B, 0x3C, 0x4D
			return f
		}),
		// (An ISB of interface 0 whose options are comments is read:
		// TestSkippedAtEndRoundTrip.)
		"interface statistics with a counter": edit(func(f []byte) []byte {
			isb := make([]byte, 40)
			le.PutUint32(isb, blockTypeISB)
			le.PutUint32(isb[4:], 40)
			le.PutUint16(isb[20:], 4) // isb_ifrecv
			le.PutUint16(isb[22:], 8)
			isb[24] = 7
			le.PutUint32(isb[36:], 40)
			return append(f, isb...)
		}),
		"interface statistics of another interface": edit(func(f []byte) []byte {
			isb := make([]byte, 28)
			le.PutUint32(isb, blockTypeISB)
			le.PutUint32(isb[4:], 28)
			le.PutUint32(isb[8:], 1)
			le.PutUint32(isb[24:], 28)
			return append(f, isb...)
		}),
	} {
		t.Run(name, func(t *testing.T) {
			if checkNgFastAsPcapgo(t, file) {
				t.Fatal("ngFast read it whole")
			}
			p := filepath.Join(t.TempDir(), "x.pcapng")
			if err := os.WriteFile(p, file, 0o644); err != nil {
				t.Fatal(err)
			}
			ex, dgs, err := ReadEvidence(p, gsmtap.Port, 0)
			f, ferr := os.Open(p)
			if ferr != nil {
				t.Fatal(ferr)
			}
			defer f.Close()
			dg := newDatagramReader(gsmtap.Port)
			wantEx, wantErr := readTLSPcapgo(fileSource(f), bufio.NewReaderSize(f, readBuffer), nil, dg)
			if errors.Is(wantErr, ErrCutShort) != errors.Is(err, ErrCutShort) || (err == nil) != (wantErr == nil) ||
				(err != nil && err.Error() != wantErr.Error()) {
				t.Fatalf("ReadEvidence: %v\npcapgo's: %v", err, wantErr)
			}
			if wantErr == nil || errors.Is(wantErr, ErrCutShort) {
				if !reflect.DeepEqual(ex, wantEx) || !reflect.DeepEqual(dgs, dg.result()) {
					t.Errorf("evidence differs from pcapgo's")
				}
			}
			// The same bytes in memory (an in-memory session's) read the
			// same, by the same second pass.
			mem := captureSource{name: p, rewind: func() (io.Reader, error) { return bytes.NewReader(file), nil }}
			mex, mdgs, merr := readEvidence(mem, gsmtap.Port, 0)
			if fmt.Sprint(merr) != fmt.Sprint(err) || !reflect.DeepEqual(mex, ex) || !reflect.DeepEqual(mdgs, dgs) {
				t.Errorf("in memory: %d exchanges, %d datagrams, %v; from the file: %d, %d, %v", len(mex), len(mdgs.List), merr, len(ex), len(dgs.List), err)
			}
		})
	}
}

// FuzzNgFastAsPcapgo: any blocks behind a tap file's header.
func FuzzNgFastAsPcapgo(f *testing.F) {
	ciOf := func(n int) gopacket.CaptureInfo {
		return gopacket.CaptureInfo{Timestamp: time.Unix(1700000000, 123456789), CaptureLength: n, Length: n + 1}
	}
	f.Add(synthCapture(f, true)[len(tapHeader()):])
	f.Add(appendEPB(nil, ciOf(60), make([]byte, 60), Mark{Events: 3, OK: true, Command: 2, CommandOK: true}))
	f.Add(append(dsbBlock(dsbTypeTLS, []byte("CLIENT_RANDOM 00 11")), appendEPB(nil, ciOf(1), []byte{1}, Mark{})...))
	f.Add(append(appendEPB(nil, ciOf(3), []byte{1, 2, 3}, Mark{OK: true}), dsbBlock(7, []byte("x"))...))
	f.Add(append(appendEPB(nil, ciOf(1), []byte{1}, Mark{}),
		skippedAtEndBlock(0, time.Unix(1700000000, 0), []SkippedAtEnd{{netip.MustParseAddrPort("127.0.0.1:40000"), 3}})...))
	// A packet whose trailing length is off by 4 (t233's M09), after a good one.
	offBy4 := appendEPB(appendEPB(nil, ciOf(2), []byte{1, 2}, Mark{}), ciOf(3), []byte{1, 2, 3}, Mark{OK: true})
	binary.LittleEndian.PutUint32(offBy4[len(offBy4)-4:], binary.LittleEndian.Uint32(offBy4[len(offBy4)-4:])+4)
	f.Add(offBy4)
	f.Fuzz(func(t *testing.T, blocks []byte) {
		checkNgFastAsPcapgo(t, append(append([]byte(nil), tapHeader()...), blocks...))
	})
}

// fileSource reads f for readTLSPcapgo as readTLS does: named by its
// path, with the key-log file beside it.
func fileSource(f *os.File) captureSource {
	return captureSource{
		name: f.Name(),
		rewind: func() (io.Reader, error) {
			_, err := f.Seek(0, io.SeekStart)
			return f, err
		},
		keysBeside: func() ([]byte, error) {
			b, err := os.ReadFile(KeysPathFor(f.Name()))
			if errors.Is(err, os.ErrNotExist) {
				return nil, nil
			}
			return b, err
		},
	}
}
