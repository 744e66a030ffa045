package fieldlog

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// TestBadInput: every kind of bad log gets an error naming the file and
// the line, never a panic or a partial transcript.
func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		format     Format
		want       string
	}{
		{"empty", "", "", "bad.log: empty log"},
		{"no known format", "\nhello\nworld\n", "", `bad.log:2: no known log format (`},
		// A log pasted as a JSON string or inside a ticket's JSON
		// (outside tester sw99: the object was read as a request entry
		// with an unknown member "ticket").
		{"a JSON string", `"AT\r\nOK\r\nAT+CPIN?\r\n+CPIN: READY\r\n"` + "\n", "", `: it is a JSON string whose line ends are escapes (\r\n); save its text unescaped`},
		{"a ticket's JSON", `{"ticket": 4711, "body": "AT\r\nOK\r\n"}` + "\n", "", `bad.log:1: a JSON object with members "body", "ticket", not a platform request log`},
		{"stamps of a form not read", "01.02.2024 10:00:00.123 AT\n01.02.2024 10:00:00.150 OK\n", "",
			`it starts "01.02.2024 10:00:00.123 AT", and its lines all start with a time stamp of a form not read (`},
		// Seconds since boot in a form not read: say so too.
		{"seconds stamps of a form not read", "(41.203311) > AT\n(41.210442) < OK\n", "",
			`it starts "(41.203311) > AT", and its lines all start with a time stamp of a form not read (`},
		{"bracketed seconds of a form not read", "[41,203311] > AT\n[41,210442] < OK\n", "",
			`and its lines all start with a time stamp of a form not read (`},
		{"not the format given", "> AT\n< OK\n", MM, `bad.log:1: no line reads as mm (it starts "> AT"); it reads as plain`},
		{"binary junk", "> AT\n< O\x01K\n", "", "bad.log:2: binary data (byte 0x01 at column 4)"},
		{"not UTF-8: boot noise", "> AT\n< \xff\xfeOK\n", Plain, "bad.log:2: byte 0xff at column 3 is not UTF-8: noise on the UART as the module powered up (bytes such as 0xff, 0xfe before its first line)? delete those bytes on this line; or text in Latin-1 or Windows-1252: convert the file, iconv -f latin1 -t utf-8"},
		{"not UTF-8: Latin-1", "> AT+COPS?\n< +COPS: 0,0,\"Telef\xf3nica\",7\n< OK\n", Plain, "bad.log:2: byte 0xf3 at column 20 is not UTF-8: text in Latin-1 or Windows-1252 (an operator's name the modem sent under AT+CSCS=\"8859-1\", a terminal's save on a European Windows)? convert the file, iconv -f latin1 -t utf-8 (or -f cp1252), or delete the byte on this line"},
		// A character cut in two where the file ends: the log was cut,
		// not saved in Latin-1 (outside tester sw115: iconv's advice would
		// garble the rest).
		{"UTF-8 cut at the end", "> AT+COPS?\n< +COPS: 0,0,\"Telef\xc3", Plain, "bad.log:2: the file ends in the middle of a UTF-8 character (byte 0xc3 at column 20 starts one, and nothing follows): the log was cut there, probably; copy it again whole, or cut it before this line"},
		{"UTF-8 cut alone on the last line", "> AT+CSQ\n< +CSQ: 20,99\n< OK\n\xe2\x80", Plain, "bad.log:4: the file ends in the middle of a UTF-8 character (byte 0xe2 at column 1 starts one"},
		// Not at the end: a byte in Latin-1 as before.
		{"Latin-1 before the end", "> AT+COPS?\n< +COPS: 0,0,\"Telef\xc3\"", Plain, "bad.log:2: byte 0xc3 at column 20 is not UTF-8: text in Latin-1"},
		// The first byte that is not text, whichever kind: an ELF's DEL
		// before its NUL and its bytes that are no UTF-8.
		{"binary: the first byte", "\x7fELF\x02\x01\x01\x00\xd0a\n", "", "bad.log:1: binary data (byte 0x7f at column 1): not a text log"},
		{"binary: a control byte before invalid UTF-8", "> AT\n< O\x01K\xd0\n", Plain, "bad.log:2: binary data (byte 0x01 at column 4): not a text log"},
		// A NUL is padding a terminal shows as nothing (a UART's glitch:
		// outside tester sw93), not binary: what follows it is judged.
		{"a NUL, then invalid UTF-8", "> AT\n< O\x00K\xd0\n", Plain, "bad.log:2: byte 0xd0 at column 6 is not UTF-8"},
		{"binary: invalid UTF-8 before a NUL", "> AT\n< O\xd0K\x00\n", Plain, "bad.log:2: byte 0xd0 at column 4 is not UTF-8"},
		{"a cut tail names the cut line and the fix", "> AT\n< OK\n> AT+CSQ\n< +CSQ: 1\n", Plain,
			"bad.log:3: the log ends before the final result of AT+CSQ: truncated?; the log stops in line 4: if it was cut there (log rotation, a paste), cut it after line 2, before that command, to replay what comes before it"},
		// socat's addresses the other way round ('<' the host) and a
		// host that ends its commands with CR LF: the modem's lines are
		// read as the host's (the socat-swapped.log fixture's exchange),
		// a log whole, not cut short.
		{"directions swapped", "< 2026/12/01 08:43:03.000287273  length=9 from=0 to=8\nAT+CGMI\\r\n" +
			"> 2026/12/01 08:43:03.000287467  length=25 from=0 to=24\nAT+CGMI\\r\\r\nesimhil\\r\n\\r\nOK\\r\n" +
			"< 2026/12/01 08:43:04.000091023  length=9 from=9 to=17\nAT+CIMI\\r\n" +
			"> 2026/12/01 08:43:04.000091368  length=25 from=25 to=49\n\\r\n460000000000019\\r\n\\r\nOK\\r\n", Socat,
			"bad.log:14: the log ends before the final result of OK: directions swapped? every final result code in the log (2, the first OK at line 7) is in the host's direction and none in the modem's, which holds command lines (AT+CGMI at line 2): the modem's lines are marked as the host's (a sniffer's two addresses given the other way round?)"},
		// One final result in the modem's direction: a log cut short.
		{"a cut tail after the modem's final result", "> AT\n< OK\n< AT+CSQ\n> OK\n> AT+CPIN?\n", Plain,
			"bad.log:5: the log ends before the final result of AT+CPIN?: truncated?"},
		{"stray escape", "> AT\n< \x1b(BOK\n", Plain, "bad.log:2: binary data (byte 0x1b at column 3)"},
		{"a cursor move", "> AT\n< \x1b[2AOK\n", Plain, "bad.log:2: binary data (escape sequence at column 3)"},
		{"a title never ended", "> AT\n< \x1b]0;title\n", Plain, "bad.log:2: binary data (escape sequence at column 3, an operating system command without its BEL or ST)"},
		{"unfinished colour code", "> AT\n< \x1b[31OK\n", Plain, "bad.log:2: binary data (escape sequence at column 3)"},
		{"ModemManager without AT traffic", "<info>  [1772445601.102811] [modem0] state changed (disabled -> enabling)\n<dbg> [1772445601.2] [cdc-wdm0/qmi] sent message...\n", "",
			`bad.log:1: ModemManager's lines, but none of an AT port's traffic`},
		{"ModemManager at info level, in the journal", "Mar 02 10:00:01 gw ModemManager[812]: <info>  [modem0] state changed (unknown -> failed)\nMar 02 10:00:01 gw ModemManager[812]: <warn>  [modem0] could not load SIM identifier\n", "",
			`bad.log:1: ModemManager's lines, but none of an AT port's traffic`},
		{"ModemManager at info level, in OpenWrt's logread", "Fri Aug 16 18:47:51 2024 daemon.warn [5840]: <wrn> [modem0] could not load SIM identifier\nFri Aug 16 18:47:52 2024 daemon.info [5840]: <inf> [modem0] SIM imsi has not changed\n", "",
			`bad.log:1: ModemManager's lines, but none of an AT port's traffic`},
		{"Zephyr without modem_chat's records", "*** Booting Zephyr OS build v3.7.0 ***\n[00:00:00.512,000] <inf> modem_cellular: modem power on\n[00:00:01.000,000] <inf> main: hello\n", "",
			"bad.log:1: Zephyr RTOS log lines, but none of modem_chat's AT records"},
		{"Zephyr without modem_chat's records, given", "[00:00:00.512,000] <inf> modem_cellular: modem power on\n", Zephyr,
			"bad.log:1: Zephyr RTOS log lines, but none of modem_chat's AT records (\"<dbg> modem_chat: modem_chat_script_next: sending: AT+CREG?\", \"<dbg> modem_chat: modem_chat_log_received_command: OK\") nor an application's own AT prints (\"<inf> app: AT> AT+CFUN=1\", \"<inf> app: AT< OK\"): nothing to replay; log them with CONFIG_MODEM_MODULES_LOG_LEVEL_DBG=y"},
		{"Zephyr: time going back without a boot", "[00:00:12.532,000] <dbg> modem_chat: modem_chat_script_next: sending: AT\n[00:00:10.560,000] <dbg> modem_chat: modem_chat_log_received_command: OK\n", "",
			"bad.log:2: time since boot 10.56s, before the line before's 12.532s, with no boot banner"},
		{"Zephyr: cut before the answer", "[00:00:12.532,000] <dbg> modem_chat: modem_chat_script_next: sending: AT+CPIN?\n[00:00:12.560,000] <dbg> modem_chat: modem_chat_log_received_command: +CPIN:  READY\n", "",
			"bad.log:1: the log ends before the final result of AT+CPIN?"},
		{"arrows that do not say the host's", "--> AT\n<-- AT\n", Plain, `bad.log:1: arrow lines ("-->", "<--"), but which arrow is the host's the lines do not say`},
		{"a line before any marker", "AT\n> AT\n< OK\n", Plain, `bad.log:1: a line before any direction marker (">", "<", "-->", "<--", "TX:", "[RX]"): "AT"`},
		{"quoted, no format", "> hello\n>\n> world\n", "", `bad.log:1: no known log format (`},
		// Cut where the answer is any text: a serial monitor's.
		{"a terminal capture cut in a text answer", "22:26:59.414 -> AT+CGMI\n22:26:59.446 -> Manufacturer: SIMCOM INCORPORATED\n", "",
			"bad.log:1: the log ends before the final result of AT+CGMI: truncated?"},
		// An earlier command with a whole text answer and no result is
		// no cut session.
		{"text answers and no result", "AT+CGMI\nhello\nAT+CGMM\nworld\n", "", `bad.log:1: no known log format (`},
		// The bare-line formats take any text: a tool's markers refuse them.
		{"a LuatOS trace given as terminal", "[I]-[ril.sendat] AT+CSQ\n[I]-[ril.proatc] +CSQ: 20,99\n[I]-[ril.proatc] OK\n", Terminal,
			"bad.log:1: given as terminal, but it reads as luat, whose lines it has: give format luat (or none: it is detected)"},
		{"a terminal capture cut before any final result", "Welcome to minicom 2.1\n\nAT+CPIN?\n+CPIN: SIM REMOVED\n", "",
			"bad.log:3: the log ends before the final result of AT+CPIN?: truncated?"},
		{"quoted, plain: the host's lines alone", "> > AT+CSQ\n", "", `bad.log:1: no known log format (`},
		{"quoted twice, a log of no format", ">> hello\n>>> AT\n>> world\n", "", `bad.log:1: no known log format (`},
		{"unknown format name", "> AT\n", "nokia", `bad.log: unknown log format "nokia"`},
		{"plain: truncated", "> AT+CGMM\n< EG25\n> AT+CGLA=1,16,\"81E2910003BF2D00\"\n< +CGLA: 4,\"61", Plain,
			"bad.log:3: the log ends before the final result of AT+CGLA"},
		{"plain: out of order", "10:00:02.000 > AT\n10:00:01.000 < OK\n", Plain,
			"bad.log:2: time Jan 01 10:00:01.000000 is before the Jan 01 10:00:02.000000 of line 1: timestamps out of order"},
		{"plain: mixed clocks", "[1.5] > AT\n2026-03-02 10:00:01.000 < OK\n", Plain, "bad.log:2: a dated time among relative times (from line 1)"},
		// A time of day and a date are both wall-clock times, but set
		// against each other they are two thousand years apart, more
		// than a time.Duration holds (outside tester t79 F5: an offset
		// of +2562047h47m16.854775807s, a step back invented).
		{"plain: a dated time among times of day", "[10:00:01.100] > AT+CPIN?\n[10:00:01.130] < +CPIN: READY\n2026-05-02T10:00:01.131Z < OK\n", Plain,
			"bad.log:3: a dated time among times of day (from line 1): a log's times go on one clock, so they are of one kind; stamp its lines alike"},
		// Dated times more than a time.Duration apart (outside tester
		// t83: an offset of +2562047h47m16.854775807s still shown).
		{"plain: dated times 292 years apart", "[1970-01-01 00:00:01.100] > AT+CPIN?\n[2262-04-12 00:00:00.130] < +CPIN: READY\n[2262-04-12 00:00:00.131] < OK\n", Plain,
			"bad.log:2: time 2262-04-12T00:00:00.13Z is more than 292 years after line 1's 1970-01-01T00:00:01.1Z: no log spans that"},
		{"plain: a time of day among dated times", "2026-05-02T10:00:01.100Z > AT+CPIN?\n[10:00:01.130] < +CPIN: READY\n[10:00:01.131] < OK\n", "",
			"bad.log:2: a time of day among dated times (from line 1)"},
		{"terminal: a dated time among times of day", "[10:00:01.100] AT\n2026-05-02 10:00:01.131 OK\n", Terminal,
			"bad.log:2: a dated time among times of day (from line 1)"},
		{"chat: a dated time among syslog's", "Oct 12 23:47:20 sonic chat[23140]: send (AT^M)\nOct 12 23:47:20 sonic chat[23140]: expect (OK)\n" +
			"2026-10-12T23:47:21+00:00 sonic chat[23140]: AT^M^M\n2026-10-12T23:47:21+00:00 sonic chat[23140]: OK\n", "",
			"bad.log:3: a dated time among times without a year (from line 1)"},
		{"ofono: a dated time among syslog's", "Mar 02 10:00:01 h ofonod[1]: Aux: > AT\\r\n2026-03-02T10:00:01.5+00:00 h ofonod[1]: Aux: < \\r\\nOK\\r\\n\n", Ofono,
			"bad.log:2: a dated time among times without a year (from line 1)"},
		{"logcat: a dated time among yearless ones", "12-02 10:00:00.100  1520  1544 D AT      : AT> AT\n2026-12-02 10:00:00.130  1520  1545 D AT      : AT< OK\n", Logcat,
			"bad.log:2: a dated time among times without a year (from line 1)"},
		// Readers whose own check lets both through (each an Absolute
		// clock) meet the same one as the records are put together.
		{"strace: -ttt among -tt", "10:00:00.000001 write(3, \"AT\\r\", 3) = 3\n1790000000.000002 read(3, \"\\r\\nOK\\r\\n\", 64) = 6\n", Strace,
			"bad.log:2: a dated time among times without a year (from line 1)"},
		{"mm: a dated journal among a yearless one", "Nov 21 06:10:02 rtr-11 ModemManager[702]: <debug> [ttyUSB2/at] --> 'AT<CR>'\n" +
			"2026-11-21T06:10:03+00:00 rtr-11 ModemManager[702]: <debug> [ttyUSB2/at] <-- '<CR><LF>OK<CR><LF>'\n", MM,
			"bad.log:2: a dated time among times without a year (from line 1)"},
		{"gammu: a journal among textalldate's", "Thu 2026/11/19 10:00:00: SENDING frame type 0x00/length 0x03/3\nThu 2026/11/19 10:00:00: 41A|54T|0D                                      AT.\n" +
			"Nov 19 10:00:01 pi gammu-smsd[1190]: gammu: RECEIVED frame type 0x00/length 0x09/9\nNov 19 10:00:01 pi gammu-smsd[1190]: gammu: 41A|54T|0D |0D |0A |4FO|4BK|0D |0A                    AT...OK..\n", Gammu,
			"bad.log:3: a time without a year among dated times (from line 1)"},
		{"plain: text before any marker", "OK\n> AT\n< OK\n", Plain, "bad.log:1: a line before any"},
		{"terminal: no command", "\nWelcome to minicom 2.8\nOK\n", Terminal, "bad.log:2: no line starting with AT: not a terminal session with a modem"},
		{"terminal: truncated", "AT+CGMM\r\nEG25\r\n\r\nOK\r\nAT+CSQ\r\n+CSQ: 2", Terminal, "bad.log:5: the log ends before the final result of AT+CSQ"},
		{"terminal: commands typed with the echo off", "AT\r\r\nOK\r\nATE0\r\r\nOK\r\n\r\n+CSQ: 20,99\r\n\r\nOK\r\n", Terminal,
			"bad.log:8: OK with no command before it: the echo is off since line 3"},
		{"terminal: a second OK, the commands dumped with the echo off", "AT\r\r\nOK\r\nATE0\r\r\nOK\r\nAT+CPIN?\r\n\r\nOK\r\n\r\n+CPIN: READY\r\n\r\nOK\r\n", Terminal,
			"bad.log:11: OK with no command before it: AT+CPIN? (line 5) had its final result at line 7 already; a second final result, or the result of a command the capture does not show"},
		// With the echo on every command shows: a result with none
		// pending is one too many (the command lost in the program's
		// text, or a result twice).
		{"terminal: a second OK, the echo on", "AT+CPIN?\r\n+CPIN: READY\r\nOK\r\nWaiting...\r\n+CREG: 0,1\r\nOK\r\n", Terminal,
			"bad.log:6: OK with no command before it: AT+CPIN? (line 1) had its final result at line 3 already; a second final result, or the result of a command the capture does not show"},
		{"terminal: mixed clocks", "[1.5] AT\n2026-03-02 10:00:01.000 OK\n", Terminal, "bad.log:2: a dated time among relative times (from line 1)"},
		{"atlog: not a line", "2026-01-01T00:00:00Z > AT\ngarbage\n", ATLog, `bad.log:2: want "<RFC 3339 time> > line"`},
		{"atlog: bad direction", "2026-01-01T00:00:00Z > AT\n2026-01-01T00:00:01Z ! OK\n", ATLog, `bad.log:2: after the time, want ">"`},
		{"atlog: out of order", "2026-01-01T00:00:05Z > AT\n2026-01-01T00:00:01Z < OK\n", ATLog,
			"bad.log:2: time 2026-01-01T00:00:01Z is before the 2026-01-01T00:00:05Z of line 1"},
		{"lpac: cut JSON", "AT_DEBUG: AT\nAT_DEBUG: OK\n{\"type\":\"lpa\",\"payload\":{\"code\":-1,\"mess", LPAC,
			"bad.log:3: the log is cut off inside lpac's JSON line"},
		{"lpac: bad JSON", "AT_DEBUG: AT\nAT_DEBUG: OK\n{\"type\":\"progress\",oops}\n", LPAC, "bad.log:3: lpac JSON line"},
		{"lpac: bad APDU hex", "[DEBUG] [APDU] [RX] SW1: 90, SW2: 00, Data: BF 2E 1\n", LPAC, "bad.log:1: APDU line: hex"},
		{"lpac: bad driver clock", "AT_DEBUG_TX(1.1000000000): AT\nAT_DEBUG_RX(1.2): OK\n", LPAC, "bad.log:1: driver time (1.1000000000)"},
		{"lpac: out of order", "AT_DEBUG_TX(5.0): AT\nAT_DEBUG_RX(4.0): OK\n", LPAC, "bad.log:2: time 4s is before the 5s of line 1"},
		{"lpac: out of order after a line that is no prompt", "AT_DEBUG_TX(5.0): AT\nAT_DEBUG_RX(5.1): OK\n[DEBUG] [HTTP] [TX] url: x\nAT_DEBUG_TX(4.0): AT\nAT_DEBUG_RX(4.1): OK\n", LPAC,
			"bad.log:4: time 4s is before the 5.000000001s of line 2"},
		{"lpac: stdout and stderr out of order", "AT_DEBUG_TX: AT\r\nAT_DEBUG_TX: AT+CIMI\r\nAT_DEBUG_RX: OK\nAT_DEBUG_RX: 208011234567890\nAT_DEBUG_RX: OK\n", LPAC,
			"bad.log:2: AT+CIMI sent before AT (line 1) had its final result, though the log holds a final result for every command"},
		{"lpac indented: truncated", "    AT_DEBUG_TX(1.0): AT+CGMM\n    AT_DEBUG_RX(1.5): EG25\n", LPAC,
			"bad.log:1: the log ends before the final result of AT+CGMM"},
		{"terminal indented: truncated", "    AT+CGMM\r\n    EG25\r\n    \r\n    OK\r\n    AT+CSQ\r\n    +CSQ: 2", "",
			"bad.log:5: the log ends before the final result of AT+CSQ"},
		{"lpac: truncated", "AT_DEBUG_TX(1.0): AT+CGMM\nAT_DEBUG_RX(1.5): EG25\n", LPAC,
			"bad.log:1: the log ends before the final result of AT+CGMM"},
		{"mm: cut inside a read", "<dbg> [ttyUSB2/at] --> 'AT<CR>'\n<dbg> [ttyUSB2/at] <-- '<CR><LF>O", MM,
			"bad.log:2: the log is cut off inside a serial read"},
		{"mm: missing quote mid-log", "<dbg> [ttyUSB2/at] --> 'AT<CR>\n<dbg> [ttyUSB2/at] <-- '<CR><LF>OK<CR><LF>'\n", MM,
			"bad.log:1: serial data without its closing quote"},
		{"mm: out of order", "<dbg> [1772445601.5] [ttyUSB2/at] --> 'AT<CR>'\n<dbg> [1772445600.1] [ttyUSB2/at] <-- '<CR><LF>OK<CR><LF>'\n", MM,
			"bad.log:2: time 2026-03-02T10:00:00.1Z is before the 2026-03-02T10:00:01.5Z of line 1: timestamps out of order"},
		// A clock stepped back an hour (an NTP sync on a gateway without
		// an RTC): the error says by how much, and what to do.
		{"mm: a clock step back", "<dbg> [1772449201.5] [ttyUSB2/at] --> 'AT<CR>'\n<dbg> [1772445601.25] [ttyUSB2/at] <-- '<CR><LF>OK<CR><LF>'\n", MM,
			"bad.log:2: time 2026-03-02T10:00:01.25Z is before the 2026-03-02T11:00:01.5Z of line 1: timestamps out of order (the clock stepped back 1h0m0.25s: an NTP or RTC sync, a time set?); shift the times before line 2 by -1h0m0.25s, or those from it on by +1h0m0.25s, so that they run on, or cut the log at line 2 and keep one side (split into two files, it still replays by its times)"},
		{"mm: back over New Year", "Jan  1 00:00:01 gw ModemManager[1]: <debug> [ttyUSB2/at] --> 'AT<CR>'\nDec 31 23:59:59 gw ModemManager[1]: <debug> [ttyUSB2/at] <-- '<CR><LF>OK<CR><LF>'\n", MM,
			"bad.log:2: time Dec 31 23:59:59.000000 is before the Jan 01 00:00:01.000000 of line 1: timestamps out of order"},
		{"mm: back after New Year", "Dec 31 23:59:58 gw ModemManager[1]: <debug> [ttyUSB2/at] --> 'AT<CR>'\nJan  1 00:00:01 gw ModemManager[1]: <debug> [ttyUSB2/at] <-- '<CR><LF>OK<CR><LF>'\n" +
			"Dec 31 23:59:59 gw ModemManager[1]: <debug> [ttyUSB2/at] --> 'AT<CR>'\nDec 31 23:59:59 gw ModemManager[1]: <debug> [ttyUSB2/at] <-- '<CR><LF>OK<CR><LF>'\n", MM,
			"bad.log:3: time Dec 31 23:59:59.000000 is before the Jan 01 00:00:01.000000 of line 2: timestamps out of order"},
		{"socat: cut inside a transfer", "> 2026/12/01 08:41:11.000044587  length=10 from=0 to=9\nAT+CEREG?\\r< 2026/12/01 08:41:11.000044814  length=41 from=0 to=40\n\\r\n+CEREG: 2,1", Socat,
			"bad.log:2: the log ends 13 bytes into a transfer of 41"},
		{"socat: header without its bytes", "> 2026/12/01 08:41:11.000044587  length=10 from=0 to=9\n", Socat,
			"bad.log:1: the log ends after a header announcing 10 bytes"},
		// A length one too many: the transfer takes the next header's ">",
		// and the error names the transfer, not the header after it.
		{"socat: a length past its bytes", "> 2026/12/01 08:41:11.000044587  length=5 from=0 to=4\nAT\\r\n> 2026/12/01 08:41:11.000144587  length=4 from=5 to=8\nAT\\r\n", Socat,
			`bad.log:1: this transfer's length=5 counts 1 byte(s) of the next header (">"): it holds 4`},
		{"socat: garbage between transfers", "> 2026/12/01 08:41:11.000044587  length=3 from=0 to=2\nAT\\r\nhello\n", Socat,
			`bad.log:3: expected a socat transfer header ("> 2026/12/01 08:41:11.044587  length=5 from=0 to=4"), found "hello"`},
		{"socat: hex line short", "> 2026/12/01 08:41:46.000475631  length=4 from=0 to=3\n 41 54\n--\n", Socat,
			`bad.log:3: a socat hex dump line with 2 of 4 bytes still to come, found "--"`},
		{"socat: huge transfer", "> 2026/12/01 08:41:46.000475631  length=99999999999 from=0 to=3\n 41 54\n", Socat,
			"bad.log:1: socat transfer of length 99999999999: more than 1048576 bytes"},
		{"socat: out of order", "> 2026/12/01 08:41:12.500000  length=3 from=0 to=2\nAT\\r< 2026/12/01 08:41:11.000000  length=6 from=0 to=5\n\\r\nOK\\r\n", Socat,
			"bad.log:2: time 2026-12-01T08:41:11Z is before the 2026-12-01T08:41:12.5Z of line 1: timestamps out of order"},
		{"strace: data cut at -s", "10:38:07.051009 write(3, \"AT+CEREG?\\r\", 10) = 10\n10:38:07.051420 read(3, \"AT+CEREG?\\r\\r\\n+CEREG: 2,1,\\\"1000\\\",\"..., 64) = 51\n", Strace,
			`bad.log:2: strace showed 31 of the 51 bytes the call moved on fd 3 ("..." after the string): record with -s 4096`},
		{"strace: no AT command", "10:38:07.051009 write(1, \"hello\\n\", 6) = 6\n", Strace, "bad.log: no AT command written to any descriptor in the trace"},
		{"strace: resumed, never begun", "10:38:07.051009 write(3, \"AT\\r\", 3) = 3\n10:38:07.051420 <... read resumed>\"OK\\r\\n\", 64) = 4\n", Strace,
			`bad.log:2: read resumed with no unfinished read of process "" before it`},
		{"strace: string not closed", "10:38:07.051009 write(3, \"AT\\r, 3) = 3\n", Strace, "bad.log:1: strace call: the string has no closing quote"},
		{"strace: bad escape", "10:38:07.051009 write(3, \"AT\\xZZ\", 3) = 3\n", Strace, `bad.log:1: strace call: escape \xZZ`},
		{"strace: mixed clocks", "10:38:07.051009 write(3, \"AT\\r\", 3) = 3\n     0.000412 read(3, \"OK\\r\\n\", 64) = 4\n", Strace,
			`bad.log:2: strace time "0.000412" is not of the kind the trace's first call has (absolute)`},
		{"strace: out of order", "10:38:07.051009 write(3, \"AT\\r\", 3) = 3\n10:38:06.000000 read(3, \"\\r\\nOK\\r\\n\", 64) = 6\n", Strace,
			"bad.log:2: time Jan 01 10:38:06.000000 is before"},
		{"jpnevulator: bytes before any header", "41 54 0D\n", Jpnevulator, `bad.log:1: expected a jpnevulator header`},
		{"jpnevulator: garbage between chunks", "2026-12-01 11:03:50.402369: /dev/pts/1\n41 54 0D\nhello\tworld\n", Jpnevulator,
			`bad.log:3: expected a jpnevulator header ("2026-12-01 11:03:50.402369: /dev/ttyUSB2") or a line of hex bytes, found "hello\tworld"`},
		{"jpnevulator: timed among untimed", "/dev/pts/1\n41 54 0D\n2026-12-01 11:03:50.402369: /dev/pts/0\n0D 0A 4F 4B 0D 0A\n", Jpnevulator,
			"bad.log:3: a timed header in a dump whose headers have no time"},
		{"jpnevulator: out of order", "2026-12-01 11:03:50.402369: /dev/pts/1\n41 54 0D\n2026-12-01 11:03:49.000000: /dev/pts/0\n0D 0A 4F 4B 0D 0A\n", Jpnevulator,
			"bad.log:4: time 2026-12-01T11:03:49Z is before the 2026-12-01T11:03:50.402369Z of line 2"},
		{"docklight: line cut in its stamp", "01/12/2026 10:15:03.123 [TX] - AT<CR>\r\n01/12/2026 10:15:03.1", Docklight,
			`bad.log:2: a Docklight line cut off or malformed: want "01/12/2026 10:15:03.123 [TX] - data", found "01/12/2026 10:15:03.1"`},
		{"docklight: line cut in a control word", "01/12/2026 10:15:03.123 [TX] - AT<CR>\r\n01/12/2026 10:15:03.131 [RX] - <CR><LF>OK<CR><L", Docklight,
			`bad.log:2: Docklight ASCII data: the line ends inside a control character's name ("<L")`},
		{"docklight: unknown control word", "01/12/2026 10:15:03.123 [TX] - AT<CR>\r\n01/12/2026 10:15:03.131 [RX] - <CR><LF>OK<XYZ><LF>\r\n", Docklight,
			"bad.log:2: Docklight ASCII data: <XYZ> at column 42 is no control character's name (<CR>, <LF>, <ESC>, <NUL>, …)"},
		{"docklight: hex with an odd digit", "Docklight Log File (HEX) - Started 01/12/2026 10:15:01.002\r\n01/12/2026 10:15:03.123 [TX] - 41 54 0D\r\n01/12/2026 10:15:03.131 [RX] - 0D 0A 4F 4 0D 0A\r\n", Docklight,
			`bad.log:3: Docklight HEX data: byte 4 is "4", not two hex digits`},
		{"docklight: the decimal display", "Docklight Log File (Decimal) - Started 01/12/2026 10:15:01.002\r\n01/12/2026 10:15:03.123 [TX] - 065 084 013\r\n", Docklight,
			"bad.log:1: a Docklight log of the Decimal display: log the data as HEX or ASCII"},
		{"docklight: no such date", "01/13/2026 10:15:03.123 [TX] - AT<CR>\r\n13/01/2026 10:15:03.131 [RX] - <CR><LF>OK<CR><LF>\r\n", Docklight,
			"bad.log:1: Docklight dates both day first and month first: not one locale's"},
		{"docklight: truncated answer", "01/12/2026 10:15:03.123 [TX] - AT+CSQ<CR>\r\n01/12/2026 10:15:03.131 [RX] - AT+CSQ<CR><CR><LF>+CSQ: 2", Docklight,
			"bad.log:1: the log ends before the final result of AT+CSQ"},
		{"docklight: text before the first stamp", "hello\r\n01/12/2026 10:15:03.123 [TX] - AT<CR>\r\n", Docklight,
			`bad.log:1: expected a Docklight header ("Docklight Log File (HEX) - Started …") or a stamped line`},
		{"docklight: out of order", "01/12/2026 10:15:03.123 [TX] - AT<CR>\r\n01/12/2026 10:15:02.000 [RX] - <CR><LF>OK<CR><LF>\r\n", Docklight,
			"bad.log:2: time 2026-12-01T10:15:02Z is before the 2026-12-01T10:15:03.123Z of line 1"},
		{"sscom: a stamp without milliseconds", "[14:34:12]发→◇AT\r\n□\r\n", SSCOM,
			`bad.log:1: SSCOM time "14:34:12": want the time of day as [14:34:12.900]`},
		{"sscom: no time of day", "[25:34:12.900]发→◇AT\r\n□\r\n", SSCOM, `bad.log:1: SSCOM time "25:34:12.900" is no time of day`},
		{"sscom: a marker cut off", "[14:34:12.900]发→◇AT\r\n□\r\n[14:34:12.904]收←\r\nOK\r\n", SSCOM,
			`bad.log:3: an SSCOM line cut off or malformed: want "[14:34:12.900]发→◇data" or "[14:34:12.904]收←◆data", found "[14:34:12.904]收←"`},
		{"sscom: a stamp cut off", "[14:34:12.900]发→◇AT\r\n□\r\n[14:34:12.9", SSCOM, `bad.log:3: an SSCOM line cut off or malformed`},
		{"sscom: a marker without its time", "[14:34:12.900]发→◇AT\r\n□\r\n收←◆OK\r\n", SSCOM,
			`bad.log:3: an SSCOM marker without its time: log with "show time" on`},
		{"sscom: not hex", "[14:34:12.900]发→◇41 54 0D 0A\r\n[14:34:12.904]收←◆0D 0A 4G 4B 0D 0A\r\n", SSCOM,
			`bad.log:2: SSCOM HEX data: byte 3 is "4G", not two hex digits`},
		{"sscom: a hex byte cut", "[14:34:12.900]发→◇41 54 0D 0A\r\n[14:34:12.904]收←◆0D 0A 4F 4\r\n", SSCOM,
			`bad.log:2: SSCOM HEX data: byte 4 is "4", not two hex digits`},
		{"sscom: text before the first stamp", "SSCOM V5.13.1\r\n[14:34:12.900]发→◇AT\r\n", SSCOM,
			`bad.log:1: expected an SSCOM line ("[14:34:12.900]发→◇AT"), found "SSCOM V5.13.1"`},
		{"sscom: truncated answer", "[14:34:12.900]发→◇AT+CSQ\r\n□\r\n[14:34:12.904]收←◆AT+CSQ\r\n\r\n+CSQ: 2", SSCOM,
			"bad.log:1: the log ends before the final result of AT+CSQ"},
		// Less than 12 hours back is no midnight: a step back.
		{"sscom: out of order", "[14:34:12.900]发→◇AT\r\n□\r\n[14:34:11.904]收←◆\r\nOK\r\n", SSCOM,
			"bad.log:4: time Jan 01 14:34:11.904000 is before the Jan 01 14:34:12.900000 of line 1: timestamps out of order"},
		{"qcom: the milliseconds after a point", "[2019-01-31 03:12:05.246_S:] AT\r\n", QCOM,
			`bad.log:1: QCOM time "2019-01-31 03:12:05.246": want the date and time as [2019-01-31 03:12:05:246_S:]`},
		{"qcom: no such date", "[2019-02-30 03:12:05:246_S:] AT\r\n", QCOM, `bad.log:1: QCOM time "2019-02-30 03:12:05:246" is no date and time`},
		{"qcom: a line cut in its stamp", "[2019-01-31 03:12:05:246_S:] AT\r\n[2019-01-31 03:12:05:2", QCOM,
			`bad.log:2: a QCOM line cut off or malformed: want "[2019-01-31 03:12:05:246_S:] data", found "[2019-01-31 03:12:05:2"`},
		{"qcom: a direction cut", "[2019-01-31 03:12:05:246_S:] AT\r\n[2019-01-31 03:12:05:277_R\r\n", QCOM, `bad.log:2: a QCOM line cut off or malformed`},
		{"qcom: not hex", "[2015-09-14 15:09:23:100_S:] 41 54 0D 0A\r\n[2015-09-14 15:09:23:156_R:] 0D 0A 4F 4 0D 0A\r\n", QCOM,
			`bad.log:2: QCOM hex data: byte 4 is "4", not two hex digits`},
		{"qcom: text before the first stamp", "QCOM_V1.6\r\n[2019-01-31 03:12:05:246_S:] AT\r\n", QCOM,
			`bad.log:1: expected a QCOM line ("[2019-01-31 03:12:05:246_S:] AT"), found "QCOM_V1.6"`},
		{"qcom: truncated", "[2019-01-31 03:12:05:246_S:] AT+CSQ\r\n[2019-01-31 03:12:05:277_R:] +CSQ: 24,99\r\n", QCOM,
			"bad.log:1: the log ends before the final result of AT+CSQ"},
		{"qcom: out of order", "[2019-01-31 03:12:05:246_S:] AT\r\n[2019-01-31 03:12:04:277_R:] OK\r\n", QCOM,
			"bad.log:2: time 2019-01-31T03:12:04.277Z is before the 2019-01-31T03:12:05.246Z of line 1"},
		{"logcat: no AT lines", "--------- beginning of radio\n12-02 10:00:00.000  2811  2811 D RILJ    : [0001]> RADIO_POWER on: true [PHONE0]\n", Logcat,
			`bad.log:1: an Android log without a RIL's AT lines ("AT> …", "AT< …")`},
		{"logcat: detected, no AT lines", "--------- beginning of radio\n12-02 10:00:00.000  2811  2811 D RILJ    : [0001]> RADIO_POWER on: true [PHONE0]\n", "",
			`bad.log:1: an Android log without a RIL's AT lines`},
		{"logcat: text before the first line", "adb server started\n12-02 10:00:00.100  1520  1544 D AT      : AT> AT\n", Logcat,
			`bad.log:1: expected a logcat line ("12-02 10:00:00.100  1520  1544 D AT      : AT> AT+CPIN?"), found "adb server started"`},
		{"logcat: two kinds of time", "12-02 10:00:00.100  1520  1544 D AT      : AT> AT\n   812.103  1520  1545 D AT      : AT< OK\n", Logcat,
			"bad.log:2: a relative time among times without a year (from line 1)"},
		{"logcat: truncated", "12-02 10:00:00.100  1520  1544 D AT      : AT> AT+CSQ\n12-02 10:00:00.130  1520  1545 D AT      : AT< +CSQ: 20,99\n", Logcat,
			"bad.log:1: the log ends before the final result of AT+CSQ"},
		{"logcat: out of order", "12-02 10:00:00.100  1520  1544 D AT      : AT> AT\n12-02 10:00:00.050  1520  1545 D AT      : AT< OK\n", Logcat,
			"bad.log:2: time Dec 02 10:00:00.050000 is before the Dec 02 10:00:00.100000 of line 1"},
		{"logcat: no such date", "02-30 10:00:00.100  1520  1544 D AT      : AT> AT\n", Logcat,
			`bad.log:1: expected a logcat line`},
		{"gammu: another protocol's frame", "SENDING frame type 0x7F/length 0x02/2\n1E |00                                                         ..\n", Gammu,
			"bad.log:1: gammu frame type 0x7F: not the AT driver's (0x00), a log of another phone protocol"},
		{"gammu: the dump cut short", "SENDING frame type 0x00/length 0x03/3\n41A|54T\nEnabling echo\n", Gammu,
			`bad.log:2: expected the dump of the SENDING frame of line 1 (0 of its 3 bytes read), found "41A|54T"`},
		{"gammu: a message where the dump goes on", "RECEIVED frame type 0x00/length 0x12/18\n41A|54T|2B+|43C|53S|51Q|0D |0D |0A |2B+|43C|53S|51Q|3A:|20 |32 AT+CSQ...+CSQ: 2\nChecking line: OK\n", Gammu,
			`bad.log:3: expected the dump of the RECEIVED frame of line 1 (16 of its 18 bytes read), found "Checking line: OK"`},
		{"gammu: a dump's character not its byte", "SENDING frame type 0x00/length 0x03/3\n41B|54T|0D                                                     AT.\n", Gammu,
			`bad.log:2: expected the dump of the SENDING frame of line 1`},
		{"gammu: ends inside a dump", "SENDING frame type 0x00/length 0x03/3\n", Gammu,
			"bad.log:1: the log ends inside the dump of the SENDING frame of line 1 (0 of its 3 bytes read)"},
		{"gammu: a frame too big", "RECEIVED frame type 0x00/length 0xFFFFFF/16777215\n", Gammu, "bad.log:1: a frame of 16777215 bytes: at most"},
		{"gammu: messages, no frame", "[Gammu            - 1.42.0]\nSetting speed to 115200\n", Gammu,
			`bad.log:1: gammu's messages, but no frame it sent or read`},
		{"gammu: truncated", "SENDING frame type 0x00/length 0x07/7\n41A|54T|2B+|43C|53S|51Q|0D                                     AT+CSQ.\n", Gammu,
			"bad.log:2: the log ends before the final result of AT+CSQ"},
		{"ofono: malformed escape", "ofonod[1]: Aux: > AT\\r\nofonod[1]: Aux: < \\r\\nOK\\09\\r\\n\n", Ofono,
			`bad.log:2: Aux's read: malformed escape "\\09\\": gatutil writes a byte as three octal digits`},
		{"ofono: escape past a byte", "ofonod[1]: Aux: > AT\\477\\r\n", Ofono, "bad.log:1: Aux's write: malformed escape"},
		{"ofono: truncated", "ofonod[1]: Aux: > AT+CSQ\\r\nofonod[1]: Aux: < \\r\\n+CSQ: 2", Ofono,
			"bad.log:1: the log ends before the final result of AT+CSQ"},
		{"ofono: no AT traffic", "ofonod[1]: oFono version 1.34\nofonod[1]: src/modem.c:ofono_modem_register() 0x1\n", Ofono,
			"bad.log:1: oFono's lines, but no AT channel's traffic"},
		{"ofono: mixed clocks", "00:00:01 ofonod[1]: Aux: > AT\\r\nMar 02 10:00:01 h ofonod[1]: Aux: < \\r\\nOK\\r\\n\n", Ofono,
			"bad.log:2: a time without a year among relative times (from line 1)"},
		{"ofono: out of order", "Mar 02 10:00:05 h ofonod[1]: Aux: > AT\\r\nMar 02 10:00:01 h ofonod[1]: Aux: < \\r\\nOK\\r\\n\n", Ofono,
			"bad.log:2: time Mar 02 10:00:01.000000 is before the Mar 02 10:00:05.000000 of line 1: timestamps out of order"},
		{"chat: send without its parenthesis", "chat[1]: send (AT+CGLA=1,16,\"81E2\nchat[1]: expect (OK)\n", Chat,
			"bad.log:1: send without its closing parenthesis"},
		{"chat: send ending in a backslash", "chat[1]: send (AT\\)\nchat[1]: expect (OK)\n", Chat, "bad.log:1: send: malformed escape"},
		{"chat: expect without its parenthesis", "chat[1]: send (AT^M)\nchat[1]: expect (OK\n", Chat, "bad.log:2: expect without its closing parenthesis"},
		{"chat: truncated", "chat[1]: send (AT+CSQ^M)\nchat[1]: expect (OK)\nchat[1]: ^M\n", Chat,
			"bad.log:1: the log ends before the final result of AT+CSQ"},
		{"chat: nothing sent", "chat[1]: timeout set to 5 seconds\nchat[1]: abort on (BUSY)\n", Chat, "bad.log:1: chat's lines, but nothing it sent"},
		// gammu-smsd's own messages, no frame: gammu's all the same.
		{"gammu-smsd without a frame", "Tue 2019/12/17 08:07:14 gammu-smsd[14026]: gammu: Parsing +CPIN: READY with +CPIN: @r\nTue 2019/12/17 08:07:15 gammu-smsd[14026]: gammu: Leaving GSM_GetSecurityStatus\n", "",
			"bad.log:1: gammu's messages, but no frame it sent or read"},
		// Only what it read, in syslog: chat's by its caret notation.
		{"chat: what it read alone", "Sep  6 08:02:58 pi chat[1]: AT+CREG?^M^M\nSep  6 08:02:58 pi chat[1]: ERROR^M\n", "",
			"bad.log:1: chat's lines, but nothing it sent"},
		{"chat: out of order", "Dec  2 10:15:05 gw chat[1]: send (AT^M)\nDec  2 10:15:02 gw chat[1]: expect (OK)\n", Chat,
			"bad.log:2: time Dec 02 10:15:02.000000 is before"},
		{"platform: cut", "{\"total\":1,\"entries\":[{\"index\":0,\"t\":\"2026-03-02T10:00:00Z\",\"meth", Platform,
			"the log is cut off inside a JSON value that starts on line 1"},
		{"platform: unknown field", "{\"index\":0,\"t\":\"2026-03-02T10:00:00Z\",\"method\":\"POST\",\"path\":\"/v1/x\",\"status\":200,\"colour\":1}\n", Platform,
			`bad.log:1: request entry: unknown member "colour"`},
		{"platform: member in another case", "{\"index\":0,\"t\":\"2026-03-02T10:00:00Z\",\"method\":\"POST\",\"path\":\"/v1/x\",\"Status\":200}\n", Platform,
			`bad.log:1: request entry: unknown member "Status"; did you mean "status"?`},
		{"platform: out of order", "{\"t\":\"2026-03-02T10:00:05Z\",\"method\":\"POST\",\"path\":\"/v1/x\",\"status\":200}\n{\"t\":\"2026-03-02T10:00:01Z\",\"method\":\"POST\",\"path\":\"/v1/x\",\"status\":200}\n", Platform,
			"bad.log:2: time 2026-03-02T10:00:01Z is before the 2026-03-02T10:00:05Z of line 1"},
		{"events: cut", "{\"t\":\"2026-01-01T00:00:00Z\",\"actor\":\"harness\",\"event\":\"run_started\"}\n{\"t\":\"2026-01-01T00:00:01Z\",\"act", Events,
			"bad.log:2: the log is cut off inside an event"},
		{"events: no kind", "{\"t\":\"2026-01-01T00:00:00Z\",\"actor\":\"harness\"}\n", Events, `bad.log:1: an event wants "t" (RFC 3339), "actor" and "event"`},
		{"events: out of order", "{\"t\":\"2026-01-01T00:00:05Z\",\"actor\":\"a\",\"event\":\"x\"}\n{\"t\":\"2026-01-01T00:00:01Z\",\"actor\":\"a\",\"event\":\"x\"}\n", Events,
			"bad.log:2: time 2026-01-01T00:00:01Z is before"},
		{"platform: not JSON", "{\"t\": nope}\n", Platform, "bad.log:1: not JSON"},
		// Two logs pasted into one file: the second's traffic is not
		// left as notes of the first.
		{"two logs in a file: mm, then logcat", "Mar 02 10:00:01 gw ModemManager[812]: <dbg> [1772445601.105911] [ttyUSB2/at] --> 'AT<CR>'\n" +
			"Mar 02 10:00:01 gw ModemManager[812]: <dbg> [1772445601.109011] [ttyUSB2/at] <-- '<CR><LF>OK<CR><LF>'\n" +
			"12-02 10:00:01.000  1520  1544 D use-Rlog/RLOG-AT: AT> AT+CPIN?\n12-02 10:00:01.020  1520  1545 D use-Rlog/RLOG-AT: AT< OK\n", "",
			"bad.log:3: a line of logcat's, in a log read as mm (its lines from line 1): a file of two logs is not read as one; put each in a file of its own"},
		{"two logs in a file: lpac, then mm", "AT_DEBUG: AT\nAT_DEBUG: OK\n" +
			"Mar 02 10:00:01 gw ModemManager[812]: <dbg> [1772445601.105911] [ttyUSB2/at] --> 'AT<CR>'\n", "",
			"bad.log:3: a line of mm's, in a log read as lpac (its lines from line 1)"},
		{"two logs in a file, the format given", "Mar 02 10:00:01 gw ModemManager[812]: <dbg> [1772445601.105911] [ttyUSB2/at] --> 'AT<CR>'\n" +
			"Mar 02 10:00:01 gw ModemManager[812]: <dbg> [1772445601.109011] [ttyUSB2/at] <-- '<CR><LF>OK<CR><LF>'\n" +
			"12-02 10:00:01.000  1520  1544 D use-Rlog/RLOG-AT: AT> AT+CPIN?\n", MM,
			"bad.log:3: a line of logcat's, in a log read as mm"},
		// A plain transcript has no marker that decides at once: after a
		// journal it was notes, and before one detection took the journal.
		{"two logs in a file: mm, then plain", mmTwo + plainTwo, "",
			"bad.log:3: a line of plain's, in a log read as mm (its lines from line 1): a file of two logs is not read as one"},
		{"two logs in a file: plain, then mm", plainTwo + mmTwo, "",
			"bad.log:4: a line of mm's, after plain's lines (from line 1): a file of two logs is not read as one"},
		{"two logs in a file: plain with TX/RX markers, then mm", "TX: AT+CSQ\nRX: +CSQ: 20,99\nRX: OK\n" + mmTwo, "",
			"bad.log:4: a line of mm's, after plain's lines (from line 1)"},
		// The journal cut after a command: not a log that ends there.
		{"two logs in a file: mm cut after a command, then plain", mmTwo + mmCmd + plainTwo, "",
			"bad.log:4: a line of plain's, in a log read as mm (its lines from line 1)"},
		{"two logs in a file: plain, then mm cut after a command", plainTwo + mmTwo + mmCmd, "",
			"bad.log:4: a line of mm's, after plain's lines (from line 1)"},
		// Past what detection looks at, the journal went on as the
		// modem's text.
		{"two logs in a file: a long plain log, then mm", strings.Repeat(plainTwo, sniffLines) + mmTwo, "",
			fmt.Sprintf("bad.log:%d: a line of mm's, in a log read as plain (its lines from line 1)", 3*sniffLines+1)},
		{"two logs in a file: mm, then plain, the format given", mmTwo + plainTwo, MM,
			"bad.log:3: a line of plain's, in a log read as mm"},
		// A terminal session (minicom, a forum paste) has no marker
		// either: its typed command line and the modem's final result,
		// bare, among a daemon's notes (outside tester t79 F2).
		{"two logs in a file: terminal, then lpac", termTwo + "AT_DEBUG: AT\nAT_DEBUG: OK\n", "",
			"bad.log:7: a line of lpac's, after terminal's lines (from line 1): a file of two logs is not read as one"},
		{"two logs in a file: terminal, then mm", termTwo + mmTwo, "",
			"bad.log:7: a line of mm's, after terminal's lines (from line 1)"},
		{"two logs in a file: mm, then terminal", mmTwo + termTwo, "",
			"bad.log:3: a line of terminal's, in a log read as mm (its lines from line 1)"},
		{"two logs in a file: mm, then a stamped terminal", mmTwo + "[10:00:01.100] AT+CPIN?\n[10:00:01.130] +CPIN: READY\n[10:00:01.131] OK\n", "",
			"bad.log:3: a line of terminal's, in a log read as mm (its lines from line 1)"},
		{"two logs in a file: gammu, then terminal", gammuTwo + termTwo, "",
			"bad.log:6: a line of terminal's, in a log read as gammu (its lines from line 2)"},
		{"two logs in a file: terminal, then gammu", termTwo + gammuTwo, "",
			"bad.log:8: a line of gammu's, after terminal's lines (from line 1)"},
		{"two logs in a file: terminal, then chat", termTwo + chatTwo, "",
			"bad.log:7: a line of chat's, after terminal's lines (from line 1)"},
		{"two logs in a file: mm cut after a command, then terminal", mmTwo + mmCmd + termTwo, "",
			"bad.log:4: a line of terminal's, in a log read as mm (its lines from line 1)"},
		{"two logs in a file: terminal, then lpac cut after a command", termTwo + "AT_DEBUG: AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\n", "",
			"bad.log:7: a line of lpac's, after terminal's lines (from line 1)"},
		// Blanks V.250 ignores in what was typed (§5.1: "AT+CCHO= \"…\"",
		// after a comma, after a semicolon, after AT) (outside tester t83).
		{"two logs in a file: terminal typed with a blank after =, then lpac", "AT+CCHO= \"A0000005591010FFFFFFFF8900000100\"\n+CME ERROR: 3\n" +
			"AT_DEBUG: AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\nAT_DEBUG: +CME ERROR: Parameters error\n", "",
			"bad.log:3: a line of lpac's, after terminal's lines (from line 1)"},
		{"two logs in a file: mm, then terminal typed with blanks after commas", mmTwo + "AT+CGLA=1, 10, \"81F2000000\"\n+CME ERROR: 21\n", "",
			"bad.log:3: a line of terminal's, in a log read as mm (its lines from line 1)"},
		{"two logs in a file: mm, then terminal typed with a blank after ;", mmTwo + "at+csq; +cpin?\n+CSQ: 20,99\n+CPIN: READY\nOK\n", "",
			"bad.log:3: a line of terminal's, in a log read as mm (its lines from line 1)"},
		{"two logs in a file: mm, then terminal typed with a blank after AT", mmTwo + "AT +CPIN?\n+CPIN: READY\nOK\n", "",
			"bad.log:3: a line of terminal's, in a log read as mm (its lines from line 1)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("bad.log", []byte(tc.data), tc.format)
			if err == nil {
				t.Fatalf("no error; transcript %+v", tr)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\n  does not contain %q", err, tc.want)
			}
			if tr != nil {
				t.Errorf("a transcript came with the error")
			}
		})
	}
}

