package capture

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/afpacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// Drain bounds for Close in live mode (wall time: real packets, real kernel).
const (
	// emptyPolls is how many consecutive empty polls (each longer than the
	// block timeout, so a partly filled block has been handed over) end the
	// drain at Close.
	emptyPolls = 2
	drainLimit = 2 * time.Second
)

// live reads an AF_PACKET socket and keeps the TCP packets of wrapped ports.
type live struct {
	handle *afpacket.TPacket

	mu       sync.Mutex
	ports    map[uint16]bool
	stopping bool
	err      error

	done chan struct{}
}

// outgoingFilter drops the PACKET_OUTGOING copy of each frame: on loopback
// the kernel hands a packet socket every frame twice, once leaving and once
// arriving. It loads the packet type ancillary field (SKF_AD_PKTTYPE) and
// accepts the frame whole unless it is PACKET_OUTGOING (4).
func outgoingFilter() ([]bpf.RawInstruction, error) {
	return bpf.Assemble([]bpf.Instruction{
		bpf.LoadExtension{Num: bpf.ExtType},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 4 /* PACKET_OUTGOING */, SkipTrue: 1},
		bpf.RetConstant{Val: 0x40000},
		bpf.RetConstant{Val: 0},
	})
}

// openLive opens a TPACKET_V3 ring on ifname. It fails without CAP_NET_RAW.
func openLive(ifname string) (*live, error) {
	h, err := afpacket.NewTPacket(
		afpacket.OptInterface(ifname),
		afpacket.TPacketVersion3,
		afpacket.OptFrameSize(1<<16),
		afpacket.OptBlockSize(1<<20),
		afpacket.OptNumBlocks(8),
		afpacket.OptBlockTimeout(10*time.Millisecond),
		afpacket.OptPollTimeout(20*time.Millisecond),
	)
	if err != nil {
		return nil, fmt.Errorf("AF_PACKET socket (needs CAP_NET_RAW): %w", err)
	}
	prog, err := outgoingFilter()
	if err == nil {
		err = h.SetBPF(prog)
	}
	if err != nil {
		h.Close()
		return nil, fmt.Errorf("attach BPF filter: %w", err)
	}
	return &live{handle: h, ports: map[uint16]bool{}, done: make(chan struct{})}, nil
}

func (l *live) addPort(p uint16) {
	l.mu.Lock()
	l.ports[p] = true
	l.mu.Unlock()
}

// start runs the reader; it owns the handle and closes it when it returns
// (a TPacket must not be closed under a concurrent read).
func (l *live) start(s *Session) {
	go func() {
		defer close(l.done)
		defer l.handle.Close()
		var eth layers.Ethernet
		var ip4 layers.IPv4
		var ip6 layers.IPv6
		var tcp layers.TCP
		parser := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &ip4, &ip6, &tcp)
		parser.IgnoreUnsupported = true
		decoded := make([]gopacket.LayerType, 0, 4)
		var stopAt time.Time
		empty := 0 // consecutive empty polls since the stop was asked
		for {
			l.mu.Lock()
			stopping := l.stopping
			l.mu.Unlock()
			if stopping {
				now := time.Now()
				if stopAt.IsZero() {
					stopAt = now
				}
				// Every packet of the run was queued to the socket before
				// Close (loopback delivers while sending): the drain ends
				// when the ring is empty, not after a wall-clock quiet time
				// that a reader starved by a loaded machine could fake.
				if empty >= emptyPolls || now.Sub(stopAt) >= drainLimit {
					return
				}
			}
			data, ci, err := l.handle.ReadPacketData()
			if errors.Is(err, afpacket.ErrTimeout) {
				if stopping {
					empty++
				}
				continue
			}
			empty = 0
			if err != nil {
				l.fail(fmt.Errorf("capture live: read: %w", err))
				return
			}
			if err := parser.DecodeLayers(data, &decoded); err != nil || !hasTCP(decoded) {
				continue
			}
			l.mu.Lock()
			keep := l.ports[uint16(tcp.SrcPort)] || l.ports[uint16(tcp.DstPort)]
			l.mu.Unlock()
			if !keep {
				continue
			}
			ci.InterfaceIndex = 0 // the file's only interface
			ci.AncillaryData = nil
			if err := s.writePacket(ci, data); err != nil {
				l.fail(err)
				return
			}
		}
	}()
}

func hasTCP(decoded []gopacket.LayerType) bool {
	for _, t := range decoded {
		if t == layers.LayerTypeTCP {
			return true
		}
	}
	return false
}

func (l *live) fail(err error) {
	l.mu.Lock()
	if l.err == nil {
		l.err = err
	}
	l.mu.Unlock()
}

// stop drains and waits for the reader.
func (l *live) stop() error {
	l.mu.Lock()
	l.stopping = true
	l.mu.Unlock()
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}
