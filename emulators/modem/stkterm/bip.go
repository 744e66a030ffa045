package stkterm

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/esimhil/esimhil/emulators/codec/stk"
)

// BIP limits. The timeouts are wall-clock because they bound real socket
// I/O on loopback, not simulated behaviour.
const (
	channelID     = 1    // the terminal offers one channel
	maxBuffer     = 1400 // largest buffer granted by OPEN CHANNEL
	maxRxPerTR    = 237  // channel data per RECEIVE DATA response (TS 102 223 §6.4.29)
	maxReply      = 64 << 10
	dialTimeout   = 3 * time.Second
	writeTimeout  = 3 * time.Second
	replyDeadline = 10 * time.Second
)

var errReplyTooLong = fmt.Errorf("reply exceeds %d bytes", maxReply)

// channel is the one BIP channel: a TCP connection, the card's transmit
// buffer, and the peer's whole reply once it has arrived.
type channel struct {
	conn    net.Conn
	bufSize int
	tx      []byte
	rx      []byte
	dropped bool
	release func(done func())
}

func bipError(c stk.Command, info byte) stk.TerminalResponse {
	return stk.Respond(c, result(stk.ResultBIPError, info))
}

// openChannel runs OPEN CHANNEL (TS 102 223 §6.4.27) in TCP client mode.
// The link is always set up at once, even when the card asked for
// on-demand establishment.
func (t *Terminal) openChannel(c stk.Command) stk.TerminalResponse {
	switch c.Bearer.Type {
	case stk.BearerDefault, stk.BearerGPRS, stk.BearerEUTRANPackets:
	default:
		return stk.Respond(c, result(stk.ResultBeyondCapabilities))
	}
	if t.ch != nil {
		return bipError(c, stk.BIPNoChannel)
	}
	if c.Transport == nil || c.Transport.Protocol != stk.TransportTCPClientRemote {
		return bipError(c, stk.BIPTransportNotAvail)
	}
	if !c.Address.IsValid() {
		return stk.Respond(c, result(stk.ResultValuesMissing))
	}
	if !t.host.DataReady() {
		return bipError(c, stk.BIPNoCause)
	}
	res := result(stk.ResultOK)
	granted := int(c.BufferSize)
	if granted == 0 || granted > maxBuffer {
		// §6.4.27.1: allocate what is available and say so.
		granted = maxBuffer
		res = result(stk.ResultModified)
	}
	d := net.Dialer{Timeout: dialTimeout}
	conn, err := d.Dial("tcp", netip.AddrPortFrom(c.Address, c.Transport.Port).String())
	if err != nil {
		t.tracef("open channel: %v", err)
		return bipError(c, stk.BIPRemoteNotReachable)
	}
	ch := &channel{conn: conn, bufSize: granted, release: t.loop.Hold()}
	t.ch = ch
	go t.readReply(ch)
	r := stk.Respond(c, res)
	r.ChannelStatus = &stk.ChannelStatus{Channel: channelID, Established: true}
	r.Bearer = &c.Bearer
	r.BufferSize = new(uint16(granted))
	return r
}

// readReply reads the peer's whole reply (the card's HTTP asks for
// Connection: close) before signalling, so the number of envelopes does not
// depend on how TCP segments it. It runs on its own goroutine and touches
// only its arguments; the loop is held until it ends.
func (t *Terminal) readReply(ch *channel) {
	_ = ch.conn.SetReadDeadline(time.Now().Add(replyDeadline))
	data, err := io.ReadAll(io.LimitReader(ch.conn, maxReply+1))
	if err == nil && len(data) > maxReply {
		err = errReplyTooLong
	}
	ch.release(func() { t.replyDone(ch, data, err) })
}

