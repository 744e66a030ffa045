// Package telnet is the telnet framing (RFC 854, option negotiation after
// RFC 1143) and the COM-PORT-OPTION of RFC 2217, as pure codecs: bytes in,
// data and events out, no I/O. ser2net's `telnet(rfc2217)` accepters speak
// it; the lab transport (harness/transport) puts it on a TCP connection.
package telnet

import "fmt"

// Telnet command bytes (RFC 854).
const (
	SE   byte = 240
	NOP  byte = 241
	DM   byte = 242
	BRK  byte = 243
	IP   byte = 244
	AO   byte = 245
	AYT  byte = 246
	EC   byte = 247
	EL   byte = 248
	GA   byte = 249
	SB   byte = 250
	WILL byte = 251
	WONT byte = 252
	DO   byte = 253
	DONT byte = 254
	IAC  byte = 255
)

// Options this package knows by name.
const (
	OptBinary  byte = 0  // RFC 856
	OptEcho    byte = 1  // RFC 857
	OptSGA     byte = 3  // RFC 858, suppress go-ahead
	OptComPort byte = 44 // RFC 2217
)

// MaxSubneg bounds one subnegotiation's payload: RFC 2217's longest
// message is a signature, which no sane server makes longer than this.
const MaxSubneg = 1024

// EventKind says what an Event carries.
type EventKind int

const (
	// Negotiation is IAC WILL/WONT/DO/DONT <option>.
	Negotiation EventKind = iota
	// Subnegotiation is IAC SB <option> <payload> IAC SE, IACs undoubled.
	Subnegotiation
	// Command is any other IAC <command> (NOP, AYT, BRK, ...).
	Command
	// Malformed reports a sequence the decoder dropped: an overlong or
	// unterminated subnegotiation. Decoding goes on after it.
	Malformed
)

// Event is one telnet control element found in the stream.
type Event struct {
	Kind    EventKind
	Cmd     byte   // WILL/WONT/DO/DONT for Negotiation, the command for Command
	Opt     byte   // the option of a Negotiation or Subnegotiation
	Payload []byte // Subnegotiation payload (after the option byte)
	Reason  string // why a Malformed sequence was dropped
}

func (e Event) String() string {
	switch e.Kind {
	case Negotiation:
		return fmt.Sprintf("%s %d", CmdName(e.Cmd), e.Opt)
	case Subnegotiation:
		return fmt.Sprintf("SB %d % X", e.Opt, e.Payload)
	case Command:
		return CmdName(e.Cmd)
	}
	return "malformed: " + e.Reason
}

// CmdName names a command byte.
func CmdName(c byte) string {
	switch c {
	case WILL:
		return "WILL"
	case WONT:
		return "WONT"
	case DO:
		return "DO"
	case DONT:
		return "DONT"
	case SB:
		return "SB"
	case SE:
		return "SE"
	case NOP:
		return "NOP"
	case AYT:
		return "AYT"
	case BRK:
		return "BRK"
	case GA:
		return "GA"
	}
	return fmt.Sprintf("command %d", c)
}

type decState int

const (
	stData      decState = iota
	stIAC                // after IAC
	stNeg                // after IAC WILL/WONT/DO/DONT
	stSBOpt              // after IAC SB
	stSB                 // inside a subnegotiation
	stSBIAC              // IAC inside a subnegotiation
	stSBDrop             // inside an overlong subnegotiation, skipping to IAC SE
	stSBDropIAC          // IAC inside a skipped subnegotiation
	stCR                 // after CR in a non-binary stream
)

// Decoder splits a telnet stream into data bytes and events. The zero
// value is ready; it keeps state between Feed calls, so a sequence may be
// split anywhere.
type Decoder struct {
	// Binary is set when the peer sends in binary mode (it said WILL
	// BINARY and we agreed): CR NUL is then two data bytes, not CR.
	Binary bool

	st     decState
	cmd    byte
	opt    byte
	sub    []byte
	data   []byte
	events []Event
}

// Feed decodes in and returns the data bytes and the events it completed,
// in stream order relative to each other only within their own slice. The
// returned slices are valid until the next Feed.
func (d *Decoder) Feed(in []byte) (data []byte, events []Event) {
	d.data, d.events = d.data[:0], d.events[:0]
	for _, b := range in {
		d.step(b)
	}
	return d.data, d.events
}

