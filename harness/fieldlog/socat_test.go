package fieldlog

import (
	"fmt"
	"slices"
	"testing"
)

// TestSocatLines: an entry of a socat dump carries the line that holds its
// text, not its transfer's header: with -v a transfer's text runs over
// several lines, with -v -x its hex does.
func TestSocatLines(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		want      []string // each entry's "line text", and "[summary]" of an APDU
	}{
		{"-v, a read of several lines", "> 2026/11/23 10:21:04.000100203  length=9 from=0 to=8\nAT+COPS?\\r\n" +
			"< 2026/11/23 10:21:04.000180422  length=63 from=0 to=62\n\\r\n+CEREG: 5,\"B21C\",\"0A3F1D03\",7\\r\n\\r\n+COPS: 0,2,\"46000\",7\\r\n\\r\nOK\\r\n",
			[]string{"2 AT+COPS?", "5 +CEREG: 5,\"B21C\",\"0A3F1D03\",7", "7 +COPS: 0,2,\"46000\",7", "9 OK"}},
		// A transfer that ends without LF has the next header after it,
		// on its line.
		{"-v, the next header on the data's line", "> 2026/11/23 10:21:04.000100203  length=4 from=0 to=3\nATI\\r" +
			"< 2026/11/23 10:21:04.000180422  length=18 from=0 to=17\nATI\\r\\r\nEG25\\r\n\\r\nOK\\r\n",
			[]string{"2 ATI", "3 ATI", "4 EG25", "6 OK"}},
		{"-v -x, hex lines", "> 2026/12/01 08:41:57.000723741  length=4 from=0 to=3\n 41 54 49 0d                                      ATI.\n--\n" +
			"< 2026/12/01 08:41:57.000723991  length=24 from=0 to=23\n 41 54 49 0d 0d 0a 45 47 32 35 20 4d 6f 64 65 6d  ATI...EG25 Modem\n 0d 0a 0d 0a 4f 4b 0d 0a                          ....OK..\n--\n",
			[]string{"2 ATI", "5 ATI", "5 EG25 Modem", "6 OK"}},
		{"-x, one hex line a transfer", "> 2026/12/01 08:41:46.000976624  length=4 from=0 to=3\n 41 54 49 0d\n" +
			"< 2026/12/01 08:41:46.000977915  length=12 from=0 to=11\n 41 54 49 0d 0d 0a 4f 4b 0d 0a 0d 0a\n",
			[]string{"2 ATI", "4 ATI", "4 OK"}},
		// A +CGLA answer the modem cut (an outside tester's LE910): 40
		// of the 192 hex digits its length field says.
		{"-v, a cut answer among a URC", "> 2026/11/23 10:21:04.000100203  length=32 from=0 to=31\nAT+CGLA=1,16,\"81E2910003BF2D00\"\\r\n" +
			"< 2026/11/23 10:21:04.000180422  length=96 from=0 to=95\n\\r\n+CEREG: 5,\"B21C\",\"0A3F1D03\",7\\r\n\\r\n+CGLA: 192,\"BF2D5BA059E32B5A0A986800002100338198204F\"\\r\n\\r\nOK\\r\n",
			[]string{"2 AT+CGLA=1,16,\"81E2910003BF2D00\" [STORE DATA GetProfilesInfo block 0 (last)]", "5 +CEREG: 5,\"B21C\",\"0A3F1D03\",7",
				"7 +CGLA: 192,\"BF2D5BA059E32B5A0A986800002100338198204F\" [GetProfilesInfo: malformed answer: 40 hex digits of the 192 its length field says: cut short]", "9 OK"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("socat.log", []byte(tc.log), Socat)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range tr.Entries {
				s := fmt.Sprintf("%d %s", e.Line, e.Text)
				if e.APDU != nil {
					s += " [" + e.APDU.Summary + "]"
				}
				got = append(got, s)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("entries %q\nwant %q", got, tc.want)
			}
		})
	}
}
