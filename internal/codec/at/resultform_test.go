package at

import (
	"strings"
	"testing"
)

// A port's lines in order, as a log shows them: "> " a command line the
// modem runs, "< " a final result in words, "<# " one in digits, "boot"
// the modem's power-on. After them: the form shown, and whether a bare
// digit may be a result code with a command running and with none.
func TestResultForm(t *testing.T) {
	for _, tc := range []struct {
		name          string
		lines         []string
		form          VSetting
		running, idle bool
	}{
		{"nothing shown", nil, VUnknown, true, true},
		{"words", []string{"> AT+CSQ", "< OK"}, VVerbose, false, false},
		{"digits", []string{"> AT+CSQ", "<# 0"}, VNumeric, true, true},
		{"an ERROR digit shows digits", []string{"> AT+FOO", "<# 4"}, VNumeric, true, true},
		{"NO CARRIER's digit", []string{"> ATD123", "<# 3"}, VNumeric, true, true},
		{"+CME ERROR shows neither", []string{"> AT+CPIN?", "< +CME ERROR: 10"}, VUnknown, true, true},
		{"+CMS ERROR shows neither", []string{"> AT+CSQ", "< OK", "> AT+CMGS=1", "< +CMS ERROR: 500"}, VVerbose, false, false},
		// V.250 §6.2.6: the modem may answer the ATV0 itself in words.
		{"ATV0 answered in words", []string{"> AT+CSQ", "< OK", "> ATV0", "< OK"}, VNumeric, true, true},
		{"ATV0 answered in digits", []string{"> ATV0", "<# 0"}, VNumeric, true, true},
		{"chained ATE0V0", []string{"> AT", "< OK", "> ATE0V0", "< OK"}, VNumeric, true, true},
		{"V0 after another command", []string{"> AT+CMEE=1;V0", "< OK"}, VNumeric, true, true},
		{"ATV1 answered in digits", []string{"> ATV0", "< OK", "> ATV1", "<# 0"}, VVerbose, true, false},
		{"ATZ loads the factory's V1", []string{"> ATV0", "< OK", "> ATZ", "<# 0"}, VVerbose, true, false},
		{"ATZ loads what AT&W stored", []string{"> ATV0&W", "< OK", "> ATV1", "<# 0", "> ATZ", "< OK"}, VNumeric, true, true},
		{"AT&F is the factory's", []string{"> ATV0&W", "< OK", "> AT&F", "<# 0"}, VVerbose, true, false},
		{"a refused ATV0 shows its own form", []string{"> AT+CSQ", "< OK", "> ATV0", "< ERROR"}, VVerbose, true, false},
		{"a refused V value sets nothing", []string{"> AT+CSQ", "< OK", "> ATV2", "< ERROR"}, VVerbose, false, false},
		{"ATV? reads, sets nothing", []string{"> ATV0", "<# 0", "> ATV?", "<# 0"}, VNumeric, true, true},
		{"boot: the factory's V1", []string{"> ATV0", "<# 0", "boot"}, VVerbose, false, false},
		{"boot: the stored V0", []string{"> ATV0&W", "<# 0", "> ATV1", "< OK", "boot"}, VNumeric, true, true},
		// A restart (+CFUN=<fun>,1) answered OK is a boot: a Sierra or
		// a Telit sends no boot URC after it.
		{"restart: the factory's V1", []string{"> ATV0", "<# 0", "> AT+CFUN=1,1", "<# 0"}, VVerbose, false, false},
		{"restart: the stored V0", []string{"> ATV0&W", "<# 0", "> ATV1", "< OK", "> AT+CFUN=1,1", "< OK"}, VNumeric, true, true},
		{"a refused restart is no boot", []string{"> ATV0", "<# 0", "> AT+CFUN=1,1", "<# 4"}, VNumeric, true, true},
		{"a restart's +CME ERROR is no boot", []string{"> ATV0", "<# 0", "> AT+CFUN=1,1", "< +CME ERROR: 3"}, VNumeric, true, true},
		{"+CFUN=0 is no restart", []string{"> ATV0", "<# 0", "> AT+CFUN=0", "<# 0"}, VNumeric, true, true},
		{"a vendor's restart (Quectel's +QRST=1) too", []string{"> ATV0", "<# 0", "> AT+QRST=1", "<# 0"}, VVerbose, false, false},
		// The V a line sets holds until the next line runs: a final
		// result noted after it (a log's earlier command's) reads it too.
		{"setsV holds past a final", []string{"> AT+CSQ", "< OK", "> ATV0", "< ERROR", "< OK"}, VNumeric, true, true},
	} {
		f := NewResultForm()
		play(&f, tc.lines)
		if got := f.V(); got != tc.form {
			t.Errorf("%s: form %d, want %d", tc.name, got, tc.form)
		}
		if got := f.Digits(true); got != tc.running {
			t.Errorf("%s: Digits(running) = %v, want %v", tc.name, got, tc.running)
		}
		if got := f.Digits(false); got != tc.idle {
			t.Errorf("%s: Digits(idle) = %v, want %v", tc.name, got, tc.idle)
		}
	}
}

