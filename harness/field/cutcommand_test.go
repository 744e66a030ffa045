package field

import (
	"slices"
	"strings"
	"testing"
)

// TestCutCommand: a command line the log cut (hex that does not add up,
// a closing quote lost) that the field modem answered with data, or a
// status word that is no error, and OK is a log that lost bytes: the
// modem got a whole command. The draft says so (a to-do naming the line
// and the answer, decoded as the function it shows) and the replay does
// not send the cut line, which the emulated modem would refuse (outside
// tester t166 F5: "failure none found", no to-do, and the cut line sent).
// A cut command the field modem refused was sent as the log shows it.
func TestCutCommand(t *testing.T) {
	const ccho = "> AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\n< +CCHO: 1\n< OK\n"
	for _, tc := range []struct {
		name, log string
		want      string // in the to-do; "" for none, the command played
	}{
		{"Lc not filled, no closing quote, answered ok",
			ccho + "> AT+CGLA=1,50,\"81E2910014BF3111A00C5A0A98439078563412907816\n< +CGLA: 16,\"BF31038001009000\"\n< OK\n> AT+CCHC=1\n< OK\n",
			"host.log:4: the command line lost bytes in the log (malformed APDU 81E2910014BF3111A00C5A0A98439078563412907816: apdu: Lc 20 with 17 byte(s) after it: want 20, or 21 with an Le (SW 6700); the length field says 50, the hex has 44 digits), though the field modem answered it at line 5 (EnableProfile: enableResult 0 ok, SW 9000) and OK"},
		{"odd digits, answered with the EID",
			ccho + "> AT+CGLA=1,22,\"81E2910006BF3E035C015\"\n< +CGLA: 46,\"BF3E125A10890490321234512345123456789012359000\"\n< OK\n",
			"host.log:4: the command line lost bytes in the log (malformed command: 21 hex digits, not whole bytes; the length field says 22, the hex has 21 digits), though the field modem answered it at line 5 (GetEID: EID 89049032123451234512345678901235, SW 9000) and OK"},
		{"answered 61xx", ccho + "> AT+CSIM=14,\"00A40804022F\n< +CSIM: 4,\"611E\"\n< OK\n",
			"host.log:4: the command line lost bytes in the log"},
		{"refused by the modem", ccho + "> AT+CGLA=1,50,\"81E2910014BF3111A00C5A0A98439078563412907816\n< +CME ERROR: 50\n", ""},
		{"answered an error status word alone", "> AT+CSIM=14,\"00A40804022F\n< +CSIM: 4,\"6700\"\n< OK\n", ""},
		// Bytes too many are no cut (a 100 KB line the emulated modem
		// refuses, TestLongLinesShortened): played as it stands.
		{"data past its Lc", ccho + "> AT+CGLA=1,26,\"81E2910006BF3E035C015A0102\"\n< +CGLA: 4,\"9000\"\n< OK\n", ""},
		{"a whole command", ccho + "> AT+CGLA=1,50,\"81E2910014BF3111A00C5A0A98439078563412907816\"\n< +CGLA: 4,\"6A80\"\n< OK\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Load(writeFixture(t, "cut", map[string]string{ManifestFile: orangePlain("cut", "generic"), "host.log": tc.log}))
			if err != nil {
				t.Fatal(err)
			}
			limits := strings.Join(Texts(CutLimits(f)), "\n")
			if tc.want == "" && limits != "" || !strings.Contains(limits, tc.want) {
				t.Errorf("limits %q, want %q", limits, tc.want)
			}
			p, err := Reconstruct(f, Options{Emulated: func(string) bool { return true }})
			if err != nil {
				t.Fatal(err)
			}
			if todo := strings.Join(p.ToDo, "\n"); tc.want != "" && !strings.Contains(todo, tc.want) {
				t.Errorf("to do %q, want %q", todo, tc.want)
			}
			cut, _ := p.CutCommands()
			if played := !slices.ContainsFunc(p.Steps, func(s Step) bool { return s.Skip == cutSkip }); played != (tc.want == "") || len(cut) > 1 {
				t.Errorf("steps %+v, cut %v: want the cut line played %v", p.Steps, cut, tc.want == "")
			}
		})
	}
}
