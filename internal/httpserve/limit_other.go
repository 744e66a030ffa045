//go:build !unix

package httpserve

// fileLimit: no RLIMIT_NOFILE to read (Windows has no per-process
// descriptor limit of that kind).
func fileLimit() (uint64, bool) { return 0, false }
