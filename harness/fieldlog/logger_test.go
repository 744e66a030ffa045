package fieldlog

import (
	"strings"
	"testing"
)

// TestLoggingLibraryLines: a script's log through a logging library — a
// level and a logger's name between the time and the arrows, in the
// shapes Python's logging and log4j/logback write — reads as a plain
// transcript, the script's own messages as notes; a plain transcript
// whose modem text only starts with a level word keeps it as the
// modem's.
func TestLoggingLibraryLines(t *testing.T) {
	show := func(e Entry) string { return strings.ToLower(e.Role.String()) + " " + e.Text }
	for _, tc := range []struct {
		name, log string
		want      []string
	}{
		{"python: time level name: message",
			"2026-03-04 10:00:00,000 INFO esim.switch: opening /dev/ttyUSB3 at 115200\n" +
				"2026-03-04 10:00:00,050 DEBUG esim.modem: --> AT+CIMI\n" +
				"2026-03-04 10:00:00,055 DEBUG esim.modem: <-- 208150012345678\n" +
				"2026-03-04 10:00:00,056 DEBUG esim.modem: <-- OK\n" +
				"2026-03-04 10:00:00,060 WARNING esim.switch: the card took 5 ms\n" +
				"2026-03-04 10:00:00,070 DEBUG esim.modem: --> AT\n" +
				"2026-03-04 10:00:00,071 DEBUG esim.modem: <-- OK\n",
			[]string{"note opening /dev/ttyUSB3 at 115200", "command AT+CIMI", "info 208150012345678", "final OK", "note the card took 5 ms", "command AT", "final OK"}},
		{"python: time - name - level - message",
			"2026-03-04 10:00:00,000 - esim.switch - INFO - start\n" +
				"2026-03-04 10:00:00,050 - esim.modem - DEBUG - > AT+CSQ\n" +
				"2026-03-04 10:00:00,055 - esim.modem - DEBUG - < +CSQ: 17,99\n" +
				"2026-03-04 10:00:00,056 - esim.modem - DEBUG - < OK\n",
			[]string{"note start", "command AT+CSQ", "info +CSQ: 17,99", "final OK"}},
		{"python basicConfig: LEVEL:name:message, no time",
			"INFO:esim:switching\nDEBUG:esim.modem:TX: AT\nDEBUG:esim.modem:RX: OK\nDEBUG:esim.modem:TX: AT+CEREG?\nDEBUG:esim.modem:RX: +CEREG: 0,1\nDEBUG:esim.modem:RX: OK\n",
			[]string{"note switching", "command AT", "final OK", "command AT+CEREG?", "info +CEREG: 0,1", "final OK"}},
		{"logback: time [thread] LEVEL logger - message",
			"10:00:00.000 [main] INFO  c.e.Switch - begin\n10:00:00.050 [main] DEBUG c.e.Modem - > AT\n10:00:00.051 [main] DEBUG c.e.Modem - < OK\n10:00:00.060 [main] DEBUG c.e.Modem - > ATI\n10:00:00.061 [main] DEBUG c.e.Modem - < Quectel\n10:00:00.062 [main] DEBUG c.e.Modem - < OK\n",
			[]string{"note begin", "command AT", "final OK", "command ATI", "info Quectel", "final OK"}},
		{"defmt: level, logger AT, then the arrow (nrf-modem crate)",
			"TRACE AT -> AT%XSYSTEMMODE?\nTRACE AT <- %XSYSTEMMODE: 1,0,0,0\nOK\nTRACE AT --> AT+CGMI\nTRACE AT <-- Nordic Semiconductor ASA\nOK\n",
			[]string{"command AT%XSYSTEMMODE?", "info %XSYSTEMMODE: 1,0,0,0", "final OK", "command AT+CGMI", "info Nordic Semiconductor ASA", "final OK"}},
		{"defmt: the location line under each log line is a note",
			"TRACE AT -> AT%XSYSTEMMODE=1,1,1,0\n\n└─ nrf_modem::at::{impl#0}::poll @ src/at.rs:170 \nTRACE AT <- +CME ERROR: 0\nTRACE AT -> AT%XSYSTEMMODE?\n└─ nrf_modem::at::{impl#0}::poll @ src/at.rs:170\nTRACE AT <- %XSYSTEMMODE: 1,0,0,0\nOK\n",
			[]string{"command AT%XSYSTEMMODE=1,1,1,0", "note └─ nrf_modem::at::{impl#0}::poll @ src/at.rs:170", "final +CME ERROR: 0", "command AT%XSYSTEMMODE?", "note └─ nrf_modem::at::{impl#0}::poll @ src/at.rs:170", "info %XSYSTEMMODE: 1,0,0,0", "final OK"}},
		{"nrf-softsim: seconds|thread|module|level|message, lines ended by control pictures",
			"20.100|main|CIOT|I|TX: AT+CFUN=41\u240a\n20.110||softsim|D|card powered up\u240a\n20.111|main|CIOT|I|RX: OK\u240a\n" +
				"20.120|main|CIOT|I|TX: AT+CFUN?\u240d\u240a\n20.121||fs_nvs|I|4 sectors\u240a\n20.130|main|CIOT|I|RX: +CFUN: 41\u240a\n20.131|main|CIOT|I|RX: OK\u240a\n",
			[]string{"command AT+CFUN=41", "note card powered up", "final OK", "command AT+CFUN?", "note 4 sectors", "info +CFUN: 41", "final OK"}},
		{"no logger: modem text that starts with a level word stays the modem's",
			"> AT+CMGR=1\n< +CMGR: \"REC READ\",\"+33612345678\"\nERROR - disk full on site 4\n< OK\n",
			[]string{"command AT+CMGR=1", "info +CMGR: \"REC READ\",\"+33612345678\"", "info ERROR - disk full on site 4", "final OK"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkEntries(t, tc.log, "", show, tc.want)
		})
	}
}

