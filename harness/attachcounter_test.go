package harness

import (
	"strings"
	"testing"
	"time"
)

// TestAttachTimeoutCostsItsAttempts: an attach: timeout fault counts every
// attach attempt on the network, each T3411 restart one (TS 24.301
// §5.5.1.2.6 c: T3410 15 s, then T3411 10 s), so the home network silent
// for its first attempt takes the device 25 s after it, not after T3402
// (12 min) as when the modem gave up at the first T3410; a window over
// three attempts, 75 s.
func TestAttachTimeoutCostsItsAttempts(t *testing.T) {
	for _, tc := range []struct {
		name, fault string
		after       time.Duration // from the first attempt to the registration
		attempts    int           // on China Mobile until then
	}{
		{"the first attempt", "{attach: timeout, operator: cmcc, attempt: 1}", 25 * time.Second, 2},
		{"the first two", "{attach: timeout, operator: cmcc, attempt: 1}\n  - {attach: timeout, operator: cmcc, attempt: 2}", 50 * time.Second, 3},
		{"three attempts in a window", "{attach: timeout, operator: cmcc, until: 1m}", 75 * time.Second, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := withFaults(t, "home-no-request.yaml", "  - "+tc.fault+"\n")
			var first, ok time.Time
			attempts := 0
			for _, l := range eventLines(t, s, 0) {
				if !strings.Contains(l, `"operator":"cmcc","plmn":"46000"`) || !ok.IsZero() {
					continue
				}
				at, err := time.Parse(time.RFC3339Nano, l[6:strings.Index(l[6:], `"`)+6])
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case strings.Contains(l, `"event":"attach_attempt"`):
					attempts++
					if first.IsZero() {
						first = at
					}
				case strings.Contains(l, `"event":"attach_result"`) && strings.Contains(l, `"ok":true`):
					ok = at
				}
			}
			if ok.IsZero() || ok.Sub(first) != tc.after || attempts != tc.attempts {
				t.Errorf("registered %v after the first of %d attempts, want %v after the first of %d", ok.Sub(first), attempts, tc.after, tc.attempts)
			}
		})
	}
}
