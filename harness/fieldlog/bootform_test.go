package fieldlog

import (
	"fmt"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/codec/at"
)

// ccho opens a logical channel to the ISD-R; some modems answer with the
// bare channel number, and 4 is ERROR's digit under ATV0.
const ccho = `AT+CCHO="A0000005591010FFFFFFFF8900000100"`

// TestBootResetsTheResultForm: a modem's power-on, as a log shows it (a
// power URC, powerOnURCs, or a restart command answered OK, at.Restarts),
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
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("v.log", []byte(strings.Join(tc.log, "\n")+"\n"), Plain)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range tr.Entries {
				if e.Dir != Modem {
					continue
				}
				s := e.Role.String()
				if e.Result != "" {
					s += " [" + e.Result + "]"
				}
				got = append(got, s)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("modem lines %q, want %q", got, tc.want)
			}
		})
	}
}

// TestBootDigitHint: digits after a boot that the log shows no AT&W for
// are no result codes (the factory's V1), and the refusal says so.
func TestBootDigitHint(t *testing.T) {
	log := "> ATV0\n< 0\n< RDY\n> AT+CSQ\n< +CSQ: 24,99\n< 0\n"
	want := "v.log:4: the log ends before the final result of AT+CSQ: truncated? (its last line, 0, is OK in numeric form, but the modem answers in words since its boot at line 3 (V.250 §6.2.6: the profile AT&W stored, else the factory's V1): an ATV0 the log does not show, or one AT&W stored before the log began?); the log stops in line 6: if it was cut there (log rotation, a paste), cut it after line 3, before that command, to replay what comes before it"
	if _, err := Read("v.log", []byte(log), Plain); err == nil || err.Error() != want {
		t.Errorf("error %v\nwant      %s", err, want)
	}
}

// TestPowerOnURCsAreTheCodecs: the boots fieldlog takes (powerOnURCs,
// with the personalities' own) are the ones the timeline takes
// (at.IsPowerURC): a personality whose first boot URC has no 27.007 name
// belongs in at.PowerURCs too, or the two readers of one log disagree.
func TestPowerOnURCsAreTheCodecs(t *testing.T) {
	for u := range powerOnURCs() {
		if !at.IsPowerURC(u) {
			t.Errorf("%q is a boot to fieldlog, not to at.IsPowerURC: add it to at.PowerURCs", u)
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
