//go:build !linux

package capture

import (
	"fmt"
	"runtime"
	"time"

	"golang.org/x/net/bpf"
)

// errNoRing is why live mode cannot start here: the capture and the
// kernel's drop counters it is checked against (PACKET_STATISTICS,
// TP_STATUS_LOSING) are AF_PACKET's. Auto then falls back to the tap,
// which records every byte of the servers' connections by construction;
// Live fails with this, rather than write a capture no kernel vouched
// for.
var errNoRing = fmt.Errorf("live capture (an AF_PACKET ring, whose kernel drop counters prove it complete) is Linux-only, not on %s: use the tap (--capture tap), which records every byte the servers carry", runtime.GOOS)

// ring never opens off Linux; its methods exist for live mode's code.
type ring struct{ stats Stats }

func openRing(string, int, int) (*ring, error) { return nil, errNoRing }

func (*ring) setFilter([]bpf.RawInstruction) error { return errNoRing }

func (*ring) next(time.Duration, func(time.Time, []byte) error) (bool, error) {
	return false, errNoRing
}

func (*ring) readStats() error { return errNoRing }

func (*ring) close() {}
