package gsmtap

import (
	"bytes"
	"errors"
	"testing"

	"github.com/esimhil/esimhil/internal/hexdump"
)

// TestFromExchange checks the T=0 view of each APDU case (ISO/IEC 7816-3
// §10.3.2, 7816-4 §5.1) against vectors worked out by hand.
func TestFromExchange(t *testing.T) {
	tests := []struct {
		name, cmd, rsp, want string
		parsed               APDU
	}{
		{"case 1 MANAGE CHANNEL close: P3 00", "00 70 80 01", "90 00", "00 70 80 01 00 90 00",
			APDU{CLA: 0x00, INS: 0x70, P1: 0x80, P2: 0x01, SW: 0x9000}},
		{"case 2 READ BINARY: P3 is Le, data from the card", "00 B0 00 00 0A", "98 10 32 00 00 00 00 00 00 F1 90 00",
			"00 B0 00 00 0A 98 10 32 00 00 00 00 00 00 F1 90 00",
			APDU{INS: 0xB0, P3: 0x0A, Response: hexdump.Bytes(t, "98 10 32 00 00 00 00 00 00 F1"), SW: 0x9000}},
		{"case 2 FETCH", "80 12 00 00 0E", "D0 0C 81 03 01 01 09 82 02 81 82 00 00 90 00",
			"80 12 00 00 0E D0 0C 81 03 01 01 09 82 02 81 82 00 00 90 00",
			APDU{CLA: 0x80, INS: 0x12, P3: 0x0E, Response: hexdump.Bytes(t, "D0 0C 81 03 01 01 09 82 02 81 82 00 00"), SW: 0x9000}},
		{"case 2 Le 256 is P3 00", "00 C0 00 00 00", "01 02 90 00", "00 C0 00 00 00 01 02 90 00",
			APDU{INS: 0xC0, Response: []byte{1, 2}, SW: 0x9000}},
		{"case 3 STORE DATA: P3 is Lc", "81 E2 91 00 03 BF 2D 00", "61 20", "81 E2 91 00 03 BF 2D 00 61 20",
			APDU{CLA: 0x81, INS: 0xE2, P1: 0x91, P3: 3, Data: hexdump.Bytes(t, "BF 2D 00"), SW: 0x6120}},
		{"case 4 SELECT: Le not sent, FCP with the status", "00 A4 00 04 02 3F 00 00", "62 03 82 01 78 90 00",
			"00 A4 00 04 02 3F 00 62 03 82 01 78 90 00",
			APDU{INS: 0xA4, P2: 0x04, P3: 2, Data: []byte{0x3F, 0x00}, Response: hexdump.Bytes(t, "62 03 82 01 78"), SW: 0x9000}},
		{"case 3 ENVELOPE answered 91xx", "80 C2 00 00 05 D7 03 82 02 82", "91 13", "80 C2 00 00 05 D7 03 82 02 82 91 13",
			APDU{CLA: 0x80, INS: 0xC2, P3: 5, Data: hexdump.Bytes(t, "D7 03 82 02 82"), SW: 0x9113}},
		{"MANAGE CHANNEL open: Le 1", "00 70 00 00 01", "01 90 00", "00 70 00 00 01 01 90 00",
			APDU{INS: 0x70, P3: 1, Response: []byte{1}, SW: 0x9000}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := FromExchange(hexdump.Bytes(t, tc.cmd), hexdump.Bytes(t, tc.rsp))
			if want := hexdump.Bytes(t, tc.want); !bytes.Equal(got, want) {
				t.Fatalf("FromExchange = % X, want % X", got, want)
			}
			a, err := ParseAPDU(got)
			if err != nil {
				t.Fatal(err)
			}
			if a.CLA != tc.parsed.CLA || a.INS != tc.parsed.INS || a.P1 != tc.parsed.P1 || a.P2 != tc.parsed.P2 ||
				a.P3 != tc.parsed.P3 || !bytes.Equal(a.Data, tc.parsed.Data) || !bytes.Equal(a.Response, tc.parsed.Response) || a.SW != tc.parsed.SW {
				t.Errorf("ParseAPDU = %+v, want %+v", a, tc.parsed)
			}
			if !bytes.Equal(a.Bytes(), got) {
				t.Errorf("Bytes = % X, want % X", a.Bytes(), got)
			}
		})
	}
}

// A command that is no valid short APDU, or an answer without a status
// word, is kept as it crossed the contacts.
func TestFromExchangeKeepsWhatCrossed(t *testing.T) {
	tests := []struct{ name, cmd, rsp, want string }{
		{"Lc disagrees with the data", "00 A4 00 04 05 3F 00", "67 00", "00 A4 00 04 05 3F 00 67 00"},
		{"extended length", "00 A4 00 04 00 00 02 3F 00", "67 00", "00 A4 00 04 00 00 02 3F 00 67 00"},
		{"no status word", "80 C2 00 00 02 D7 00", "", "80 C2 00 00 02 D7 00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := FromExchange(hexdump.Bytes(t, tc.cmd), hexdump.Bytes(t, tc.rsp))
			if want := hexdump.Bytes(t, tc.want); !bytes.Equal(got, want) {
				t.Errorf("FromExchange = % X, want % X", got, want)
			}
		})
	}
}

