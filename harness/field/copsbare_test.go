package field

import (
	"strings"
	"testing"
)

// TestBareCOPSNotRegistered: a +COPS? answer that names no operator
// ("+COPS: 0": TS 27.007 §7.3 gives <oper> only while registered) is the
// modem's word that it has no network. In logs that show no registration
// line at all it places the device out of coverage; before, the plan had
// it attached somewhere and the replay answered +COPS: 0,2,"20801",7. The
// first row is mbed-os issue 13000's trace of a SARA-R142 (trimmed); a
// registration line, or the host's detach before the answer (+CFUN=4, as
// ubxlib issue 113's log has it), speaks instead.
func TestBareCOPSNotRegistered(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		failure   string // the failure's line: the +COPS: 0
		outside   bool   // placed out of coverage by the +COPS? answer
	}{
		{"mbed-os issue 13000: +COPS: 0 polled, nothing else", "[2020-06-04 09:16:15.879388] [DBG ][CELL]: Automatic network registration\n" +
			"[2020-06-04 09:16:15.883368] [INFO][CELL]: AT TX ( 8): AT+COPS?\n" +
			"[2020-06-04 09:16:15.886386] [INFO][CELL]: AT TX ( 1): <cr>\n" +
			"[2020-06-04 09:16:15.893363] [INFO][CELL]: AT RX (17): <cr><ln>+COPS: 0<cr><ln><cr><ln>OK<cr>\n" +
			"[2020-06-04 09:16:15.896358] [INFO][CELL]: AT RX ( 1): <ln>\n" +
			"[2020-06-04 09:16:15.901407] [DBG ][CELL]: Registering network: retry 0/10\n", "4", true},
		{"the host detached first (ubxlib issue 113)", "AT+CFUN=4\n\nOK\nAT+COPS?\n\n+COPS: 0\n\nOK\n", "6", false},
		{"a registration line says more", "AT+COPS?\n\n+COPS: 0\n\nOK\nAT+CEREG?\n\n+CEREG: 0,1\n\nOK\n", "3", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := strings.Replace(orangePlain("bare", "generic"), "format: plain", "format: ", 1)
			m = strings.Replace(m, "{file: host.log, format: }", "{file: host.log}", 1)
			m = strings.Replace(m, "line: 1,", "line: "+tc.failure+",", 1)
			p := reconstruct(t, writeFixture(t, "bare", map[string]string{ManifestFile: m, "host.log": tc.log}), Options{})
			got := assumed(p, "+COPS? names no operator: not registered", "out of coverage throughout the replay")
			if got != tc.outside {
				t.Errorf("placed out of coverage by +COPS: %v, want %v:\n%s", got, tc.outside, strings.Join(p.Assumptions, "\n"))
			}
			if tc.outside && assumed(p, "the device attached somewhere") {
				t.Errorf("the device attached somewhere, still:\n%s", strings.Join(p.Assumptions, "\n"))
			}
		})
	}
}
