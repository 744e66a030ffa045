package apdu

import "fmt"

// InsGetResponse is GET RESPONSE (ETSI TS 102 221 §11.1.13).
const InsGetResponse = 0xC0

// MaxAnswer bounds an answer Chains puts together: 65,536 bytes, the
// most one response with an extended Le can carry (ISO/IEC 7816-4
// §5.1), and far more than any ES10 answer. A chain that goes past it —
// a 61xx chain that never ends, in a trace of a card or a log gone
// wrong — keeps its first MaxAnswer bytes and drops the rest (Step.Cut),
// so a trace cannot make a reader hold more than that per channel.
const MaxAnswer = 64 << 10

// CutAnswer is what every reader of a trace says of an answer Chains cut
// (Step.Cut): its first part is no answer to decode.
var CutAnswer = fmt.Sprintf("answer of more than %d bytes, not decoded", MaxAnswer)

// PartialAnswer is what every reader of a trace says of an answer whose
// start it does not hold (Step.Partial): its parts are no answer to
// decode, and no whole one to show.
const PartialAnswer = "partial answer (its start is not in the trace), not decoded"

// Chains puts together the answers a card gives in parts over T=0 (TS
// 102 221 §7.3.1.1.4): a command answered 61xx leaves its answer waiting
// on its logical channel, each GET RESPONSE there fetches a part — the
// one whose status word is not 61xx ends it — and any other command on
// the channel drops it. A GET RESPONSE answered 6Cxx (its Le was wrong)
// leaves the answer waiting for the GET RESPONSE again with the Le the
// card named; any other command answered 6Cxx has no answer yet: its
// repeat with that Le, a command of its own, gets it. Every reader of a
// trace (the card's APDU lane, an at.log's +CSIM commands, a field log's
// +CGLA, +CSIM and LPA lines) steps every exchange through one, so they
// all put an answer together the same way. A GET RESPONSE with no chain
// open on its channel — the trace began, or lost bytes, in the middle of
// an answer — begins one of its own whose start is missing: what it puts
// together is never a whole answer (Step.Partial). C is the caller's key
// of a logical channel (its number; a port and a session), K its handle
// of a command (its index, its decoded name). The zero value is ready.
type Chains[C comparable, K any] struct {
	open map[C]*chain[K]
}

type chain[K any] struct {
	key     K
	data    []byte
	cut     bool
	partial bool // begun by a GET RESPONSE: the answer's start is missing
}

// add appends a part, up to MaxAnswer bytes in all. The parts are
// copied: the caller's data may be reused.
func (p *chain[K]) add(data []byte) {
	if room := MaxAnswer - len(p.data); len(data) > room {
		data, p.cut = data[:room], true
	}
	p.data = append(p.data, data...)
}

// Step is what Chains says of one exchange.
type Step[K any] struct {
	// Key is the command whose answer this exchange carries: for a GET
	// RESPONSE continuing a chain, the command that began it (Continues
	// set); else the exchange's own key.
	Key       K
	Continues bool
	// Whole is set when the answer ended here: Data is all of it, the
	// parts of every GET RESPONSE together, and SW its last status word.
	// Cut says the parts ran past MaxAnswer: Data is the first MaxAnswer
	// bytes of them. Partial says the exchange carries part of an answer
	// whose start the trace does not hold (PartialAnswer): its chain began
	// with a GET RESPONSE that had no 61xx before it. Once Whole, Data is
	// that answer's end, not an answer. (A GET RESPONSE alone refused with
	// no data, 6F00, got no part of any: not Partial.)
	Whole   bool
	Data    []byte
	SW      uint16
	Cut     bool
	Partial bool
}

// Add takes one exchange on channel ch: key is the caller's handle of
// the command, data the response data and sw the status word. A GET
// RESPONSE with no chain open begins a chain of its own, partial.
func (c *Chains[C, K]) Add(ch C, key K, ins byte, data []byte, sw uint16) Step[K] {
	if c.open == nil {
		c.open = map[C]*chain[K]{}
	}
	p := c.open[ch]
	delete(c.open, ch)
	s := Step[K]{Key: key}
	if ins != InsGetResponse && !waits(sw) {
		// Most exchanges are a command answered whole: no chain to keep,
		// the answer is its own data (copied, as a chain's parts are).
		if len(data) > MaxAnswer {
			data, s.Cut = data[:MaxAnswer], true
		}
		s.Whole, s.Data, s.SW = true, append([]byte(nil), data...), sw
		return s
	}
	if ins == InsGetResponse && p != nil {
		s.Key, s.Continues, s.Partial = p.key, true, p.partial
	} else {
		p = &chain[K]{key: key, partial: ins == InsGetResponse}
	}
	if _, ok := RepeatWithLe(sw); ok {
		// The card sent nothing (data it should not have sent is no
		// part of the answer): it gives the part to the command again.
		if s.Continues {
			c.open[ch] = p
		}
		return s
	}
	p.add(data)
	s.Partial = p.partial && (len(p.data) > 0 || s.Continues)
	if _, ok := MoreData(sw); ok {
		c.open[ch] = p
		return s
	}
	s.Whole, s.Data, s.SW, s.Cut = true, p.data, sw, p.cut
	return s
}

// waits says whether sw leaves a command's answer to come: 61xx (more
// data for GET RESPONSE) or 6Cxx (the command again with the right Le).
func waits(sw uint16) bool {
	_, more := MoreData(sw)
	_, again := RepeatWithLe(sw)
	return more || again
}

// End drops the answer waiting on channel ch: the channel was closed
// (MANAGE CHANNEL close, +CCHC), the card reset, or a command went to it
// whose bytes the trace lost.
func (c *Chains[C, K]) End(ch C) { delete(c.open, ch) }

// Reset drops every answer waiting: the card was reset.
func (c *Chains[C, K]) Reset() { clear(c.open) }

// Sent takes a command on channel ch ahead of its answer, for a reader
// that meets the two apart: a log's command line, its answer on a later
// line or on none (a modem's +CME ERROR). Any command but GET RESPONSE
// drops what was open on ch, as its answer in Add would; for a GET
// RESPONSE, key is the command whose answer it continues (continues
// false when none is open). The answer, when there is one, goes to Add.
func (c *Chains[C, K]) Sent(ch C, ins byte) (key K, continues bool) {
	p := c.open[ch]
	if ins != InsGetResponse {
		delete(c.open, ch)
		return key, false
	}
	if p == nil {
		return key, false
	}
	return p.key, true
}