// play gives f a port's lines as TestResultForm writes them.
func play(f *ResultForm, lines []string) {
	for _, l := range lines {
		switch {
		case l == "boot":
			f.Boot()
		case strings.HasPrefix(l, "> "):
			f.Run(l[2:])
		case strings.HasPrefix(l, "<# "):
			f.Shown(l[3:], true)
		default:
			f.Shown(strings.TrimPrefix(l, "< "), false)
		}
	}
}

// An open form (a field log, which may begin after an AT&W it does not
// show) boots into the unknown form unless the log stored a profile:
// the modem loads the one stored before the log began, which the next
// final result shows. BootedUnknown holds until one does.
func TestOpenResultForm(t *testing.T) {
	for _, tc := range []struct {
		name          string
		lines         []string
		form          VSetting
		running, idle bool
		unknown       bool
	}{
		{"before any boot, as a strict form", []string{"> ATV0", "<# 0"}, VNumeric, true, true, false},
		{"boot: the stored profile unknown", []string{"> ATV0", "<# 0", "boot"}, VUnknown, true, true, true},
		{"boot after words: unknown too", []string{"> AT", "< OK", "boot"}, VUnknown, true, true, true},
		{"restart: unknown", []string{"> ATV0", "<# 0", "> AT+CFUN=1,1", "<# 0"}, VUnknown, true, true, true},
		{"digits after the boot", []string{"> AT", "< OK", "boot", "> AT+CSQ", "<# 0"}, VNumeric, true, true, false},
		{"words after the boot", []string{"> ATV0", "<# 0", "boot", "> AT+CSQ", "< OK"}, VVerbose, false, false, false},
		{"+CME ERROR after the boot shows nothing", []string{"> ATV0", "<# 0", "boot", "> AT+CPIN?", "< +CME ERROR: 10"}, VUnknown, true, true, true},
		{"boot: the log's AT&W, V0", []string{"> ATV0&W", "<# 0", "> ATV1", "< OK", "boot"}, VNumeric, true, true, false},
		{"boot: the log's AT&W, V1", []string{"> ATV1&W", "< OK", "> ATV0", "<# 0", "boot"}, VVerbose, false, false, false},
		// ATZ loads the stored profile (V.250 §6.1.1): one the log never
		// showed, as a boot does; its own result code comes in that form.
		{"ATZ, no AT&W: unknown", []string{"> ATV0", "<# 0", "> ATZ"}, VUnknown, true, true, true},
		{"ATZ after words: unknown", []string{"> AT", "< OK", "> ATE0Z"}, VUnknown, true, true, true},
		{"ATZ's OK in digits: the stored V0", []string{"> AT", "< OK", "> ATZ", "<# 0"}, VNumeric, true, true, false},
		{"ATZ's OK in words", []string{"> ATV0", "<# 0", "> ATZ", "< OK"}, VVerbose, false, false, false},
		{"ATZ, then V0 on its line: known", []string{"> AT", "< OK", "> ATZV0"}, VVerbose, true, false, false},
		{"ATZ, the log's AT&W: known", []string{"> ATV0&W", "<# 0", "> ATV1", "< OK", "> ATZ", "< OK"}, VNumeric, true, true, false},
		{"AT&F: the factory's", []string{"> ATV0", "<# 0", "> AT&F", "<# 0"}, VVerbose, true, false, false},
	} {
		f := NewOpenResultForm()
		play(&f, tc.lines)
		if got := f.V(); got != tc.form {
			t.Errorf("%s: form %d, want %d", tc.name, got, tc.form)
		}
		if got := f.Digits(true); got != tc.running {
			t.Errorf("%s: Digits(running) = %v, want %v", tc.name, got, tc.running)
		}
		if got := f.Digits(false); got != tc.idle {
			t.Errorf("%s: Digits(idle) = %v, want %v", tc.name, got, tc.idle)
		}
		if got := f.BootedUnknown(); got != tc.unknown {
			t.Errorf("%s: BootedUnknown() = %v, want %v", tc.name, got, tc.unknown)
		}
	}
}

