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
