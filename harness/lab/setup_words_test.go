package lab

import (
	"fmt"
	"testing"

	"github.com/esimhil/esimhil/harness/atclient"
)

// A set-up command that got no answer is not said to be refused: a
// timeout (another reader on the tty?) is no refusal.
func TestRefusedOr(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("AT+CMEE=2: %w after 7s", atclient.ErrTimeout), "got no answer"},
		{fmt.Errorf("AT+CMEE=2: %w", atclient.ErrError), "refused"},
		{&atclient.CMEError{Code: 4}, "refused"},
	} {
		if got := refusedOr(tc.err); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.err, got, tc.want)
		}
	}
}
