package stkterm

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/internal/codec/stk"
	"github.com/esimhil/esimhil/internal/stall"
)

// BIP limits. The timeouts are wall-clock because they bound real socket
// I/O on loopback, not simulated behaviour.
const (
	channelID    = 1    // the terminal offers one channel
	maxBuffer    = 1400 // largest buffer granted by OPEN CHANNEL
	maxRxPerTR   = 237  // channel data per RECEIVE DATA response (TS 102 223 §6.4.29)
	maxRxBuffer  = 64 << 10
	readChunk    = 4096
	dialTimeout  = 3 * time.Second
	writeTimeout = 3 * time.Second
)

// idleLimit drops a peer that stays silent this long while the channel is
// open: the loop is held meanwhile, so virtual time cannot move. A
// variable only so that tests need not wait 10 s.
var idleLimit = 10 * time.Second

// closeGrace is how long the terminal waits, after the card closed its
// channel, for a wall-time peer (SetWallPeers) to close its side before
// closing the socket itself. A variable only so that tests need not wait.
var closeGrace = 5 * time.Second

// ShortenWallLimits sets idleLimit and closeGrace, the wall-time waits a
// terminal ends a silent or lingering peer with, to idle and grace, and
// returns what restores them. A test hook, not a setting: exported only
// for the tests of a package that runs terminals against peers silent or
// lingering on purpose (harness/fleet; this package's tests use it too),
// which would otherwise wait 10 s or 5 s out at each such exchange. The
// errors still name the 10 s limit. Call it, and the restore, while no
// terminal runs.
func ShortenWallLimits(idle, grace time.Duration) (restore func()) {
	was, wasGrace := idleLimit, closeGrace
	idleLimit, closeGrace = idle, grace
	return func() { idleLimit, closeGrace = was, wasGrace }
}

// SetWallPeers says the channels' peers run on wall time — servers of
// another process, as a fleet's external platform and SM-DP+s are —, not
// on the loop's simulated time: when the card closes a channel the
// terminal ends its side (FIN) and lets the loop run on at once, as a
// modem does, rather than hold simulated time until the peer closes too.
// A peer that keeps the connection open (a server that ignores the
// request's Connection: close, RFC 9112 §9.6) is closed after closeGrace
// and counted in pc, which many terminals may share; nil (the default)
// puts the peers on simulated time again. Call it before Start.
func (t *Terminal) SetWallPeers(pc *PeerCloses) { t.wall = pc }

// PeerCloses follows the wall-time peers' connections that terminals
// left to close after their cards closed the channel (SetWallPeers).
type PeerCloses struct {
	open sync.WaitGroup
	kept atomic.Int64
}

// KeptOpen is how many peers kept a connection open past closeGrace
// after the card had closed its channel (CLOSE CHANNEL: its answer read;
// not one the card left at a power cut or a stop, whose peer may still
// be working on the request).
func (p *PeerCloses) KeptOpen() int64 { return p.kept.Load() }

// Wait waits until every such connection is closed: by its peer, or by
// the terminal after closeGrace.
func (p *PeerCloses) Wait() { p.open.Wait() }

// ErrIdleLimit is in LinkError (errors.Is) when the terminal dropped the
// link because its peer stayed silent for idleLimit. The card is told only
// "link dropped" (TS 102 223 has no cause for it) and sees a reply that
// ends before it began, as if the peer had closed.
var ErrIdleLimit = errors.New("no answer within the 10 s BIP limit")

// ErrHoldLimit is a link dropped because its exchange held the loop for
// holdLimit of wall time while its peer kept sending, too slowly for the
// idle limit to end it (a peer dripping its answer, a byte a second).
var ErrHoldLimit = errors.New("the exchange went on past the 60 s wall-time limit of a link, its peer sending too slowly")

// holdLimit bounds the wall time a link holds the loop (simulated time
// stands still meanwhile) however its peer keeps it alive: a dripping
// peer froze a fleet's storm, signals and --give-up-after included
// (outside tester sw129). A variable only so that tests need not wait.
var holdLimit = 60 * time.Second

// ErrBearerLost is LinkError when the terminal dropped the link because
// the modem lost the packet bearer under it (its registration: a dead
// zone, an outage that left it denied or searching, a detach); a move
// straight onto another network keeps the link.
var ErrBearerLost = errors.New("the packet bearer was lost: no registration")

