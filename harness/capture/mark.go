package capture

import (
	"encoding/binary"
	"strconv"
	"strings"

	"github.com/gopacket/gopacket"
)

// Mark places a frame in the run's event log: Events is how many events
// the log had taken when the frame was written, which is the line of
// events.jsonl logged last before it (0: none yet). Simulated time stands
// still within an instant, so a frame's timestamp (1 µs past the frame
// before it, to keep the file's order) cannot say which events of its
// instant came before it; the mark does. The tap stores it in the frame's
// Enhanced Packet Block as a comment (MarkComment), which Wireshark shows
// as frame.comment; OK is false for a frame without one (a live capture's
// kernel frames, files written before marks, captures from elsewhere).
type Mark struct {
	Events int
	OK     bool
	// Command, when CommandOK, is how many events the log had when the
	// exchange the frame records began: an APDU's datagram is written once
	// the card has answered, after the events the card logged while it
	// handled the command, which came before them and caused them.
	Command   int
	CommandOK bool
	// Note, if set, is one more comment for the frame, for a reader of
	// the file (serverSideNote); readers of marks skip it.
	Note string
	// Outside marks a frame of a connection with a client out of process
	// (a host LPA, curl: a connection the tap did not dial), either way,
	// as the comment OutsideComment: not the card's BIP, whose
	// connections the tap dials.
	Outside bool
	// LostBefore, when not 0, is the number among the datagrams a
	// SIMtrace receiver got of the last one from this frame's sender it
	// skipped since the sender's frame before, one that may have carried
	// an exchange (simtrace.Receiver): bytes lost on the card's
	// interface, which the capture does not hold but marks here, as the
	// comment "esimhil:receiver-skipped=N", for every reader of the file
	// to end what was on its way (outside tester t136 F2). It is read
	// whether or not the frame has an event count.
	LostBefore int
	// KernelDropped, when not 0, is how many datagrams the kernel dropped
	// from the SIMtrace receiver's full socket buffer between the frame's
	// datagram and the one the receiver read before it (SO_RXQ_OVFL),
	// as the comment "esimhil:kernel-dropped=N" and KernelDroppedComment.
	// The kernel does not say whose they were: a reader ends what was on
	// its way on every lane, as for LostBefore. It is read whether or not
	// the frame has an event count.
	KernelDropped int
	// AfterEnd marks a frame written after the run's record ended with
	// run_ended (Config.Ended), as the comment AfterEndComment:
	// traffic of what the rig did past the run (the exploration's end
	// read), which events.jsonl and at.log leave out. The file keeps it
	// — the servers' logs and the card's contacts count it, against
	// which the capture is checked whole — and says whose it is.
	AfterEnd bool
}

// AfterEndComment is the comment on each frame written after run_ended
// (Mark.AfterEnd).
const AfterEndComment = "esimhil:after-run-ended"

// KernelDroppedComment follows a frame's "esimhil:kernel-dropped=N"
// (Mark.KernelDropped), for a reader of the file in Wireshark.
const KernelDroppedComment = "esimhil: datagrams dropped by the kernel's receive buffer just before this frame, of senders unknown: what was on its way on every lane ends here"

// OutsideComment is the comment on each frame of a connection with a
// client out of process (Mark.Outside).
const OutsideComment = "esimhil:client=out-of-process"

// eventCount counts the events the run's log has taken (Config.Events);
// n nil when the session has no log, and its frames carry no mark. ended,
// if set, says the run's record has ended (Config.Ended).
type eventCount struct {
	n     func() int
	ended func() bool
}

// mark is the mark of a frame written now, the one way a frame gets its
// own. The count is taken under the log's lock, so an event emitted on
// another goroutine (a server's handler, the rig's loop) falls wholly
// before or after the frame.
func (c eventCount) mark() Mark {
	if c.n == nil {
		return Mark{}
	}
	return Mark{Events: c.n(), OK: true, AfterEnd: c.ended != nil && c.ended()}
}

// The comments of a mark: "esimhil:after-event=12", and for an APDU
// "esimhil:command-after-event=9" beside it.
const (
	markPrefix    = "esimhil:after-event="
	commandPrefix = "esimhil:command-after-event="
	// lostBeforePrefix starts the comment of Mark.LostBefore.
	lostBeforePrefix = "esimhil:receiver-skipped="
	// kernelDroppedPrefix starts the comment of Mark.KernelDropped.
	kernelDroppedPrefix = "esimhil:kernel-dropped="
)

// MarkComment is the EPB comment (pcapng opt_comment) that carries m.
func MarkComment(m Mark) string {
	return markPrefix + strconv.Itoa(m.Events)
}

// pcapng codes (pcapng spec: Enhanced Packet Block, options).
const (
	blockTypeEPB    = 0x00000006
	optEndOfOptions = 0
	optComment      = 1
	optionHeaderLen = 4 // code, length
	blockTrailerLen = 4 // the block's length again
)

