// Package simtrace reads the card's own traffic — the ATRs and APDUs
// between modem and card that a SIMtrace2 sniffer sends as GSMTAP SIM
// datagrams to UDP port 4729, or that the emulated rig writes into its
// capture the same way — and returns it as a typed APDU lane: instruction
// names, the ES10 function of each STORE DATA, the proactive command of
// each FETCH (type, qualifier and contents), what each TERMINAL RESPONSE
// answers, each ENVELOPE's kind and event, and the answers that come in
// GET RESPONSE. One decoder serves emulated runs and lab runs alike.
//
// What a lane cannot use is skipped with a counted warning in the
// protocol's own terms (not GSMTAP, another GSMTAP type, an APDU without a
// response, a sniffer that started mid-session), naming the frames of the
// first few of each kind; the rest of the lane and of the capture is
// unaffected. A skipped datagram that may have carried an exchange (cut
// short, not reassembled, not GSMTAP) is bytes lost on the card's
// interface: what was on its way on the sniffer's lane — an answer
// waiting for GET RESPONSE, a STORE DATA sequence — ends there, as it
// does for every reader of a trace (cardtrace.Channels.Lost). Datagrams
// the kernel dropped from the receiver's full socket buffer (counted on
// Linux with SO_RXQ_OVFL, seen on the datagram after them) are such a
// loss on every lane, their senders being unknown.
package simtrace

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gopacket/gopacket"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/internal/codec/gsmtap"
)

// Kind is what a warning is about.
type Kind string

// Warning kinds. The datagram kinds skip a whole datagram; the APDU kinds
// keep what could be read of the exchange unless they say otherwise.
const (
	// Datagram level: the datagram is skipped.
	NotGSMTAP    Kind = "not GSMTAP"                        // too short, another version, bad header length
	OtherType    Kind = "GSMTAP of another type than SIM"   // e.g. GSM Um from a phone's baseband
	OtherSubType Kind = "GSMTAP SIM other than ATR or APDU" // PPS, TPDU parts
	Truncated    Kind = "datagram cut short by the capture" // snap length
	Unassembled  Kind = "datagram in IP fragments not reassembled"
	NoResponse   Kind = "APDU without a response"     // skipped: no status word
	BadAPDU      Kind = "not an APDU"                 // skipped: PPS bytes, INS or SW1 no card sends
	NotATR       Kind = "not an ATR"                  // skipped: an ATR datagram whose bytes are none (ISO/IEC 7816-3 §8.2)
	MidSession   Kind = "sniffer started mid-session" // kept: context lost (GET RESPONSE without 61xx, …)
	Undecoded    Kind = "APDU data does not decode"   // kept untyped: a FETCH, ENVELOPE, … whose contents are malformed
	// Said on a sender's lane at its last frame: the receiver skipped a
	// datagram of it after that frame, which may have carried part of an
	// exchange (the capture ends saying so: capture.SkippedAtEnd).
	SkippedAtEnd Kind = "skipped by the receiver after the sender's last frame"
	// Said on every lane, at the frame after them, of datagrams the
	// kernel dropped from the receiver's full socket buffer
	// (capture.Mark.KernelDropped): the kernel does not say whose they
	// were, so what was on its way on every lane ends there.
	KernelDropped Kind = "overflow of the kernel's receive buffer"
	// Said on a lane's last frame when the trace ends inside an exchange
	// (Trace.End): a proactive command without its TERMINAL RESPONSE, a
	// 61xx without its GET RESPONSE, a 6Cxx without the command again, a
	// 91xx without its FETCH — each of which a terminal sends at once.
	EndsInExchange Kind = "trace ends inside an exchange"
	// Said of a datagram kept whole: IP fragments repeating its bytes
	// came after it, discarded as duplicates (nothing lost).
	DuplicateFragments Kind = "IP fragments repeated"
)

// MaxWarnings bounds the warnings kept with their details; counts are
// exact whatever their number.
const MaxWarnings = 100

// FramesNamed is how many frames of each kind a Summary names: enough to
// find them in Wireshark, few enough for a line.
const FramesNamed = 5

// Warning is one thing of a trace that could not be used as it is.
type Warning struct {
	Frame  int // packet number in the capture file
	Time   time.Time
	Kind   Kind
	Detail string
}

func (w Warning) String() string {
	return fmt.Sprintf("frame %d (%s): %s: %s", w.Frame, w.Time.UTC().Format("15:04:05.000000"), w.Kind, w.Detail)
}

