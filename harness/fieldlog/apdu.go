package fieldlog

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/codec/tlv"
	"github.com/esimhil/esimhil/internal/proto/cardtrace"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// APDU is the APDU a line carries, decoded.
type APDU struct {
	// Raw is the command APDU, or the response data followed by SW1 SW2.
	Raw      []byte
	Response bool
	// Channel is the logical channel: from CLA for +CSIM and an LPA's own
	// lines, the <sessionid> for +CGLA.
	Channel int
	// Ins names the instruction of the command (or of the command a
	// response answers): "STORE DATA", "GET RESPONSE", "MANAGE CHANNEL".
	Ins string
	// ES10 is the ES10 function the STORE DATA chain (and its GET
	// RESPONSE) belongs to, "" for other commands.
	ES10 string
	// Block is STORE DATA's block number (P2); Last is set on its last
	// block (P1 b8).
	Block int
	Last  bool
	// NoRequest marks a later STORE DATA block with no request open on
	// its channel (es10.NoSequence): its block 0 is not in the log, or
	// the request ended before it.
	NoRequest bool
	// CutAt is, on a command and its answer, the line of the command the
	// log cut (its hex lost bytes) that this one continues: the GET
	// RESPONSE that fetches the cut command's 61xx, a later block of the
	// STORE DATA chain it began. Its answer is the cut command's, read by
	// its own tag (outside tester t178 N5: called a chain whose block 0
	// the log does not hold, the enable's failure not read).
	CutAt int
	// HostError marks, on a command and its answer, a command with
	// nothing before it on its channel in the log (a STORE DATA block
	// with no request open or out of sequence, a GET RESPONSE with no
	// 61xx before it) that the card refused as a card with nothing open
	// refuses it (cardtrace.HostError: 6A86 to a block, 6F00 to a GET
	// RESPONSE): it had nothing before it on the card either, so the host
	// sent it out of turn; the log does not begin mid-exchange there.
	HostError bool
	// SW is a response's status word.
	SW uint16
	// Summary says, in the terms of the standards, what the command asks
	// or what the whole answer says: "STORE DATA EnableProfile
	// 89330100000000000012 (last block)", "EnableProfile: result 0 (ok),
	// SW 9000". Replay compares answers by it.
	Summary string
	// Done marks the response that completes an ES10 function (its last
	// block's answer, or the GET RESPONSE that ends the 61xx chain);
	// Answer then holds the function's whole answer (without SW).
	Done   bool
	Answer []byte
	// Request is, on that response, the function's whole request (its
	// STORE DATA blocks' data): what a profile operation named.
	Request []byte
	// Failed marks a response whose status word ends its command in
	// failure (apdu.Failed: neither normal processing nor 6Cxx, T=0's
	// step), or whose ES10 answer is an error (a result other than ok, an
	// error code, an answer that does not decode), or that is Malformed.
	Failed bool
	// Malformed says why the line's hex is no APDU (odd digits, a
	// character that is no hex digit, no status word); Raw is then nil.
	// A modem can write such a line, so the log is not refused for it:
	// it is said wherever the line is shown or compared.
	Malformed string
	// LengthOff says how the +CGLA or +CSIM line's length field disagrees
	// with its hex, which 27.007 has it count ("" when they agree).
	LengthOff string
}

// chain is what the reader keeps of one logical channel beside its
// card's channel state: the ES10 function whose request was sent last
// (its tag, and its whole request once its last block went) and the
// command the next answer answers. key names the channel on its port
// ("cgla/1", "csim/0", "lib": an LPA's own lines, one key for all its
// channels).
type chain struct {
	key     string
	tag     uint32
	req     []byte
	lastCmd *APDU
	// outOfTurn is set when lastCmd has nothing before it on the channel
	// in the log (what would make its refusal the host's error).
	outOfTurn bool
	// cut is the last command on the channel whose line the log cut,
	// while what follows may continue it.
	cut *cutCmd
}

// cutCmd is a command whose line the log cut, which the card took: its
// line, the bytes the log kept of it (its header, when it kept one), the
// answer put together so far, and whether a 61xx of it waits for GET
// RESPONSE.
type cutCmd struct {
	cmd     *APDU
	line    int
	head    []byte
	data    []byte
	waiting bool
}

