package euicc

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/internal/codec/stk"
)

// BIP sizing. A proactive command and a terminal response each travel in one
// short APDU, so channel data is cut well below 255 bytes per command.
const (
	bipBufferSize = 1400 // OPEN CHANNEL buffer size asked for
	sendChunk     = 200  // SEND DATA payload per command
	recvChunk     = 200  // RECEIVE DATA length asked per command
	// maxRxBatch bounds the bytes received in one data-available batch.
	maxRxBatch = maxHTTPReply + 16<<10

	// BIPTimer is the toolkit timer (1-8) the runtime reserves to bound the
	// wait for the peer; the applet must not use it.
	BIPTimer = 8
	// BIPTimeout is how long the card waits for the peer once its first
	// bytes are sent.
	BIPTimeout = 30 * time.Second
)

type bipState int

const (
	bipOpening bipState = iota
	bipSending
	bipArming    // TIMER MANAGEMENT start of the reply guard
	bipWaiting   // the protocol needs data: waiting for data available
	bipReceiving // RECEIVE DATA in progress
	bipClosing
	bipDisarming  // TIMER MANAGEMENT deactivate of the reply guard
	bipPollArming // POLL INTERVAL, for the guard counted in STATUS polls
)

// bipOp carries one client exchange (plain HTTP, or HTTPS) over a BIP
// channel, TS 102 223 §6.4.27-31: OPEN CHANNEL; then, as the protocol
// coroutine asks, SEND DATA in store mode (the last chunk of each flight
// sent immediately) and RECEIVE DATA after each data available event until
// the terminal's buffer is empty; CLOSE CHANNEL at the end. Toolkit timer
// BIPTimer, armed after the first flight, bounds the whole exchange and is
// deactivated at the end. With a terminal that has no timers the guard is
// counted in its STATUS polls (polltimers.go); one that cannot poll for
// the card either ends the exchange at once: no wait is left unbounded.
// Any failure closes the channel; the outcome is the applet's HTTPResult
// for request reqID.
type bipOp struct {
	r     *runtime
	what  string // "POST /v1/download", for logs
	addr  netip.AddrPort
	co    *coroutine
	reqID int

	state    bipState
	channel  byte
	bufSize  int
	out      []byte // protocol bytes not yet sent
	stored   int    // bytes in the terminal's transmit buffer
	in       []byte // bytes of the current receive batch
	armed    bool
	armTried bool
	polled   bool // the guard is counted in STATUS polls, not a toolkit timer
	reply    *httpReply
	err      string
	ev       applet.Event
	// flushed: a SEND DATA that sends immediately was issued, so bytes
	// may have left the device (store mode keeps them in the terminal,
	// TS 102 223 §6.4.30, until one is). Before it the peer has nothing.
	flushed bool
}

// newBIPOp prepares an exchange to addr running req, with TLS when tp is
// set, for the applet's request reqID.
func newBIPOp(r *runtime, addr netip.AddrPort, req httpRequest, tp *tlsParams, reqID int) *bipOp {
	o := &bipOp{r: r, what: "POST " + req.Path, addr: addr, bufSize: bipBufferSize, reqID: reqID, reply: &httpReply{}}
	o.co = newCoroutine(roundTrip(req, tp, o.reply))
	return o
}

func (o *bipOp) start() stk.Command {
	return stk.NewOpenChannel(0, o.addr, bipBufferSize)
}

// abort ends the protocol's goroutine when the runtime is discarded.
func (o *bipOp) abort() { o.co.abort() }

