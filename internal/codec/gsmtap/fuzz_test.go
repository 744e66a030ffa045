package gsmtap

import (
	"bytes"
	"testing"

	"github.com/gopacket/gopacket"

	"github.com/esimhil/esimhil/internal/hexdump"
)

var fuzzSeeds = []string{
	simHeaderHex + " 80 12 00 00 0E D0 0C 81 03 01 01 09 82 02 81 82 00 00 90 00",
	simHeaderHex + " 81 E2 91 00 03 BF 2D 00 61 20",
	"02 04 04 00 0000 00 00 00000000 01 00 00 00 3B 9A 96 80 1F C7 80 31 E0 73 FE 21 1F 82 90 00 A4",
	"02 05 04 00 0000 00 00 00000000 00 00 00 00 DEADBEEF 00 A4 00 04 02 3F 00 90 00",
	"02 04 01 07 43FF C4 1E 0012D687 06 01 02 00 03 03 01",
	"03 00 0008 0004 0000",
	"02 04 04",
	"",
}

// FuzzDecode checks that any datagram decodes or fails without panicking,
// that a decoded header re-encodes to the bytes it came from (options
// aside), and that an APDU that parses re-encodes to its payload.
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(hexdump.Bytes(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var g GSMTAP
		if err := g.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err != nil {
			return
		}
		if len(g.Contents)+len(g.Payload) != len(b) {
			t.Fatalf("contents %d + payload %d != %d", len(g.Contents), len(g.Payload), len(b))
		}
		if enc := g.Append(nil); !bytes.Equal(enc[2:], b[2:HeaderLen]) {
			t.Fatalf("header re-encoded % X from % X", enc, b[:HeaderLen])
		}
		if g.Type != TypeSIM || g.SubType != SubAPDU {
			return
		}
		a, err := ParseAPDU(g.Payload)
		if err != nil {
			return
		}
		if !bytes.Equal(a.Bytes(), g.Payload) {
			t.Fatalf("APDU re-encoded % X from % X", a.Bytes(), g.Payload)
		}
	})
}
