package modem

import (
	"testing"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/euicc"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/personality"
)

// TestCSIMOpenRepeats6Cxx: on the real card (T=0: a MANAGE CHANNEL open
// sends one byte, so P3 00 gets 6C01, TS 102 221 §7.3.1.1.4) +CSIM hands
// the 6C01 to the host; under csim_open_repeats_6cxx the modem sends the
// open again with P3 01 and the host gets its channel, as hosts of
// Qualcomm modems open (AT+CSIM=10,"0070000000", lpac issue 164; outside
// tester t166 F6). Another command's 6Cxx still reaches the host.
func TestCSIMOpenRepeats6Cxx(t *testing.T) {
	for _, tc := range []struct {
		name, quirks string
		steps        []pinStep
	}{
		{"the quirk: the open with P3 00 gets its channel", "csim_open_repeats_6cxx: true\n", []pinStep{
			{`AT+CSIM=10,"0070000000"`, `+CSIM: 6,"019000"|OK`},
			{`AT+CSIM=10,"0070000001"`, `+CSIM: 6,"029000"|OK`},
			{`AT+CSIM=42,"01A4040010A0000005591010FFFFFFFF8900000100"`, `+CSIM: 4,"6121"|OK`},
			{`AT+CSIM=10,"01C0000000"`, `+CSIM: 4,"6C21"|OK`},
			{`AT+CSIM=10,"0070800100"`, `+CSIM: 4,"9000"|OK`},
		}},
		{"without it: +CSIM is transparent", "csim_open_repeats_6cxx: false\n", []pinStep{
			{`AT+CSIM=10,"0070000000"`, `+CSIM: 4,"6C01"|OK`},
			{`AT+CSIM=10,"0070000001"`, `+CSIM: 6,"019000"|OK`},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			card, err := euicc.New(euicc.Config{EID: "89049032000001000000000000000171", Profiles: []euicc.ProfileSpec{
				{ICCID: "89330123456789012342", Operator: "orange-fr", IMSI: "208011234567890", Enabled: true},
			}})
			if err != nil {
				t.Fatal(err)
			}
			p, err := personality.Generic().Override("quirks.yaml", []byte(tc.quirks))
			if err != nil {
				t.Fatal(err)
			}
			loop := clock.NewLoop(clock.NewVirtual(clock.Epoch))
			r := &rig{loop: loop, log: eventlog.New(loop.Now), net: &fakeNet{reg: roaming()}, atlog: &syncBuf{}}
			r.start(t, card, p)
			r.cmd(t, "ATE0")
			r.steps(t, tc.steps)
		})
	}
}