// Halves of a file of two logs (TestBadInput): a journal's exchange, a
// command it was cut after, a plain transcript's exchange, a terminal
// session's, gammu's and chat's.
const (
	mmTwo     = "Nov 21 06:10:02 rtr-11 ModemManager[702]: <debug> [1795241402.120101] [ttyUSB2/at] --> 'AT+CMEE=1<CR>'\nNov 21 06:10:02 rtr-11 ModemManager[702]: <debug> [1795241402.124430] [ttyUSB2/at] <-- '<CR><LF>OK<CR><LF>'\n"
	mmCmd     = "Nov 21 06:10:02 rtr-11 ModemManager[702]: <debug> [1795241402.140010] [ttyUSB2/at] --> 'AT!ICCID?<CR>'\n"
	plainTwo  = "[2026-11-20 09:14:00.101] > AT+CEREG=2\n[2026-11-20 09:14:00.109] < OK\n[2026-11-20 09:14:00.110] < +CEREG: 2\n"
	termTwo   = "AT\nAT\nOK\nAT+CRSM=176,12258,0,0,10\nAT+CRSM=176,12258,0,0,10\n+CME ERROR: 3\n"
	gammuTwo  = gammuSend + gammuReceived
	gammuSend = "gammu: SENDING frame type 0x00/length 0x09/9\n" +
		"gammu: 41A|54T|2B+|43C|50P|49I|4EN|3F?|0D                              AT+CPIN?.\n"
	gammuReceived = "gammu: RECEIVED frame type 0x00/length 0x1F/31\n" +
		"gammu: 41A|54T|2B+|43C|50P|49I|4EN|3F?|0D |0D |0A |2B+|43C|50P|49I|4EN AT+CPIN?...+CPIN\n" +
		"gammu: 3A:|20 |52R|45E|41A|44D|59Y|0D |0A |0D |0A |4FO|4BK|0D |0A      : READY....OK..\n"
	chatTwo = "Oct 12 23:47:20 sonic chat[23140]: send (ATZ^M)\nOct 12 23:47:20 sonic chat[23140]: expect (OK)\n" +
		"Oct 12 23:47:21 sonic chat[23140]: ATZ^M^M\nOct 12 23:47:21 sonic chat[23140]: OK\nOct 12 23:47:21 sonic chat[23140]:  -- got it\n"
)

