package harness

import (
	"testing"

	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/scenario"
)

// A +CIMI refused for PIN1 at the end of a run (+CPIN? says so) is
// reported as such, not as a failed report; the host enters no PIN. Any
// other failure stays one.
func TestReportPINLocked(t *testing.T) {
	for _, tc := range []struct {
		resp *atclient.Response
		want string
	}{
		{&atclient.Response{Lines: []string{"+CPIN: SIM PIN"}, Final: "OK"}, "SIM PIN"},
		{&atclient.Response{Lines: []string{"+CPIN: SIM PUK"}, Final: "OK"}, "SIM PUK"},
		{&atclient.Response{Lines: []string{"+CPIN: READY"}, Final: "OK"}, ""},
		{&atclient.Response{Final: "ERROR"}, ""},
		{nil, ""},
	} {
		if got := cpinLocked(tc.resp); got != tc.want {
			t.Errorf("cpinLocked(%+v) = %q, want %q", tc.resp, got, tc.want)
		}
	}
	answers := map[string]*atclient.Response{
		"AT+CEREG?": {Lines: []string{"+CEREG: 2,0"}, Final: "OK"},
		"AT+COPS?":  {Lines: []string{"+COPS: 0"}, Final: "OK"},
	}
	end, err := parseReport(answers, "SIM PIN")
	if err != nil || end != (scenario.EndRegistration{Registration: "none", PIN: "SIM PIN"}) {
		t.Fatalf("%+v %v", end, err)
	}
	if _, err := parseReport(answers, ""); err == nil {
		t.Fatal("no +CIMI answer and no PIN: want an error")
	}
}

// A card whose original profile wants its PIN at power on: the host's
// opening script sees +CIMI refused and the run goes on to its horizon
// (found by harness/explore), the end report saying SIM PIN.
func TestRunWithAPINLockedOriginal(t *testing.T) {
	s := loadFixture(t, "pin-locked-profile.yaml")
	for i, o := range s.Network.Operators {
		if o.ID == "cmcc" {
			s.Network.Operators[i].PIN1 = &scenario.PIN1{Code: "4321", Enabled: true}
		}
	}
	s.Itinerary = s.Itinerary[:1] // stays at home: nothing attaches
	s.Expect = scenario.Expect{}
	res := RunScenario(s, Options{Dir: t.TempDir()})
	if res.Err != nil || res.Incomplete != "" {
		t.Fatalf("run: %v (incomplete: %q)", res.Err, res.Incomplete)
	}
}

// A script stops at its first refused command: the first without an answer.
func TestFailedAt(t *testing.T) {
	ok := &atclient.Response{Final: "OK"}
	for _, tc := range []struct {
		answers map[string]*atclient.Response
		want    string
	}{
		{map[string]*atclient.Response{"AT+CEREG?": ok, "AT+COPS?": ok, "AT+CSQ": ok, "AT+CCID": ok}, "AT+CIMI"},
		{map[string]*atclient.Response{"AT+CEREG?": ok}, "AT+COPS?"},
		{map[string]*atclient.Response{"AT+CEREG?": ok, "AT+COPS?": ok, "AT+CSQ": ok, "AT+CCID": ok, "AT+CIMI": ok}, ""},
	} {
		if got := failedAt(HostReport, tc.answers); got != tc.want {
			t.Errorf("failedAt(%v) = %q, want %q", tc.answers, got, tc.want)
		}
	}
}
