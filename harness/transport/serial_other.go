//go:build !linux

package transport

import (
	"errors"
	"io"
	"os"
)

func openSerial(path string, cfg Config) (io.ReadWriteCloser, error) {
	return nil, errors.New("transport: local serial ports are supported on Linux only; use tcp:// or rfc2217:// through ser2net")
}

// TTY is Linux only, as local serial ports are.
func TTY(name string, f *os.File, cfg Config) (Port, error) {
	f.Close()
	return nil, errors.New("transport: local ttys are supported on Linux only")
}
