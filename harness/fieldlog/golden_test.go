package fieldlog

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the readers' output")

// TestGolden reads every log in testdata in its format and compares the
// rendered transcript with testdata/<log>.golden (go test -update
// rewrites them after an intended change).
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		file   string
		format Format
	}{
		{"atlog.log", ATLog},
		{"lpac-old.log", LPAC},
		// lpac's old AT_DEBUG: lines, a +CCHO the modem left unanswered
		// before the driver's next command (AT+CCHC=2).
		{"lpac-old-pending.log", LPAC},
		{"lpac-txrx.log", LPAC},
		{"lpac-vendors.log", LPAC},
		{"lpac-two-runs.log", LPAC}, // two runs pasted one after the other: the driver's clock starts again
		{"mm.log", MM},
		// python-gsmmodem's DEBUG log, faucamp/python-gsmmodem issues 11
		// (echo on, SIM PIN) and 77 (AT+CPIN? timed out, the traceback).
		{"gsmmodem-pin.log", Gsmmodem},
		{"gsmmodem-timeout.log", Gsmmodem},
		// sh -x traces of OpenWrt's 3ginfo-lite (4IceG/luci-app-3ginfo-lite
		// issues 47, 82 and 39, pull request 32; SuperKali/BananaWRT issue
		// 58): sms_tool -D's answers with their OK (a terminal's "'K") or
		// ERROR; without -D no final result; an output piped through
		// xargs no answer; BusyBox's pipeline traces run together.
		{"shx-3ginfo-debug.log", Shx},
		{"shx-3ginfo-telekom.log", Shx},
		{"shx-bananawrt-error.log", Shx},
		{"shx-fibocom-l850.log", Shx},
		{"shx-fibocom-l860.log", Shx},
		{"shx-huawei-interleaved.log", Shx}, // issue 124: the CRs pasted as line ends, pipelines' traces run together
		{"mm-legacy.log", MM},
		{"mm-srcloc.log", MM},  // modem-manager 0.x: "[mm-at-serial-port.c:333] debug_log(): (ttyACM0): -->"
		{"mm-openwrt.log", MM}, // logread's prefix, [modem0/ttyUSB0/at]
		{"mm-crlf.log", MM},    // commands sent with <CR><LF>, a wwan AT port
		{"mm-newyear.log", MM}, // syslog's dates without a year, over New Year
		{"mm-sms.log", MM},     // PDUs after the "> " prompt, ended by Ctrl-Z (\26) and ESC (\27)
		// journalctl -b: other daemons' lines, the journal's local time an
		// hour ahead of MM's epoch stamps, the last line without MM's stamp.
		{"mm-journal-others.log", MM},
		// journalctl --since cut inside ttyUSB3's answer, before ttyUSB2's
		// first command: that answer's lines alone are skipped.
		{"mm-open-two-ports.log", MM},
		// Timeouts: a "Serial command timed out" while two ports have a
		// command pending (which one is not said: none is taken), then a
		// port's count of its timeouts, each after a command left
		// unanswered; the log ends on one.
		{"mm-timeout.log", MM},
		// socat 1.7.4.4 as a sniffer between a host and the emulator
		// (socat -v PTY,link=… <modem>): its nine-digit microseconds,
		// headers glued to data without a line feed, control bytes as '.'.
		{"socat-v.log", Socat},
		{"socat-v-control.log", Socat},
		{"socat-x.log", Socat},       // -x: hex on one line
		{"socat-vx.log", Socat},      // -v -x: hex lines with text, "--"
		{"socat-swapped.log", Socat}, // the modem as socat's first address: '<' is the host
		// strace 6.1 on a Python host talking to the emulator's pty (its
		// interpreter's start-up reads of its own files mostly cut out):
		// -f -tt -y -o (pid prefix, paths, a reader thread's calls left
		// unfinished and resumed); -ttt -x with open and close traced,
		// fd 3 a time zone file before the tty; -f -r on the terminal
		// ("[pid N]"), only reads and writes traced.
		{"strace-f.log", Strace},
		{"strace-ttt-x.log", Strace},
		{"strace-r-pid.log", Strace},
		// jpnevulator 2.3.6 (--read --pty --pass) between the same host
		// and the emulator: --timing-print --ascii (its last line cut by
		// the kill, without the text column); neither; an alias and
		// --byte-count.
		{"jpnevulator-timed-ascii.log", Jpnevulator},
		{"jpnevulator-plain.log", Jpnevulator},
		{"jpnevulator-alias-count.log", Jpnevulator},
		{"plain.log", Plain},
		{"plain-ts.log", Plain},
		{"plain-midnight.log", Plain},
		{"plain-txrx.log", Plain}, // serial tools' TX:/RX:, [TX]/[RX] and doubled arrows
		// Debug prints' arrows, both conventions: "-->" the host's (the
		// program's writes), and a library's "<-" for what it sends, "->"
		// for what it reads, a blank read, a URC before the first command.
		{"plain-arrows.log", Plain},
		{"plain-arrows-lib.log", Plain},
		{"terminal-minicom.log", Terminal},   // minicom's capture: banner, URCs, typed commands as echo, CR CR LF
		{"terminal-backspace.log", Terminal}, // typing mistakes taken back with backspace
		{"terminal-teraterm.log", Terminal},  // Tera Term's "[Mon Mar 02 10:00:01.120 2026]" stamps
		{"terminal-picocom.log", Terminal},   // picocom's banner, and its lines as it quits
		{"terminal-arduino.log", Terminal},   // a serial monitor: "-> " stamps, TinyGSM's dump of each command then its echo, ATE0
		// TinyGSM's dump of a command, boot URCs (SMS DONE, PB DONE),
		// then the modem's echo of it.
		{"terminal-arduino-urc.log", Terminal},
		// Tera Term's local-time stamps over +CGLA and +CSIM, a URC between.
		{"terminal-teraterm-cgla.log", Terminal},
		// PuTTY's "All session output" of a serial session: its header
		// line, then the modem's bytes as they came (echo, CR CR LF).
		{"terminal-putty.log", Terminal},
		// Docklight's log file of one session in each of its text
		// displays: ASCII (control characters by name) and HEX; the
		// date day first (a Windows locale's), the lines CR LF.
		{"docklight-ascii.log", Docklight},
		{"docklight-hex.log", Docklight},
		// SSCOM with "show time" on, as its users paste it: an EG25
		// session with the echo on, a user's "//" note after a command,
		// a URC between exchanges and a +CGLA answer split over two
		// reads; the echo off over midnight; a CR-only save; the HEX
		// display both ways; the first log saved in GBK (TestSSCOMGBK
		// writes it from the UTF-8 one).
		{"sscom-echo.log", SSCOM},
		{"sscom-echo-off-midnight.log", SSCOM},
		{"sscom-cr.log", SSCOM},
		{"sscom-hex.log", SSCOM},
		{"sscom-gbk.log", SSCOM},
		// QCOM: empty "_R:]" lines and blank lines between, a URC, ATE0,
		// +CGLA, the modem status line; and the hex display.
		// Android radio logs of RILs speaking AT: threadtime with the
		// radio buffer's other tags (an SMS sent after the "> " prompt,
		// the atchannel's EOF); -v time with year and zone and two
		// named channels over New Year; brief, without times.
		{"logcat-threadtime.log", Logcat},
		{"logcat-time-channels.log", Logcat},
		{"logcat-brief.log", Logcat},
		{"qcom.log", QCOM},
		{"qcom-hex.log", QCOM},
		// gammu's debug log of its AT driver: --debug textall (no time)
		// with an ESC sent alone, a URC read alone, a resend without an
		// answer, a URC before an echo and gammu's UNKNOWN frame report
		// (its LAST SENT and RECEIVED repeats left out); textalldate with
		// the old "frametype" header and a REFRESH's URCs between two
		// ICCIDs; gammu-smsd through the journal, other daemons' lines
		// among its own, one inside a frame's dump.
		{"gammu-textall.log", Gammu},
		{"gammu-textalldate.log", Gammu},
		{"gammu-smsd-journal.log", Gammu},
		// A modem that stopped answering: gammu-smsd retries AT+CMGL=4
		// twice, then gives up with ERR_TIMEOUT, and the log ends.
		{"gammu-smsd-hang.log", Gammu},
		// gammu-smsd on Windows, built without getpid: "gammu-smsd: "
		// with no "[pid]" before each line, CR LF line ends.
		{"gammu-smsd-win.log", Gammu},
		// --debug text: gammu's messages and the lines it parsed out of
		// each answer, no frame dumps; a URC before an echo.
		{"gammu-text.log", Gammu},
		// A paste that ends on gammu's ESC CR (leaving SMS mode): no
		// command line, read to its end (gammu#438).
		{"gammu-esc-end.log", Gammu},
		// oFono's AT debug output (OFONO_AT_DEBUG=1): through the
		// journal, a Quectel's Aux and Modem channels interleaved, DBG
		// traces left out, another daemon's line, a +CEREG URC alone and
		// one after an answer in the same read, a +CGLA answer split over
		// two reads, +CME ERROR; ofonod -n on stderr through ts -s (time
		// since start), a SIM900's one channel, a read cut between CR and
		// LF, +CSIM, an SMS PDU ended by <CtrlZ>.
		{"ofono-journal.log", Ofono},
		{"ofono-ts.log", Ofono},
		// pppd's chat -v: to syslog, with pppd's lines, a URC read before
		// an echo, an expected READY whose OK the next expect reads,
		// +CCHO/+CGLA/+CCHC, the script giving up on AT+CGATT=1 (alarm,
		// Failed); -s on stderr (no prefix, " -- got it" followed by a
		// blank line), +CSIM, a +CME ERROR the script did not expect
		// (alarm, then the OK-AT-OK branch), a \d pause.
		{"chat-syslog.log", Chat},
		{"chat-stderr.log", Chat},
		// A data call: ATD*99# answered by CONNECT (its final result),
		// then pppd's lines.
		{"chat-connect.log", Chat},
		// A modem left in data mode: chat's ATZ read back PPP's frames
		// (notes), then alarm.
		{"chat-ppp.log", Chat},
		// BusyBox syslogd behind a raw stream's priority: "<150>… piksi
		// local2.info chat[3810]: " (piksi_buildroot PR 510, pppd#347).
		{"chat-busybox-pri.log", Chat},
		// u-blox's ATI9 and AT+CGMR answers ("03.15,A00.01", falling):
		// text, not time stamps; the log has no times (ubxlib#201).
		{"terminal-ublox-versions.log", Terminal},
		// A data call in a plain transcript: CONNECT, PPP frames both
		// ways (data mode), NO CARRIER, then AT commands again.
		{"plain-connect.log", Plain},
		// Numeric result codes (ATV0, in an init string's ATE0V0): a
		// plain transcript and a serial monitor with a URC, ERROR as 4, a
		// +CME ERROR, RING as 2 and ATV1 back; socat's dump of "0\r"
		// finals; QCOM's hex "30 0D".
		{"plain-v0.log", Plain},
		{"terminal-v0.log", Terminal},
		{"terminal-v0-putty.log", Terminal}, // PuTTY's bytes: a result's lone CR, the next echo after it
		// A serial monitor stamping both sides "09:14:02.101> ": its
		// ">" is no direction. AT+CGATT=0 goes out on AT+CGATT?'s
		// information text: the first 0 is AT+CGATT?'s.
		{"monitor-prompt.log", Terminal},
		// Answers in digits from the start: an ATV0 before the capture.
		{"terminal-v0-from-start.log", Terminal},
		// LuatTools' trace: the ril's lines are the conversation, the
		// script's others notes, a dispatched URC's repeat left out.
		{"luat.log", Luat},
		// Zephyr's modem_chat debug log: received lines rebuilt from the
		// arguments it logged, a catch-all match's line, an unmatched
		// +CME ERROR, shell prompts, both module forms, the dial script
		// timing out on ATD*99#, a line of another firmware's.
		{"zephyr-sim7080.log", Zephyr},
		// ESP-IDF's log of esp-modem's UART: espressif/esp-protocols
		// issue 789 whole (uart-tx/uart-rx dumps, PPP and a CMUX SABM
		// among AT, the modem's boot URCs in rows that cut a line);
		// issues 140 and 103's CMUX dumps (SABM, UA, MSC, PPP on DLCI 1
		// across reads, its times 10 s on to follow) around an AT exchange on DLCI 1 written as
		// esp_modem's CMux::write logs it (header, data, footer apart).
		{"espidf-sim7600.log", ESPIDF},
		{"espidf-cmux.log", ESPIDF},
		// mmcli 1.20 --command sessions against the emulated modem under
		// ModemManager 1.20.4 --debug: APDUs over +CSIM and +CGLA, a
		// compound command's lines; the modem's errors, mmcli's own
		// refusals and a timeout (the emulator stopped); an EID read.
		{"mmcli-apdu.log", MMCLI},
		{"mmcli-errors.log", MMCLI},
		{"mmcli-eid.log", MMCLI},
		// The same with the echo off, verbose: AT+CREG? has its answer
		// cut (one result before the next command): lost, as before.
		{"terminal-pipelined.log", Terminal},
		{"socat-v0.log", Socat},
		{"qcom-v0-hex.log", QCOM},
		{"platform.json", Platform},
		{"events.jsonl", Events},
	} {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", tc.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if f, err := Detect(tc.file, data); err != nil || f != tc.format {
				t.Errorf("Detect = %q, %v; want %q", f, err, tc.format)
			}
			tr, err := Read(tc.file, data, "")
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := tr.Render(&got); err != nil {
				t.Fatal(err)
			}
			golden := path + ".golden"
			if *update {
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test -update writes it)", err)
			}
			if got.String() != string(want) {
				t.Errorf("transcript of %s differs from %s:\n%s", tc.file, golden, lineDiff(string(want), got.String()))
			}
		})
	}
}

// lineDiff shows the first differing lines.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + itoa(i+1) + ":\n  want " + a + "\n  got  " + b
		}
	}
	return ""
}

func itoa(n int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + fmtInt(n)) }

func fmtInt(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
