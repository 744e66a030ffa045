package harness

import (
	"fmt"
	"os"
	"path/filepath"

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
func Recheck(dir string) (mismatches []string, checked bool, why string) {
	src, err := os.ReadFile(filepath.Join(dir, ScenarioCopy))
	if err != nil {
		return nil, false, fmt.Sprintf("no kept scenario: %v", err)
	}
	s, err := scenario.Parse(filepath.Join(dir, ScenarioCopy), src)
	if err != nil {
		return nil, false, fmt.Sprintf("%s: %v", ScenarioCopy, err)
	}
	f, err := os.Open(filepath.Join(dir, EventsFile))
	if err != nil {
		return nil, false, err.Error()
	}
	defer f.Close()
	events, err := scenario.ReadEvents(f)
	if err != nil {
		return nil, false, fmt.Sprintf("%s: %v", EventsFile, err)
	}
	end, ok := scenario.EndOf(events)
	if !ok {
		return nil, false, EventsFile + " has no run_ended (the run did not finish, or an earlier esimhil wrote it)"
	}
	return scenario.Check(s, events, end), true, ""
}
