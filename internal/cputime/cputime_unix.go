//go:build unix

// Package cputime reads the CPU time the process has used, for benchmarks
// that report work per case against a floor measured in the same run:
// wall time on a shared 2-core machine says more about the neighbours.
package cputime

import (
	"syscall"
	"time"
)

// Process is the user and system CPU time the process has used so far, or
// 0 where the system will not say.
func Process() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
