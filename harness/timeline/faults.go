package timeline

import (
	"fmt"
	"time"
)

// faultWindows tracks the injected faults from the event log's fault
// events, so that each message can name the faults active on its target
// when it crossed.
type faultWindows struct {
	ws []window
}

type window struct {
	lane, name  string
	from, until time.Time // until zero: still active at the end
	instant     bool      // an injection at one moment (a power cut)
}

// add records one fault event and returns the lane it belongs on.
func (f *faultWindows) add(e event) string {
	lane, name, on, instant := faultOf(e)
	if !on {
		for i := len(f.ws) - 1; i >= 0; i-- {
			w := &f.ws[i]
			if w.lane == lane && w.name == name && w.until.IsZero() && !w.instant {
				w.until = e.T
				break
			}
		}
		return lane
	}
	f.ws = append(f.ws, window{lane: lane, name: name, from: e.T, instant: instant})
	return lane
}

// faultOf reads a fault event: on which lane, which fault, whether it
// starts (or ends) and whether it only lasts an instant.
func faultOf(e event) (lane, name string, on, instant bool) {
	if at := e.str("at"); at != "" {
		// {fault, name?, target, at, on?}: "at" names the injection
		// point; with "on" the fault is a window, else one injection.
		name = e.str("name")
		if name == "" {
			name = e.str("fault")
		}
		switch at {
		case "smdp":
			lane = SMDPLane(e.str("target"))
		case "platform":
			lane = LanePlatform
		case "card":
			lane = LaneCard
		case "modem":
			lane = LaneModem
		case "world", "radio":
			lane = LaneWorld
		default:
			lane = LaneHost
		}
		if v, ok := e.Fields["on"].(bool); ok {
			return lane, name, v, false
		}
		return lane, name, true, true
	}
	switch {
	case e.str("platform") != "":
		switch p := e.str("platform"); p {
		case "reachable":
			return LanePlatform, "unreachable", false, false
		case "ack":
			return LanePlatform, "no_ack", false, false
		default:
			return LanePlatform, p, true, false
		}
	case e.str("download") != "":
		lane = LanePlatform
		if op := e.str("operator"); op != "" {
			lane = SMDPLane(op)
		}
		on, ok := e.Fields["on"].(bool)
		return lane, e.str("download"), on || !ok, !ok
	case e.str("power_cut") != "":
		return LaneModem, "power_cut after " + e.str("power_cut"), true, true
	}
	if op := e.str("operator"); op != "" {
		lane = SMDPLane(op)
	} else {
		lane = LaneHost
	}
	return lane, fmt.Sprint(e.Fields), true, true
}

// activeOn lists the faults active on lane at t.
func (f *faultWindows) activeOn(lane string, t time.Time) []string {
	var out []string
	for _, w := range f.ws {
		if w.lane != lane || t.Before(w.from) {
			continue
		}
		switch {
		case w.instant && !t.Equal(w.from):
			continue
		case !w.instant && !w.until.IsZero() && !t.Before(w.until):
			continue
		}
		out = append(out, w.name)
	}
	return out
}