// continues reports whether raw, a command sent on the cut command's
// channel, carries on from it (TS 102 221 §7.3.1.1.4, GlobalPlatform
// §11.11): a GET RESPONSE while its 61xx waits, or a STORE DATA block
// after one of its chain that was not the last.
func (k *cutCmd) continues(raw []byte) bool {
	switch ins := insOf(raw); {
	case ins == apdu.InsGetResponse:
		return k.waiting
	case ins != es10.InsStoreData || len(k.head) < 4 || len(raw) < 4 || insOf(k.head) != es10.InsStoreData:
		return false
	default:
		return k.head[2]&0x80 == 0 && raw[3] == k.head[3]+1
	}
}

// port is what a port's lines carry from one to the next: its card's
// channel state, the answers waiting for GET RESPONSE and the ES10
// requests on their way (cardtrace.Channels, as the timeline's lanes
// hold it), and each channel's chain.
type port struct {
	channels cardtrace.Channels[string, *APDU]
	chains   map[string]*chain
}

// get is channel k's chain, begun if need be.
func (p *port) get(k string) *chain {
	c := p.chains[k]
	if c == nil {
		c = &chain{key: k}
		p.chains[k] = c
	}
	return c
}

// drop forgets what was on its way on channel k: the channel closed.
func (p *port) drop(k string) {
	delete(p.chains, k)
	p.channels.End(k)
}

// channelKey is the key of the card's logical channel n: a +CGLA
// <sessionid> and the channel a +CSIM CLA names are one key, as the AT
// lane keeps them (the modem puts its session's channel in the CLA, TS
// 27.007 §8.45), so a GET RESPONSE sent over +CSIM fetches what waits
// from a +CGLA on session n (outside tester t166 F8: called a partial
// answer whose start was not in the trace, and the EID not read).
func channelKey(n int) string { return "ch/" + strconv.Itoa(n) }

