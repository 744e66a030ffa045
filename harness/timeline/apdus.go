package timeline

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/simtrace"
	"github.com/esimhil/esimhil/internal/codec/gsmtap"
	"github.com/esimhil/esimhil/internal/codec/stk"
	"github.com/esimhil/esimhil/internal/proto/cardtrace"
)

// readAPDUs adds the card's APDUs, when the capture holds them as GSMTAP
// SIM (a sniffer at the card's contacts), as marks on the lane between
// modem and card: one row per exchange — instruction, the ES10 function
// or toolkit command it carries, status word — the card's resets too.
func readAPDUs(path string, b *Builder) error {
	// A file cut short: readTraffic has noted it; the APDUs before the
	// cut are shown.
	d, err := capture.ReadDatagrams(path, gsmtap.Port)
	if err != nil && !errors.Is(err, capture.ErrCutShort) {
		return err
	}
	return b.addAPDUs(d)
}

// addAPDUs adds the lanes of a capture's GSMTAP datagrams (see
// readAPDUs); a row whose frame is marked goes among the events of its
// instant by its mark: an APDU where its command reached the card, before
// the events the card logged while handling it (its datagram, written
// with the answer, follows them). An APDU with such events is two rows:
// the command before them, the card's answer (status word) after.
// The receiver's skips the capture ends with are said at their
// sender's last row (simtrace.Decode).
func (b *Builder) addAPDUs(d capture.Datagrams) error {
	tr, dgs := simtrace.Decode(d), d.List
	marks := make(map[int]rowMark, len(dgs))
	// answers holds the datagram's own mark where events came between the
	// command and its answer: the card logged them while it handled the
	// command, so the row splits in two around them.
	answers := map[int]rowMark{}
	for _, d := range dgs {
		switch {
		case d.Mark.CommandOK:
			marks[d.Frame] = rowMark{events: d.Mark.Command, afterEnd: d.Mark.AfterEnd}
			if d.Mark.Events > d.Mark.Command {
				answers[d.Frame] = rowMark{events: d.Mark.Events, afterEnd: d.Mark.AfterEnd}
			}
		case d.Mark.OK:
			marks[d.Frame] = rowMark{events: d.Mark.Events, afterEnd: d.Mark.AfterEnd}
		}
	}
	var earliest time.Time
	for _, d := range dgs {
		if !d.Time.IsZero() && (earliest.IsZero() || d.Time.Before(earliest)) {
			earliest = d.Time
		}
	}
	sim := b.captureOnEventClock(earliest)
	// The rows' room at once: grown row by row, the old and new arrays
	// were both live at a long run's peak (t265).
	rows := len(answers)
	for _, l := range tr.Lanes {
		rows += len(l.ATRs) + len(l.APDUs)
	}
	b.t.Items = slices.Grow(b.t.Items, rows)
	add := func(it Item, t time.Time, frame int) {
		it.T, it.priority = t, prioEvent
		m, ok := marks[frame]
		b.addMarked(it, t, m.mark(ok), frame, sim)
	}
	// addSplit adds an APDU as its command, where it reached the card,
	// and the card's answer after the events it logged meanwhile.
	addSplit := func(a simtrace.APDU, lane string, m rowMark) {
		src := fmt.Sprintf("traffic.pcapng frame %d", a.Frame)
		answer := fmt.Sprintf(" %04X", a.SW)
		if a.Outcome != "" {
			answer += " · " + a.Outcome
		}
		if a.HostError != "" {
			answer += " · " + cardtrace.HostErrorText
		}
		detail := a.Detail()
		add(Item{From: lane, Kind: KindAPDU, Label: strings.TrimSuffix(a.String(), answer) + " …", Detail: detail, Source: src, bip: bipOf(a)}, a.Time, a.Frame)
		b.addMarked(Item{From: lane, Kind: KindAPDU, Reply: true, Label: a.Name + " answered" + answer, Detail: detail,
			Failed: a.Failed(), Source: src, T: a.Time, priority: prioEvent}, a.Time, m.mark(true), a.Frame, sim)
	}
	for i, l := range tr.Lanes {
		lane := LaneAPDU
		if i > 0 {
			lane = fmt.Sprintf("%s:%d", LaneAPDU, i+1) // a second sniffer
		}
		for _, a := range l.ATRs {
			add(Item{From: lane, Kind: KindAPDU, Label: fmt.Sprintf("ATR %X", a.Bytes),
				Detail: fmt.Sprintf("card reset: answer to reset %X (frame %d)", a.Bytes, a.Frame),
				Source: fmt.Sprintf("traffic.pcapng frame %d", a.Frame)}, a.Time, a.Frame)
		}
		for j, a := range l.APDUs {
			// Its rows have all it says: what it decoded (and the
			// datagram bytes it points into) can go as the rows grow.
			l.APDUs[j] = simtrace.APDU{}
			if m, ok := answers[a.Frame]; ok {
				addSplit(a, lane, m)
				continue
			}
			add(Item{From: lane, Kind: KindAPDU, Label: a.String(), Detail: a.Detail(),
				Failed: a.Failed(), Source: fmt.Sprintf("traffic.pcapng frame %d", a.Frame), bip: bipOf(a)}, a.Time, a.Frame)
		}
		if w := l.Summary(); w != "" {
			b.Note("traffic.pcapng: APDU lane %s: %s", l.Source, w)
		}
	}
	// The datagrams no lane took: what the capture cut short, could not
	// put together, or that was not GSMTAP SIM. Each that may have carried
	// an exchange ended what was on its way on its sniffer's lane.
	if w := tr.Summary(); w != "" {
		b.Note("traffic.pcapng: datagrams on GSMTAP's port %d skipped: %s", gsmtap.Port, w)
	}
	return nil
}

// rowMark is what placing a row reads of its frame's capture.Mark: a
// long run's map of a quarter of a million full marks was a tenth of its
// page's heap (t265). Only marked frames have one, so whether the frame
// is marked is the map's comma-ok, not a field.
type rowMark struct {
	events   int
	afterEnd bool
}

// mark is the capture.Mark m stands for; ok false (no rowMark for the
// frame) is none.
func (m rowMark) mark(ok bool) capture.Mark {
	return capture.Mark{Events: m.events, OK: ok, AfterEnd: m.afterEnd}
}

// bipUse is what an APDU does with a BIP channel (TS 102 223 §6.4.27–29,
// §7.4): the card sends on it, or takes what a server sent. ch is the
// channel, 0 when the APDU does not say.
type bipUse struct {
	send, read bool
	ch         byte
}

// bipOf reads a's use of a channel: a FETCH of SEND DATA sends; the
// terminal's Data available envelope and a FETCH of RECEIVE DATA are the
// only way the card takes channel data, so they read. Other APDUs (the
// tail of a SEND DATA, a TIMER MANAGEMENT) say nothing about an answer.
func bipOf(a simtrace.APDU) bipUse {
	switch {
	case a.IsProactive(stk.CmdSendData):
		return bipUse{send: true, ch: a.Proactive.Channel()}
	case a.IsProactive(stk.CmdReceiveData):
		return bipUse{read: true, ch: a.Proactive.Channel()}
	case a.Envelope != nil && a.Envelope.Tag == stk.TagEventDownload && a.Envelope.Event == stk.EventDataAvailable:
		u := bipUse{read: true}
		if cs := a.Envelope.ChannelStatus; cs != nil {
			u.ch = cs.Channel
		}
		return u
	}
	return bipUse{}
}