// TestOneLogNamingCommands: a log whose notes name AT commands, or whose
// lines look like a transcript's in a format that has them, is one log.
func TestOneLogNamingCommands(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		format    Format
	}{
		{"mm notes naming commands", "Nov 21 06:10:02 rtr-11 ModemManager[702]: <warn>  [modem0] couldn't load IMEI: AT+CGSN failed\n" +
			"<warn>  [modem0] > AT+CGSN gave no answer\n" + mmTwo, MM},
		{"lpac after a shell prompt", "root@OpenWrt:~# lpac chip info > AT.txt\nAT_DEBUG: AT\nAT_DEBUG: OK\n", LPAC},
		{"plain notes of commands", "# > AT+CSQ, typed by hand\n> AT+CSQ\n< +CSQ: 20,99\n< OK\n", Plain},
		// gammu's parser notes start with "AT" and name results; a
		// daemon's bare command or result alone is no terminal session.
		{"gammu's parser notes", gammuSend + "gammu: 1 \"AT+CPIN?\"\ngammu: 2 \"OK\"\ngammu: Checking line: OK\ngammu: AT reply state: 1\n" + gammuReceived, Gammu},
		{"lpac with a bare OK of its own", "AT_DEBUG: AT\nAT_DEBUG: OK\nOK\n", LPAC},
		{"mm with a bare command line, then its own", "AT+CGSN\n" + mmTwo + "OK\n", MM},
		{"mm notes of a command and OK, with words", mmTwo + "AT command sent\nOK then\n", MM},
		// Words after "AT" are a note's, not a typed command's blanks.
		{"mm notes of a command in words, then OK", mmTwo + "AT command sent\nOK\n", MM},
		{"gammu's parser note, then OK", gammuSend + "gammu: AT reply state: 1\nOK\n" + gammuReceived, Gammu},
		{"mm note of a read in words, then OK", mmTwo + "AT+CPIN? is sent\nOK\n", MM},
		{"at.log", "2026-01-01T00:00:00Z > AT+CSQ\n2026-01-01T00:00:00Z < +CSQ: 20,99\n2026-01-01T00:00:00Z < OK\n2026-01-01T00:00:01Z # > AT+CSQ\n", ATLog},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("one.log", []byte(tc.log), "")
			if err != nil {
				t.Fatal(err)
			}
			if tr.Format != tc.format {
				t.Errorf("format %s, want %s", tr.Format, tc.format)
			}
		})
	}
}