// decodeAPDUs attaches the APDU of every +CGLA and +CSIM command and
// answer, and of every APDU line an LPA's library printed.
func decodeAPDUs(t *Transcript) {
	ports := map[string]*port{}
	portOf := func(name string) *port {
		p := ports[name]
		if p == nil {
			p = &port{channels: cardtrace.Channels[string, *APDU]{Keep: true}, chains: map[string]*chain{}}
			ports[name] = p
		}
		return p
	}
	of := map[*APDU]*chain{} // each command APDU's chain
	for i := range t.Entries {
		e := &t.Entries[i]
		switch {
		case e.Role == URC && at.IsPowerURC(e.Text):
			// The card was reset: all that was on its way on the
			// port's channels ends.
			if p := ports[e.Port]; p != nil {
				p.channels.Reset()
				clear(p.chains)
			}
		case e.APDU != nil: // an LPA library's own line
			a := e.APDU
			p := portOf(e.Port)
			if !a.Response {
				a.Channel = -1
				if len(a.Raw) > 0 {
					a.Channel = apdu.ChannelOf(a.Raw[0])
				}
				c := p.get("lib")
				command(c, &p.channels, a)
				if _, ok := closesChannel(a.Raw); ok {
					// One key for an LPA's lines of every channel: any
					// close ends its request.
					p.channels.End(c.key)
				}
			} else if c := p.chains["lib"]; c != nil && c.lastCmd != nil && len(a.Raw) >= 2 {
				response(c, &p.channels, a)
			}
		case e.Role == Command:
			p := portOf(e.Port)
			c, ok := commandAPDU(e.Text)
			if !ok {
				if cmds, err := at.Parse(e.Text); err == nil && at.ResetsCard(cmds) && !refused(t, i) {
					p.channels.Reset()
					clear(p.chains)
				}
				if n, ok := closesSession(e.Text); ok {
					// Closing a session ends what waited on its channel
					// (TS 27.007 §8.46), though a session opened later
					// may get its number again.
					p.drop(channelKey(n))
				}
				continue
			}
			a := &APDU{Raw: c.raw, Channel: c.session, Malformed: c.malformed, LengthOff: c.lengthOff}
			key := channelKey(c.session)
			if c.session < 0 {
				a.Channel = c.channel
				key = channelKey(a.Channel)
			}
			e.APDU = a
			if a.Malformed != "" {
				// What the card got, if anything, is not known: bytes
				// lost on the channel, or — a +CSIM line whose CLA is
				// not there to read — on one the reader cannot tell
				// (cardtrace.Channels.Lost, as every reader takes it).
				a.Ins, a.Summary = "malformed", "malformed command: "+a.Malformed
				known := a.Channel >= 0
				p.channels.Lost(key, known)
				if known {
					*p.get(key) = chain{key: key, lastCmd: a, cut: &cutCmd{cmd: a, line: e.Line, head: c.head}}
					of[a] = p.get(key)
				}
				continue
			}
			ch := p.get(key)
			if k := ch.cut; k != nil && k.continues(a.Raw) {
				continueCut(ch, a, e.Line)
				of[a] = ch
				continue
			}
			ch.cut = nil
			command(ch, &p.channels, a)
			of[a] = ch
			if a.Ins == "malformed" {
				ch.cut = &cutCmd{cmd: a, line: e.Line, head: a.Raw}
			}
			if n, ok := closesChannel(a.Raw); ok {
				switch {
				case c.session >= 0 && len(a.Raw) >= 4 && a.Raw[3] != 0:
					// A close naming a channel sent on a session: the
					// channel's session, as the AT lane takes it (a
					// modem's sessions are its channels' numbers; t66
					// #2 saw the two readers end different ones).
					p.drop(channelKey(n))
				case c.session >= 0:
					// Its own (P2 00): the session's.
					p.channels.End(key)
				case n != a.Channel:
					// MANAGE CHANNEL from another channel: what waited
					// on the one it closes is gone.
					p.drop(channelKey(n))
				default:
					p.channels.End(key)
				}
			}
		case e.Role == Info && e.Cmd >= 0 && t.Entries[e.Cmd].APDU != nil:
			r, ok := responseAPDU(e.Text)
			if !ok {
				continue
			}
			cmd := t.Entries[e.Cmd].APDU
			a := &APDU{Raw: r.raw, Response: true, Channel: cmd.Channel, LengthOff: r.lengthOff}
			e.APDU = a
			c := of[cmd]
			answers := c != nil && c.lastCmd == cmd
			switch {
			case r.malformed == "" && answers && c.cut != nil && (c.cut.cmd == cmd || cmd.CutAt > 0):
				cutAnswer(c, a)
			case r.malformed != "":
				a.Malformed, a.Failed, a.Ins = r.malformed, true, "malformed"
				a.Summary = "malformed answer: " + r.malformed
				if !answers {
					continue
				}
				a.Ins, a.ES10 = cmd.Ins, cmd.ES10
				if cmd.ES10 != "" {
					a.Summary = cmd.ES10 + ": " + a.Summary
				}
				// The answer's bytes lost: what waited for GET
				// RESPONSE ends, a middle block's request goes on
				// (cardtrace.Channels.LostAnswer).
				portOf(t.Entries[e.Cmd].Port).channels.LostAnswer(c.key)
			case cmd.Ins == "malformed" && cutCommandAnswer(a):
				// Decoded by what it shows; the channel's state was lost
				// with the command.
			case answers:
				response(c, &portOf(t.Entries[e.Cmd].Port).channels, a)
			}
		}
	}
}

// refused reports a command at index i the modem answered with an error:
// a reset it refused reset nothing (outside tester t67 B). Without a
// final result (the log ends, the modem rebooted) it is not refused.
func refused(t *Transcript, i int) bool {
	for _, a := range t.Answer(i) {
		if a.Role == Final {
			return at.Classify(a.Text).Kind != at.FinalOK
		}
	}
	return false
}

// hexLine is what a +CGLA or +CSIM line, command or answer, carries: the
// APDU, or why its hex is none, and how its length field disagrees with
// the hex.
type hexLine struct {
	session int // a command's session (-1 for +CSIM)
	// channel is a +CSIM command's channel, its CLA's; -1 when the hex
	// has no CLA to read.
	channel   int
	raw       []byte
	malformed string
	lengthOff string
	// head is, for a malformed line, the whole bytes its hex begins with
	// (what the log kept of a cut command: its header).
	head []byte
}

