package main

import (
	"testing"

	"github.com/esimhil/esimhil/harness/report"
)

// esimhil report's summary line counts the record's runs, says how many of
// them its directories contradict (listed with no verdict), and names apart
// the directories the record does not name — never calling a contradicted
// record "not in its record" (outside tester t135 F8).
func TestIndexSummary(t *testing.T) {
	pass := report.Entry{Kind: "scenario", Verdict: "pass"}
	withdrawn := report.Entry{Kind: "scenario", Verdict: report.NotRecorded, Doubt: "its record says fail, the recheck pass"}
	apart := report.Entry{Kind: "scenario", Verdict: report.NotRecorded}
	for _, tc := range []struct {
		entries []report.Entry
		want    string
	}{
		{[]report.Entry{pass}, "1 run"},
		{[]report.Entry{pass, pass}, "2 runs"},
		{[]report.Entry{withdrawn}, "1 run, 1 of them listed with no verdict: its record and its directory disagree (the notes above)"},
		{[]report.Entry{pass, withdrawn, withdrawn}, "3 runs, 2 of them listed with no verdict: their records and their directories disagree (the notes above)"},
		{[]report.Entry{pass, apart}, "1 run (and 1 scenario directory not in its record, listed apart)"},
		{[]report.Entry{withdrawn, apart, apart}, "1 run, 1 of them listed with no verdict: its record and its directory disagree (the notes above) (and 2 scenario directories not in its record, listed apart)"},
		{[]report.Entry{apart}, "0 runs (and 1 scenario directory not in its record, listed apart)"},
	} {
		if got := indexSummary(tc.entries); got != tc.want {
			t.Errorf("%q, want %q", got, tc.want)
		}
	}
}