// TestLimits: an overlong line and an oversized log are refused at once.
func TestLimits(t *testing.T) {
	long := "> AT" + strings.Repeat("A", MaxLine) + "\n"
	if _, err := Read("big.log", []byte(long), Plain); err == nil || !strings.Contains(err.Error(), "big.log:1: line of") {
		t.Errorf("overlong line: %v", err)
	}
	// At the bound, its end not counted: CRLF as LF (r65 #7). The bound
	// is the line splitter's, whatever the line says: one argument, not
	// "AT" and a million basic commands A, a million commands to parse
	// for nothing this test looks at (BenchmarkReadCommandLine times
	// such lines).
	for _, end := range []string{"\n", "\r\n"} {
		const cmd = "> AT+X="
		at := cmd + strings.Repeat("A", MaxLine-len(cmd)) + end
		if _, err := Read("big.log", []byte(at), Plain); err != nil && strings.Contains(err.Error(), "line of") {
			t.Errorf("a line of %d bytes ending %q: %v", MaxLine, end, err)
		}
	}
	for _, f := range []struct {
		format Format
		line   string
	}{{Ofono, "ofonod[1]: Aux: > AT"}, {Chat, "chat[1]: send (AT"}} {
		long := f.line + strings.Repeat("A", MaxLine) + "\n"
		if _, err := Read("big.log", []byte(long), f.format); err == nil || !strings.Contains(err.Error(), "big.log:1: line of") {
			t.Errorf("%s: overlong line: %v", f.format, err)
		}
	}
	huge := make([]byte, MaxFile+1)
	if _, err := Read("huge.log", huge, Plain); err == nil || !strings.Contains(err.Error(), "more than the") {
		t.Errorf("oversized log: %v", err)
	}
	// Too many lines, within the size: refused saying how to cut the
	// log, as an oversized one is (outside tester sw115: no advice).
	many := strings.Repeat("> AT\n< OK\n", MaxEntries/2+1)
	want := "many.log:1048577: more than 1048576 lines: keep the part around the failure (plain: its lines from a command to a final result, sed -n 'FROM,TOp')"
	if _, err := Read("many.log", []byte(many), ""); err == nil || err.Error() != want {
		t.Errorf("too many lines: %v\nwant %s", err, want)
	}
}

