//go:build !unix && !windows

package cputime

import "time"

// Process is 0: this platform has no per-process CPU time Go can read.
func Process() time.Duration { return 0 }
