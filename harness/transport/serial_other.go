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

// bauds lists the rates a UART is set to, as elsewhere: a tcp:// or
// rfc2217:// port's settings are checked against them here too.
var bauds = map[int]uint32{
	1200: 1200, 2400: 2400, 4800: 4800, 9600: 9600, 19200: 19200, 38400: 38400,
	57600: 57600, 115200: 115200, 230400: 230400, 460800: 460800, 921600: 921600,
	1000000: 1000000, 2000000: 2000000, 3000000: 3000000, 4000000: 4000000,
}