// TestTooBigHint: a log over MaxFile is refused with a way to cut it
// that fits its format, read from its head; a general one when the head
// reads as no format. A file is only stat'ed and its head read: a sparse
// one will do.
func TestTooBigHint(t *testing.T) {
	const keep = "more than the 33554432 a log may have: keep the part around the failure"
	data := make([]byte, MaxFile+1)
	for _, tc := range []struct {
		name, head string
		format     Format
		want       string // the end of the error
	}{
		{"plain", plainTwo, "", keep + " (plain: its lines from a command to a final result, sed -n 'FROM,TOp')"},
		{"plain, given as terminal", "AT+CSQ\n+CSQ: 20,99\n\nOK\n", Terminal, keep + " (terminal: its lines from a command to a final result, sed -n 'FROM,TOp')"},
		{"mm", mmTwo, "", keep + " (a ModemManager log: its lines around the failure, journalctl --since … --until …)"},
		{"logcat", "12-02 10:00:01.000  1520  1544 D use-Rlog/RLOG-AT: AT> AT+CPIN?\n12-02 10:00:01.020  1520  1545 D use-Rlog/RLOG-AT: AT< OK\n", "",
			keep + " (an Android radio log: the RIL's lines alone, grep 'AT[<>] ')"},
		{"lpac", "AT_DEBUG: AT\nAT_DEBUG: OK\n", "", keep + " (lpac's output: one run, without LIBEUICC_DEBUG_HTTP, whose lines carry whole profile packages)"},
		{"socat", "> 2026/11/23 10:21:04.000100203  length=4 from=0 to=3\nATI\\r\n", "", keep + " (a socat dump: from a transfer's header on; -v alone is a fraction of -v -x)"},
		{"no known format", "hello\nworld\n", "", keep},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "big.log")
			if err := os.WriteFile(path, []byte(tc.head), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(path, MaxFile+1); err != nil {
				t.Fatal(err)
			}
			_, err := ReadFile(path, tc.format)
			if err == nil || !strings.HasSuffix(err.Error(), tc.want) {
				t.Errorf("ReadFile: error %v\nwant it to end %q", err, tc.want)
			}
			clear(data)
			copy(data, tc.head)
			_, err = Read("big.log", data, tc.format)
			if err == nil || !strings.HasSuffix(err.Error(), tc.want) {
				t.Errorf("Read: error %v\nwant it to end %q", err, tc.want)
			}
		})
	}
}