func TestParseAPDUErrors(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		want error
	}{
		{"empty", "", ErrShortAPDU},
		{"header cut", "80 12 00", ErrShortAPDU},
		{"header only (incoming)", "80 C2 00 00 05", ErrNoResponse},
		{"header only (outgoing)", "80 12 00 00 0E", ErrNoResponse},
		{"data without status word", "80 C2 00 00 02 D7 00", ErrNoResponse},
		{"one byte after the header", "80 12 00 00 0E 90", ErrNoResponse},
		{"data cut", "80 C2 00 00 05 D7 03 82", ErrShortAPDU},
		{"PPS", "FF 10 96 79 90 00", ErrBadAPDU},
		{"INS 6X", "00 61 00 00 00 90 00", ErrBadAPDU},
		{"SW1 not a status byte", "80 12 00 00 02 D0 00 12 34", ErrBadAPDU},
		{"SW1 60 is a NULL procedure byte", "00 B0 00 00 00 60 00", ErrBadAPDU},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseAPDU(hexdump.Bytes(t, tc.hex))
			if !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
}

// TestParseAPDURefusedAfterHeader: a card may send SW1 SW2 in place of a
// procedure byte (ISO/IEC 7816-3 §10.3.3), refusing a command before its
// data; the SIMtrace2 firmware then sends the header and the status word
// alone. Each is one APDU with no data (outside tester t72 F1), and two
// bytes after a P3 of 2 are a status word when they are one.
func TestParseAPDURefusedAfterHeader(t *testing.T) {
	tests := []struct {
		name   string
		hex    string
		sw     uint16
		data   string
		noData bool
		// partData: refused after part of its data (PartData).
		partData bool
		err      error
	}{
		{"STORE DATA on a closed channel", "82 E2 91 00 06 68 81", 0x6881, "", true, false, nil},
		{"STORE DATA, conditions not satisfied", "81 E2 91 00 06 69 85", 0x6985, "", true, false, nil},
		{"INS not supported", "80 E2 91 00 03 6D 00", 0x6D00, "", true, false, nil},
		{"SELECT refused, P3 2: a status word", "00 A4 00 04 02 6A 82", 0x6A82, "", true, false, nil},
		{"SELECT refused, P3 2, SW1 9X", "A0 A4 00 00 02 98 04", 0x9804, "", true, false, nil},
		{"P3 2, the data of an unanswered SELECT", "00 A4 00 04 02 3F 00", 0, "", false, false, ErrNoResponse},
		{"P3 2, a NULL byte is no status word", "00 A4 00 04 02 60 00", 0, "", false, false, ErrNoResponse},
		{"SELECT answered after its data", "00 A4 00 04 02 3F 00 6A 82", 0x6A82, "3F 00", false, false, nil},
		{"P3 6, two bytes that are no status word", "81 E2 91 00 06 BF 2D", 0, "", false, false, ErrShortAPDU},
		{"case 1: no data announced", "00 70 80 01 00 90 00", 0x9000, "", false, false, nil},
		{"case 2 refused: never NoData", "00 B0 00 00 0A 69 82", 0x6982, "", false, false, nil},
		// After part of its data (final71: "not an APDU"): a failing
		// status word ends the command; anything else is a cut.
		{"STORE DATA refused after 3 of 6 bytes", "81 E2 91 00 06 BF 2D 00 6A 80", 0x6A80, "BF 2D 00", false, true, nil},
		{"refused after 1 of 6, SW1 9X", "A0 D6 00 00 06 01 98 04", 0x9804, "01", false, true, nil},
		{"all but 2 of the data, then a failing word", "80 C2 00 00 05 D7 03 82 67 00", 0x6700, "D7 03 82", false, true, nil},
		{"part of the data, then 9000: no refusal", "81 E2 91 00 06 BF 2D 90 00", 0, "", false, false, ErrShortAPDU},
		{"part of the data, then 61xx: no refusal", "81 E2 91 00 06 BF 2D 61 10", 0, "", false, false, ErrShortAPDU},
		{"part of the data, then 6Cxx: a step, no refusal", "81 E2 91 00 06 BF 2D 6C 10", 0, "", false, false, ErrShortAPDU},
		{"part of the data, NULL byte", "81 E2 91 00 06 BF 2D 60 80", 0, "", false, false, ErrShortAPDU},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := hexdump.Bytes(t, tc.hex)
			a, err := ParseAPDU(b)
			if !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			if err != nil {
				return
			}
			if a.SW != tc.sw || !bytes.Equal(a.Data, hexdump.Bytes(t, tc.data)) || len(a.Response) != 0 || a.NoData() != tc.noData {
				t.Errorf("ParseAPDU = %+v (NoData %v), want SW %04X, data %s, NoData %v", a, a.NoData(), tc.sw, tc.data, tc.noData)
			}
			if a.PartData() != tc.partData {
				t.Errorf("PartData %v, want %v", a.PartData(), tc.partData)
			}
			if !bytes.Equal(a.Bytes(), b) {
				t.Errorf("Bytes = % X, want % X", a.Bytes(), b)
			}
		})
	}
}
