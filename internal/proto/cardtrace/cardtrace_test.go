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
// its channel say the card had nothing before it either (it refused it:
// ISO/IEC 7816-4 §5.1.3's execution and checking errors), and which say
// it continued what the trace lost (outside tester t168 F1).
func TestHostError(t *testing.T) {
	for _, tc := range []struct {
		sw   uint16
		want bool
	}{
		{0x9000, false}, {0x6103, false}, {0x9110, false}, {0x9F22, false},
		{0x6282, false}, {0x6310, false}, // warnings: processed
		{0x6C21, false}, // T=0's "again with Le": it has an answer
		{0x6400, true}, {0x6581, true}, {0x6700, true}, {0x6881, true}, {0x6985, true},
		{0x6A80, true}, {0x6A86, true}, {0x6B00, true}, {0x6D00, true}, {0x6E00, true}, {0x6F00, true},
	} {
		if got := HostError(tc.sw); got != tc.want {
			t.Errorf("%04X: %v, want %v", tc.sw, got, tc.want)
		}
	}
}