var errRxOverflow = fmt.Errorf("receive buffer exceeds %d bytes", maxRxBuffer)

// channel is the one BIP channel: a TCP connection, the card's transmit
// buffer and the bytes received but not yet read by the card.
//
// While the channel is open the loop is held (release ends the hold): the
// peer's bytes arrive as posted work, so virtual time does not move during
// an exchange and the card's behaviour does not depend on how TCP segments
// the stream.
type channel struct {
	// conn is a stall.Conn: its deadlines (the idle limit, the close
	// grace, the write window) count the time the process ran, a stop or
	// a starved process being no peer's silence (t192).
	conn    net.Conn
	bufSize int
	tx      []byte
	rx      []byte
	eof     bool // the peer closed or the link failed; rx may still hold data
	dropped bool // link dropped reported (or about to be)
	// abandoned: the card left the channel half-closed (abandonChannel);
	// the reader's end closes it. Loop-owned, like eof and dropped.
	abandoned bool
	sent      int64 // bytes written to the socket so far

	// hold is the channel's hold of the loop. holdMu guards it: readLoop
	// ends it from its own goroutine.
	holdMu sync.Mutex
	hold   func(done func()) // nil while suspended (Suspend) or ended
	ended  bool
	// lingering: the card closed the channel to a wall-time peer and the
	// loop runs on; the reader closes the socket at the peer's end or
	// after closeGrace. readEnded: the reader met the stream's end first
	// and settles the channel itself. Both guarded by holdMu, so that
	// exactly one of them closes the socket.
	lingering, readEnded bool
	// cardClosed: the card closed the channel (CLOSE CHANNEL, its answer
	// read), not left it (a power cut, a stop): only then is a peer that
	// keeps the connection open one that ignored Connection: close.
	cardClosed bool

	// held bounds the channel's hold of the loop since it last took it
	// (holdLimit) in the time the process ran (stalls, the loop's
	// meter); a read's deadline is the sooner of its end and the idle
	// limit. Guarded by holdMu.
	held   stall.Wait
	stalls stall.Reader

	// pending is the bytes readLoop posted that received has not taken
	// yet (awaitRoom); room wakes a reader waiting for it to fall, quit
	// (closed once, with the socket: closeConn) one whose channel ended.
	pending  atomic.Int64
	room     chan struct{}
	quit     chan struct{}
	quitOnce sync.Once
}

// closeConn closes the channel's socket and wakes its reader if it waits
// for the loop (awaitRoom): it goes on to read the closed socket's end.
func (ch *channel) closeConn() {
	ch.quitOnce.Do(func() { close(ch.quit) })
	_ = ch.conn.Close()
}

// awaitRoomParked, when set (tests), is called as the reader starts to
// wait for the loop.
var awaitRoomParked func()

// awaitRoom holds the reader while maxRxBuffer bytes or more of the
// peer's wait for the loop: a peer writing faster than the loop runs (an
// external platform answering 100 MB to a fleet's busy loop) had every
// chunk read and queued before the first overflowed the card's buffer,
// 28 MB an exchange (outside tester sw126). Only what the loop has not
// taken is bounded here, as a modem's reader stops while its own queue is
// full; the card's buffer (received) still drops the link when the card
// does not read. Bounded by idleLimit, as a silent peer is — with nobody
// running the loop the reader goes on, a chunk at a time — and ended
// with the channel (closeConn).
func (ch *channel) awaitRoom() {
	if ch.pending.Load() < maxRxBuffer || ch.isLingering() {
		return
	}
	if awaitRoomParked != nil {
		awaitRoomParked()
	}
	limit := stall.Begin(ch.stalls, idleLimit).NewTimer()
	defer limit.Stop()
	for ch.pending.Load() >= maxRxBuffer && !ch.isLingering() {
		select {
		case <-ch.room:
		case <-ch.quit:
			return
		case now := <-limit.C:
			if limit.Out(now) {
				return
			}
		}
	}
}

// took notes that the loop took n posted bytes, waking the reader.
func (ch *channel) took(n int64) {
	ch.pending.Add(-n)
	select {
	case ch.room <- struct{}{}:
	default:
	}
}

// release ends the channel's hold of the loop, queueing done, once: later
// calls do nothing (done dropped), as the first one settled the channel.
// A suspended channel holds nothing: done is only queued.
func (ch *channel) release(loop *clock.Loop, done func()) {
	ch.holdMu.Lock()
	h, was := ch.hold, ch.ended
	ch.hold, ch.ended = nil, true
	ch.holdMu.Unlock()
	switch {
	case was:
	case h != nil:
		h(done)
	case done != nil:
		loop.Post(done)
	}
}

