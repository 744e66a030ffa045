//go:build !unix

package rlimit

// Files: no RLIMIT_NOFILE to read (Windows has no per-process descriptor
// limit of that kind).
func Files() (uint64, bool) { return 0, false }
