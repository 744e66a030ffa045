//go:build unix && !linux

package modem

import "golang.org/x/sys/unix"

// openPeer opens the pty's slave by its path: TIOCGPTPEER is Linux's. The
// modem holds its master and slave open, so the path names its own pty
// while it runs; only a host racing a rig that just closed can be
// misled (OpenPeer says how), which the platforms without the ioctl
// share with every program that opens a pty by name.
func openPeer(_ uintptr, path string) (int, error) {
	return unix.Open(path, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
}
