package fieldlog

import (
	"fmt"
	"strings"
	"testing"
)

// TestShx: shell traces (sh -x) of OpenWrt scripts sending AT commands
// through a tool, as their bug reports paste them (the real ones name
// their source, trimmed): detected without a format named, the tool's
// command the host's, the traced assignment of its output (or the lines
// it printed) the modem's, split at its line ends, a terminal's "'K" the
// OK whose CR it lost; sms_tool without -D showing no final result, and
// an output piped through a filter no answer, each said on its command;
// the other traced lines notes. Before the reader every row was refused
// as "no known log format".
func TestShx(t *testing.T) {
	show := func(e Entry) string {
		s := fmt.Sprintf("%d %s %s", e.Line, e.Role, e.Text)
		if e.NoFinal != "" {
			s += " (no final)"
		}
		if e.NoAnswer != "" {
			s += " (no answer)"
		}
		if e.GaveUpOn > 0 {
			s += fmt.Sprintf(" (gave up on %d)", e.GaveUpOn)
		}
		return s
	}
	for _, tc := range []struct {
		name, log string
		want      []string
	}{
		// 4IceG/luci-app-3ginfo-lite issue 47, trimmed: -D prints the
		// OK, whose CR let the closing quote overwrite its O.
		{"sms_tool -D, a terminal's 'K",
			"+ '[' -e /usr/bin/sms_tool ]\n+ sms_tool -D -d /dev/ttyUSB3 at 'AT+CPIN?;+CSQ'\n+ O='AT+CPIN?;+CSQ\n+CPIN: READY\n\n+CSQ: 99,99\n\n'K\n+ awk '-F[, ]' '/^\\+CSQ/ {print $2}'\n",
			[]string{"1 note + '[' -e /usr/bin/sms_tool ]", "2 command AT+CPIN?;+CSQ", "3 note + O='AT+CPIN?;+CSQ", "3 echo AT+CPIN?;+CSQ",
				"4 info +CPIN: READY", "6 info +CSQ: 99,99", "8 final OK", `9 note + awk '-F[, ]' '/^\+CSQ/ {print $2}'`}},
		// The same captured to a file (sh -x 3ginfo.sh 2>trace): the CR
		// is in it, before the quote.
		{"sms_tool -D, the CR kept",
			"+ sms_tool -D -d /dev/ttyUSB3 at AT+CSQ\n+ O='AT+CSQ\r\n+CSQ: 99,99\r\n\r\nOK\r'\n",
			[]string{"1 command AT+CSQ", "2 note + O='AT+CSQ", "2 echo AT+CSQ", "3 info +CSQ: 99,99", "5 final OK"}},
		// SuperKali/BananaWRT issue 58: the modem refuses the line.
		{"sms_tool -D, ERROR",
			"+ sms_tool -D -d /dev/ttyUSB1 at 'AT+CPIN?;+CSQ'\n+ O='\nERROR\n'\n+ CONFIG=modemdefine\n",
			[]string{"1 command AT+CPIN?;+CSQ", "2 note + O='", "3 final ERROR", "5 note + CONFIG=modemdefine"}},
		{"sms_tool -D, a terminal's 'RROR and 'CME ERROR",
			"+ sms_tool -D -d /dev/ttyUSB2 at 'AT+CGLA=1,10,\"80CA005A00\"'\n+ O='\n'RROR\n+ sms_tool -D -d /dev/ttyUSB2 at 'AT+CPIN?'\n+ O='\n'CME ERROR: 10\n",
			[]string{`1 command AT+CGLA=1,10,"80CA005A00"`, "2 note + O='", "3 final ERROR", "4 command AT+CPIN?", "5 note + O='", "6 final +CME ERROR: 10"}},
		// 4IceG/luci-app-3ginfo-lite issue 39 (a Fibocom L860-GL): no -D,
		// so no final result; the filtered output no answer.
		{"sms_tool without -D, and piped through xargs",
			"+ sms_tool -d /dev/ttyACM2 at 'AT+MTSM=1'\n+ xargs\n+ TC='AT+MTSM=1 +MTSM: 29'\n+ sms_tool -d /dev/ttyACM2 at AT+CCID\n+ O='AT+CCID\n+CCID: 8937105220100124117F\n'\n+ NR_ICCID=8937105220100124117F\n",
			[]string{"1 command AT+MTSM=1 (no answer)", "2 note + xargs", "3 note + TC='AT+MTSM=1 +MTSM: 29'",
				"4 command AT+CCID (no final)", "5 note + O='AT+CCID", "5 echo AT+CCID", "6 info +CCID: 8937105220100124117F", "8 note + NR_ICCID=8937105220100124117F"}},
		// A terminal's copy of "+ O='\r'": a bare OK's blank line.
		{"sms_tool without -D, a bare OK",
			"+ sms_tool -d /dev/ttyUSB2 at AT+CFUN=1\n' O='\n+ sms_tool -d /dev/ttyUSB2 at AT+CSQ\n+ O='+CSQ: 20,99\n'\n",
			[]string{"1 command AT+CFUN=1 (no final)", "2 note ' O='", "3 command AT+CSQ (no final)", "4 note + O='+CSQ: 20,99", "4 info +CSQ: 20,99"}},
		// bash: the command substitution one level down, the value as
		// $'…' with its CRs.
		{"bash's ++ and $'…'",
			"++ sms_tool -D -d /dev/ttyUSB2 at 'AT+COPS?'\n+ O=$'+COPS: 0,0,\"Orange F\",7\\r\\n\\r\\nOK\\r'\n+ echo 'it'\\''s up'\n",
			[]string{"1 command AT+COPS?", "2 note + O=$'+COPS: 0,0,\"Orange F\",7\\r\\n\\r\\nOK\\r'", `2 info +COPS: 0,0,"Orange F",7`, "2 final OK", `3 note + echo 'it'\''s up'`}},
		// echo "$(sms_tool …)": the output is echo's argument.
		{"echoed",
			"++ sms_tool -D -d /dev/ttyUSB2 at AT+CGSN\n+ echo '866758040000000\n\nOK'\n866758040000000\n\nOK\n",
			[]string{"1 command AT+CGSN", "2 note + echo '866758040000000", "2 info 866758040000000", "4 final OK", "5 note 866758040000000", "7 note OK"}},
		// Run by hand, not captured: its lines printed untraced; the
		// alarm's message on stderr gives up on the command.
		{"printed, and sms_tool's timeout",
			"+ sms_tool -D -d /dev/ttyUSB0 at ATI\nATI\nManufacturer: BroadMobi\nModel: BM806C\n\nOK\n+ sms_tool -d /dev/ttyUSB3 at ATI\nNo response from modem.\n+ exit 0\n",
			[]string{"1 command ATI", "2 echo ATI", "3 info Manufacturer: BroadMobi", "4 info Model: BM806C", "6 final OK",
				"7 command ATI", "8 note No response from modem. (gave up on 7)", "9 note + exit 0"}},
		// The port did not open (sms_tool's messages on stderr): the
		// command never reached a modem.
		{"sms_tool's port not opened",
			"+ sms_tool -d /dev/ttyUSB9 at AT+CSQ\nopen(/dev/ttyUSB9)\ntcgetattr(/dev/ttyUSB9)\nSegmentation fault\n+ O=\n+ sms_tool -d /dev/ttyUSB2 at AT+CSQ\n+ O='+CSQ: 20,99\n'\n",
			[]string{"1 note + sms_tool -d /dev/ttyUSB9 at AT+CSQ", "2 note open(/dev/ttyUSB9)", "3 note tcgetattr(/dev/ttyUSB9)", "4 note Segmentation fault", "5 note + O=",
				"6 command AT+CSQ (no final)", "7 note + O='+CSQ: 20,99", "7 info +CSQ: 20,99"}},
		// atinout, fed by an echo traced before or after it (the
		// pipeline's stages trace in either order).
		{"atinout",
			"+ echo AT+CSQ\n+ atinout - /dev/ttyUSB2 -\n+ O='AT+CSQ\n+CSQ: 14,99\n\nOK'\n+ atinout - /dev/ttyUSB2 -\n+ echo -e 'AT+CPIN?'\n+ O='+CME ERROR: 10'\n",
			[]string{"1 note + echo AT+CSQ", "2 command AT+CSQ", "3 note + O='AT+CSQ", "3 echo AT+CSQ", "4 info +CSQ: 14,99", "6 final OK",
				"7 note + atinout - /dev/ttyUSB2 -", "8 command AT+CPIN?", "9 note + O='+CME ERROR: 10'", "9 final +CME ERROR: 10"}},
		// gcom running a script that sends $env("COMMAND"): what came in
		// its time, the final result too unless it came later.
		{"gcom with COMMAND",
			"+ COMMAND=AT+CSQ gcom -d /dev/ttyUSB2 -s /etc/gcom/run-at.gcom\n+ O='AT+CSQ\n+CSQ: 21,99\n\nOK'\n+ COMMAND='AT+COPS=?' gcom -d /dev/ttyUSB2 -s /etc/gcom/run-at.gcom\n+ O=''\n+ gcom -d /dev/ttyUSB2 -s /etc/gcom/getstrength.gcom\n",
			[]string{"1 command AT+CSQ", "2 note + O='AT+CSQ", "2 echo AT+CSQ", "3 info +CSQ: 21,99", "5 final OK",
				"6 command AT+COPS=? (no answer)", "7 note + O=''", "8 note + gcom -d /dev/ttyUSB2 -s /etc/gcom/getstrength.gcom"}},
		// An echo into the port, a cat of it reading the answer.
		{"echo into the port, cat reads it",
			"+ echo -e 'AT+CEREG?\\r'\n+ sleep 1\n+ timeout 1 cat /dev/ttyUSB2\n+ O='\n+CEREG: 2,1,\"1A2B\",\"01C2D3E4\",7\n\nOK'\n+ echo 'AT+CEREG?'\n",
			[]string{`1 command AT+CEREG?`, "2 note + sleep 1", "3 note + timeout 1 cat /dev/ttyUSB2", "4 note + O='", `5 info +CEREG: 2,1,"1A2B","01C2D3E4",7`, "7 final OK", "8 note + echo 'AT+CEREG?'"}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkDetected(t, Shx, tc.log, show, tc.want, "") })
	}
}

