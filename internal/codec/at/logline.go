package at

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// The directions of an at.log line.
const (
	LogHost  = '>' // host to modem: a command line
	LogModem = '<' // modem to host: a response line, a URC
	LogNote  = '#' // the harness's own note: a lab run's port, a port drop, a command left unanswered
)

// LogLine is one line of at.log, the trace of an AT port the emulated
// modem and the harness write (README, Artifacts; QueuedMark):
// "<RFC 3339 time> <dir> <text>".
type LogLine struct {
	T    time.Time
	Dir  byte // LogHost, LogModem or LogNote
	Text string
	// URC: a LogModem line the host's AT client took for an unsolicited
	// result code (URCMark, taken off Text).
	URC bool
}

// LogLineError says why a line is no at.log line. Stamp: it does not
// start with a time and a space; else its direction does not read.
type LogLineError struct {
	Stamp bool
	err   error
}

func (e *LogLineError) Error() string { return e.err.Error() }
func (e *LogLineError) Unwrap() error { return e.err }

var errLogLineShape = errors.New(`want "<time> > text", "<time> < text" or "<time> # note"`)

// ParseLogLine reads one line of at.log, every reader's one reading of
// it (the timeline, the field-log reader, explore's checks).
func ParseLogLine(s string) (LogLine, error) {
	ts, rest, ok := strings.Cut(s, " ")
	t, err := time.Parse(time.RFC3339Nano, ts)
	switch {
	case !ok || rest == "":
		return LogLine{}, &LogLineError{Stamp: !ok || err != nil, err: errLogLineShape}
	case err != nil:
		return LogLine{}, &LogLineError{Stamp: true, err: err}
	}
	dir, text, _ := strings.Cut(rest, " ")
	if len(dir) != 1 || !strings.Contains("<>#", dir) {
		return LogLine{}, &LogLineError{err: fmt.Errorf("direction %q: want >, < or #", dir)}
	}
	l := LogLine{T: t, Dir: dir[0], Text: text}
	if l.Dir == LogModem {
		l.Text, l.URC = CutURC(text)
	}
	return l, nil
}
