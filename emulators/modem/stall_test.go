package modem

import (
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/personality"
	"github.com/esimhil/esimhil/internal/stall/stalltest"
)

// AwaitLinesIn waits in the time the process ran (the loop's meter): a
// line taken in past its bound in wall time, but within it once a stop
// of the process is taken off, is seen.
func TestAwaitLinesInCountsRunningTime(t *testing.T) {
	tests := []struct {
		name    string
		stopped time.Duration // 20 ms into the wait
		want    bool
	}{
		{"line past the bound", 0, false},
		{"line past the bound, stopped 1 s meanwhile", time.Second, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			loop := clock.NewLoop(clock.NewVirtual(clock.Epoch))
			loop.Stalls = stalltest.StopIn(20*time.Millisecond, tc.stopped)
			r := &rig{loop: loop, log: eventlog.New(loop.Now), card: newFakeCard(), net: &fakeNet{reg: roaming()}, atlog: &syncBuf{}}
			r.start(t, r.card, personality.Personality{})
			in := r.m.LinesIn()
			sent := make(chan struct{})
			go func() {
				defer close(sent)
				time.Sleep(250 * time.Millisecond) // the host's own pace
				_, _ = r.c.Command("AT")
			}()
			got := r.m.AwaitLinesIn(in, 100*time.Millisecond)
			<-sent
			if got != tc.want {
				t.Fatalf("AwaitLinesIn %v, want %v", got, tc.want)
			}
		})
	}
}