// appendEPB appends a little-endian Enhanced Packet Block of interface 0
// (nanosecond timestamps) holding data, with m's comments as its options
// (the frame's own mark first, then its command's, Outside, AfterEnd,
// LostBefore, KernelDropped and Note): byte for byte what pcapgo.NgWriter writes for them
// (TestEPBAsPcapgo).
func appendEPB(b []byte, ci gopacket.CaptureInfo, data []byte, m Mark) []byte {
	le := binary.LittleEndian
	start := len(b)
	ts := uint64(ci.Timestamp.UnixNano())
	b = le.AppendUint32(b, blockTypeEPB)
	b = le.AppendUint32(b, 0) // total length, set below
	b = le.AppendUint32(b, uint32(ci.InterfaceIndex))
	b = le.AppendUint32(b, uint32(ts>>32))
	b = le.AppendUint32(b, uint32(ts))
	b = le.AppendUint32(b, uint32(ci.CaptureLength))
	b = le.AppendUint32(b, uint32(ci.Length))
	b = append(b, data...)
	b = pad4(b, len(data))
	if m.OK || m.Note != "" || m.LostBefore > 0 || m.KernelDropped > 0 {
		if m.OK {
			b = appendComment(b, markPrefix, m.Events)
		}
		if m.OK && m.CommandOK {
			b = appendComment(b, commandPrefix, m.Command)
		}
		if m.OK && m.Outside {
			b = appendText(b, OutsideComment)
		}
		if m.OK && m.AfterEnd {
			b = appendText(b, AfterEndComment)
		}
		if m.LostBefore > 0 {
			b = appendComment(b, lostBeforePrefix, m.LostBefore)
		}
		if m.KernelDropped > 0 {
			b = appendComment(b, kernelDroppedPrefix, m.KernelDropped)
			b = appendText(b, KernelDroppedComment)
		}
		if m.Note != "" {
			b = appendText(b, m.Note)
		}
		b = le.AppendUint16(b, optEndOfOptions)
		b = le.AppendUint16(b, 0)
	}
	total := len(b) - start + blockTrailerLen
	le.PutUint32(b[start+4:], uint32(total))
	return le.AppendUint32(b, uint32(total))
}

// appendComment appends an opt_comment "<prefix><n>", padded to 32 bits.
func appendComment(b []byte, prefix string, n int) []byte {
	at := len(b)
	b = binary.LittleEndian.AppendUint16(b, optComment)
	b = binary.LittleEndian.AppendUint16(b, 0) // length, set below
	b = append(b, prefix...)
	b = strconv.AppendInt(b, int64(n), 10)
	l := len(b) - at - optionHeaderLen
	binary.LittleEndian.PutUint16(b[at+2:], uint16(l))
	return pad4(b, l)
}

// appendText appends an opt_comment holding s (at most 65535 bytes, as
// the option's length field allows), padded to 32 bits.
func appendText(b []byte, s string) []byte {
	s = s[:min(len(s), 0xffff)]
	b = binary.LittleEndian.AppendUint16(b, optComment)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(s)))
	b = append(b, s...)
	return pad4(b, len(s))
}

// pad4 appends the zeros that bring n bytes to a multiple of 4.
func pad4(b []byte, n int) []byte {
	return append(b, make([]byte, (4-n&3)&3)...)
}

// ParseMark reads a mark from a frame's comment; any other comment (a
// user's, another tool's, a command's place) is not one.
func ParseMark(comment string) (Mark, bool) {
	n, ok := parseCount(comment, markPrefix)
	return Mark{Events: n, OK: ok}, ok
}

// ParseCommandMark reads the place of an APDU's command from a frame's
// comment ("esimhil:command-after-event=N").
func ParseCommandMark(comment string) (int, bool) {
	return parseCount(comment, commandPrefix)
}

func parseCount(comment, prefix string) (int, bool) {
	digits, ok := strings.CutPrefix(comment, prefix)
	if !ok || digits == "" || len(digits) > 18 {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		return 0, false
	}
	return n, true
}

// markOf finds the mark among a frame's comments, and its command's place
// when it has one.
func markOf(comments []string) Mark {
	var m Mark
	for _, c := range comments {
		if p, ok := ParseMark(c); ok && !m.OK {
			m.Events, m.OK = p.Events, true
		}
		if n, ok := ParseCommandMark(c); ok && !m.CommandOK {
			m.Command, m.CommandOK = n, true
		}
		m.Outside = m.Outside || c == OutsideComment
		m.AfterEnd = m.AfterEnd || c == AfterEndComment
		if n, ok := parseCount(c, lostBeforePrefix); ok && n > 0 && m.LostBefore == 0 {
			m.LostBefore = n
		}
		if n, ok := parseCount(c, kernelDroppedPrefix); ok && n > 0 && m.KernelDropped == 0 {
			m.KernelDropped = n
		}
	}
	if !m.OK {
		// A command's place without the frame's own is no mark; a loss
		// before the frame is one whatever wrote it (lab sniff's file
		// has no events).
		return Mark{LostBefore: m.LostBefore, KernelDropped: m.KernelDropped}
	}
	return m
}
