//go:build !linux

package transport

// bauds maps a rate to its termios speed: off Linux the speed is the rate
// itself (macOS, the BSDs), and where there is no termios a tcp:// or
// rfc2217:// port's settings are checked against the same rates.
var bauds = map[int]uint32{
	1200: 1200, 2400: 2400, 4800: 4800, 9600: 9600, 19200: 19200, 38400: 38400,
	57600: 57600, 115200: 115200, 230400: 230400, 460800: 460800, 921600: 921600,
	1000000: 1000000, 2000000: 2000000, 3000000: 3000000, 4000000: 4000000,
}