// TestScale: a big log of every format reads in linear time (a quadratic
// step would take minutes on these). Nothing in a reader is concurrent, and
// under -race the 360,000 lines take four minutes instead of fifteen
// seconds: make test runs it without -race, after the unit run.
func TestScale(t *testing.T) {
	if raceDetector {
		t.Skip("a single goroutine's work at scale: make test runs it without -race")
	}
	const n = 40000
	var plain, mm, platform, sscom, qcom, logcat, gammu, ofono, luat, chat, zephyr, espidf strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&plain, "> AT+CGLA=%d,16,\"81E2910003BF2D00\"\n< +CGLA: 4,\"6A88\"\n< OK\n", i%4000)
		fmt.Fprintf(&mm, "<dbg> [%d.000001] [ttyUSB2/at] --> 'AT+CSQ<CR>'\n<dbg> [%d.000002] [ttyUSB2/at] <-- '<CR><LF>+CSQ: 20,99<CR><LF><CR><LF>OK<CR><LF>'\n", 1772445601+i, 1772445601+i)
		fmt.Fprintf(&platform, "{\"t\":\"2026-03-02T10:00:00Z\",\"method\":\"POST\",\"path\":\"/v1/x\",\"status\":200}\n")
		// Over a day: the times of day pass midnight.
		at := time.Duration(i) * 3 * time.Second
		fmt.Fprintf(&sscom, "[%s]发→◇AT+CSQ  //信号\r\n□\r\n[%s]收←◆AT+CSQ\r\n\r\n+CSQ: 20,\r\n[%s]收←◆99\r\n\r\nOK\r\n\r\n",
			time.Time{}.Add(at).Format("15:04:05.000"), time.Time{}.Add(at+time.Millisecond).Format("15:04:05.000"), time.Time{}.Add(at+2*time.Millisecond).Format("15:04:05.000"))
		q := time.Date(2019, 1, 31, 3, 12, 5, 0, time.UTC).Add(at)
		fmt.Fprintf(&qcom, "[%s:000_S:] AT+CSQ\r\n[%s:031_R:] +CSQ: 20,99\r\n\r\n[%s:032_R:] OK\r\n", q.Format(time.DateTime), q.Format(time.DateTime), q.Format(time.DateTime))
		l := q.Format("01-02 15:04:05")
		fmt.Fprintf(&logcat, "%s.000  1520  1544 D AT      : AT> AT+CSQ\n%s.031  1520  1545 D AT      : AT< +CSQ: 20,99\n%s.032  2811  2851 D RILJ    : [%04d]< SIGNAL_STRENGTH\n%s.033  1520  1545 D AT      : AT< OK\n", l, l, l, i%10000, l)
		g := q.Format("Mon 2006/01/02 15:04:05: ")
		fmt.Fprintf(&gammu, "%sSENDING frame type 0x00/length 0x07/7\n%s41A|54T|2B+|43C|53S|51Q|0D                                     AT+CSQ.\n%s1 \"AT+CSQ\"\n"+
			"%sRECEIVED frame type 0x00/length 0x1C/28\n%s41A|54T|2B+|43C|53S|51Q|0D |0D |0A |2B+|43C|53S|51Q|3A:|20 |32 AT+CSQ...+CSQ: 2\n"+
			"%s300|2C,|399|399|0D |0A |0D |0A |4FO|4BK|0D |0A                 0,99....OK..\n%sSignal quality info received\n", g, g, g, g, g, g, g)
		j := q.Format(time.Stamp)
		fmt.Fprintf(&ofono, "%s gw ofonod[4140]: Aux: > AT+CSQ\\r\n%s gw ofonod[4140]: drivers/atmodem/network-registration.c:csq_cb() ok\n%s gw ofonod[4140]: Aux: < \\r\\n+CSQ: 20,99\\r\\n\\r\\nOK\\r\\n\n", j, j, j)
		s := q.Format("[2006-01-02 15:04:05")
		fmt.Fprintf(&luat, "%s.000] [I]-[ril.sendat] AT+CSQ\n%s.031] [I]-[ril.proatc] +CSQ: 20,99\n%s.032] [I]-[net.csq] 20\n%s.033] [I]-[ril.proatc] OK\n", s, s, s, s)
		z := fmt.Sprintf("[%02d:%02d:%02d.%03d,000]", int(at.Hours()), int(at.Minutes())%60, int(at.Seconds())%60, i%1000)
		fmt.Fprintf(&zephyr, "%s <dbg> modem_chat: modem_chat_script_next: sending: AT+CSQ\n%s <dbg> modem_chat: modem_chat_log_received_command: +CSQ:  20 99\n%s <dbg> modem_cellular: modem_cellular_chat_on_csq: rssi 20\n%s <dbg> modem_chat: modem_chat_log_received_command: OK\n", z, z, z, z)
		ms := int(at / time.Millisecond)
		fmt.Fprintf(&espidf, "D (%d) esp-modem: writing:\nD (%d) esp-modem: 0x3f404a04   41 54 2b 43 53 51 0d   |AT+CSQ.|\nD (%d) uart-rx: 0x3ffb9be4   0d 0a 2b 43 53 51 3a 20  32 30 2c 39 39 0d 0a 0d  |..+CSQ: 20,99...|\nD (%d) uart-rx: 0x3ffb9bf4   0a 4f 4b 0d 0a   |.OK..|\n", ms, ms, ms+40, ms+40)
		fmt.Fprintf(&chat, "%s gw chat[6514]: send (AT+CSQ^M)\n%s gw chat[6514]: expect (OK)\n%s gw chat[6514]: ^M\n%s gw chat[6514]: AT+CSQ^M^M\n%s gw chat[6514]: +CSQ: 20,99^M\n%s gw chat[6514]: ^M\n%s gw chat[6514]: OK\n%s gw chat[6514]:  -- got it\n", j, j, j, j, j, j, j, j)
	}
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(sscom.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		f    Format
		data string
	}{{Plain, plain.String()}, {MM, mm.String()}, {Platform, platform.String()}, {SSCOM, gbk}, {QCOM, qcom.String()}, {Logcat, logcat.String()}, {Gammu, gammu.String()}, {Ofono, ofono.String()}, {Luat, luat.String()}, {Chat, chat.String()}, {Zephyr, zephyr.String()}, {ESPIDF, espidf.String()}} {
		tr, err := Read("big.log", []byte(tc.data), tc.f)
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.Render(io.Discard); err != nil {
			t.Fatal(err)
		}
	}
}