// commandAPDU reads AT+CGLA=<session>,<len>,"<hex>" (session ≥ 0, see
// sessionID) or AT+CSIM=<len>,"<hex>" (session -1). ok is false for
// another command, or one whose parameters are not those; a line with
// them whose hex is no APDU comes back malformed.
func commandAPDU(line string) (c hexLine, ok bool) {
	u := strings.ToUpper(line)
	var args []string
	switch {
	case strings.HasPrefix(u, "AT+CGLA="):
		args = strings.Split(line[len("AT+CGLA="):], ",")
		if len(args) != 3 {
			return c, false
		}
		n, ok := sessionID(args[0])
		if !ok {
			return c, false
		}
		c.session, args = n, args[1:]
	case strings.HasPrefix(u, "AT+CSIM="):
		args = strings.Split(line[len("AT+CSIM="):], ",")
		if len(args) != 2 {
			return c, false
		}
		c.session = -1
	default:
		return c, false
	}
	h := strings.Trim(strings.TrimSpace(args[1]), `"`)
	raw, err := hex.DecodeString(h)
	c.channel = -1
	if err == nil && len(raw) > 0 {
		c.channel = apdu.ChannelOf(raw[0])
	}
	switch {
	case err != nil:
		c.malformed = at.HexProblem(h)
		n := 0
		for n+1 < len(h) && isHexDigit(h[n]) && isHexDigit(h[n+1]) {
			n += 2
		}
		c.head, _ = hex.DecodeString(h[:n])
	case len(raw) < 4:
		c.malformed = fmt.Sprintf("%d bytes, shorter than an APDU's header", len(raw))
	default:
		c.raw = raw
	}
	if n, err := strconv.Atoi(strings.TrimSpace(args[0])); err == nil && n != len(h) {
		c.lengthOff = lengthOff(n, len(h))
	}
	return c, true
}

// closesSession reads AT+CCHC=<session>.
func closesSession(line string) (int, bool) {
	if !strings.HasPrefix(strings.ToUpper(line), "AT+CCHC=") {
		return 0, false
	}
	return sessionID(line[len("AT+CCHC="):])
}

// closesChannel reads MANAGE CHANNEL close (apdu.Command.Closes: P2
// the channel; 00 the CLA's own).
func closesChannel(raw []byte) (int, bool) {
	if len(raw) < 4 {
		return 0, false
	}
	return apdu.Command{CLA: raw[0], INS: raw[1], P1: raw[2], P2: raw[3]}.Closes()
}

// lengthOff says how a length field n disagrees with digits hex digits.
func lengthOff(n, digits int) string {
	return fmt.Sprintf("the length field says %d, the hex has %d digits", n, digits)
}

// sessionID reads a +CCHO session id: decimal as TS 27.007 shows it, or
// the 16 hex digits some modems give (Sierra Wireless: +CCHO:
// 00000000038aa32f). It only keys a logical channel's chain.
func sessionID(s string) (int, bool) {
	s = strings.Trim(strings.TrimSpace(s), `"`)
	if n, err := strconv.Atoi(s); err == nil && n >= 0 {
		return n, true
	}
	if n, err := strconv.ParseUint(s, 16, 63); err == nil {
		return int(n), true
	}
	return 0, false
}

// responseAPDU reads a +CGLA or +CSIM answer (at.ParseHexAnswer). One
// whose hex is no response APDU, or is shorter than its length field
// says, comes back malformed; a length field that says less (a modem
// counting bytes) is taken as the log shows it, and said.
func responseAPDU(line string) (hexLine, bool) {
	for _, name := range []string{"+CGLA", "+CSIM"} {
		a, ok, err := at.ParseHexAnswer(line, name)
		switch {
		case !ok:
			continue
		case err != nil:
			return hexLine{malformed: at.HexAnswerWhy(err)}, true
		}
		r := hexLine{raw: a.Data}
		switch digits := 2 * len(a.Data); {
		case a.Length > digits:
			// The line lost digits on the way to the log (a modem's
			// buffer, a logger's line limit): its last four are no
			// status word.
			return hexLine{malformed: fmt.Sprintf("%d hex digits of the %d its length field says: cut short", digits, a.Length)}, true
		case !a.LengthOK() && a.Length >= 0:
			r.lengthOff = lengthOff(a.Length, digits)
		}
		return r, true
	}
	return hexLine{}, false
}

