package harness

import (
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness/capture"
)

// A lab run's events are on the wall clock, as the lab host's at.log rows
// are, so that its page has one time base; an emulated run's stay on the
// simulated clock (outside tester sw130 N6: run_started at the simulated
// epoch, 338 days before the AT rows).
func TestLabRunEventsOnTheWallClock(t *testing.T) {
	for _, tc := range []struct {
		name     string
		noDevice bool
	}{{"lab", true}, {"emulated", false}} {
		t.Run(tc.name, func(t *testing.T) {
			before := time.Now().Truncate(time.Millisecond)
			r, err := NewRig(loadFixture(t, "lab-home.yaml"), Options{Dir: t.TempDir(), NoDevice: tc.noDevice, NoHost: true, Capture: capture.Tap})
			if err != nil {
				t.Fatal(err)
			}
			after := time.Now()
			r.Close()
			var started time.Time
			for _, e := range r.Log.Events() {
				if e.Kind == eventlog.KindRunStarted {
					started = e.T
				}
			}
			onWall := !started.Before(before) && !started.After(after)
			if onWall != tc.noDevice {
				t.Errorf("run_started at %v; the wall clock read %v to %v", started, before, after)
			}
		})
	}
}
