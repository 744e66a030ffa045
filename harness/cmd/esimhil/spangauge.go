package main

import (
	"time"

	"github.com/esimhil/esimhil/harness/progress"
	"github.com/esimhil/esimhil/harness/scenario"
)

// spanGauge gives `esimhil run`'s progress line the share of the run's
// simulated time done, so that its ETA weighs each scenario by its span
// rather than counting scenarios: counted, a run of many short scenarios
// then a few long ones promised the long ones the short ones' pace, and
// one long scenario had no ETA at all until it ended.
type spanGauge struct {
	meter *progress.Meter
	spans []time.Duration // each file's horizon; 0 for one that does not load
	total time.Duration
	done  time.Duration // the spans of the scenarios ended
}

// loadedScenario is a scenario file as read before the run, or why it
// did not load.
type loadedScenario struct {
	s      *scenario.Scenario
	source []byte
	err    error
}

// newSpanGauge takes each file's horizon; one that did not load counts
// for nothing.
func newSpanGauge(m *progress.Meter, loaded []loadedScenario) *spanGauge {
	g := &spanGauge{meter: m, spans: make([]time.Duration, len(loaded))}
	for i, l := range loaded {
		if l.err == nil {
			g.spans[i] = l.s.Horizon()
			g.total += g.spans[i]
		}
	}
	return g
}

// at says scenario i has run to now of its span.
func (g *spanGauge) at(i int, now time.Duration) {
	g.set(g.done + min(max(now, 0), g.spans[i]))
}

// finished says scenario i ended, whatever its verdict.
func (g *spanGauge) finished(i int) {
	g.done += g.spans[i]
	g.set(g.done)
}

func (g *spanGauge) set(d time.Duration) {
	if g.total > 0 {
		g.meter.SetFraction(float64(d) / float64(g.total))
	}
}
