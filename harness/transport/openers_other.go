//go:build !linux

package transport

// Openers finds other openers on Linux only (/proc/*/fd).
func Openers(string) ([]Process, int) { return nil, 0 }

// othersOpen cannot list the tty's other openers without /proc: the
// exclusive open (TIOCEXCL) and the lock still hold back those that come
// after.
func othersOpen(int) []Process { return nil }
