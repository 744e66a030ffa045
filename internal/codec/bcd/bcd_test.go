package bcd

import (
	"bytes"
	"encoding/hex"
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
		{"ICCID 19 digits, F filler", "8933100000000000003", func(s string) []byte { return Swapped(s, 10) }, Unswapped, "98 33 01 00 00 00 00 00 00 F3"},
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

// 3-byte PLMNs of TS 24.008 §10.5.1.3: MCC2 MCC1 | MNC3 MCC3 | MNC2 MNC1.
func TestPLMN(t *testing.T) {
	tests := []struct{ plmn, hex string }{
		{"20801", "02 F8 10"},
		{"20810", "02 F8 01"},
		{"46000", "64 F0 00"},
		{"310410", "13 00 14"},
	}
	for _, tt := range tests {
		got, err := PLMN(tt.plmn)
		if err != nil || !bytes.Equal(got[:], hexdump.Bytes(t, tt.hex)) {
			t.Errorf("PLMN(%s) = % X, %v; want %s", tt.plmn, got, err, tt.hex)
		}
		back, err := ParsePLMN(hexdump.Bytes(t, tt.hex))
		if err != nil || back != tt.plmn {
			t.Errorf("ParsePLMN(%s) = %q, %v", tt.hex, back, err)
		}
	}
	for _, bad := range []string{"2080", "2O801", "2080123"} {
		if _, err := PLMN(bad); err == nil {
			t.Errorf("PLMN(%q) accepted", bad)
		}
	}
	if _, err := ParsePLMN(hexdump.Bytes(t, "0A F8 10")); err == nil {
		t.Error("ParsePLMN accepted a non-BCD digit")
	}
}

// PLMN patterns of an SGP.22 RAT: E is a wildcard nibble; digits alone
// encode as PLMN does.
func TestPLMNPattern(t *testing.T) {
	tests := []struct{ pattern, hex string }{
		{"20810", "02 F8 01"},
		{"208EE", "02 F8 EE"},
		{"208EEE", "02 E8 EE"},
		{"EEEEE", "EE FE EE"},
		{"3104E0", "13 00 E4"},
	}
	for _, tt := range tests {
		got, err := PLMNPattern(tt.pattern)
		if err != nil || !bytes.Equal(got[:], hexdump.Bytes(t, tt.hex)) {
			t.Errorf("PLMNPattern(%s) = % X, %v; want %s", tt.pattern, got, err, tt.hex)
		}
		back, err := ParsePLMNPattern(hexdump.Bytes(t, tt.hex))
		if err != nil || back != tt.pattern {
			t.Errorf("ParsePLMNPattern(%s) = %q, %v", tt.hex, back, err)
		}
	}
	for _, bad := range []string{"208E", "208e1", "208A1", "208EEEE"} {
		if _, err := PLMNPattern(bad); err == nil {
			t.Errorf("PLMNPattern(%q) accepted", bad)
		}
	}
	// The strict forms still refuse the wildcard.
	if _, err := PLMN("208EE"); err == nil {
		t.Error("PLMN accepted a wildcard")
	}
	if _, err := ParsePLMN(hexdump.Bytes(t, "02 F8 EE")); err == nil {
		t.Error("ParsePLMN accepted a wildcard nibble")
	}
	if _, err := ParsePLMNPattern(hexdump.Bytes(t, "02 F8 AE")); err == nil {
		t.Error("ParsePLMNPattern accepted nibble A")
	}
}

// Plain BCD, high nibble first: the EID 8904…0171 reads as its own hex.
func TestPlain(t *testing.T) {
	eid := "89049032000001000000000000000171"
	if got := Plain(eid, 16); hex.EncodeToString(got) != eid {
		t.Errorf("Plain(EID) = %X", got)
	}
	if got := Plain("352099001761481", 8); !bytes.Equal(got, []byte{0x35, 0x20, 0x99, 0x00, 0x17, 0x61, 0x48, 0x1F}) {
		t.Errorf("Plain(IMEI) = %X", got)
	}
	if s, err := Unplain([]byte{0x35, 0x20, 0x99, 0x00, 0x17, 0x61, 0x48, 0x1F}); err != nil || s != "352099001761481" {
		t.Errorf("Unplain = %q, %v", s, err)
	}
	for _, bad := range [][]byte{{0x3F, 0x12}, {0xA1}} {
		if _, err := Unplain(bad); err == nil {
			t.Errorf("Unplain(%X) accepted", bad)
		}
	}
}
