package transport

import "fmt"

// Process is another process that holds a port open.
type Process struct {
	PID  int
	Comm string // its command name (/proc/PID/comm)
}

func (p Process) String() string { return fmt.Sprintf("pid %d (%s)", p.PID, p.Comm) }
