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
		{"channels apart", []ex{
			{0, "A", 0xE2, "", 0x6103, "A", false, "", 0},
			{1, "B", 0xE2, "", 0x6102, "B", false, "", 0},
			{1, "G1", 0xC0, "BF32", 0x9000, "B", true, "BF32", 0x9000},
			{0, "G0", 0xC0, "BF3100", 0x9000, "A", true, "BF3100", 0x9000},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Chains[string]
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
