package fleet

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"

	"github.com/esimhil/esimhil/emulators/modem/stkterm"
)

// TestHostShortNamed (outside tester t216): under ulimit -n a device's
// channel the host could not open failed it as "preferred list: open
// channel: result 3A/07 (BIP error: remote device is not reachable)",
// the platform's fault by its words. Its reason names what the host
// lacked, the card's words after it; the terminal's limits keep theirs,
// and a link its peer ended keeps the card's.
func TestHostShortNamed(t *testing.T) {
	const read = "open channel: result 3A/07 (BIP error: remote device is not reachable)"
	short := fmt.Errorf("%w: open channel to 127.0.0.1:443: dial tcp 127.0.0.1:443: %w", stkterm.ErrHostShort, os.NewSyscallError("socket", syscall.EMFILE))
	for _, tc := range []struct {
		name string
		link error
		want string // the device's failure
	}{
		{"out of descriptors", short, "preferred list: " + short.Error() + " (the card read: " + read + ")"},
		{"silent peer", stkterm.ErrIdleLimit, "preferred list: " + stkterm.ErrIdleLimit.Error() + " (the card read: " + read + ")"},
		{"dripping peer", fmt.Errorf("channel 1: %w", stkterm.ErrHoldLimit), "preferred list: " + stkterm.ErrHoldLimit.Error() + " (the card read: " + read + ")"},
		{"refused by its peer", nil, "preferred list: " + read},
		{"another failure", errors.New("connection reset"), "preferred list: " + read},
	} {
		by, ok := linkCut(tc.link)
		silent := ""
		if ok {
			silent = read
		}
		got, _ := cardFailure(cardEvent("preferred_list_failed", "reason", read), silent, by)
		if got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