// warnings counts warnings by kind and keeps the first MaxWarnings, and
// the frames of the first FramesNamed of each kind.
type warnings struct {
	list   []Warning
	counts map[Kind]int
	frames map[Kind][]int
	// unit names what Frame counts, singular and plural: "frame" (a
	// packet of the capture file) unless set.
	unit [2]string
}

func (w *warnings) add(frame int, t time.Time, k Kind, format string, a ...any) {
	if w.counts == nil {
		w.counts, w.frames = map[Kind]int{}, map[Kind][]int{}
	}
	w.counts[k]++
	if len(w.frames[k]) < FramesNamed {
		w.frames[k] = append(w.frames[k], frame)
	}
	if len(w.list) < MaxWarnings {
		w.list = append(w.list, Warning{Frame: frame, Time: t, Kind: k, Detail: fmt.Sprintf(format, a...)})
	}
}

// Warnings are the first MaxWarnings warnings, in frame order.
func (w *warnings) Warnings() []Warning { return w.list }

// Count is how many warnings of kind k there were.
func (w *warnings) Count(k Kind) int { return w.counts[k] }

// Total is how many warnings there were.
func (w *warnings) Total() int {
	n := 0
	for _, c := range w.counts {
		n += c
	}
	return n
}

// Summary says how many warnings of each kind there were, with the
// frames of the first FramesNamed ("" for none): "14 datagram cut short
// by the capture (frames 2, 3, 4, 5, 6 and 9 more), 1 not an APDU (frame
// 25)".
func (w *warnings) Summary() string {
	unit := w.unit
	if unit[0] == "" {
		unit = [2]string{"frame", "frames"}
	}
	kinds := make([]Kind, 0, len(w.counts))
	for k := range w.counts {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool { return kinds[i] < kinds[j] })
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		n, frames := w.counts[k], w.frames[k]
		b := fmt.Appendf(nil, "%d %s (%s ", n, k, unit[min(len(frames), 2)-1])
		for j, f := range frames {
			if j > 0 {
				b = append(b, ", "...)
			}
			b = strconv.AppendInt(b, int64(f), 10)
		}
		if more := n - len(frames); more > 0 {
			b = fmt.Appendf(b, " and %d more", more)
		}
		parts[i] = string(append(b, ')'))
	}
	return strings.Join(parts, ", ")
}

// Trace is everything a capture holds on GSMTAP's port: one lane per
// sniffer, and the datagrams no lane could use.
type Trace struct {
	// Lanes holds one lane per source address that sent GSMTAP SIM, in
	// the order they first appear (one card per sniffer).
	Lanes []*Lane
	// The trace's own warnings are about datagrams no lane took: not
	// GSMTAP SIM at all, from whatever source (CountAll adds the lanes').
	warnings
	// sizeHint is how many APDUs Decode expects at most: the first lane
	// is made that large (an APDU is 248 bytes; growing the slice was
	// half of the lane's decoding).
	sizeHint int
	ended    bool // End was called
	// last is the latest datagram taken: where a skip after every frame
	// is said when its sender has no lane.
	last struct {
		frame int
		time  time.Time
	}
	// kernel holds the datagrams the kernel's receive buffer dropped
	// (KernelDropped): their total, and the first FramesNamed drops.
	kernel struct {
		dropped int
		drops   []Drop
		atEnd   int // after the last frame (KernelDroppedAtEnd)
	}
}

// Lane is the ATRs and APDUs of one card, in time order.
type Lane struct {
	Source netip.AddrPort // where the sniffer's datagrams came from
	ATRs   []ATR
	APDUs  []APDU
	warnings

	dec decoder
}

// ATR is a card reset as the sniffer saw it.
type ATR struct {
	Frame int
	Time  time.Time
	Bytes []byte
}

// Read decodes the GSMTAP datagrams of a capture file (of one cut short,
// those before the cut, with the error).
func Read(path string) (*Trace, error) {
	d, err := capture.ReadDatagrams(path, gsmtap.Port)
	if err != nil && !errors.Is(err, capture.ErrCutShort) {
		return nil, err
	}
	return Decode(d), err // with ErrCutShort: what came before the cut
}

