package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// blockStarts is where each block of a little-endian pcapng file starts.
func blockStarts(t *testing.T, b []byte) []int {
	t.Helper()
	var at []int
	for off := 0; off < len(b); off += int(binary.LittleEndian.Uint32(b[off+4:])) {
		at = append(at, off)
	}
	return at
}

// A pcapng block whose trailing Block Total Length is not its leading one
// is a file Wireshark refuses ("total block lengths … don't match"): both
// of our readers refuse it too, naming the block by its offset, where
// before they read on, skipping the trailer (mutation tester t233, M09:
// an EPB's trailer off by 4 passed the evidence check). ngFast reads a
// tap file (readCapture, through ReadHTTP); pcapgo any other (readHTTP).
func TestBlockLengthsMustAgree(t *testing.T) {
	good := synthCapture(t, true)
	starts := blockStarts(t, good)
	if len(starts) < 5 {
		t.Fatalf("%d blocks", len(starts))
	}
	// bad is good with block i's trailing length off by delta.
	bad := func(i, delta int) ([]byte, *BlockLengthError) {
		b := bytes.Clone(good)
		off := starts[i]
		total := binary.LittleEndian.Uint32(b[off+4:])
		binary.LittleEndian.PutUint32(b[off+int(total)-4:], uint32(int(total)+delta))
		return b, &BlockLengthError{Offset: int64(off), Type: binary.LittleEndian.Uint32(b[off:]), First: total, Second: uint32(int(total) + delta)}
	}
	last := len(starts) - 1
	for _, tc := range []struct {
		name     string
		block    int
		delta    int
		wantType uint32
	}{
		{"the section header's", 0, 4, blockTypeSHB},
		{"the interface's", 1, -4, 1},
		{"a packet's, off by 4 (M09)", 3, 4, blockTypeEPB},
		{"a packet's, off by one", 3, 1, blockTypeEPB},
		{"the last packet's", last, 4, blockTypeEPB},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file, want := bad(tc.block, tc.delta)
			if want.Type != tc.wantType {
				t.Fatalf("block %d is of type %#x, want %#x", tc.block, want.Type, tc.wantType)
			}
			path := filepath.Join(t.TempDir(), "traffic.pcapng")
			if err := os.WriteFile(path, file, 0o644); err != nil {
				t.Fatal(err)
			}
			_, fast := ReadHTTP(path)
			_, slow := readHTTP(bytes.NewReader(file), nil, nil)
			for name, err := range map[string]error{"ngFast (a tap file)": fast, "pcapgo": slow} {
				var got *BlockLengthError
				if !errors.As(err, &got) || *got != *want {
					t.Errorf("%s: %v, want %+v", name, err, *want)
					continue
				}
				if !strings.Contains(err.Error(), "don't match") {
					t.Errorf("%s: %v", name, err)
				}
			}
		})
	}
	// The good file and a classic pcap are read as before.
	if ex, err := ReadHTTP(writeTemp(t, good)); err != nil || len(ex) != 2 {
		t.Errorf("the good file: %d exchanges, %v", len(ex), err)
	}
	if ex, err := readHTTP(bytes.NewReader(synthCapture(t, false)), nil, nil); err != nil || len(ex) != 2 {
		t.Errorf("a classic pcap: %d exchanges, %v", len(ex), err)
	}
}

func writeTemp(t *testing.T, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "traffic.pcapng")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// blockCheck passes a file on whatever the size of the reads, and meets
// the bad trailer at the same byte: the bytes before its last one.
func TestBlockCheckReadSizes(t *testing.T) {
	good := synthCapture(t, true)
	starts := blockStarts(t, good)
	b := bytes.Clone(good)
	off := starts[3]
	total := int(binary.LittleEndian.Uint32(b[off+4:]))
	b[off+total-4]++
	for _, size := range []int{1, 3, 7, 64, 1 << 16} {
		var got []byte
		c := checkBlocks(bytes.NewReader(good))
		if err := readAll(c, size, &got); err != nil || !bytes.Equal(got, good) {
			t.Errorf("reads of %d: %d bytes, %v", size, len(got), err)
		}
		got = nil
		err := readAll(checkBlocks(bytes.NewReader(b)), size, &got)
		var bad *BlockLengthError
		if !errors.As(err, &bad) || bad.Offset != int64(off) || len(got) != off+total-1 {
			t.Errorf("reads of %d, a bad trailer: %d bytes passed (want %d), %v", size, len(got), off+total-1, err)
		}
	}
}

func readAll(c *blockCheck, size int, out *[]byte) error {
	p := make([]byte, size)
	for {
		n, err := c.Read(p)
		*out = append(*out, p[:n]...)
		if err != nil {
			if err.Error() == "EOF" {
				return nil
			}
			return err
		}
	}
}