// Flow is the open data channel's TCP connection as its peer sees it: the
// terminal's address and the peer's, and how many bytes went out.
type Flow struct {
	Local, Remote netip.AddrPort
	Sent          int64
}

// OpenFlow returns the open data channel's flow, if a channel is open and
// its link up. Call it from inside simulated work.
func (t *Terminal) OpenFlow() (Flow, bool) {
	ch := t.ch
	if ch == nil || ch.dropped {
		return Flow{}, false
	}
	local, lok := ch.conn.LocalAddr().(*net.TCPAddr)
	remote, rok := ch.conn.RemoteAddr().(*net.TCPAddr)
	if !lok || !rok {
		return Flow{}, false
	}
	return Flow{Local: unmapped(local.AddrPort()), Remote: unmapped(remote.AddrPort()), Sent: ch.sent}, true
}

// unmapped gives an IPv4 address in its 4-byte form, as peers print it.
func unmapped(a netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}

// Dial opens a data channel's TCP connection (net.Dialer's Dial).
type Dial func(network, address string) (net.Conn, error)

// WrapDial wraps the dial function of the channels opened from now on
// (a capture that records each connection from the terminal's side).
// The connection it returns must implement CloseWrite for a channel to
// be half-closed (closeChannel). Call it before Start.
func (t *Terminal) WrapDial(wrap func(Dial) Dial) { t.dial = wrap(t.dialer()) }

// dialer is the channels' dial function: by default a net.Dialer with no
// TCP keep-alive (a channel lives for one exchange, and a terminal's BIP
// stack sends none; it saves four setsockopt calls a channel), its
// timeout of the time the process ran (dialWithin).
func (t *Terminal) dialer() Dial {
	if t.dial != nil {
		return t.dial
	}
	stalls := t.loop.Stalls
	return func(network, address string) (net.Conn, error) {
		return dialWithin(stall.Begin(stalls, dialTimeout), func(timeout time.Duration) (net.Conn, error) {
			d := net.Dialer{Timeout: timeout, KeepAlive: -1}
			return d.Dial(network, address)
		})
	}
}

// dialWithin dials with what w has left as the connect's timeout, and
// again after a timeout while w still has time: a stop of the process
// ate it, and the peer may have answered the SYN meanwhile (a connect
// is tried again as a TCP stack sends its SYN again).
func dialWithin(w stall.Wait, dial func(timeout time.Duration) (net.Conn, error)) (net.Conn, error) {
	for {
		c, err := dial(max(w.Left(time.Now()), time.Millisecond))
		var ne net.Error
		if err == nil || !errors.As(err, &ne) || !ne.Timeout() || w.Left(time.Now()) <= 0 {
			return c, err
		}
	}
}

func bipError(c stk.Command, info byte) stk.TerminalResponse {
	return stk.Respond(c, result(stk.ResultBIPError, info))
}

// openChannel runs OPEN CHANNEL (TS 102 223 §6.4.27) in TCP client mode.
// The link is always set up at once, even when the card asked for
// on-demand establishment. Its answer carries the bearer description and
// the buffer size whatever the result (§6.8: a failed one too, the
// card's bearer and the size it asked for; outside tester sw119).
func (t *Terminal) openChannel(c stk.Command) stk.TerminalResponse {
	r := t.openChannelLink(c)
	if !r.Result.OK() {
		r.Bearer = &c.Bearer
		r.BufferSize = new(c.BufferSize)
	}
	return r
}

