package capture

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/gopacket/gopacket"
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
	return &live{ring: r, done: make(chan struct{})}, nil
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
			l.mu.Unlock()
		}()
		write := func(ts time.Time, data []byte) error {
			ci := gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(data), Length: len(data)}
			return s.writePacket(ci, append([]byte(nil), data...))
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
	if st := l.ring.stats; st.Lost() {
		l.fail(fmt.Errorf("%w: %s", ErrIncomplete, st))
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
