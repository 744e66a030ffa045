//go:build !linux

package simtrace

import (
	"errors"
	"net"
)

// oobSize is 0: without SO_RXQ_OVFL there is no control message to read.
const oobSize = 0

// countDrops asks for a receive buffer of want bytes; the drops of a full
// one are not counted (SO_RXQ_OVFL is Linux's).
func countDrops(conn *net.UDPConn, want int) (got int, notCounted string) {
	if want > 0 {
		_ = conn.SetReadBuffer(want)
	}
	return 0, "SO_RXQ_OVFL is Linux's"
}

// dropCount finds no drop count: the kernel attaches none.
func dropCount([]byte) (uint32, bool, error) { return 0, false, nil }

// socketDrops: SO_MEMINFO is Linux's.
func socketDrops(*net.UDPConn) (uint32, error) { return 0, errors.New("SO_MEMINFO is Linux's") }

// truncatedControl: no control data is asked for.
const truncatedControl = 0
