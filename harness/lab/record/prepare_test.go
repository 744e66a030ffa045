package record

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/atclient"
)

// Prepare puts the registration reports back to their power-on default
// and errors to numbers whatever a host before it set, so a recording's
// read forms and errors are the modem's, not the last host's; a modem
// that refuses one is not a failure.
func TestPrepareResetsRegistrationReports(t *testing.T) {
	var mu sync.Mutex
	var got []string
	port := scriptedModem(t, func(l string) string {
		mu.Lock()
		got = append(got, strings.TrimSpace(l))
		mu.Unlock()
		if strings.HasPrefix(l, "AT+CGREG") {
			return "\r\nERROR\r\n" // an LTE-only module without it
		}
		return "\r\nOK\r\n"
	})
	c := atclient.New(port, atclient.WithTimeout(2*time.Second))
	defer c.Close()
	if err := Prepare(c); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, want := range []string{"ATE0", "AT+CEREG=0", "AT+CREG=0", "AT+CGREG=0", "AT+CMEE=1"} {
		if !slices.Contains(got, want) {
			t.Errorf("Prepare sent %q, not %s", got, want)
		}
	}
}

// Prepare's failure names its command once (the client's errors name it
// already, a final ERROR does not) and, when the port dropped, says the
// recording never began and what to do (outside tester sw78: "AT+CGREG=0:
// AT+CGREG=0: no final result: …", exit 1, nothing said).
func TestPrepareFailedWording(t *testing.T) {
	for _, tc := range []struct {
		cmd      string
		err      error
		timeouts []atclient.Timeout
		want     []string
	}{
		{"AT+CGREG=0", fmt.Errorf("AT+CGREG=0: no final result: %w", fmt.Errorf("%w: tcp://127.0.0.1:1: EOF", atclient.ErrPortDown)), nil,
			[]string{"setting the modem up for the recording: AT+CGREG=0: no final result", "nothing was recorded: record again"}},
		{"ATE0", atclient.ErrError, nil, []string{"setting the modem up for the recording: ATE0: at: ERROR"}},
		// Noise for its answer: the port's settings (outside tester
		// sw108: garbage through a proxy read as a slow modem).
		{"ATE0", fmt.Errorf("ATE0: %w after 5s", atclient.ErrTimeout), []atclient.Timeout{{Command: "ATE0", Noise: 3}},
			[]string{"it sent 3 line(s) of noise meanwhile, no text: wrong BAUD or parity?"}},
	} {
		msg := prepareFailed(tc.cmd, tc.err, tc.timeouts).Error()
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%q lacks %q", msg, w)
			}
		}
		if strings.Count(msg, tc.cmd) != 1 {
			t.Errorf("%q names %s more than once", msg, tc.cmd)
		}
	}
}
