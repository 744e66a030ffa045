package modem

import (
	"testing"
)

func TestDecodeICCID(t *testing.T) {
	tests := []struct {
		hex, want string
		ok        bool
	}{
		{"98331032547698103224", "89330123456789012342", true},
		{"986800100000000010F8", "8986000100000000018", true}, // 19 digits, F pad
		{"98F3", "893", true},
		{"FFFF", "", false},
		{"9A33", "", false},
		{"", "", false},
	}
	for _, tc := range tests {
		got, err := decodeICCID(mustHex(tc.hex))
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("decodeICCID(%s) = %q, %v; want %q ok=%v", tc.hex, got, err, tc.want, tc.ok)
		}
	}
}

func TestDecodeIMSI(t *testing.T) {
	tests := []struct {
		hex, want string
		ok        bool
	}{
		{"082980102143658709", "208011234567890", true}, // odd, 15 digits
		{"084906300000000010", "460030000000001", true},
		{"0729806521436587", "2085612345678", true},    // odd, 13 digits
		{"0821806521436587F1", "20856123456781", true}, // even, 14 digits
		{"0829436587090000F0", "", false},              // parity says odd, 14 digits
		{"072180652143658701", "", false},              // parity says even, 13 digits
		{"0A2980102143658709", "", false},              // length byte beyond data
		{"00", "", false},
		{"08A980102143658709", "", false}, // non-BCD first digit
		{"082A80102143658709", "", false}, // type nibble not IMSI
		{"0129", "", false},               // one digit
	}
	for _, tc := range tests {
		got, err := decodeIMSI(mustHex(tc.hex))
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("decodeIMSI(%s) = %q, %v; want %q ok=%v", tc.hex, got, err, tc.want, tc.ok)
		}
	}
}

// FuzzDecodeIdentities: EF contents from a card never panic the modem and
// decode only to digit strings.
func FuzzDecodeIdentities(f *testing.F) {
	for _, s := range []string{"98331032547698103224", "082980102143658709", "", "FF", "08"} {
		f.Add(mustHex(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, dec := range []func([]byte) (string, error){decodeICCID, decodeIMSI} {
			s, err := dec(b)
			if err != nil {
				continue
			}
			for _, c := range s {
				if c < '0' || c > '9' {
					t.Fatalf("decoded %q from %X", s, b)
				}
			}
		}
	})
}

func TestParsePathID(t *testing.T) {
	if p, err := parsePathID("3F007FFF"); err != nil || len(p) != 2 || p[1] != 0x7FFF {
		t.Errorf("3F007FFF: %v, %v", p, err)
	}
	for _, bad := range []string{"", "3F0", "3F00ZZ", "3F007F"} {
		if _, err := parsePathID(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestOutQueueDropsOldest(t *testing.T) {
	q := newOutQueue(10)
	for _, s := range []string{"aaaa", "bbbb", "cccc", "dd"} {
		q.push([]byte(s))
	}
	if q.droppedBytes() != 4 {
		t.Errorf("dropped %d, want 4", q.droppedBytes())
	}
	var got string
	for i := 0; i < 3; i++ {
		b, ok := q.pop()
		if !ok {
			t.Fatal("queue closed")
		}
		got += string(b)
	}
	if got != "bbbbccccdd" {
		t.Errorf("kept %q", got)
	}
	q.close()
	if _, ok := q.pop(); ok {
		t.Error("pop after close")
	}
}

// TestOutQueueCountsEveryByte: Written (totalBytes) counts what leaves at
// once through the direct writer, what is left over for the writer
// goroutine, and what is queued behind it — replay waits on it.
func TestOutQueueCountsEveryByte(t *testing.T) {
	for _, tc := range []struct {
		name   string
		takes  int // bytes the direct writer takes per call
		queued int // bytes left in the queue afterwards
	}{
		{"all at once", 100, 0},
		{"partly", 3, 3},
		{"not at all (EAGAIN)", 0, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := newOutQueue(1 << 10)
			q.setDirect(func(b []byte) (int, error) { return min(tc.takes, len(b)), nil })
			q.push([]byte("abcdef"))
			if q.totalBytes() != 6 || q.size != tc.queued {
				t.Errorf("total %d, queued %d; want 6, %d", q.totalBytes(), q.size, tc.queued)
			}
		})
	}
}
