package simtrace

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/internal/codec/gsmtap"
	"github.com/esimhil/esimhil/internal/stall"
)

// DefaultListen is where a lab run listens for a SIMtrace2 by default:
// every address, GSMTAP's port (simtrace2-sniff sends to 127.0.0.1:4729
// unless told otherwise with -i).
const DefaultListen = "udp://0.0.0.0:4729"

// Off, as a listen address, turns the receiver off.
const Off = "off"

// ParseListen reads a receiver address: udp://host:port, or host:port
// (":4729" for every address). It returns "" for Off.
func ParseListen(s string) (string, error) {
	if s == Off {
		return "", nil
	}
	rest, ok := strings.CutPrefix(s, "udp://")
	if !ok && strings.Contains(s, "://") {
		return "", fmt.Errorf("SIMtrace address %q: want udp://host:port (GSMTAP over UDP) or %q", s, Off)
	}
	host, port, err := net.SplitHostPort(rest)
	if err != nil {
		return "", fmt.Errorf("SIMtrace address %q: %w", s, err)
	}
	if port == "" {
		return "", fmt.Errorf("SIMtrace address %q: no port (GSMTAP's is %d)", s, gsmtap.Port)
	}
	if !isPort(port) {
		return "", fmt.Errorf("SIMtrace address %q: port %s: want 0-65535 (GSMTAP's is %d; 0: any free one)", s, port, gsmtap.Port)
	}
	return net.JoinHostPort(host, port), nil
}

// isPort reports a UDP port number in decimal, 0-65535: a service name
// ("gsmtap") would be looked up in /etc/services, a table a lab host may
// not have, and a sign or a number past 65535 is no port at all.
func isPort(p string) bool {
	if p == "" {
		return false
	}
	n := 0
	for _, c := range p {
		if n = n*10 + int(c-'0'); c < '0' || c > '9' || n > 65535 {
			return false
		}
	}
	return true
}

// Sink is where received datagrams go: a capture session
// (capture.Session.WriteDatagramAfterLoss), stamped on its own clock when
// ts is zero. lostBefore, when not 0, is the number among the datagrams
// received of the last one from src the receiver skipped since src's one
// before that may have carried an exchange (not GSMTAP, a TPDU part):
// bytes lost on the card's interface, which the capture does not hold
// but marks on this datagram's frame (capture.Mark.LostBefore), so that a
// reader of the file ends what was on its way as a live reader does
// (outside tester t136 F2). kernelDropped, when not 0, is how many
// datagrams of any sender the kernel dropped from the receiver's full
// socket buffer since the datagram merged before this one
// (capture.Mark.KernelDropped, SO_RXQ_OVFL).
type Sink interface {
	WriteDatagramAfterLoss(ts time.Time, src, dst netip.AddrPort, payload []byte, lostBefore, kernelDropped int) error
}

// EndSink is a Sink that also takes, as the receiver closes, the skips no
// later frame of their sender marked (capture.Session.SkippedAtEnd): the
// capture ends saying so, and a reader of the file ends what was on its
// way there too (re-tester t145 F5).
type EndSink interface {
	SkippedAtEnd(at time.Time, list []capture.SkippedAtEnd)
}

// DropEndSink is a Sink that also takes, as the receiver closes, how many
// datagrams the kernel dropped from its socket buffer that no frame marks
// (capture.Session.KernelDroppedAtEnd): those after the last datagram
// received, which SO_RXQ_OVFL never tells, and those told only on a
// datagram the receiver skipped. The capture ends saying so.
type DropEndSink interface {
	KernelDroppedAtEnd(at time.Time, n int)
}

// Receiver takes the GSMTAP datagrams a SIMtrace2 sniffer sends and
// merges the SIM ones into a capture as they arrive. A datagram that is
// not GSMTAP SIM (truncated, another protocol on the port, another GSMTAP
// type) is skipped with a counted warning, so a foreign sender cannot put
// bytes into the run's evidence; what a SIM datagram carries is kept as
// the sniffer sent it and judged when the lane is decoded.
type Receiver struct {
	conn *net.UDPConn
	sink Sink
	addr netip.AddrPort

	mu       sync.Mutex
	received int
	merged   int
	skipped  warnings
	// lost holds, by sender, the last datagram skipped since its one
	// before that may have carried an exchange, for the sender's next
	// datagram's frame to name (Sink); at most maxLostSenders.
	lost    map[netip.AddrPort]int
	err     error // first write error
	closing bool

	// The kernel's drops (SO_RXQ_OVFL): the socket's count as the last
	// datagram carried it, the drops no merged frame has named yet, and
	// each rise of the count, by the received datagram it came with.
	readBuffer  int
	notCounted  string // why drops are not counted; "": they are
	dropCount   uint32
	dropPending int
	drops       []Drop
	dropped     int
	// droppedAfter is the drops after the last datagram received, as the
	// socket's own count told at the close (SO_MEMINFO).
	droppedAfter int

	done chan struct{}
	// stalls is the meter the drain's waits read (nil: the process's;
	// a test injects its stalls).
	stalls stall.Reader
}