func (d *Decoder) step(b byte) {
	switch d.st {
	case stData:
		switch {
		case b == IAC:
			d.st = stIAC
		case b == '\r' && !d.Binary:
			d.data = append(d.data, b)
			d.st = stCR
		default:
			d.data = append(d.data, b)
		}
	case stCR: // NVT: CR NUL is a bare CR, CR LF a newline (RFC 854)
		d.st = stData
		if b != 0 {
			d.step(b)
		}
	case stIAC:
		d.st = stData
		switch b {
		case IAC:
			d.data = append(d.data, IAC)
		case WILL, WONT, DO, DONT:
			d.cmd, d.st = b, stNeg
		case SB:
			d.st = stSBOpt
		case SE:
			d.events = append(d.events, Event{Kind: Malformed, Reason: "SE outside a subnegotiation"})
		default:
			d.events = append(d.events, Event{Kind: Command, Cmd: b})
		}
	case stNeg:
		d.events = append(d.events, Event{Kind: Negotiation, Cmd: d.cmd, Opt: b})
		d.st = stData
	case stSBOpt:
		if b == IAC { // IAC SB IAC: no option byte at all
			d.events = append(d.events, Event{Kind: Malformed, Reason: "subnegotiation without an option"})
			d.st = stIAC
			return
		}
		d.opt, d.sub, d.st = b, d.sub[:0], stSB
	case stSB:
		switch {
		case b == IAC:
			d.st = stSBIAC
		default:
			d.addSub(b)
		}
	case stSBIAC:
		switch b {
		case IAC: // a doubled IAC is one payload byte
			d.st = stSB
			d.addSub(IAC)
		case SE:
			d.events = append(d.events, Event{Kind: Subnegotiation, Opt: d.opt, Payload: append([]byte(nil), d.sub...)})
			d.st = stData
		default:
			// IAC <cmd> inside SB: the peer never closed it (RFC 855
			// requires IAC SE). Drop it and take the command.
			d.events = append(d.events, Event{Kind: Malformed, Opt: d.opt, Reason: fmt.Sprintf("subnegotiation of option %d not closed by IAC SE", d.opt)})
			d.st = stIAC
			d.step(b)
		}
	case stSBDrop:
		if b == IAC {
			d.st = stSBDropIAC
		}
	case stSBDropIAC:
		switch b {
		case SE:
			d.st = stData
		case IAC:
			d.st = stSBDrop
		default:
			d.st = stIAC
			d.step(b)
		}
	}
}

// addSub adds a payload byte, or drops the whole subnegotiation once it
// outgrows MaxSubneg: memory stays bounded whatever the peer sends.
func (d *Decoder) addSub(b byte) {
	if len(d.sub) >= MaxSubneg {
		d.events = append(d.events, Event{Kind: Malformed, Opt: d.opt, Reason: fmt.Sprintf("subnegotiation of option %d longer than %d bytes", d.opt, MaxSubneg)})
		d.st = stSBDrop
		return
	}
	d.sub = append(d.sub, b)
}

// Escape returns data ready to send: every IAC doubled, and in a
// non-binary stream every CR not followed by LF sent as CR NUL (RFC 854).
func Escape(data []byte, binary bool) []byte {
	out := make([]byte, 0, len(data)+8)
	for i, b := range data {
		out = append(out, b)
		switch {
		case b == IAC:
			out = append(out, IAC)
		case b == '\r' && !binary && (i+1 >= len(data) || data[i+1] != '\n'):
			out = append(out, 0)
		}
	}
	return out
}

// Negotiate encodes IAC <cmd> <opt>.
func Negotiate(cmd, opt byte) []byte { return []byte{IAC, cmd, opt} }

// Subneg encodes IAC SB <opt> <payload, IACs doubled> IAC SE.
func Subneg(opt byte, payload []byte) []byte {
	out := []byte{IAC, SB, opt}
	for _, b := range payload {
		out = append(out, b)
		if b == IAC {
			out = append(out, IAC)
		}
	}
	return append(out, IAC, SE)
}