// command decodes a command APDU on chain c, given to its port's
// channel state chs under the chain's key.
func command(c *chain, chs *cardtrace.Channels[string, *APDU], a *APDU) {
	c.lastCmd, c.outOfTurn = a, false
	cmd, err := apdu.Parse(a.Raw)
	if err != nil {
		// What the card got of it is not known (a length that does
		// not fit its data: bytes lost): what was on its way on the
		// channel ends, as a line of bad hex ends it (outside tester
		// t66 #8; cardtrace.Channels.Lost).
		a.Ins, a.Summary = "malformed", fmt.Sprintf("malformed APDU %X: %v", a.Raw, err)
		chs.Lost(c.key, true)
		return
	}
	// What waited for GET RESPONSE on the channel: the card drops it for
	// any other command (pending is the command a GET RESPONSE
	// continues); a SELECT ends the request.
	pending, continues := chs.Sent(c.key, cmd.INS)
	a.Ins = apdu.InsName(cmd.INS)
	switch cmd.INS {
	case es10.InsStoreData: // GlobalPlatform §11.11: the ES10 request (SGP.22 §5.7.2)
		b := chs.Block(c.key, cmd.P1, cmd.P2, cmd.Data)
		a.Block, a.Last = b.Number, b.Last
		switch b.Break {
		case es10.NoSequence:
			// Only block 0 begins with the function's tag: a later
			// block whose block 0 the log does not hold (it begins
			// mid-command), or whose request ended (a SELECT, a close,
			// a reset, its last block), is the middle of an encoding.
			a.NoRequest, c.outOfTurn = true, true
			a.Summary = fmt.Sprintf("STORE DATA block %d (no request open on its channel: its block 0 not in the log, or ended before it)", a.Block)
			return
		case es10.OutOfSequence:
			c.outOfTurn = true
			a.Summary = fmt.Sprintf("STORE DATA block %d (out of sequence: block %d expected)", a.Block, b.Expected)
			return
		}
		c.tag = b.Tag
		a.ES10 = b.Function
		a.Summary = "STORE DATA "
		if b.Function != "" {
			a.Summary += b.Function + " "
		}
		a.Summary += fmt.Sprintf("block %d", a.Block)
		if a.Last {
			c.req = b.Request
			if b.Cut {
				// Over es10.MaxRequest: its first part is no request
				// to decode.
				a.Summary += fmt.Sprintf(" (last; a request of more than %d bytes, not decoded)", es10.MaxRequest)
			} else {
				a.Summary += " (last)" + requestDetail(c.tag, c.req)
			}
		}
	case apdu.InsGetResponse:
		// Named for the function whose answer it fetches: one that
		// nothing waits for (no 61xx before it) fetches none.
		a.Summary = "GET RESPONSE"
		c.outOfTurn = !continues
		if continues && pending.ES10 != "" {
			a.ES10 = pending.ES10
			a.Summary += " for " + a.ES10
		}
	case apdu.InsManageChannel:
		if cmd.P1 == 0x80 {
			a.Summary = fmt.Sprintf("MANAGE CHANNEL close %d", cmd.P2)
		} else {
			a.Summary = "MANAGE CHANNEL open"
		}
	case apdu.InsSelect:
		a.Summary = es10.SelectName(cmd.P1, cmd.Data)
	default:
		a.Summary = a.Ins
	}
}

// insOf is a command's INS, 0 for one too short to have one.
func insOf(raw []byte) byte {
	if len(raw) < 2 {
		return 0
	}
	return raw[1]
}

