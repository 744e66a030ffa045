package field

import (
	"slices"
	"strings"
	"testing"
)

// TestCSIMOpenRepeats6Cxx: a MANAGE CHANNEL open over +CSIM with P3 00
// answered with its channel shows a modem that repeated the card's 6C01
// (T=0, TS 102 221 §7.3.1.1.4), as hosts of Qualcomm modems open (lpac
// issue 164): the dialect gets csim_open_repeats_6cxx, said as an
// assumption (outside tester t166 F6: the replay's card answered 6C01 and
// the draft said nothing). A 6C01 handed over, or an open with P3 01,
// shows none; a GET RESPONSE's 6Cxx beside it is no evidence either way.
func TestCSIMOpenRepeats6Cxx(t *testing.T) {
	const open00, open01 = "> AT+CSIM=10,\"0070000000\"\n", "> AT+CSIM=10,\"0070000001\"\n"
	for _, tc := range []struct {
		name, log string
		want      bool
	}{
		{"P3 00 answered with the channel", open00 + "< +CSIM: 6,\"019000\"\n< OK\n", true},
		{"beside a GET RESPONSE's 6C15", open00 + "< +CSIM: 6,\"019000\"\n< OK\n" +
			"> AT+CSIM=22,\"81E2910006BF3E035C015A\"\n< +CSIM: 4,\"6115\"\n< OK\n> AT+CSIM=10,\"81C0000000\"\n< +CSIM: 4,\"6C15\"\n< OK\n", true},
		{"P3 00 answered 6C01", open00 + "< +CSIM: 4,\"6C01\"\n< OK\n" + open01 + "< +CSIM: 6,\"019000\"\n< OK\n", false},
		{"P3 01", open01 + "< +CSIM: 6,\"019000\"\n< OK\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := reconstruct(t, writeFixture(t, "open", map[string]string{ManifestFile: orangePlain("open", "generic"), "host.log": tc.log}), Options{})
			said := slices.ContainsFunc(p.Assumptions, func(s string) bool {
				return strings.HasPrefix(s, "device.quirks.csim_open_repeats_6cxx: true — +CSIM answers a MANAGE CHANNEL open with P3 00 with its channel, 01")
			})
			if p.Dialect.CSIMOpenRepeats6Cxx != tc.want || said != tc.want {
				t.Errorf("csim_open_repeats_6cxx %v, said %v; want %v\n%s", p.Dialect.CSIMOpenRepeats6Cxx, said, tc.want, strings.Join(p.Assumptions, "\n"))
			}
		})
	}
}
