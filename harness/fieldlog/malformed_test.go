package fieldlog

import (
	"slices"
	"strings"
	"testing"
)

// TestMalformedHex: a +CGLA or +CSIM line whose hex is no APDU, or whose
// length field disagrees with its hex, is read (a modem can write it) and
// said: in the line's summary, in what the log view shows, and the
// function it belonged to starts again.
func TestMalformedHex(t *testing.T) {
	const getEID = "> AT+CGLA=1,22,\"81E2910006BF3E035C015A\"\n"
	const eid = "BF3E125A1089049032000001000000000000000171"
	for _, tc := range []struct {
		name, log string
		want      []string // each APDU line's "[summary] (length)" in the view, in order
	}{
		{"odd answer", getEID + "< +CGLA: 45,\"" + eid + "900\"\n< OK\n",
			[]string{"[STORE DATA GetEID block 0 (last)]", "[GetEID: malformed answer: 45 hex digits, not whole bytes]"}},
		{"non-hex answer", getEID + "< +CGLA: 46,\"" + eid[:40] + "ZZ9000\"\n< OK\n",
			[]string{"[STORE DATA GetEID block 0 (last)]", `[GetEID: malformed answer: character 41 ("ZZ9000"…) is not a hex digit]`}},
		{"no status word", "> AT+CSIM=10,\"00A4000400\"\n< +CSIM: 2,\"90\"\n< OK\n",
			[]string{"[SELECT]", "[malformed answer: 1 bytes, no status word]"}},
		{"odd command", "> AT+CGLA=1,21,\"81E2910006BF3E035C015\"\n< +CME ERROR: 50\n",
			[]string{"[malformed command: 21 hex digits, not whole bytes]"}},
		{"short command", "> AT+CSIM=4,\"00A4\"\n< +CME ERROR: 50\n",
			[]string{"[malformed command: 2 bytes, shorter than an APDU's header]"}},
		{"length off, answer decoded", getEID + "< +CGLA: 23,\"" + eid + "9000\"\n< OK\n",
			[]string{"[STORE DATA GetEID block 0 (last)]", "[GetEID: EID 89049032000001000000000000000171, SW 9000]  (the length field says 23, the hex has 46 digits)"}},
		{"length off in the command", "> AT+CGLA=1,11,\"81E2910006BF3E035C015A\"\n< +CGLA: 46,\"" + eid + "9000\"\n< OK\n",
			[]string{"[STORE DATA GetEID block 0 (last)]  (the length field says 11, the hex has 22 digits)", "[GetEID: EID 89049032000001000000000000000171, SW 9000]"}},
		{"a middle block's malformed answer: the chain goes on",
			"> AT+CGLA=1,18,\"81E2110004BF380102\"\n< +CGLA: 3,\"900\"\n< OK\n" +
				"> AT+CGLA=1,16,\"81E2910103A1A2A3\"\n< +CGLA: 4,\"9000\"\n< OK\n",
			[]string{"[STORE DATA AuthenticateServer block 0]", "[AuthenticateServer: malformed answer: 3 hex digits, not whole bytes]",
				"[STORE DATA AuthenticateServer block 1 (last)]", "[AuthenticateServer: no data, SW 9000]"}},
		{"the function's malformed answer ends its chain",
			getEID + "< +CGLA: 3,\"900\"\n< OK\n> AT+CGLA=1,16,\"81E2910103A1A2A3\"\n< +CGLA: 4,\"9000\"\n< OK\n",
			[]string{"[STORE DATA GetEID block 0 (last)]", "[GetEID: malformed answer: 3 hex digits, not whole bytes]",
				"[STORE DATA block 1 (no request open on its channel: its block 0 not in the log, or ended before it)]", "[STORE DATA block 1 (no request open on its channel: its block 0 not in the log, or ended before it): SW 9000]"}},
		// A command the log cut that the modem answered whole: the
		// answer is the function its tag shows, not the malformed
		// command's (outside tester t166 F5, a minicom paste).
		{"command cut in the log, answered whole", "> AT+CGLA=1,50,\"81E2910014BF3111A00C5A0A98439078563412907816\n< +CGLA: 16,\"BF31038001009000\"\n< OK\n",
			[]string{"[malformed APDU 81E2910014BF3111A00C5A0A98439078563412907816: apdu: Lc 20 with 17 byte(s) after it: want 20, or 21 with an Le (SW 6700)]  (the length field says 50, the hex has 44 digits)",
				"[EnableProfile: enableResult 0 ok, SW 9000]"}},
		{"odd command answered whole", "> AT+CGLA=1,22,\"81E2910006BF3E035C015\"\n< +CGLA: 46,\"" + eid + "9000\"\n< OK\n",
			[]string{"[malformed command: 21 hex digits, not whole bytes]  (the length field says 22, the hex has 21 digits)", "[GetEID: EID 89049032000001000000000000000171, SW 9000]"}},
		{"cut command answered with no ES10 answer", "> AT+CSIM=14,\"00A40804022F\n< +CSIM: 4,\"611E\"\n< OK\n",
			[]string{"[malformed APDU 00A40804022F: apdu: Lc 2 with 1 byte(s) after it: want 2, or 3 with an Le (SW 6700)]  (the length field says 14, the hex has 12 digits)",
				"[malformed APDU 00A40804022F: apdu: Lc 2 with 1 byte(s) after it: want 2, or 3 with an Le (SW 6700): SW 61xx]"}},
		// The modem's line lost digits: its length field says more,
		// and its last four digits are no status word.
		{"answer shorter than its length field", getEID + "< +CGLA: 92,\"" + eid + "9000\"\n< OK\n",
			[]string{"[STORE DATA GetEID block 0 (last)]", "[GetEID: malformed answer: 46 hex digits of the 92 its length field says: cut short]"}},
		// A paste wrapped the hex (outside tester sw79): the quote left
		// open, the rest on lines of hex alone, together the digits the
		// length field says, is one answer.
		{"answer wrapped over lines", getEID + "< +CGLA: 46,\"" + eid[:20] + "\n" + eid[20:] + "\n9000\"\n< OK\n",
			[]string{"[STORE DATA GetEID block 0 (last)]", "[GetEID: EID 89049032000001000000000000000171, SW 9000]"}},
		{"command wrapped", "> AT+CGLA=1,22,\"81E2910006\nBF3E035C015A\"\n< +CGLA: 46,\"" + eid + "9000\"\n< OK\n",
			[]string{"[STORE DATA GetEID block 0 (last)]", "[GetEID: EID 89049032000001000000000000000171, SW 9000]"}},
		// Lines of hex that do not make up the length field's digits
		// are not its rest: the answer stays cut short.
		{"hex after an answer cut short, not its rest", getEID + "< +CGLA: 92,\"" + eid + "\n9000\"\n< OK\n",
			[]string{"[STORE DATA GetEID block 0 (last)]", "[GetEID: malformed answer: 42 hex digits of the 92 its length field says: cut short]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("lpa.log", []byte(tc.log), Plain)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			if err := tr.Render(&b); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range strings.Split(b.String(), "\n") {
				if i := strings.Index(l, "  ["); i >= 0 {
					got = append(got, l[i+2:])
				}
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("the view's APDU lines\n%s\nwant\n%s\nview:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"), b.String())
			}
		})
	}
}

