package apdu

import (
	"bytes"
	"testing"
)

func TestChainsPutAnAnswerTogether(t *testing.T) {
	type ex struct {
		ch   int
		key  string
		ins  byte
		data string
		sw   uint16
		// want
		wantKey   string
		continues bool
		whole     string // "" with wantSW 0: not ended
		wantSW    uint16
	}
	tests := []struct {
		name string
		exs  []ex
	}{
		{"answered at once", []ex{
			{0, "A", 0xE2, "BF3100", 0x9000, "A", false, "BF3100", 0x9000},
		}},
		{"61xx then one GET RESPONSE", []ex{
			{0, "A", 0xE2, "", 0x6103, "A", false, "", 0},
			{0, "G", 0xC0, "BF3100", 0x9000, "A", true, "BF3100", 0x9000},
		}},
		{"GSM class: 9Fxx then GET RESPONSE", []ex{
			{0, "A", 0xA4, "", 0x9F03, "A", false, "", 0},
			{0, "G", 0xC0, "620190", 0x9000, "A", true, "620190", 0x9000},
		}},
		{"two GET RESPONSEs", []ex{
			{1, "A", 0xE2, "", 0x6102, "A", false, "", 0},
			{1, "G1", 0xC0, "BF31", 0x6101, "A", true, "", 0},
			{1, "G2", 0xC0, "00", 0x9000, "A", true, "BF3100", 0x9000},
		}},
		{"another command drops the chain", []ex{
			{0, "A", 0xE2, "", 0x6103, "A", false, "", 0},
			{0, "S", 0xF2, "", 0x9000, "S", false, "", 0x9000},
			{0, "G", 0xC0, "BF3100", 0x9000, "G", false, "BF3100", 0x9000},
		}},
		{"GET RESPONSE with no 61xx before it: a command of its own", []ex{
			{0, "A", 0xE2, "BF3100", 0x9000, "A", false, "BF3100", 0x9000},
			{0, "G", 0xC0, "BF3200", 0x9000, "G", false, "BF3200", 0x9000},
		}},
		// TS 102 221 §7.3.1.1.4: a GET RESPONSE whose Le was wrong is
		// answered 6Cxx, and the part waits for it again with Le = xx.
		{"a GET RESPONSE answered 6Cxx keeps the chain", []ex{
			{0, "A", 0xE2, "BF31", 0x6103, "A", false, "", 0},
			{0, "G1", 0xC0, "", 0x6C01, "A", true, "", 0},
			{0, "G2", 0xC0, "00", 0x9000, "A", true, "BF3100", 0x9000},
		}},
		{"6Cxx's data is no part of the answer", []ex{
			{0, "A", 0xE2, "", 0x6103, "A", false, "", 0},
			{0, "G1", 0xC0, "EEEE", 0x6C03, "A", true, "", 0},
			{0, "G2", 0xC0, "BF3100", 0x9000, "A", true, "BF3100", 0x9000},
		}},
		// Any other command answered 6Cxx has no answer yet: the
		// command again with Le = xx is a command of its own.
		{"a command answered 6Cxx: its repeat answers", []ex{
			{0, "A", 0xCA, "", 0x6C03, "A", false, "", 0},
			{0, "A2", 0xCA, "BF3100", 0x9000, "A2", false, "BF3100", 0x9000},
		}},
		{"6Cxx, then a GET RESPONSE: nothing to continue", []ex{
			{0, "A", 0xE2, "", 0x6C03, "A", false, "", 0},
			{0, "G", 0xC0, "BF3100", 0x9000, "G", false, "BF3100", 0x9000},
		}},
		{"a GET RESPONSE answered 6Cxx with no chain", []ex{
			{0, "G1", 0xC0, "", 0x6C03, "G1", false, "", 0},
			{0, "G2", 0xC0, "BF3100", 0x9000, "G2", false, "BF3100", 0x9000},
		}},
		{"a chain dropped by a 6Cxx to another command", []ex{
			{0, "A", 0xE2, "BF", 0x6103, "A", false, "", 0},
			{0, "S", 0xF2, "", 0x6C10, "S", false, "", 0},
			{0, "G", 0xC0, "BF3100", 0x9000, "G", false, "BF3100", 0x9000},
		}},
		{"a chain ended by an error", []ex{
			{0, "A", 0xE2, "BF", 0x6103, "A", false, "", 0},
			{0, "G", 0xC0, "", 0x6F00, "A", true, "BF", 0x6F00},
		}},
		{"channels apart", []ex{
			{0, "A", 0xE2, "", 0x6103, "A", false, "", 0},
			{1, "B", 0xE2, "", 0x6102, "B", false, "", 0},
			{1, "G1", 0xC0, "BF32", 0x9000, "B", true, "BF32", 0x9000},
			{0, "G0", 0xC0, "BF3100", 0x9000, "A", true, "BF3100", 0x9000},
		}},
		{"channels interleaved part by part", []ex{
			{0, "A", 0xE2, "AA", 0x6101, "A", false, "", 0},
			{1, "B", 0xE2, "BB", 0x6101, "B", false, "", 0},
			{0, "G0", 0xC0, "A1", 0x6101, "A", true, "", 0},
			{1, "G1", 0xC0, "B1", 0x6101, "B", true, "", 0},
			{1, "S", 0xF2, "", 0x9000, "S", false, "", 0x9000},
			{0, "G0", 0xC0, "A2", 0x9000, "A", true, "AAA1A2", 0x9000},
			{1, "G1", 0xC0, "B2", 0x9000, "G1", false, "B2", 0x9000},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Chains[int, string]
			for i, e := range tt.exs {
				d := mustHexPIN(t, e.data)
				s := c.Add(e.ch, e.key, e.ins, d, e.sw)
				ended := e.wantSW != 0
				if s.Key != e.wantKey || s.Continues != e.continues || s.Whole != ended ||
					(ended && (!bytes.Equal(s.Data, mustHexPIN(t, e.whole)) || s.SW != e.wantSW)) {
					t.Errorf("exchange %d: got %+v, want key %s continues %v whole %v %s %04X", i, s, e.wantKey, e.continues, ended, e.whole, e.wantSW)
				}
			}
		})
	}
}

