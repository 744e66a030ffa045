package transport

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInUse is wrapped when a local device is refused because another
// process has it: opened exclusively, locked, or simply open.
var ErrInUse = errors.New("in use")

// Process is another process that holds a port open.
type Process struct {
	PID  int
	Comm string // its command name (/proc/PID/comm)
}

func (p Process) String() string { return fmt.Sprintf("pid %d (%s)", p.PID, p.Comm) }

func processList(ps []Process) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}
