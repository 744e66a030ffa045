package fieldlog

import (
	"fmt"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/personality"
)

// ccho opens a logical channel to the ISD-R; some modems answer with the
// bare channel number, and 4 is ERROR's digit under ATV0.
const ccho = `AT+CCHO="A0000005591010FFFFFFFF8900000100"`

// TestBootResetsTheResultForm: a modem's power-on, as a log shows it (a
// power URC, at.IsPowerURC, or a restart command answered OK, at.Restarts),
// loads the profile AT&W stored, else the factory's V1 (V.250 §6.2.6,
// §6.1.1): the ATV0 before it no longer holds. Each log has a bare channel
// 4 (ERROR's digit) that a boot's readiness URC parts from its OK: under
// the ATV0 it would be the command's ERROR, and the OK after it a final
// result nobody asked for. want is the role of each modem line, as in
// TestNumericResults.
func TestBootResetsTheResultForm(t *testing.T) {
	for _, tc := range []struct {
		name string
		log  []string
		want []string
	}{
		{"Quectel RDY", []string{"> ATE0V0", "< 0", "< RDY", "< +CFUN: 1", "< +CPIN: READY", "< +QUSIM: 1",
			"> " + ccho, "< 4", "< +QIND: SMS DONE", "< OK"},
			[]string{"final [OK]", "urc", "urc", "urc", "urc", "info", "urc", "final"}},
		{"SIMCom *ATREADY", []string{"> ATV0", "< 0", "< *ATREADY: 1", "< +CPIN: READY",
			"> " + ccho, "< 4", "< SMS DONE", "< OK"},
			[]string{"final [OK]", "urc", "urc", "info", "urc", "final"}},
		{"Quectel RDY with a command in flight", []string{"> ATV0", "< 0", "> AT+CSQ", "< RDY", "< +CPIN: READY",
			"> " + ccho, "< 4", "< +QIND: PB DONE", "< OK"},
			[]string{"final [OK]", "urc", "urc", "info", "urc", "final"}},
		{"Cinterion ^SYSSTART", []string{"> ATV0", "< 0", "< ^SYSSTART",
			"> " + ccho, "< 4", "< +CIEV: service,1", "< OK"},
			[]string{"final [OK]", "urc", "info", "urc", "final"}},
		// A Sierra or a Telit boots with no URC: the restart it was asked
		// for is the boot, once answered OK (in the old form).
		{"Sierra restart, no boot URC", []string{"> ATV0", "< 0", "> AT+CFUN=1,1", "< 0",
			"> " + ccho, "< 4", "< +CEREG: 5", "< OK"},
			[]string{"final [OK]", "final [OK]", "info", "urc", "final"}},
		{"a refused restart is no boot", []string{"> ATV0", "< 0", "> AT+CFUN=1,1", "< 4", "> AT", "< 0"},
			[]string{"final [OK]", "final [ERROR]", "final [OK]"}},
		// The profile AT&W stored is what the modem boots with.
		{"a stored ATV0", []string{"> ATV0&W", "< 0", "> ATV1", "< OK", "< RDY", "> AT+CSQ", "< +CSQ: 24,99", "< 0"},
			[]string{"final [OK]", "final", "urc", "info", "final [OK]"}},
		{"a stored ATV0 through a restart", []string{"> ATE0V0&W", "< 0", "> ATV1", "< OK", "> AT+CFUN=1,1", "< OK",
			"> AT+CSQ", "< +CSQ: 24,99", "< 0"},
			[]string{"final [OK]", "final", "final", "info", "final [OK]"}},
		// A vendor's restart (at.VendorRestarts) is one too.
		{"a stored ATV0 through a Sierra's AT!RESET", []string{"> ATV0&W", "< 0", "> ATV1", "< OK", "> AT!RESET", "< OK",
			"> AT+CSQ", "< +CSQ: 24,99", "< 0"},
			[]string{"final [OK]", "final", "final", "info", "final [OK]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("v.log", []byte(strings.Join(tc.log, "\n")+"\n"), Plain)
			if err != nil {
				t.Fatal(err)
			}
			if got := modemRoles(tr); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("modem lines %q, want %q", got, tc.want)
			}
		})
	}
}

