//go:build !linux

package ser2net

import (
	"fmt"
	"runtime"
	"syscall"
)

// supported refuses: the export is watched in /proc/net/tcp and tied to
// this process by Pdeathsig, both Linux's. A lab host elsewhere exports
// its modem with its own ser2net, and the harness reaches it as tcp:// or
// rfc2217:// all the same.
func supported() error {
	return fmt.Errorf("ser2net: running ser2net for the tests is Linux-only (it watches /proc/net/tcp), not on %s: point ESIMHIL_LAB_MODEM at a ser2net running elsewhere (tcp:// or rfc2217://)", runtime.GOOS)
}

func procAttr() *syscall.SysProcAttr { return nil }
