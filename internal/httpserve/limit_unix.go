//go:build unix

package httpserve

import "syscall"

// fileLimit is how many descriptors this process may hold (RLIMIT_NOFILE).
func fileLimit() (uint64, bool) {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) != nil {
		return 0, false
	}
	return uint64(lim.Cur), true
}
