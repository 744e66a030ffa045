package bcd

import (
	"bytes"
	"testing"

	"github.com/esimhil/esimhil/internal/hexdump"
)

func TestVectors(t *testing.T) {
	tests := []struct {
		name   string
		digits string
		enc    func(string) []byte
		dec    func([]byte) (string, error)
		hex    string
	}{
		// EF ICCID of 89860000000000000019 (TS 102 221 §13.2).
		{"ICCID 20 digits", "89860000000000000019", func(s string) []byte { return Swapped(s, 10) }, Unswapped, "98 68 00 00 00 00 00 00 00 91"},
		{"ICCID 19 digits, F filler", "8933100000000000003", func(s string) []byte { return Swapped(s, 10) }, Unswapped, "98 33 01 00 00 00 00 00 00 F2"},
		// EF IMSI of 208100000000027: odd count, 15 digits (TS 31.102 §4.2.2).
		{"IMSI 15 digits", "208100000000027", IMSI, ParseIMSI, "08 29 80 01 00 00 00 00 72"},
		{"IMSI 14 digits", "46000000000001", IMSI, ParseIMSI, "08 41 06 00 00 00 00 00 F1"},
		{"IMSI 14 digits, mixed", "20810123456789", IMSI, ParseIMSI, "08 21 80 01 21 43 65 87 F9"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := hexdump.Bytes(t, tc.hex)
			if got := tc.enc(tc.digits); !bytes.Equal(got, want) {
				t.Fatalf("encode %s = % X, want % X", tc.digits, got, want)
			}
			back, err := tc.dec(want)
			if err != nil || back != tc.digits {
				t.Fatalf("decode = %q, %v; want %q", back, err, tc.digits)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		dec  func([]byte) (string, error)
		hex  string
	}{
		{"digit after filler", Unswapped, "98 F8 12"},
		{"non-digit nibble", Unswapped, "A8"},
		{"IMSI too short", ParseIMSI, "08"},
		{"IMSI length byte too big", ParseIMSI, "09 29 80 01"},
		{"IMSI wrong type", ParseIMSI, "08 2A 80 01 00 00 00 00 72"},
		{"IMSI parity", ParseIMSI, "08 21 80 01 00 00 00 00 72"},
	} {
		if _, err := tc.dec(hexdump.Bytes(t, tc.hex)); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte{0x98, 0x68, 0xF0})
	f.Add([]byte{0x08, 0x29, 0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x72})
	f.Fuzz(func(t *testing.T, b []byte) {
		if s, err := Unswapped(b); err == nil && !bytes.Equal(Swapped(s, len(b)), b) && len(s)%2 == 0 && len(s) == 2*len(b) {
			t.Fatalf("round trip of % X", b)
		}
		if s, err := ParseIMSI(b); err == nil && len(s) > 15 {
			t.Fatalf("IMSI of %d digits from % X", len(s), b)
		}
	})
}
