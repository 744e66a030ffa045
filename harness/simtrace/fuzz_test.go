package simtrace

import (
	"testing"

	"github.com/esimhil/esimhil/internal/codec/gsmtap"
	"github.com/esimhil/esimhil/internal/hexdump"
)

// FuzzDecode feeds the lane decoder any sequence of datagrams (each
// prefixed by its length in the fuzz input): it must not panic, and every
// datagram must end up on the lane (ATR, APDU) or counted as skipped.
func FuzzDecode(f *testing.F) {
	h := func(s string) []byte { return hexdump.Bytes(f, s) }
	seed := func(dgs ...[]byte) []byte {
		var b []byte
		for _, d := range dgs {
			b = append(append(b, byte(len(d))), d...)
		}
		return b
	}
	hdr := gsmtap.SIMHeader(gsmtap.SubAPDU).Append(nil)
	atr := gsmtap.SIMHeader(gsmtap.SubATR).Append(nil)
	f.Add(seed(append(atr, 0x3B, 0x00), append(hdr, h("80 10 00 00 01 FF 91 10")...), append(hdr, h("80 12 00 00 0B D0 09 81 03 01 01 09 82 02 81 82 90 00")...)))
	f.Add(seed(append(hdr, h("81 E2 91 00 03 BF 2D 00 61 20")...), append(hdr, h("81 C0 00 00 02 BF 2D 90 00")...)))
	f.Add(seed(append(hdr, h("80 C2 00 00 0E D7 0C 82 02 82 81 24 01 01 25 03 00 00 00 90 00")...), h("02 04 01 00")))
	f.Add(seed(append(hdr, h("80 14 00 00 0C 81 03 01 26 00 82 02 82 81 83 01 00 90 00")...), []byte{}))
	f.Fuzz(func(t *testing.T, b []byte) {
		var payloads [][]byte
		for len(b) > 0 {
			n := min(int(b[0]), len(b)-1)
			payloads = append(payloads, b[1:1+n])
			b = b[1+n:]
		}
		tr := decode(stream(payloads...))
		items := tr.Total()
		for _, l := range tr.Lanes {
			items += len(l.ATRs) + len(l.APDUs) + l.Count(NoResponse) + l.Count(BadAPDU) + l.Count(NotATR)
			for _, a := range l.APDUs {
				_ = a.String()
				if a.For >= len(l.APDUs) {
					t.Fatalf("GET RESPONSE continues APDU %d of %d", a.For, len(l.APDUs))
				}
			}
		}
		if items != len(payloads) {
			t.Fatalf("%d datagrams, %d on the lanes or skipped", len(payloads), items)
		}
	})
}