// TestChainsPartial: a chain begun by a GET RESPONSE with no 61xx before
// it on its channel — a trace begun, or bytes lost (End), in the middle
// of an answer — ends as the end of an answer, never a whole one, however
// many parts follow (outside tester t83 F3: the last 361 of 617 bytes
// shown as the whole answer). A chain begun by a command is whole.
func TestChainsPartial(t *testing.T) {
	type ex struct {
		ch   int
		ins  byte
		data string
		sw   uint16
		end  bool // the exchange ends the chain on ch (before it runs)
	}
	for _, tc := range []struct {
		name    string
		exs     []ex
		whole   string // the last exchange's Data
		partial bool
	}{
		{"a command and its GET RESPONSEs", []ex{
			{0, 0xE2, "", 0x6102, false}, {0, InsGetResponse, "BF31", 0x6101, false}, {0, InsGetResponse, "00", 0x9000, false},
		}, "BF3100", false},
		{"a GET RESPONSE alone", []ex{
			{0, InsGetResponse, "BF3100", 0x9000, false},
		}, "BF3100", true},
		{"a GET RESPONSE alone, refused: no part of any answer", []ex{
			{0, InsGetResponse, "", 0x6F00, false},
		}, "", false},
		{"lost after the first part: the next two make no whole", []ex{
			{1, 0xE2, "", 0x6100, false}, {1, InsGetResponse, "AA", 0x6169, false}, {1, InsGetResponse, "BB", 0x6101, true}, {1, InsGetResponse, "CC", 0x9000, false},
		}, "BBCC", true},
		{"a GET RESPONSE after another command's answer", []ex{
			{0, 0xF2, "", 0x9000, false}, {0, InsGetResponse, "AA", 0x6101, false}, {0, InsGetResponse, "BB", 0x9000, false},
		}, "AABB", true},
		{"a partial one answered 6Cxx, then again", []ex{
			{0, InsGetResponse, "", 0x6C02, false}, {0, InsGetResponse, "AABB", 0x9000, false},
		}, "AABB", true},
		{"a partial chain dropped by a command: the next is whole", []ex{
			{0, InsGetResponse, "AA", 0x6101, false}, {0, 0xE2, "BB", 0x6101, false}, {0, InsGetResponse, "CC", 0x9000, false},
		}, "BBCC", false},
		{"a partial chain on another channel leaves this one whole", []ex{
			{0, 0xE2, "AA", 0x6101, false}, {2, InsGetResponse, "EE", 0x6101, false}, {0, InsGetResponse, "BB", 0x9000, false},
		}, "AABB", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c Chains[int, int]
			var s Step[int]
			for i, e := range tc.exs {
				if e.end {
					c.End(e.ch)
				}
				s = c.Add(e.ch, i, e.ins, mustHexPIN(t, e.data), e.sw)
			}
			if !s.Whole || !bytes.Equal(s.Data, mustHexPIN(t, tc.whole)) || s.Partial != tc.partial {
				t.Errorf("got %+v, want %s partial %v", s, tc.whole, tc.partial)
			}
		})
	}
}

