//go:build !linux

package transport

// Openers finds other openers on Linux only (/proc/*/fd); elsewhere hidden
// is -1: nobody is listed, and nobody is known not to be there.
func Openers(string) ([]Process, int) { return nil, -1 }

// othersOpen cannot list the tty's other openers without /proc: the
// exclusive open (TIOCEXCL) and the lock still hold back those that come
// after.
func othersOpen(int) []Process { return nil }