// maxDatagram is the largest UDP payload over IPv4.
const maxDatagram = 65507

// maxLostSenders bounds the senders whose skipped datagrams wait for
// their next datagram to be marked: a sniffer is one sender, and a flood
// of junk from many ports must not grow the receiver without bound (the
// skips past it are still counted in Stats).
const maxLostSenders = 1024

// ReadBuffer is the receive buffer the receiver asks the kernel for. The
// kernel counts a datagram at its buffer's size (about 768 bytes for a
// SIMtrace2's on loopback, whose APDU is under 300), so the default of
// net.core.rmem_default (208 KiB) holds some 270: outside tester t241's
// burst of 293 lost 48. 4 MiB, which the kernel doubles for its
// bookkeeping (SO_RCVBUF reads 8 MiB), holds some 10000: seconds of a
// card's busiest exchanges while the process is stopped or slow. The
// kernel gives at most net.core.rmem_max (twice it, as read back), and
// Stats.ReadBuffer says what it gave; what a full buffer drops is
// counted (SO_RXQ_OVFL) and said.
const ReadBuffer = 4 << 20

// options are a receiver's, for tests: the receive buffer to ask for,
// and a channel the reader waits on before its first read.
type options struct {
	readBuffer int
	hold       <-chan struct{}
}

// Listen starts a receiver on addr (ParseListen's form) merging into sink.
func Listen(addr string, sink Sink) (*Receiver, error) {
	return listen(addr, sink, options{readBuffer: ReadBuffer})
}

func listen(addr string, sink Sink, o options) (*Receiver, error) {
	hostport, err := ParseListen(addr)
	if err != nil {
		return nil, err
	}
	if hostport == "" {
		return nil, errors.New("SIMtrace receiver: address is off")
	}
	ua, err := net.ResolveUDPAddr("udp", hostport)
	if err != nil {
		return nil, fmt.Errorf("SIMtrace receiver on %s: %w", addr, err)
	}
	conn, err := net.ListenUDP("udp", ua)
	if err != nil {
		return nil, fmt.Errorf("SIMtrace receiver on %s: %w", addr, err)
	}
	r := &Receiver{conn: conn, sink: sink, addr: conn.LocalAddr().(*net.UDPAddr).AddrPort(), done: make(chan struct{})}
	r.readBuffer, r.notCounted = countDrops(conn, o.readBuffer)
	// Its numbers count the datagrams as they arrived: the skipped ones
	// are not in the capture, so no frame of it has them.
	r.skipped.unit = [2]string{"received datagram", "received datagrams"}
	go r.run(o.hold)
	return r, nil
}

// Addr is where the receiver listens (the port chosen when it was 0).
func (r *Receiver) Addr() netip.AddrPort { return r.addr }

// Close drains what the socket already holds: it reads on until nothing
// arrived for drainQuiet, at most drainLimit (of the time the process ran:
// real datagrams).
const (
	drainQuiet = 100 * time.Millisecond
	drainLimit = 2 * time.Second
)

