//go:build !linux

package transport

import (
	"errors"
	"io"
)

func openSerial(path string, cfg Config) (io.ReadWriteCloser, error) {
	return nil, errors.New("transport: local serial ports are supported on Linux only; use tcp:// or rfc2217:// through ser2net")
}
