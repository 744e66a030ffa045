package transport

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Openers lists the other processes that have the tty at path open (the
// same device, whatever name they opened it by), read from /proc/*/fd;
// hidden counts the processes whose descriptors this user may not read
// (another user's, without root); off Linux it is -1, none listable. A process that reads the tty (a
// ModemManager probing it, a forgotten cat, a ser2net exporting it) takes
// the modem's answers. The process on a pty's other end (the emulator,
// which holds its master and keeps its slave open) is the modem, not
// another reader: it is left out.
func Openers(path string) (procs []Process, hidden int) {
	st, err := os.Stat(path)
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil, 0
	}
	return openersOf(st.Sys().(*syscall.Stat_t).Rdev)
}

// ptyIndex is the index of a Unix 98 pty slave (/dev/pts/N: majors
// 136–143), or -1 for another device.
func ptyIndex(rdev uint64) int {
	maj, min := unix.Major(rdev), unix.Minor(rdev)
	if maj < 136 || maj > 143 {
		return -1
	}
	return int(maj-136)<<8 | int(min)
}

// isPTMX reports the pty multiplexer (/dev/ptmx, /dev/pts/ptmx): 5:2.
func isPTMX(rdev uint64) bool { return unix.Major(rdev) == 5 && unix.Minor(rdev) == 2 }

// ptmxIndex reads the index of the pty whose master fd (of /proc/PID/fd)
// is, from its fdinfo's tty-index (Linux 4.x and later); -1 if none.
func ptmxIndex(pid, fd string) int {
	f, err := os.Open("/proc/" + pid + "/fdinfo/" + fd)
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "tty-index:"); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				return n
			}
		}
	}
	return -1
}

func openersOf(want uint64) (procs []Process, hidden int) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, 0
	}
	self, pty := os.Getpid(), ptyIndex(want)
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		dir := "/proc/" + e.Name() + "/fd/"
		fds, err := os.ReadDir(dir)
		if err != nil {
			if os.IsPermission(err) {
				hidden++
			}
			continue
		}
		holds, master := false, false
		for _, fd := range fds {
			fi, err := os.Stat(dir + fd.Name())
			if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
				continue
			}
			switch rdev := fi.Sys().(*syscall.Stat_t).Rdev; {
			case rdev == want:
				holds = true
			case pty >= 0 && isPTMX(rdev) && ptmxIndex(e.Name(), fd.Name()) == pty:
				master = true
			}
		}
		if holds && !master {
			comm, _ := os.ReadFile("/proc/" + e.Name() + "/comm")
			procs = append(procs, Process{PID: pid, Comm: strings.TrimSpace(string(comm))})
		}
	}
	return procs, hidden
}

// othersOpen lists the other processes that have the tty of fd open.
func othersOpen(fd int) []Process {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil
	}
	procs, _ := openersOf(st.Rdev)
	return procs
}
