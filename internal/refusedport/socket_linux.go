package refusedport

import "golang.org/x/sys/unix"

// socket opens the TCP socket close-on-exec from the start.
func socket() (int, error) {
	return unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
}
