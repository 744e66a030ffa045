package capture

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SkippedAtEnd is a datagram a SIMtrace receiver skipped after the last
// frame from its sender, one that may have carried an exchange: with no
// frame after it to carry the mark (Mark.LostBefore), the capture ends
// with an Interface Statistics Block saying so (re-tester t145 F5: the
// skip of the exchange the sniffer was cut in was in no saved file).
type SkippedAtEnd struct {
	Src      netip.AddrPort
	Received int // its number among the datagrams the receiver got
}

// skippedAtEndPrefix starts the ISB comment of a capture's SkippedAtEnd:
// "esimhil:receiver-skipped-at-end=3@127.0.0.1:40000", one per sender,
// space-separated.
const skippedAtEndPrefix = "esimhil:receiver-skipped-at-end="

// maxSkippedAtEnd bounds the senders the comment names (and a reader
// takes): the receiver's own bound on senders.
const maxSkippedAtEnd = 1024

// kernelDroppedAtEndPrefix starts the ISB comment of a capture's
// KernelDroppedAtEnd: "esimhil:kernel-dropped-at-end=7", in a block of its
// own (a reader keeps one comment a block).
const kernelDroppedAtEndPrefix = "esimhil:kernel-dropped-at-end="

// blockTypeISB is pcapng's Interface Statistics Block (§4.6).
const blockTypeISB = 0x00000005

// SkippedAtEnd has the capture end, after its last frame, with the
// receiver's skips that no later frame marks, as of at (the block's
// time: the receiver's clock; with KernelDroppedAtEnd's, both blocks take
// the later call's); the last call's list is written when the session
// closes.
func (s *Session) SkippedAtEnd(at time.Time, list []SkippedAtEnd) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.skippedAtEnd = slices.Clone(list[:min(len(list), maxSkippedAtEnd)])
	s.endAt = at
}

// KernelDroppedAtEnd has the capture end, after its last frame, saying
// that n datagrams of senders unknown were dropped by the SIMtrace
// receiver's full socket buffer after the last frame it marks (after the
// last datagram received, as the socket's own count said at the close:
// SO_MEMINFO), as of at; the last call's n is written when the session
// closes. A reader of the file ends what was on its way on every lane
// there, as it does at a frame marked Mark.KernelDropped.
func (s *Session) KernelDroppedAtEnd(at time.Time, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.droppedAtEnd = max(n, 0)
	s.endAt = at
}

// skippedAtEndBlock is the ISB of list for the interface the datagrams
// are written on, stamped now; nil for none. It is encoded here, with
// appendEPB's option codec, not by pcapgo's WriteInterfaceStats (as
// live.statsBlock is): that writer drops NgInterfaceStatistics.Comment
// (gopacket v1.7.7 writes only the times and counters).
func skippedAtEndBlock(iface int, now time.Time, list []SkippedAtEnd) []byte {
	if len(list) == 0 {
		return nil
	}
	parts := make([]string, len(list))
	for i, k := range list {
		parts[i] = strconv.Itoa(k.Received) + "@" + k.Src.String()
	}
	return commentISB(iface, now, skippedAtEndPrefix+strings.Join(parts, " "))
}

// kernelDroppedAtEndBlock is the ISB of KernelDroppedAtEnd; nil for none.
func kernelDroppedAtEndBlock(iface int, now time.Time, n int) []byte {
	if n <= 0 {
		return nil
	}
	return commentISB(iface, now, kernelDroppedAtEndPrefix+strconv.Itoa(n))
}

// commentISB is an ISB of the interface with one comment, stamped now.
func commentISB(iface int, now time.Time, comment string) []byte {
	le := binary.LittleEndian
	ts := uint64(now.UnixNano())
	b := le.AppendUint32(nil, blockTypeISB)
	b = le.AppendUint32(b, 0) // total length, set below
	b = le.AppendUint32(b, uint32(iface))
	b = le.AppendUint32(b, uint32(ts>>32))
	b = le.AppendUint32(b, uint32(ts))
	b = appendText(b, comment)
	b = le.AppendUint16(b, optEndOfOptions)
	b = le.AppendUint16(b, 0)
	total := len(b) + blockTrailerLen
	le.PutUint32(b[4:], uint32(total))
	return le.AppendUint32(b, uint32(total))
}

// parseSkippedAtEnd reads an ISB comment; false when it is another's.
func parseSkippedAtEnd(comment string) ([]SkippedAtEnd, bool) {
	rest, ok := strings.CutPrefix(comment, skippedAtEndPrefix)
	if !ok {
		return nil, false
	}
	var out []SkippedAtEnd
	for _, f := range strings.Fields(rest) {
		n, addr, ok := strings.Cut(f, "@")
		k, err := strconv.Atoi(n)
		if !ok || err != nil || k <= 0 {
			return nil, false
		}
		src, err := netip.ParseAddrPort(addr)
		if err != nil {
			return nil, false
		}
		out = append(out, SkippedAtEnd{Src: src, Received: k})
	}
	return out[:min(len(out), maxSkippedAtEnd)], len(out) > 0
}

// parseKernelDroppedAtEnd reads an ISB comment; false when it is another's.
func parseKernelDroppedAtEnd(comment string) (int, bool) {
	n, ok := parseCount(comment, kernelDroppedAtEndPrefix)
	if !ok || n <= 0 {
		return 0, false
	}
	return n, true
}

// endSkips collects, as a capture is read, the receiver's skips of the
// last Interface Statistics Block comment of ours (SkippedAtEnd), and the
// kernel's drops after the last frame of the last such comment
// (KernelDroppedAtEnd): the packet readers hand it each ISB's comment as
// they pass the block, so the datagrams and what they end with come from
// one pass.
type endSkips struct {
	list    []SkippedAtEnd
	dropped int
}

// take reads one ISB's comment (pcapgo keeps a block's last); another
// tool's is passed over.
func (e *endSkips) take(comment string) {
	if list, ok := parseSkippedAtEnd(comment); ok {
		e.list = list
	}
	if n, ok := parseKernelDroppedAtEnd(comment); ok {
		e.dropped = n
	}
}
