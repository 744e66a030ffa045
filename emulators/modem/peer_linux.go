package modem

import "golang.org/x/sys/unix"

// openPeer opens the slave of the pty whose master is mfd from the master
// itself (TIOCGPTPEER, Linux 4.13), never by its path.
func openPeer(mfd uintptr, _ string) (int, error) {
	r, _, e := unix.Syscall(unix.SYS_IOCTL, mfd, unix.TIOCGPTPEER, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC)
	if e != 0 {
		return int(r), e
	}
	return int(r), nil
}