// response decodes the answer to c's last command, putting the answer
// together with what came before it (apdu.Chains). The summary leaves
// out what one card answers differently from another without deciding
// anything: how many bytes a 61xx has waiting or a 6Cxx names, a SELECT's
// FCP.
func response(c *chain, chs *cardtrace.Channels[string, *APDU], a *APDU) {
	cmd := c.lastCmd
	a.Ins, a.ES10, a.Block, a.Last = cmd.Ins, cmd.ES10, cmd.Block, cmd.Last
	a.SW = uint16(a.Raw[len(a.Raw)-2])<<8 | uint16(a.Raw[len(a.Raw)-1])
	a.Failed = apdu.Failed(a.SW) // a 61xx or 6Cxx is a step of the exchange
	data := a.Raw[:len(a.Raw)-2]
	sw := "SW " + swText(a.SW)
	step := chs.Answer(c.key, cmd, insOf(cmd.Raw), data, a.SW)
	_, wrongLe := apdu.RepeatWithLe(a.SW)
	// first is the command whose answer this is: the function's last
	// block, for the GET RESPONSEs that fetch its answer.
	first := step.Key
	switch {
	case step.Whole && step.Partial:
		// The end of an answer whose start the log does not hold (it
		// began, or lost bytes, mid-answer): no answer to decode, in
		// the words of every reader of a trace (es10.StepOutcome).
		s, _ := es10.StepOutcome(insOf(first.Raw), step)
		a.Summary = fmt.Sprintf("%s: %s, %s", cmd.Summary, s, sw)
	case first.ES10 != "" && first.Last:
		if _, more := apdu.MoreData(a.SW); more {
			a.Summary = fmt.Sprintf("%s: more to fetch, %s", first.ES10, sw)
			return
		}
		if wrongLe {
			// TS 102 221 §7.3.1.1.4: the host's Le was wrong, the card
			// has xx bytes for a repeat of the command with that Le.
			// A step of the exchange, as 61xx is, not its outcome: the
			// host repeats the command (outside tester sw115: an lpac
			// session's 6C15 drafted as its failure; apdu.Failed).
			a.Summary = fmt.Sprintf("%s: wrong Le, to repeat, %s", first.ES10, sw)
			return
		}
		a.Done, a.Answer, a.Request = true, step.Data, c.req
		detail, failed := answerDetail(c.tag, step.Data, a.SW)
		if step.Cut {
			// A chain that never ended (apdu.MaxAnswer): its first part
			// alone is no answer to decode (es10.StepOutcome).
			detail, failed = es10.StepOutcome(insOf(first.Raw), step)
		}
		a.Summary = fmt.Sprintf("%s: %s, %s", first.ES10, detail, sw)
		a.Failed = a.Failed || failed
	case first.ES10 != "":
		a.Summary = fmt.Sprintf("%s block %d: %s", first.ES10, first.Block, sw)
	case cmd.Ins == "MANAGE CHANNEL" && strings.HasSuffix(cmd.Summary, "open") && len(data) == 1:
		a.Summary = fmt.Sprintf("channel %d, %s", data[0], sw)
	default:
		a.Summary = fmt.Sprintf("%s: %s", cmd.Summary, sw)
	}
	if c.outOfTurn && cardtrace.HostError(insOf(cmd.Raw), a.SW) {
		// The card had nothing before it either: the host's error, as
		// every reader of a trace says it, not a log begun mid-exchange.
		a.HostError, cmd.HostError = true, true
		a.Summary += " · " + cardtrace.HostErrorText + " (the card had nothing before it either)"
	}
}

// continueCut takes a, sent on at line, as the continuation of c's cut
// command: the channel's card state was lost with that command, so it is
// no exchange of its own (no block 0 missing, no 61xx missing).
func continueCut(c *chain, a *APDU, line int) {
	k := c.cut
	c.lastCmd, c.outOfTurn = a, false
	a.CutAt = k.line
	a.Ins = apdu.InsName(insOf(a.Raw))
	if insOf(a.Raw) == es10.InsStoreData {
		a.Block, a.Last = int(a.Raw[3]), a.Raw[2]&0x80 != 0
		a.Summary = fmt.Sprintf("STORE DATA block %d of the command cut at line %d", a.Block, k.line)
		k.head, k.data = a.Raw, nil // the next block continues this one
		return
	}
	a.Summary = fmt.Sprintf("GET RESPONSE for the command cut at line %d", k.line)
}

// cutAnswer reads the answer a to c's cut command or to what continues
// it: a 61xx waits for GET RESPONSE, an error status word ends it, and
// a whole answer is decoded by its own tag (cutCommandAnswer).
func cutAnswer(c *chain, a *APDU) {
	k, cmd := c.cut, c.lastCmd
	a.SW = uint16(a.Raw[len(a.Raw)-2])<<8 | uint16(a.Raw[len(a.Raw)-1])
	a.Ins, a.Block, a.Last, a.CutAt = cmd.Ins, cmd.Block, cmd.Last, cmd.CutAt
	a.Failed = apdu.Failed(a.SW)
	k.data = append(k.data, a.Raw[:len(a.Raw)-2]...)
	k.waiting = false
	what := "the command cut at line " + strconv.Itoa(k.line)
	if cmd.CutAt == 0 {
		what = cmd.Summary
	}
	switch _, more := apdu.MoreData(a.SW); {
	case more:
		k.waiting = true
	case a.Failed:
		c.cut = nil
	default:
		whole := *a
		whole.Raw = append(slices.Clone(k.data), a.Raw[len(a.Raw)-2:]...)
		if cutCommandAnswer(&whole) {
			a.Ins, a.ES10, a.Last, a.Done, a.Answer, a.Failed, a.Summary = whole.Ins, whole.ES10, whole.Last, whole.Done, whole.Answer, whole.Failed, whole.Summary
			c.cut = nil
			return
		}
	}
	a.Summary = fmt.Sprintf("%s: SW %s", what, swText(a.SW))
}

