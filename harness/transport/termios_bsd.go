//go:build darwin || freebsd

package transport

import "golang.org/x/sys/unix"

// The termios requests (tcgetattr(3), tcsetattr(3) with TCSANOW).
const tcgets, tcsets = unix.TIOCGETA, unix.TIOCSETA

// setSpeed puts speed, the rate itself (bauds_other.go), in both speed
// fields: the flags hold no speed here. macOS's own drivers may refuse a
// rate past 230400 this way (its IOSSIOSPEED is not used): set termios
// then fails, naming the port; a USB modem (CDC-ACM) ignores the rate
// anyway.
func setSpeed(t *unix.Termios, speed uint32) {
	setTo(&t.Ispeed, speed)
	setTo(&t.Ospeed, speed)
}

// setTo stores v in a speed field, 64 bits on macOS, 32 on FreeBSD.
func setTo[T ~uint32 | ~uint64](p *T, v uint32) { *p = T(v) }

// speedOf is the speed the line sends at.
func speedOf(t *unix.Termios) uint32 { return uint32(t.Ospeed) }

// flushInput drops what the tty received and nobody read: TIOCFLUSH with
// FREAD (1), what tcflush(fd, TCIFLUSH) does.
func flushInput(fd int) error { return unix.IoctlSetPointerInt(fd, unix.TIOCFLUSH, 1) }

// ioctlNoArg makes a tty request that takes no argument (TIOCEXCL,
// TIOCNXCL), through the C library as macOS wants.
func ioctlNoArg(fd uintptr, req uintptr) error { return unix.IoctlSetInt(int(fd), uint(req), 0) }
