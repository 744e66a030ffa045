package timeline

import (
	"fmt"
	"slices"
	"strings"
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
	powerCut    bool      // the device's power cut: what it was sent, it no longer reads
	// delay: the injection holds its message this long (platform_slow's
	// held answer), which then comes at from+delay, not at from.
	delay time.Duration
}

// add records one fault event and returns the lane it belongs on and,
// for an injection at one moment, its window's number from 1 (0 for a
// window's edge).
func (f *faultWindows) add(e event) (string, int) {
	lane, name, on, instant := faultOf(e)
	if !on {
		for i := len(f.ws) - 1; i >= 0; i-- {
			w := &f.ws[i]
			if w.lane == lane && w.name == name && w.until.IsZero() && !w.instant {
				w.until = e.T
				break
			}
		}
		return lane, 0
	}
	cut := e.str("fault") == "power_cut" || e.str("power_cut") != ""
	if cut && name != "" && !strings.HasPrefix(name, "power_cut") {
		name = "power_cut after " + name
	}
	delay, _ := time.ParseDuration(e.str("delay"))
	f.ws = append(f.ws, window{lane: lane, name: name, from: e.T, instant: instant, powerCut: cut, delay: max(delay, 0)})
	if !instant {
		return lane, 0
	}
	return lane, len(f.ws)
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

// activeOn lists the fault windows in force on lane at t (not the
// injections at one moment: tagInstants places those).
func (f *faultWindows) activeOn(lane string, t time.Time) []string {
	var out []string
	for _, w := range f.ws {
		if w.instant || w.lane != lane || t.Before(w.from) || !w.until.IsZero() && !t.Before(w.until) {
			continue
		}
		out = append(out, w.name)
	}
	return out
}

// tagInstants names each injection at one moment on the message it hit:
// the first HTTP or ES9+ message to or from the fault's lane after the
// fault's row, in the same instant — for the radio world's faults
// (attach_reject, attach: timeout or no_service), the first arrow to or
// from the world: the attach_result the network answered with. The
// harness logs such a fault as it applies it — an SM-DP+'s as it builds the answer it spoils (tampered_bpp,
// wrong_transaction_id), the platform's before its 503 (no_ack), the
// card's before the request it falsifies (bad_euicc_signature) — and
// every message of a download shares one simulated instant, so the
// instant alone would tag every message of it. items are in page order.
//
// A fault that holds its message (platform_slow, logged with its delay
// at the request's instant) names the first message of its lane delay
// later: the answer it held, which came late.
//
// A fault that breaks an exchange in flight (connection_reset) is logged
// after its request and the answer that never came: it names that answer,
// the last message of its lane, when the row says none came.
//
// A power cut that comes after a server answered the card, before the
// card read a byte of the answer, names that answer too, and its arrow
// ends at the modem: the answer reached the device's TCP endpoint (the
// capture has it), never the card. Read means, on the card's APDU lane, a
// Data available envelope or a RECEIVE DATA on the answer's channel (the
// one the card last sent on): the card takes channel data no other way
// (TS 102 223 §7.4), and the APDUs of one instant fall before or after the
// answer's frame as the goroutines ran, so the tail of the request's SEND
// DATA or a TIMER MANAGEMENT after the answer is no read. Without a lane,
// a message or event of the card since is the only sign it went on.
func (f *faultWindows) tagInstants(items []Item) {
	var pending []int        // windows whose message has not come yet
	last := map[string]int{} // each lane's last message so far
	unread := -1             // the last answer to the card the card has not yet acted on
	var sendCh, unreadCh byte
	lane := slices.ContainsFunc(items, func(it Item) bool { return it.Kind == KindAPDU })
	for i := range items {
		it := &items[i]
		if it.fault > 0 {
			w := f.ws[it.fault-1]
			if w.powerCut && unread >= 0 && items[unread].T.Equal(w.from) {
				a := &items[unread]
				a.Faults = append(a.Faults, w.name)
				a.To = LaneModem
				a.Label += " · never read by the card: power cut"
				a.Detail = "The device's power was cut (" + w.name + ") before the card read this answer: " +
					"it reached the device's TCP endpoint, as the capture shows, but not the card.\n\n" + a.Detail
				unread = -1
			}
			if j, ok := last[w.lane]; ok && items[j].unanswered && items[j].T.Equal(w.from) {
				items[j].Faults = append(items[j].Faults, w.name)
				continue
			}
			pending = append(pending, it.fault-1)
			continue
		}
		switch b := it.bip; {
		case b.send:
			sendCh = b.ch
		case b.read && (b.ch == 0 || unreadCh == 0 || b.ch == unreadCh):
			unread = -1
		case !lane && it.From == LaneCard:
			unread = -1 // the card is at work: it reads, or has read, what came
		}
		radio := it.Kind == KindEvent && it.To != "" && (it.From == LaneWorld || it.To == LaneWorld)
		if it.Kind != KindHTTP && it.Kind != KindES9 && !radio {
			continue
		}
		if it.Reply && it.To == LaneCard && !it.unanswered && !radio {
			unread, unreadCh = i, sendCh
		}
		if !radio {
			last[it.From], last[it.To] = i, i
		}
		for j := 0; j < len(pending); j++ {
			w := f.ws[pending[j]]
			switch when := w.from.Add(w.delay); {
			case it.T.Before(when):
				// A held answer (platform_slow) comes at when: the
				// messages of other lanes meanwhile are not it.
			case !it.T.Equal(when):
				// Its message never came (a refused connection, a
				// handshake that failed): nothing to tag.
				pending = slices.Delete(pending, j, j+1)
				j--
			case it.From == w.lane || it.To == w.lane:
				it.Faults = append(it.Faults, w.name)
				pending = slices.Delete(pending, j, j+1)
				j--
			}
		}
	}
}