func (t *Terminal) openChannelLink(c stk.Command) stk.TerminalResponse {
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
	addr := netip.AddrPortFrom(c.Address, c.Transport.Port).String()
	conn, err := t.dialer()("tcp", addr)
	if err != nil {
		t.tracef("open channel: %v", err)
		// This OPEN's link failed: no earlier channel's cause stays
		// (LinkError), and the host's own want is told apart.
		t.linkErr = nil
		if hostShort(err) {
			t.linkErr = fmt.Errorf("%w: open channel to %s: %w", ErrHostShort, addr, err)
			if t.hostErr == nil {
				t.hostErr = t.linkErr
			}
		}
		return bipError(c, stk.BIPRemoteNotReachable)
	}
	// The transmit buffer at its granted size at once: the card fills it
	// a chunk (200 bytes) at a time, and appending would reallocate it.
	ch := &channel{conn: stall.NewConn(conn, t.loop.Stalls), bufSize: granted, tx: make([]byte, 0, granted), hold: t.loop.Hold(), stalls: t.loop.Stalls, room: make(chan struct{}, 1), quit: make(chan struct{})}
	ch.held = stall.Begin(ch.stalls, holdLimit)
	t.ch, t.linkErr = ch, nil
	go t.readLoop(ch)
	r := stk.Respond(c, res)
	r.ChannelStatus = &stk.ChannelStatus{Channel: channelID, Established: true}
	r.Bearer = &c.Bearer
	r.BufferSize = new(uint16(granted))
	if c.LocalType != 0 && !c.LocalAddress.IsValid() {
		// The card asked for a local address to be allocated: the one
		// the link has (§6.4.27; outside tester sw121).
		// Of the family it asked for: a link of the other has none.
		if a, ok := conn.LocalAddr().(*net.TCPAddr); ok {
			if l := a.AddrPort().Addr().Unmap(); l.Is4() == (c.LocalType == stk.AddrIPv4) {
				r.LocalAddress = l
			}
		}
	}
	return r
}

// readLoop streams the peer's bytes into the loop, one posted call per
// read, and ends the hold with the end of the stream. It runs on its own
// goroutine and touches only its arguments and the loop.
func (t *Terminal) readLoop(ch *channel) {
	bp := readBufs.Get().(*[]byte)
	defer readBufs.Put(bp)
	buf := *bp
	for {
		ch.awaitRoom()
		lingering := ch.armIdleLimit()
		n, err := ch.conn.Read(buf)
		if err != nil && ch.lingers() {
			// The card is done with it and nothing waits: the end closes
			// the socket. (Data before it went to received, which drops a
			// closed channel's: no lock taken a read.)
			if errors.Is(err, os.ErrDeadlineExceeded) && ch.cardClosed {
				t.wall.kept.Add(1)
			}
			ch.closeConn()
			t.wall.open.Done()
			return
		}
		if n > 0 && lingering {
			// The card closed the channel: a peer still sending its
			// answer is read to its end at once and nothing is queued
			// (waiting for the loop, a 100 MB answer outlasted the close
			// grace and was counted a peer that kept the connection
			// open: outside tester sw129).
			n = 0
		}
		if n > 0 {
			data := bytes.Clone(buf[:n])
			ch.pending.Add(int64(n))
			t.loop.Post(func() {
				ch.took(int64(len(data)))
				t.received(ch, data)
			})
		}
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				limit := ErrIdleLimit
				if ch.pastHoldLimit() {
					limit = ErrHoldLimit
				}
				err = fmt.Errorf("%w: %w", limit, err)
				t.loop.Expire() // before the release: never seen as answered
			}
			ch.release(t.loop, func() {
				if ch.abandoned {
					ch.closeConn() // the card is gone: nobody else will
				}
				t.peerEnded(ch, err)
			})
			return
		}
	}
}

// lingers, at the stream's end, reports whether the card closed the
// channel to a wall-time peer (halfClose), which nothing waits on any
// more; a channel that does not linger is the reader's to settle from
// then on: halfClose leaves it alone.
func (ch *channel) lingers() bool {
	ch.holdMu.Lock()
	defer ch.holdMu.Unlock()
	if !ch.lingering {
		ch.readEnded = true
	}
	return ch.lingering
}

// armIdleLimit bounds the next read by the idle limit while the channel
// holds the loop; a suspended one (Suspend) waits on simulated time, its
// limit off. Checked under holdMu, so that a Suspend between readLoop's
// reads is never undone by the deadline of the next one. It reports
// whether the card closed the channel (halfClose): what is read then is
// for nobody.
func (ch *channel) armIdleLimit() (lingering bool) {
	ch.holdMu.Lock()
	defer ch.holdMu.Unlock()
	if ch.lingering {
		return true // closeGrace's deadline stands
	}
	var d time.Time
	if ch.hold != nil {
		d = ch.readDeadline(time.Now())
	}
	_ = ch.conn.SetReadDeadline(d)
	return false
}

// readDeadline is when a read from now runs out: at the idle limit, or
// sooner at the end of the hold's; callers hold holdMu.
func (ch *channel) readDeadline(now time.Time) time.Time {
	return now.Add(min(idleLimit, ch.held.Left(now)))
}

