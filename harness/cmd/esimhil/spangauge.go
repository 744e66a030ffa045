package main

import (
	"math"
	"time"

	"github.com/esimhil/esimhil/harness/progress"
	"github.com/esimhil/esimhil/harness/scenario"
)

// spanGauge gives `esimhil run`'s progress line the share of the run's
// simulated time done, so that its ETA weighs each scenario by its span
// rather than counting scenarios: counted, a run of many short scenarios
// then a few long ones promised the long ones the short ones' pace, and
// one long scenario had no ETA at all until it ended. A scenario's work
// does not end with its simulated time: closing the rig, checking the
// capture and writing the timeline took as long again in a week's run,
// whose ETA read "~0s" all that while (outside tester sw127). So the
// simulated time stands for a part of each scenario's weight only, the
// rest being its close, in the share of wall time the scenarios that
// ended spent closing (half, before one has).
type spanGauge struct {
	meter *progress.Meter
	now   func() time.Time // wall clock
	spans []time.Duration  // each file's horizon; 0 for one that does not load
	total time.Duration
	done  time.Duration // the spans of the scenarios ended

	// The scenario running (cur): when it started, by the wall clock,
	// and when its close began (zero before).
	cur                int
	started, closed    time.Time
	simWall, closeWall time.Duration // of the scenarios ended with both measured
	// creepEvery is how often a close's estimated progress moves the
	// line (0: never; tests step it themselves), stopCreep ends that
	// (closing); nil when none runs.
	creepEvery time.Duration
	stopCreep  func()
}

// closeShareBefore is a scenario's close's share of its wall time until
// one has been measured.
const closeShareBefore = 0.5

// loadedScenario is a scenario file as read before the run, or why it
// did not load.
type loadedScenario struct {
	s      *scenario.Scenario
	source []byte
	err    error
}

// newSpanGauge takes each file's horizon; one that did not load counts
// for nothing.
func newSpanGauge(m *progress.Meter, loaded []loadedScenario, now func() time.Time) *spanGauge {
	g := &spanGauge{meter: m, now: now, spans: make([]time.Duration, len(loaded)), cur: -1, creepEvery: 250 * time.Millisecond}
	for i, l := range loaded {
		if l.err == nil {
			g.spans[i] = l.s.Horizon()
			g.total += g.spans[i]
		}
	}
	return g
}

// scenario notes scenario i's start, now, and gives the rig's Closing
// and Advanced callbacks for it. Its start is before the rig's: the
// rig's start (pty, servers, keys) is its wall time as much as the
// simulation is, and counted from the first simulated step instead it
// was nothing, so a short scenario's close read as 90% of its wall time
// (5 ms simulating, 58 ms closing) and a week's run after it was given
// a close nine times its simulation: "ETA ~1m8s" to its end, 1 s before
// it (outside tester o309).
func (g *spanGauge) scenario(i int) (closing func(), advanced func(now, horizon time.Duration)) {
	g.begin(i)
	return func() { g.closing(i) }, func(now, _ time.Duration) { g.at(i, now) }
}

// begin notes scenario i's start, once.
func (g *spanGauge) begin(i int) {
	if g.cur != i {
		g.cur, g.started, g.closed = i, g.now(), time.Time{}
	}
}

// at says scenario i has run to now of its span.
func (g *spanGauge) at(i int, now time.Duration) {
	g.begin(i)
	g.set(g.done + time.Duration((1-g.closeShare())*float64(min(max(now, 0), g.spans[i]))))
}

// closing says scenario i's simulation is over and its close begins (the
// rig's first stage): its simulated time counts whole.
func (g *spanGauge) closing(i int) {
	g.begin(i)
	if !g.closed.IsZero() {
		return
	}
	g.closed = g.now()
	g.at(i, g.spans[i])
	// The close moves the line by its expected length, so the ETA comes
	// down as it goes rather than climb and then read "no progress"
	// (outside tester sw129: 15 s closes, known from the ones before).
	if g.creepEvery <= 0 {
		return
	}
	creep, now := g.creeper(i), g.now
	g.stopCreep = progress.Ticking(g.creepEvery, func() { creep(now()) })
}

// creeper returns the close of scenario i's progress at a moment: its
// simulated part done, and of its close's part 1 − e^(−t/expected), t the
// close's wall time so far and expected its expected length (the
// scenario's simulation's, weighed as the ended ones' closes were):
// never all of it, and still moving past the expected length. Capped
// there, a month-long run's close, two or three times its simulation
// (outside tester t244: 65 s after 44 s, 18 s after 10 s), read "ETA
// ~2s" and then "no progress" for half a minute while it wrote its
// pages. It reads nothing of g the gauge changes while it runs.
func (g *spanGauge) creeper(i int) func(now time.Time) {
	share, span, done, total := g.closeShare(), float64(g.spans[i]), float64(g.done), float64(g.total)
	closed, expect := g.closed, g.closed.Sub(g.started)
	if g.simWall > 0 && g.closeWall > 0 {
		expect = time.Duration(float64(expect) * float64(g.closeWall) / float64(g.simWall))
	}
	meter := g.meter
	return func(now time.Time) {
		if total <= 0 || expect <= 0 {
			return
		}
		part := 1 - math.Exp(-float64(now.Sub(closed))/float64(expect))
		meter.SetFraction((done + (1-share)*span + share*span*part) / total)
	}
}

// finished says scenario i ended, whatever its verdict.
func (g *spanGauge) finished(i int) {
	if g.stopCreep != nil {
		g.stopCreep()
		g.stopCreep = nil
	}
	if g.cur == i && !g.closed.IsZero() {
		g.simWall += g.closed.Sub(g.started)
		g.closeWall += g.now().Sub(g.closed)
	}
	g.cur = -1
	g.done += g.spans[i]
	g.set(g.done)
}

// closeShare is the share of a scenario's wall time its close takes.
func (g *spanGauge) closeShare() float64 {
	if all := g.simWall + g.closeWall; all > 0 {
		return float64(g.closeWall) / float64(all)
	}
	return closeShareBefore
}

func (g *spanGauge) set(d time.Duration) {
	if g.total > 0 {
		g.meter.SetFraction(float64(d) / float64(g.total))
	}
}
