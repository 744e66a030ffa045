package fleet

import (
	"bytes"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/emulators/eventlog"
)

// A notification an SM-DP+ refused (a Failed answer: the card forgets
// it) is counted and said as refused and dropped by the card, never as
// kept to be sent again or still held; one whose delivery failed (a 500,
// a garbled answer) is kept (outside tester t180 F1).
func TestSMDPRefusedWording(t *testing.T) {
	refused := eventlog.Event{Actor: eventlog.EUICC, Kind: "notification_sent",
		Fields: eventlog.F{"kind": "install", "to": "sfr", "seq": 4, "refused": "handleNotification: status Failed subject 8.10.1 reason 3.9: unknown"}}
	failed := eventlog.Event{Actor: eventlog.EUICC, Kind: "notification_failed",
		Fields: eventlog.F{"kind": "install", "to": "sfr", "seq": 5, "reason": "http status 500"}}
	tests := []struct {
		name             string
		events           []eventlog.Event
		notices, missing string
		undelivered      string
	}{
		{"refused", []eventlog.Event{refused},
			"1 deliveries failed: 0 kept by the card to be sent again, 0 refused by the platform with a 4xx and dropped by the card, 1 refused by an SM-DP+ (a Failed answer) and dropped by the card",
			"1 kept by the card",
			"0 tried, failed and still held, 0 dropped after a 4xx, 1 refused by an SM-DP+ and dropped, 0 queued"},
		{"failed", []eventlog.Event{failed},
			"1 deliveries failed: 1 kept by the card to be sent again, 0 refused by the platform with a 4xx and dropped by the card\n",
			"refused by an SM-DP+",
			"1 tried, failed and still held, 0 dropped after a 4xx, 0 queued"},
		{"both", []eventlog.Event{failed, refused},
			"2 deliveries failed: 1 kept by the card to be sent again, 0 refused by the platform with a 4xx and dropped by the card, 1 refused by an SM-DP+ (a Failed answer) and dropped by the card",
			"2 kept by the card",
			"1 tried, failed and still held, 0 dropped after a 4xx, 1 refused by an SM-DP+ and dropped, 0 queued"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &storm{res: newResult(), notes: newNotes(), smdpTried: map[string]bool{}}
			l := &live{p: plan{EID: "89049032000000000000010000000017"}}
			for _, e := range tc.events {
				s.deviceEvent(l, e)
			}
			s.res.UndeliveredSMDP = len(l.failing["sfr"]) // as retire counts them
			var out bytes.Buffer
			s.res.Print(&out)
			for _, want := range []string{tc.notices, tc.undelivered} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("figures do not say %q:\n%s", want, out.String())
				}
			}
			if strings.Contains(out.String(), tc.missing) {
				t.Errorf("figures say %q:\n%s", tc.missing, out.String())
			}
		})
	}
}