// Every part of a partial chain says so, not only its last: a reader
// names no command's answer for it (final71: the AT lane labelled the
// later parts "the answer to GET RESPONSE").
func TestChainsPartialParts(t *testing.T) {
	type ex struct {
		ins     byte
		data    string
		sw      uint16
		partial bool // Step.Partial
	}
	for _, tc := range []struct {
		name string
		exs  []ex
	}{
		{"begun by GET RESPONSE", []ex{{InsGetResponse, "AA", 0x6102, true}, {InsGetResponse, "BB", 0x6101, true}, {InsGetResponse, "CC", 0x9000, true}}},
		{"begun by GET RESPONSE, 6Cxx on the way", []ex{{InsGetResponse, "AA", 0x6102, true}, {InsGetResponse, "", 0x6C02, true}, {InsGetResponse, "BBCC", 0x9000, true}}},
		{"begun by a command", []ex{{0xE2, "", 0x6102, false}, {InsGetResponse, "AA", 0x6101, false}, {InsGetResponse, "BB", 0x9000, false}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c Chains[int, int]
			for i, e := range tc.exs {
				if s := c.Add(0, i, e.ins, mustHexPIN(t, e.data), e.sw); s.Partial != e.partial {
					t.Errorf("exchange %d: %+v, want partial %v", i, s, e.partial)
				}
			}
		})
	}
}

// Sent takes a command whose answer comes later or never: any command
// but GET RESPONSE drops the chain open on its channel whether or not an
// answer follows; a GET RESPONSE learns the command it continues.
func TestChainsSent(t *testing.T) {
	var c Chains[int, string]
	if k, ok := c.Sent(0, InsGetResponse); ok {
		t.Fatalf("zero value: Sent continues %q", k)
	}
	c.Add(0, "A", 0xE2, nil, 0x6110)
	c.Add(1, "B", 0xE2, nil, 0x6110)
	if k, ok := c.Sent(0, InsGetResponse); !ok || k != "A" {
		t.Errorf("GET RESPONSE on 0 continues %q %v, want A", k, ok)
	}
	// A GET RESPONSE with no answer in the log leaves the chain.
	if s := c.Add(0, "G", InsGetResponse, []byte{1}, 0x9000); !s.Continues || s.Key != "A" || !s.Whole {
		t.Errorf("GET RESPONSE after Sent: %+v", s)
	}
	// STATUS on 1, its answer not in the log: B's answer is gone.
	c.Sent(1, 0xF2)
	if k, ok := c.Sent(1, InsGetResponse); ok {
		t.Errorf("after another command, GET RESPONSE continues %q", k)
	}
	if s := c.Add(1, "G", InsGetResponse, []byte{1}, 0x9000); s.Continues || s.Key != "G" {
		t.Errorf("GET RESPONSE after another command: %+v", s)
	}
}

// TestChainsBounded: hostile chains neither panic nor grow memory past
// MaxAnswer a channel: a 61xx chain that never ends keeps its first
// MaxAnswer bytes, and the answer that finally ends says it was cut.
func TestChainsBounded(t *testing.T) {
	part := bytes.Repeat([]byte{0xA5}, 255)
	var c Chains[int, int]
	c.Add(3, 0, 0xE2, part, 0x61FF)
	for i := range 10_000 { // 2.5 MB of parts
		if s := c.Add(3, i+1, InsGetResponse, part, 0x61FF); !s.Continues || s.Whole || s.Key != 0 {
			t.Fatalf("part %d: %+v", i, s)
		}
		if n := len(c.open[3].data); n > MaxAnswer {
			t.Fatalf("part %d: %d bytes held", i, n)
		}
	}
	s := c.Add(3, -1, InsGetResponse, part, 0x9000)
	if !s.Whole || !s.Cut || len(s.Data) != MaxAnswer || s.Key != 0 {
		t.Fatalf("end: whole %v cut %v %d bytes key %d", s.Whole, s.Cut, len(s.Data), s.Key)
	}
	// Exactly MaxAnswer is whole, not cut.
	c.Add(0, 0, 0xE2, nil, 0x6100)
	for range MaxAnswer / 256 {
		c.Add(0, 1, InsGetResponse, make([]byte, 256), 0x6100)
	}
	if s := c.Add(0, 2, InsGetResponse, nil, 0x9000); !s.Whole || s.Cut || len(s.Data) != MaxAnswer {
		t.Errorf("MaxAnswer bytes: whole %v cut %v %d bytes", s.Whole, s.Cut, len(s.Data))
	}
	// Once past the bound, a part costs nothing.
	c.Add(1, 0, 0xE2, make([]byte, MaxAnswer), 0x6100)
	if n := testing.AllocsPerRun(100, func() { c.Add(1, 1, InsGetResponse, part, 0x6100) }); n > 1 {
		t.Errorf("%v allocations a part past the bound", n)
	}
}