// abandon ends the exchange when the terminal's toolkit restarts under it
// (runtime.rearm). It returns the applet's failed HTTPResult, sent or not
// as far as the card can tell, and the channel the exchange had open, if
// any, for the card to close on the new terminal: one that restarted
// lost it with its data and answers 3A 03 (TS 102 223 §6.4.28), but a
// TERMINAL PROFILE does not prove a restart (a host's through +CSIM, a
// profile change, TS 31.111 §5.1), and a terminal whose toolkit ran on
// keeps it taken, its only one, until the card closes it. The reply
// guard is left to expire: a stale expiry is dropped (envelopeAPDU).
func (o *bipOp) abandon() (applet.Event, byte) {
	o.co.abort()
	open := o.channel
	if o.state == bipDisarming {
		open = 0 // its CLOSE CHANNEL was answered
	}
	if o.state == bipClosing || o.state == bipDisarming {
		return o.ev, open // the outcome was known: only the goodbye was left
	}
	reason := "the terminal's toolkit restarted (TERMINAL PROFILE) during the exchange: channel lost"
	if o.state == bipOpening {
		reason = "the terminal's toolkit restarted (TERMINAL PROFILE) before the channel opened"
	}
	o.r.errorf(KindBIPError, "%s: %s", o.what, reason)
	return applet.HTTPResult{ReqID: o.reqID, Err: reason, Unsent: !o.flushed}, open
}

func (o *bipOp) response(tr stk.TerminalResponse) (*stk.Command, bool, applet.Event) {
	switch o.state {
	case bipOpening:
		if !tr.Result.OK() || tr.ChannelStatus == nil || tr.ChannelStatus.Channel == 0 {
			// No channel was opened: nothing to close.
			return o.failResult(false, "open channel", tr.Result)
		}
		o.channel = tr.ChannelStatus.Channel
		if tr.BufferSize != nil && int(*tr.BufferSize) < o.bufSize {
			o.bufSize = int(*tr.BufferSize)
		}
		if o.bufSize < sendChunk {
			return o.fail(true, "open channel: buffer of %d bytes", o.bufSize)
		}
		return o.run(nil, false)
	case bipSending:
		if !tr.Result.OK() {
			if o.co.done && o.co.err == nil {
				// The protocol has its answer whole: what is left is its
				// goodbye, TLS close_notify (RFC 5246 §7.2.1), which a peer
				// that closed after answering — an answer delimited by the
				// close, RFC 9112 §6.3, or a close without close_notify —
				// can no longer take. It fails nothing (outside tester
				// t194 F1: every HTTPS answer without Content-Length failed
				// "send data: result 3A/02").
				o.out = nil
				return o.flightSent()
			}
			return o.failResult(true, "send data", tr.Result)
		}
		if len(o.out) > 0 {
			return o.send()
		}
		return o.flightSent()
	case bipArming:
		if tr.Result.OK() {
			o.armed = true
			o.state = bipWaiting
			return nil, false, nil
		}
		// No toolkit timer (a terminal that implements little of the
		// toolkit): from now on the card's timers run on its polls.
		o.r.noTimers = true
		return o.armByPolls()
	case bipPollArming:
		if !o.r.pollAnswer(tr) {
			if tr.Result.OK() {
				return o.fail(true, "no reply guard: POLL INTERVAL answered without the interval the terminal polls at")
			}
			return o.failResult(true, "no reply guard: no toolkit timers, and POLL INTERVAL", tr.Result)
		}
		return o.armByPolls()
	case bipReceiving:
		if !tr.Result.OK() {
			return o.failResult(true, "receive data", tr.Result)
		}
		o.in = append(o.in, tr.ChannelData...)
		if len(o.in) > maxRxBatch {
			return o.fail(true, "reply: more than %d bytes at once", maxRxBatch)
		}
		if tr.ChannelDataLength != nil && *tr.ChannelDataLength > 0 {
			return o.receive(*tr.ChannelDataLength)
		}
		in := o.in
		o.in = nil
		return o.run(in, false)
	case bipClosing:
		if o.armed {
			o.state = bipDisarming
			if o.polled {
				o.r.stopPollTimer(BIPTimer)
				return nil, true, o.ev
			}
			cmd := stk.NewTimerDeactivate(0, BIPTimer)
			return &cmd, false, nil
		}
		return nil, true, o.ev
	case bipDisarming:
		return nil, true, o.ev
	}
	return nil, false, nil
}

