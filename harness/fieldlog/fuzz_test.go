package fieldlog

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzReader checks a reader never panics and that whatever it accepts is
// a well-formed transcript: every answer points at an earlier command,
// lines lie within the input, times never go backwards.
func fuzzReader(f *testing.F, format Format, seeds ...string) {
	for _, s := range seeds {
		data, err := os.ReadFile(filepath.Join("testdata", s))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return // TestScale covers big logs
		}
		tr, err := Read("fuzz.log", data, format)
		if err != nil {
			if tr != nil || !strings.HasPrefix(err.Error(), "fuzz.log") {
				t.Fatalf("error %q with transcript %v", err, tr != nil)
			}
			return
		}
		lines := strings.Count(string(LogText(data)), "\n") + 1 // as the readers number them
		var last Entry
		timed := false
		for i, e := range tr.Entries {
			if e.Line < 1 || e.Line > lines {
				t.Fatalf("entry %d: line %d outside 1..%d", i, e.Line, lines)
			}
			if e.Cmd >= 0 && (e.Cmd >= i || tr.Entries[e.Cmd].Role != Command) {
				t.Fatalf("entry %d answers %d, not an earlier command", i, e.Cmd)
			}
			if !e.Time.IsZero() {
				if timed && e.Time.Before(last.Time) {
					t.Fatalf("entry %d goes back in time", i)
				}
				last, timed = e, true
			}
		}
		if err := tr.Render(io.Discard); err != nil {
			t.Fatal(err)
		}
		// What a replay makes of a log of APDUs alone reads as well.
		if at, _, ok, err := OverCGLA(tr); err != nil {
			t.Fatalf("OverCGLA: %v", err)
		} else if ok && len(at.Commands()) == 0 {
			t.Fatal("OverCGLA gave no command")
		}
	})
}

func FuzzATLog(f *testing.F) { fuzzReader(f, ATLog, "atlog.log") }
func FuzzLPAC(f *testing.F) {
	fuzzReader(f, LPAC, "lpac-old.log", "lpac-txrx.log", "lpac-old-pending.log", "lpac-uqmi.log")
}
func FuzzMM(f *testing.F) {
	fuzzReader(f, MM, "mm.log", "mm-legacy.log", "mm-sms.log", "mm-srcloc.log", "mm-journal-export.log", "mm-journal-json.log")
}
func FuzzSocat(f *testing.F) {
	fuzzReader(f, Socat, "socat-v.log", "socat-v-control.log", "socat-x.log", "socat-vx.log", "socat-swapped.log", "socat-v0.log")
}
func FuzzStrace(f *testing.F) {
	fuzzReader(f, Strace, "strace-f.log", "strace-ttt-x.log", "strace-r-pid.log")
}
func FuzzJpnevulator(f *testing.F) {
	fuzzReader(f, Jpnevulator, "jpnevulator-timed-ascii.log", "jpnevulator-plain.log", "jpnevulator-alias-count.log")
}
func FuzzShx(f *testing.F) {
	fuzzReader(f, Shx, "shx-3ginfo-debug.log", "shx-3ginfo-telekom.log", "shx-bananawrt-error.log", "shx-fibocom-l850.log", "shx-fibocom-l860.log", "shx-huawei-interleaved.log")
}
func FuzzLogcat(f *testing.F) {
	fuzzReader(f, Logcat, "logcat-threadtime.log", "logcat-time-channels.log", "logcat-brief.log")
}
func FuzzGammu(f *testing.F) {
	fuzzReader(f, Gammu, "gammu-textall.log", "gammu-textalldate.log", "gammu-smsd-journal.log", "gammu-text.log", "gammu-smsd-win.log", "gammu-esc-end.log")
}
func FuzzOfono(f *testing.F) { fuzzReader(f, Ofono, "ofono-journal.log", "ofono-ts.log") }
func FuzzChat(f *testing.F) {
	fuzzReader(f, Chat, "chat-syslog.log", "chat-stderr.log", "chat-connect.log", "chat-ppp.log", "chat-busybox-pri.log")
}
func FuzzZephyr(f *testing.F) { fuzzReader(f, Zephyr, "zephyr-sim7080.log") }
func FuzzESPIDF(f *testing.F) { fuzzReader(f, ESPIDF, "espidf-sim7600.log", "espidf-cmux.log") }
func FuzzMMCLI(f *testing.F) {
	fuzzReader(f, MMCLI, "mmcli-apdu.log", "mmcli-errors.log", "mmcli-eid.log", "mmcli-nodebug.log")
}
func FuzzGsmmodem(f *testing.F) {
	fuzzReader(f, Gsmmodem, "gsmmodem-pin.log", "gsmmodem-timeout.log")
}
func FuzzDocklight(f *testing.F) {
	fuzzReader(f, Docklight, "docklight-ascii.log", "docklight-hex.log")
}
func FuzzSSCOM(f *testing.F) {
	fuzzReader(f, SSCOM, "sscom-echo.log", "sscom-echo-off-midnight.log", "sscom-cr.log", "sscom-hex.log", "sscom-gbk.log")
}
func FuzzQCOM(f *testing.F) { fuzzReader(f, QCOM, "qcom.log", "qcom-hex.log", "qcom-v0-hex.log") }
func FuzzPlain(f *testing.F) {
	fuzzReader(f, Plain, "plain.log", "plain-ts.log", "plain-midnight.log", "plain-v0.log", "plain-arrows.log", "plain-arrows-lib.log", "plain-connect.log")
}
func FuzzTerminal(f *testing.F) {
	fuzzReader(f, Terminal, "terminal-minicom.log", "terminal-arduino.log", "terminal-picocom.log", "terminal-putty.log", "terminal-v0.log", "terminal-v0-putty.log", "terminal-arduino-urc.log", "terminal-ublox-versions.log")
}
func FuzzPlatform(f *testing.F) { fuzzReader(f, Platform, "platform.json") }
func FuzzEvents(f *testing.F)   { fuzzReader(f, Events, "events.jsonl") }
func FuzzDetect(f *testing.F) {
	fuzzReader(f, "", "atlog.log", "lpac-old.log", "mm.log", "socat-v.log", "strace-f.log", "jpnevulator-plain.log", "plain.log", "terminal-minicom.log", "docklight-hex.log", "sscom-gbk.log", "qcom.log", "logcat-threadtime.log", "gammu-textalldate.log", "ofono-journal.log", "chat-syslog.log", "chat-stderr.log", "platform.json", "gammu-smsd-win.log", "plain-arrows-lib.log", "chat-busybox-pri.log", "terminal-ublox-versions.log", "zephyr-sim7080.log", "gsmmodem-pin.log", "espidf-sim7600.log")
}
