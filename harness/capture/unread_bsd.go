//go:build unix && !linux

package capture

// inq is FIONREAD, _IOR('f', 127, int) in sys/filio.h of macOS and the
// BSDs (x/sys/unix does not export it): on a socket, the bytes in its
// receive buffer, as Linux's SIOCINQ is.
const inq, inqName = 0x4004667f, "FIONREAD"
