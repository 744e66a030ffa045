package capture

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"
)

// Drain bounds for Close in live mode (wall time: real packets, real
// kernel). Every packet of the run was sent before Close; loopback hands
// it to the socket from a softirq, which a loaded machine may defer, so
// the drain waits for drainQuiet without a block before it ends.
const (
	drainQuiet = 100 * time.Millisecond
	drainLimit = 5 * time.Second
)

// live reads the ring of an AF_PACKET socket whose kernel filter keeps the
// TCP packets of the wrapped listeners' ports.
type live struct {
	ring *ring

	mu       sync.Mutex
	ports    []uint16
	stopping bool
	closed   bool
	err      error
	// held are the frames not yet written, in timestamp order: the
	// kernel's and those the rig made itself (datagrams), each waiting
	// holdFor (which see) so the file stays in time order and behind the
	// TLS secrets that decrypt it.
	held      []heldFrame
	heldBytes int
	// started is when the ring opened; counted says the kernel's
	// counters were read at the end (finish), for the file's statistics.
	started time.Time
	counted bool

	done chan struct{}
}

// openLive opens a TPACKET_V3 ring on cfg.Interface. It fails without
// CAP_NET_RAW.
func openLive(cfg Config) (*live, error) {
	size, n := cfg.ringBlockSize, cfg.ringBlocks
	if size == 0 {
		size, n = ringBlockSize, ringBlocks
	}
	r, err := openRing(cfg.Interface, size, n)
	if err != nil {
		return nil, err
	}
	return &live{ring: r, done: make(chan struct{}), started: time.Now()}, nil
}

// addPort puts a listener's port into the kernel filter before anybody
// can connect to it (its address is not known outside yet), so the ring
// holds every packet of the port and nothing else.
func (l *live) addPort(p uint16) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || slices.Contains(l.ports, p) {
		return
	}
	l.ports = append(l.ports, p)
	prog, err := portFilter(l.ports)
	if err == nil {
		err = l.ring.setFilter(prog)
	}
	if err != nil && l.err == nil {
		l.err = fmt.Errorf("capture live: filter on ports %v: %w", l.ports, err)
	}
}

// start runs the reader; it owns the ring and closes it when it returns.
func (l *live) start(s *Session) {
	go func() {
		defer close(l.done)
		defer func() {
			l.mu.Lock()
			l.closed = true
			l.ring.close()
			held := l.held
			l.held = nil
			l.mu.Unlock()
			l.writeHeld(s, held)
		}()
		write := func(ts time.Time, data []byte) error {
			l.insert(heldFrame{ts: ts, data: append([]byte(nil), data...), kernel: true}) // read after the fact: no mark
			return nil
		}
		var quietSince time.Time
		for {
			l.mu.Lock()
			stopping := l.stopping
			l.mu.Unlock()
			got, err := l.ring.next(blockTimeout, write)
			if err != nil {
				l.fail(fmt.Errorf("capture live: %w", err))
				return
			}
			l.release(s, time.Now().Add(-holdFor))
			l.releaseOver(s)
			if !stopping {
				continue
			}
			now := time.Now()
			switch {
			case got || quietSince.IsZero():
				quietSince = now
			case now.Sub(quietSince) >= drainQuiet:
				l.finish()
				return
			}
			if now.Sub(quietSince) > drainLimit {
				l.fail(fmt.Errorf("capture live: packets still arriving %v after Close", drainLimit))
				return
			}
		}
	}()
}

// finish reads the kernel's counters and fails the capture if they show
// any packet missing.
func (l *live) finish() {
	if err := l.ring.readStats(); err != nil {
		l.fail(fmt.Errorf("capture live: %w", err))
		return
	}
	l.mu.Lock()
	l.counted = true
	l.mu.Unlock()
	if st := l.ring.stats; st.Lost() {
		l.fail(fmt.Errorf("%w: %s", ErrIncomplete, st))
	}
}

// holdFor is how long a frame waits before it is written: a datagram for
// kernel frames stamped before it, a full ring's worth of blocks, the
// longest the kernel may keep a packet from the reader without dropping
// it; and a kernel frame for the TLS secrets that decrypt it. A server
// logs a full handshake's secrets only once it has read the client's
// flight with its Finished, which is on the wire, and may be in the
// reader's hands, by then; a frame written at once could precede its
// Decryption Secrets Block, and Wireshark, reading in one pass, then
// decrypts none of that client's records (a CI run: getBoundProfilePackage's
// request hidden, its answer decrypted). Held, the frame goes after any
// secret logged within holdFor of it, and at Close after all of them.
const holdFor = ringBlocks*blockTimeout + 500*time.Millisecond