// replyDone runs in the loop once the reply is complete or the link failed.
func (t *Terminal) replyDone(ch *channel, data []byte, err error) {
	if t.ch != ch || !t.running {
		return
	}
	if err != nil || len(data) == 0 {
		if err == nil {
			err = errors.New("peer closed without a reply")
		}
		t.tracef("channel %d: link dropped: %v", channelID, err)
		t.dropLink(ch)
		return
	}
	ch.rx = data
	if t.events[stk.EventDataAvailable] {
		t.sendEnvelope(stk.NewDataAvailableEvent(stk.ChannelStatus{Channel: channelID, Established: true}, len(data)))
	}
}

// dropLink closes a failed link and tells the card (channel status event,
// TS 102 223 §7.5.11) if it asked to be told.
func (t *Terminal) dropLink(ch *channel) {
	ch.dropped = true
	ch.tx = nil
	_ = ch.conn.Close()
	if t.events[stk.EventChannelStatus] {
		t.sendEnvelope(stk.NewChannelStatusEvent(stk.ChannelStatus{Channel: channelID, Info: stk.ChannelLinkDropped}))
	}
}

// channelFor checks the channel a command addresses.
func (t *Terminal) channelFor(c stk.Command) (*channel, *stk.TerminalResponse) {
	if t.ch == nil || c.Channel() != channelID {
		r := bipError(c, stk.BIPChannelIDInvalid)
		return nil, &r
	}
	return t.ch, nil
}

// sendData runs SEND DATA (TS 102 223 §6.4.30): store in the transmit
// buffer, and write it all to the socket when the card says "immediately".
func (t *Terminal) sendData(c stk.Command) stk.TerminalResponse {
	ch, bad := t.channelFor(c)
	if bad != nil {
		return *bad
	}
	if ch.dropped {
		return bipError(c, stk.BIPChannelClosed)
	}
	if len(ch.tx)+len(c.Data) > ch.bufSize {
		return bipError(c, stk.BIPNoCause)
	}
	ch.tx = append(ch.tx, c.Data...)
	if c.Details.Qualifier&stk.SendImmediately != 0 {
		_ = ch.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
		if _, err := ch.conn.Write(ch.tx); err != nil {
			t.tracef("send data: %v", err)
			t.dropLink(ch)
			return bipError(c, stk.BIPChannelClosed)
		}
		ch.tx = ch.tx[:0]
	}
	r := stk.Respond(c, result(stk.ResultOK))
	r.ChannelDataLength = new(ch.bufSize - len(ch.tx))
	return r
}

// receiveData runs RECEIVE DATA (TS 102 223 §6.4.29): up to the asked
// length, at most 237 bytes, and how many bytes remain.
func (t *Terminal) receiveData(c stk.Command) stk.TerminalResponse {
	ch, bad := t.channelFor(c)
	if bad != nil {
		return *bad
	}
	if len(ch.rx) == 0 {
		if ch.dropped {
			return bipError(c, stk.BIPChannelClosed)
		}
		return bipError(c, stk.BIPNoCause)
	}
	n := min(len(ch.rx), maxRxPerTR)
	if c.Length > 0 {
		n = min(n, c.Length)
	}
	r := stk.Respond(c, result(stk.ResultOK))
	r.ChannelData = ch.rx[:n:n]
	ch.rx = ch.rx[n:]
	r.ChannelDataLength = new(len(ch.rx))
	return r
}

// closeChannelCmd runs CLOSE CHANNEL (TS 102 223 §6.4.28).
func (t *Terminal) closeChannelCmd(c stk.Command) stk.TerminalResponse {
	if _, bad := t.channelFor(c); bad != nil {
		return *bad
	}
	t.closeChannel()
	return stk.Respond(c, result(stk.ResultOK))
}

// closeChannel closes the socket and ends the loop hold if the reply was
// still awaited (release runs once; the reader's later call is a no-op).
func (t *Terminal) closeChannel() {
	if t.ch == nil {
		return
	}
	_ = t.ch.conn.Close()
	t.ch.release(nil)
	t.ch = nil
}
