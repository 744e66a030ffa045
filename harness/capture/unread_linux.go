package capture

import "golang.org/x/sys/unix"

// inq asks a TCP socket how many bytes its receive queue holds (tcp(7)).
const inq, inqName = unix.SIOCINQ, "SIOCINQ"
