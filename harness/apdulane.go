package harness

import (
	"fmt"
	"path/filepath"
	"sync/atomic"

	"github.com/gopacket/gopacket"

	"github.com/esimhil/esimhil/emulators/modem"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/simtrace"
	"github.com/esimhil/esimhil/internal/codec/gsmtap"
)

// APDULane decodes the card's APDU lane from the capture: every ATR and
// APDU at the emulated card's contacts, typed (simtrace). The rig must be
// closed first, so that the capture is complete.
func (r *Rig) APDULane() (*simtrace.Lane, error) {
	if r.lane != nil {
		return r.lane, nil
	}
	var tr *simtrace.Trace
	switch {
	case !r.closed:
		return nil, errNotClosed
	case r.evidenceRead:
		tr = simtrace.Decode(r.datagrams) // the evidence check's one pass read them
	case r.dir == "" && r.trafficTaken:
		return nil, errTrafficTaken
	case r.dir == "":
		return nil, errNoCapture
	default:
		var err error
		if tr, err = simtrace.Read(filepath.Join(r.dir, TrafficFile)); err != nil {
			return nil, err
		}
	}
	l := tr.Lane(capture.SIMTapAddr)
	if l == nil {
		return nil, fmt.Errorf("no GSMTAP SIM datagram from the card's contacts (%s) in the capture", capture.SIMTapAddr)
	}
	r.lane = l
	return l, nil
}

// sniffer is the capture's SIM tap, which records the card's contacts
// (none with Options.noLane), behind a count of its own of what the
// contacts carried, which checkLane holds the lane to.
func (r *Rig) sniffer(o Options) modem.Sniffer {
	if o.noLane {
		return nil
	}
	r.sniffing = true
	r.contacts = &contactCount{tap: r.Capture.SIM()}
	return r.contacts
}

// contactCount counts the ATRs and APDUs at the card's contacts as the
// modem hands them on, before the SIM tap sees them: a tap that skipped a
// class of APDU before its own count (mutation tester t233, M03: TERMINAL
// RESPONSE) would agree with the file it wrote.
type contactCount struct {
	tap modem.Sniffer
	n   atomic.Int64
}

func (c *contactCount) SniffATR(atr []byte)       { c.n.Add(1); c.tap.SniffATR(atr) }
func (c *contactCount) SniffCommand(cmd []byte)   { c.tap.SniffCommand(cmd) }
func (c *contactCount) SniffAPDU(cmd, rsp []byte) { c.n.Add(1); c.tap.SniffAPDU(cmd, rsp) }

// laneWant is how many datagrams the card's APDU lane must hold: one for
// each ATR and APDU at the contacts (0 when they are not recorded).
func (r *Rig) laneWant() int {
	if r.Capture == nil || !r.sniffing {
		return 0
	}
	return int(r.contacts.n.Load())
}

// checkLane holds the capture's APDU lane against what the card's
// contacts carried (contactCount): every datagram must be there, each one
// GSMTAP SIM, and the lane must hold the whole session (it starts with
// the card's first ATR). It reads the datagrams' headers only (read with
// the HTTP exchanges, in one pass over the file); APDULane types them
// when asked. What the APDUs say — malformed or unanswered
// ones included — is traffic, not a capture defect: a host may send the
// card garbage over +CSIM.
func (r *Rig) checkLane(dgs []capture.Datagram) []string {
	if r.Capture == nil || !r.sniffing {
		return nil
	}
	want := r.laneWant()
	var problems []string
	got := 0
	for _, d := range dgs {
		if d.Src != capture.SIMTapAddr {
			continue // a sniffer's, in a lab run
		}
		got++
		var g gsmtap.GSMTAP
		switch err := g.DecodeFromBytes(d.Payload, gopacket.NilDecodeFeedback); {
		case err != nil:
			problems = append(problems, fmt.Sprintf("the card's APDU lane: frame %d: %v", d.Frame, err))
		case g.Type != gsmtap.TypeSIM || (g.SubType != gsmtap.SubATR && g.SubType != gsmtap.SubAPDU):
			problems = append(problems, fmt.Sprintf("the card's APDU lane: frame %d: GSMTAP type %s sub-type %d", d.Frame, g.Type, g.SubType))
		case got == 1 && g.SubType != gsmtap.SubATR:
			problems = append(problems, fmt.Sprintf("the card's APDU lane: frame %d: it starts with an APDU, not the card's ATR", d.Frame))
		}
	}
	if got != want {
		problems = append(problems, fmt.Sprintf("the card's APDU lane: %d GSMTAP SIM datagrams in the capture, for %d ATRs and APDUs at the card's contacts", got, want))
	}
	return problems
}
