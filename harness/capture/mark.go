package capture

import (
	"strconv"
	"strings"
)

// Mark places a frame in the run's event log: Events is how many events
// the log had taken when the frame was written, which is the line of
// events.jsonl logged last before it (0: none yet). Simulated time stands
// still within an instant, so a frame's timestamp (1 µs past the frame
// before it, to keep the file's order) cannot say which events of its
// instant came before it; the mark does. The tap stores it in the frame's
// Enhanced Packet Block as a comment (MarkComment), which Wireshark shows
// as frame.comment; OK is false for a frame without one (a live capture's
// kernel frames, files written before marks, captures from elsewhere).
type Mark struct {
	Events int
	OK     bool
}

// markPrefix begins a mark's comment: "esimhil:after-event=12".
const markPrefix = "esimhil:after-event="

// MarkComment is the EPB comment (pcapng opt_comment) that carries m.
func MarkComment(m Mark) string {
	return markPrefix + strconv.Itoa(m.Events)
}

// ParseMark reads a mark from a frame's comment; any other comment (a
// user's, another tool's) is not one.
func ParseMark(comment string) (Mark, bool) {
	digits, ok := strings.CutPrefix(comment, markPrefix)
	if !ok || digits == "" || len(digits) > 18 {
		return Mark{}, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return Mark{}, false
		}
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		return Mark{}, false
	}
	return Mark{Events: n, OK: true}, true
}

// markOf finds the mark among a frame's comments.
func markOf(comments []string) Mark {
	for _, c := range comments {
		if m, ok := ParseMark(c); ok {
			return m
		}
	}
	return Mark{}
}
