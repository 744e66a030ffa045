package simtrace

import (
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"time"

	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/gsmtap"
	"github.com/esimhil/esimhil/internal/codec/stk"
	"github.com/esimhil/esimhil/internal/codec/uphex"
	"github.com/esimhil/esimhil/internal/proto/cardtrace"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// APDU is one exchange on the lane, typed by its instruction.
type APDU struct {
	Frame int // packet number in the capture file
	Time  time.Time
	// The exchange as sniffed: header, command data, response data, SW.
	gsmtap.APDU
	Channel int    // logical channel (CLA)
	Name    string // instruction ("STORE DATA", "FETCH", …)

	// ES10 is, for STORE DATA, the ES10 function its request starts
	// (SGP.22 §5.7: "EnableProfile"), on every block of the request; ""
	// when the first block was not seen, and on the blocks before the one
	// that completes the request's first tag (es10.StoreData).
	ES10 string
	// Block is STORE DATA's block number (P2); Last is set on its last
	// block (P1 b8).
	Block int
	Last  bool
	// Proactive is, for FETCH, the proactive command the card sent.
	Proactive *stk.Command
	// TR is the TERMINAL RESPONSE's content.
	TR *stk.TerminalResponse
	// Envelope is the ENVELOPE's content (timer expiration, event
	// download; other templates keep Tag only).
	Envelope *stk.Envelope
	// File is the file id a SELECT by file id (P1 00) names; AID is the
	// DF name a SELECT by name (P1 04) names.
	File uint16
	AID  []byte

	// Answer is the whole answer to this command once its 61xx chain
	// ended: the response data it got itself and through every GET
	// RESPONSE, with AnswerSW the last status word. Answered is false
	// while the chain is open (or was cut by another command). Partial
	// is set instead on a GET RESPONSE with no 61xx before it (the
	// sniffer started, or a datagram was lost, in the middle of an
	// answer): Answer is then only the end of an answer, whose start is
	// not in the trace (apdu.Step.Partial).
	Answer   []byte
	AnswerSW uint16
	Answered bool
	Partial  bool
	// Outcome is, on the exchange that ended an ES10 function's answer
	// (its last STORE DATA block, or the GET RESPONSE that fetched the
	// answer's last part), what the answer says (es10.DescribeAnswer, as
	// the AT lane reads it: "enableResult 3 disallowedByPolicy", "EID
	// 89…"); Refused says the function failed under a normal status word.
	// An answer that is no answer to decode says so here too: cut
	// (apdu.CutAnswer, Refused), or partial (apdu.PartialAnswer).
	Outcome string
	Refused bool
	// Warnings are the lane's warnings about this exchange, kind and
	// detail ("sniffer started mid-session: GET RESPONSE on channel 1
	// with no 61xx before it (just after the datagram skipped at frame
	// 5)"), for its row: the lane's Summary counts them by kind.
	Warnings []string
	// HostError says, of a STORE DATA block out of sequence or with no
	// sequence open, or a GET RESPONSE with no 61xx before it, that the
	// card refused it as a card with nothing open does
	// (cardtrace.HostError): the host sent it out of turn, and the lane
	// misses nothing ("" otherwise; one the card took, or refused for
	// what it held, is a sniffer started mid-session, in Warnings).
	HostError string
	// For is, for GET RESPONSE, the index in Lane.APDUs of the command
	// whose answer it fetches (-1: none seen).
	For int
}

// IsProactive reports a FETCH that carried a proactive command of type
// typ.
func (a APDU) IsProactive(typ byte) bool {
	return a.Proactive != nil && a.Proactive.Details.Type == typ
}

// Qualifier is the FETCH's or TERMINAL RESPONSE's command qualifier.
func (a APDU) Qualifier() byte {
	switch {
	case a.Proactive != nil:
		return a.Proactive.Details.Qualifier
	case a.TR != nil:
		return a.TR.Details.Qualifier
	}
	return 0
}

// String is a one-line account of the exchange, in the terms of the
// standards: "FETCH REFRESH (eUICC profile state change) 9000".
func (a APDU) String() string {
	b := make([]byte, 0, 64)
	b = append(b, a.Name...)
	if a.Channel != 0 {
		b = append(b, " [ch "...)
		b = strconv.AppendInt(b, int64(a.Channel), 10)
		b = append(b, ']')
	}
	switch {
	case a.ES10 != "":
		b = append(b, ' ')
		b = append(b, a.ES10...)
		if a.Block > 0 || !a.Last {
			b = append(b, " (block "...)
			b = strconv.AppendInt(b, int64(a.Block), 10)
			b = append(b, ')')
		}
	case a.Proactive != nil:
		b = appendCommand(append(b, ' '), *a.Proactive)
	case a.TR != nil:
		b = append(append(append(b, ' '), stk.CommandName(a.TR.Details.Type)...), ": "...)
		b = a.TR.Result.Append(b)
	case a.Envelope != nil:
		b = append(b, ' ')
		b = append(b, describeEnvelope(*a.Envelope)...)
	case a.INS == apdu.InsSelect:
		// The file, path or application as the AT lane names it (a
		// path, P1 08, is how a modem reads ADF/EF.EPSLOCI).
		b = append(b, strings.TrimPrefix(es10.SelectName(a.P1, a.Data), "SELECT")...)
	}
	b = append(b, ' ')
	b = uphex.Append(b, byte(a.SW>>8), byte(a.SW))
	if a.Outcome != "" {
		b = append(b, " · "...)
		b = append(b, a.Outcome...)
	}
	if a.HostError != "" {
		b = append(b, " · "+cardtrace.HostErrorText...)
	}
	return string(b)
}

// OK reports a normal ending (apdu.NormalProcessing); anything else is a
// warning or an error the card returned.
func (a APDU) OK() bool { return apdu.NormalProcessing(a.SW) }

// Failed reports an exchange to draw as a failure: a status word that
// ends the command in failure (apdu.Failed: a 6Cxx, T=0's "again with Le
// xx", is a step, as a 61xx is), or an ES10 function the card refused
// under a normal one (SGP.22 §5.7: the refusal is in the answer's data).
func (a APDU) Failed() bool { return apdu.Failed(a.SW) || a.Refused }

// Detail is the exchange in full, one fact per line: the bytes both ways
// and what they carry (for a timeline row opened, a failure message).
func (a APDU) Detail() string {
	// Appends, not fmt: a download's timeline has ~600 of these, and fmt
	// spent a fifth of the page's time on their hex.
	b := make([]byte, 0, 160+2*(len(a.Data)+len(a.Response)+len(a.Answer)))
	b = append(b, "frame "...)
	b = strconv.AppendInt(b, int64(a.Frame), 10)
	b = append(b, ", channel "...)
	b = strconv.AppendInt(b, int64(a.Channel), 10)
	b = append(b, "\ncommand  "...)
	for _, h := range [...]byte{a.CLA, a.INS, a.P1, a.P2, a.P3} {
		b = append(uphex.Append(b, h), ' ')
	}
	b = uphex.Append(b, a.Data...)
	switch {
	case a.NoData():
		b = append(b, "(none sent: the card answered the header)"...)
	case a.PartData():
		// gsmtap.ParseAPDU's reading, said: the bytes cannot tell it
		// from an exchange the sniffer cut there.
		b = fmt.Appendf(b, " (%d of %d sent: the card answered after them — or the sniffer cut the exchange there with two bytes that read as a status word, which GSMTAP does not tell)", len(a.Data), a.P3)
	}
	b = append(b, '\n')
	if len(a.Response) > 0 {
		b = append(b, "response "...)
		b = append(uphex.Append(b, a.Response...), '\n')
	}
	b = append(b, "status   "...)
	b = append(uphex.Append(b, byte(a.SW>>8), byte(a.SW)), '\n')
	switch {
	case a.ES10 != "":
		b = append(b, "ES10 "...)
		b = append(b, a.ES10...)
		b = append(b, ", block "...)
		b = strconv.AppendInt(b, int64(a.Block), 10)
		if a.Last {
			b = append(b, " (last)"...)
		}
		b = append(b, '\n')
	case a.Proactive != nil:
		c := a.Proactive
		b = append(b, "proactive command "...)
		b = strconv.AppendInt(b, int64(c.Details.Number), 10)
		b = appendCommand(append(b, ": "...), *c)
		b = append(uphex.Append(append(b, ", qualifier "...), c.Details.Qualifier), '\n')
		if len(c.Data) > 0 {
			b = strconv.AppendInt(append(b, "channel data "...), int64(len(c.Data)), 10)
			b = append(b, " bytes\n"...)
		}
	case a.TR != nil:
		b = strconv.AppendInt(append(b, "terminal response to command "...), int64(a.TR.Details.Number), 10)
		b = append(append(append(b, " ("...), stk.CommandName(a.TR.Details.Type)...), "): result "...)
		b = append(a.TR.Result.Append(b), '\n')
		if a.TR.Location != nil {
			b = fmt.Appendf(b, "location %s TAC %04X cell %07X\n", a.TR.Location.PLMN, a.TR.Location.TAC, a.TR.Location.CellID)
		}
	case a.Envelope != nil:
		b = append(b, "envelope: "...)
		b = append(b, describeEnvelope(*a.Envelope)...)
		b = append(b, '\n')
	}
	switch {
	case a.Partial:
		b = append(b, "partial answer (its start is not in the trace) "...)
		b = append(uphex.Append(b, a.Answer...), ' ')
		b = uphex.Append(b, byte(a.AnswerSW>>8), byte(a.AnswerSW))
		b = append(b, '\n')
	case a.Answered && (len(a.Answer) != len(a.Response) || a.AnswerSW != a.SW):
		b = append(b, "whole answer (through GET RESPONSE) "...)
		b = append(uphex.Append(b, a.Answer...), ' ')
		b = uphex.Append(b, byte(a.AnswerSW>>8), byte(a.AnswerSW))
		b = append(b, '\n')
	}
	switch a.Outcome {
	case "":
	case apdu.CutAnswer, apdu.PartialAnswer:
		b = append(b, "answer: "...)
		b = append(b, a.Outcome...)
		b = append(b, '\n')
	default:
		b = append(b, "ES10 answer: "...)
		b = append(b, a.Outcome...)
		if a.Refused {
			b = append(b, " (the function failed)"...)
		}
		b = append(b, '\n')
	}
	if a.HostError != "" {
		b = append(b, a.HostError...)
		b = append(b, '\n')
	}
	for _, w := range a.Warnings {
		b = append(b, "warning: "...)
		b = append(b, w...)
		b = append(b, '\n')
	}
	return string(b[:len(b)-1]) // less the last line's newline
}

// appendCommand appends what a proactive command is, for an APDU's row
// and detail. Appends, not fmt, for the commands of every BIP exchange
// (SEND DATA, RECEIVE DATA, CLOSE CHANNEL): a download's page has a few
// hundred, each described in its row and in its detail.
func appendCommand(b []byte, c stk.Command) []byte {
	name := stk.CommandName(c.Details.Type)
	q := c.Details.Qualifier
	switch c.Details.Type {
	case stk.CmdRefresh:
		return fmt.Appendf(b, "%s %02X (%s)", name, q, stk.RefreshModeName(q))
	case stk.CmdOpenChannel:
		if c.Transport != nil {
			return fmt.Appendf(b, "%s to %s:%d", name, c.Address, c.Transport.Port)
		}
	case stk.CmdSendData:
		b = strconv.AppendInt(append(append(b, name...), ' '), int64(len(c.Data)), 10)
		return append(b, " bytes"...)
	case stk.CmdTimerManagement:
		if q == stk.TimerStart {
			return fmt.Appendf(b, "%s start timer %d for %v", name, c.TimerID, c.TimerValue)
		}
	case stk.CmdSetUpEventList:
		evs := make([]string, len(c.Events))
		for i, e := range c.Events {
			evs[i] = stk.EventName(e)
		}
		return fmt.Appendf(b, "%s (%s)", name, strings.Join(evs, ", "))
	}
	return uphex.Append(append(append(b, name...), ' '), q)
}

func describeEnvelope(e stk.Envelope) string {
	name := stk.EnvelopeName(e.Tag)
	switch e.Tag {
	case stk.TagTimerExpiration:
		return fmt.Sprintf("%s (timer %d)", name, e.TimerID)
	case stk.TagEventDownload:
		s := fmt.Sprintf("%s (%s", name, stk.EventName(e.Event))
		if e.LocationStatus != nil {
			s += fmt.Sprintf(": %s", locationStatusName(*e.LocationStatus))
		}
		if e.Location != nil {
			s += " " + e.Location.PLMN
		}
		return s + ")"
	}
	return name
}

func locationStatusName(s byte) string {
	switch s {
	case stk.LocNormal:
		return "normal service"
	case stk.LocLimited:
		return "limited service"
	case stk.LocNone:
		return "no service"
	}
	return fmt.Sprintf("status %02X", s)
}

// decoder is a lane's memory of what came before: what a GET RESPONSE
// continues, which ES10 request a STORE DATA block belongs to, whether a
// FETCH preceded a TERMINAL RESPONSE.
type decoder struct {
	sawATR   bool
	toldLate bool // the mid-session warning for a lane without ATR was given
	// channels are the answers left for GET RESPONSE, by the index of
	// their command, and the ES10 requests on their way, by channel.
	channels cardtrace.Channels[int, int]
	fetched  bool // a proactive command was fetched and not yet answered
	// fetchedAt and fetchedType are that command's frame and type.
	fetchedAt   int
	fetchedType byte
	// fetchLost: bytes were lost while a proactive command was
	// fetched: its TERMINAL RESPONSE may have gone with them, already
	// said (Lane.lost), so neither its absence nor its coming is.
	fetchLost bool
	// lost is set when the datagram before this one was lost (Lane.lost):
	// lostAt says where ("the datagram skipped at frame 5").
	lost   bool
	lostAt string
	// warnings gathers the lane's warnings about the exchange being
	// decoded, for its row (APDU.Warnings).
	warnings []string
}

// lost takes bytes lost on the card's interface at where ("the datagram
// skipped at frame 5") — a datagram skipped that may have carried an
// exchange on channel ch (-1: any): what was on its way there ends, as
// every reader of a trace ends it (cardtrace.Channels.Lost), so that no
// later GET RESPONSE completes an answer whose parts may be missing (its
// chain is partial).
func (l *Lane) lost(ch int, where string) {
	d := &l.dec
	d.channels.Lost(ch, ch >= 0)
	d.lost, d.lostAt = true, where
	if d.fetched {
		d.fetched, d.fetchLost = false, true
	}
}

// skippedAt names a datagram of the capture a lane skipped.
func skippedAt(frame int) string { return fmt.Sprintf("the datagram skipped at frame %d", frame) }

// afterLoss says, for a warning about what precedes an exchange, that
// the datagram just before it was lost ("" if not).
func (d *decoder) afterLoss() string {
	if !d.lost {
		return ""
	}
	return " (just after " + d.lostAt + ")"
}

// lastFrame is the frame, and its time, of the lane's latest ATR or APDU.
func (l *Lane) lastFrame() (int, time.Time) {
	var frame int
	var t time.Time
	if n := len(l.ATRs); n > 0 {
		frame, t = l.ATRs[n-1].Frame, l.ATRs[n-1].Time
	}
	if n := len(l.APDUs); n > 0 && l.APDUs[n-1].Frame > frame {
		frame, t = l.APDUs[n-1].Frame, l.APDUs[n-1].Time
	}
	return frame, t
}

func (l *Lane) addATR(frame int, t time.Time, b []byte) {
	if err := checkATR(b); err != nil {
		// Bytes lost on the card's interface, not a reset the lane can
		// vouch for: what was on its way ends, the card's state is kept.
		l.add(frame, t, NotATR, "%v", err)
		l.lost(-1, skippedAt(frame))
		return
	}
	l.ATRs = append(l.ATRs, ATR{Frame: frame, Time: t, Bytes: append([]byte(nil), b...)})
	// A reset ends every logical channel, pending answer and session.
	l.dec = decoder{sawATR: true, toldLate: l.dec.toldLate, warnings: l.dec.warnings[:0]}
}

func (l *Lane) addAPDU(frame int, t time.Time, b []byte) {
	g, err := gsmtap.ParseAPDU(b)
	switch {
	case errors.Is(err, gsmtap.ErrNoResponse):
		// The command reached the card on its channel; what it did
		// there is not known.
		l.add(frame, t, NoResponse, "%v", err)
		l.lost(g.Channel(), skippedAt(frame))
		return
	case err != nil:
		l.add(frame, t, BadAPDU, "%v", err)
		if len(b) == 0 || b[0] != 0xFF { // a PPS is no command
			l.lost(-1, skippedAt(frame))
		}
		return
	}
	d := &l.dec
	d.warnings = d.warnings[:0]
	if !d.sawATR && !d.toldLate {
		d.toldLate = true
		l.add(frame, t, MidSession, "first APDU (%s) before any ATR: the card's reset and what preceded it are not in the trace", apdu.InsName(g.INS))
	}
	a := APDU{Frame: frame, Time: t, APDU: g, Channel: g.Channel(), Name: apdu.InsName(g.INS), For: -1}
	a.Data = append([]byte(nil), g.Data...)
	a.Response = append([]byte(nil), g.Response...)
	idx := len(l.APDUs)
	// The answer is put together as the AT lane puts a +CSIM one: a
	// pending answer is lost on any other command of its channel.
	// A SELECT ends the channel's ES10 request (cardtrace.Channels.Sent).
	d.channels.Sent(a.Channel, g.INS)
	if g.INS == es10.InsStoreData { // GlobalPlatform §11.11; SGP.22 §5.7.2 for ES10
		l.storeData(&a)
	}
	step := d.channels.Answer(a.Channel, idx, g.INS, a.Response, a.SW)
	if n, ok := (apdu.Command{CLA: g.CLA, INS: g.INS, P1: g.P1, P2: g.P2}).Closes(); ok {
		// A MANAGE CHANNEL close ends what was on its way on the
		// channel it closes.
		d.channels.End(n)
	}
	fetched, fetchLost := d.fetched, d.fetchLost
	if g.INS == stk.InsTerminalResponse || g.INS == stk.InsFetch {
		// Answered, whatever the card made of the answer; or a new
		// command fetched, said below if the last was not answered.
		d.fetched, d.fetchLost = false, false
	}
	switch ins := g.INS; {
	case (g.NoData() || g.PartData()) && (ins == stk.InsTerminalResponse || ins == stk.InsEnvelope):
		// Refused after its header, or part of its data: there is no
		// whole content to decode.
	case ins == apdu.InsGetResponse:
		if !step.Continues {
			l.outOfTurn(&a, fmt.Sprintf("GET RESPONSE on channel %d with no 61xx before it", a.Channel))
			break
		}
		a.For = step.Key
	case ins == stk.InsFetch:
		if fetched {
			// The card sends no proactive command before the last one's
			// TERMINAL RESPONSE (TS 102 223 §6.2): that is missing.
			l.add(frame, t, MidSession, "FETCH, but %s of frame %d has no TERMINAL RESPONSE: it is not in the trace%s", stk.CommandName(d.fetchedType), d.fetchedAt, d.afterLoss())
		}
		if a.SW == 0x9000 && len(a.Response) > 0 {
			c, err := stk.ParseCommand(a.Response)
			if err != nil {
				l.add(frame, t, Undecoded, "FETCH: %v", err)
				break
			}
			a.Proactive = &c
			d.fetched, d.fetchedAt, d.fetchedType = true, frame, c.Details.Type
		}
	case ins == stk.InsTerminalResponse:
		r, err := stk.ParseTerminalResponse(a.Data)
		if err != nil {
			l.add(frame, t, Undecoded, "TERMINAL RESPONSE: %v", err)
			break
		}
		a.TR = &r
		if !fetched && !fetchLost {
			l.add(frame, t, MidSession, "TERMINAL RESPONSE to %s with no FETCH before it", stk.CommandName(r.Details.Type))
		}
	case ins == stk.InsEnvelope:
		e, err := stk.ParseEnvelope(a.Data)
		switch {
		case err == nil:
			a.Envelope = &e
		case e.Tag != 0 && e.Tag != stk.TagTimerExpiration && e.Tag != stk.TagEventDownload:
			a.Envelope = &stk.Envelope{Tag: e.Tag} // SMS-PP, call control, …: named, not decoded
		default:
			l.add(frame, t, Undecoded, "ENVELOPE: %v", err)
		}
	case ins == apdu.InsSelect:
		switch {
		case g.P1 == 0x00 && len(g.Data) == 2:
			a.File = uint16(g.Data[0])<<8 | uint16(g.Data[1])
		case g.P1 == 0x04:
			a.AID = append([]byte(nil), g.Data...)
		}
	}
	// The command's whole answer, on the command; what an ES10 answer
	// says, on the exchange that ended it (the row that shows its data).
	orig := &a
	if step.Continues {
		orig = &l.APDUs[step.Key]
	}
	switch {
	case step.Whole && step.Partial:
		// The end of an answer whose start was lost (or came before the
		// trace): never shown, nor decoded, as a whole one.
		orig.Answer, orig.AnswerSW, orig.Partial = step.Data, step.SW, true
	case step.Whole:
		orig.Answer, orig.AnswerSW, orig.Answered = step.Data, step.SW, true
	case !step.Continues:
		orig.Answer, orig.AnswerSW = a.Response, a.SW
	}
	// Partial or cut (a chain that never ended, apdu.MaxAnswer), it is
	// no answer to decode, as the AT lane says.
	a.Outcome, a.Refused = es10.StepOutcome(orig.INS, step)
	if len(d.warnings) > 0 {
		a.Warnings = append([]string(nil), d.warnings...)
	}
	l.APDUs = append(l.APDUs, a)
	d.lost = false
}

// storeData types one STORE DATA block: its ES10 function, from the
// first tag of its sequence's block 0, as es10.StoreData follows it for
// every reader of a trace.
func (l *Lane) storeData(a *APDU) {
	b := l.dec.channels.Block(a.Channel, a.P1, a.P2, a.Data)
	a.Block, a.Last, a.ES10 = b.Number, b.Last, b.Function
	switch b.Break {
	case es10.NoSequence:
		l.outOfTurn(a, fmt.Sprintf("STORE DATA block %d on channel %d without the blocks before it", a.Block, a.Channel))
	case es10.OutOfSequence:
		l.outOfTurn(a, fmt.Sprintf("STORE DATA block %d on channel %d out of sequence (block %d expected)", a.Block, a.Channel, b.Expected))
	}
}

// outOfTurn takes an exchange with nothing before it on its channel in
// the lane (what says which): one the card refused as a card with
// nothing open does had nothing before it on the card either, the
// host's protocol error, said on its row (cardtrace.HostError); one the
// card took, or refused for what it held (6A80 to a block: it had block
// 0), continued what the sniffer did not see (MidSession), after a loss
// when one came just before.
func (l *Lane) outOfTurn(a *APDU, what string) {
	if cardtrace.HostError(a.INS, a.SW) {
		a.HostError = fmt.Sprintf("%s: %s, which the card refused (%04X): it had nothing before it either, so nothing is missing from the trace", cardtrace.HostErrorText, what, a.SW)
		return
	}
	l.add(a.Frame, a.Time, MidSession, "%s%s", what, l.dec.afterLoss())
}

// add counts a warning on the lane; one about the exchange being decoded
// goes on its row too (APDU.Warnings), where a reader of the row sees it.
func (l *Lane) add(frame int, t time.Time, k Kind, format string, a ...any) {
	detail := fmt.Sprintf(format, a...)
	l.warnings.add(frame, t, k, "%s", detail)
	l.dec.warnings = append(l.dec.warnings, string(k)+": "+detail)
}

// end says what the lane's last exchange left waiting when the trace
// ends (Trace.End). A terminal fetches the proactive command a 91xx
// announces, answers the one it fetched (TS 102 223 §6.2), sends GET
// RESPONSE after 61xx and the command again after 6Cxx (TS 102 221
// §7.3.1.1.5) at once: one missing at the end is a trace cut there — a
// sniffer stopped mid-exchange — or a terminal that stopped. Not after a
// loss, said already, nor after an ATR.
func (l *Lane) end() {
	n := len(l.APDUs)
	if n == 0 {
		return
	}
	a := l.APDUs[n-1]
	if f, _ := l.lastFrame(); f != a.Frame || l.dec.lost {
		return
	}
	var what string
	switch sw1 := byte(a.SW >> 8); {
	case l.dec.fetched:
		what = fmt.Sprintf("%s of frame %d has no TERMINAL RESPONSE", stk.CommandName(l.dec.fetchedType), l.dec.fetchedAt)
	case sw1 == 0x61:
		what = fmt.Sprintf("%s answered %04X, not the GET RESPONSE for the rest of its answer", a.Name, a.SW)
	case sw1 == 0x6C:
		what = fmt.Sprintf("%s answered %04X, not the command again with that length", a.Name, a.SW)
	case sw1 == 0x91:
		what = fmt.Sprintf("%s answered %04X, not the FETCH of the proactive command it announced", a.Name, a.SW)
	default:
		return
	}
	l.add(a.Frame, a.Time, EndsInExchange, "%s: the trace ends there (the sniffer, or the terminal, stopped)", what)
}

// checkATR says why b is no Answer-to-Reset (ISO/IEC 7816-3 §8.2): TS is
// 3B or 3F (the conventions), T0 and each TDi say which interface bytes
// follow, T0 how many historical bytes, and TCK ends it when any protocol
// but T=0 is indicated. A SIMtrace2 sends the ATR it parsed that way, no
// byte more or less; anything else is bytes lost on the line.
func checkATR(b []byte) error {
	switch {
	case len(b) == 0:
		return errors.New("no TS: an ATR of no bytes")
	case b[0] != 0x3B && b[0] != 0x3F:
		return fmt.Errorf("TS %02X, neither convention (3B, 3F)", b[0])
	case len(b) == 1:
		return errors.New("cut short after TS: no T0")
	}
	n, y, tck := 2, b[1]>>4, false // the bytes announced so far; Yi; TCK due
	atLeast := ""                  // cut before a TDi: more may be announced
	for {
		td := n + bits.OnesCount8(y&0x7) // TDi's index, when present
		n += bits.OnesCount8(y)
		if y&0x8 == 0 {
			break
		}
		if td >= len(b) {
			atLeast = "at least "
			break
		}
		tck = tck || b[td]&0x0F != 0
		y = b[td] >> 4
	}
	n += int(b[1] & 0x0F) // the historical bytes
	if tck {
		n++
	}
	switch {
	case len(b) < n:
		return fmt.Errorf("cut short: %d of %s%d bytes", len(b), atLeast, n)
	case len(b) > n:
		return fmt.Errorf("%d bytes more than the %d its T0 and TD bytes announce", len(b)-n, n)
	}
	return nil
}
