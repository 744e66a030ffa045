package capture

import (
	"fmt"
	"time"

	"golang.org/x/net/bpf"
)

// Stats says how complete a live capture is: what the kernel counted
// (PACKET_STATISTICS; packets accepted by the filter, dropped for want of
// ring space, queue freezes), how many ring blocks it flagged
// TP_STATUS_LOSING, and how many packets it truncated. Anything but zeros
// beside Packets means packets are missing from the file.
type Stats struct {
	Packets, Drops, Freezes uint64
	LosingBlocks, Truncated uint64
}

// Lost reports whether the counters show packets missing.
func (s Stats) Lost() bool {
	return s.Drops > 0 || s.Freezes > 0 || s.LosingBlocks > 0 || s.Truncated > 0
}

func (s Stats) String() string {
	return fmt.Sprintf("%d packets, %d dropped by the kernel, %d queue freezes (PACKET_STATISTICS), %d ring blocks flagged TP_STATUS_LOSING, %d packets truncated",
		s.Packets, s.Drops, s.Freezes, s.LosingBlocks, s.Truncated)
}

// Ring geometry. The kernel hands a block over when it is full or
// blockTimeout after its first packet, so with the rig's sparse traffic
// most blocks leave nearly empty: what matters under load is how long a
// starved reader may stall before the ring is full, ringBlocks ×
// blockTimeout (2.5 s here), as much as its 16 MiB. A block holds at least
// one full-size loopback packet (MTU 65536).
const (
	ringBlockSize = 128 << 10
	ringBlocks    = 128
	ringFrameSize = 1 << 11 // TPACKET_V3 frames are variable; this only sets Frame_nr
	blockTimeout  = 20 * time.Millisecond
)

// snapLen is what the filter keeps of each packet: all of it (loopback's
// MTU is 65536; the ring's block bounds it again).
const snapLen = 0x40000

// portFilter is the classic BPF program the kernel runs on every packet of
// the interface: keep the arriving copy (loopback shows each frame twice,
// once PACKET_OUTGOING) of an unfragmented IPv4 TCP segment from or to one
// of ports, drop everything else — other engineers' and programs' loopback
// traffic never reaches the ring.
func portFilter(ports []uint16) ([]bpf.RawInstruction, error) {
	if len(ports) == 0 {
		return nil, nil
	}
	if len(ports) > maxPorts {
		return nil, fmt.Errorf("capture: %d ports, at most %d", len(ports), maxPorts)
	}
	const drop, accept = -1, -2 // jump targets, resolved below
	type jump struct {
		cond     bpf.JumpTest
		val      uint32
		ifTarget int
	}
	var prog []any // bpf.Instruction or jump
	prog = append(prog,
		bpf.LoadExtension{Num: bpf.ExtType},
		jump{bpf.JumpEqual, 4 /* PACKET_OUTGOING */, drop},
		bpf.LoadAbsolute{Off: 12, Size: 2}, // EtherType
		jump{bpf.JumpNotEqual, 0x0800, drop},
		bpf.LoadAbsolute{Off: 23, Size: 1}, // IPv4 protocol
		jump{bpf.JumpNotEqual, 6, drop},
		bpf.LoadAbsolute{Off: 20, Size: 2}, // flags and fragment offset
		jump{bpf.JumpBitsSet, 0x1fff, drop},
		bpf.LoadMemShift{Off: 14}, // X = IPv4 header length
	)
	for _, side := range []uint32{14, 16} { // TCP source, then destination port
		prog = append(prog, bpf.LoadIndirect{Off: side, Size: 2})
		for _, p := range ports {
			prog = append(prog, jump{bpf.JumpEqual, uint32(p), accept})
		}
	}
	prog = append(prog, bpf.RetConstant{Val: 0}, bpf.RetConstant{Val: snapLen})
	dropAt, acceptAt := len(prog)-2, len(prog)-1
	insns := make([]bpf.Instruction, len(prog))
	for i, in := range prog {
		j, ok := in.(jump)
		if !ok {
			insns[i] = in.(bpf.Instruction)
			continue
		}
		to := dropAt
		if j.ifTarget == accept {
			to = acceptAt
		}
		skip := to - i - 1
		if skip > 255 {
			return nil, fmt.Errorf("capture: BPF jump of %d instructions", skip)
		}
		insns[i] = bpf.JumpIf{Cond: j.cond, Val: j.val, SkipTrue: uint8(skip)}
	}
	return bpf.Assemble(insns)
}

// maxPorts keeps every jump of portFilter within 255 instructions.
const maxPorts = 100