// TestByteOrderMarks: a log saved with a byte order mark reads as the same
// log without one — UTF-8's (Notepad) and UTF-16's, little or big endian
// (PowerShell's ">" writes UTF-16LE), or UTF-16 of ASCII text without
// one — in every format, first line included.
func TestByteOrderMarks(t *testing.T) {
	utf16 := func(bigEndian bool, s string) string {
		var b strings.Builder
		bom := []byte{0xFF, 0xFE}
		if bigEndian {
			bom = []byte{0xFE, 0xFF}
		}
		b.Write(bom)
		for _, r := range s { // ASCII here: one unit each
			if bigEndian {
				b.Write([]byte{0, byte(r)})
			} else {
				b.Write([]byte{byte(r), 0})
			}
		}
		return b.String()
	}
	for _, log := range []string{
		"> AT+CSQ\r\n< +CSQ: 20,99\r\n< OK\r\n",
		"AT_DEBUG: AT+CCHO=?\nAT_DEBUG: \nAT_DEBUG: OK\n",
		"AT+CSQ\r\r\n+CSQ: 20,99\r\n\r\nOK\r\n",
		"[2019-01-31 03:12:05:246_S:] AT+CSQ\r\n[2019-01-31 03:12:05:277_R:] +CSQ: 20,99\r\n[2019-01-31 03:12:05:277_R:] OK\r\n",
	} {
		want := render(t, log)
		for name, data := range map[string]string{
			"UTF-8 BOM":    "\xEF\xBB\xBF" + log,
			"UTF-16LE BOM": utf16(false, log),
			"UTF-16BE BOM": utf16(true, log),
			// Without its mark (a tool's "Unicode" save): text in ASCII
			// shows by its zero bytes.
			"UTF-16LE": utf16(false, log)[2:],
			"UTF-16BE": utf16(true, log)[2:],
		} {
			if got := render(t, data); got != want {
				t.Errorf("%s of %q reads\n%s\nwant\n%s", name, log, got, want)
			}
		}
	}
}