// FuzzChains: any run of exchanges, on any channels, in any order, with
// any status words, neither panics nor holds more than MaxAnswer bytes on
// a channel, and a step says only what the rules allow.
func FuzzChains(f *testing.F) {
	f.Add([]byte{0, 0xE2, 0x61, 0x10, 3, 0, 0xC0, 0x6C, 0x05, 0, 0, 0xC0, 0x90, 0x00, 5})
	f.Add([]byte{1, 0xC0, 0x61, 0x00, 255, 2, 0xC0, 0x61, 0x00, 255, 1, 0xC0, 0x61, 0x00, 255})
	f.Fuzz(func(t *testing.T, b []byte) {
		var c Chains[int, int]
		for i := 0; i+5 <= len(b); i += 5 {
			ch, ins, sw := int(b[i]%4), b[i+1], uint16(b[i+2])<<8|uint16(b[i+3])
			data := bytes.Repeat([]byte{b[i+4]}, int(b[i+4]))
			if b[i]&0x80 != 0 {
				if k, ok := c.Sent(ch, ins); ok && (ins != InsGetResponse || k >= i) {
					t.Fatalf("exchange %d: Sent continues %d", i, k)
				}
			}
			s := c.Add(ch, i, ins, data, sw)
			_, more := MoreData(sw)
			_, again := RepeatWithLe(sw)
			switch {
			case s.Continues && (ins != InsGetResponse || s.Key >= i):
				t.Fatalf("exchange %d: %+v continues", i, s)
			case !s.Continues && s.Key != i:
				t.Fatalf("exchange %d: key %d", i, s.Key)
			case s.Whole == (more || again):
				t.Fatalf("exchange %d SW %04X: whole %v", i, sw, s.Whole)
			case s.Whole && (s.SW != sw || len(s.Data) > MaxAnswer || s.Cut && len(s.Data) != MaxAnswer):
				t.Fatalf("exchange %d: %+v", i, s)
			}
			for ch, p := range c.open {
				if len(p.data) > MaxAnswer {
					t.Fatalf("channel %d holds %d bytes", ch, len(p.data))
				}
			}
		}
	})
}

// A command answered whole in its own exchange (most of a trace) costs
// its answer's copy and nothing else: no chain is kept for it. Its step
// is the same as through a chain: the data copied (the caller's buffer
// may be reused), cut at MaxAnswer.
func TestChainsWholeAnswerAlone(t *testing.T) {
	var c Chains[int, int]
	data := []byte{0xBF, 0x2D, 0x00}
	if n := testing.AllocsPerRun(100, func() { c.Add(0, 1, 0xE2, data, 0x9000) }); n != 1 {
		t.Errorf("%v allocations an answer whole in one exchange, want 1 (its copy)", n)
	}
	for _, tc := range []struct {
		name string
		data []byte
		cut  bool
	}{
		{"no data", nil, false},
		{"some", data, false},
		{"MaxAnswer", make([]byte, MaxAnswer), false},
		{"past MaxAnswer", make([]byte, MaxAnswer+1), true},
	} {
		s := c.Add(2, 7, 0xA4, tc.data, 0x6A82)
		if !s.Whole || s.Key != 7 || s.Continues || s.Partial || s.SW != 0x6A82 || s.Cut != tc.cut ||
			len(s.Data) != min(len(tc.data), MaxAnswer) || (tc.data == nil) != (s.Data == nil) {
			t.Errorf("%s: %+v", tc.name, s)
		}
		if len(tc.data) > 0 && &s.Data[0] == &tc.data[0] {
			t.Errorf("%s: the answer is the caller's buffer, not a copy", tc.name)
		}
	}
}