func (o *bipOp) envelope(env stk.Envelope) (*stk.Command, bool, applet.Event) {
	if env.Tag == stk.TagTimerExpiration {
		if env.TimerID != BIPTimer || o.polled {
			return nil, false, nil
		}
		return o.guardExpired()
	}
	if env.ChannelStatus == nil || env.ChannelStatus.Channel != o.channel || o.channel == 0 {
		return nil, false, nil
	}
	switch env.Event {
	case stk.EventDataAvailable:
		if o.state != bipWaiting {
			return nil, false, nil
		}
		n := recvChunk
		if env.ChannelDataLength != nil && *env.ChannelDataLength > 0 {
			n = *env.ChannelDataLength
		}
		return o.receive(n)
	case stk.EventChannelStatus:
		if env.ChannelStatus.Established || o.state != bipWaiting {
			return nil, false, nil
		}
		// The peer closed (Connection: close) or the link failed, after
		// everything it sent was read: the protocol sees the end.
		return o.run(nil, true)
	}
	return nil, false, nil
}

// guardExpired ends the exchange when its reply guard runs out while it
// waits for the peer; at any other point the expiry is dropped.
func (o *bipOp) guardExpired() (*stk.Command, bool, applet.Event) {
	if o.state != bipWaiting {
		return nil, false, nil
	}
	o.armed = false // it has expired: nothing to deactivate
	return o.fail(true, "no reply within %s", BIPTimeout)
}

// armByPolls arms the reply guard on the terminal's STATUS polls, asking
// for polling first if the card has not yet; without polling the card
// cannot bound the wait, and the exchange ends.
func (o *bipOp) armByPolls() (*stk.Command, bool, applet.Event) {
	r := o.r
	switch r.clk.mode {
	case pollOn:
		r.startPollTimer(BIPTimer, BIPTimeout)
		o.armed, o.polled = true, true
		o.state = bipWaiting
		return nil, false, nil
	case pollNotAsked:
		if cmd, ok := r.pollInterval(); ok {
			o.state = bipPollArming
			return &cmd, false, nil
		}
	}
	return o.fail(true, "no reply guard: the terminal has neither toolkit timers nor polling")
}

// run resumes the protocol with received bytes and acts on what it did:
// send its output, wait for more, or end the exchange.
func (o *bipOp) run(in []byte, eof bool) (*stk.Command, bool, applet.Event) {
	if out := o.co.resume(in, eof); len(o.out) == 0 {
		o.out = out // the protocol's to keep: resume hands it over
	} else {
		o.out = append(o.out, out...)
	}
	if o.co.done && o.co.err != nil {
		return o.fail(true, "%s", o.co.err)
	}
	if len(o.out) > 0 {
		o.state = bipSending
		return o.send()
	}
	return o.flightSent()
}

// flightSent follows the protocol once its output is all sent.
func (o *bipOp) flightSent() (*stk.Command, bool, applet.Event) {
	if o.co.done {
		o.ev = applet.HTTPResult{ReqID: o.reqID, Status: o.reply.Status, Body: o.reply.Body}
		return o.close()
	}
	if !o.armTried {
		o.armTried = true
		if o.r.noTimers {
			return o.armByPolls()
		}
		o.state = bipArming
		cmd := stk.NewTimerStart(0, BIPTimer, BIPTimeout)
		return &cmd, false, nil
	}
	o.state = bipWaiting
	return nil, false, nil
}