func (r *Receiver) run(hold <-chan struct{}) {
	defer close(r.done)
	if hold != nil {
		<-hold
	}
	buf := make([]byte, maxDatagram+1)
	oob := make([]byte, oobSize)
	// The drain's bounds, of the time the process ran: datagrams the
	// sniffer sent while the process was stopped wait in the socket's
	// buffer, and are read, not left behind (t192).
	var draining bool
	var limit, quiet stall.Wait
	for {
		n, oobn, flags, src, err := r.conn.ReadMsgUDPAddrPort(buf, oob)
		if err == nil {
			r.take(netip.AddrPortFrom(src.Addr().Unmap(), src.Port()), buf[:n], oob[:oobn], flags)
		}
		r.mu.Lock()
		closing := r.closing
		r.mu.Unlock()
		now := time.Now()
		switch {
		case closing && !draining:
			draining, limit = true, stall.BeginAt(r.stalls, now, drainLimit)
			fallthrough
		case closing && err == nil:
			quiet = stall.BeginAt(r.stalls, now, drainQuiet)
			_ = r.conn.SetReadDeadline(minTime(quiet.Deadline(now), limit.Deadline(now)))
		case closing && errors.Is(err, os.ErrDeadlineExceeded) && min(quiet.Left(now), limit.Left(now)) > 0:
			_ = r.conn.SetReadDeadline(minTime(quiet.Deadline(now), limit.Deadline(now))) // a stall moved it on
		case closing || errors.Is(err, net.ErrClosed):
			return // quiet for drainQuiet, or past drainLimit
		case err != nil:
			r.fail(fmt.Errorf("SIMtrace receiver on %s: %w", r.addr, err))
			return
		}
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Drop is a rise of the kernel's drop count: N datagrams dropped from the
// receiver's full socket buffer before received datagram (the
// receiver's Stats) or frame (a Trace) Before.
type Drop struct{ N, Before int }

// kernelDrops reads the socket's drop count from the control data of
// received datagram n, under r.mu: a rise is a drop before it.
func (r *Receiver) kernelDrops(n int, oob []byte, flags int) {
	if r.notCounted != "" {
		return
	}
	count, ok, err := dropCount(oob)
	if err == nil && truncatedControl != 0 && flags&truncatedControl != 0 {
		err = errors.New("control data cut short (MSG_CTRUNC)")
	}
	if err != nil {
		// Drops past here cannot be told: say so, not 0.
		r.notCounted = fmt.Sprintf("received datagram %d: %v", n, err)
		return
	}
	if !ok || count == r.dropCount {
		return
	}
	d := int(count - r.dropCount) // the count wraps at 2^32
	r.dropCount = count
	r.dropped += d
	r.dropPending += d
	if len(r.drops) < FramesNamed {
		r.drops = append(r.drops, Drop{N: d, Before: n})
	}
}

// take checks one datagram and hands it to the sink if it is GSMTAP SIM.
func (r *Receiver) take(src netip.AddrPort, b, oob []byte, flags int) {
	now := time.Now()
	r.mu.Lock()
	r.received++
	n := r.received
	r.kernelDrops(n, oob, flags)
	r.mu.Unlock()
	if _, skip, why, lost := classify(b, src); skip != "" {
		r.mu.Lock()
		r.skipped.add(n, now, skip, "%s", why)
		if _, held := r.lost[src]; lost && (held || len(r.lost) < maxLostSenders) {
			if r.lost == nil {
				r.lost = map[netip.AddrPort]int{}
			}
			r.lost[src] = n
		}
		r.mu.Unlock()
		return
	}
	// One reader goroutine: nothing else takes src's entry meanwhile.
	// The kernel's drops since the last merged frame are marked on this
	// one, whoever sent it: the kernel does not say whose they were.
	r.mu.Lock()
	lostBefore, kernelDropped := r.lost[src], r.dropPending
	delete(r.lost, src)
	r.dropPending = 0
	r.mu.Unlock()
	// The frame names GSMTAP's port as its destination whatever port the
	// receiver listens on, so Wireshark dissects it as GSMTAP.
	dst := netip.AddrPortFrom(r.addr.Addr().Unmap(), gsmtap.Port)
	if dst.Addr().IsUnspecified() && src.Addr().Is4() {
		dst = netip.AddrPortFrom(netip.IPv4Unspecified(), gsmtap.Port)
	}
	err := r.sink.WriteDatagramAfterLoss(time.Time{}, src, dst, append([]byte(nil), b...), lostBefore, kernelDropped)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		if r.err == nil {
			r.err = fmt.Errorf("SIMtrace receiver: datagram %d from %s: %w", n, src, err)
		}
		return
	}
	r.merged++
}

func (r *Receiver) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = err
	}
}

