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

// Class bytes worked out from ISO/IEC 7816-4 §5.4.1 Tables 2 and 3: the
// first form carries chaining in b5, SM in b4-b3 and channels 0-3 in b2-b1;
// the further form sets b7, SM in b6, chaining in b5, channel-4 in b4-b1.
func TestWithChannel(t *testing.T) {
	tests := []struct {
		cla  byte
		ch   int
		want byte
	}{
		{0x00, 0, 0x00}, {0x00, 3, 0x03}, {0x03, 0, 0x00}, {0x80, 2, 0x82},
		{0x00, 4, 0x40}, {0x00, 19, 0x4F}, {0x80, 5, 0xC1}, {0x81, 19, 0xCF},
		{0xC5, 0, 0x80}, // back from the further form to the basic channel
		// '90' is '80' with the chaining bit: kept in both forms.
		{0x90, 1, 0x91}, {0x90, 2, 0x92}, {0x90, 5, 0xD1}, {0x10, 4, 0x50},
		// Secure messaging moves between b4-b3 and b6.
		{0x08, 1, 0x09}, {0x08, 4, 0x60}, {0x60, 2, 0x0A}, {0x0C, 4, 0x60},
		// No such channel: a class no card takes.
		{0x00, 20, 0xFF}, {0x80, -1, 0xFF},
	}
	for _, tc := range tests {
		got := WithChannel(tc.cla, tc.ch)
		if got != tc.want || (got != 0xFF && ChannelOf(got) != tc.ch) {
			t.Errorf("WithChannel(%02X, %d) = %02X (channel %d), want %02X", tc.cla, tc.ch, got, ChannelOf(got), tc.want)
		}
	}
	if ChannelOf(0xA0) != 0 {
		t.Error("GSM class 'A0' is the basic channel")
	}
}

// card is a scripted card: each command gets the next answer.
type card struct {
	sent    [][]byte
	answers []string
}

func (c *card) tx(t *testing.T) Transmit {
	return func(cmd []byte) ([]byte, error) {
		c.sent = append(c.sent, append([]byte(nil), cmd...))
		if len(c.answers) == 0 {
			t.Fatalf("unexpected command %X", cmd)
		}
		a := c.answers[0]
		c.answers = c.answers[1:]
		return hexdump.Bytes(t, a), nil
	}
}

func TestExchange(t *testing.T) {
	tests := []struct {
		name    string
		cmd     string
		answers []string
		sent    []string // after the command itself
		want    string
	}{
		{"direct", "80E2910003BF2D00", []string{"BF2D02A000 9000"}, nil, "BF2D02A0009000"},
		{"61xx chain on channel 1", "81E2910003BF2D00", []string{"6104", "BF2D 6102", "A000 9000"},
			[]string{"01C0000004", "01C0000002"}, "BF2DA0009000"},
		{"channel 5 keeps the further form", "C1E2910003BF2D00", []string{"6102", "A000 9000"},
			[]string{"41C0000002"}, "A0009000"},
		{"6Cxx repeats a case-2 command", "00B0000000", []string{"6C0A", "89330100000000000012 9000"},
			[]string{"00B000000A"}, "893301000000000000129000"},
		{"GSM class", "A0C0000000", []string{"6102", "0102 9000"}, []string{"A0C0000002"}, "01029000"},
		{"error ends the chain", "80E2910003BF2D00", []string{"6102", "6A88"}, []string{"00C0000002"}, "6A88"},
		// A GET RESPONSE answered 6Cxx is a step (TS 102 221
		// §7.3.1.1.4), as apdu.Chains reads it in a trace: asked again
		// with the Le the card names (reviewer r65 #6).
		{"6Cxx to GET RESPONSE", "80E2910003BF2D00", []string{"6104", "6C02", "A000 9000"},
			[]string{"00C0000004", "00C0000002"}, "A0009000"},
	}
	for _, tc := range tests {
		c := &card{answers: tc.answers}
		got, err := Exchange(c.tx(t), hexdump.Bytes(t, tc.cmd))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !bytes.Equal(got, hexdump.Bytes(t, tc.want)) {
			t.Errorf("%s: got %X, want %s", tc.name, got, tc.want)
		}
		if len(c.sent)-1 != len(tc.sent) {
			t.Fatalf("%s: sent %X", tc.name, c.sent)
		}
		for i, s := range tc.sent {
			if !bytes.Equal(c.sent[i+1], hexdump.Bytes(t, s)) {
				t.Errorf("%s: command %d = %X, want %s", tc.name, i+1, c.sent[i+1], s)
			}
		}
	}
	endless := &card{}
	for range MaxGetResponse + 1 {
		endless.answers = append(endless.answers, "6101")
	}
	if _, err := Exchange(endless.tx(t), hexdump.Bytes(t, "80F20000")); err != ErrEndlessResponse {
		t.Errorf("endless 61xx: %v", err)
	}
	if _, err := Exchange(func([]byte) ([]byte, error) { return []byte{0x90}, nil }, hexdump.Bytes(t, "80F20000")); err == nil {
		t.Error("1-byte answer accepted")
	}
}

