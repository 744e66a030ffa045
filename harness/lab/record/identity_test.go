package record

import (
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/internal/personality"
)

// TestIdentityIsTheModems: lab record takes for the modem's identity only
// a line of the +CGMM answer that can be its model, and says why it has
// none otherwise; the draft of that recording drafts no model from it
// (outside tester sw128 F3: the echo, a URC, NO CARRIER, the client's
// placeholder and an escaped noise line each became identity: and the
// draft's model:). Real pty, real client: the lines are what at.log holds.
func TestIdentityIsTheModems(t *testing.T) {
	const urc = "\r\n+CEREG: 1,\"3a9b\",\"0000c33d\",7\r\n"
	const nmea = "\r\n$GPGSV,3,1,11,03,03,111,00*74\r\n"
	for _, tc := range []struct {
		name, answer  string // the modem's answer to AT+CGMM
		want, missing string // identity, or what Missing says
	}{
		{"plain", "\r\nFakeModem X1\r\n\r\nOK\r\n", "FakeModem X1", ""},
		{"its own prefix", "\r\n+CGMM: EC25\r\n\r\nOK\r\n", "+CGMM: EC25", ""},
		{"echo in spite of ATE0", "AT+CGMM\r\r\nFakeModem X1\r\n\r\nOK\r\n", "FakeModem X1", ""},
		{"URCs around it", urc + "\r\nFakeModem X1\r\n" + urc + "\r\nOK\r\n", "FakeModem X1", ""},
		{"a boot URC first", "\r\nSMS DONE\r\n\r\nFakeModem X1\r\n\r\nOK\r\n", "FakeModem X1", ""},
		{"echo alone", "AT+CGMM\r\r\nOK\r\n", "", `"AT+CGMM" is the echo of a command`},
		{"URC alone", urc + "\r\nOK\r\n", "", `"+CEREG: 1,\"3a9b\",\"0000c33d\",7" is an unsolicited result code`},
		{"NO CARRIER", "\r\nNO CARRIER\r\n", "", "answered NO CARRIER, not OK"},
		{"ERROR", "\r\nERROR\r\n", "", "answered ERROR, not OK"},
		{"overlong", "\r\n" + strings.Repeat("A", 70000) + "\r\n\r\nOK\r\n", "", `"<overlong line dropped>" is the client's placeholder`},
		{"noise", "\r\nFake\x00Modem\xff X1\r\n\r\nOK\r\n", "", "has noise bytes in it"},
		{"two candidates", "\r\nMODEM READY\r\n\r\nFakeModem X1\r\n\r\nOK\r\n", "", `2 lines that could each be the model ("MODEM READY", "FakeModem X1")`},
		{"nothing", "\r\nOK\r\n", "", "no line before OK"},
		// outside tester sw130 N2: result codes, boot and power URCs, a
		// bare name and a line of symbols were each taken as the model.
		{"RING", "\r\nRING\r\n\r\nOK\r\n", "", `"RING" is an unsolicited result code`},
		{"RING then model", "\r\nRING\r\n\r\nFakeModem X1\r\n\r\nOK\r\n", "FakeModem X1", ""},
		{"CONNECT", "\r\nCONNECT 115200\r\n\r\nOK\r\n", "", `"CONNECT 115200" is a V.250 result code`},
		{"SYSSTART", "\r\n^SYSSTART\r\n\r\nOK\r\n", "", `"^SYSSTART" is an unsolicited result code`},
		{"NORMAL POWER DOWN", "\r\nNORMAL POWER DOWN\r\n\r\nOK\r\n", "", `"NORMAL POWER DOWN" is an unsolicited result code`},
		{"POWERED DOWN", "\r\nPOWERED DOWN\r\n\r\nOK\r\n", "", `"POWERED DOWN" is an unsolicited result code`},
		{"echo without AT", "\r\n+CGMM\r\n\r\nOK\r\n", "", `"+CGMM" is a +NAME or ^NAME with no colon`},
		{"vendor name alone", "\r\n^SQPORT\r\n\r\nOK\r\n", "", `"^SQPORT" is a +NAME or ^NAME with no colon`},
		{"symbols", "\r\n~~~~\r\n\r\nOK\r\n", "", `"~~~~" has no letter or digit`},
		// A GPS stream on the port (re-tester t145 F1).
		{"an NMEA sentence inside", "\r\nFakeModem X1\r\n" + nmea + "\r\nOK\r\n", "FakeModem X1", ""},
		{"an NMEA sentence alone", nmea + "\r\nOK\r\n", "", `"$GPGSV,3,1,11,03,03,111,00*74" is an NMEA sentence (a GPS stream on the port), not the modem's answer`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			port := scriptedModem(t, func(l string) string {
				if l == "AT+CGMM" {
					return tc.answer
				}
				return "\r\nOK\r\n"
			})
			s, err := ParseScript("s.yaml", []byte("name: x\nsteps:\n  - AT\n  - AT+CGMM\n  - AT+CPIN?\n"))
			if err != nil {
				t.Fatal(err)
			}
			log := &Log{}
			c := atclient.New(port, atclient.WithTrace(log), atclient.WithTimestamps(time.Now), atclient.WithTimeout(3*time.Second),
				atclient.WithURCs("SMS DONE"))
			defer c.Close()
			id, err := Record(c, personality.Generic(), s, log)
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(log.Lines(), "\n")
			if id.Text != tc.want || !strings.Contains(id.Missing, tc.missing) || (tc.want == "") != (id.Missing != "") {
				t.Errorf("identity %q, missing %q; want %q, missing %q\n%s", id.Text, id.Missing, tc.want, tc.missing, text)
			}
			if tc.want == "" && !strings.HasPrefix(id.Missing, "the AT+CGMM at at.log:") {
				t.Errorf("missing %q does not name the command's line", id.Missing)
			}
			r := rec(t, log.Lines()...)
			r.Dir = "rec"
			y, err := Draft(r, "x")
			if err != nil {
				t.Fatal(err)
			}
			p, err := personality.Parse("x.yaml", []byte(y))
			if err != nil {
				t.Fatal(err)
			}
			model := personality.Generic().Model
			if tc.want != "" {
				model = tc.want
			}
			if p.Model != model || tc.want == "" && (strings.Contains(y, "\nmodel:") || strings.Contains(y, "\nidentify:") || !strings.Contains(y, "# Not drafted: model and identify (the base's stay): "+id.Missing)) {
				t.Errorf("draft's model %q, want %q:\n%s", p.Model, model, y)
			}
		})
	}
}

// A script without AT+CGMM holds no identity, and says so.
func TestIdentityOfAScriptWithoutCGMM(t *testing.T) {
	id := IdentityOf([]string{"T > AT+CPIN?", "T < +CPIN: READY", "T < OK"})
	if id.Text != "" || id.Missing != "the script does not send AT+CGMM" {
		t.Errorf("IdentityOf = %+v", id)
	}
}