// pastHoldLimit reports whether the channel's hold has lasted holdLimit
// of the time the process ran.
func (ch *channel) pastHoldLimit() bool {
	ch.holdMu.Lock()
	defer ch.holdMu.Unlock()
	return ch.held.Left(time.Now()) <= 0 // begun at the channel's opening
}

// rehold takes the loop's hold again for a channel that had let it go,
// and bounds the wait for the peer's end in wall time again, as while
// the channel was never suspended; callers hold holdMu.
func (ch *channel) rehold(loop *clock.Loop) {
	now := time.Now()
	ch.hold = loop.Hold()
	ch.held = stall.BeginAt(ch.stalls, now, holdLimit)
	_ = ch.conn.SetReadDeadline(ch.readDeadline(now))
}

// isLingering reports whether the card closed the channel to a
// wall-time peer (halfClose): what the peer still sends is for nobody.
func (ch *channel) isLingering() bool {
	ch.holdMu.Lock()
	defer ch.holdMu.Unlock()
	return ch.lingering
}

// LinkError is why the last channel's link failed (ErrIdleLimit: its peer
// stayed silent; ErrHostShort: the host could not open it), nil if its
// peer closed it, it is still up or its open failed otherwise; it stays
// until the next OPEN CHANNEL, so the card's failure, logged after the
// channel is closed, can be told apart from a peer's close. Call it from
// inside simulated work.
func (t *Terminal) LinkError() error { return t.linkErr }

// ErrHostShort is in HostError, and in LinkError after the OPEN CHANNEL
// it failed (errors.Is), when the host could not open a data channel's
// connection for want of its own resources — file descriptors, local
// ports, buffers, memory (ulimit -n, a fleet that outgrows the ephemeral
// ports). The card is told its remote device is not reachable, as for a
// peer that refused (TS 102 223 has no result for a host's want): no
// network said so, and a run that saw it tested the host, not the card.
var ErrHostShort = errors.New("the host ran short of its own resources, not the network")

// HostError is the first OPEN CHANNEL the host's own resources failed
// (ErrHostShort), nil if none did; it stays for the terminal's life.
// Call it from inside simulated work.
func (t *Terminal) HostError() error { return t.hostErr }

// hostShort reports whether a dial failed for want of the host's own
// resources rather than anything its peer did.
func hostShort(err error) bool {
	for _, e := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.EADDRNOTAVAIL, syscall.ENOBUFS, syscall.ENOMEM} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// readBufs holds readLoop's buffers, a channel's for the exchange: the
// bytes read are copied out of it before they are posted.
var readBufs = sync.Pool{New: func() any { b := make([]byte, readChunk); return &b }}

// received runs in the loop for each chunk: it is buffered, and the card
// told when its buffer was empty (data available, TS 102 223 §7.5.10).
func (t *Terminal) received(ch *channel, data []byte) {
	if t.ch != ch || !t.running || ch.eof {
		return
	}
	if len(ch.rx)+len(data) > maxRxBuffer {
		t.tracef("channel %d: %v", channelID, errRxOverflow)
		ch.eof, ch.rx = true, nil // the stream is broken: nothing of it is usable
		t.dropLink(ch)
		return
	}
	wasEmpty := len(ch.rx) == 0
	ch.rx = append(ch.rx, data...)
	if wasEmpty && t.events[stk.EventDataAvailable] {
		t.sendEnvelope(stk.NewDataAvailableEvent(stk.ChannelStatus{Channel: channelID, Established: true}, min(len(ch.rx), 255)))
	}
}

// peerEnded runs in the loop once the peer closed or the link failed: the
// card learns it once it has read what was buffered.
func (t *Terminal) peerEnded(ch *channel, err error) {
	if t.ch != ch || !t.running || ch.eof {
		return
	}
	if !errors.Is(err, io.EOF) {
		t.tracef("channel %d: link failed: %v", channelID, err)
		t.linkErr = err
	}
	ch.eof = true
	if len(ch.rx) == 0 {
		t.dropLink(ch)
	}
}