// TestBootStoredProfile: a real modem may have had ATV0 stored (ATV0&W)
// before its log began, so after a boot with no AT&W in the log its form
// is unknown, as at the log's start (at.NewOpenResultForm), and the look
// ahead reads its digits as at the start; a digit read so is marked
// StoredV0 ("stored" below), the profile the replay must store. The
// first final result in either form shows the form again.
func TestBootStoredProfile(t *testing.T) {
	for _, tc := range []struct {
		name string
		log  []string
		want []string
	}{
		{"stored V0, reboot", []string{"> AT", "< OK", "< RDY", "> AT+CSQ", "< +CSQ: 24,99", "< 0", "> AT", "< 0"},
			[]string{"final", "urc", "info", "final [OK] stored", "final [OK]"}},
		{"stored V0, restart", []string{"> AT", "< OK", "> AT+CFUN=1,1", "< OK", "> AT+CPIN?", "< +CPIN: READY", "< 0"},
			[]string{"final", "final", "info", "final [OK] stored"}},
		{"stored V0, an ERROR first", []string{"> ATV0", "< 0", "< RDY", "> AT+FOO", "< 4", "> AT", "< 0"},
			[]string{"final [OK]", "urc", "final [ERROR] stored", "final [OK]"}},
		{"stored V0, a bare channel first", []string{"> AT", "< OK", "< RDY", "> " + ccho, "< 4", "< +QIND: SMS DONE", "< 0"},
			[]string{"final", "urc", "info", "urc", "final [OK] stored"}},
		// +CME ERROR shows no form: the digit after it is still the
		// stored profile's.
		{"stored V0 after a +CME ERROR", []string{"> AT", "< OK", "< RDY", "> AT+CPIN?", "< +CME ERROR: 10", "> AT", "< 0"},
			[]string{"final", "urc", "final", "final [OK] stored"}},
		// ATV0 with no &W is lost at the boot: words after it, and the
		// digit after that is information text.
		{"ATV0 not stored, reboot, words", []string{"> ATV0", "< 0", "< RDY", "> AT+CSQ", "< +CSQ: 24,99", "< OK", "> ATS0?", "< 0", "< OK"},
			[]string{"final [OK]", "urc", "info", "final", "info", "final"}},
		{"ATV0 not stored, restart, words", []string{"> ATV0", "< 0", "> AT+CFUN=1,1", "< 0", "> " + ccho, "< 4", "< OK"},
			[]string{"final [OK]", "final [OK]", "info", "final"}},
		// ATZ loads the stored profile (V.250 §6.1.1) as a boot does, and
		// answers in its form: with no AT&W in the log, digits are the
		// profile stored before it began.
		{"stored V0, ATZ", []string{"> AT", "< OK", "> ATZ", "< 0", "> AT+CSQ", "< +CSQ: 24,99", "< 0"},
			[]string{"final", "final [OK] stored", "info", "final [OK]"}},
		{"stored V0, ATZ, a bare channel first", []string{"> AT", "< OK", "> ATE0Z", "< 0", "> " + ccho, "< 4", "< 0"},
			[]string{"final", "final [OK] stored", "info", "final [OK]"}},
		{"ATV0 not stored, ATZ, words", []string{"> ATV0", "< 0", "> ATZ", "< OK", "> ATS0?", "< 0", "< OK"},
			[]string{"final [OK]", "final", "info", "final"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("v.log", []byte(strings.Join(tc.log, "\n")+"\n"), Plain)
			if err != nil {
				t.Fatal(err)
			}
			if got := modemRoles(tr); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("modem lines %q, want %q", got, tc.want)
			}
		})
	}
}

