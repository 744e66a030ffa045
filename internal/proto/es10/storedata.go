package es10

import (
	"bytes"

	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/tlv"
)

// InsStoreData is STORE DATA (GlobalPlatform Card Specification 2.3
// §11.11), which carries an ES10 request to the ISD-R (SGP.22 §5.7.2).
const InsStoreData = 0xE2

// MaxRequest bounds the request a StoreData puts together: apdu.MaxAnswer,
// above the 256 blocks of 255 bytes P2 can number. A sequence that goes
// past it keeps its first MaxRequest bytes (Block.Cut).
const MaxRequest = apdu.MaxAnswer

// maxSequences bounds the sequences a StoreData follows at once: a trace
// that opens more (a log of many sessions, each left mid-request) has its
// least recently used one forgotten, so a reader holds at most
// maxSequences × MaxRequest bytes.
const maxSequences = 32

// StoreData follows the STORE DATA sequences that carry ES10 requests to
// the ISD-R, one per logical channel, as every reader of a trace must (a
// field log's +CGLA, +CSIM and LPA lines, the timeline's AT lane, the
// card's APDU lane from GSMTAP): GlobalPlatform Card Specification 2.3
// §11.11.2 has P1's b8 mark the last block and P2 number the blocks
// sequentially from '00' to 'FF'; SGP.22 §5.7.2 sends one ES10 function's
// request, a BER-TLV whose tag names the function, as such a sequence.
//
// The rules, in one place:
//   - block 0 starts a sequence, whatever was open on the channel (P2 '00'
//     is always a first block: nothing follows 'FF', so a number never
//     wraps into a running sequence); its first tag names the function
//     (FunctionName: a LoadBoundProfilePackage's segments by their part),
//     from the block that completes the tag on (a block 0 shorter than
//     the tag names none, the blocks after it do);
//   - a later block belongs to the sequence when it is the one expected
//     next; one that is not (a block skipped, or sent twice) ends the
//     sequence (OutOfSequence), as the card refuses it, and one with no
//     sequence open (NoSequence: a trace that began mid-request, or a
//     block after the last) is no function's;
//   - a block sent again as it was (the same P1, P2 and data right after
//     itself: the repeat a 6Cxx asks for, TS 102 221 §7.3.1.1.4, or a
//     host's retry of a block its modem refused) is that block again, not
//     one more (Repeat);
//   - the last block ends the sequence (its repeat is still named);
//   - a SELECT on the channel ends it (the application is selected anew:
//     Command), and so do the channel's close, a reset, or a command whose
//     bytes the trace lost (End).
//
// Any other command between two blocks (GET RESPONSE, STATUS, a toolkit
// command) leaves the sequence open: the card goes on with the next block
// in sequence, and a card that does not answers it with an error, which
// the trace shows. K is the caller's key of a logical channel (its number,
// a port and a session). The zero value is ready.
type StoreData[K comparable] struct {
	// Keep puts each request's data together (Block.Request); without it
	// only the functions are followed.
	Keep bool
	seqs map[K]*sequence
	tick uint64
}

type sequence struct {
	tag      uint32
	name     string
	head     []byte // the sequence's first bytes while they hold no whole tag
	named    bool   // tag read (or head given up on)
	next     int    // the block expected next; -1 once the last was sent
	p1, p2   byte
	prev     []byte // the previous block's data, to tell its repeat
	req      []byte
	cut      bool
	lastUsed uint64
}

// Break says why a block belongs to no sequence.
type Break int

const (
	// InSequence: the block starts or continues its channel's sequence.
	InSequence Break = iota
	// NoSequence: a block after 0 with no sequence open on its channel
	// (its block 0 is not in the trace, or the sequence had ended).
	NoSequence
	// OutOfSequence: a block other than the one its channel's sequence
	// expected (Block.Expected); the sequence ends.
	OutOfSequence
)

// Block is what StoreData says of one STORE DATA command.
type Block struct {
	// Number is P2; Last is P1's b8.
	Number int
	Last   bool
	// Break says whether the block is part of a sequence; Expected is,
	// for OutOfSequence, the block number the sequence waited for.
	Break    Break
	Expected int
	// Function names the ES10 function of the block's sequence, Tag is
	// its request's first tag: "" and 0 when the block is in no sequence
	// or its block 0 began with no tag.
	Function string
	Tag      uint32
	// Repeat says the block is the previous one sent again.
	Repeat bool
	// Request is, on a last block (or its repeat) with Keep set, the
	// whole request: the data of every block of the sequence. It is not
	// written to again. Cut says it ran past MaxRequest.
	Request []byte
	Cut     bool
}

