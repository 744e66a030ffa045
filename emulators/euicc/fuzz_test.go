package euicc

import (
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/internal/hexdump"
)

// fuzzCard returns a booted card whose applet answers every event with
// effects that need the terminal, so toolkit paths are reachable.
func fuzzCard(t testing.TB) *Card {
	c, err := New(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	fm := &fakeMethod{react: func(ev applet.Event) []applet.Effect {
		switch ev.(type) {
		case applet.Boot, applet.TimerExpired:
			return []applet.Effect{applet.StartTimer{ID: 1, D: time.Minute}, applet.ReadLocation{}}
		case applet.LocalInfo:
			return []applet.Effect{applet.HTTPPost{ReqID: 1, Path: "/v1/x", Body: []byte("{}")}}
		case applet.HTTPResult:
			return []applet.Effect{applet.EnableProfile{ICCID: "89331000000000000029"}, applet.Refresh{}}
		}
		return nil
	}}
	c.newMethod = func(applet.Config, applet.State) method { return fm }
	c.Reset()
	return c
}

// FuzzTransmit feeds a sequence of APDUs (each preceded by its length byte)
// and checks the card never panics and always answers at least SW1 SW2.
func FuzzTransmit(f *testing.F) {
	seq := func(apdus ...string) []byte {
		var b []byte
		for _, a := range apdus {
			x := hexdump.Bytes(f, a)
			b = append(b, byte(len(x)))
			b = append(b, x...)
		}
		return b
	}
	f.Add(seq("00A4000C022FE2", "00B000000A"))
	f.Add(seq("0070000001", "01A4040C10"+isdrAID, "81E2910006BF3E035C015A", "01C0000015"))
	f.Add(seq("00A4040C10"+isdrAID, "80E2110003BF3111", "80E2910111A00C5A0A"+iccidSFR+"8101FF"))
	f.Add(seq("801000000301FFFF", "8012000010", "80140000 0C 810301050082028281830100"))
	f.Add(seq("00A4040C10"+isdrAID, "80E2910003BF2D00", "00C0000000", "00C0000000"))
	f.Add(seq("80C2000005D703020101", "00708001", "0070000000"))
	f.Add(seq("00200001", "002000010831313131FFFFFFFF", "002C0001", "002C0001103132333435363738 35363738FFFFFFFF",
		"0026000108 30303030FFFFFFFF", "0028000108 30303030FFFFFFFF", "0024000110 30303030FFFFFFFF 31323334FFFFFFFF"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c := fuzzCard(t)
		for len(b) > 0 {
			n := min(int(b[0]), len(b)-1)
			cmd := b[1 : 1+n]
			b = b[1+n:]
			if out := c.Transmit(cmd); len(out) < 2 {
				t.Fatalf("Transmit(%X) = %X: shorter than a status word", cmd, out)
			}
			if c.panicked != nil {
				t.Fatalf("Transmit(%X) panicked: %v", cmd, c.panicked)
			}
		}
	})
}
