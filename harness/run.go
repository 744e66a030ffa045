package harness

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/modem"
	"github.com/esimhil/esimhil/harness/owed"
	"github.com/esimhil/esimhil/harness/report"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/harness/timeline"
)

// DefaultTail is how long a scenario without expect.within runs past the
// last itinerary stop.
const DefaultTail = scenario.DefaultTail

// Horizon is how long a scenario runs in simulated time (s.Horizon).
func Horizon(s *scenario.Scenario) time.Duration { return s.Horizon() }

// Result is the outcome of one scenario run.
type Result struct {
	Name       string
	Seed       int64
	Dir        string
	Simulated  time.Duration
	Wall       time.Duration
	Mismatches []string // expectations that did not hold
	Err        error    // the rig itself failed
	// Timeline is the run's page (Dir/timeline.html); TimelineErr says
	// why there is none.
	Timeline    string
	TimelineErr error
	// Incomplete says why the run stopped before its horizon ("" if it
	// did not): its artifacts hold what happened until then.
	Incomplete string
	// Unfired lists the fault plan's entries that never fired in a run
	// that reached its horizon (scenario.Unfired).
	Unfired []string
	// Dropped says which notes the card dropped from its full outbox
	// (scenario.DroppedNotes), "" when none: the platform never got them.
	Dropped string
	// Owed says which notes the card still owed the platform and the
	// SM-DP+s at the end of the run, unacknowledged (none said when it
	// owed none, or the run did not reach its end).
	Owed owed.Notes
	// OpenCycle says that the run ended inside a cycle of the card's
	// ("" when it did not): the end state was read mid-switch, which
	// explains a final that does not hold.
	OpenCycle string
	// Capture is how traffic.pcapng was captured: "tap" or "live" (what
	// auto chose), "" when the rig never started.
	Capture string
	// Personality is the dialect the modem spoke (its name), "" when the
	// rig never started.
	Personality string
}

// OK reports whether the run worked and every expectation held.
func (r Result) OK() bool { return r.Err == nil && len(r.Mismatches) == 0 }

// progressStep is how much simulated time RunScenario advances between
// looks at the wall clock for Options.Progress.
const progressStep = time.Hour

