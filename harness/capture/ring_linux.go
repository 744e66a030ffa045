package capture

import (
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// ring is a TPACKET_V3 receive ring on an AF_PACKET socket (packet(7)):
// the kernel fills fixed-size blocks with the packets its classic BPF
// filter accepts and hands each block over whole; the reader walks it and
// gives it back. Written against the socket API itself (x/sys/unix) so
// the block status word — where the kernel flags TP_STATUS_LOSING once it
// had to drop packets — and PACKET_STATISTICS are both read.
type ring struct {
	fd        int
	mem       []byte
	blockSize int
	blocks    int
	cur       int // next block to look at

	// Counters, owned by the reader.
	stats     Stats
	statsRead bool
}

// openRing opens the socket on ifname with a filter that accepts nothing,
// maps the ring and only then binds, so no packet is seen before the
// caller's filter is in place. It fails without CAP_NET_RAW.
func openRing(ifname string, blockSize, blocks int) (*ring, error) {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, err
	}
	// Protocol 0: the socket receives nothing until bind names ETH_P_ALL.
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("AF_PACKET socket (needs CAP_NET_RAW): %w", err)
	}
	r := &ring{fd: fd, blockSize: blockSize, blocks: blocks}
	fail := func(what string, err error) (*ring, error) {
		r.close()
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VERSION, unix.TPACKET_V3); err != nil {
		return fail("PACKET_VERSION TPACKET_V3", err)
	}
	if err := r.setFilter(nil); err != nil {
		return fail("attach BPF filter", err)
	}
	req := unix.TpacketReq3{
		Block_size: uint32(blockSize), Block_nr: uint32(blocks),
		Frame_size: ringFrameSize, Frame_nr: uint32(blockSize / ringFrameSize * blocks),
		Retire_blk_tov: uint32(blockTimeout / time.Millisecond),
	}
	if err := unix.SetsockoptTpacketReq3(fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &req); err != nil {
		return fail("PACKET_RX_RING", err)
	}
	if r.mem, err = unix.Mmap(fd, 0, blockSize*blocks, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED); err != nil {
		return fail("map the ring", err)
	}
	sa := &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind to "+ifname, err)
	}
	return r, nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// setFilter attaches a classic BPF program, replacing the previous one in
// one step (SO_ATTACH_FILTER); nil attaches one that accepts nothing.
func (r *ring) setFilter(prog []bpf.RawInstruction) error {
	if prog == nil {
		var err error
		if prog, err = bpf.Assemble([]bpf.Instruction{bpf.RetConstant{Val: 0}}); err != nil {
			return err
		}
	}
	insns := make([]unix.SockFilter, len(prog))
	for i, in := range prog {
		insns[i] = unix.SockFilter{Code: in.Op, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	return unix.SetsockoptSockFprog(r.fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER,
		&unix.SockFprog{Len: uint16(len(insns)), Filter: &insns[0]})
}

// Offsets in a block: struct tpacket_block_desc is version, offset_to_priv
// and then the header (struct tpacket_hdr_v1).
const blockHdrOff = 8

var errRingCorrupt = errors.New("ring block does not parse")

// next waits up to timeout for the next block, hands each of its packets
// to f (valid only during the call) and gives the block back. It reports
// whether there was a block.
func (r *ring) next(timeout time.Duration, f func(ts time.Time, data []byte) error) (bool, error) {
	b := r.mem[r.cur*r.blockSize : (r.cur+1)*r.blockSize]
	hdr := (*unix.TpacketHdrV1)(unsafe.Pointer(&b[blockHdrOff]))
	if atomic.LoadUint32(&hdr.Block_status)&unix.TP_STATUS_USER == 0 {
		fds := []unix.PollFd{{Fd: int32(r.fd), Events: unix.POLLIN | unix.POLLERR}}
		if _, err := unix.Poll(fds, int(timeout/time.Millisecond)); err != nil && !errors.Is(err, unix.EINTR) {
			return false, fmt.Errorf("poll: %w", err)
		}
		if atomic.LoadUint32(&hdr.Block_status)&unix.TP_STATUS_USER == 0 {
			return false, nil
		}
	}
	status := atomic.LoadUint32(&hdr.Block_status)
	if status&unix.TP_STATUS_LOSING != 0 {
		r.stats.LosingBlocks++
	}
	off := int(hdr.Offset_to_first_pkt)
	var err error
	for i := 0; i < int(hdr.Num_pkts) && err == nil; i++ {
		if off < 0 || off+int(unsafe.Sizeof(unix.Tpacket3Hdr{})) > len(b) {
			err = errRingCorrupt
			break
		}
		ph := (*unix.Tpacket3Hdr)(unsafe.Pointer(&b[off]))
		start, end := off+int(ph.Mac), off+int(ph.Mac)+int(ph.Snaplen)
		if end > len(b) {
			err = errRingCorrupt
			break
		}
		if ph.Snaplen < ph.Len {
			r.stats.Truncated++
		}
		err = f(time.Unix(int64(ph.Sec), int64(ph.Nsec)), b[start:end])
		off += int(ph.Next_offset)
	}
	atomic.StoreUint32(&hdr.Block_status, unix.TP_STATUS_KERNEL)
	r.cur = (r.cur + 1) % r.blocks
	return true, err
}

// readStats adds the kernel's counters since the last read (reading
// PACKET_STATISTICS resets them).
func (r *ring) readStats() error {
	st, err := unix.GetsockoptTpacketStatsV3(r.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS)
	if err != nil {
		return fmt.Errorf("PACKET_STATISTICS: %w", err)
	}
	r.stats.Packets += uint64(st.Packets)
	r.stats.Drops += uint64(st.Drops)
	r.stats.Freezes += uint64(st.Freeze_q_cnt)
	return nil
}

func (r *ring) close() {
	if r.mem != nil {
		unix.Munmap(r.mem)
		r.mem = nil
	}
	if r.fd >= 0 {
		unix.Close(r.fd)
		r.fd = -1
	}
}
