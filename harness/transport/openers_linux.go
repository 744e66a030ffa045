package transport

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Openers lists the other processes that have the tty at path open (the
// same device, whatever name they opened it by), read from /proc/*/fd;
// hidden counts the processes whose descriptors this user may not read
// (another user's, without root). A process that reads the tty (a
// ModemManager probing it, a forgotten cat) takes the modem's answers,
// and TIOCEXCL and the lock keep out only those that open it later.
func Openers(path string) (procs []Process, hidden int) {
	st, err := os.Stat(path)
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil, 0
	}
	want := st.Sys().(*syscall.Stat_t).Rdev
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, 0
	}
	self := os.Getpid()
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
		for _, fd := range fds {
			fi, err := os.Stat(dir + fd.Name())
			if err != nil || fi.Mode()&os.ModeCharDevice == 0 || fi.Sys().(*syscall.Stat_t).Rdev != want {
				continue
			}
			comm, _ := os.ReadFile("/proc/" + e.Name() + "/comm")
			procs = append(procs, Process{PID: pid, Comm: strings.TrimSpace(string(comm))})
			break
		}
	}
	return procs, hidden
}
