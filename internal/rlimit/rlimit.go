//go:build unix

// Package rlimit reads the process's open-file limit where there is one.
package rlimit

import "syscall"

// Files is how many descriptors this process may hold (RLIMIT_NOFILE),
// and whether it could be read.
func Files() (uint64, bool) {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) != nil {
		return 0, false
	}
	return uint64(lim.Cur), true
}
