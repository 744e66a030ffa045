package replay

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/field"
)

// TestBadFixtures: a fixture that cannot be replayed says where and why,
// with the file and line — of the manifest or of the log.
func TestBadFixtures(t *testing.T) {
	for _, tc := range []struct {
		name, fixture, file string
		edit                func(string) string
		want                string
	}{
		{"unknown personality", "bg95-bare-cchc", "manifest.yaml",
			func(s string) string {
				return strings.Replace(s, "personality: quectel-eg25", "personality: nokia-3310", 1)
			},
			`manifest.yaml:11:16: device.personality: unknown personality "nokia-3310" (known: `},
		{"a quirk the log contradicts", "ec20f-long-cgla", "manifest.yaml",
			func(s string) string { return strings.Replace(s, "cgla_max_apdu: 64", "cgla_max_apdu: 200", 1) },
			"manifest.yaml:15:5: device.quirks.cgla_max_apdu: contradicts lpac-download.log:38: +CGLA of 125 bytes answers ERROR while 29 bytes passed (lpac-download.log:41); the manifest's device.quirks.cgla_max_apdu: cgla_max_apdu 200"},
		{"a dialect the log contradicts", "fm350-csim-only", "manifest.yaml",
			func(s string) string { return strings.Replace(s, "    ccho_form: bare\n", "", 1) },
			`manifest.yaml:15:16: device.personality: contradicts lpac-at-2.1.log:25: +CCHO answers "1"; the manifest's device.personality: personality generic, ccho_form prefixed`},
		{"an EID the log contradicts", "bg95-bare-cchc", "manifest.yaml",
			func(s string) string {
				return strings.Replace(s, "  profiles:", "  eid: \"89049032000001000000000000000171\"\n  profiles:", 1)
			},
			"manifest.yaml:18:8: device.eid: 89049032000001000000000000000171, but lpac-chip-info.log:35 answers GetEID with 89049032003810000000000009523160"},
		{"an enabled profile the log contradicts", "eg25-echo-runs-on", "manifest.yaml",
			func(s string) string {
				return strings.Replace(s, "network:", "  profiles:\n    - {iccid: \"89330100005021044451\", operator: movistar-es, enabled: true}\nnetwork:", 1)
			},
			"manifest.yaml:15:7: device.profiles[0].enabled: 89330100005021044451 is enabled here, but sniffer.log:11 shows 89340711004017225497 enabled when the logs begin"},
		{"a failure line past the log", "bg95-bare-cchc", "manifest.yaml",
			func(s string) string { return strings.Replace(s, "line: 15,", "line: 150,", 1) },
			"manifest.yaml:24:42: failure.line: 150, but lpac-chip-info.log has 50 lines"},
		// ModemManager logs every command it writes: an answer logged
		// twice (a line repeated in a paste) is one final result too many.
		{"an answer logged twice", "reattach-slower-than-wait", "modemmanager.log",
			func(s string) string {
				ls := strings.SplitAfter(s, "\n")
				return strings.Join(slices.Insert(ls, 5, ls[4]), "")
			},
			"modemmanager.log:6: OK with no command before it: AT+COPS=3,2;+COPS? (line 4) had its final result at line 5 already"},
		// Nothing is compared on a note: "reproduces" passed on it.
		{"a failure line on a note of the logging tool", "reattach-slower-than-wait", "manifest.yaml",
			func(s string) string { return strings.Replace(s, "line: 40,", "line: 1,", 1) },
			`manifest.yaml:30:40: failure.line: modemmanager.log:1 is a note of the logging tool ("Mar 14 09:40:00 gw-1042 ModemManager[731]: <inf> [1773481200…"), where the replay compares nothing: name the line of the conversation`},
		// lpac's JSON outcome: the replay compares no LPA verdict.
		{"a failure line on lpac's outcome line", "bg95-bare-cchc", "manifest.yaml",
			func(s string) string { return strings.Replace(s, "line: 15,", "line: 50,", 1) },
			`manifest.yaml:24:42: failure.line: lpac-chip-info.log:50 is an outcome line of the LPA ("success"), which the replay does not compare`},
		{"a log the manifest does not list", "bg95-bare-cchc", "manifest.yaml",
			func(s string) string { return strings.Replace(s, "{log: lpac-chip-info.log,", "{log: other.log,", 1) },
			`manifest.yaml:24:10: failure.log: "other.log" is not one of the fixture's logs`},
		{"a truncated log", "eg25-echo-runs-on", "sniffer.log",
			func(s string) string { return s[:strings.Index(s, "+CGLA: 46")] },
			"sniffer.log:21: the log ends before the final result of AT+CGLA=1,22,"},
		{"out-of-order timestamps", "reattach-slower-than-wait", "modemmanager.log",
			func(s string) string { return strings.Replace(s, "[1773481200.222944]", "[1773481100.222944]", 1) },
			"modemmanager.log:3: time 2026-03-14T09:38:20.222944Z is before the 2026-03-14T09:40:00.218844Z of line 2: timestamps out of order"},
		{"a plain transcript without its format", "eg25-echo-runs-on", "manifest.yaml",
			func(s string) string {
				return strings.Replace(s, "{file: sniffer.log, format: plain}", "{file: sniffer.log}", 1)
			},
			""},
		{"a log in no known format", "ec20f-long-cgla", "lpac-download.log",
			func(s string) string { return "Hi, here is what lpac printed:\n\nthe download fails with ERROR\n" },
			`lpac-download.log:1: no known log format (a harness at.log, lpac debug output, a ModemManager debug log, a socat -v/-x dump, an strace trace of the port, a jpnevulator dump, a Docklight, SSCOM or QCOM log file, an EWF adapter trace, an AT parser's trace (X-CUBE-CELLULAR), an Mbed OS cellular trace (MBED_CONF_CELLULAR_DEBUG_AT), an Android radio log of a RIL speaking AT, a gammu debug log, oFono's AT debug output (OFONO_AT_DEBUG=1), a LuatOS trace of the ril, pppd's chat -v log, Zephyr's modem_chat debug log, an ESP-IDF log of esp-modem's UART hexdumps, a session of mmcli --command, python-gsmmodem's debug log, a shell's trace (sh -x) of sms_tool, atinout or gcom, a platform request log, a ">"/"<" transcript, or a terminal session of AT commands and their answers: minicom, picocom, PuTTY, Tera Term, CoolTerm); it starts "Hi, here is what lpac printed:"`},
		{"a log in another format than stated", "eg25-echo-runs-on", "manifest.yaml", // the log is a plain transcript
			func(s string) string {
				return strings.Replace(s, "{file: sniffer.log, format: plain}", "{file: sniffer.log, format: mm}", 1)
			},
			`sniffer.log:1: no line reads as mm (it starts `},
		{"binary junk", "bg95-bare-cchc", "lpac-chip-info.log",
			func(s string) string { return strings.Replace(s, "+CCHO: 1", "+CCHO: \x00\x01\x02", 1) },
			"lpac-chip-info.log:31: binary data (byte 0x01 at column 19): not a text log"}, // the NUL before it is nothing
		{"an unknown format", "bg95-bare-cchc", "manifest.yaml",
			func(s string) string { return strings.Replace(s, "format: lpac", "format: minicom", 1) },
			`manifest.yaml:9:40: logs[0].format: "minicom": want one of atlog, lpac, mm, socat, strace, jpnevulator, docklight, ewf, atparser, mbed, sscom, qcom, logcat, gammu, ofono, luat, chat, zephyr, espidf, mmcli, gsmmodem, shx, plain, terminal, platform, events`},
		{"a manifest naming another directory", "bg95-bare-cchc", "manifest.yaml",
			func(s string) string { return strings.Replace(s, "name: bg95-bare-cchc", "name: bg96", 1) },
			`manifest.yaml:6:7: name: "bg96", but the fixture's directory is "bg95-bare-cchc"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyFixture(t, tc.fixture)
			path := filepath.Join(dir, tc.file)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(tc.edit(string(b))), 0o644); err != nil {
				t.Fatal(err)
			}
			res, err := Run(dir, Options{Dir: t.TempDir()})
			if tc.want == "" { // a plain transcript read without its format still reads
				if err != nil || !res.OK {
					t.Fatalf("detected format: %v %v", err, res)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error; verdict %s", res.Why)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error\n  %v\ndoes not contain\n  %s", err, tc.want)
			}
		})
	}
}

// TestFailureOnSocatHeader: a socat transfer's header holds no line of the
// conversation; a failure named there is refused, naming the line of its
// text (the verdict said the replay followed the recording through it).
func TestFailureOnSocatHeader(t *testing.T) {
	socat, err := os.ReadFile(filepath.Join("testdata", "socat-geteid.log"))
	if err != nil {
		t.Fatal(err)
	}
	dir := newFixture(t, "socat-header", map[string]string{"session.log": string(socat),
		field.ManifestFile: orangeFixture("socat-header", "quectel-eg25", "session.log", "", 1)})
	_, err = field.Load(dir)
	if want := "failure.line: session.log:1 is a socat transfer's header, which holds no line of the conversation: name the line of its text (session.log:2)"; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want %q", err, want)
	}
}

// TestFailureOnAnOKAfterTheLPAFailed: once the LPA failed (the SM-DP+
// refused it in its HTTP), a failure line that holds only an OK shows
// nothing failing and "reproduces" passed on it; an answer that shows a
// failure, or an OK in a log whose LPA succeeded, is still taken.
func TestFailureOnAnOKAfterTheLPAFailed(t *testing.T) {
	const head = "AT_DEBUG_TX(0.100): AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\n" + // 1
		"AT_DEBUG_RX(0.110): +CCHO: 1\n" + // 2
		"AT_DEBUG_RX(0.111): OK\n" // 3
	const refused = `[DEBUG] [HTTP] [RX] rcode: 200, data: {"header":{"functionExecutionStatus":{"status":"Failed","statusCodeData":{"subjectCode":"8.8.1","reasonCode":"3.8"}}}}` + "\n" + // 4
		"AT_DEBUG_TX(0.900): AT+CCHC=1\n" + // 5
		"AT_DEBUG_RX(0.910): OK\n" // 6
	for _, tc := range []struct {
		name, log string
		line      int
		want      string // "" when the fixture loads
	}{
		{"the channel closed after the SM-DP+'s refusal", head + refused +
			`{"type":"lpa","payload":{"code":-1,"message":"es9p_initiate_authentication","data":"8.8.1 3.8"}}` + "\n", 6,
			"failure.line: lpac.log:6 holds only OK, the plain successful final result of AT+CCHC=1: it shows nothing failing, and a replay that matches it reproduces nothing. The LPA failed at lpac.log:7, where the LPA's step es9p_initiate_authentication failed: 8.8.1 3.8; if no line of the card or the modem shows why"},
		{"an OK earlier than the LPA's failure", head + refused +
			`{"type":"lpa","payload":{"code":-1,"message":"es9p_initiate_authentication","data":"8.8.1 3.8"}}` + "\n", 3,
			"failure.line: lpac.log:3 holds only OK, the plain successful final result of AT+CCHO="},
		{"an error the modem gave", head +
			"AT_DEBUG_TX(0.900): AT+CCHC=1\nAT_DEBUG_RX(0.910): +CME ERROR: 21\n" +
			`{"type":"lpa","payload":{"code":-1,"message":"euicc_fini","data":""}}` + "\n", 5, ""},
		{"an OK in a log whose LPA succeeded", head +
			"AT_DEBUG_TX(0.900): AT+CCHC=1\nAT_DEBUG_RX(0.910): OK\n" +
			`{"type":"lpa","payload":{"code":0,"message":"success","data":null}}` + "\n", 5, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := newFixture(t, "ok-after-lpa", map[string]string{"lpac.log": tc.log,
				field.ManifestFile: orangeFixture("ok-after-lpa", "generic", "lpac.log", "lpac", tc.line)})
			wantLoad(t, dir, tc.want)
		})
	}
}

// TestLogsOutOfTheirOrder: a conversation log listed after one its times
// put it wholly before (a log split at an NTP step) is refused, naming
// both: the replay plays the logs by their times, and played so, the
// session ran backwards without a word. Logs that overlap (concurrent)
// or in the order of their times load.
func TestLogsOutOfTheirOrder(t *testing.T) {
	const (
		at10 = "[2026-03-04 10:00:00.000] > AT+CSQ\n[2026-03-04 10:00:00.010] < +CSQ: 17,99\n[2026-03-04 10:00:00.011] < OK\n"
		at11 = "[2026-03-04 11:00:00.000] > AT+CSQ\n[2026-03-04 11:00:00.010] < +CSQ: 17,99\n[2026-03-04 11:00:00.011] < OK\n"
		ov   = "[2026-03-04 10:00:00.005] > AT+CSQ\n[2026-03-04 10:00:00.015] < +CSQ: 17,99\n[2026-03-04 10:00:00.016] < OK\n"
	)
	for _, tc := range []struct {
		name, first, second, want string
	}{
		{"in the order of their times", at10, at11, ""},
		{"the second wholly before the first", at11, at10,
			"manifest.yaml:5:5: logs[1]: b.log is listed after a.log, but its times put it wholly before it (it ends 59m59.989s before a.log begins), and the replay plays the logs by their times: list the logs in the order of their times, or, when the clock stepped back between them (an NTP or RTC sync), shift b.log's times on by the step so they run on after a.log's"},
		{"overlapping", at10, ov, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			man := strings.Replace(orangeFixture("order", "generic", "a.log", "plain", 1),
				"  - {file: a.log, format: plain}\n", "  - {file: a.log, format: plain}\n  - {file: b.log, format: plain}\n", 1)
			dir := newFixture(t, "order", map[string]string{"a.log": tc.first, "b.log": tc.second, field.ManifestFile: man})
			wantLoad(t, dir, tc.want)
		})
	}
}

// wantLoad loads the fixture in dir: it must load when want is "", else
// be refused with an error holding want.
func wantLoad(t *testing.T, dir, want string) {
	t.Helper()
	_, err := field.Load(dir)
	switch {
	case want == "" && err != nil:
		t.Fatalf("error %v, want the fixture to load", err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Fatalf("error %v, want %q", err, want)
	}
}