// Shown reports whether a final result showed the form: +CME ERROR and
// +CMS ERROR have no numeric form (V.250 §5.7.1 lists no digit for them).
func TestResultFormShown(t *testing.T) {
	for _, tc := range []struct {
		text    string
		numeric bool
		want    bool
	}{
		{"OK", false, true}, {"ERROR", false, true}, {"NO CARRIER", false, true}, {"CONNECT 115200", false, true},
		{"0", true, true}, {"4", true, true}, {"3", true, true},
		{"+CME ERROR: 3", false, false}, {"+CMS ERROR: 500", false, false},
	} {
		f := NewResultForm()
		if got := f.Shown(tc.text, tc.numeric); got != tc.want {
			t.Errorf("Shown(%q, %v) = %v, want %v", tc.text, tc.numeric, got, tc.want)
		}
	}
}

// Booted holds from a boot (a power URC, a restart answered OK) until a
// final result shows the form: a reader says why it expects words there.
func TestResultFormBooted(t *testing.T) {
	f := NewResultForm()
	f.Run("ATV0")
	f.Shown("0", true)
	if f.Booted() {
		t.Error("Booted before any boot")
	}
	f.Boot()
	if !f.Booted() {
		t.Error("not Booted after Boot")
	}
	f.Run("AT+CPIN?")
	f.Shown("+CME ERROR: 10", false)
	if !f.Booted() {
		t.Error("+CME ERROR, which shows no form, ended Booted")
	}
	f.Run("AT")
	f.Shown("OK", false)
	if f.Booted() {
		t.Error("Booted after an OK showed the form")
	}
	f.Run("AT+CFUN=1,1")
	f.Shown("OK", false)
	if !f.Booted() {
		t.Error("not Booted after a restart's OK")
	}
}

// Restarts: +CFUN with <rst> 1 alone on its line (TS 27.007 §8.2), or a
// vendor's restart (Sierra, Telit, SIMCom, Huawei); not Quectel's
// power-down.
func TestRestarts(t *testing.T) {
	for line, want := range map[string]bool{
		"AT+CFUN=1,1": true, "AT+CFUN=4,1": true, "at+cfun=1,1": true, "AT+CFUN= 1 , 1 ": true, "AT+CFUN=15,1": true,
		"AT+CFUN=1": false, "AT+CFUN=1,0": false, "AT+CFUN=0": false, "AT+CFUN=,1": false, "AT+CFUN=1,11": false,
		"AT+CFUN=1,1,0": false, "AT+CFUN?": false, "AT+CFUN=1,1;+CSQ": false, "ATZ": false, "": false,
		// The vendors' restarts, executed alone on the line.
		"AT!RESET": true, "at#reboot": true, "AT+CRESET": true, "AT^RESET": true, " AT!RESET ": true,
		"AT!RESET?": false, "AT+CRESET=?": false, "AT#REBOOT;+CSQ": false, "AT+QPOWD": false, "AT+QPOWD=1": false,
		"AT!RESETX": false, "ATRESET": false, "AT": false,
		// The vendors' reset <fun> of +CFUN (u-blox, Intel-based Fibocom)
		// and Quectel NB-IoT's +QRST=1; not a power-down, nor other forms.
		"AT+CFUN=16": true, "at+cfun=15": true, "AT+QRST=1": true,
		"AT+CFUN=16?": false, "AT+CFUN=17": false, "AT+QRST=1,0": false, "AT+QRST": false,
		"AT+CPWROFF": false, "AT+CPOWD=1": false, "AT+CFUN=16;+CSQ": false,
	} {
		if got := Restarts(line); got != want {
			t.Errorf("Restarts(%q) = %v, want %v", line, got, want)
		}
		// Run asks the same of the line it parsed once: an OK to it boots.
		f := NewResultForm()
		f.Run(line)
		if f.Shown("OK", false); f.Booted() != want {
			t.Errorf("OK to %q: Booted %v, want %v", line, f.Booted(), want)
		}
	}
	if v := VendorRestart(Command{}); v != "" { // no name to compare
		t.Errorf("VendorRestart of no command = %q", v)
	}
}