// RunScenario builds a rig for s, runs it to the scenario's horizon, closes
// it (writing the artifacts) and checks the expectations against the log.
// A run stopped early (Options.Context, the event limit) is closed with
// its artifacts marked incomplete and Result.Incomplete set.
func RunScenario(s *scenario.Scenario, o Options) Result {
	wall := time.Now()
	res := Result{Name: s.Name}
	o.pageAfter = true
	r, err := NewRig(s, o)
	if err != nil {
		// The seed and directory the run would have had: the report names
		// them even when the rig never started.
		res.Err, res.Seed, res.Dir, res.Wall = err, o.Seed, o.Dir, time.Since(wall)
		if res.Seed == 0 {
			res.Seed = s.Seed
		}
		return res
	}
	res.Seed, res.Dir, res.Personality = r.Seed, r.Dir(), r.Personality.Name
	runErr := r.Init()
	every := o.ProgressInterval
	if every <= 0 {
		every = ProgressEvery
	}
	horizon, shown := Horizon(s), time.Now()
	var ended Ended
	if runErr == nil {
		ended, runErr = r.RunToEnd(func() {
			if o.Advanced != nil {
				o.Advanced(r.Now(), horizon)
			}
			if o.Progress != nil && time.Since(shown) >= every {
				o.Progress(r.Now(), horizon)
				shown = time.Now()
			}
		})
	}
	if runErr != nil {
		r.MarkIncomplete(runErr.Error())
	}
	end := ended.End
	res.OpenCycle, res.Owed = ended.OpenCycle, ended.Owed
	res.Simulated = r.Now()
	stage := func(string) {}
	switch {
	case o.Stage == nil:
	case errors.Is(runErr, ErrInterrupted):
		// Whoever stopped it waits for these: say what takes the time,
		// and how not to wait.
		stage = func(what string) { o.Stage(stopWords(what)) }
	default:
		// Said once the run has taken a progress period, the close too.
		st, stop := newStager(o.Context, o.Stage, every, wall)
		defer stop()
		stage = st.stage
	}
	if o.Closing != nil {
		o.Closing()
	}
	stage("closing the rig and checking the capture against the servers' logs")
	if r.Capture != nil {
		res.Capture = string(r.Capture.Mode())
	}
	closeErr := r.Close()
	res.Incomplete = r.Incomplete()
	switch {
	case errors.Is(runErr, ErrInterrupted):
		res.Err = runErr // "run interrupted at …" says it already
	case runErr != nil:
		res.Err = fmt.Errorf("run: %w", runErr)
	case closeErr != nil:
		res.Err = fmt.Errorf("close: %w", closeErr)
	}
	if runErr == nil {
		// An unfinished run is not held against expect: the host never
		// read its end, and its log stops short (the error says why).
		events := r.Log.Events() // a copy of the whole log: once
		res.Mismatches = scenario.Check(s, events, end)
		res.Unfired = scenario.Unfired(s, events)
		res.Dropped = scenario.DroppedNotes(events)
	}
	res.Wall = time.Since(wall)
	stage("writing the timeline")
	if res.Dir == "" {
		res.TimelineErr = errors.New("no timeline page: the run keeps no artifacts (a scratch run without a directory)")
		return res
	}
	res.Timeline, res.TimelineErr = writeTimeline(res.Dir, r.TimelineRun(res))
	if res.TimelineErr != nil && !o.Scratch {
		// An artifact not written whole (a full disk): INCOMPLETE names
		// it and the error in place of "page pending", and the run is an
		// error, as for any other artifact.
		why := timeline.PageUnwrittenReason + res.TimelineErr.Error()
		if res.Incomplete != "" {
			why = res.Incomplete + "; " + why
		}
		res.Incomplete = why
		if err := os.WriteFile(filepath.Join(res.Dir, IncompleteFile), []byte(why+"\n"), 0o644); err != nil {
			res.TimelineErr = errors.Join(res.TimelineErr, fmt.Errorf("mark incomplete: %w", err))
		}
		if res.Err == nil {
			// The run is an error; what its expectations said is kept
			// in the message (outside tester sw76: recorded nowhere).
			held := "the expectations held"
			if n := len(res.Mismatches); n > 0 {
				held = fmt.Sprintf("%d expectation(s) failed: %s", n, strings.Join(res.Mismatches, "; "))
			}
			err := res.TimelineErr
			if !strings.HasPrefix(err.Error(), "timeline: ") {
				err = fmt.Errorf("timeline: %w", err)
			}
			res.Err = fmt.Errorf("%w (%s)", err, held)
		}
	}
	if res.Incomplete == "" && res.TimelineErr == nil && !o.Scratch {
		// The page is written: the run's directory is whole.
		if err := os.Remove(filepath.Join(res.Dir, IncompleteFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
			res.TimelineErr = fmt.Errorf("mark finished: %w", err)
		}
	}
	return res
}

// Ended is how a run ended (RunToEnd).
type Ended struct {
	End       scenario.EndRegistration
	OpenCycle string     // Result.OpenCycle
	Owed      owed.Notes // Result.Owed
}

// RunToEnd runs an initialised rig over [0, horizon) and reads its end
// state, logging run_ended: the one ending of a run, the CLI's
// (RunScenario) and the exploration's, so that a case's scenario run by
// `esimhil run` gives the events the case did (outside tester t179 F2).
// run_ended ends events.jsonl (Log.EndStream; only a run_incomplete, for
// artifacts not written whole, may follow it there) and at.log.
// step, if not nil, is called after each stretch of simulated time.
//
// What is due at the horizon (a check on the grid) does not begin before
// the end read: a check there would switch, and the read land mid-REFRESH.
// The run ends at its horizon, power or not: a modem without power (or
// with its AT port hung) at that moment is the end state (a host would
// read nothing from it), and running on until it is back would judge what
// the scenario never asked. On an error the run is left to its caller to
// mark incomplete.
func (r *Rig) RunToEnd(step func()) (Ended, error) {
	var e Ended
	horizon := Horizon(r.Scenario)
	for r.Now() < horizon {
		var err error
		if next := r.Now() + progressStep; next < horizon {
			err = r.Follow(next)
		} else {
			err = r.FollowBefore(horizon)
		}
		if err != nil {
			return e, err
		}
		if step != nil {
			step()
		}
	}
	e.OpenCycle = r.noteOpenCycle()
	atEnd := r.owedAtEnd()
	e.Owed = atEnd.Notes()
	switch {
	case !r.powered():
		e.End.Registration = scenario.RegistrationOff
	case r.atHung():
		e.End.Registration = scenario.RegistrationHung // nothing answers: nothing to read
	default:
		var err error
		if e.End, err = r.Report(); err != nil {
			return e, err
		}
	}
	f := e.End.Fields()
	atEnd.Log(f) // none included: a log without them is an older esimhil's
	r.Loop.Do(func() {
		r.Log.Emit(eventlog.Harness, eventlog.KindRunEnded, f)
		// The record ends here (README: run_ended is events.jsonl's last
		// event): what the rig does to the device after it is no part of
		// the run. The exploration's end read waits for the power and boots
		// the card; its events and AT lines stay in memory but out of the
		// record, which then is what `esimhil run` writes of the scenario.
		r.Log.EndStream()
		// And at.log with it (untilEnd); the capture keeps what follows
		// (the servers' logs and the card's contacts, which it is checked
		// against, hold it), each frame saying it is past run_ended
		// (capture.Config.Ended).
		r.recordEnded.Store(true)
	})
	return e, nil
}

// writeTimeline is how RunScenario writes the page (a test fails it).
var writeTimeline = timeline.Write

// Verdict is "pass", "fail" (an expectation did not hold) or "error" (the
// rig failed).
func (r Result) Verdict() string {
	switch {
	case r.Err != nil:
		return "error"
	case len(r.Mismatches) > 0:
		return "fail"
	}
	return "pass"
}

// TimelineRun describes the rig's run for its timeline page, which it
// gives the rig's decoded capture (TakeDecodedTraffic): the rig's last
// reader of it, called after any other.
func (r *Rig) TimelineRun(res Result) timeline.Run {
	run := timeline.Run{
		Name: res.Name, Kind: "scenario", Seed: r.Seed, Personality: r.Personality.Name, Verdict: res.Verdict(),
		Simulated: res.Simulated, Wall: res.Wall, Mismatches: res.Mismatches, SMDP: SMDPHosts(r.Scenario),
		SMDPOrder: SMDPOperators(r.Scenario),
		Traffic:   r.TakeDecodedTraffic(),
	}
	if res.Err != nil {
		run.Err = res.Err.Error()
		if errors.Is(res.Err, ErrInterrupted) {
			run.ErrTitle = timeline.StoppedTitle // asked for, not the rig's failure
		}
	}
	run.Incomplete = res.Incomplete
	run.Unfired = res.Unfired
	run.OpenCycle = res.OpenCycle
	run.Dropped = res.Dropped
	run.Owed = res.Owed
	return run
}

// SMDPHosts maps each SM-DP+ host of s to its operator, for a page's
// lanes (timeline.Run.SMDP).
func SMDPHosts(s *scenario.Scenario) map[string]string {
	m := map[string]string{}
	for _, o := range s.Network.Operators {
		if o.SMDP != "" {
			m[o.SMDP] = o.ID
		}
	}
	return m
}

// SMDPOperators are the operators the scenario gives an SM-DP+, in the
// order it lists them: the timeline's SM-DP+ lanes (Run.SMDPOrder).
func SMDPOperators(s *scenario.Scenario) []string {
	var ops []string
	for _, o := range s.Network.Operators {
		if o.SMDP != "" {
			ops = append(ops, o.ID)
		}
	}
	return ops
}

// ProgressEvery is how often (wall clock) RunScenario reports progress
// unless Options.ProgressInterval says otherwise.
const ProgressEvery = 2 * time.Second

// owedAtEnd is what the card still owes at the end of the run: the
// kinds and report numbers of its notes unacknowledged by the platform
// (with those a card off since a cut makes at power-on: OwedAtPowerOn),
// and the SGP.22 notifications it still holds for SM-DP+s
// (owed.SMDPEntry), in the order of its lists, then the install result
// an install cut short still owes (none without an emulated card).
func (r *Rig) owedAtEnd() owed.AtEnd {
	var atEnd owed.AtEnd
	if r.Card == nil {
		return atEnd
	}
	for _, n := range r.Card.OwedAtPowerOn() {
		atEnd.Kinds = append(atEnd.Kinds, n.Kind)
		atEnd.Reports = append(atEnd.Reports, fmt.Sprint(n.Report))
	}
	for _, n := range r.Card.PendingNotifications() {
		atEnd.SMDP = append(atEnd.SMDP, owed.SMDPEntry(n.Event, n.Address, n.Seq))
	}
	// A card off since a cut mid-install owes the SM-DP+ that install's
	// failed result, though it makes it only at power-on (outside tester
	// t144 F3: such a run named nothing, one cut just after the install
	// named its result).
	if addr, ok := r.Card.InterruptedInstall(); ok {
		atEnd.SMDP = append(atEnd.SMDP, owed.SMDPInterruptedEntry(addr))
	}
	return atEnd
}

// noteOpenCycle logs run_ended_in_cycle when the card's last cycle has
// not ended at the end of the run, or when the check that would begin one
// still awaits its preferred list (a platform holding its answer: the
// README counts "a check a few seconds before" the horizon as open, outside
// tester sw51 F2), and says so in words for the results; "" when nothing
// is open.
func (r *Rig) noteOpenCycle() string {
	events := r.Log.Events()
	open, ok := OpenCycle(events)
	asked, awaiting := AwaitedList(events)
	var started, trigger string
	var f eventlog.F
	switch {
	case awaiting && (!ok || asked.T.After(open.T)):
		started, trigger = asked.T.Sub(r.start).String(), applet.TriggerList
		f = eventlog.F{"awaiting": AwaitingList, "serving_plmn": asked.Str("serving_plmn")}
	case ok:
		started, trigger = open.T.Sub(r.start).String(), open.Str("trigger")
		f = eventlog.F{"operators": open.Get("operators")}
		// Nothing switched yet, with the modem powered (outside testers
		// sw70, sw71: "read mid-switch" for a card still on its profile):
		// a download, or an enable not yet taken (one held for a note's
		// answer).
		if m, i, found := lastMode(events); found && !poweredOff(events) {
			switch mode := applet.Mode(m.Str("mode")); {
			case mode == applet.ModeAttemptDownloading:
				f["awaiting"], f["operator"] = report.AwaitingDownload, m.Str("operator")
			case (mode == applet.ModeAttemptEnabling || mode == applet.ModeFallbackEnabling) && !enabledAfter(events, i):
				f["awaiting"], f["operator"] = report.AwaitingEnable, m.Str("operator")
			}
		}
	default:
		return ""
	}
	f["started"], f["trigger"] = started, trigger
	r.Loop.Do(func() { r.Log.Emit(eventlog.Harness, eventlog.KindEndedInCycle, f) })
	aw, _ := f["awaiting"].(string)
	op, _ := f["operator"].(string)
	return report.OpenCycleNote(started, trigger, aw, op)
}

// AwaitingList is run_ended_in_cycle's awaiting field when the run ended
// before the card had its preferred list (no cycle, hence no operators).
const AwaitingList = report.AwaitingList

// lastMode returns the card's last mode event in events and its index.
func lastMode(events []eventlog.Event) (eventlog.Event, int, bool) {
	for i := len(events) - 1; i >= 0; i-- {
		if e := events[i]; e.Actor == eventlog.EUICC && e.Kind == applet.KindMode {
			return e, i, true
		}
	}
	return eventlog.Event{}, 0, false
}

// enabledAfter reports whether the card logged a profile_enabled after
// events[i].
func enabledAfter(events []eventlog.Event, i int) bool {
	return slices.ContainsFunc(events[i+1:], func(e eventlog.Event) bool {
		return e.Actor == eventlog.EUICC && e.Kind == applet.KindProfileEnabled
	})
}

// poweredOff reports whether the modem's last power event is a cut.
func poweredOff(events []eventlog.Event) bool {
	for i := len(events) - 1; i >= 0; i-- {
		if e := events[i]; e.Actor == eventlog.Modem && e.Kind == modem.KindPower {
			on, _ := e.Get("on").(bool)
			return !on
		}
	}
	return false
}

// AwaitedList returns the card's preferred_list_requested that nothing
// answered in events, if there is one: no preferred_list_received or
// preferred_list_failed after it, the card still in awaiting-list mode,
// and the modem not powered off since (the request dies with the power:
// the card asks again at its next check).
func AwaitedList(events []eventlog.Event) (eventlog.Event, bool) {
	var asked eventlog.Event
	ok := false
	for _, e := range events {
		switch {
		case e.Actor == eventlog.Modem && e.Kind == modem.KindPower:
			if on, _ := e.Get("on").(bool); !on {
				ok = false
			}
		case e.Actor != eventlog.EUICC:
		case e.Kind == applet.KindPreferredListRequested:
			asked, ok = e, true
		case e.Kind == applet.KindPreferredListReceived, e.Kind == applet.KindPreferredListFailed:
			ok = false
		case e.Kind == applet.KindMode && e.Str("mode") != string(applet.ModeAwaitingList):
			ok = false
		}
	}
	return asked, ok
}

// OpenCycle returns the card's cycle_started that no cycle_ended follows
// in events, if there is one (a cycle resumed after a power cut is the
// one it began).
func OpenCycle(events []eventlog.Event) (eventlog.Event, bool) {
	var open eventlog.Event
	ok := false
	for _, e := range events {
		if e.Actor != eventlog.EUICC {
			continue
		}
		switch e.Kind {
		case applet.KindCycleStarted:
			open, ok = e, true
		case applet.KindCycleEnded:
			ok = false
		}
	}
	return open, ok
}