// TestExchangeAllocs: a terminal that polls (GetEID through +CGLA) pays
// for the GET RESPONSE of a 61xx and nothing else: the answer that ends
// the chain is handed on, not copied, when the 61xx brought no data.
func TestExchangeAllocs(t *testing.T) {
	more, answer := []byte{0x61, 0x04}, hexdump.Bytes(t, "A0009000")
	tx := func(cmd []byte) ([]byte, error) {
		if cmd[1] == InsGetResponse {
			return answer, nil
		}
		return more, nil
	}
	cmd := hexdump.Bytes(t, "81E2910003BF2D00")
	var got []byte
	allocs := testing.AllocsPerRun(100, func() { got, _ = Exchange(tx, cmd) })
	if !bytes.Equal(got, answer) {
		t.Fatalf("got %X", got)
	}
	if allocs > 1 {
		t.Errorf("%.0f allocations, want 1 at most (the GET RESPONSE command)", allocs)
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

func TestNormalProcessing(t *testing.T) {
	for sw, want := range map[uint16]bool{
		0x9000: true, 0x910B: true, 0x9201: true, 0x6110: true, 0x9F20: true,
		0x6A88: false, 0x6985: false, 0x6282: false, 0x9300: false, 0x6C10: false,
	} {
		if got := NormalProcessing(sw); got != want {
			t.Errorf("NormalProcessing(%04X) = %v, want %v", sw, got, want)
		}
	}
}

// TestFailed: a 6Cxx is a step of T=0's exchange, not a failure (ISO/IEC
// 7816-4 §5.6, TS 102 221 §7.3.1.1.4); the rest fail as they are not of
// normal processing.
func TestFailed(t *testing.T) {
	for sw, want := range map[uint16]bool{
		0x9000: false, 0x910B: false, 0x6110: false, 0x6C10: false, 0x6C00: false,
		0x6A88: true, 0x6985: true, 0x6282: true, 0x6700: true, 0x6B00: true,
	} {
		if got := Failed(sw); got != want {
			t.Errorf("Failed(%04X) = %v, want %v", sw, got, want)
		}
	}
}

// MoreData and RepeatWithLe read the two status words of T=0's steps
// (TS 102 221 §7.3.1.1.4) and the Le each asks of the next command.
func TestMoreDataRepeatWithLe(t *testing.T) {
	for _, tc := range []struct {
		sw          uint16
		more, again bool
		le          byte
	}{
		{0x6110, true, false, 0x10},
		{0x6100, true, false, 0x00}, // 256 or more
		{0x6C15, false, true, 0x15},
		{0x6C00, false, true, 0x00},
		{0x9000, false, false, 0},
		{0x9110, false, false, 0},   // a proactive command pending, not more data
		{0x9F22, true, false, 0x22}, // GSM class (TS 51.011 §9.4.1)
		{0x6210, false, false, 0},
		{0x6D00, false, false, 0},
	} {
		le, more := MoreData(tc.sw)
		le2, again := RepeatWithLe(tc.sw)
		if more != tc.more || again != tc.again || (more && le != tc.le) || (again && le2 != tc.le) {
			t.Errorf("%04X: MoreData %02X %v, RepeatWithLe %02X %v; want %v %v, Le %02X", tc.sw, le, more, le2, again, tc.more, tc.again, tc.le)
		}
	}
}
