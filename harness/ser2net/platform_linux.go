package ser2net

import "syscall"

// supported: ser2net runs here (Debian's package), and its ports are
// watched in /proc/net/tcp.
func supported() error { return nil }

// procAttr has the kernel stop ser2net when this process dies, however it
// dies, so no export outlives its test.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
