//go:build linux || darwin || freebsd

package transport

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// openSerial opens a tty and sets it up as a modem's AT port wants it: raw
// (no echo, no CR/LF translation, no signals), the line settings of cfg,
// exclusive unless cfg.Shared, stale input flushed. The fd stays
// non-blocking under the runtime poller, so Close interrupts a Read.
func openSerial(path string, cfg Config) (io.ReadWriteCloser, error) {
	speed, ok := bauds[cfg.Baud]
	if !ok {
		return nil, fmt.Errorf("%s: baud %d not supported (known: 9600 … 4000000)", path, cfg.Baud)
	}
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	switch {
	case errors.Is(err, unix.EBUSY):
		return nil, fmt.Errorf("open %s: %w: another process opened it exclusively (another lab run, ModemManager?): %w", path, ErrInUse, err)
	case errors.Is(err, unix.EACCES):
		return nil, fmt.Errorf("open %s: %w (join the group that owns it, e.g. dialout, or add a udev rule: README, Permissions and udev)", path, err)
	case err != nil:
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return setupTTY(fd, path, cfg, speed)
}

// setupTTY is openSerial's work on an open, non-blocking tty fd, which it
// owns from then on (closed on failure).
func setupTTY(fd int, path string, cfg Config, speed uint32) (io.ReadWriteCloser, error) {
	rwc, err := setupTTYFile(fd, path, cfg, speed, nil)
	if err != nil {
		unix.Close(fd)
	}
	return rwc, err
}

// setupTTYFile sets the tty fd up; the port reads and writes f, or, if f
// is nil, a file made of fd. It closes nothing.
func setupTTYFile(fd int, path string, cfg Config, speed uint32, f *os.File) (io.ReadWriteCloser, error) {
	fail := func(what string, err error) (io.ReadWriteCloser, error) {
		return nil, fmt.Errorf("%s: %s: %w", path, what, err)
	}
	t, err := unix.IoctlGetTermios(fd, tcgets)
	if err != nil {
		if errors.Is(err, unix.ENOTTY) {
			return fail("not a tty", err)
		}
		return fail("read termios", err)
	}
	if !cfg.Shared {
		// TIOCEXCL: nobody else opens the port while the harness holds
		// it (ModemManager probing it mid-run breaks every transcript).
		if e := ioctlNoArg(uintptr(fd), unix.TIOCEXCL); e != nil {
			return fail("exclusive open (TIOCEXCL)", e)
		}
		// TIOCEXCL does not hold root back: two lab runs as root would
		// share the port and take each other's answers. A lock on the
		// device does (released with the descriptor, however the
		// process ends).
		if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: %w: another process holds the port's lock (another lab run, an esimhil lab discover?)", path, ErrInUse)
		}
		// Neither holds back a process that opened the tty before us and
		// takes no lock (ser2net exporting it, ModemManager, a cat, a
		// console) — nor one as root after us: it would read the modem's
		// answers and URCs in our place (outside tester sw128 F5).
		if others := othersOpen(fd); len(others) > 0 {
			return nil, fmt.Errorf("%s: %w: other processes have it open: %s — one that reads it takes the modem's answers; stop it (or its client: a ser2net holds the device while a client is connected) and try again", path, ErrInUse, processList(others))
		}
	}
	makeRaw(t, cfg, speed)
	if err := unix.IoctlSetTermios(fd, tcsets, t); err != nil {
		return fail("set termios", err)
	}
	// Drop what the modem said before we opened it (boot URCs of a port
	// nobody read).
	if err := flushInput(fd); err != nil {
		return fail("flush input", err)
	}
	if f == nil {
		f = os.NewFile(uintptr(fd), path)
	}
	return ttyFile{File: f, excl: !cfg.Shared}, nil
}

// makeRaw is cfmakeraw(3) plus the line settings.
func makeRaw(t *unix.Termios, cfg Config, speed uint32) {
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON | unix.IXOFF | unix.IXANY
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB | unix.PARODD | unix.CSTOPB | unix.CRTSCTS
	t.Cflag |= unix.CREAD | unix.CLOCAL
	setSpeed(t, speed)
	switch cfg.DataBits {
	case 5:
		t.Cflag |= unix.CS5
	case 6:
		t.Cflag |= unix.CS6
	case 7:
		t.Cflag |= unix.CS7
	case 8:
		t.Cflag |= unix.CS8
	}
	switch cfg.Parity {
	case 'E':
		t.Cflag |= unix.PARENB
	case 'O':
		t.Cflag |= unix.PARENB | unix.PARODD
	}
	if cfg.StopBits == 2 {
		t.Cflag |= unix.CSTOPB
	}
	switch cfg.Flow {
	case FlowHardware:
		t.Cflag |= unix.CRTSCTS
	case FlowSoftware:
		t.Iflag |= unix.IXON | unix.IXOFF
	}
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
}

// ttyFile is an open tty whose end of stream says why: a tty does not end
// by itself. Its other side hung up (a pty's master closed, a USB modem
// gone), or its termios make a read without data return nothing (VMIN=0,
// VTIME=0, set by somebody else sharing the port).
type ttyFile struct {
	*os.File
	excl bool // opened with TIOCEXCL
}

