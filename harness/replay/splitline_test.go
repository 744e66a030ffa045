package replay

import (
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/field"
)

// gammuSplitError is gammu's dump of an AT+CFUN=99,9 answered ERROR
// whose first byte is the last of a 16-byte row: "E" on line 4, "RROR"
// and its line break on line 5 (as gammu issue 438's smsd log shows
// AT$TSSPCSW=?'s), then an AT answered OK.
const gammuSplitError = `SENDING frame type 0x00/length 0x0D/13
41A|54T|2B+|43C|46F|55U|4EN|3D=|399|399|2C,|399|0D              AT+CFUN=99,9.
RECEIVED frame type 0x00/length 0x16/22
41A|54T|2B+|43C|46F|55U|4EN|3D=|399|399|2C,|399|0D |0D |0A |45  AT+CFUN=99,9...E
52R|52R|4FO|52R|0D |0A                                          RROR..
SENDING frame type 0x00/length 0x03/3
41A|54T|0D                                                      AT.
RECEIVED frame type 0x00/length 0x09/9
41A|54T|0D |0D |0A |4FO|4BK|0D |0A                              AT...OK..
`

// TestFailureOnTheRowALineEndsOn: a modem line split over a dump's rows
// is on the row its first byte is on, as every reader places it (the
// draft names that row), and the row it ends on names it too: a person
// reading gammu's dump sees "RROR" there (outside tester t193: naming
// line 5 gave "no line it compares", and with an exchange after it the
// next command would have stood for the failure). A frame's header names
// the text under it, as before.
func TestFailureOnTheRowALineEndsOn(t *testing.T) {
	for _, tc := range []struct {
		name       string
		line, want int // the failure line named, the line that stands for it
	}{
		{"the row ERROR starts on", 4, 4},
		{"the row ERROR ends on", 5, 4},
		{"the RECEIVED frame's header", 3, 4},
		{"the next SENDING frame's header", 6, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := strings.Replace(orangeFixture("split", "generic", "g.log", "gammu", tc.line), `what: "the line to look at"`, `what: "AT+CFUN=99,9 answered ERROR"`, 1)
			res := replay(t, newFixture(t, "split", map[string]string{"g.log": gammuSplitError, field.ManifestFile: m}))
			if got := failureLine(res.Plan, field.Src{File: "g.log", Line: tc.line}); got.Line != tc.want || !res.OK {
				t.Errorf("failure at line %d stands for line %d, want %d; OK %v\n%s", tc.line, got.Line, tc.want, res.OK, Report(res))
			}
		})
	}
	// The log ending on ERROR's row: nothing after it to stand in.
	log := gammuSplitError[:strings.Index(gammuSplitError, "SENDING frame type 0x00/length 0x03")]
	m := strings.Replace(orangeFixture("split", "generic", "g.log", "gammu", 5), `what: "the line to look at"`, `what: "AT+CFUN=99,9 answered ERROR"`, 1)
	if res := replay(t, newFixture(t, "split", map[string]string{"g.log": log, field.ManifestFile: m})); !res.OK {
		t.Errorf("failure on the row the log's last line ends on:\n%s", Report(res))
	}
}
