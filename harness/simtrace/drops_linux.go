//go:build linux

package simtrace

import (
	"encoding/binary"
	"fmt"
	"net"
	"unsafe"

	"golang.org/x/sys/unix"
)

// oobSize holds the one control message the receiver asks for: the
// socket's drop count (SO_RXQ_OVFL, a uint32).
var oobSize = unix.CmsgSpace(4)

// countDrops asks the kernel to attach to each datagram the socket's
// cumulative count of datagrams it dropped (SO_RXQ_OVFL, socket(7)), and
// for a receive buffer of want bytes; got is what the kernel gave
// (SO_RCVBUF as read back: doubled for its bookkeeping, capped by
// net.core.rmem_max). notCounted says why drops are not counted ("":
// they are).
func countDrops(conn *net.UDPConn, want int) (got int, notCounted string) {
	if want > 0 {
		_ = conn.SetReadBuffer(want) // capped, not refused, past rmem_max
	}
	rc, err := conn.SyscallConn()
	if err != nil {
		return 0, fmt.Sprintf("SO_RXQ_OVFL: %v", err)
	}
	var serr, gerr error
	err = rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RXQ_OVFL, 1)
		got, gerr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF)
	})
	switch {
	case err != nil:
		return 0, fmt.Sprintf("SO_RXQ_OVFL: %v", err)
	case gerr != nil:
		got = 0
	}
	if serr != nil {
		return got, fmt.Sprintf("SO_RXQ_OVFL: %v", serr)
	}
	return got, ""
}

// dropCount reads the socket's drop count from a datagram's control data
// (cmsg(3), parsed by x/sys/unix): ok is false when it has none (the
// kernel attaches it only once the count is not 0). A message whose
// length runs past the data is an error, never a panic; control data the
// kernel cut short is MSG_CTRUNC, which the reader checks first.
func dropCount(oob []byte) (count uint32, ok bool, err error) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return 0, false, fmt.Errorf("control data of %d bytes: %w", len(oob), err)
	}
	for _, m := range msgs {
		if m.Header.Level != unix.SOL_SOCKET || m.Header.Type != unix.SO_RXQ_OVFL {
			continue
		}
		if len(m.Data) != 4 {
			return 0, false, fmt.Errorf("SO_RXQ_OVFL control message: %d bytes of data, want 4 (a uint32)", len(m.Data))
		}
		return binary.NativeEndian.Uint32(m.Data), true, nil
	}
	return 0, false, nil
}

// socketDrops is the socket's own count of the datagrams the kernel
// dropped from its receive buffer (SO_MEMINFO's SK_MEMINFO_DROPS,
// sock_diag(7)): the counter SO_RXQ_OVFL copies onto each datagram as it
// is queued, so what it has past the last datagram's copy was dropped
// after that datagram.
func socketDrops(conn *net.UDPConn) (uint32, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return 0, fmt.Errorf("SO_MEMINFO: %w", err)
	}
	var mem [unix.SK_MEMINFO_VARS]uint32
	var errno unix.Errno
	l := uint32(unsafe.Sizeof(mem))
	if err := rc.Control(func(fd uintptr) {
		// x/sys/unix (v0.50.0) has no getsockopt of an array, nor one
		// giving the length back: GetsockoptString stops at the first
		// zero byte, which counts hold. The raw call.
		_, _, errno = unix.Syscall6(unix.SYS_GETSOCKOPT, fd, unix.SOL_SOCKET, unix.SO_MEMINFO, uintptr(unsafe.Pointer(&mem[0])), uintptr(unsafe.Pointer(&l)), 0)
	}); err != nil {
		return 0, fmt.Errorf("SO_MEMINFO: %w", err)
	}
	switch {
	case errno != 0:
		return 0, fmt.Errorf("SO_MEMINFO: %w", errno)
	case l <= unix.SK_MEMINFO_DROPS*4:
		return 0, fmt.Errorf("SO_MEMINFO: %d bytes, no drop count", l)
	}
	return mem[unix.SK_MEMINFO_DROPS], nil
}

// truncatedControl is the recvmsg flag of control data cut short.
const truncatedControl = unix.MSG_CTRUNC
