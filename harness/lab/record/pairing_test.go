package record

import (
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/codec/at"
)

// lab diff pairs by exchange: a command with the lines the AT client
// took as its answer and its final result, a URC as a row of its own, so
// a URC is never paired with an answer line (a line-by-line alignment
// paired "+QIND: PB DONE" with the model's name, and a registration URC
// with +CEREG?'s read answer).
func TestDiffPairsByExchange(t *testing.T) {
	stamp := func(lines ...string) []string {
		for i := range lines {
			lines[i] = "2026-11-30T10:00:00Z " + lines[i]
		}
		return lines
	}
	for _, tc := range []struct {
		name             string
		recorded, played []string
		urcs             []string
		want             []string
	}{
		{"a URC inside an answer that changed",
			stamp("> AT+CGMM", "< +QIND: PB DONE", "< EG25", "< OK"),
			stamp("> AT+CGMM", "< EG25-G", "< OK"), nil,
			[]string{"at.log:2: the emulator did not send: < +QIND: PB DONE", "at.log:3: recorded < EG25\n           emulator < EG25-G"}},
		{"a registration URC beside the read answer",
			stamp("> AT+CEREG?", `< +CEREG: 2,5,"3A9B","0000C33D",7`, `< +CEREG: 1,"3A9B","0000C33D",7`, "< OK"),
			stamp("> AT+CEREG?", `< +CEREG: 2,1,"3A9B","0000C33D",7`, "< OK"), nil,
			[]string{`at.log:2: recorded < +CEREG: 2,5,"3A9B","0000C33D",7` + "\n" + `           emulator < +CEREG: 2,1,"3A9B","0000C33D",7`,
				`at.log:3: the emulator did not send: < +CEREG: 1,"3A9B","0000C33D",7`}},
		{"a boot URC only the emulator sent, before an answer that changed",
			stamp("> AT+CPIN?", "< +CPIN: READY", "< OK"),
			stamp("> AT+CPIN?", "< SMS DONE", "< +CPIN: SIM PIN", "< OK"), nil,
			[]string{"at.log:1: the emulator sent more, after this line: < SMS DONE", "at.log:2: recorded < +CPIN: READY\n           emulator < +CPIN: SIM PIN"}},
		{"the personality's own URC",
			stamp("> AT+CIMI", "< MODEM READY", "< 208010000000012", "< OK"),
			stamp("> AT+CIMI", "< 208010000000099", "< OK"), []string{"MODEM READY"},
			[]string{"at.log:2: the emulator did not send: < MODEM READY", "at.log:3: recorded < 208010000000012\n           emulator < 208010000000099"}},
		{"a line the client marked as a URC (at.URCMark), the personality's own",
			stamp("> AT+CIMI", "< MODEM READY"+at.URCMark, "< 208010000000012", "< OK"),
			stamp("> AT+CIMI", "< 208010000000099", "< OK"), nil,
			[]string{"at.log:2: the emulator did not send: < MODEM READY", "at.log:3: recorded < 208010000000012\n           emulator < 208010000000099"}},
		{"marked on both sides: no difference",
			stamp("> AT+CGMM", "< +QIND: PB DONE"+at.URCMark, "< EG25", "< OK"),
			stamp("> AT+CGMM", "< EG25", "< +QIND: PB DONE"+at.URCMark, "< OK"), nil, nil},
		{"a URC between exchanges is no answer of either",
			stamp("> AT", "< OK", "< RING", "> AT+CSQ", "< +CSQ: 23,99", "< OK"),
			stamp("> AT", "< OK", "> AT+CSQ", "< +CSQ: 17,99", "< OK"), nil,
			[]string{"at.log:3: the emulator did not send: < RING", "at.log:5: recorded < +CSQ: 23,99\n           emulator < +CSQ: 17,99"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rec(t, tc.recorded...)
			ds, err := Diff(r, tc.played, tc.urcs...)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range ds {
				got = append(got, d.String())
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if ds, _ := Diff(r, r.Lines, tc.urcs...); len(ds) != 0 {
				t.Errorf("a recording against itself: %v", ds)
			}
		})
	}
}
