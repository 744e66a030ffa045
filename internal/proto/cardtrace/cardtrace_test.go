package cardtrace

import (
	"testing"

	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// TestLoss: what each loss ends, on the channel it hit (1) and on another
// (2), each with an answer waiting for GET RESPONSE after 61xx (TS 102
// 221 §7.3.1.1.4) and an ES10 request after its block 0 (GlobalPlatform
// §11.11.2): ended, a GET RESPONSE begins a partial chain and the next
// block belongs to no request.
func TestLoss(t *testing.T) {
	for _, tc := range []struct {
		name       string
		loss       func(c *Channels[int, string])
		ended1     bool // channel 1's answer and request ended
		answerOnly bool // on channel 1, the answer alone
		ended2     bool
	}{
		{"none", func(c *Channels[int, string]) {}, false, false, false},
		{"lost on channel 1", func(c *Channels[int, string]) { c.Lost(1, true) }, true, false, false},
		{"lost, the channel unknown", func(c *Channels[int, string]) { c.Lost(0, false) }, true, false, true},
		{"channel 1's answer lost", func(c *Channels[int, string]) { c.LostAnswer(1) }, false, true, false},
		{"channel 1 closed", func(c *Channels[int, string]) { c.End(1) }, true, false, false},
		{"the card reset", func(c *Channels[int, string]) { c.Reset() }, true, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c Channels[int, string]
			for _, ch := range []int{1, 2} {
				c.Sent(ch, es10.InsStoreData)
				c.Block(ch, 0x11, 0, []byte{0xBF, 0x38, 0x00}) // AuthenticateServer, block 0
				c.Answer(ch, "block 0", es10.InsStoreData, nil, 0x9000)
				// A STATUS between two blocks leaves the request open;
				// its answer waits for GET RESPONSE.
				c.Sent(ch, 0xF2)
				c.Answer(ch, "status", 0xF2, nil, 0x6104)
			}
			tc.loss(&c)
			for ch, ended := range map[int][2]bool{1: {tc.ended1 || tc.answerOnly, tc.ended1}, 2: {tc.ended2, tc.ended2}} {
				key, continues := c.Sent(ch, apdu.InsGetResponse)
				step := c.Answer(ch, "get", apdu.InsGetResponse, []byte{1, 2, 3, 4}, 0x9000)
				if continues == ended[0] || step.Partial != ended[0] || !ended[0] && key != "status" {
					t.Errorf("channel %d: GET RESPONSE continues %v (%q), partial %v; want the answer ended %v", ch, continues, key, step.Partial, ended[0])
				}
				c.Sent(ch, es10.InsStoreData)
				b := c.Block(ch, 0x91, 1, []byte{0xA0, 0x00})
				if (b.Break == es10.NoSequence) != ended[1] {
					t.Errorf("channel %d: block 1 %+v, want the request ended %v", ch, b, ended[1])
				}
			}
		})
	}
}

// TestHostError: which answers to a command with nothing before it on
// its channel say the card had nothing before it either — the answers of
// a card with nothing open, per command — and which say it continued
// what the trace lost (outside tester t168 F1), or refused what it had
// put together (t178 N4: 6A80 to a block ≥ 1 shows the card had block 0).
func TestHostError(t *testing.T) {
	const (
		sd  = es10.InsStoreData
		get = apdu.InsGetResponse
	)
	for _, tc := range []struct {
		ins  byte
		sw   uint16
		want bool
	}{
		// STORE DATA: only the wrong block number (GlobalPlatform's
		// incorrect P1-P2), or no STORE DATA on the channel at all.
		{sd, 0x6A86, true}, {sd, 0x6D00, true},
		{sd, 0x9000, false}, {sd, 0x6103, false}, {sd, 0x9110, false}, {sd, 0x6310, false},
		{sd, 0x6A80, false}, // wrong data: the card put the request together
		{sd, 0x6A88, false}, // no such function: the same
		{sd, 0x6985, false}, // a whole request refused (no more switches)
		{sd, 0x6A84, false}, // too long: the card held what came before
		{sd, 0x6700, false}, {sd, 0x6F00, false}, {sd, 0x6400, false},
		// GET RESPONSE: the answers of a card with nothing waiting.
		{get, 0x6F00, true}, {get, 0x6985, true}, {get, 0x6D00, true},
		{get, 0x9000, false}, {get, 0x6115, false}, {get, 0x6282, false},
		{get, 0x6C21, false}, // T=0's "again with Le": it has an answer
		{get, 0x6700, false}, // wrong length: an answer of other length waits
		{get, 0x6A86, false}, // P1-P2 not 00: says nothing of what waits
		{get, 0x6A80, false},
		// Another command: never counted out of turn.
		{0xF2, 0x6F00, false}, {0x12, 0x6985, false},
	} {
		if got := HostError(tc.ins, tc.sw); got != tc.want {
			t.Errorf("INS %02X, %04X: %v, want %v", tc.ins, tc.sw, got, tc.want)
		}
	}
}