// TestShxBad: a trace that does not read is an error naming its line,
// never a panic nor an answer read short.
func TestShxBad(t *testing.T) {
	for _, tc := range []struct{ name, log, want string }{
		{"no modem command", "+ RES=/usr/share/3ginfo-lite\n+ cat /dev/ttyUSB2\n+ uci -q get network.wan\n",
			"bad.log:1: a shell trace (sh -x), but no modem command in it"},
		{"a value cut inside its quote", "+ sms_tool -D -d /dev/ttyUSB2 at AT+CSQ\n+ O='+CSQ: 17,99\n\n",
			"bad.log:2: the assignment of sms_tool's output (line 1) does not read: a quote (') not closed: the trace is cut inside a value"},
		{"a tool's line cut inside its quote", "+ sms_tool -d /dev/ttyUSB2 at 'AT+CSQ\n",
			"bad.log:1: a modem tool's command line that does not read: a quote (') not closed"},
		{"sms_tool at with no command", "+ sms_tool -d /dev/ttyUSB2 at\n+ O=\n", "bad.log:1: sms_tool's at with no command after it"},
		{"atinout from a file", "+ atinout /tmp/cmds /dev/ttyUSB2 -\n", "bad.log:1: atinout reads its commands from the file /tmp/cmds, which the trace does not show"},
		{"a line over 1 MiB", "+ sms_tool -d /dev/ttyUSB2 at AT+CSQ\n+ O='" + strings.Repeat("A", MaxLine+1) + "'\n", "bad.log:2: line of"},
		{"binary junk", "+ sms_tool -d /dev/ttyUSB2 at AT+CSQ\n+ O='\x00\x01\x02\xff\xfe'\n", "bad.log:2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read("bad.log", []byte(tc.log), Shx)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("err = %v; want %q…", err, tc.want)
			}
		})
	}
}

