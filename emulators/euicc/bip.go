package euicc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/esimhil/esimhil/emulators/codec/stk"
	"github.com/esimhil/esimhil/emulators/euicc/applet"
)

// BIP sizing. A proactive command and a terminal response each travel in one
// short APDU, so channel data is cut well below 255 bytes per command.
const (
	bipBufferSize = 1400     // OPEN CHANNEL buffer size asked for
	sendChunk     = 200      // SEND DATA payload per command
	recvChunk     = 200      // RECEIVE DATA length asked per command
	maxHTTPReply  = 64 << 10 // larger replies are refused

	// BIPTimer is the toolkit timer (1-8) the runtime reserves to bound the
	// wait for the platform's reply; the applet must not use it.
	BIPTimer = 8
	// BIPTimeout is how long the card waits for a reply once the request
	// is sent.
	BIPTimeout = 30 * time.Second
)

type httpState int

const (
	httpOpening httpState = iota
	httpSending
	httpArming    // TIMER MANAGEMENT start of the reply guard
	httpWaiting   // request sent, waiting for data available
	httpReceiving // RECEIVE DATA in progress
	httpClosing
	httpDisarming // TIMER MANAGEMENT deactivate of the reply guard
)

// httpOp carries one HTTP/1.1 POST to the platform over a BIP channel
// (TS 102 223 §6.4.27-31): OPEN CHANNEL, SEND DATA in store mode with the
// last chunk sent immediately, RECEIVE DATA after each data available
// event until the terminal's buffer is empty and the reply is complete,
// CLOSE CHANNEL. Once the request is sent, toolkit timer BIPTimer bounds the
// wait for the reply; it is deactivated at the end. Any failure closes the
// channel and answers HTTPResult.Err.
type httpOp struct {
	r       *runtime
	req     applet.HTTPPost
	state   httpState
	channel byte
	bufSize int
	out     []byte // request bytes not yet sent
	stored  int    // bytes in the terminal's transmit buffer
	in      []byte // reply bytes received
	armed   bool   // the reply guard timer runs
	result  applet.HTTPResult
}

func newHTTPOp(r *runtime, req applet.HTTPPost) *httpOp {
	c := r.c.cfg
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n",
		req.Path, c.PlatformHost, len(req.Body))
	b.Write(req.Body)
	return &httpOp{r: r, req: req, out: b.Bytes(), bufSize: bipBufferSize, result: applet.HTTPResult{ReqID: req.ReqID}}
}

func (o *httpOp) start() stk.Command {
	return stk.NewOpenChannel(0, o.r.c.cfg.PlatformAddr, bipBufferSize)
}

func (o *httpOp) response(tr stk.TerminalResponse) (*stk.Command, bool, applet.Event) {
	switch o.state {
	case httpOpening:
		if !tr.Result.OK() || tr.ChannelStatus == nil || tr.ChannelStatus.Channel == 0 {
			// No channel was opened: nothing to close.
			return o.fail(false, "open channel: result %s", tr.Result)
		}
		o.channel = tr.ChannelStatus.Channel
		if tr.BufferSize != nil && int(*tr.BufferSize) < o.bufSize {
			o.bufSize = int(*tr.BufferSize)
		}
		if o.bufSize < sendChunk {
			return o.fail(true, "open channel: buffer of %d bytes", o.bufSize)
		}
		o.state = httpSending
		return o.send()
	case httpSending:
		if !tr.Result.OK() {
			return o.fail(true, "send data: result %s", tr.Result)
		}
		if len(o.out) > 0 {
			return o.send()
		}
		o.state = httpArming
		cmd := stk.NewTimerStart(0, BIPTimer, BIPTimeout)
		return &cmd, false, nil
	case httpArming:
		// Without the guard the exchange still works; it just cannot time out.
		o.armed = tr.Result.OK()
		o.state = httpWaiting
		return nil, false, nil
	case httpReceiving:
		if !tr.Result.OK() {
			return o.fail(true, "receive data: result %s", tr.Result)
		}
		o.in = append(o.in, tr.ChannelData...)
		if len(o.in) > maxHTTPReply {
			return o.fail(true, "reply longer than %d bytes", maxHTTPReply)
		}
		if tr.ChannelDataLength != nil && *tr.ChannelDataLength > 0 {
			return o.receive(*tr.ChannelDataLength)
		}
		return o.tryParse(false)
	case httpClosing:
		if o.armed {
			o.state = httpDisarming
			cmd := stk.NewTimerDeactivate(0, BIPTimer)
			return &cmd, false, nil
		}
		return nil, true, o.result
	case httpDisarming:
		return nil, true, o.result
	}
	return nil, false, nil
}

