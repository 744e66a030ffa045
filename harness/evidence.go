package harness

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/timeline"
	"github.com/esimhil/esimhil/internal/codec/gsmtap"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// CaptureIncompleteFile, beside traffic.pcapng, lists what the capture
// lacks when it is incomplete.
const CaptureIncompleteFile = "traffic.INCOMPLETE"

// checkEvidence runs once the capture is closed: it decodes traffic.pcapng
// (a rig without artifacts: the capture in memory) and holds every HTTP
// request in it against the platform's and each SM-DP+'s own log, and the
// card's APDU lane against the ATRs and APDUs the card's contacts carried,
// counted as the modem hands them to the SIM tap, apart from the tap's
// own count (checkLane). Any difference — or a live capture whose kernel
// counters show loss — fails the run with the requests listed and writes
// them to CaptureIncompleteFile: evidence is complete or says it is not.
func (r *Rig) checkEvidence(closeErr error) error {
	var problems []string
	if closeErr != nil {
		problems = append(problems, closeErr.Error())
	}
	ex, dgs, err := r.Capture.ReadEvidence(gsmtap.Port, r.laneWant())
	if err != nil {
		problems = append(problems, "the capture does not decode: "+err.Error())
	} else {
		r.exchanges, r.datagrams, r.evidenceRead = ex, dgs, true
		problems = append(problems, capture.Compare(ex, r.serverLogs())...)
		problems = append(problems, r.checkLane(dgs.List)...)
	}
	if len(problems) == 0 {
		return nil
	}
	report := strings.Join(problems, "\n")
	// A rig without artifacts has no file for it: the error is the report.
	if r.dir != "" {
		if err := os.WriteFile(filepath.Join(r.dir, CaptureIncompleteFile), []byte(report+"\n"), 0o644); err != nil {
			problems = append(problems, err.Error())
		}
	}
	shown := problems
	if r.dir != "" {
		shown = briefProblems(problems, closeErr != nil, filepath.Join(r.dir, CaptureIncompleteFile))
	}
	return fmt.Errorf("%w (%s capture): %d problem(s) against the servers' own logs, the card's contacts and the kernel's counters:\n  %s",
		capture.ErrIncomplete, r.Capture.Mode(), len(problems), strings.Join(shown, "\n  "))
}

// shownProblems is how many of a capture's problems its error lists when
// a file (CaptureIncompleteFile) holds them all.
const shownProblems = 10

// briefProblems is what the error says of problems, all of which are in
// file: a capture that failed writing (writeFailed: its error is among
// problems, first) lacks every request after that, thousands in a long
// run, so those are counted on one line with the first of them, not
// listed (outside tester sw69: one write error read as 4,111 lines); any
// other list is cut at shownProblems with a count of the rest.
func briefProblems(problems []string, writeFailed bool, file string) []string {
	var out, missing []string
	for _, p := range problems {
		if writeFailed && strings.HasPrefix(p, capture.MissingPrefix) {
			missing = append(missing, p)
			continue
		}
		out = append(out, p)
	}
	if len(out) > shownProblems+1 {
		n := len(out) - shownProblems
		out = append(out[:shownProblems:shownProblems], fmt.Sprintf("… and %d more, all in %s", n, file))
	}
	if len(missing) > 0 {
		out = append(out, fmt.Sprintf("%d request(s) the servers logged are missing from the capture, as it failed writing (above), the first: %s; each is listed in %s",
			len(missing), strings.TrimPrefix(missing[0], capture.MissingPrefix), file))
	}
	return out
}

// serverLogs are the servers' own request logs, by listening address.
func (r *Rig) serverLogs() []capture.ServerLog {
	var logs []capture.ServerLog
	if r.Platform != nil {
		reqs, dropped := r.Platform.Requests()
		logs = append(logs, capture.ServerLog{Name: "platform", Addr: r.Platform.Addr(), Requests: reqs, Dropped: dropped,
			Unlogged: platformapi.IsLogRead})
	}
	for _, id := range slices.Sorted(maps.Keys(r.SMDP)) {
		reqs, dropped := r.SMDP[id].Requests()
		logs = append(logs, capture.ServerLog{Name: "SM-DP+ " + id, Addr: r.SMDP[id].Addr(), Requests: reqs, Dropped: dropped})
	}
	return logs
}

// DecodedTraffic is the capture as the evidence check decoded it, shared
// with the rig (which keeps it); nil before the rig is closed, when the
// capture did not decode, or once TakeDecodedTraffic gave it away. The
// timeline page takes it instead (TakeDecodedTraffic).
func (r *Rig) DecodedTraffic() *timeline.Decoded {
	if !r.evidenceRead {
		return nil
	}
	return &timeline.Decoded{Exchanges: r.exchanges, Datagrams: r.datagrams}
}

// TakeDecodedTraffic gives the decoded capture (DecodedTraffic) away, once,
// to its last user, the timeline page: the rig forgets it, so that what
// the page's build drops as it goes (the exchanges once their rows are
// made, the datagrams once their APDUs are decoded) is freed — shared
// with the rig, nothing was (t272: 79 MiB of a 96 h run's). After it PlatformTraffic and APDULane decode
// traffic.pcapng again (a rig without artifacts has none: they say so);
// an APDU lane already read is kept.
func (r *Rig) TakeDecodedTraffic() *timeline.Decoded {
	d := r.DecodedTraffic()
	if d != nil {
		r.exchanges, r.datagrams, r.evidenceRead, r.trafficTaken = nil, capture.Datagrams{}, false, true
	}
	return d
}
