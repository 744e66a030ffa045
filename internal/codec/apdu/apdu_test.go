package apdu

import (
	"bytes"
	"testing"

	"github.com/esimhil/esimhil/internal/hexdump"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		hex   string
		want  Command
		chann int
	}{
		{"case 1 STATUS", "80F20000", Command{CLA: 0x80, INS: 0xF2}, 0},
		{"case 2 READ BINARY Le=0 is 256", "00B0000000", Command{INS: 0xB0, Le: 256, HasLe: true}, 0},
		{"case 3 SELECT EF ICCID", "00A40004022FE2", Command{INS: 0xA4, P2: 0x04, Data: []byte{0x2F, 0xE2}}, 0},
		{"case 4 SELECT ISD-R on channel 1", "01A4040010A0000005591010FFFFFFFF890000010000",
			Command{CLA: 0x01, INS: 0xA4, P1: 0x04, Data: hexdump.Bytes(t, "A0000005591010FFFFFFFF8900000100"), Le: 256, HasLe: true}, 1},
		{"STORE DATA channel 3", "83E2910003BF2D00", Command{CLA: 0x83, INS: 0xE2, P1: 0x91, Data: hexdump.Bytes(t, "BF2D00")}, 3},
		{"further interindustry channel 4", "40B0000001", Command{CLA: 0x40, INS: 0xB0, Le: 1, HasLe: true}, 4},
		{"further interindustry channel 19", "4FB0000001", Command{CLA: 0x4F, INS: 0xB0, Le: 1, HasLe: true}, 19},
		{"proprietary further channel 5", "C1E2910000", Command{CLA: 0xC1, INS: 0xE2, P1: 0x91, Le: 256, HasLe: true}, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := hexdump.Bytes(t, tc.hex)
			got, err := Parse(b)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got.CLA != tc.want.CLA || got.INS != tc.want.INS || got.P1 != tc.want.P1 || got.P2 != tc.want.P2 ||
				!bytes.Equal(got.Data, tc.want.Data) || got.Le != tc.want.Le || got.HasLe != tc.want.HasLe {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if got.Channel() != tc.chann {
				t.Errorf("channel %d, want %d", got.Channel(), tc.chann)
			}
			if !bytes.Equal(got.Bytes(), b) {
				t.Errorf("re-encoded %X, want %X", got.Bytes(), b)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		sw   uint16
	}{
		{"too short", "00A4", SWWrongLength},
		{"empty", "", SWWrongLength},
		{"extended case 3", "00A40400000002 3F00", SWWrongLength},
		{"extended case 2", "00B00000000100", SWWrongLength},
		{"Lc too big", "00A4000004 3F00", SWWrongLength},
		{"Lc too small", "00A4000001 3F0000 00", SWWrongLength},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(hexdump.Bytes(t, tc.hex))
			if err == nil {
				t.Fatal("accepted")
			}
			if SWOf(err) != tc.sw {
				t.Errorf("SW %04X, want %04X (%v)", SWOf(err), tc.sw, err)
			}
		})
	}
}

func TestWithChannel(t *testing.T) {
	tests := []struct {
		cla  byte
		ch   int
		want byte
	}{
		{0x00, 0, 0x00}, {0x00, 3, 0x03}, {0x80, 2, 0x82}, {0x00, 4, 0x40}, {0x00, 19, 0x4F}, {0x80, 5, 0xC1},
	}
	for _, tc := range tests {
		if got := WithChannel(tc.cla, tc.ch); got != tc.want || ChannelOf(got) != tc.ch {
			t.Errorf("WithChannel(%02X, %d) = %02X (channel %d), want %02X", tc.cla, tc.ch, got, ChannelOf(got), tc.want)
		}
	}
}

func TestResponse(t *testing.T) {
	tests := []struct {
		hex  string
		data string
		sw   uint16
		ok   bool
	}{
		{"9000", "", SWOK, true},
		{"BF3E035A01 9000", "BF3E035A01", SWOK, true},
		{"6A82", "", SWFileNotFound, false},
		{"911C", "", ProactivePending(0x1C), true},
		{"6100", "", BytesAvailable(256), false},
	}
	for _, tc := range tests {
		b := hexdump.Bytes(t, tc.hex)
		r, err := ParseResponse(b)
		if err != nil {
			t.Fatalf("ParseResponse(%s): %v", tc.hex, err)
		}
		if !bytes.Equal(r.Data, hexdump.Bytes(t, tc.data)) || r.SW != tc.sw || r.OK() != tc.ok {
			t.Errorf("%s: got %X %04X ok=%v", tc.hex, r.Data, r.SW, r.OK())
		}
		if !bytes.Equal(r.Bytes(), b) {
			t.Errorf("%s: re-encoded %X", tc.hex, r.Bytes())
		}
	}
	if _, err := ParseResponse([]byte{0x90}); err == nil {
		t.Error("1-byte response accepted")
	}
}

func TestValidate(t *testing.T) {
	if err := (Command{Data: make([]byte, 256)}).Validate(); SWOf(err) != SWWrongLength {
		t.Errorf("256 data bytes: %v", err)
	}
	if err := (Command{HasLe: true, Le: 0}).Validate(); err == nil {
		t.Error("Le 0 accepted")
	}
	if err := (Command{Data: make([]byte, 255), HasLe: true, Le: 256}).Validate(); err != nil {
		t.Errorf("max short rejected: %v", err)
	}
}

// FuzzParse checks Parse never panics and round-trips what it accepts.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"80F20000", "00B0000000", "00A40004022FE2", "01A4040010A0000005591010FFFFFFFF890000010000", "00A40400000002", ""} {
		f.Add(hexdump.Bytes(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b)
		if err != nil {
			if sw := SWOf(err); sw>>8 != 0x67 {
				t.Fatalf("error SW %04X", sw)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted command fails Validate: %v", err)
		}
		if !bytes.Equal(c.Bytes(), b) {
			t.Fatalf("round trip %X → %X", b, c.Bytes())
		}
	})
}
