// Package cardwire checks the seed patent's method (claim 1) on the card's
// own APDU lane, the way a sniffer between modem and card sees it: the
// periodic roaming check (a timer-expiration ENVELOPE, then PROVIDE LOCAL
// INFORMATION), the preferred-list request (OPEN CHANNEL to the platform,
// SEND DATA), the switch (REFRESH in the mode the terminal profile allows,
// then the card's reset) and the attach check (the location-status
// ENVELOPE on the new network), then the attach report to the platform.
//
// The checks read nothing but the lane, so the same ones run on an
// emulated run's capture and on a SIMtrace2 trace of a real card in the
// lab. A Walk takes them in order: each starts where the previous one
// ended, so a sequence of checks asserts claim order.
package cardwire

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/esimhil/esimhil/harness/simtrace"
	"github.com/esimhil/esimhil/internal/codec/stk"
)

// Step is one step of the method on the lane: the exchanges that make it,
// in order.
type Step struct {
	Name  string
	APDUs []simtrace.APDU
}

// Time is when the step began.
func (s Step) Time() time.Time {
	if len(s.APDUs) == 0 {
		return time.Time{}
	}
	return s.APDUs[0].Time
}

// End is when the step's last exchange happened.
func (s Step) End() time.Time {
	if len(s.APDUs) == 0 {
		return time.Time{}
	}
	return s.APDUs[len(s.APDUs)-1].Time
}

func (s Step) String() string {
	parts := make([]string, len(s.APDUs))
	for i, a := range s.APDUs {
		parts[i] = fmt.Sprintf("frame %d %s", a.Frame, a)
	}
	return s.Name + ": " + strings.Join(parts, "; ")
}

// Walk checks steps in order on one lane.
type Walk struct {
	lane *simtrace.Lane
	at   int // index of the first APDU the next check may use
}

// NewWalk starts at the beginning of the lane.
func NewWalk(l *simtrace.Lane) *Walk { return &Walk{lane: l} }

// At is the index in the lane of the first APDU the next check may use.
func (w *Walk) At() int { return w.at }

// find returns the index of the first APDU at or after from that matches.
func (w *Walk) find(from int, match func(simtrace.APDU) bool) int {
	for i := from; i < len(w.lane.APDUs); i++ {
		if match(w.lane.APDUs[i]) {
			return i
		}
	}
	return -1
}

// answer is the TERMINAL RESPONSE to the FETCH at i: the next terminal
// response, if it answers that command (number and type).
func (w *Walk) answer(i int) int {
	c := w.lane.APDUs[i].Proactive.Details
	j := w.find(i+1, func(a simtrace.APDU) bool { return a.TR != nil })
	if j < 0 || w.lane.APDUs[j].TR.Details.Number != c.Number || w.lane.APDUs[j].TR.Details.Type != c.Type {
		return -1
	}
	return j
}

func fetches(typ byte) func(simtrace.APDU) bool {
	return func(a simtrace.APDU) bool { return a.IsProactive(typ) }
}

func envelope(tag byte) func(simtrace.APDU) bool {
	return func(a simtrace.APDU) bool { return a.Envelope != nil && a.Envelope.Tag == tag }
}

// notFound says what a check looked for and where, with the lane's
// exchanges of the kind it wanted, so a failure reads without the file.
func (w *Walk) notFound(what string, seen []string) error {
	start := "the start of the lane"
	if w.at > 0 && w.at <= len(w.lane.APDUs) {
		a := w.lane.APDUs[w.at-1]
		start = fmt.Sprintf("frame %d (%s)", a.Frame, a.Time.UTC().Format("15:04:05.000"))
	}
	msg := fmt.Sprintf("%s: not on the card's APDU lane after %s (%d APDUs, %d ATRs from %s)",
		what, start, len(w.lane.APDUs), len(w.lane.ATRs), w.lane.Source)
	if len(seen) > 0 {
		if len(seen) > 8 {
			seen = append(seen[:8], fmt.Sprintf("… and %d more", len(seen)-8))
		}
		msg += "; instead:\n    " + strings.Join(seen, "\n    ")
	}
	if s := w.lane.Summary(); s != "" {
		msg += "\n  lane warnings: " + s
	}
	return fmt.Errorf("%s", msg)
}