// TestJoinWrappedHex: lines a paste wrapped are joined where the log shows
// they are one (an APDU's quoted hex left open, lpac's APDU line's bytes),
// each line keeping its number; anything else is left as it is.
func TestJoinWrappedHex(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in, want []string
	}{
		{"an answer's hex", []string{`AT_DEBUG: +CGLA: 16,"BF2003`, `8001`, `009000"`, `AT_DEBUG: OK`},
			[]string{`AT_DEBUG: +CGLA: 16,"BF20038001009000"`, "", "", `AT_DEBUG: OK`}},
		// lpac logs the modem's split line behind its prefix too
		// (outside tester sw109: read as digits lost).
		{"an answer's hex, its rest behind lpac's prefix", []string{`AT_DEBUG: +CGLA: 16,"BF2003`, `AT_DEBUG: 8001009000"`, `AT_DEBUG: OK`},
			[]string{`AT_DEBUG: +CGLA: 16,"BF20038001009000"`, "", `AT_DEBUG: OK`}},
		{"lpac's APDU line", []string{"[DEBUG] [APDU] [RX] SW1: 90, SW2: 00, Data: BF 20 03", " 80 01 00", "AT_DEBUG: AT+CCHC=1"},
			[]string{"[DEBUG] [APDU] [RX] SW1: 90, SW2: 00, Data: BF 20 03 80 01 00", "", "AT_DEBUG: AT+CCHC=1"}},
		{"lpac's APDU line cut inside a byte", []string{"[DEBUG] [APDU] [RX] SW1: 90, SW2: 00, Data: BF 20 0", "3 80 01 00", "AT_DEBUG: OK"},
			[]string{"[DEBUG] [APDU] [RX] SW1: 90, SW2: 00, Data: BF 20 03 80 01 00", "", "AT_DEBUG: OK"}},
		{"lpac's APDU line, halves that make no byte", []string{"[DEBUG] [APDU] [RX] SW1: 90, SW2: 00, Data: BF 20 0", "80 01 00", "AT_DEBUG: OK"},
			[]string{"[DEBUG] [APDU] [RX] SW1: 90, SW2: 00, Data: BF 20 0", "80 01 00", "AT_DEBUG: OK"}},
		{"digits short of the length field", []string{`+CGLA: 20,"BF2003`, `8001009000"`}, []string{`+CGLA: 20,"BF2003`, `8001009000"`}},
		{"never closed", []string{`+CGLA: 16,"BF2003`, `8001009000`, `OK`}, []string{`+CGLA: 16,"BF2003`, `8001009000`, `OK`}},
		{"a closed line", []string{`+CGLA: 4,"9000"`, `9000"`}, []string{`+CGLA: 4,"9000"`, `9000"`}},
		{"bytes after another line", []string{"+CSQ: 17,99", " 80 01 00"}, []string{"+CSQ: 17,99", " 80 01 00"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := slices.Clone(tc.in)
			joinWrappedHex(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