// TestBootDigitHint: a log that shows words after a boot and then a
// digit where a result code ends an answer is still refused, saying why:
// the form was shown, or loaded from the log's own AT&W.
func TestBootDigitHint(t *testing.T) {
	for _, tc := range []struct{ log, want string }{
		{"> ATV0\n< 0\n< RDY\n> AT\n< OK\n> AT+CSQ\n< +CSQ: 24,99\n< 0\n",
			"v.log:6: the log ends before the final result of AT+CSQ: truncated? (its last line, 0, is OK in numeric form, but the modem answers in words since line 5: an ATV0 the log does not show?); the log stops in line 8: if it was cut there (log rotation, a paste), cut it after line 5, before that command, to replay what comes before it"},
		{"> ATV1&W\n< OK\n> ATV0\n< 0\n< RDY\n> AT+CSQ\n< +CSQ: 24,99\n< 0\n",
			"v.log:6: the log ends before the final result of AT+CSQ: truncated? (its last line, 0, is OK in numeric form, but the modem answers in words since its boot at line 5, which loaded the profile the log's AT&W stored, in words (V.250 §6.1.1): an ATV0 the log does not show?); the log stops in line 8: if it was cut there (log rotation, a paste), cut it after line 5, before that command, to replay what comes before it"},
		{"> AT\n< OK\n< RDY\n> AT+CSQ\n< +CSQ: 24,99\n< 9\n",
			"v.log:4: the log ends before the final result of AT+CSQ: truncated? (its last line, 9, is a bare digit but no V.250 result code); the log stops in line 6: if it was cut there (log rotation, a paste), cut it after line 3, before that command, to replay what comes before it"},
	} {
		if _, err := Read("v.log", []byte(tc.log), Plain); err == nil || err.Error() != tc.want {
			t.Errorf("%q: error %v\nwant      %s", tc.log, err, tc.want)
		}
	}
}

// TestPowerOnURCsAreTheCodecs: a personality's first boot URC with no
// 27.007 name (not +CPIN: READY, which a SIM sends whenever it is ready)
// is a boot to fieldlog and to the timeline only through at.PowerURCs
// (at.IsPowerURC): one that is not there belongs in it, or the readers
// of a log miss that modem's boot.
func TestPowerOnURCsAreTheCodecs(t *testing.T) {
	for _, p := range personality.Builtin() {
		if len(p.BootURCs) > 0 && !strings.HasPrefix(p.BootURCs[0], "+") && !at.IsPowerURC(p.BootURCs[0]) {
			t.Errorf("%s: %q is no at.IsPowerURC: add it to at.PowerURCs", p.Name, p.BootURCs[0])
		}
	}
}

// TestTerminalBootEchoAndForm: in a terminal capture a power-on (here
// Cinterion's ^SYSSTART) brings back the echo and the words of the
// factory's profile after an ATE0V0: the typed line after it is echoed.
func TestTerminalBootEchoAndForm(t *testing.T) {
	for _, boot := range []string{"RDY", "*ATREADY: 1", "^SYSSTART"} {
		log := "AT\r\nOK\r\nATE0V0\r\nATE0V0\r\n0\r\n" + boot + "\r\nAT+CSQ\r\n+CSQ: 24,99\r\n\r\nOK\r\n"
		tr, err := Read("v.log", []byte(log), Terminal)
		if err != nil {
			t.Fatalf("%s: %v", boot, err)
		}
		var got []string
		for _, e := range tr.Entries[len(tr.Entries)-4:] {
			got = append(got, e.Role.String())
		}
		if want := "[command echo info final]"; fmt.Sprint(got) != want {
			t.Errorf("%s: last entries %v, want %s", boot, got, want)
		}
	}
}

// TestTerminalBootStoredProfile: a terminal capture reads a stored ATV0
// after a boot as a plain transcript does (TestBootStoredProfile).
func TestTerminalBootStoredProfile(t *testing.T) {
	log := "AT\r\nAT\r\nOK\r\nRDY\r\nAT+CPIN?\r\nAT+CPIN?\r\n4\r\nAT\r\nAT\r\n0\r\n"
	tr, err := Read("v.log", []byte(log), Terminal)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range tr.Entries {
		if e.Role == Final {
			got = append(got, fmt.Sprintf("%s %v", e.Verbose(), e.StoredV0))
		}
	}
	if want := "[OK false ERROR true OK false]"; fmt.Sprint(got) != want {
		t.Errorf("finals %v, want %s", got, want)
	}
}
