package stk

import (
	"bytes"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/hexdump"
)

func TestIMEI(t *testing.T) {
	tests := []struct {
		name string
		imei string
		hex  string
		back string // what DecodeIMEI gives: the check digit's place is 0
	}{
		// 490154203237518 (TAC 49015420, SNR 323751, CD 8), digits d1..d15
		// = 4 9 0 1 5 4 2 0 3 2 3 7 5 1 8, d15 replaced by the spare 0:
		//   octet 1: d1=4 high, odd 1 + type 010 = 1010 low  → 4A
		//   octet 2: d2=9 low,  d3=0 high                    → 09
		//   octet 3: d4=1 low,  d5=5 high                    → 51
		//   octet 4: d6=4 low,  d7=2 high                    → 24
		//   octet 5: d8=0 low,  d9=3 high                    → 30
		//   octet 6: d10=2 low, d11=3 high                   → 32
		//   octet 7: d12=7 low, d13=5 high                   → 57
		//   octet 8: d14=1 low, d15=0 (not 8) high           → 01
		{"TS 23.003 example", "490154203237518", "4A 09 51 24 30 32 57 01", "490154203237510"},
		// 356938035643809: 3 | 5 6 | 9 3 | 8 0 | 3 5 | 6 4 | 3 8 | 0 9→0
		//   → 3A 65 39 08 53 46 83 00.
		{"check digit 9 sent as 0", "356938035643809", "3A 65 39 08 53 46 83 00", "356938035643800"},
		// A check digit already 0 comes back unchanged.
		{"check digit 0", "351234567890120", "3A 15 32 54 76 98 10 02", "351234567890120"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := hexdump.Bytes(t, tt.hex)
			o, err := EncodeIMEI(tt.imei)
			if err != nil || o.Tag != TagIMEI || o.CR || !bytes.Equal(o.Value, want) {
				t.Fatalf("EncodeIMEI(%s) = %+v, %v; want 14 08 % X", tt.imei, o, err, want)
			}
			back, err := DecodeIMEI(want)
			if err != nil || back != tt.back {
				t.Fatalf("DecodeIMEI(% X) = %q, %v; want %q", want, back, err, tt.back)
			}
		})
	}
	for _, bad := range []string{"", "49015420323751", "4901542032375180", "49015420323751X", "A90154203237518", "4901542 3237518"} {
		if o, err := EncodeIMEI(bad); err == nil {
			t.Errorf("EncodeIMEI(%q) = % X, want an error", bad, o.Value)
		}
	}
	for _, bad := range []string{
		"",
		"4A 09 51 24 30 32 57",       // 7 octets
		"4A 09 51 24 30 32 57 01 00", // 9 octets
		"49 09 51 24 30 32 57 01",    // type 001 (IMSI)
		"42 09 51 24 30 32 57 01",    // even indicator
		"4B 09 51 24 30 32 57 01",    // type 011 (IMEISV)
		"FA 09 51 24 30 32 57 01",    // digit 1 is F
		"4A 0C 51 24 30 32 57 01",    // digit 2 is C
		"4A 09 51 24 30 32 57 F1",    // digit 15 is F: no filler in 15 digits
	} {
		if s, err := DecodeIMEI(hexdump.Bytes(t, bad)); err == nil {
			t.Errorf("DecodeIMEI(%s) = %q, want an error", bad, s)
		}
	}
}