// dropLink closes a failed link and tells the card (channel status event,
// TS 102 223 §7.5.11) if it asked to be told.
func (t *Terminal) dropLink(ch *channel) {
	if ch.dropped {
		return
	}
	ch.dropped = true
	ch.tx = nil
	ch.closeConn()
	if t.events[stk.EventChannelStatus] {
		t.sendEnvelope(stk.NewChannelStatusEvent(stk.ChannelStatus{Channel: channelID, Info: stk.ChannelLinkDropped}))
	}
}

// bearerLost drops the open channel's link when the modem no longer has
// a packet bearer: no data crosses a dead zone, so a peer answering on
// simulated time (Suspend: a slow platform) must not reach the card there.
// Before, the answer arrived in the tunnel (outside tester t215). The
// card is told as for any failed link (channel status, link dropped, TS
// 102 223 §7.5.11) once it has read what was received before. Our side
// of the stream is only half-closed, as at a power cut (abandonChannel):
// the peer, parked on simulated time or not, reads our end and closes
// its side at this simulated instant, the loop held until then, and the
// reader settles the socket; the card's CLOSE CHANNEL then only forgets
// the channel.
func (t *Terminal) bearerLost() {
	ch := t.ch
	if ch == nil || ch.dropped || ch.eof {
		return
	}
	t.tracef("channel %d: %v", channelID, ErrBearerLost)
	t.linkErr = ErrBearerLost
	if !t.halfClose(ch, false) {
		ch.closeConn()
		ch.release(t.loop, nil)
	}
	ch.eof, ch.tx = true, nil
	if len(ch.rx) == 0 {
		ch.dropped = true
		if t.events[stk.EventChannelStatus] {
			t.sendEnvelope(stk.NewChannelStatusEvent(stk.ChannelStatus{Channel: channelID, Info: stk.ChannelLinkDropped}))
		}
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
	if ch.dropped || ch.eof {
		return bipError(c, stk.BIPChannelClosed)
	}
	if len(ch.tx)+len(c.Data) > ch.bufSize {
		return bipError(c, stk.BIPNoCause)
	}
	ch.tx = append(ch.tx, c.Data...)
	if c.Details.Qualifier&stk.SendImmediately != 0 {
		n, err := ch.write(ch.tx)
		ch.sent += int64(n)
		if err != nil {
			t.tracef("send data: %v", err)
			ch.eof = true
			t.dropLink(ch)
			return bipError(c, stk.BIPChannelClosed)
		}
		ch.tx = ch.tx[:0]
	}
	r := stk.Respond(c, result(stk.ResultOK))
	r.ChannelDataLength = new(ch.bufSize - len(ch.tx))
	return r
}

// write writes b to the peer within writeTimeout of the time the process
// ran (conn): a peer that stopped reading (its window full) fails it, a
// stop of the process does not.
func (ch *channel) write(b []byte) (int, error) {
	_ = ch.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	return ch.conn.Write(b)
}

// receiveData runs RECEIVE DATA (TS 102 223 §6.4.29): up to the asked
// length, at most 237 bytes, and how many bytes remain.
func (t *Terminal) receiveData(c stk.Command) stk.TerminalResponse {
	ch, bad := t.channelFor(c)
	if bad != nil {
		return *bad
	}
	if len(ch.rx) == 0 {
		if ch.eof {
			return bipError(c, stk.BIPChannelClosed)
		}
		return bipError(c, stk.BIPNoCause)
	}
	n := min(len(ch.rx), maxRxPerTR)
	if c.Length > 0 {
		n = min(n, c.Length)
	}
	// Fewer bytes buffered than the card asked for: performed with
	// missing information (§6.4.29; outside tester sw119). A chunk cut
	// at 237 with more buffered is whole; B7 says what remains.
	res := byte(stk.ResultOK)
	if c.Length > len(ch.rx) {
		res = stk.ResultMissingInfo
	}
	r := stk.Respond(c, result(res))
	r.ChannelData = ch.rx[:n:n]
	ch.rx = ch.rx[n:]
	r.ChannelDataLength = new(min(len(ch.rx), 255))
	if len(ch.rx) == 0 && ch.eof {
		// Everything the peer sent is read: now report its end.
		t.dropLink(ch)
	}
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

// abandonChannel ends the channel without the card (power cut, restart):
// what was sent is on its way, as a radio link delivers what it already
// sent, and the peer handles it at this simulated instant. So the stream
// is only half-closed and the hold stays until the peer ends it (it
// answers and closes once it reads our end; readLoop then closes the
// socket and releases): virtual time does not run on past a request the
// server has yet to read, which would have it logged at a later instant
// in some runs and not others.
func (t *Terminal) abandonChannel() {
	ch := t.ch
	if ch == nil {
		return
	}
	t.ch = nil
	if t.halfClose(ch, false) {
		return
	}
	ch.closeConn()
	ch.release(t.loop, nil)
}

// halfClose ends the card's side of ch's stream only (CloseWrite) and
// leaves the reader to close the socket once the peer ends its side, the
// loop held until then; false if the stream was already over or cannot
// be half-closed. A suspended channel (Suspend) holds the loop again
// here: its peer is parked on simulated time, reads our end on a
// goroutine of its own and closes its side then, and the capture stamps
// that close with the simulated time of the moment it happens — at the
// cut, or whenever the loop had run on to (the next check, the power
// coming back) if nothing held it.
func (t *Terminal) halfClose(ch *channel, byCard bool) bool {
	tc, ok := ch.conn.(interface{ CloseWrite() error })
	if !ok || ch.dropped || ch.eof {
		return false
	}
	ch.holdMu.Lock()
	defer ch.holdMu.Unlock()
	if ch.ended || t.wall != nil && ch.readEnded || tc.CloseWrite() != nil {
		return false // over, or the reader settling it: the caller closes
	}
	ch.abandoned = true
	if t.wall != nil {
		// Nothing of the run depends on when a wall-time peer closes:
		// the loop runs on now, the reader closes the socket.
		t.wall.open.Add(1)
		ch.lingering, ch.cardClosed = true, byCard
		select { // a reader waiting for the loop reads on, to the end
		case ch.room <- struct{}{}:
		default:
		}
		_ = ch.conn.SetReadDeadline(time.Now().Add(closeGrace))
		h := ch.hold
		ch.hold, ch.ended = nil, true
		if h != nil {
			h(nil)
		}
		return true
	}
	if ch.hold == nil {
		ch.rehold(t.loop)
	}
	return true
}

// closeChannel ends the channel. A stream whose peer has not ended its
// side yet is only half-closed (halfClose), the loop held until the peer
// closes too, so that its close is at this simulated instant in every
// run: a suspended channel's parked peer (the card's reply guard gave
// up) reads our end on a goroutine of its own, and a server that
// answered may still be closing. Else the socket is closed and the hold
// ended (release runs once; the reader's later call is a no-op).
func (t *Terminal) closeChannel() {
	ch := t.ch
	if ch == nil {
		return
	}
	t.ch = nil
	if ch.abandoned || t.halfClose(ch, true) {
		return // half-closed: the reader settles it (bearerLost)
	}
	ch.closeConn()
	ch.release(t.loop, nil)
}

// Suspend is for a peer of the open channel that answers on simulated
// time (a slow server, on the rig's clock): the channel, whose client end
// is at local, stops holding the loop, so that time can run to the
// answer. resume, called as simulated work when the peer is about to
// answer, holds the loop again and reports true if the channel is still
// the card's and up, so the answer arrives at that instant; false if the
// card closed or left it meanwhile (its reply guard, a power cut): the
// peer must then send nothing, or whether its bytes made the wire would
// be a race of real TCP. ok is false when no open channel is at local.
//
// While suspended the link's idle limit (wall time) is off: the peer's
// silence is simulated, and the card's own reply guard bounds it.
func (t *Terminal) Suspend(local netip.AddrPort) (resume func() bool, ok bool) {
	ch := t.ch
	if ch == nil || ch.dropped || ch.eof {
		return nil, false
	}
	if a, isTCP := ch.conn.LocalAddr().(*net.TCPAddr); !isTCP || unmapped(a.AddrPort()) != unmapped(local) {
		return nil, false
	}
	ch.holdMu.Lock()
	h := ch.hold
	ch.hold = nil
	if h != nil {
		// Under holdMu: readLoop arms the limit only while the channel
		// holds (armIdleLimit), so one it arms after this is not set.
		_ = ch.conn.SetReadDeadline(time.Time{})
	}
	ch.holdMu.Unlock()
	if h == nil {
		return nil, false // already suspended, or ended
	}
	h(nil)
	return func() bool {
		if t.ch != ch || ch.abandoned || ch.dropped || ch.eof {
			return false
		}
		ch.holdMu.Lock()
		defer ch.holdMu.Unlock()
		if ch.ended || ch.hold != nil {
			return false
		}
		ch.rehold(t.loop)
		return true
	}, true
}
