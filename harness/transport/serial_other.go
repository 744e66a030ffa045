//go:build !linux

package transport

import (
	"errors"
	"os"
)

func openSerial(path string, cfg Config) (*os.File, error) {
	return nil, errors.New("transport: local serial ports are supported on Linux only; use tcp:// or rfc2217:// through ser2net")
}

// ttyFile is an open tty (never made here).
type ttyFile struct{ *os.File }
