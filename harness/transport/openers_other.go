//go:build !linux

package transport

// Openers finds other openers on Linux only (/proc/*/fd).
func Openers(string) ([]Process, int) { return nil, 0 }