// SkippedAtEnd takes the receiver's skips a capture ends with
// (capture.Datagrams.SkippedAtEnd): each ends what was on its way on its
// sender's lane, as a loss marked on a later frame does, and is said on
// that lane at its last frame (on the trace, at its last datagram, for a
// sender without a lane).
func (tr *Trace) SkippedAtEnd(list []capture.SkippedAtEnd) {
	for _, k := range list {
		tr.LostReceived(k.Src, k.Received)
		const format = "received datagram %d from %s, after the sender's last frame in the capture: part of an exchange may be lost there"
		if l := tr.Lane(k.Src); l != nil {
			frame, t := l.lastFrame()
			l.warnings.add(frame, t, SkippedAtEnd, format, k.Received, k.Src)
			continue
		}
		tr.warnings.add(tr.last.frame, tr.last.time, SkippedAtEnd, format, k.Received, k.Src)
	}
}

// Decode builds the trace of a capture's datagrams (to or from port
// 4729), taking them in time order (a stable sort: a sniffer's order is
// kept), then the receiver's skips the capture ends with.
func Decode(d capture.Datagrams) *Trace {
	byTime := func(a, b capture.Datagram) int { return a.Time.Compare(b.Time) }
	// A capture written as the run goes is in time order already: its
	// list is read as it is, not copied and sorted again (an exploration
	// case has about 900 datagrams).
	sorted := d.List
	if !slices.IsSortedFunc(sorted, byTime) {
		sorted = slices.Clone(sorted)
		slices.SortStableFunc(sorted, byTime)
	}
	tr := &Trace{sizeHint: len(sorted)}
	for _, d := range sorted {
		tr.Add(d)
	}
	tr.SkippedAtEnd(d.SkippedAtEnd)
	tr.KernelDroppedAtEnd(d.KernelDroppedAtEnd)
	tr.End()
	return tr
}

// End says, on each lane whose last exchange is not over, that the trace
// ends inside it (EndsInExchange): Decode calls it after the capture's
// last datagram, a live view when it stops. Datagrams taken after it are
// decoded as ever; it says nothing a second time.
func (tr *Trace) End() {
	if tr.ended {
		return
	}
	tr.ended = true
	for _, l := range tr.Lanes {
		l.end()
	}
}

// Lane returns the lane of the sniffer at src, or nil.
func (tr *Trace) Lane(src netip.AddrPort) *Lane {
	for _, l := range tr.Lanes {
		if l.Source == src {
			return l
		}
	}
	return nil
}

// Only returns the trace's one lane; it fails when the capture holds no
// SIM trace or the traces of several sniffers.
func (tr *Trace) Only() (*Lane, error) {
	switch len(tr.Lanes) {
	case 1:
		return tr.Lanes[0], nil
	case 0:
		return nil, fmt.Errorf("no GSMTAP SIM datagram in the capture%s", tr.suffix())
	}
	srcs := make([]string, len(tr.Lanes))
	for i, l := range tr.Lanes {
		srcs[i] = l.Source.String()
	}
	return nil, fmt.Errorf("GSMTAP SIM from %d sniffers (%s): pick one with Lane", len(tr.Lanes), strings.Join(srcs, ", "))
}

func (tr *Trace) suffix() string {
	if s := tr.Summary(); s != "" {
		return " (skipped: " + s + ")"
	}
	return ""
}

// CountAll is how many warnings of kind k the trace and its lanes hold
// (Count, Total, Summary and Warnings of a Trace are about the datagrams
// no lane took; a Lane's, about its own).
func (tr *Trace) CountAll(k Kind) int {
	n := tr.warnings.Count(k)
	for _, l := range tr.Lanes {
		n += l.Count(k)
	}
	return n
}