func (w *Walk) describe(from int, match func(simtrace.APDU) bool) []string {
	var out []string
	for i := from; i < len(w.lane.APDUs); i++ {
		if a := w.lane.APDUs[i]; match(a) {
			out = append(out, fmt.Sprintf("frame %d %s", a.Frame, a))
		}
	}
	return out
}

// RoamingCheck finds the card's periodic check that found the device on
// network plmn (claim 1, the periodic detection of area and attach state):
// a timer-expiration ENVELOPE, then the card's PROVIDE LOCAL INFORMATION
// (location) and the terminal's successful answer placing the device on
// plmn. It takes the first such check after the walk's position.
func (w *Walk) RoamingCheck(plmn string) (Step, error) {
	for i := w.find(w.at, envelope(stk.TagTimerExpiration)); i >= 0; i = w.find(i+1, envelope(stk.TagTimerExpiration)) {
		next := w.find(i+1, envelope(stk.TagTimerExpiration))
		for f := w.find(i+1, fetches(stk.CmdProvideLocalInfo)); f >= 0 && (next < 0 || f < next); f = w.find(f+1, fetches(stk.CmdProvideLocalInfo)) {
			if w.lane.APDUs[f].Qualifier() != stk.PLILocation {
				continue
			}
			r := w.answer(f)
			if r < 0 {
				continue
			}
			tr := w.lane.APDUs[r].TR
			if tr.Result.OK() && tr.Location != nil && tr.Location.PLMN == plmn {
				w.at = r + 1
				return Step{Name: "roaming check", APDUs: []simtrace.APDU{w.lane.APDUs[i], w.lane.APDUs[f], w.lane.APDUs[r]}}, nil
			}
		}
	}
	return Step{}, w.notFound(fmt.Sprintf("roaming check (timer expiration, then PROVIDE LOCAL INFORMATION answered with location in %s)", plmn),
		w.describe(w.at, func(a simtrace.APDU) bool {
			return a.TR != nil && a.TR.Details.Type == stk.CmdProvideLocalInfo && a.TR.Location != nil
		}))
}

// Request finds a request of the card to the server at addr (claim 1's
// preferred-list request, claim 7's attach report): OPEN CHANNEL in TCP
// client mode to addr, answered OK, and at least one SEND DATA on that
// channel answered OK. The step holds the OPEN CHANNEL, its answer and
// the SEND DATA exchanges up to the CLOSE CHANNEL. An unspecified address
// (a lab platform listening on 0.0.0.0:8080) matches any address on its
// port: the card knows the lab host by an address of its own.
func (w *Walk) Request(name string, addr netip.AddrPort) (Step, error) {
	toAddr := func(a simtrace.APDU) bool {
		c := a.Proactive
		if !a.IsProactive(stk.CmdOpenChannel) || c.Transport == nil || c.Transport.Port != addr.Port() {
			return false
		}
		return addr.Addr().IsUnspecified() || c.Address == addr.Addr()
	}
	for i := w.find(w.at, toAddr); i >= 0; i = w.find(i+1, toAddr) {
		r := w.answer(i)
		if r < 0 || !w.lane.APDUs[r].TR.Result.OK() {
			continue
		}
		step := Step{Name: name, APDUs: []simtrace.APDU{w.lane.APDUs[i], w.lane.APDUs[r]}}
		end := w.find(r+1, fetches(stk.CmdCloseChannel))
		if end < 0 {
			end = len(w.lane.APDUs)
		}
		last := -1
		for s := w.find(r+1, fetches(stk.CmdSendData)); s >= 0 && s < end; s = w.find(s+1, fetches(stk.CmdSendData)) {
			if a := w.answer(s); a >= 0 && w.lane.APDUs[a].TR.Result.OK() {
				step.APDUs = append(step.APDUs, w.lane.APDUs[s], w.lane.APDUs[a])
				last = a
			}
		}
		if last < 0 {
			continue
		}
		w.at = last + 1
		return step, nil
	}
	return Step{}, w.notFound(fmt.Sprintf("%s (OPEN CHANNEL to %s answered OK, then SEND DATA)", name, addr),
		w.describe(w.at, fetches(stk.CmdOpenChannel)))
}