// TestLoggerArrowAfterLevel: a logging format that puts "->" between the
// level and every message ("%(asctime)s : %(levelname)s -> %(message)s",
// IteadSIM800's Python log, issue 4 of lamondlab/IteadSIM800, trimmed)
// has no direction in it: its messages ("Setup", "GSM module ready.") are
// the script's, not commands the host sent, and a log of them alone is of
// no known format — not one cut before the final result of "GSM module
// ready.", nor one whose stamps are of a form not read. The arrow after a
// level still points where a log's two arrows say.
func TestLoggerArrowAfterLevel(t *testing.T) {
	iteadsim := "2017-10-03 08:16:58,151 : DEBUG -> Setup\n" +
		"2017-10-03 08:16:58,152 : DEBUG -> Turn On\n" +
		"2017-10-03 08:16:58,153 : DEBUG -> Send AT Command: AT\n" +
		"2017-10-03 08:16:58,154 : DEBUG -> Attempt 1, (b'AT\\r')\n" +
		"2017-10-03 08:16:58,682 : DEBUG -> Lines: ['OK']\n" +
		"2017-10-03 08:16:58,682 : DEBUG -> Line: OK\n" +
		"2017-10-03 08:16:58,683 : DEBUG -> GSM module ready.\n"
	for _, tc := range []struct {
		name, log    string
		want, notAny []string
	}{
		{"the script's messages alone, a banner after", iteadsim + "Good to go!\n",
			[]string{"bad.log:1: no known log format ("}, []string{"final result", "form not read"}},
		{"every line stamped", iteadsim,
			[]string{"bad.log:1: no known log format ("}, []string{"final result", "form not read"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read("bad.log", []byte(tc.log), "")
			if err == nil {
				t.Fatal("read, want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want %q", err, w)
				}
			}
			for _, w := range tc.notAny {
				if strings.Contains(err.Error(), w) {
					t.Errorf("err = %v, want no %q", err, w)
				}
			}
		})
	}
	show := func(e Entry) string { return strings.ToLower(e.Role.String()) + " " + e.Text }
	checkEntries(t, "2026-03-04 10:00:00,050 : DEBUG -> AT+CSQ\n2026-03-04 10:00:00,055 : DEBUG <- +CSQ: 17,99\n2026-03-04 10:00:00,056 : DEBUG <- OK\n",
		"", show, []string{"command AT+CSQ", "info +CSQ: 17,99", "final OK"})
}
