package fieldlog

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
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
		// A typing mistake corrected: the host's backspace, the modem's
		// "\b \b" echo that erases the X on screen (V.250 S5); socat
		// writes 0x08 as "\b" (outside tester t79 F4).
		{"-v, a backspace both ways", "> 2026/12/06 02:55:45.000208007  length=11 from=3 to=13\nAT+CPIX\\bN?\\r" +
			"< 2026/12/06 02:55:45.000208226  length=35 from=9 to=43\nAT+CPIX\\b \\bN?\\r\\r\n+CPIN: READY\\r\n\\r\nOK\\r\n",
			[]string{"2 AT+CPIN?", "3 AT+CPIN?", "4 +CPIN: READY", "6 OK"}},
		// A DEL edits as BS does (V.250 S5; the modem's splitter, at.Edit:
		// r85 #5), here echoed as it came; -x shows it as 7f. -v alone
		// writes DEL as '.', as it writes every other byte it does not
		// escape, so a '.' there is read as '.'.
		{"-v -x, a DEL both ways", "> 2026/12/06 02:55:45.000208007  length=11 from=3 to=13\n" +
			" 41 54 2b 43 50 49 58 7f 4e 3f 0d                 AT+CPIX.N?.\n--\n" +
			"< 2026/12/06 02:55:45.000208226  length=33 from=9 to=41\n" +
			" 41 54 2b 43 50 49 58 7f 4e 3f 0d 0d 0a 2b 43 50  AT+CPIX.N?...+CP\n 49 4e 3a 20 52 45 41 44 59 0d 0a 0d 0a 4f 4b 0d  IN: READY....OK.\n 0a                                               .\n--\n",
			[]string{"2 AT+CPIN?", "5 AT+CPIN?", "5 +CPIN: READY", "6 OK"}},
		// The modem's answers are no command line: a BS in one is a byte
		// of the answer, not an edit (r85 #5).
		{"-v, a backspace in an answer", "> 2026/12/06 02:55:45.000208007  length=9 from=0 to=8\nAT+COPS?\\r" +
			"< 2026/12/06 02:55:45.000208226  length=27 from=0 to=26\n\\r\n+COPS: 0,0,\"AB\\bC\"\\r\n\\r\nOK\\r\n",
			[]string{"2 AT+COPS?", "4 +COPS: 0,0,\"AB\bC\"", "6 OK"}},
		// socat -d -d's own messages in the same stderr: notes, the one
		// after data without a final LF on the data's line.
		{"-d -d -v, socat's own messages", "2026/12/06 02:55:44 socat[25047] N PTY is /dev/pts/1\n" +
			"2026/12/06 02:55:44.123456 vm socat[25047] N starting data transfer loop with FDs [5,5] and [7,7]\n" +
			"> 2026/12/06 02:55:45.000107160  length=3 from=0 to=2\nAT\\r2026/12/06 02:55:45 socat[25047] D write(7, 0x55d679d99000, 3)\n" +
			"< 2026/12/06 02:55:45.000107443  length=9 from=0 to=8\nAT\\r\\r\nOK\\r\n" +
			"2026/12/06 02:55:46 socat[25047] W exiting on signal 15\n",
			[]string{"1 2026/12/06 02:55:44 socat[25047] N PTY is /dev/pts/1",
				"2 2026/12/06 02:55:44.123456 vm socat[25047] N starting data transfer loop with FDs [5,5] and [7,7]",
				"4 AT", "4 2026/12/06 02:55:45 socat[25047] D write(7, 0x55d679d99000, 3)", "6 AT", "7 OK",
				"8 2026/12/06 02:55:46 socat[25047] W exiting on signal 15"}},
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

// TestSocatEscapes: -v text decodes to the bytes socat read. The dump is
// socat 1.7.4.4's of the bytes 0x00 to 0xFF (python3 -c
// 'import sys; sys.stdout.buffer.write(bytes(range(256)))' | socat -v -
// /dev/null): BEL, BS, VT, FF, CR and the backslash escaped, TAB and LF
// as they are, every other control byte and all from 0x7F as '.'
// (outside tester t79 F4: a backspace miscounted the transfer).
func TestSocatEscapes(t *testing.T) {
	dump := "> 2026/12/06 03:11:49.000334569  length=256 from=0 to=255\n" +
		".......\\a\\b\t\n\\v\\f\\r.................. !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\\\]^_`abcdefghijklmnopqrstuvwxyz{|}~" +
		strings.Repeat(".", 129)
	want := make([]byte, 256)
	for i := range want {
		switch c := byte(i); {
		case c >= 0x07 && c <= 0x0d, c >= 0x20 && c < 0x7f:
			want[i] = c
		default:
			want[i] = '.'
		}
	}
	ts, err := socatTransfers("socat.log", dump)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 {
		t.Fatalf("%d transfers, want 1", len(ts))
	}
	if !bytes.Equal(ts[0].data, want) {
		t.Errorf("bytes %q\nwant %q", ts[0].data, want)
	}
}
