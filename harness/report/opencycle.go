package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// OpenCycleNote says in words that a run ended inside a cycle of the
// card's (run_ended_in_cycle): started, trigger, awaiting and operator are
// the event's fields. awaiting says what the card still awaited:
// AwaitingList, the preferred list of the check that would begin the
// cycle; AwaitingDownload, operator's profile; AwaitingEnable, the enable
// of operator's profile — no switch made yet in either. The
// CLI says it under the scenario's line and the index says it again for a
// directory read back, so both come from here.
func OpenCycleNote(started, trigger, awaiting, operator string) string {
	switch awaiting {
	case AwaitingList:
		return fmt.Sprintf("the run ended inside a check the card started at %s (trigger %s) that still awaited its preferred list: the end state was read before the card could act on it",
			started, trigger)
	case AwaitingDownload:
		return fmt.Sprintf("the run ended inside a cycle the card started at %s (trigger %s) while it downloaded %s's profile: the end state was read before the switch",
			started, trigger, operator)
	case AwaitingEnable:
		return fmt.Sprintf("the run ended inside a cycle the card started at %s (trigger %s) while its enable of %s's profile had not taken effect (held for the platform's answer to a note, or under way): the end state was read before the switch",
			started, trigger, operator)
	}
	return fmt.Sprintf("the run ended inside a cycle the card started at %s (trigger %s) and had not ended: the end state was read mid-switch",
		started, trigger)
}

// run_ended_in_cycle's awaiting field: what the card still awaited.
const (
	AwaitingList     = "preferred_list" // the check's preferred list: no cycle yet
	AwaitingDownload = "download"       // a download's next answer: no switch yet
	AwaitingEnable   = "enable"         // an enable not yet taken: no switch yet
)

// openCycleTail is how much of an event log's end readOpenCycle reads:
// run_ended_in_cycle comes after the run's last simulated instant, with
// only the end state's few events after it.
const openCycleTail = 64 << 10

// readOpenCycle returns the note of the run_ended_in_cycle in the end of
// the event log at path, "" when there is none (or no log): a directory
// the record does not name still says its run ended mid-cycle.
func readOpenCycle(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max(0, fi.Size()-openCycleTail)
	tail := make([]byte, fi.Size()-off)
	if _, err := f.ReadAt(tail, off); err != nil && err != io.EOF {
		return ""
	}
	note := ""
	for line := range bytes.Lines(tail) {
		if !bytes.Contains(line, []byte(`"run_ended_in_cycle"`)) {
			continue
		}
		var e struct {
			Actor, Event, Started, Trigger, Awaiting, Operator string
		}
		if json.Unmarshal(line, &e) == nil && e.Actor == "harness" && e.Event == "run_ended_in_cycle" {
			note = OpenCycleNote(e.Started, e.Trigger, e.Awaiting, e.Operator)
		}
	}
	return note
}