func TestDateTime(t *testing.T) {
	tests := []struct {
		name string
		d    DateTime
		hex  string
	}{
		// 2026-01-01 00:00:00, zone not known: 26 → 62, 01 → 10, 01 → 10,
		// 00 00 00, FF.
		{"rig epoch, zone unknown", DateTime{Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
			"62 10 10 00 00 00 FF"},
		// 2026-11-30 17:20:44: 62, 11 → 11, 30 → 03, 17 → 71, 20 → 02, 44 → 44.
		{"zone unknown", DateTime{Time: time.Date(2026, 11, 30, 17, 20, 44, 0, time.UTC)},
			"62 11 03 71 02 44 FF"},
		// 2026-07-14 09:05:07 +02:00: 62 70 41 90 50 70, +8 quarters → 80.
		{"zone +02:00", DateTime{Time: time.Date(2026, 7, 14, 9, 5, 7, 0, time.FixedZone("", 2*3600)), ZoneKnown: true},
			"62 70 41 90 50 70 80"},
		// 2026-02-28 23:59:59 -03:30: 62 20 82 32 95 95, 14 quarters → 41,
		// sign bit 4 (08) set → 49.
		{"zone -03:30", DateTime{Time: time.Date(2026, 2, 28, 23, 59, 59, 0, time.FixedZone("", -(3*3600+30*60))), ZoneKnown: true},
			"62 20 82 32 95 95 49"},
		// 2000-12-31 12:34:56 +05:30: 00 21 13 21 43 65, 22 quarters → 22.
		{"zone +05:30", DateTime{Time: time.Date(2000, 12, 31, 12, 34, 56, 0, time.FixedZone("", 5*3600+30*60)), ZoneKnown: true},
			"00 21 13 21 43 65 22"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := hexdump.Bytes(t, tt.hex)
			o, err := EncodeDateTime(tt.d)
			if err != nil || o.Tag != TagDateTime || !bytes.Equal(o.Value, want) {
				t.Fatalf("EncodeDateTime(%v) = % X, %v; want % X", tt.d.Time, o.Value, err, want)
			}
			back, err := DecodeDateTime(want)
			if err != nil {
				t.Fatal(err)
			}
			_, off := back.Time.Zone()
			_, wantOff := tt.d.Time.Zone()
			if !back.Time.Equal(tt.d.Time) || back.ZoneKnown != tt.d.ZoneKnown || off != wantOff {
				t.Fatalf("DecodeDateTime(% X) = %v (zone known %v), want %v", want, back.Time, back.ZoneKnown, tt.d.Time)
			}
		})
	}
	// Sub-second parts are truncated.
	o, err := EncodeDateTime(DateTime{Time: time.Date(2026, 1, 1, 0, 0, 1, 999e6, time.UTC)})
	if err != nil || !bytes.Equal(o.Value, hexdump.Bytes(t, "62 10 10 00 00 10 FF")) {
		t.Errorf("sub-second: % X, %v", o.Value, err)
	}
	for _, bad := range []DateTime{
		{Time: time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC)},
		{Time: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 10*60)), ZoneKnown: true},   // not a quarter
		{Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 20*3600)), ZoneKnown: true}, // 80 quarters
	} {
		if o, err := EncodeDateTime(bad); err == nil {
			t.Errorf("EncodeDateTime(%v) = % X, want an error", bad.Time, o.Value)
		}
	}
	for _, bad := range []string{
		"",
		"62 10 10 00 00 00",       // 6 octets
		"62 10 10 00 00 00 FF 00", // 8 octets
		"6A 10 10 00 00 00 FF",    // year nibble A
		"62 31 10 00 00 00 FF",    // month 13
		"62 00 10 00 00 00 FF",    // month 0
		"62 20 03 00 00 00 FF",    // 30 February
		"62 10 10 42 00 00 FF",    // hour 24
		"62 10 10 00 06 00 FF",    // minute 60
		"62 10 10 00 00 06 FF",    // second 60
		"62 10 10 00 00 00 A0",    // time zone units nibble A
		"62 10 10 00 00 00 F0",    // time zone F0: only FF means unknown
	} {
		if d, err := DecodeDateTime(hexdump.Bytes(t, bad)); err == nil {
			t.Errorf("DecodeDateTime(%s) = %v, want an error", bad, d.Time)
		}
	}
}

func TestLanguage(t *testing.T) {
	for code, hex := range map[string]string{"en": "65 6E", "fr": "66 72", "zh": "7A 68"} {
		want := hexdump.Bytes(t, hex)
		o, err := EncodeLanguage(code)
		if err != nil || o.Tag != TagLanguage || !bytes.Equal(o.Value, want) {
			t.Errorf("EncodeLanguage(%s) = % X, %v; want % X", code, o.Value, err, want)
		}
		if back, err := DecodeLanguage(want); err != nil || back != code {
			t.Errorf("DecodeLanguage(% X) = %q, %v", want, back, err)
		}
	}
	for _, bad := range []string{"", "e", "EN", "eng", "e1", "é"} {
		if o, err := EncodeLanguage(bad); err == nil {
			t.Errorf("EncodeLanguage(%q) = % X, want an error", bad, o.Value)
		}
	}
	for _, bad := range []string{"", "65", "65 6E 67", "45 4E", "65 00", "E5 6E"} {
		if s, err := DecodeLanguage(hexdump.Bytes(t, bad)); err == nil {
			t.Errorf("DecodeLanguage(%s) = %q, want an error", bad, s)
		}
	}
}