// Stats are the receiver's counts so far.
type Stats struct {
	Received int    // datagrams that arrived
	Merged   int    // GSMTAP SIM datagrams written to the capture
	Skipped  int    // datagrams that were not GSMTAP SIM
	Summary  string // the skipped ones by kind ("2 not GSMTAP (received datagrams 1, 7), 1 GSMTAP of another type than SIM (received datagram 3)")
	// KernelDropped is how many datagrams the kernel dropped from the
	// receiver's full socket buffer, as the datagrams after them told
	// (SO_RXQ_OVFL); Drops, the first FramesNamed rises of the count.
	// DroppedAfterLast, once closed, is how many more it dropped after
	// the last datagram received, which no datagram told: the socket's
	// own count (SO_MEMINFO) read at the close, less the last one told.
	KernelDropped    int
	Drops            []Drop
	DroppedAfterLast int
	// NotCounted, when set, says why the kernel's drops are not (or not
	// all) counted: KernelDropped is then a floor.
	NotCounted string
	ReadBuffer int // the socket's receive buffer in bytes, as the kernel gave it (SO_RCVBUF)
}

func (s Stats) String() string {
	out := fmt.Sprintf("%d datagrams received, %d GSMTAP SIM merged into the capture", s.Received, s.Merged)
	if s.Skipped > 0 {
		out += fmt.Sprintf(", %d skipped (%s)", s.Skipped, s.Summary)
	}
	if s.KernelDropped > 0 || s.DroppedAfterLast > 0 {
		out += fmt.Sprintf("; %s%s (a receive buffer of %d bytes), not in the capture", dropsSaid(s.KernelDropped, s.Drops, "received datagram"),
			droppedAfterSaid(s.KernelDropped, s.DroppedAfterLast, "datagram received"), s.ReadBuffer)
	}
	if s.NotCounted != "" {
		out += fmt.Sprintf("; datagrams dropped by the kernel's receive buffer are not counted (%s)", s.NotCounted)
	}
	return out
}

// Stats returns the counts so far.
func (r *Receiver) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Stats{Received: r.received, Merged: r.merged, Skipped: r.skipped.Total(), Summary: r.skipped.Summary(),
		KernelDropped: r.dropped, Drops: slices.Clone(r.drops), DroppedAfterLast: r.droppedAfter, NotCounted: r.notCounted, ReadBuffer: r.readBuffer}
}

// Skipped are the first MaxWarnings datagrams skipped, Frame being the
// datagram's number in arrival order.
func (r *Receiver) Skipped() []Warning {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Warning(nil), r.skipped.list...)
}

// Close stops receiving once the socket has been quiet for drainQuiet:
// datagrams already sent are in the sink when it returns. It returns the
// first error writing to the sink, if any.
func (r *Receiver) Close() error {
	r.mu.Lock()
	if r.closing {
		r.mu.Unlock()
		return nil
	}
	r.closing = true
	r.mu.Unlock()
	// Wake the reader: its next deadline is the drain's.
	_ = r.conn.SetReadDeadline(time.Now())
	<-r.done
	// The reader has stopped: what r.lost holds no later frame marks.
	// SO_RXQ_OVFL tells a drop on the datagram queued after it: the
	// socket's own count, read before it closes, tells those after the
	// last datagram received.
	r.mu.Lock()
	r.afterLast(func() (uint32, error) { return socketDrops(r.conn) })
	droppedAtEnd := r.dropPending + r.droppedAfter
	list := make([]capture.SkippedAtEnd, 0, len(r.lost))
	for src, n := range r.lost {
		list = append(list, capture.SkippedAtEnd{Src: src, Received: n})
	}
	sinkErr := r.err
	r.mu.Unlock()
	err := errors.Join(r.conn.Close(), sinkErr)
	if es, ok := r.sink.(EndSink); ok && len(list) > 0 {
		slices.SortFunc(list, func(a, b capture.SkippedAtEnd) int { return a.Received - b.Received })
		es.SkippedAtEnd(time.Now(), list)
	}
	if ds, ok := r.sink.(DropEndSink); ok && droppedAtEnd > 0 {
		ds.KernelDroppedAtEnd(time.Now(), droppedAtEnd)
	}
	return err
}

// afterLast takes the socket's own drop count, read at the close, under
// r.mu: past the last count a datagram carried, they were dropped after
// it. Without a count to start from (drops not counted) nothing is made
// up, nor the count read; an unreadable one says so.
func (r *Receiver) afterLast(read func() (uint32, error)) {
	if r.notCounted != "" {
		return
	}
	switch total, err := read(); {
	case err != nil:
		r.notCounted = fmt.Sprintf("after the last datagram received: %v", err)
	default:
		r.droppedAfter = int(total - r.dropCount) // the count wraps at 2^32
	}
}
