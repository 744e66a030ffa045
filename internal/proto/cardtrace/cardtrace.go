// Package cardtrace is what every reader of a trace of the card's
// interface (the card's APDU lane from GSMTAP, the timeline's AT lane, a
// field log's +CGLA, +CSIM and LPA lines) carries from one exchange to
// the next, by logical channel: the answer the card left for GET
// RESPONSE (apdu.Chains) and the ES10 request on its way in STORE DATA
// blocks (es10.StoreData). It holds the one rule for what a loss of
// bytes ends (Channels.Lost), so the readers agree on it. Host side
// only: no emulator reads a trace.
package cardtrace

import (
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// Channels is a trace's channel state. C is the reader's key of a
// logical channel (its number; a port and a session), K its handle of a
// command (its index, its decoded call). A reader gives it every command
// (Sent), every STORE DATA block (Block), every answer (Answer), and
// every close, reset and loss. The zero value is ready.
type Channels[C comparable, K any] struct {
	// Keep puts each ES10 request's data together (es10.Block.Request).
	Keep     bool
	answers  apdu.Chains[C, K]
	requests es10.StoreData[C]
}

// Sent takes a command of instruction ins on channel ch, ahead of its
// answer (apdu.Chains.Sent): any command but GET RESPONSE drops the
// answer waiting there, and a SELECT ends the channel's ES10 request
// (es10.StoreData.Command). For a GET RESPONSE, key is the command whose
// answer it continues (continues false when none is open).
func (s *Channels[C, K]) Sent(ch C, ins byte) (key K, continues bool) {
	if ins != es10.InsStoreData {
		s.requests.Command(ch, ins)
	}
	return s.answers.Sent(ch, ins)
}

// Block takes a STORE DATA command sent on ch (after Sent): its P1, P2
// and data (es10.StoreData.Add).
func (s *Channels[C, K]) Block(ch C, p1, p2 byte, data []byte) es10.Block {
	s.requests.Keep = s.Keep
	return s.requests.Add(ch, p1, p2, data)
}

// Answer takes the answer to the command last sent on ch: key is that
// command's handle, ins its instruction, data and sw its response
// (apdu.Chains.Add).
func (s *Channels[C, K]) Answer(ch C, key K, ins byte, data []byte, sw uint16) apdu.Step[K] {
	return s.answers.Add(ch, key, ins, data, sw)
}

// End ends what was on its way on channel ch: the channel was closed
// (MANAGE CHANNEL close, +CCHC).
func (s *Channels[C, K]) End(ch C) {
	s.answers.End(ch)
	s.requests.End(ch)
}

// Reset ends what was on its way on every channel: the card was reset.
func (s *Channels[C, K]) Reset() {
	s.answers.Reset()
	s.requests.Reset()
}

// Lost takes an exchange whose bytes the trace lost: a datagram skipped
// (a GSMTAP APDU with no status word, whose command data cannot be told
// from its response), a log's command line whose hex is no APDU (bad
// hex, a length its data does not fill). What the card got is not
// known, so what was on its way where it went ends: the answer waiting
// for GET RESPONSE, whose next part may be gone, and the ES10 request,
// whose block may be. A later GET RESPONSE there then begins a
// chain whose start is missing (apdu.Step.Partial: apdu.PartialAnswer),
// and a later STORE DATA block belongs to no request (es10.NoSequence):
// nothing after a loss is decoded as a whole answer or request. known
// false says the reader cannot tell the channel (a +CSIM line of bad
// hex, a datagram that names none): every channel's ends, as a reset's.
func (s *Channels[C, K]) Lost(ch C, known bool) {
	if !known {
		s.Reset()
		return
	}
	s.End(ch)
}

// LostAnswer takes a command sent whole on channel ch whose answer the
// trace lost (a log's answer line that is no response APDU): the answer
// ends, as for Lost — a later GET RESPONSE there begins a partial chain,
// for the part lost may have been one — but the ES10 request goes on:
// its blocks are followed as the host sent them (es10.StoreData), and a
// card that refused the block says so to the next.
func (s *Channels[C, K]) LostAnswer(ch C) { s.answers.End(ch) }

// HostError reports whether the card's status word sw to a command ins
// that had nothing before it on its channel in the trace — a STORE DATA
// block out of sequence or with no request open (es10.OutOfSequence,
// es10.NoSequence), a GET RESPONSE with no 61xx before it — shows the
// card had nothing before it either, so the host sent it out of turn
// (its protocol error) and the trace misses nothing (outside tester t168
// F1: blocks the card refused 6A86 and a GET RESPONSE it refused 6F00
// made a whole capture "incomplete"). Only the answers of a card with
// nothing open count, per command:
//   - STORE DATA: 6A86, incorrect P1-P2, GlobalPlatform's answer to a
//     block number (P2) it does not expect, the emulated card's; and
//     6D00, no STORE DATA on that channel (no ISD-R there), where no
//     request can be open.
//   - GET RESPONSE: 6F00, TS 102 221's "technical problem, no precise
//     diagnosis" for one not right after its command (the emulated
//     card's); 6985, ISO/IEC 7816-4's "conditions of use not satisfied",
//     other cards' answer for nothing waiting; 6D00, a card with no GET
//     RESPONSE at all.
//
// Any other refusal does not show it: 6A80 (wrong data) or 6985 to a
// block ≥ 1 is a card that put the request together and refused it, so
// it had block 0 and the trace lost it (outside tester t178 N4); 6700 or
// 6Cxx to a GET RESPONSE speaks of an answer waiting. A command the card
// took (9000, 61xx, 91xx, a warning) continued what reached the card but
// not the trace. Every reader of a trace says a host error on the
// command's row, in these words (HostErrorText), and counts none as
// bytes missing from the trace; it counts the rest as the trace begun,
// or having lost bytes, in the middle.
func HostError(ins byte, sw uint16) bool {
	switch ins {
	case es10.InsStoreData:
		return sw == apdu.SWIncorrectP1P2 || sw == apdu.SWINSNotSupported
	case apdu.InsGetResponse:
		return sw == apdu.SWUnknown || sw == apdu.SWConditionsNotSatisfied || sw == apdu.SWINSNotSupported
	}
	return false
}

// HostErrorText is what every reader of a trace says of a command the
// card refused for its having nothing before it (HostError).
const HostErrorText = "host protocol error"