// ListRequest is Request for claim 1's preferred-list request to the
// platform at addr.
func (w *Walk) ListRequest(platform netip.AddrPort) (Step, error) {
	return w.Request("preferred-list request", platform)
}

// Switch finds the card's REFRESH after the walk's position (claim 1: the
// card switched profiles and tells the terminal to restart and re-attach)
// and checks that its mode is the one the terminal profile allows: "eUICC
// Profile State Change" (09) when the last TERMINAL PROFILE before it
// announces that mode, UICC reset (04) otherwise (TS 102 223 §6.4.7,
// SGP.22 §3.2.1); then the card's reset after it: for 04 a new ATR, for
// 09 the TERMINAL RESPONSE to the REFRESH, before whose answer the card
// resets itself (the terminal then initialises it again without an ATR;
// a terminal that resets it all the same, a new ATR first, does too). The
// step's REFRESH APDU gives the qualifier (APDUs[0].Qualifier()).
func (w *Walk) Switch() (Step, error) {
	i := w.find(w.at, fetches(stk.CmdRefresh))
	if i < 0 {
		return Step{}, w.notFound("switch (REFRESH)", w.describe(w.at, func(a simtrace.APDU) bool { return a.Proactive != nil }))
	}
	ref := w.lane.APDUs[i]
	// The terminal profile in force: the last one before the REFRESH. A
	// sniffer that started after it cannot tell which mode was due.
	for j := i - 1; j >= 0; j-- {
		if w.lane.APDUs[j].INS != stk.InsTerminalProfile {
			continue
		}
		want, why := byte(stk.RefreshUICCReset), "does not announce"
		if stk.TerminalProfile(w.lane.APDUs[j].Data).Has(stk.FacRefreshEUICCProfile) {
			want, why = stk.RefreshEUICCProfileChange, "announces"
		}
		if ref.Qualifier() != want {
			return Step{}, fmt.Errorf("switch: frame %d REFRESH mode %02X (%s), want %02X (%s): the TERMINAL PROFILE of frame %d %s eUICC Profile State Change",
				ref.Frame, ref.Qualifier(), stk.RefreshModeName(ref.Qualifier()), want, stk.RefreshModeName(want), w.lane.APDUs[j].Frame, why)
		}
		break
	}
	reset, end := w.resetAfter(ref)
	if ref.Qualifier() == stk.RefreshEUICCProfileChange {
		if tr := w.answer(i); tr >= 0 && tr < end {
			if w.lane.APDUs[tr].TR.Result.OK() {
				w.at = tr + 1
				return Step{Name: "switch", APDUs: []simtrace.APDU{ref, w.lane.APDUs[tr]}}, nil
			}
			// Refused: the card asks again as a UICC reset, which the
			// terminal carries out electrically (the emulated card does;
			// reviewer sw123).
			j := w.find(tr+1, fetches(stk.CmdRefresh))
			if j < 0 || w.lane.APDUs[j].Qualifier() != stk.RefreshUICCReset {
				return Step{}, fmt.Errorf("switch: frame %d %s answered %s in frame %d, and no REFRESH in UICC reset mode after it: the terminal did not carry it out",
					ref.Frame, ref, w.lane.APDUs[tr].TR.Result, w.lane.APDUs[tr].Frame)
			}
			again := w.lane.APDUs[j]
			if reset, end = w.resetAfter(again); reset == nil {
				return Step{}, fmt.Errorf("switch: frame %d %s (after frame %d's refused 09) but no ATR after it: the terminal never reset the card", again.Frame, again, ref.Frame)
			}
			w.at = end
			return Step{Name: "switch", APDUs: []simtrace.APDU{ref, w.lane.APDUs[tr], again}}, nil
		}
	}
	if reset == nil {
		if ref.Qualifier() == stk.RefreshEUICCProfileChange {
			return Step{}, fmt.Errorf("switch: frame %d %s but neither its TERMINAL RESPONSE nor an ATR after it: the terminal never carried it out", ref.Frame, ref)
		}
		return Step{}, fmt.Errorf("switch: frame %d %s but no ATR after it: the terminal never reset the card", ref.Frame, ref)
	}
	w.at = end // what the card answered before its reset belongs to the switch
	return Step{Name: "switch", APDUs: []simtrace.APDU{ref}}, nil
}