// TestCROnlyLineEnds: a log saved with CR-only line ends (classic Mac OS,
// some serial tools) reads, numbered, as the same log with LF or CR LF.
func TestCROnlyLineEnds(t *testing.T) {
	for _, lines := range [][]string{
		{"AT+CPIN?", "+CPIN: READY", "", "OK", "AT+CSQ", "+CSQ: 20,99", "", "OK"},                                                  // terminal
		{"[12.001] > AT+CSQ", "[12.010] < +CSQ: 20,99", "[12.011] < OK"},                                                           // plain
		{"AT_DEBUG_TX(0.1): AT+CSQ", "AT_DEBUG_RX(0.2): +CSQ: 20,99", "AT_DEBUG_RX(0.3): OK"},                                      // lpac
		{"[2019-01-31 03:12:05:246_S:] AT+CSQ", "[2019-01-31 03:12:05:277_R:] +CSQ: 20,99", "", "[2019-01-31 03:12:05:277_R:] OK"}, // qcom
		{"[10:00:00.000]发→◇AT+CSQ", "□", "[10:00:00.010]收←◆AT+CSQ", "", "+CSQ: 20,99", "", "OK", ""},                               // sscom
	} {
		want := render(t, strings.Join(lines, "\n")+"\n")
		for _, end := range []string{"\r\n", "\r"} {
			if got := render(t, strings.Join(lines, end)+end); got != want {
				t.Errorf("line ends %q: %q reads\n%s\nwant\n%s", end, lines, got, want)
			}
		}
	}
}

func render(t *testing.T, data string) string {
	t.Helper()
	tr, err := Read("bom.log", []byte(data), "")
	if err != nil {
		t.Fatalf("%q: %v", data, err)
	}
	var b strings.Builder
	if err := tr.Render(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestBootURCsDuringACommand: a module's boot URCs that arrive while a
// command awaits its final result (RDY, SMS DONE, PB DONE, *ATREADY: 1)
// are URCs, not the command's answer.
func TestBootURCsDuringACommand(t *testing.T) {
	tr, err := Read("boot.log", []byte("> AT+CSQ\n< SMS DONE\n< *ATREADY: 1\n< +CSQ: 20,99\n< PB DONE\n< OK\n"), Plain)
	if err != nil {
		t.Fatal(err)
	}
	var roles []string
	for _, e := range tr.Entries {
		roles = append(roles, e.Role.String()+" "+e.Text)
	}
	want := []string{"command AT+CSQ", "urc SMS DONE", "urc *ATREADY: 1", "info +CSQ: 20,99", "urc PB DONE", "final OK"}
	if strings.Join(roles, "|") != strings.Join(want, "|") {
		t.Errorf("entries %q, want %q", roles, want)
	}
}

// TestLPACModemSilent: a modem that stopped answering leaves lpac's
// command without a final result, and lpac (reading with a timeout) goes
// on to the next: fewer results than commands is the failure the log
// shows, not output captured out of order.
func TestLPACModemSilent(t *testing.T) {
	log := "AT_DEBUG_TX: AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\nAT_DEBUG_RX: +CCHO: 1\nAT_DEBUG_RX: OK\n" +
		"AT_DEBUG_TX: AT+CGLA=1,22,\"81E2910006BF3E035C015A\"\nAT_DEBUG_TX: AT+CCHC=1\nAT_DEBUG_RX: OK\n"
	tr, err := Read("silent.log", []byte(log), LPAC)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tr.Answer(3)); n != 0 {
		t.Errorf("the unanswered +CGLA has %d answer lines", n)
	}
}

// TestIndentedLog: a log pasted indented — a Markdown code block's four
// spaces, a tab — reads as the same log without the indentation, its
// lines numbered as in the file. (A ModemManager log reads indented as it
// is: its markers are found anywhere in a line.)
func TestIndentedLog(t *testing.T) {
	for _, name := range []string{"lpac-txrx.log", "plain-ts.log", "terminal-minicom.log", "socat-v.log", "strace-f.log", "jpnevulator-plain.log", "sscom-echo.log", "qcom.log"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		want := render(t, string(data))
		for _, ind := range []string{"    ", "\t"} {
			var b strings.Builder
			for l := range strings.Lines(string(data)) {
				if strings.TrimSpace(l) != "" {
					b.WriteString(ind)
				}
				b.WriteString(l)
			}
			if got := render(t, b.String()); got != want {
				t.Errorf("%s indented by %q reads\n%s\nwant\n%s", name, ind, got, want)
			}
		}
	}
}

// TestMMStampWithoutFraction: ModemManager's stamp in whole seconds reads
// as its time, and the log as ModemManager's, not as a "<" transcript.
func TestMMStampWithoutFraction(t *testing.T) {
	log := "<debug> [1772445601] (ttyUSB3): --> 'ATI<CR>'\n<debug> [1772445602] (ttyUSB3): <-- '<CR><LF>EM7511<CR><LF><CR><LF>OK<CR><LF>'\n"
	tr, err := Read("mm.log", []byte(log), "")
	if err != nil {
		t.Fatal(err)
	}
	if tr.Format != MM || len(tr.Entries) != 3 || tr.Entries[2].Time.Sub(tr.Entries[0].Time) != time.Second {
		t.Errorf("format %s, %d entries: %+v", tr.Format, len(tr.Entries), tr.Entries)
	}
}

// TestIndentedModemManagerTimes: a ModemManager log pasted indented keeps
// the times of its syslog prefix.
func TestIndentedModemManagerTimes(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "mm-legacy.log"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := Read("mm.log", data, MM)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for l := range strings.Lines(string(data)) {
		b.WriteString("    " + l)
	}
	got, err := Read("mm.log", []byte(b.String()), MM)
	if err != nil {
		t.Fatal(err)
	}
	if got.Clock != want.Clock || len(got.Entries) != len(want.Entries) {
		t.Fatalf("clock %s, %d entries; want %s, %d", got.Clock, len(got.Entries), want.Clock, len(want.Entries))
	}
	for i := range want.Entries {
		if !got.Entries[i].Time.Equal(want.Entries[i].Time) {
			t.Errorf("entry %d (line %d): time %v, want %v", i, want.Entries[i].Line, got.Entries[i].Time, want.Entries[i].Time)
		}
	}
}

// TestQuotedLog: a log quoted in a reply — GitHub's "Quote reply", a
// mail's "> " or ">> ", a blank line quoted as ">" — reads as the same
// log without its quote marks, its lines numbered as in the file: read
// as a plain transcript it would be the host's lines alone.
func TestQuotedLog(t *testing.T) {
	for _, name := range []string{"lpac-old.log", "lpac-txrx.log", "plain.log", "plain-ts.log", "terminal-minicom.log", "socat-v.log", "chat-stderr.log", "gammu-text.log"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		want := render(t, string(data))
		for _, q := range []string{"> ", ">> ", ">"} {
			var b strings.Builder
			for l := range strings.Lines(string(data)) {
				if strings.TrimSpace(l) == "" {
					b.WriteString(strings.TrimSpace(q)) // a blank line, quoted
				} else {
					b.WriteString(q)
				}
				b.WriteString(l)
			}
			if got := render(t, b.String()); got != want {
				t.Errorf("%s quoted with %q reads\n%s\nwant\n%s", name, q, got, want)
			}
		}
	}
}

// A log named in the format it is detected as reads the same either way,
// a gammu excerpt that begins inside an answer (notes only) too.
func TestNamedAsDetected(t *testing.T) {
	const excerpt = "Mon 2017/01/23 13:42:29: 41A|54T|2B+|43C|53S|51Q|0D                                      AT+CSQ.\n" +
		"Mon 2017/01/23 13:42:29: Checking line: OK\nMon 2017/01/23 13:42:29: AT reply state: 1\n" +
		"Mon 2017/01/23 13:42:29: RECEIVED frame type 0x00/length 0x06/6\n" +
		"Mon 2017/01/23 13:42:29: 0D |0A |4FO|4BK|0D |0A                                        ..OK..\n"
	detected, err := Read("e.log", []byte(excerpt), "")
	if err != nil || detected.Format != Gammu {
		t.Fatalf("detected: %v, %v", detected, err)
	}
	named, err := Read("e.log", []byte(excerpt), Gammu)
	if err != nil {
		t.Fatalf("named gammu: %v", err)
	}
	var a, b strings.Builder
	if err := detected.Render(&a); err != nil {
		t.Fatal(err)
	}
	if err := named.Render(&b); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Errorf("named:\n%s\ndetected:\n%s", b.String(), a.String())
	}
}
