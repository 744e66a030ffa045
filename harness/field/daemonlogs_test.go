package field

import (
	"strings"
	"testing"
)

// TestChatAndOfonoLogs: the logs of pppd's chat and of oFono reconstruct
// like the others. chat's "alarm" is its host giving up on the command
// pending: the AT port hangs from it to the next command answered. An
// oFono log of two channels is a log of two AT ports: the manifest names
// the one to replay.
func TestChatAndOfonoLogs(t *testing.T) {
	const orange = "  profiles:\n    - {iccid: \"89330100005021044451\", operator: orange-fr, enabled: true}\n" +
		"network:\n  operators:\n    - {id: orange-fr, plmn: \"20801\", country: FR, name: Orange}\n" +
		"expected: \"x\"\nfailure: {log: gw.log, line: 1, what: \"x\"}\nexpect: reproduces\n"
	manifest := func(format, port string) string {
		if port != "" {
			port = ", port: " + port
		}
		return "name: gw\nsource: \"a hand-written " + format + " log\"\nlogs:\n  - {file: gw.log, format: " + format + port + "}\n" +
			"device:\n  personality: generic\n" + orange
	}
	chat := `Dec  2 10:15:02 gw chat[6514]: send (AT+CSQ^M)
Dec  2 10:15:02 gw chat[6514]: expect (OK)
Dec  2 10:15:02 gw chat[6514]: AT+CSQ^M^M
Dec  2 10:15:02 gw chat[6514]: +CSQ: 20,99^M
Dec  2 10:15:02 gw chat[6514]: ^M
Dec  2 10:15:02 gw chat[6514]: OK
Dec  2 10:15:02 gw chat[6514]:  -- got it
Dec  2 10:15:03 gw chat[6514]: send (AT+CGATT=1^M)
Dec  2 10:15:03 gw chat[6514]: expect (OK)
Dec  2 10:15:03 gw chat[6514]: ^M
Dec  2 10:15:13 gw chat[6514]: alarm
Dec  2 10:15:13 gw chat[6514]: send (AT^M)
Dec  2 10:15:13 gw chat[6514]: expect (OK)
Dec  2 10:15:23 gw chat[6514]: alarm
Dec  2 10:15:23 gw chat[6514]: Failed
Dec  2 10:16:02 gw chat[6601]: send (AT+CSQ^M)
Dec  2 10:16:02 gw chat[6601]: expect (OK)
Dec  2 10:16:02 gw chat[6601]: AT+CSQ^M^M
Dec  2 10:16:02 gw chat[6601]: +CSQ: 20,99^M
Dec  2 10:16:02 gw chat[6601]: ^M
Dec  2 10:16:02 gw chat[6601]: OK
Dec  2 10:16:02 gw chat[6601]:  -- got it
`
	p := reconstruct(t, writeFixture(t, "gw", map[string]string{"gw.log": chat, ManifestFile: manifest("chat", "")}), Options{})
	if !assumed(p, "stopped answering at gw.log:8", "the host gave up waiting: gw.log:11", "until gw.log:16") {
		t.Errorf("assumptions:\n%s", strings.Join(p.Assumptions, "\n"))
	}
	if y := string(p.ScenarioYAML); !strings.Contains(y, "at_port: hang") {
		t.Errorf("no hang in the scenario:\n%s", y)
	}

	ofono := `Mar 02 10:00:01 pinephone ofonod[4140]: Aux: > AT+CPIN?\r
Mar 02 10:00:01 pinephone ofonod[4140]: Modem: > AT+CGDCONT=1,"IP","internet"\r
Mar 02 10:00:01 pinephone ofonod[4140]: Aux: < \r\n+CPIN: READY\r\n\r\nOK\r\n
Mar 02 10:00:01 pinephone ofonod[4140]: Modem: < \r\nOK\r\n
Mar 02 10:00:02 pinephone ofonod[4140]: Aux: > AT+CEREG?\r
Mar 02 10:00:02 pinephone ofonod[4140]: Aux: < \r\n+CEREG: 2,1,"1A2B","01A2B301",7\r\n\r\nOK\r\n
`
	if _, err := Load(writeFixture(t, "gw", map[string]string{"gw.log": ofono, ManifestFile: manifest("ofono", "")})); err == nil ||
		!strings.Contains(err.Error(), "gw.log talks to 2 AT ports (Aux, Modem): say which with port:") {
		t.Errorf("two channels without port: %v", err)
	}
	p = reconstruct(t, writeFixture(t, "gw", map[string]string{"gw.log": ofono, ManifestFile: manifest("ofono", "Aux")}), Options{})
	var lines []string
	for _, s := range p.Steps {
		lines = append(lines, s.Line)
	}
	if got := strings.Join(lines, "|"); got != "AT+CPIN?|AT+CEREG?" {
		t.Errorf("steps %q, want Aux's commands", got)
	}
}