// cutCommandAnswer decodes a whole answer to a command the log holds as
// no APDU (its hex cut or garbled on the way to the log: the modem, which
// answered with it, got a whole one) as the ES10 function its own tag
// shows, an ES10 answer being tagged as its request is (SGP.22 §5.7:
// EnableProfileResponse BF31): not as the malformed command's (outside
// tester t166 F5). False when it shows none.
func cutCommandAnswer(a *APDU) bool {
	a.SW = uint16(a.Raw[len(a.Raw)-2])<<8 | uint16(a.Raw[len(a.Raw)-1])
	data := a.Raw[:len(a.Raw)-2]
	tag, ok := tlv.FirstTag(data)
	if !ok || !es10.IsFunction(tag) || !(apdu.Response{SW: a.SW}).OK() {
		return false
	}
	detail, failed := answerDetail(tag, data, a.SW)
	a.Ins, a.ES10, a.Last = apdu.InsName(es10.InsStoreData), es10.FunctionName(tag), true
	a.Done, a.Answer, a.Failed = true, data, failed
	a.Summary = fmt.Sprintf("%s: %s, SW %s", a.ES10, detail, swText(a.SW))
	return true
}

// swText writes a status word; a 61xx's count of waiting bytes, a 6Cxx's
// length for the repeat (TS 102 221 §7.3.1.1.4) and a 91xx's length of
// the proactive command pending (§10.2.1.1), which depend on the card's
// own answer, as 61xx, 6Cxx and 91xx: a field card's FCP of 28 bytes and
// the emulated card's of 33 are the same step (outside tester t166 F1).
func swText(sw uint16) string {
	switch sw >> 8 {
	case 0x61:
		return "61xx"
	case 0x6C:
		return "6Cxx"
	case 0x91:
		return "91xx"
	}
	return fmt.Sprintf("%04X", sw)
}

// requestDetail names what an ES10 request is about, when it names a
// profile. A field log's requests and answers are real ones: their BER
// lengths are made DER (tlv.Canonical) for the strict decoders.
func requestDetail(tag uint32, req []byte) string {
	req = tlv.Canonical(req)
	switch tag {
	case es10.TagEnableProfile, es10.TagDisableProfile:
		if r, err := es10.DecodeSwitchRequest(req); err == nil {
			return ": " + profileID(r.Profile)
		}
	case es10.TagDeleteProfile:
		if p, err := es10.DecodeDeleteProfileRequest(req); err == nil {
			return ": " + profileID(p)
		}
	}
	return ""
}

func profileID(p es10.ProfileID) string {
	if p.ICCID != "" {
		return p.ICCID
	}
	return fmt.Sprintf("ISD-P %X", p.AID)
}