// Add takes one more datagram, later than those before it: its GSMTAP
// header, then its SIM payload on the lane of its source (a live view of a
// sniffer decodes as the datagrams arrive).
func (tr *Trace) Add(d capture.Datagram) {
	if d.Frame >= tr.last.frame {
		tr.last.frame, tr.last.time = d.Frame, d.Time
	}
	if d.Mark.LostBefore > 0 {
		// The receiver skipped a datagram of this sender's just before
		// it: the capture marks it on this frame (capture.Mark.LostBefore).
		tr.LostReceived(d.Src, d.Mark.LostBefore)
	}
	if d.Mark.KernelDropped > 0 {
		tr.KernelDropped(d.Frame, d.Time, d.Mark.KernelDropped)
	}
	switch {
	case d.Unassembled != "":
		tr.warnings.add(d.Frame, d.Time, Unassembled, "%s (from %s)", d.Unassembled, d.Src)
		tr.Lost(d.Src, d.Frame)
		return
	case d.Truncated:
		tr.warnings.add(d.Frame, d.Time, Truncated, "%d bytes kept from %s", len(d.Payload), d.Src)
		tr.Lost(d.Src, d.Frame)
		return
	}
	if len(d.Duplicates) > 0 {
		tr.warnings.add(d.Frame, d.Time, DuplicateFragments, "%s repeated IP fragments of this datagram, already put together: discarded as duplicates, no bytes lost (from %s)", capture.FrameList(d.Duplicates), d.Src)
	}
	g, skip, why, lost := classify(d.Payload, d.Src)
	if skip != "" {
		tr.warnings.add(d.Frame, d.Time, skip, "%s", why)
		if lost {
			tr.Lost(d.Src, d.Frame)
		}
		return
	}
	l := tr.Lane(d.Src)
	if l == nil {
		l = &Lane{Source: d.Src}
		if len(tr.Lanes) == 0 {
			l.APDUs = make([]APDU, 0, tr.sizeHint)
		}
		tr.Lanes = append(tr.Lanes, l)
	}
	if g.SubType == gsmtap.SubATR {
		l.addATR(d.Frame, d.Time, g.Payload)
		return
	}
	l.addAPDU(d.Frame, d.Time, g.Payload)
}

// classify decodes a datagram's GSMTAP header, for Trace.Add and the
// Receiver alike: skip is "" for GSMTAP SIM ATR or APDU, a lane's to
// decode; else the kind of the skipped datagram and why, and lost says
// whether it may have carried part of the card's exchanges (not GSMTAP,
// a TPDU part: LosesExchange).
func classify(payload []byte, src netip.AddrPort) (g gsmtap.GSMTAP, skip Kind, why string, lost bool) {
	switch err := g.DecodeFromBytes(payload, gopacket.NilDecodeFeedback); {
	case err != nil:
		return g, NotGSMTAP, fmt.Sprintf("%d bytes from %s: %v", len(payload), src, err), true
	case g.Type != gsmtap.TypeSIM:
		// Another protocol's GSMTAP (a baseband's radio messages): no
		// part of the card's exchanges.
		return g, OtherType, fmt.Sprintf("type %s from %s", g.Type, src), false
	case g.SubType != gsmtap.SubAPDU && g.SubType != gsmtap.SubATR:
		return g, OtherSubType, fmt.Sprintf("sub-type %d from %s", g.SubType, src), LosesExchange(g.SubType)
	}
	return g, "", "", false
}

// LosesExchange reports a GSMTAP SIM sub-type that carries part of an
// exchange the lane does not read (a TPDU's header, command, response or
// status word apart): skipping it loses the exchange. A PPS is no part
// of a command's.
func LosesExchange(sub uint8) bool { return sub >= gsmtap.SubTPDUHdr && sub <= gsmtap.SubTPDUSW }

// Lost says that a datagram from src that may have carried an exchange
// was lost at frame: what was on its way on the lane of src ends. A src
// of port 0 (a datagram whose UDP header was not seen) is every lane of
// its address.
func (tr *Trace) Lost(src netip.AddrPort, frame int) { tr.lose(src, skippedAt(frame)) }

// LostReceived is Lost for the datagram a receiver skipped, never in the
// capture but marked on the sender's next frame (capture.Mark.LostBefore,
// which Add reads): n is its number among those the receiver got, as the
// receiver's Stats name it.
func (tr *Trace) LostReceived(src netip.AddrPort, n int) {
	tr.lose(src, fmt.Sprintf("received datagram %d, which the receiver skipped", n))
}

// KernelDropped says that n datagrams were dropped by the kernel's
// receive buffer before frame (capture.Mark.KernelDropped). Whose they
// were is unknown, so what was on its way on every lane ends, and every
// lane says so at that frame (the trace, when it has no lane yet).
func (tr *Trace) KernelDropped(frame int, t time.Time, n int) {
	where := DroppedBefore(n, "frame", frame)
	tr.kernel.dropped += n
	if len(tr.kernel.drops) < FramesNamed {
		tr.kernel.drops = append(tr.kernel.drops, Drop{N: n, Before: frame})
	}
	tr.dropOnEveryLane(where, frame, t, false)
}