// Add takes a STORE DATA command on channel ch: its P1, P2 and data. The
// data is copied where kept.
func (s *StoreData[K]) Add(ch K, p1, p2 byte, data []byte) Block {
	b := Block{Number: int(p2), Last: p1&0x80 != 0}
	q := s.seqs[ch]
	switch {
	case p2 == 0:
		q = &sequence{}
		q.readTag(data)
		s.put(ch, q)
	case q != nil && q.p1 == p1 && q.p2 == p2 && bytes.Equal(q.prev, data):
		b.Repeat = true
		s.tick++
		q.lastUsed = s.tick
		return q.block(b)
	case q == nil || q.next < 0:
		delete(s.seqs, ch)
		b.Break = NoSequence
		return b
	case int(p2) != q.next:
		delete(s.seqs, ch)
		b.Break, b.Expected = OutOfSequence, q.next
		return b
	default:
		s.tick++
		q.lastUsed = s.tick
		q.readTag(data)
	}
	q.p1, q.p2 = p1, p2
	q.prev = append(q.prev[:0], data...)
	if s.Keep {
		if room := MaxRequest - len(q.req); len(data) > room {
			data, q.cut = data[:room], true
		}
		q.req = append(q.req, data...)
	}
	q.next = int(p2) + 1 // 256 after 'FF': no block continues it
	if b.Last {
		q.next = -1
	}
	return q.block(b)
}

// maxTagLen is the most octets readTag waits for: SGP.22's tags take
// two (BF xx), and three is the most tlv reads.
const maxTagLen = 3

// readTag reads the function's tag from the sequence's first bytes, data
// being the next block's: a block 0 shorter than the tag (one byte, a
// host's smallest block) leaves it to the blocks that follow, which are
// named once the sequence holds it (outside tester t168 F3: a package
// sent in 1-byte blocks was never named).
func (q *sequence) readTag(data []byte) {
	if q.named {
		return
	}
	q.head = append(q.head, data[:min(len(data), maxTagLen-len(q.head))]...)
	if tag, ok := tlv.FirstTag(q.head); ok {
		q.tag, q.name, q.named, q.head = tag, FunctionName(tag), true, nil
	} else if len(q.head) >= maxTagLen {
		q.named, q.head = true, nil // no tag: the sequence stays unnamed
	}
}

func (q *sequence) block(b Block) Block {
	b.Function, b.Tag = q.name, q.tag
	if b.Last {
		b.Request, b.Cut = q.req, q.cut
	}
	return b
}

// put makes q ch's sequence, forgetting the least recently used other
// one when maxSequences are followed.
func (s *StoreData[K]) put(ch K, q *sequence) {
	if s.seqs == nil {
		s.seqs = map[K]*sequence{}
	}
	if _, ok := s.seqs[ch]; !ok && len(s.seqs) >= maxSequences {
		var oldest K
		first := true
		for k, o := range s.seqs {
			if first || o.lastUsed < s.seqs[oldest].lastUsed {
				oldest, first = k, false
			}
		}
		delete(s.seqs, oldest)
	}
	s.tick++
	q.lastUsed = s.tick
	s.seqs[ch] = q
}

// Command takes a command other than STORE DATA on channel ch: a SELECT
// ends the channel's sequence; any other leaves it open.
func (s *StoreData[K]) Command(ch K, ins byte) {
	if ins == apdu.InsSelect {
		delete(s.seqs, ch)
	}
}

// End ends the sequence on ch: the channel was closed, or what the card
// got there is not known (a command the trace lost).
func (s *StoreData[K]) End(ch K) { delete(s.seqs, ch) }

// Reset ends every sequence: the card was reset.
func (s *StoreData[K]) Reset() { clear(s.seqs) }

// StepOutcome is what every reader of a trace (the card's APDU lane, the
// AT lane) says of the answer apdu.Chains put together for a command of
// instruction ins, once step.Whole: that it is none to decode when
// partial (apdu.PartialAnswer) or cut (apdu.CutAnswer, failed: a chain
// that never ended); else, for STORE DATA, what the ES10 function's
// answer says (DescribeAnswer). "" for any other.
func StepOutcome[K any](ins byte, step apdu.Step[K]) (s string, failed bool) {
	switch {
	case !step.Whole:
		return "", false
	case step.Partial:
		return apdu.PartialAnswer, false
	case step.Cut:
		return apdu.CutAnswer, true
	case ins == InsStoreData:
		return DescribeAnswer(step.Data)
	}
	return "", false
}
