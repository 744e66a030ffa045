package record

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/internal/stall/stalltest"
)

// An await's bound is of the time the process ran: what the modem made
// true past it in wall time, but within it once a stop of the process is
// taken off, is seen (t192).
func TestWallWaitCountsRunningTime(t *testing.T) {
	tests := []struct {
		name    string
		stopped time.Duration // 20 ms into the wait
		want    bool
	}{
		{"true past the bound", 0, false},
		{"true past the bound, stopped 500 ms meanwhile", 500 * time.Millisecond, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := atclient.New(scriptedModem(t, func(string) string { return "\r\nOK\r\n" }))
			defer c.Close()
			var ok atomic.Bool
			mk := time.AfterFunc(250*time.Millisecond, func() { ok.Store(true) })
			defer mk.Stop()
			w := Wall{AT: c, Stalls: stalltest.StopIn(20*time.Millisecond, tc.stopped)}
			got, err := w.Wait(100*time.Millisecond, func() (bool, error) { return ok.Load(), nil })
			if err != nil || got != tc.want {
				t.Fatalf("Wait %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}