// resetAfter is the first ATR after APDU a (nil: none) and the index of
// the first APDU after that ATR (the lane's length when none or no ATR).
func (w *Walk) resetAfter(a simtrace.APDU) (*simtrace.ATR, int) {
	for k := range w.lane.ATRs {
		if r := &w.lane.ATRs[k]; r.Time.After(a.Time) || r.Time.Equal(a.Time) && r.Frame > a.Frame {
			end := w.find(0, func(x simtrace.APDU) bool { return x.Frame > r.Frame })
			if end < 0 {
				end = len(w.lane.APDUs)
			}
			return r, end
		}
	}
	return nil, len(w.lane.APDUs)
}

// AttachCheck finds the location-status ENVELOPE by which the card learns
// the device attached (claim 1's attach check, claim 3's judgement):
// event download, location status, normal service, on network plmn.
func (w *Walk) AttachCheck(plmn string) (Step, error) {
	match := func(a simtrace.APDU) bool {
		e := a.Envelope
		return e != nil && e.Tag == stk.TagEventDownload && e.Event == stk.EventLocationStatus &&
			e.LocationStatus != nil && *e.LocationStatus == stk.LocNormal && e.Location != nil && e.Location.PLMN == plmn
	}
	i := w.find(w.at, match)
	if i < 0 {
		return Step{}, w.notFound(fmt.Sprintf("attach check (location status ENVELOPE: normal service on %s)", plmn),
			w.describe(w.at, func(a simtrace.APDU) bool { return a.Envelope != nil && a.Envelope.Event == stk.EventLocationStatus }))
	}
	w.at = i + 1
	return Step{Name: "attach check", APDUs: []simtrace.APDU{w.lane.APDUs[i]}}, nil
}

// AttachFailed finds the location-status ENVELOPE by which the card
// learns the attach on plmn failed (claim 3's attach judgement): limited
// or no service, or normal service on another network.
func (w *Walk) AttachFailed(plmn string) (Step, error) {
	match := func(a simtrace.APDU) bool {
		e := a.Envelope
		if e == nil || e.Tag != stk.TagEventDownload || e.Event != stk.EventLocationStatus || e.LocationStatus == nil {
			return false
		}
		return *e.LocationStatus != stk.LocNormal || e.Location == nil || e.Location.PLMN != plmn
	}
	i := w.find(w.at, match)
	if i < 0 {
		return Step{}, w.notFound(fmt.Sprintf("failed attach (location status ENVELOPE: no normal service on %s)", plmn),
			w.describe(w.at, func(a simtrace.APDU) bool { return a.Envelope != nil && a.Envelope.Event == stk.EventLocationStatus }))
	}
	w.at = i + 1
	return Step{Name: "failed attach", APDUs: []simtrace.APDU{w.lane.APDUs[i]}}, nil
}

// Claim1 is what the card does when it finds the device roaming with a
// preinstalled profile of the first preferred operator.
type Claim1 struct {
	Roaming  string         // the visited network the periodic check finds
	Platform netip.AddrPort // where the card reaches the platform
	Attached string         // the preferred operator's network the device attaches to
}

// CheckClaim1 walks the lane through claim 1 in order — roaming check,
// preferred-list request, switch, attach check, attach report — and
// returns the five steps.
func CheckClaim1(l *simtrace.Lane, c Claim1) ([]Step, error) {
	w := NewWalk(l)
	var steps []Step
	for _, check := range []func() (Step, error){
		func() (Step, error) { return w.RoamingCheck(c.Roaming) },
		func() (Step, error) { return w.ListRequest(c.Platform) },
		w.Switch,
		func() (Step, error) { return w.AttachCheck(c.Attached) },
		func() (Step, error) { return w.Request("attach report", c.Platform) },
	} {
		s, err := check()
		if err != nil {
			return steps, err
		}
		steps = append(steps, s)
	}
	return steps, nil
}
