package transport

import "golang.org/x/sys/unix"

// bauds maps a rate to its termios speed constant.
var bauds = map[int]uint32{
	1200: unix.B1200, 2400: unix.B2400, 4800: unix.B4800,
	9600: unix.B9600, 19200: unix.B19200, 38400: unix.B38400, 57600: unix.B57600,
	115200: unix.B115200, 230400: unix.B230400, 460800: unix.B460800, 921600: unix.B921600,
	1000000: unix.B1000000, 2000000: unix.B2000000, 3000000: unix.B3000000, 4000000: unix.B4000000,
}

// The termios requests (ioctl_tty(2)).
const tcgets, tcsets = unix.TCGETS, unix.TCSETS

// setSpeed puts speed in the line's flags (CBAUD) and both speed fields.
func setSpeed(t *unix.Termios, speed uint32) {
	t.Cflag &^= unix.CBAUD
	t.Cflag |= speed
	t.Ispeed, t.Ospeed = speed, speed
}

// speedOf is the speed constant the line is set to.
func speedOf(t *unix.Termios) uint32 { return t.Cflag & unix.CBAUD }

// flushInput drops what the tty received and nobody read (TCFLSH).
func flushInput(fd int) error { return unix.IoctlSetInt(fd, unix.TCFLSH, unix.TCIFLUSH) }

// ioctlNoArg makes a tty request that takes no argument (TIOCEXCL,
// TIOCNXCL).
func ioctlNoArg(fd uintptr, req uintptr) error {
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, fd, req, 0); e != 0 {
		return e
	}
	return nil
}
