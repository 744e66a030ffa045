package telnet

import (
	"bytes"
	"testing"
)

// FuzzDecode: any byte stream decodes without panic, keeps memory bounded,
// and escaped data always comes back as itself.
func FuzzDecode(f *testing.F) {
	f.Add([]byte{IAC, WILL, 3, IAC, DO, 44, IAC, SB, 44, 107, 0x30, IAC, SE, 'O', 'K'}, []byte("AT\r"))
	f.Add([]byte{IAC, SB, 44, 1, IAC, IAC, IAC, WILL}, []byte{IAC, IAC})
	f.Add([]byte{IAC, SB, IAC, SE, IAC}, []byte("\r\x00\r\n"))
	f.Fuzz(func(t *testing.T, stream, data []byte) {
		var d Decoder
		out, evs := d.Feed(stream)
		if len(out) > len(stream) {
			t.Fatalf("%d data bytes from %d stream bytes", len(out), len(stream))
		}
		for _, e := range evs {
			if len(e.Payload) > MaxSubneg {
				t.Fatalf("payload of %d bytes", len(e.Payload))
			}
			if e.Kind == Subnegotiation && e.Opt == OptComPort {
				_, _ = ParseComPort(e.Payload)
			}
		}
		// After any garbage, a fresh decoder reads escaped data back.
		var d2 Decoder
		got, evs := d2.Feed(Escape(data, false))
		if len(evs) != 0 || !bytes.Equal(got, data) {
			t.Fatalf("round trip: % X -> % X (%v)", data, got, evs)
		}
		var d3 Decoder
		d3.Binary = true
		if got, evs := d3.Feed(Escape(data, true)); len(evs) != 0 || !bytes.Equal(got, data) {
			t.Fatalf("binary round trip: % X -> % X", data, got)
		}
	})
}