// dropOnEveryLane ends what was on its way on every lane at a kernel drop
// of senders unknown, where: each lane warns at frame (at its own last
// frame when atEnd), the trace itself when it has no lane.
func (tr *Trace) dropOnEveryLane(where string, frame int, t time.Time, atEnd bool) {
	warn := KernelDroppedWarning(where)
	if len(tr.Lanes) == 0 {
		tr.warnings.add(frame, t, KernelDropped, "%s", warn)
	}
	for _, l := range tr.Lanes {
		l.lost(-1, where)
		at, lt := frame, t
		if atEnd {
			at, lt = l.lastFrame()
		}
		l.warnings.add(at, lt, KernelDropped, "%s", warn)
	}
}

// KernelDroppedWarning is the warning of a KernelDropped, on every lane
// and in `lab sniff`'s live line alike: where (DroppedBefore,
// DroppedAfterLast) and what it ends.
func KernelDroppedWarning(where string) string {
	return where + ", of senders unknown: what was on its way on every lane ends there"
}

// KernelDroppedAtEnd says that n datagrams were dropped by the kernel's
// receive buffer after the last frame (capture.Datagrams.KernelDroppedAtEnd:
// no frame came after them to carry the count). Whose they were is
// unknown, so what was on its way on every lane ends, and every lane says
// so at its last frame (the trace, at its last datagram, when it has no
// lane).
func (tr *Trace) KernelDroppedAtEnd(n int) {
	if n <= 0 {
		return
	}
	tr.kernel.atEnd += n
	tr.dropOnEveryLane(DroppedAfterLast(n, "frame"), tr.last.frame, tr.last.time, true)
}

// KernelDrops says how many datagrams the kernel's receive buffer dropped
// and before which frames ("" when none was marked): "48 datagrams
// dropped by the kernel's receive buffer before frame 46", or with the
// first FramesNamed drops when there were more ("…: 40 before frame 46,
// 8 before frame 120"), and those after the last frame ("…; 3 more after
// the last frame").
func (tr *Trace) KernelDrops() string {
	return dropsSaid(tr.kernel.dropped, tr.kernel.drops, "frame") + droppedAfterSaid(tr.kernel.dropped, tr.kernel.atEnd, "frame")
}

// droppedAfterSaid says the drops after the last unit, after dropsSaid's
// of before ones ("" for none).
func droppedAfterSaid(before, after int, unit string) string {
	switch {
	case after == 0:
		return ""
	case before == 0:
		return DroppedAfterLast(after, unit)
	}
	return fmt.Sprintf(", %d more after the last %s", after, unit)
}

// DroppedAfterLast says that n datagrams were dropped by the kernel's
// receive buffer after the last unit ("frame", "received datagram"):
// no later datagram carried their count, the socket's own total told
// them at the close (SO_MEMINFO).
func DroppedAfterLast(n int, unit string) string {
	return fmt.Sprintf("%s dropped by the kernel's receive buffer after the last %s", datagrams(n), unit)
}

// dropsSaid says drops of total datagrams before the units named ("" for
// none), and how many came after those named.
func dropsSaid(total int, drops []Drop, unit string) string {
	switch {
	case total == 0:
		return ""
	case len(drops) == 1 && drops[0].N == total:
		return DroppedBefore(total, unit, drops[0].Before)
	}
	parts := make([]string, len(drops))
	left := total
	for i, d := range drops {
		parts[i] = fmt.Sprintf("%d before %s %d", d.N, unit, d.Before)
		left -= d.N
	}
	if left > 0 {
		parts = append(parts, fmt.Sprintf("%d later", left))
	}
	return fmt.Sprintf("%d datagrams dropped by the kernel's receive buffer: %s", total, strings.Join(parts, ", "))
}

// DroppedBefore says that n datagrams were dropped by the kernel's
// receive buffer before the unit ("frame", "received datagram") at.
func DroppedBefore(n int, unit string, at int) string {
	return fmt.Sprintf("%s dropped by the kernel's receive buffer before %s %d", datagrams(n), unit, at)
}

// datagrams is "1 datagram", "2 datagrams".
func datagrams(n int) string {
	if n == 1 {
		return "1 datagram"
	}
	return fmt.Sprintf("%d datagrams", n)
}

func (tr *Trace) lose(src netip.AddrPort, where string) {
	for _, l := range tr.Lanes {
		if l.Source.Addr() == src.Addr() && (src.Port() == 0 || l.Source.Port() == src.Port()) {
			l.lost(-1, where)
		}
	}
}
