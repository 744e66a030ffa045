package harness

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness/report"
	"github.com/esimhil/esimhil/harness/scenario"
)

// ScenarioCopy is the scenario a run's directory keeps, byte for byte as
// it ran (esimhil run writes it).
const ScenarioCopy = "scenario.yaml"

// Recheck checks a scenario run's expectations again from its directory
// alone: the scenario it kept and its event log, whose run_ended holds the
// end state the host read. It returns the mismatches, as the run's own
// check words them, and false when the directory cannot say (no kept
// scenario, a log without run_ended: a run that did not finish, or one an
// earlier esimhil wrote), with why.
//
// With the mismatches it gives what the run's record says beside its
// verdict, as the log says it: the notes the card dropped and still owed
// (the platform's and the SM-DP+s'), the faults that never fired, the
// open cycle and the simulated time the run covered — from the one read
// of the log.
func Recheck(dir string) (got report.Rechecked, checked bool, why string) {
	src, err := os.ReadFile(filepath.Join(dir, ScenarioCopy))
	if err != nil {
		return got, false, fmt.Sprintf("no kept scenario: %v", err)
	}
	s, err := scenario.Parse(filepath.Join(dir, ScenarioCopy), src)
	if err != nil {
		return got, false, fmt.Sprintf("%s: %v", ScenarioCopy, err)
	}
	f, err := os.Open(filepath.Join(dir, EventsFile))
	if err != nil {
		return got, false, err.Error()
	}
	defer f.Close()
	events, err := scenario.ReadEvents(f)
	if err != nil {
		return got, false, fmt.Sprintf("%s: %v", EventsFile, err)
	}
	end, at, ok := scenario.EndOf(events)
	if !ok {
		return got, false, EventsFile + " has no run_ended (the run did not finish, or an earlier esimhil wrote it)"
	}
	got.Mismatches = scenario.Check(s, events, end)
	n := scenario.NotesOf(events, &at)
	got.Dropped, got.Owed = n.Dropped, n.Owed // an older esimhil's run_ended names not every kind (Owed.Unchecked)
	got.Unfired = scenario.Unfired(s, events)
	for _, e := range events {
		if e.Actor == eventlog.Harness && e.Kind == eventlog.KindEndedInCycle {
			got.OpenCycle = report.OpenCycleNote(e.Str("started"), e.Str("trigger"), e.Str("awaiting"), e.Str("operator"))
		}
	}
	got.Simulated = at.T.Sub(events[0].T)
	return got, true, ""
}