// maxLiveHeld bounds the bytes held: past it the oldest frames are
// written at once (a run moving more than that in holdFor).
const maxLiveHeld = 32 << 20

type heldFrame struct {
	ts     time.Time
	data   []byte
	mark   Mark // taken when the rig handed the frame over, not when written
	kernel bool // read from the ring (its interface), not the rig's datagram
}

// hold queues a datagram for the reader, which writes it among the
// kernel's frames in timestamp order.
func (l *live) hold(ts time.Time, data []byte, m Mark) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return errors.New("capture live: frame after the capture ended")
	}
	l.insertLocked(heldFrame{ts: ts, data: data, mark: m})
	return nil
}

// insert queues a frame in timestamp order, after those stamped no later.
func (l *live) insert(f heldFrame) {
	l.mu.Lock()
	l.insertLocked(f)
	l.mu.Unlock()
}

func (l *live) insertLocked(f heldFrame) {
	i := len(l.held)
	for i > 0 && l.held[i-1].ts.After(f.ts) {
		i--
	}
	l.held = slices.Insert(l.held, i, f)
	l.heldBytes += len(f.data)
}

// releaseOver writes the oldest held frames while more than maxLiveHeld
// bytes are held.
func (l *live) releaseOver(s *Session) {
	l.mu.Lock()
	n, bytes := 0, l.heldBytes
	for n < len(l.held) && bytes > maxLiveHeld {
		bytes -= len(l.held[n].data)
		n++
	}
	l.mu.Unlock()
	if n > 0 {
		l.releaseN(s, n)
	}
}

// release writes the held frames stamped up to until.
func (l *live) release(s *Session, until time.Time) {
	l.mu.Lock()
	n := 0
	for n < len(l.held) && !l.held[n].ts.After(until) {
		n++
	}
	l.mu.Unlock()
	l.releaseN(s, n)
}

// releaseN writes the n oldest held frames.
func (l *live) releaseN(s *Session, n int) {
	l.mu.Lock()
	out := l.held[:n:n]
	l.held = l.held[n:]
	for _, f := range out {
		l.heldBytes -= len(f.data)
	}
	l.mu.Unlock()
	l.writeHeld(s, out)
}

func (l *live) writeHeld(s *Session, frames []heldFrame) {
	for _, f := range frames {
		ci := gopacket.CaptureInfo{Timestamp: f.ts, CaptureLength: len(f.data), Length: len(f.data), InterfaceIndex: simIface}
		if f.kernel {
			ci.InterfaceIndex = 0
		}
		if err := s.writePacket(ci, f.data, f.mark); err != nil {
			l.fail(err)
		}
	}
}

func (l *live) fail(err error) {
	l.mu.Lock()
	if l.err == nil {
		l.err = err
	}
	l.mu.Unlock()
}

// stop drains, waits for the reader and returns the capture's error.
func (l *live) stop() (Stats, error) {
	l.mu.Lock()
	l.stopping = true
	l.mu.Unlock()
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ring.stats, l.err
}

// statsBlock is the Interface Statistics Block (pcapng §4.6) of the
// captured interface, written after its last frame: the kernel's counters
// (PACKET_STATISTICS: packets received by the socket, dropped), so that
// whoever has only the file can check the capture lost nothing, as
// dumpcap's files let them. Nil when the counters were not read (the
// reader failed first): no block rather than zeros that look counted.
func (l *live) statsBlock() ([]byte, error) {
	l.mu.Lock()
	counted, st, started := l.counted, l.ring.stats, l.started
	l.mu.Unlock()
	if !counted {
		return nil, nil
	}
	// pcapgo encodes the block; its writer starts with a section header
	// and the interfaces, which are cut off.
	var b bytes.Buffer
	w, err := newNgWriter(&b, "")
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		return nil, err
	}
	head, now := b.Len(), time.Now()
	err = w.WriteInterfaceStats(0, pcapgo.NgInterfaceStatistics{
		LastUpdate: now, StartTime: started, EndTime: now,
		PacketsReceived: st.Packets, PacketsDropped: st.Drops,
	})
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		return nil, err
	}
	return b.Bytes()[head:], nil
}
