package record

import (
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
