package fieldlog

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestZephyrWire: modem_chat logs a line it read as the arguments it
// parsed, joined by blanks, the match's text first; the reader puts the
// line back: the match's text, then the arguments joined with commas.
func TestZephyrWire(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"+CREG:  1 0", "+CREG: 1,0"},
		{"+CEREG:  4", "+CEREG: 4"},
		{"+CEREG:  1 \"1A2B\" \"01A2D101\" 7", `+CEREG: 1,"1A2B","01A2D101",7`},
		{`+COPS:  0 0 "Vodafone DE" 7`, `+COPS: 0,0,"Vodafone DE",7`}, // a quoted argument's blank
		{"+CEREG:  2 1  3", "+CEREG: 2,1,,3"},                         // an empty argument
		{"+CPIN:  SIM PIN", "+CPIN: SIM PIN"},                         // words of one argument
		{"+CPIN:  PH-SIM PIN", "+CPIN: PH-SIM PIN"},
		{"+CME ERROR:  SIM not inserted", "+CME ERROR: SIM not inserted"},
		{"OK", "OK"},
		{"ERROR", "ERROR"},
		{"+CPIN: READY", "+CPIN: READY"},                  // a match that took the line whole
		{"+CME ERROR: 10", "+CME ERROR: 10"},              // an unmatched line, logged whole
		{"+CME ERROR : 10", "+CME ERROR: 10"},             // "+CME ERROR" took ": 10" as one argument
		{" 89490200001234567892", "89490200001234567892"}, // a catch-all match: "" then the line
		{" +CGSN: 867", "+CGSN: 867"},
	} {
		if got := zephyrWire(tc.in); got != tc.want {
			t.Errorf("zephyrWire(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestZephyrEntries: the lines people post in Zephyr's issues read into
// the conversation: commands, information text, finals, URCs, notes, the
// script's timeout giving up on the pending command; prompts stripped,
// times since boot.
func TestZephyrEntries(t *testing.T) {
	log := "*** Booting Zephyr OS build v3.7.0 ***\n" +
		"[00:00:12.532,000] <dbg> modem_chat: modem_chat_script_next: simcom_sim7080_init_chat_script: step: 6\n" +
		"[00:00:12.532,000] <dbg> modem_chat: modem_chat_script_next: sending: AT+CMEE=1\n" +
		"[00:00:12.560,000] <dbg> modem_chat: modem_chat_log_received_command: OK\n" +
		"[00:00:12.633,000] <dbg> modem_chat: modem_chat_script_next: sending: AT+CREG?\n" +
		"[00:00:12.661,000] <dbg> modem_chat: modem_chat_log_received_command: +CREG:  1 0\n" +
		"[00:00:12.661,000] <dbg> modem_chat: modem_chat_log_received_command: OK\n" +
		"00> rtt:~$ [00:00:55.339,904] <dbg> modem_chat: modem_chat_script_next: sending: AT+CREG=1\n" +
		"uart:~$ uart:~$ [00:00:55.360,000] <dbg> modem_chat: modem_chat_log_received_command: OK\n" +
		"uart:~$ [00:01:02.735,000] <dbg> modem_chat: modem_chat_log_received_command: +CEREG:  1 1\n" +
		"[00:46:34.067,841] <dbg> modem_chat.modem_chat_log_received_command: +CEREG:  4\n" +
		"[00:46:40.250,895] <dbg> modem_chat.modem_chat_script_start: running script: quectel_bg770_dial_chat_script\n" +
		"[00:46:40.251,000] <dbg> modem_chat.modem_chat_script_next: sending: ATD*99#\n" +
		"[00:46:50.287,688] <wrn> modem_chat: quectel_bg770_dial_chat_script: timed out\n" +
		"[2603767] [INFO] Network disconnected\n" +
		"[00:46:51.000,000] <inf> modem_cellular: switch from dial to idle\n"
	if f, err := Detect("z.log", []byte(log)); err != nil || f != Zephyr {
		t.Fatalf("Detect = %q, %v; want zephyr", f, err)
	}
	tr, err := Read("z.log", []byte(log), "")
	if err != nil {
		t.Fatal(err)
	}
	if tr.Clock != Relative {
		t.Errorf("clock %s, want relative", tr.Clock)
	}
	want := []struct {
		line int
		role Role
		text string
		at   time.Duration // since boot; -1: no time
	}{
		{1, Note, "*** Booting Zephyr OS build v3.7.0 ***", -1},
		{2, Note, "<dbg> modem_chat: modem_chat_script_next: simcom_sim7080_init_chat_script: step: 6", 12532 * time.Millisecond},
		{3, Command, "AT+CMEE=1", 12532 * time.Millisecond},
		{4, Final, "OK", 12560 * time.Millisecond},
		{5, Command, "AT+CREG?", 12633 * time.Millisecond},
		{6, Info, "+CREG: 1,0", 12661 * time.Millisecond},
		{7, Final, "OK", 12661 * time.Millisecond},
		{8, Command, "AT+CREG=1", 55339904 * time.Microsecond},
		{9, Final, "OK", 55360 * time.Millisecond},
		{10, URC, "+CEREG: 1,1", 62735 * time.Millisecond},
		{11, URC, "+CEREG: 4", 46*time.Minute + 34067841*time.Microsecond},
		{12, Note, "<dbg> modem_chat.modem_chat_script_start: running script: quectel_bg770_dial_chat_script", 46*time.Minute + 40250895*time.Microsecond},
		{13, Command, "ATD*99#", 46*time.Minute + 40251*time.Millisecond},
		{14, Note, "<wrn> modem_chat: quectel_bg770_dial_chat_script: timed out", 46*time.Minute + 50287688*time.Microsecond},
		{15, Note, "[2603767] [INFO] Network disconnected", 46*time.Minute + 50287688*time.Microsecond},
		{16, Note, "<inf> modem_cellular: switch from dial to idle", 46*time.Minute + 51*time.Second},
	}
	if len(tr.Entries) != len(want) {
		for _, e := range tr.Entries {
			t.Logf("%d %s %q", e.Line, e.Role, e.Text)
		}
		t.Fatalf("%d entries, want %d", len(tr.Entries), len(want))
	}
	for i, w := range want {
		e := tr.Entries[i]
		at := time.Duration(-1)
		if !e.Time.IsZero() {
			at = e.Time.Sub(RelativeEpoch)
		}
		if e.Line != w.line || e.Role != w.role || e.Text != w.text || at != w.at {
			t.Errorf("entry %d: line %d %s %q at %s; want line %d %s %q at %s", i, e.Line, e.Role, e.Text, at, w.line, w.role, w.text, w.at)
		}
	}
	if g := tr.Entries[13].GaveUpOn; g != 13 {
		t.Errorf("the timeout gave up on line %d, want 13 (ATD*99#)", g)
	}
	if g := tr.Entries[14].GaveUpOn; g != 0 {
		t.Errorf("a note after the timeout gave up on line %d", g)
	}
}

// TestZephyrForms: debug lines without function names, an unmatched
// line modem_chat logs whole, a script that timed out with nothing
// pending, and a reboot: the clock starts again after the banner, the
// times running on.
func TestZephyrForms(t *testing.T) {
	log := "[00:00:01.000,000] <dbg> modem_chat: running script: init\n" +
		"[00:00:01.001,000] <dbg> modem_chat: init: step: 0\n" +
		"[00:00:01.001,000] <dbg> modem_chat: sending: AT+CPIN?\n" +
		"[00:00:01.020,000] <dbg> modem_chat: +CPIN:  SIM PIN\n" +
		"[00:00:01.021,000] <dbg> modem_chat: OK\n" +
		"[00:00:01.030,000] <dbg> modem_chat: sending: AT+CIMI\n" +
		"[00:00:01.050,000] <dbg> modem_chat: modem_chat_on_unknown_command_received: +CME ERROR: 11\n" +
		"[00:00:01.051,000] <wrn> modem_chat: init: aborted\n" +
		"[00:00:31.051,000] <wrn> modem_chat: init: timed out\n" +
		"*** Booting Zephyr OS build v3.7.0 ***\n" +
		"[00:00:00.500,000] <dbg> modem_chat: sending: AT\n" +
		"[00:00:00.520,000] <dbg> modem_chat: OK\n"
	tr, err := Read("z.log", []byte(log), Zephyr)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range tr.Entries {
		s := e.Role.String() + " " + e.Text
		if e.GaveUpOn > 0 {
			s += " (gave up)"
		}
		got = append(got, s)
	}
	want := "note <dbg> modem_chat: running script: init|note <dbg> modem_chat: init: step: 0|command AT+CPIN?|info +CPIN: SIM PIN|final OK|command AT+CIMI|final +CME ERROR: 11|note <wrn> modem_chat: init: aborted|note <wrn> modem_chat: init: timed out|note *** Booting Zephyr OS build v3.7.0 ***|command AT|final OK"
	if strings.Join(got, "|") != want {
		t.Errorf("entries\n got %q\nwant %q", strings.Join(got, "|"), want)
	}
	last := tr.Entries[len(tr.Entries)-1]
	if at := last.Time.Sub(RelativeEpoch); at != 31571*time.Millisecond {
		t.Errorf("after the reboot, OK at %s, want 31.571s (31.051s before the banner, 0.52s after)", at)
	}
}

// TestZephyrRawTicks: without formatted time stamps Zephyr prints its
// raw ticks ("[00012345]"), which say no time: the log reads in order,
// untimed; a colour console's escapes and a multi-domain build's domain
// ("cpuapp/") are left out.
func TestZephyrRawTicks(t *testing.T) {
	log := "[00012345] <dbg> cpuapp/modem_chat: modem_chat_script_next: sending: AT+CSQ\n" +
		"[00012350] \x1b[1;33m<wrn> modem_cellular: slow\x1b[0m\n" +
		"[00012360] <dbg> cpuapp/modem_chat: modem_chat_log_received_command: +CSQ:  20 99\n" +
		"[00012361] <dbg> cpuapp/modem_chat: modem_chat_log_received_command: OK\n"
	if f, err := Detect("z.log", []byte(log)); err != nil || f != Zephyr {
		t.Fatalf("Detect = %q, %v; want zephyr", f, err)
	}
	tr, err := Read("z.log", []byte(log), "")
	if err != nil {
		t.Fatal(err)
	}
	if tr.Clock != NoTime {
		t.Errorf("clock %s, want none", tr.Clock)
	}
	var got []string
	for _, e := range tr.Entries {
		got = append(got, e.Role.String()+" "+e.Text)
		if !e.Time.IsZero() {
			t.Errorf("line %d has a time", e.Line)
		}
	}
	if want := "command AT+CSQ|note <wrn> modem_cellular: slow|info +CSQ: 20,99|final OK"; strings.Join(got, "|") != want {
		t.Errorf("entries\n got %q\nwant %q", strings.Join(got, "|"), want)
	}
}

// TestZephyrAppPrints: an application that talks to the modem without
// modem_chat (an nRF91's, through nrf_modem_at) logs its own AT traffic:
// "AT> " what it sent, "AT< " what it read, after its message tag, with
// its label of the exchange and the time it took after the line. Those
// are the conversation; its other messages and the viewer's lone "\"
// lines are notes. Where modem_chat's records are in the log, the
// application's prints are its view of the same lines: notes.
func TestZephyrAppPrints(t *testing.T) {
	const app = "*** Booting nRF Connect SDK v2.6.0 ***\n" +
		"00> [00:00:02.210,015] <inf> cell_ctl: CELL: AT> AT+CFUN? [fun read]\n" +
		"\\\n" +
		"00> [00:00:02.212,400] <inf> cell_ctl: CELL: AT< +CFUN: 0 [fun read]\n" +
		"00> [00:00:02.212,460] <inf> cell_ctl: CELL: AT< OK [fun read] dt=2ms\n" +
		"00> [00:00:02.213,000] <inf> cell_ctl: CELL: radio is off, switching it on\n" +
		"00> [00:00:02.213,100] <dbg> cell_ctl: AT> AT+CGDCONT=1,\"IP\",\"iot [test]\"\n" +
		"00> [00:00:02.214,000] <dbg> cell_ctl: AT< OK dt=1ms\n" +
		"00> [00:00:02.300,000] <inf> cell_ctl: CELL: AT> AT+CFUN=1 [fun on]\n" +
		"00> [00:00:02.337,500] <wrn> cell_ctl: CELL: AT< ERROR [fun on] dt=37ms\n"
	const chat = "[00:00:01.000,000] <dbg> modem_chat: modem_chat_script_next: sending: AT+CSQ\n" +
		"[00:00:01.001,000] <inf> main: AT> AT+CSQ\n" +
		"[00:00:01.020,000] <dbg> modem_chat: modem_chat_log_received_command: +CSQ:  17 99\n" +
		"[00:00:01.021,000] <dbg> modem_chat: modem_chat_log_received_command: OK\n" +
		"[00:00:01.022,000] <inf> main: AT< OK\n"
	for _, tc := range []struct{ name, log, want string }{
		{"app prints", app, "note *** Booting nRF Connect SDK v2.6.0 ***|command AT+CFUN?|note \\|info +CFUN: 0|final OK|" +
			"note <inf> cell_ctl: CELL: radio is off, switching it on|command AT+CGDCONT=1,\"IP\",\"iot [test]\"|final OK|command AT+CFUN=1|final ERROR"},
		{"beside modem_chat", chat, "command AT+CSQ|note <inf> main: AT> AT+CSQ|info +CSQ: 17,99|final OK|note <inf> main: AT< OK"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if f, err := Detect("z.log", []byte(tc.log)); err != nil || f != Zephyr {
				t.Fatalf("Detect = %q, %v; want zephyr", f, err)
			}
			tr, err := Read("z.log", []byte(tc.log), "")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range tr.Entries {
				got = append(got, e.Role.String()+" "+e.Text)
			}
			if strings.Join(got, "|") != tc.want {
				t.Errorf("entries\n got %q\nwant %q", strings.Join(got, "|"), tc.want)
			}
		})
	}
}

// TestZephyrTrafficRules: what zephyrTraffic makes of each modem_chat
// message, with and without function names: "sending: " is a command
// either way (one rule), a script's own message without a name is a
// note, and any other unnamed message a line read.
func TestZephyrTrafficRules(t *testing.T) {
	for _, tc := range []struct {
		line string
		dir  Dir
		text string
	}{
		{"[00:00:01.000,000] <dbg> modem_chat: modem_chat_script_next: sending: AT+CREG?", Host, "AT+CREG?"},
		{"[00:00:01.000,000] <dbg> modem_chat: sending: AT+CREG?", Host, "AT+CREG?"},
		{"[00:00:01.000,000] <dbg> modem_chat: modem_chat_script_next: step: 2", Tool, ""},
		{"[00:00:01.000,000] <dbg> modem_chat: modem_chat_log_received_command: OK", Modem, "OK"},
		{"[00:00:01.000,000] <dbg> modem_chat: modem_chat_on_unknown_command_received: RDY", Modem, "RDY"},
		{"[00:00:01.000,000] <dbg> modem_chat: running script: init", Tool, ""},
		{"[00:00:01.000,000] <dbg> modem_chat: init_chat_script: step: 3", Tool, ""},
		{"[00:00:01.000,000] <dbg> modem_chat: +CREG: 0,1", Modem, "+CREG: 0,1"},
		{"[00:00:01.000,000] <dbg> modem_chat: modem_chat_process_handler: sending: AT", Tool, ""},
		{"[00:00:01.000,000] <inf> modem_chat: sending: AT", Tool, ""},
	} {
		z, ok := parseZephyr(tc.line)
		if !ok {
			t.Fatalf("%q: not read as a Zephyr line", tc.line)
		}
		if d, text := zephyrTraffic(z); d != tc.dir || text != tc.text {
			t.Errorf("%q: %v %q, want %v %q", tc.line, d, text, tc.dir, tc.text)
		}
	}
}

// TestZephyrCutFirstStamp: a paste whose first line lost the start of its
// stamp (Zephyr issue 98478's BG770 log, trimmed: "0:46:34.067,841] <dbg>
// modem_chat.…: +CEREG:  4") reads that line's message, without a time;
// it was a note, its URC dropped from the conversation unsaid. Only the
// first line: a line inside a log is whole or another program's.
func TestZephyrCutFirstStamp(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		want      []string
	}{
		{"first line cut in its stamp",
			"0:46:34.067,841] <dbg> modem_chat.modem_chat_log_received_command: +CEREG:  4\n" +
				"[00:46:34.078,633] <dbg> modem_chat.modem_chat_log_received_command: +CREG:  4\n",
			[]string{"1 urc +CEREG: 4 notime", "2 urc +CREG: 4"}},
		{"a later line so is a note",
			"[00:46:34.078,633] <dbg> modem_chat.modem_chat_log_received_command: +CREG:  4\n" +
				"0:46:34.089,549] <dbg> modem_chat.modem_chat_log_received_command: +CEREG:  5\n",
			[]string{"1 urc +CREG: 4", "2 note 0:46:34.089,549] <dbg> modem_chat.modem_chat_log_received_command: +CEREG:  5"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("z.log", []byte(tc.log), Zephyr)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range tr.Entries {
				s := fmt.Sprintf("%d %s %s", e.Line, e.Role, e.Text)
				if e.Time.IsZero() {
					s += " notime"
				}
				got = append(got, s)
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