// VendorRestartLine: the entry of VendorRestarts a line is, that command
// alone on it, as Restarts counts it; not +CFUN with <rst> 1, which is
// 27.007's own restart.
func TestVendorRestartLine(t *testing.T) {
	for line, want := range map[string]string{
		"AT!RESET": "!RESET", " at#reboot ": "#REBOOT", "AT+CRESET": "+CRESET", "AT^RESET": "^RESET",
		"at+cfun=16": "+CFUN=16", "AT+CFUN=15": "+CFUN=15", "AT+QRST=1": "+QRST=1",
		"AT+CFUN=1,1": "", "AT+CFUN=16,1": "", "AT#REBOOT;+CSQ": "", "AT!RESET?": "", "AT+QRST=1,0": "",
		"AT+QPOWD": "", "ATZ": "", "AT": "", "": "", "!RESET": "", "AT+CRESET;;": "",
	} {
		got := VendorRestartLine(line)
		if got != want {
			t.Errorf("VendorRestartLine(%q) = %q, want %q", line, got, want)
		}
		if got != "" && !Restarts(line) {
			t.Errorf("VendorRestartLine(%q) = %q, but Restarts says no restart", line, got)
		}
	}
}

// IsPowerOnURC: the PowerURCs that say the modem came up, not those that
// say it went down, nor a readiness notice.
func TestIsPowerOnURC(t *testing.T) {
	for line, want := range map[string]bool{
		"RDY": true, "*ATREADY: 1": true, "^SYSSTART": true, "^SYSSTART AIRPLANE MODE": true,
		"^SHUTDOWN": false, "NORMAL POWER DOWN": false, "POWERED DOWN": false, "UNDER-VOLTAGE POWER DOWN": false,
		"+CPIN: READY": false, "SMS DONE": false, "rdy": false,
	} {
		if got := IsPowerOnURC(line); got != want {
			t.Errorf("IsPowerOnURC(%q) = %v, want %v", line, got, want)
		}
		if want && !IsPowerURC(line) {
			t.Errorf("%q is a power-on URC but no IsPowerURC", line)
		}
	}
}

// IsPowerDownURC: the PowerURCs that say the modem is going down, Quectel's
// M50/M66 under- and over-voltage ones with their underscore too.
func TestIsPowerDownURC(t *testing.T) {
	for line, want := range map[string]bool{
		"^SHUTDOWN": true, "NORMAL POWER DOWN": true, "POWERED DOWN": true, "UNDER-VOLTAGE POWER DOWN": true,
		"UNDER_VOLTAGE POWER DOWN": true, "OVER_VOLTAGE POWER DOWN": true,
		"RDY": false, "*ATREADY: 1": false, "^SYSSTART": false, "POWERED DOWN[6036] ### TinyGSM Version: 0.7.9": false,
		"UNDER_VOLTAGE WARNING": false,
	} {
		if got := IsPowerDownURC(line); got != want {
			t.Errorf("IsPowerDownURC(%q) = %v, want %v", line, got, want)
		}
		if want && (!IsPowerURC(line) || IsPowerOnURC(line)) {
			t.Errorf("%q is a power-down URC but IsPowerURC %v, IsPowerOnURC %v", line, IsPowerURC(line), IsPowerOnURC(line))
		}
	}
}

// TestResultFormRunParsesOnce: Run asks a command line what it sets V
// to, whether it loads an unknown profile, how it leaves the modes and
// whether it restarts the modem, from one Parse: a line of thousands of
// commands was parsed for each question, six times.
func TestResultFormRunParsesOnce(t *testing.T) {
	line := "AT" + strings.Repeat("EQVX", 1024)
	parse := testing.AllocsPerRun(10, func() { _, _ = Parse(line) })
	f := NewOpenResultForm()
	if run := testing.AllocsPerRun(10, func() { f.Run(line) }); run > parse {
		t.Errorf("Run of a line of 4096 commands: %v allocations, one Parse %v", run, parse)
	}
}
