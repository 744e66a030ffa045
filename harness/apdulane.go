package harness

import (
	"fmt"
	"path/filepath"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/simtrace"
)

// APDULane decodes the card's APDU lane from the capture: every ATR and
// APDU at the emulated card's contacts, typed (simtrace). The rig must be
// closed first, so that the capture is complete.
func (r *Rig) APDULane() (*simtrace.Lane, error) {
	if r.lane != nil {
		return r.lane, nil
	}
	tr, err := simtrace.Read(filepath.Join(r.dir, TrafficFile))
	if err != nil {
		return nil, err
	}
	l := tr.Lane(capture.SIMTapAddr)
	if l == nil {
		return nil, fmt.Errorf("no GSMTAP SIM datagram from the card's contacts (%s) in the capture", capture.SIMTapAddr)
	}
	return l, nil
}

// checkLane holds the capture's APDU lane against what the modem's
// contacts handed the capture: every datagram must be there, each one
// GSMTAP SIM, and the lane must hold the whole session (it starts with
// the card's first ATR, so nothing may read as mid-session). APDUs that
// are malformed or unanswered are traffic, not a capture defect: a host
// may send the card garbage over +CSIM.
func (r *Rig) checkLane() []string {
	if r.Capture == nil || r.Modem == nil {
		return nil
	}
	want := r.Capture.SIM().Packets()
	tr, err := simtrace.Read(filepath.Join(r.dir, TrafficFile))
	if err != nil {
		return []string{"the capture's APDU lane does not decode: " + err.Error()}
	}
	l := tr.Lane(capture.SIMTapAddr)
	got, skipped := 0, tr.Total()
	if l != nil {
		got = len(l.ATRs) + len(l.APDUs) + l.Count(simtrace.NoResponse) + l.Count(simtrace.BadAPDU)
		r.lane = l
	}
	var problems []string
	if got+skipped < want {
		problems = append(problems, fmt.Sprintf("missing from the capture: %d of the %d GSMTAP SIM datagrams of the card's contacts", want-got-skipped, want))
	}
	if skipped > 0 {
		problems = append(problems, "GSMTAP datagrams the lane cannot use: "+tr.Summary())
	}
	if l != nil && l.Count(simtrace.MidSession) > 0 {
		for _, w := range l.Warnings() {
			if w.Kind == simtrace.MidSession {
				problems = append(problems, "the card's APDU lane: "+w.String())
			}
		}
	}
	return problems
}
