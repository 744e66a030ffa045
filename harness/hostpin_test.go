package harness

import (
	"errors"
	"fmt"
	"testing"

	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/scenario"
)

// A +CIMI refused for PIN1 at the end of a run is reported as such, not
// as a failed report; the host enters no PIN. Any other failure stays one.
func TestReportPINLocked(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("AT+CIMI: %w", &atclient.CMEError{Code: 11, Text: "SIM PIN required"}), "SIM PIN"},
		{fmt.Errorf("AT+CIMI: %w", &atclient.CMEError{Code: 12, Text: "SIM PUK required"}), "SIM PUK"},
		{errors.New("AT+CIMI: +CME ERROR: SIM PIN required"), "SIM PIN"},
		{fmt.Errorf("AT+CIMI: %w", &atclient.CMEError{Code: 13, Text: "SIM failure"}), ""},
		{fmt.Errorf("AT+COPS?: %w", &atclient.CMEError{Code: 11, Text: "SIM PIN required"}), ""},
		{nil, ""},
	} {
		if got := pinLocked(tc.err); got != tc.want {
			t.Errorf("pinLocked(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
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