// answerDetail says what a whole ES10 answer says; values that change
// from run to run (challenges, signatures) are named, not shown.
func answerDetail(tag uint32, b []byte, sw uint16) (detail string, failed bool) {
	if len(b) == 0 {
		return "no data", false
	}
	b = tlv.Canonical(b)
	if top, _, err := tlv.ParseOne(b); err == nil && top.Tag == es10.TagProfileInstallResult {
		// The card ends a bound profile package's loading with its
		// ProfileInstallationResult, answering whichever segment it
		// stopped at (SGP.22 §5.7.6): the last one's, an 86 of
		// sequenceOf86, or an earlier one it refused — not a BF36 the
		// host sends whole. Read by the answer's tag, or a failed
		// install answered to a segment read "answered" (outside tester
		// t66 #4); named as the timeline names it.
		tag = es10.TagBoundProfilePackage
	}
	switch tag {
	case es10.TagGetEuiccData:
		eid, err := es10.DecodeEID(b)
		if err != nil {
			return undecodable(err), true
		}
		return "EID " + eid, false
	case es10.TagProfileInfoList:
		list, code, err := es10.DecodeProfileInfoList(b)
		switch {
		case err != nil:
			return undecodable(err), true
		case code != 0:
			return fmt.Sprintf("error %d", code), true
		}
		var ps []string
		for _, p := range list {
			state := "disabled"
			if p.State == es10.StateEnabled {
				state = "enabled"
			}
			ps = append(ps, p.ICCID+" "+state)
		}
		return fmt.Sprintf("%d profiles [%s]", len(list), strings.Join(ps, ", ")), false
	case es10.TagEnableProfile, es10.TagDisableProfile, es10.TagDeleteProfile, es10.TagEuiccMemoryReset,
		es10.TagSetNickname, es10.TagSetDefaultDpAddress, es10.TagNotificationSent:
		r, err := es10.DecodeResult(tag, b)
		if err != nil {
			return undecodable(err), true
		}
		// Named as the timeline names it, by the function's own field
		// and values (enableResult 2 profileNotInDisabledState): one
		// vocabulary for one at.log (reviewer sw131).
		if o, ok := es10.ResponseOutcome(b); ok {
			return o.String(), o.Failed
		}
		return fmt.Sprintf("result %d", r), r != es10.ResultOK
	case es10.TagGetEuiccChallenge:
		c, err := es10.DecodeEuiccChallenge(b)
		if err != nil {
			return undecodable(err), true
		}
		return fmt.Sprintf("challenge %X", c), false
	case es10.TagGetEUICCInfo1:
		// The card's own description: its SGP.22 version is compared (a
		// v3 card is not the emulated v2 one, and a replay must say so),
		// its CI keys are not (a test card trusts the test CI, never the
		// field card's: the count of them is what they say).
		info, err := es10.DecodeEuiccInfo1(b)
		if err != nil {
			return undecodable(err), true
		}
		return fmt.Sprintf("EUICCInfo1 SVN %s, %d CI keys to verify, %d to sign", info.SVN, len(info.CiPKIDVerify), len(info.CiPKIDSign)), false
	case es10.TagGetEUICCInfo2:
		// Compared as EUICCInfo1 is. A description a strict decoder
		// refuses is said, not taken for the session's failure: what an
		// LPA then did with it is in the log's next lines.
		info, err := es10.DecodeEuiccInfo2(b)
		if err != nil {
			return undecodable(err), false
		}
		return fmt.Sprintf("EUICCInfo2 SVN %s, %d CI keys to verify, %d to sign", info.SVN, len(info.CiPKIDVerify), len(info.CiPKIDSign)), false
	case es10.TagListNotification:
		list, err := es10.DecodeListNotificationResponse(b)
		if err != nil {
			return undecodable(err), true
		}
		var ns []string
		for _, n := range list {
			ns = append(ns, fmt.Sprintf("%d %s", n.Seq, n.Event))
		}
		return fmt.Sprintf("%d notifications [%s]", len(list), strings.Join(ns, ", ")), false
	case es10.TagRetrieveNotifications:
		list, code, err := es10.DecodeRetrieveNotificationsListResponse(b)
		if err != nil {
			return undecodable(err), true
		}
		if code != 0 {
			return fmt.Sprintf("error %d", code), true
		}
		return fmt.Sprintf("%d notifications", len(list)), false
	case es10.TagAuthenticateServer:
		r, err := es10.DecodeAuthenticateServerResponse(b)
		return signed(err, r.ErrorCode, "ok (signed)")
	case es10.TagPrepareDownload:
		r, err := es10.DecodePrepareDownloadResponse(b)
		return signed(err, r.ErrorCode, "ok (signed)")
	case es10.TagBoundProfilePackage:
		r, err := es10.DecodeProfileInstallationResult(b)
		switch {
		case err != nil:
			return undecodable(err), true
		case r.Data.OK:
			return "installed", false
		}
		if o, ok := es10.ResponseOutcome(b); ok {
			return o.String(), true
		}
		return fmt.Sprintf("error bppCommandId %d, reason %d", r.Data.CommandID, r.Data.ErrorReason), true
	case es10.TagCancelSession:
		r, err := es10.DecodeCancelSessionResponse(b)
		return signed(err, r.ErrorCode, fmt.Sprintf("cancelled, reason %d (signed)", r.Reason))
	}
	// Configured addresses, RAT …: the card's description.
	return "answered", false
}

func undecodable(err error) string { return fmt.Sprintf("undecodable answer (%v)", err) }

// signed describes a signed ES10 answer that holds either its result or
// an error code.
func signed(err error, code int, ok string) (string, bool) {
	switch {
	case err != nil:
		return undecodable(err), true
	case code != 0:
		return fmt.Sprintf("error %d", code), true
	}
	return ok, false
}

func isHexDigit(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F'
}
