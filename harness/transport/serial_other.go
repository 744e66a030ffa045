//go:build !linux && !darwin && !freebsd

package transport

import (
	"fmt"
	"io"
	"os"
	"runtime"
)

// openSerial refuses: the tty is set up with termios, which this
// platform has not.
func openSerial(path string, cfg Config) (io.ReadWriteCloser, error) {
	return nil, fmt.Errorf("transport: %s: local serial ports are supported on Linux, macOS and FreeBSD, not on %s: export the modem with ser2net and use tcp://host:port or rfc2217://host:port", path, runtime.GOOS)
}

// TTY refuses, as openSerial does.
func TTY(name string, f *os.File, cfg Config) (Port, error) {
	f.Close()
	return nil, fmt.Errorf("transport: local ttys are supported on Linux, macOS and FreeBSD, not on %s", runtime.GOOS)
}
