package timeline

import (
	"errors"
	"fmt"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/simtrace"
)

// readAPDUs adds the card's APDUs, when the capture holds them as GSMTAP
// SIM (a sniffer at the card's contacts), as marks on the lane between
// modem and card: one row per exchange — instruction, the ES10 function
// or toolkit command it carries, status word — the card's resets too.
func readAPDUs(path string, b *Builder) error {
	// A file cut short: readTraffic has noted it; the APDUs before the
	// cut are shown.
	tr, err := simtrace.Read(path)
	if err != nil && !errors.Is(err, capture.ErrCutShort) {
		return err
	}
	return b.addAPDUs(tr)
}

// addAPDUs adds a decoded trace's lanes (see readAPDUs).
func (b *Builder) addAPDUs(tr *simtrace.Trace) error {
	for i, l := range tr.Lanes {
		lane := LaneAPDU
		if i > 0 {
			lane = fmt.Sprintf("%s:%d", LaneAPDU, i+1) // a second sniffer
		}
		for _, a := range l.ATRs {
			b.Add(Item{T: a.Time, From: lane, Kind: KindAPDU, Label: fmt.Sprintf("ATR %X", a.Bytes),
				Detail: fmt.Sprintf("card reset: answer to reset %X (frame %d)", a.Bytes, a.Frame),
				Source: fmt.Sprintf("traffic.pcapng frame %d", a.Frame), priority: prioEvent})
		}
		for _, a := range l.APDUs {
			b.Add(Item{T: a.Time, From: lane, Kind: KindAPDU, Label: a.String(), Detail: a.Detail(),
				Failed: !a.OK(), Source: fmt.Sprintf("traffic.pcapng frame %d", a.Frame), priority: prioEvent})
		}
		if w := l.Summary(); w != "" {
			b.Note("traffic.pcapng: APDU lane %s: %s", l.Source, w)
		}
	}
	return nil
}