// Close gives up the exclusive open first (TIOCNXCL): the flag belongs to
// the tty, not to this descriptor, and a tty that outlives the close — a
// pty whose master an emulator still holds, ser2net's — would refuse
// every later open but root's with EBUSY.
func (t ttyFile) Close() error {
	if t.excl {
		if rc, err := t.File.SyscallConn(); err == nil {
			_ = rc.Control(func(fd uintptr) { _ = ioctlNoArg(fd, unix.TIOCNXCL) })
		}
	}
	return t.File.Close()
}

func (t ttyFile) Read(p []byte) (int, error) {
	n, err := t.File.Read(p)
	if n == 0 && err == io.EOF {
		return 0, fmt.Errorf("%w (%s)", io.EOF, endOfTTY(t.File))
	}
	return n, err
}

// endOfTTY says why a read of f found the end of the stream.
func endOfTTY(f *os.File) string {
	rc, err := f.SyscallConn()
	if err != nil {
		return "closed"
	}
	var why string
	_ = rc.Control(func(fd uintptr) {
		t, err := unix.IoctlGetTermios(int(fd), tcgets)
		switch {
		case errors.Is(err, unix.EIO):
			why = "the tty hung up: its other side closed (a pty's master, a modem gone)"
		case err != nil:
			why = "termios unreadable: " + err.Error()
		case t.Lflag&unix.ICANON == 0 && t.Cc[unix.VMIN] == 0 && t.Cc[unix.VTIME] == 0:
			why = "the tty is set to VMIN=0 VTIME=0, so a read without data returns nothing: somebody else changed its settings"
		default:
			why = fmt.Sprintf("the tty is up: ICANON=%v VMIN=%d VTIME=%d", t.Lflag&unix.ICANON != 0, t.Cc[unix.VMIN], t.Cc[unix.VTIME])
		}
		if l, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd)); err == nil {
			why += "; fd " + strconv.Itoa(int(fd)) + " is " + l
		}
	})
	return why
}

// LineSettings reads back what a tty is set to, for tests and messages:
// baud, data bits, parity, stop bits, flow.
func LineSettings(f *os.File) (string, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return "", err
	}
	var t *unix.Termios
	var terr error
	if err := rc.Control(func(fd uintptr) { t, terr = unix.IoctlGetTermios(int(fd), tcgets) }); err != nil {
		return "", err
	}
	if terr != nil {
		return "", terr
	}
	baud := 0
	for b, s := range bauds {
		if speedOf(t) == s {
			baud = b
		}
	}
	bits := map[uint64]int{unix.CS5: 5, unix.CS6: 6, unix.CS7: 7, unix.CS8: 8}[uint64(t.Cflag&unix.CSIZE)]
	par := "N"
	if t.Cflag&unix.PARENB != 0 {
		par = "E"
		if t.Cflag&unix.PARODD != 0 {
			par = "O"
		}
	}
	stop := 1
	if t.Cflag&unix.CSTOPB != 0 {
		stop = 2
	}
	flow := FlowNone
	switch {
	case t.Cflag&unix.CRTSCTS != 0:
		flow = FlowHardware
	case t.Iflag&unix.IXON != 0:
		flow = FlowSoftware
	}
	raw := t.Lflag&(unix.ICANON|unix.ECHO) == 0 && t.Oflag&unix.OPOST == 0
	return fmt.Sprintf("%d %d%s%d %s raw=%v", baud, bits, par, stop, flow, raw), nil
}

// TTY makes a Port of a tty the caller opened itself (a pty's slave opened
// from its master, race-free where the path is not), set up as Open sets
// up a device, named name. It cannot be reopened.
func TTY(name string, f *os.File, cfg Config) (Port, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		f.Close()
		return nil, err
	}
	speed, ok := bauds[cfg.Baud]
	if !ok {
		f.Close()
		return nil, fmt.Errorf("%s: baud %d not supported", name, cfg.Baud)
	}
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	// A file that is non-blocking is under the poller already (os.OpenFile
	// and os.NewFile of a non-blocking descriptor put it there): it is set
	// up and kept as it is. One made blocking (by f.Fd) cannot be turned
	// back: the port gets a non-blocking descriptor of its own.
	var rwc io.ReadWriteCloser
	adopt := false
	cerr := rc.Control(func(u uintptr) {
		var fl int
		if fl, err = unix.FcntlInt(u, unix.F_GETFL, 0); err != nil {
			return
		}
		if adopt = fl&unix.O_NONBLOCK != 0; adopt {
			rwc, err = setupTTYFile(int(u), name, cfg, speed, f)
			return
		}
		var fd int
		if fd, err = unix.FcntlInt(u, unix.F_DUPFD_CLOEXEC, 0); err != nil {
			return
		}
		if err = unix.SetNonblock(fd, true); err != nil {
			unix.Close(fd)
			return
		}
		rwc, err = setupTTY(fd, name, cfg, speed)
	})
	if err = errors.Join(cerr, err); err != nil || !adopt {
		f.Close() // failed, or the port has its own descriptor
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return newPort(name, nil, rwc), nil
}