func (o *httpOp) envelope(env stk.Envelope) (*stk.Command, bool, applet.Event) {
	if env.Tag == stk.TagTimerExpiration {
		if env.TimerID != BIPTimer || o.state != httpWaiting {
			return nil, false, nil
		}
		o.armed = false // it has expired: nothing to deactivate
		return o.fail(true, "no reply within %s", BIPTimeout)
	}
	if env.ChannelStatus == nil || env.ChannelStatus.Channel != o.channel || o.channel == 0 {
		return nil, false, nil
	}
	switch env.Event {
	case stk.EventDataAvailable:
		if o.state != httpWaiting {
			return nil, false, nil
		}
		n := recvChunk
		if env.ChannelDataLength != nil && *env.ChannelDataLength > 0 {
			n = *env.ChannelDataLength
		}
		return o.receive(n)
	case stk.EventChannelStatus:
		if env.ChannelStatus.Established || o.state == httpClosing {
			return nil, false, nil
		}
		if o.state == httpWaiting {
			// The platform closed the connection (Connection: close):
			// whatever arrived is the whole reply.
			return o.tryParse(true)
		}
		return o.fail(true, "link dropped")
	}
	return nil, false, nil
}

func (o *httpOp) send() (*stk.Command, bool, applet.Event) {
	n := min(sendChunk, len(o.out))
	chunk := o.out[:n]
	o.out = o.out[n:]
	o.stored += n
	// Send immediately on the last chunk, or before the terminal's buffer
	// could overflow with the next one.
	immediate := len(o.out) == 0 || o.stored+sendChunk > o.bufSize
	if immediate {
		o.stored = 0
	}
	cmd := stk.NewSendData(0, o.channel, chunk, immediate)
	return &cmd, false, nil
}

func (o *httpOp) receive(avail int) (*stk.Command, bool, applet.Event) {
	o.state = httpReceiving
	cmd := stk.NewReceiveData(0, o.channel, min(avail, recvChunk))
	return &cmd, false, nil
}

// tryParse ends the exchange when the reply is complete; eof says the
// connection is closed, so a reply delimited by the close is complete too.
func (o *httpOp) tryParse(eof bool) (*stk.Command, bool, applet.Event) {
	status, body, err := parseReply(o.in, eof)
	switch {
	case errors.Is(err, errIncomplete):
		o.state = httpWaiting
		return nil, false, nil
	case err != nil:
		return o.fail(true, "reply: %v", err)
	}
	o.result.Status, o.result.Body = status, body
	return o.close()
}

func (o *httpOp) close() (*stk.Command, bool, applet.Event) {
	o.state = httpClosing
	cmd := stk.NewCloseChannel(0, o.channel)
	return &cmd, false, nil
}

// fail records the error, logs it and closes the channel if one is open.
func (o *httpOp) fail(open bool, format string, a ...any) (*stk.Command, bool, applet.Event) {
	reason := fmt.Sprintf(format, a...)
	o.r.errorf("bip_error", "request %d %s: %s", o.req.ReqID, o.req.Path, reason)
	o.result = applet.HTTPResult{ReqID: o.req.ReqID, Err: reason}
	if open {
		return o.close()
	}
	return nil, true, o.result
}

var errIncomplete = errors.New("incomplete")

// parseReply reads one HTTP/1.1 response from b with net/http. Without eof
// a truncated reply is errIncomplete (more may come); with eof it is an error.
func parseReply(b []byte, eof bool) (int, []byte, error) {
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(b)), nil)
	if err != nil {
		if !eof && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) {
			return 0, nil, errIncomplete
		}
		if len(b) == 0 {
			return 0, nil, errors.New("connection closed without a reply")
		}
		return 0, nil, fmt.Errorf("malformed HTTP response: %w", err)
	}
	defer resp.Body.Close()
	delimited := resp.ContentLength >= 0 || len(resp.TransferEncoding) > 0
	if !delimited && !eof {
		return 0, nil, errIncomplete // body runs to the end of the connection
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxHTTPReply+1))
	if err != nil {
		if !eof && errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, nil, errIncomplete
		}
		return 0, nil, fmt.Errorf("HTTP body: %w", err)
	}
	if len(body) > maxHTTPReply {
		return 0, nil, errors.New("HTTP body longer than " + strconv.Itoa(maxHTTPReply) + " bytes")
	}
	return resp.StatusCode, body, nil
}