func (o *bipOp) send() (*stk.Command, bool, applet.Event) {
	n := min(sendChunk, len(o.out))
	chunk := o.out[:n:n]
	o.out = o.out[n:]
	o.stored += n
	// Send immediately at the end of a flight, or before the terminal's
	// buffer could overflow with the next chunk.
	immediate := len(o.out) == 0 || o.stored+sendChunk > o.bufSize
	if immediate {
		o.stored = 0
		if !o.flushed {
			// The request's first bytes go now: the applet hears it
			// before the command is issued, so what it keeps of it is
			// in NVM should the power be cut on their way.
			o.flushed = true
			o.r.step(applet.HTTPSent{ReqID: o.reqID})
		}
	}
	cmd := stk.NewSendData(0, o.channel, chunk, immediate)
	return &cmd, false, nil
}

func (o *bipOp) receive(avail int) (*stk.Command, bool, applet.Event) {
	o.state = bipReceiving
	cmd := stk.NewReceiveData(0, o.channel, min(avail, recvChunk))
	return &cmd, false, nil
}

func (o *bipOp) close() (*stk.Command, bool, applet.Event) {
	o.state = bipClosing
	cmd := stk.NewCloseChannel(0, o.channel)
	return &cmd, false, nil
}

// failResult ends the exchange on the terminal's answer res to cmd ("open
// channel"): the reason quotes the result, and bip_error and the applet's
// event carry it as a field too.
func (o *bipOp) failResult(open bool, cmd string, res stk.Result) (*stk.Command, bool, applet.Event) {
	res.Additional = bytes.Clone(res.Additional) // not the terminal response's buffer
	return o.end(open, resultReason(cmd, res), &res)
}

// fail ends the exchange for a reason other than a terminal's result.
func (o *bipOp) fail(open bool, format string, a ...any) (*stk.Command, bool, applet.Event) {
	return o.end(open, fmt.Sprintf(format, a...), nil)
}

// end logs the error, stops the protocol and closes the channel if one is
// open; the applet gets the failure as its event.
func (o *bipOp) end(open bool, reason string, res *stk.Result) (*stk.Command, bool, applet.Event) {
	o.co.abort()
	if res != nil {
		o.r.resultErrorf(KindBIPError, *res, "%s: %s", o.what, reason)
	} else {
		o.r.errorf(KindBIPError, "%s: %s", o.what, reason)
	}
	o.ev = applet.HTTPResult{ReqID: o.reqID, Err: reason, TerminalResult: res, Unsent: !o.flushed}
	if open {
		return o.close()
	}
	return nil, true, o.ev
}

// resolve turns an address "host[:port]" into the IPv4 address and port of
// OPEN CHANNEL: an IPv4 literal as is, a name through Config.Resolve.
func (c *Card) resolve(address string, defPort uint16) (host string, ap netip.AddrPort, err error) {
	host, portStr, splitErr := net.SplitHostPort(address)
	port := defPort
	if splitErr != nil {
		host = address
	} else {
		p, perr := netip.ParseAddrPort("0.0.0.0:" + portStr)
		if perr != nil {
			return "", netip.AddrPort{}, fmt.Errorf("address %q: bad port", address)
		}
		port = p.Port()
	}
	if a, perr := netip.ParseAddr(host); perr == nil {
		if !a.Is4() {
			return "", netip.AddrPort{}, fmt.Errorf("address %q: not IPv4 (BIP other address)", address)
		}
		return host, netip.AddrPortFrom(a, port), nil
	}
	// Looked up in lower case, as Config.Resolve keeps its names: a host
	// name has no case (RFC 4343), and a card keeps an address as its
	// activation code gave it, upper case as often as not (a QR code's
	// alphanumeric mode has none other).
	r, ok := c.cfg.Resolve[strings.ToLower(host)]
	if !ok {
		r, ok = c.cfg.Resolve[strings.ToLower(address)]
	}
	if !ok || !r.Addr().Is4() {
		return "", netip.AddrPort{}, fmt.Errorf("address %q: host not resolvable to IPv4", address)
	}
	if r.Port() == 0 {
		r = netip.AddrPortFrom(r.Addr(), port)
	}
	return host, r, nil
}