// TestShxSplit: a traced command's words as each quoting writes them:
// a backslash in "…" escapes only \ " $ `, $'…' has its C escapes, '…'
// none; a quote left open runs on over the line end and, cut, says
// which quote it was.
func TestShxSplit(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines []string
		words []string
		err   string
	}{
		{"double quote escapes", []string{"a \"x\\\"y\\$z\\\\w\\q\\`v\""}, []string{"a", "x\"y$z\\w\\q`v"}, ""},
		{"ansi escapes", []string{`$'a\tb\rc\'d'`}, []string{"a\tbc'd"}, ""},
		{"single quote has none", []string{`'a\tb' 'x'\''y'`}, []string{`a\tb`, "x'y"}, ""},
		{"runs on", []string{`"OK`, `ERR" 'a`, `b'`}, []string{"OK\nERR", "a\nb"}, ""},
		{"double cut", []string{`x "OK`}, nil, `a quote (") not closed: the trace is cut inside a value`},
		{"single cut", []string{`x $'OK\n`, `+ next`}, nil, `a quote (') not closed: the trace is cut inside a value`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sl, err := shxSplit(tc.lines, 0, tc.lines[0], true)
			if err != tc.err {
				t.Fatalf("err %q, want %q", err, tc.err)
			}
			if tc.err == "" && fmt.Sprintf("%q", sl.words) != fmt.Sprintf("%q", tc.words) {
				t.Errorf("words %q, want %q", sl.words, tc.words)
			}
		})
	}
}
