// Command esimhil runs scenarios on the emulated rig and starts a standalone
// emulated modem for people and tools to drive.
//
//	esimhil run [--seed N] [--out DIR] [--capture tap|live|auto] [--junit FILE] SCENARIO.yaml...
//	esimhil report [--out DIR]
//	esimhil timeline [--name NAME] RUNDIR...
//	esimhil fleet --scenario-template F [--devices N] [--arrive-within D] [--shard i/n] [--platform URL] ...
//	esimhil fleet merge RESULT.json...
//	esimhil serve --scenario F [--seed N]
//	esimhil emulate [--scenario F] [--personality NAME|FILE.yaml] [--state FILE] [--link PATH] [--speed X] [--capture MODE]
//	esimhil lab discover|record|diff|personality|sniff ...
//	esimhil replay [--out DIR] [-v] FIXTURE_DIR...
//	esimhil log [--format F] LOG...
//	esimhil fixture --name N [--dir D] [--source S] LOG...
package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"maps"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/esimhil/esimhil/fixtures"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/cmd/internal/seedflag"
	"github.com/esimhil/esimhil/harness/lab"
	"github.com/esimhil/esimhil/harness/owed"
	"github.com/esimhil/esimhil/harness/progress"
	"github.com/esimhil/esimhil/harness/report"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/harness/timeline"
	"github.com/esimhil/esimhil/internal/personality"
)

const usage = `usage:
  esimhil run [--seed N] [--out DIR] [--capture tap|live|auto] [--junit FILE] SCENARIO.yaml...
  esimhil report [--out DIR]
  esimhil timeline [--name NAME] RUNDIR...
  esimhil fleet --scenario-template F [--devices N] [--arrive-within D] [--shard i/n] [--platform URL] ...
  esimhil fleet merge [--out FILE] [--accept-unchecked] [--accept-stopped] RESULT.json...
  esimhil serve --scenario F [--seed N] [--listen HOST:PORT] [--smdp-listen op=HOST:PORT]... [--ci FILE]
                [--out DIR] [--max-events-bytes N]
  esimhil emulate [--scenario F] [--personality NAME|FILE.yaml] [--state FILE] [--link PATH] [--speed X]
                  [--capture tap|live|auto] [--out DIR]
  esimhil lab discover|record|diff|personality|sniff ...   (esimhil lab for details)
  esimhil replay [--out DIR] [-v] FIXTURE_DIR...
  esimhil log [--format F] LOG...
  esimhil fixture --name N [--dir D] [--source S] LOG...
`

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	// A shell starts a background job (cmd &) with SIGINT ignored; Notify
	// takes it all the same, but resetting it brings the ignoring back,
	// so the second signal's default action must be done by hand there.
	ignored := map[os.Signal]bool{os.Interrupt: signal.Ignored(os.Interrupt), syscall.SIGTERM: signal.Ignored(syscall.SIGTERM)}
	stops := []os.Signal{os.Interrupt, syscall.SIGTERM}
	// SIGHUP (the terminal or SSH session closed) stops as SIGTERM does,
	// unless the process was started to outlive it (nohup).
	if !signal.Ignored(syscall.SIGHUP) {
		stops = append(stops, syscall.SIGHUP)
	}
	signal.Notify(sigs, stops...)
	go onSignals(sigs, time.Now, func(sig os.Signal) { cancel(stopSignal{sig}) }, func(sig os.Signal) {
		// Said, so that a process that ends with no result reads as killed.
		fmt.Fprintf(os.Stderr, "\nesimhil: %v again: ended at once; nothing more is written\n", sig)
		killNow(sig, ignored[sig], os.Exit, func(n syscall.Signal) {
			signal.Reset(stops...)
			raiseSelf(n) // the default action now
		})
	})
	// SIGPIPE taken (and dropped) makes a write to a closed standard
	// output fail with EPIPE rather than kill the process (Go's runtime
	// does that to fds 1 and 2 only when it is not taken), so a run whose
	// reader went away (esimhil run … | head -1) stops as a signal stops
	// it, with its verdicts recorded. A broken socket's SIGPIPE is
	// dropped as before: only the stdout write says the reader is gone.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	stdout := newPipeOut(os.Stdout, func() {
		fmt.Fprintln(os.Stderr, "esimhil: standard output closed (its reader went away): stopping as at a signal; nothing more is written there")
		cancel(stopSignal{syscall.SIGPIPE})
	})
	// Standard error's failures are kept too (its reader gone or not):
	// what it said is lost, so the exit status must say it.
	stderr := newPipeOut(os.Stderr, func() {})
	code := cli(ctx, os.Args[1:], stdout, stderr)
	os.Exit(lostOutput(code, stdout, stderr, os.Stderr))
}

// killNow ends the process at a second signal: by the signal's default
// action (raise), or, when the process started with the signal ignored
// and raising it would be ignored again, by exiting as a shell reports a
// process the signal killed (128 + its number).
func killNow(sig os.Signal, ignored bool, exit func(int), raise func(syscall.Signal)) {
	n, ok := sig.(syscall.Signal)
	switch {
	case !ok:
	case ignored:
		exit(128 + int(n))
	default:
		raise(n)
	}
}

// dupSignal is how soon after the first a signal is taken for the same
// one delivered twice, not a second one.
const dupSignal = 500 * time.Millisecond

// onSignals stops the command at the first signal (stop) and kills the
// process at a second one (kill) — one that comes within dupSignal of the
// first is that one again: GNU timeout sends its signal to the process
// and then to its process group, which holds the process too.
func onSignals(sigs <-chan os.Signal, now func() time.Time, stop, kill func(os.Signal)) {
	sig, ok := <-sigs
	if !ok {
		return
	}
	first := now()
	stop(sig)
	for s := range sigs {
		if now().Sub(first) >= dupSignal {
			kill(s)
			return
		}
	}
}

// usageExit is the exit status after a subcommand's flags failed to
// parse (err) or left it without what it needs (nil): 0 for -h/--help,
// whose usage the flag set has printed, as Go's own flag handling exits;
// 2 otherwise.
func usageExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 2
}

// stopSignal is the cause of the command's context when a signal ends it.
type stopSignal struct{ sig os.Signal }

func (s stopSignal) Error() string { return "stopped by " + signalName(s.sig) }

func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	case syscall.SIGPIPE:
		return "SIGPIPE (standard output closed)"
	}
	return sig.String()
}

// interruptedCode is the exit status of a command a signal ended: 128 plus
// the signal's number, as shells report a process killed by it (130 for
// SIGINT, 143 for SIGTERM, 129 for SIGHUP, 141 for SIGPIPE).
func interruptedCode(ctx context.Context) int {
	var s stopSignal
	if errors.As(context.Cause(ctx), &s) {
		if n, ok := s.sig.(syscall.Signal); ok {
			return 128 + int(n)
		}
	}
	return 128 + int(syscall.SIGINT)
}

// cli runs one command; ctx ends it (SIGINT, SIGTERM): the run in flight
// stops, its artifacts are written and marked incomplete, and the exit
// status is interruptedCode.
func cli(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	if c, ok := commands[args[0]]; ok {
		return c.run(ctx, args[1:], stdout, stderr)
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "esimhil: unknown command %q\n%s", args[0], usage)
	return 2
}

// runFunc runs a command with its arguments (after its name).
type runFunc func(ctx context.Context, args []string, stdout, stderr io.Writer) int

// noContext is a runFunc of a command that takes no context: it runs to
// its end whatever signal comes.
func noContext(f func(args []string, stdout, stderr io.Writer) int) runFunc {
	return func(_ context.Context, args []string, stdout, stderr io.Writer) int {
		return f(args, stdout, stderr)
	}
}

// command is one of cli's commands; subs are its own (lab's, fleet's
// merge), which its run dispatches: one table, which the docs' test
// reads too, so a command added here is checked against them.
type command struct {
	run  runFunc
	subs map[string]runFunc
}

var commands = map[string]command{
	"run":      {run: runCmd},
	"emulate":  {run: emulateCmd},
	"fleet":    {run: fleetCmd, subs: fleetCommands},
	"serve":    {run: serveCmd},
	"report":   {run: noContext(reportCmd)},
	"timeline": {run: noContext(timelineCmd)},
	"lab":      {run: labCmd, subs: labCommands},
	"replay":   {run: replayCmd},
	"log":      {run: noContext(logCmd)},
	"fixture":  {run: noContext(fixtureCmd)},
}

func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seed := seedflag.Var(fs, "seed", 0, "seed for every random choice (default: each scenario's own; --seed 0 is seed 0)")
	out := fs.String("out", "out", "directory for per-scenario artifacts, timelines and results.json")
	mode := captureFlag(fs, "capture mode: tap, live (AF_PACKET, needs CAP_NET_RAW) or auto (live when possible)")
	junit := fs.String("junit", "", "also write the results as JUnit XML to this file")
	if err := parseInterleaved(fs, args); err != nil {
		return usageExit(err)
	}
	if fs.NArg() == 0 {
		fmt.Fprintf(stderr, "esimhil run: no scenario files\nusage: %s\n", synopsis("run"))
		return 2
	}
	if err := checkCapture(fs, *mode); err != nil {
		fmt.Fprintf(stderr, "esimhil run: %v\n", err)
		return 2
	}
	if *junit != "" {
		// A directory is known now, not after every scenario ran.
		if st, err := os.Stat(*junit); strings.HasSuffix(*junit, "/") || err == nil && st.IsDir() {
			fmt.Fprintf(stderr, "esimhil run: --junit %s: is a directory; name a file in it\n", *junit)
			return 2
		}
		if err := junitClobbers(*junit, *out); err != nil {
			fmt.Fprintf(stderr, "esimhil run: --junit %s: %v\n", *junit, err)
			return 2
		}
		// As is a place the file cannot be written (a read-only mount, a
		// plain file as its directory): found after the run, the JUnit
		// CI reads would be lost.
		if err := writableDir(filepath.Dir(*junit)); err != nil {
			fmt.Fprintf(stderr, "esimhil run: --junit %s: cannot be written: %v\n", *junit, err)
			return 2
		}
	}
	// Refused before the first scenario, as esimhil fleet does: a bad one
	// would fail every scenario alike, each with a rerun that hides why.
	override, err := readPersonalityEnv()
	if err != nil {
		fmt.Fprintf(stderr, "esimhil run: %v\n", err)
		return 2
	}
	seedSet := flagGiven(fs, "seed")
	// One run writes DIR's results.json at a time: a second would
	// overwrite the first's verdicts with its own, each scenario's too.
	unlock, err := lockDir(*out)
	if err != nil {
		fmt.Fprintf(stderr, "esimhil run: %v\n", err)
		return 2
	}
	defer unlock()
	if *junit != "" {
		unlockJUnit, err := lockJUnit(*junit)
		if err != nil {
			fmt.Fprintf(stderr, "esimhil run: %v\n", err)
			return 2
		}
		defer unlockJUnit()
	}
	// An index an earlier esimhil report wrote here summarises the record
	// this run replaces: left, it says "passed" beside a failing run, and
	// the `run && report` a CI job writes skips the report exactly then
	// (outside tester sw76). It goes now and is written again from this
	// run's record as the run ends, however it ends.
	staleIndex, err := removeIndex(*out)
	if err != nil {
		fmt.Fprintf(stderr, "esimhil run: %v\n", err)
		return 2
	}
	if staleIndex {
		defer func() {
			if err := rewriteIndex(*out, stdout); err != nil {
				fmt.Fprintf(stderr, "esimhil run: %v\n", err)
				if code == 0 {
					code = 1
				}
			}
		}()
	}
	meter := progress.New(stdout, "run", fs.NArg(), progress.Unit("scenarios"))
	// The plain line comes every period during a long scenario too, not
	// only as scenarios end (a CI log then shows the run is alive).
	stopBeat := meter.Heartbeat()
	defer stopBeat()
	var results []report.Entry
	// The results are written however the run ends, an interrupted one
	// too, and before each scenario with that one as not finished: a
	// process killed outright (a CI job's timeout) leaves the verdicts so
	// far and names the scenario it was in.
	// They are written many times: a file that cannot be is reported once
	// (until it can be again), not at every scenario.
	resultsFile := filepath.Join(*out, report.ScenariosFile)
	// Each says where the verdicts are kept all the same, so a JUnit
	// file lost does not read as results.json lost too.
	failing := map[string]bool{}
	save := func(path string, err error, what, elsewhere string) bool {
		if err != nil && !failing[path] {
			where := "the verdicts are only in this output"
			if elsewhere != "" {
				where = "the verdicts are in this output and in " + elsewhere
			}
			fmt.Fprintf(stderr, "esimhil run: %s not saved (%s): %v\n", what, where, err)
		}
		failing[path] = err != nil
		return err == nil
	}
	write := func(es []report.Entry) bool {
		resErr := report.WriteScenarios(resultsFile, es)
		if *junit == "" {
			return save(resultsFile, resErr, "results", "")
		}
		junitErr := report.WriteJUnit(*junit, "esimhil scenarios", es)
		ok := save(resultsFile, resErr, "results", savedIn(junitErr, *junit))
		return save(*junit, junitErr, "JUnit results", savedIn(resErr, resultsFile)) && ok
	}
	defer func() {
		// Results that were not written fail the run: CI reads them.
		if !write(results) && code == 0 {
			code = 1
		}
	}()
	// A run a signal stopped ends its progress line as stopped (no ETA),
	// after the SKIP lines; the results are written after it (deferred).
	interrupted := func() int {
		stopBeat()
		meter.Stop(context.Cause(ctx).Error())
		return interruptedCode(ctx)
	}
	// Every file is read once, before the run: their spans weigh the
	// progress line's ETA (spanGauge), and each runs as it was read.
	loaded := make([]loadedScenario, fs.NArg())
	for i, path := range fs.Args() {
		loaded[i].s, loaded[i].source, loaded[i].err = scenario.LoadSource(path)
	}
	span := newSpanGauge(meter, loaded, time.Now)
	// A scenario's name names its artifacts directory: a second file of
	// the same name would overwrite the first one's evidence.
	named := map[string]string{}
	for i, path := range fs.Args() {
		if ctx.Err() != nil {
			results = notRun(ctx, meter, results, fs.Args()[i:], loaded[i:], named)
			return interrupted()
		}
		s, source, err := loaded[i].s, loaded[i].source, loaded[i].err
		if err != nil {
			meter.Printf("ERROR %s: %s\n", path, continued(err.Error()))
			meter.Errored()
			results = append(results, loadError(path, err))
			code = 1
			continue
		}
		if first, ok := named[s.Name]; ok {
			err := fmt.Errorf("scenario name %q is already %s's in this run, and it names the artifacts directory %s: give each scenario its own name",
				s.Name, first, filepath.Join(*out, s.Name))
			meter.Printf("ERROR %s: %s\n", path, continued(err.Error()))
			span.finished(i)
			meter.Errored()
			results = append(results, report.Entry{Kind: "scenario", Name: path, Verdict: "error", Message: err.Error()})
			code = 1
			continue
		}
		named[s.Name] = path
		name := s.Name
		if seedSet {
			s.Seed = *seed // the run's seed, 0 included
		}
		runSeed := s.Seed
		spoke := willSpeak(s, override)
		// The scenarios after this one are recorded as not run until they
		// are: a process killed outright leaves them listed, not missing
		// (a CI dashboard would count fewer tests than were asked for).
		pending := []report.Entry{{Kind: "scenario", Name: s.Name, Verdict: "error", Seed: new(runSeed), Dir: filepath.Join(*out, s.Name),
			Personality: spoke, PersonalityEnv: override.env, Unfinished: true, Message: pendingWhy("not finished: esimhil run was in this scenario") + "; its directory holds what was written, and INCOMPLETE"}}
		pending = append(pending, notReached(fs.Args()[i+1:], loaded[i+1:], named, pendingWhy("not run: esimhil run had not reached it"))...)
		// Worded for every way this record can be the last one: read
		// while the run goes on, after a kill, or after a results.json
		// that could no longer be written (a full disk: outside tester
		// sw69), where "killed or crashed" would be false.
		write(append(results, pending...))
		// The scenario as it runs, beside its evidence from the start (a
		// run killed outright is the one most worth running again): a
		// rerun elsewhere, or after the file changed, starts from it.
		runDir := filepath.Join(*out, s.Name)
		keepErr := os.MkdirAll(runDir, 0o755)
		if keepErr == nil {
			keepErr = os.WriteFile(filepath.Join(runDir, ScenarioCopy), source, 0o644)
		}
		if keepErr == nil {
			keepErr = override.keep(runDir)
		}
		notKept := ""
		if keepErr != nil {
			// Evidence without the scenario it came from is incomplete,
			// and an earlier run's copy left beside it would pass for
			// this one's (the timeline links it, a rerun starts from it:
			// outside tester sw64): the verdict is an error either way.
			notKept = fmt.Sprintf("the scenario was not kept beside its artifacts (%s): %v", ScenarioCopy, keepErr)
			if err := os.Remove(filepath.Join(runDir, ScenarioCopy)); err != nil && !errors.Is(err, iofs.ErrNotExist) {
				notKept += fmt.Sprintf("; the %s there is an earlier run's, not this one's (not removed: %v): do not rerun from it", ScenarioCopy, err)
			}
		}
		closing, advanced := span.scenario(i)
		began := time.Now()
		every, _ := progress.EnvPeriod() // 0: harness.ProgressEvery
		res := harness.RunScenario(s, harness.Options{
			Seed: runSeed, Dir: filepath.Join(*out, s.Name), Capture: capture.Mode(*mode), Context: ctx, Dialect: override.p,
			ProgressInterval: every,
			Progress: func(now, horizon time.Duration) {
				meter.Fprintf(stderr, "...   %s: %v of %v simulated\n", name, now, horizon)
			},
			Stage:    func(what string) { meter.Fprintf(stderr, "...   %s: %s\n", name, what) },
			Closing:  closing,
			Advanced: advanced,
		})
		e := report.Entry{Kind: "scenario", Name: s.Name, Verdict: res.Verdict(), Seed: new(res.Seed),
			Simulated: res.Simulated, Wall: res.Wall, RunTime: time.Since(began), Dir: res.Dir, Timeline: res.Timeline, Unfired: res.Unfired, Dropped: res.Dropped, Owed: res.Owed, OpenCycle: res.OpenCycle, Capture: res.Capture,
			Personality: res.Personality, PersonalityEnv: override.env}
		if res.Dir != "" {
			// What the run wrote, so that a file cut, edited or put back
			// since is said when its evidence is read again (outside
			// tester sw87: a passing run's record made a FAIL page PASS).
			e.Digests = report.Digests(res.Dir)
			if notKept != "" {
				// not this run's, if there
				delete(e.Digests, ScenarioCopy)
				delete(e.Digests, report.PersonalityFile)
			}
		}
		rerun := report.RerunCommand(e, res.Dir)
		// A signal that came once the simulation was over stops what
		// follows, not this scenario: its verdict and artifacts are whole.
		stopped := ctx.Err() != nil && errors.Is(res.Err, harness.ErrInterrupted)
		switch {
		case stopped:
			meter.Printf("STOP  %s (seed %d, %v of %v simulated): %v; artifacts incomplete [%s]\n",
				s.Name, res.Seed, res.Simulated, harness.Horizon(s), context.Cause(ctx), res.Dir)
			e.Verdict, e.Message = "error", context.Cause(ctx).Error()+"; artifacts incomplete"
			// Counted as results.json records it: an error, not unrun
			// (its share of the simulated time stays as far as it got).
			meter.Errored()
			results = notRun(ctx, meter, append(results, e), fs.Args()[i+1:], loaded[i+1:], named)
			return interrupted()
		case res.Err != nil:
			meter.Printf("ERROR %s (seed %d): %s [%s]\n", s.Name, res.Seed, continued(res.Err.Error()), res.Dir)
			e.Message = res.Err.Error()
			code = 1
			printRerun(meter, rerun)
		case notKept != "":
			meter.Printf("ERROR %s (seed %d, %v simulated): %s [%s]\n", s.Name, res.Seed, res.Simulated, continued(notKept), res.Dir)
			e.Verdict, e.Message = "error", strings.Join(append([]string{notKept}, res.Mismatches...), "\n")
			code = 1
		case len(res.Mismatches) > 0:
			meter.Printf("FAIL  %s (seed %d, %v simulated, %v): %d expectation(s) failed [%s]\n",
				s.Name, res.Seed, res.Simulated, res.Wall.Round(time.Millisecond), len(res.Mismatches), res.Dir)
			for _, m := range res.Mismatches {
				meter.Printf("      - %s\n", m)
			}
			e.Message = strings.Join(res.Mismatches, "\n")
			code = 1
			printRerun(meter, rerun)
		default:
			meter.Printf("PASS  %s (seed %d, %v simulated, %v) [%s]\n",
				s.Name, res.Seed, res.Simulated, res.Wall.Round(time.Millisecond), res.Dir)
		}
		if res.TimelineErr != nil {
			meter.Printf("      (no timeline: %v)\n", res.TimelineErr)
		}
		for _, u := range unfiredNotes(res.Unfired, resultsFile, res.Timeline) {
			meter.Printf("      note: %s\n", u)
		}
		for _, n := range slices.Concat([]string{res.Dropped}, res.Owed.Said(), []string{res.OpenCycle}) {
			if n != "" {
				meter.Printf("      note: %s\n", n)
			}
		}
		span.finished(i)
		if res.Err != nil || notKept != "" {
			meter.Errored()
		} else {
			meter.Done(res.OK())
		}
		results = append(results, e)
	}
	stopBeat()
	meter.Finish()
	if ctx.Err() != nil {
		return interruptedCode(ctx) // it came during the last scenario's closing
	}
	return code
}

// personalityOverride is the ESIMHIL_PERSONALITY an esimhil run was given,
// read once: every scenario runs this reading of it.
type personalityOverride struct {
	env  string                   // as given; "" when none
	p    *personality.Personality // nil when none
	file []byte                   // the file's bytes, when it named one
}

// willSpeak is the dialect the rig will speak for s, which the record
// written before the scenario runs names as the finished one does: a
// scenario naming none speaks generic (r151: a killed run's record named
// no dialect where a finished run's said generic).
func willSpeak(s *scenario.Scenario, override personalityOverride) string {
	if override.p != nil {
		return override.p.Name
	}
	return cmp.Or(s.Device.Personality, personality.Generic().Name)
}

// readPersonalityEnv reads and checks $ESIMHIL_PERSONALITY.
func readPersonalityEnv() (personalityOverride, error) {
	o := personalityOverride{env: os.Getenv(harness.PersonalityEnv)}
	if o.env == "" {
		return o, nil
	}
	p, file, err := personality.ReadNameOrFile(o.env)
	if err != nil {
		return o, fmt.Errorf("%s=%s: %w", harness.PersonalityEnv, o.env, err)
	}
	o.p, o.file = &p, file
	return o, nil
}

// keep writes the personality file the run was given beside a scenario's
// artifacts, as its scenario is, so that its rerun reads what this run
// read; without one, an earlier run's copy there goes (it is not this
// run's, and the rerun command would name it).
func (o personalityOverride) keep(dir string) error {
	path := filepath.Join(dir, report.PersonalityFile)
	if o.file == nil {
		if err := os.Remove(path); err != nil && !errors.Is(err, iofs.ErrNotExist) {
			return fmt.Errorf("remove the previous run's %s: %w", report.PersonalityFile, err)
		}
		return nil
	}
	return os.WriteFile(path, o.file, 0o644)
}

// printRerun prints the command that runs a scenario that did not pass
// again as it ran (outside tester sw87: its kept copy names the file's
// seed, not a --seed the run was given).
func printRerun(meter *progress.Meter, rerun string) {
	if rerun != "" {
		meter.Printf("      rerun: %s\n", rerun)
	}
}

// maxUnfiredNotes bounds the faults that never fired said one a line
// beside a verdict: a plan of thousands left a line for each (outside
// tester t244, d1000: 350 lines, 72 KB of output).
const maxUnfiredNotes = 20

// unfiredNotes are the notes for the faults that never fired: each of
// the first maxUnfiredNotes, then one line that counts the rest and names
// where all are kept (results.json's unfired, and the run's page when it
// has one). A single fault over the bound is said, not counted.
func unfiredNotes(unfired []string, results, page string) []string {
	if len(unfired) <= maxUnfiredNotes+1 {
		return unfired
	}
	where := results + " (unfired)"
	if page != "" {
		where += " and on " + page
	}
	more := len(unfired) - maxUnfiredNotes
	return append(slices.Clip(unfired[:maxUnfiredNotes]), fmt.Sprintf("… and %d more faults never fired; all are listed in %s", more, where))
}

// pendingWhy is what results.json says of a scenario the run had not
// finished (what) when it wrote the file, true however the run went on.
func pendingWhy(what string) string {
	return what + " when it last wrote this record (it is still running, was killed or crashed, or could not write the record again: its output says which)"
}

// ScenarioCopy is the scenario file esimhil run keeps in each run's
// directory, byte for byte as it ran.
const ScenarioCopy = harness.ScenarioCopy

// notReached records the scenario files a run has not reached as
// skipped, why, each under its scenario's name, as a run would name it (a
// CI server tracks a case by its name: under the file's path a scenario
// skipped in one job and run in the next were two tests, outside tester
// o309), its file in the message; under its path when it has no name of
// its own in the run (named: the names taken so far, a name to its file;
// a second file of that name would be an error when reached). One that
// did not load (all are read before the first runs) is the error it is
// however the run ends: the record written before each scenario, and the
// one a signal leaves.
func notReached(paths []string, loaded []loadedScenario, named map[string]string, why string) []report.Entry {
	var es []report.Entry
	taken := make(map[string]string, len(named))
	maps.Copy(taken, named)
	for i, p := range paths {
		if err := loaded[i].err; err != nil {
			es = append(es, loadError(p, err))
			continue
		}
		name, msg := p, why
		if s := loaded[i].s; s != nil {
			if _, dup := taken[s.Name]; !dup && s.Name != "" {
				name, msg = s.Name, why+" ("+p+")"
				taken[s.Name] = p
			}
		}
		es = append(es, report.Entry{Kind: "scenario", Name: name, Verdict: "skipped", Message: msg})
	}
	return es
}

// loadError is the record of a scenario file that did not load: an error
// under its path, whether or not the run got to it.
func loadError(path string, err error) report.Entry {
	return report.Entry{Kind: "scenario", Name: path, Verdict: "error", Message: err.Error()}
}

// notRun records the scenario files a signal left unrun (notReached), so
// that results.json and JUnit list every scenario the run was given, not
// only those it reached, and says so: a file that did not load is an
// ERROR as when the run goes on, a stop does not hide a broken or missing
// file (outside tester t135 F4).
func notRun(ctx context.Context, meter *progress.Meter, results []report.Entry, paths []string, loaded []loadedScenario, named map[string]string) []report.Entry {
	var skipped []string
	for i, e := range notReached(paths, loaded, named, "not run: "+context.Cause(ctx).Error()) {
		if e.Verdict == "error" {
			meter.Printf("ERROR %s: %s\n", e.Name, continued(e.Message))
			meter.Errored()
		} else {
			skipped = append(skipped, paths[i]) // the files to run again
		}
		results = append(results, e)
	}
	if len(skipped) > 0 {
		meter.Printf("SKIP  %d scenario(s) not run: %v\n", len(skipped), context.Cause(ctx))
		for _, p := range skipped {
			meter.Printf("      - %s\n", p)
		}
	}
	return results
}

// indexSummary counts what the index lists: the runs of the record, of
// which those whose directory contradicts it are listed with no verdict,
// and apart, the scenario directories the record does not name (outside
// tester t135 F8: a contradicted record was called "not in its record").
func indexSummary(entries []report.Entry) string {
	inRecord, withdrawn, apart := 0, 0, 0
	for _, e := range entries {
		switch {
		case e.Verdict != report.NotRecorded:
			inRecord++
		case e.Doubt != "":
			inRecord++
			withdrawn++
		default:
			apart++
		}
	}
	s := fmt.Sprintf("%d runs", inRecord)
	if inRecord == 1 {
		s = "1 run"
	}
	if withdrawn > 0 {
		s += fmt.Sprintf(", %d of them listed with no verdict: its record and its directory disagree (the notes above)", withdrawn)
		if withdrawn > 1 {
			s = strings.Replace(s, "its record and its directory disagree", "their records and their directories disagree", 1)
		}
	}
	if apart > 0 {
		s += fmt.Sprintf(" (and %d scenario director%s not in its record, listed apart)", apart, map[bool]string{true: "y", false: "ies"}[apart == 1])
	}
	return s
}

// removeIndex removes out's index page, if there is one, and says whether
// there was.
func removeIndex(out string) (bool, error) {
	path := filepath.Join(out, report.IndexFile)
	err := os.Remove(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, iofs.ErrNotExist):
		return false, nil
	}
	return false, fmt.Errorf("%s, an earlier report's, would go on summarising that run beside this one's results, and cannot be removed: %w", path, err)
}

// rewriteIndex writes out's index page again from what the directory
// holds now (as esimhil report does), after a run replaced its record.
func rewriteIndex(out string, stdout io.Writer) error {
	entries, notes, err := gather(out)
	if err == nil && len(entries) == 0 {
		err = errors.New("nothing to report")
	}
	if err != nil {
		return fmt.Errorf("%s not written again (esimhil report --out %s writes it): %w", filepath.Join(out, report.IndexFile), out, err)
	}
	path, err := report.WriteIndex(out, entries, notes)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: written again for this run (an earlier report's was there)\n", path)
	return nil
}

// reportCmd writes DIR/index.html from what make run left in DIR.
func reportCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "out", "the run's output directory (report.json, scenarios/)")
	if err := parseInterleaved(fs, args); err != nil {
		return usageExit(err)
	}
	// A directory typed without --out would otherwise be ignored and
	// ./out reported in its place.
	if stray := strayOperands(fs); stray != "" {
		if st, err := os.Stat(fs.Arg(0)); err == nil && st.IsDir() {
			stray += " (to report that directory: esimhil report --out " + fs.Arg(0) + ")"
		}
		fmt.Fprintf(stderr, "esimhil report: %s\nusage: %s\n", stray, synopsis("report"))
		return 2
	}
	// make run's esimhil run writes DIR/scenarios, esimhil run --out DIR
	// DIR itself.
	if err := stillRunning(*out, filepath.Join(*out, "scenarios")); err != nil {
		fmt.Fprintf(stderr, "esimhil report: %v; no index written\n", err)
		return 1
	}
	entries, notes, err := gather(*out)
	if err != nil {
		fmt.Fprintf(stderr, "esimhil report: %v\n", err)
		return 1
	}
	if len(entries) == 0 {
		// An index of nothing would replace one that listed runs.
		for _, n := range notes {
			fmt.Fprintf(stderr, "esimhil report: %s\n", n)
		}
		fmt.Fprintf(stderr, "esimhil report: nothing to report under %s: want the directory make run writes (report.json, scenarios/) or one esimhil run --out wrote; no index written\n", *out)
		return 1
	}
	path, err := report.WriteIndex(*out, entries, notes)
	if err != nil {
		fmt.Fprintf(stderr, "esimhil report: %v\n", err)
		return 1
	}
	junit, err := report.WriteSuiteJUnit(*out)
	if err != nil {
		fmt.Fprintf(stderr, "esimhil report: %v\n", err)
		return 1
	}
	for _, n := range notes {
		fmt.Fprintf(stderr, "esimhil report: %s\n", n)
	}
	fmt.Fprintf(stdout, "%s: %s\n", path, indexSummary(entries))
	if junit != "" {
		fmt.Fprintf(stdout, "%s: the suite's JUnit\n", junit)
	}
	if doubted := report.Doubted(entries); len(doubted) > 0 {
		// Written, and said, but no success: a CI step that runs report
		// after the run must not pass over evidence that does not hold.
		var names []string
		for _, e := range doubted[:min(len(doubted), 5)] {
			names = append(names, fmt.Sprintf("%s %q", e.Kind, e.Name))
		}
		if len(doubted) > len(names) {
			names = append(names, fmt.Sprintf("and %d more", len(doubted)-len(names)))
		}
		fmt.Fprintf(stderr, "esimhil report: %d record%s not hold against %s director%s (the notes above: %s); the index shows what the directories hold, and the evidence is not vouched for\n",
			len(doubted), map[bool]string{true: " does", false: "s do"}[len(doubted) == 1], map[bool]string{true: "its", false: "their"}[len(doubted) == 1],
			map[bool]string{true: "y", false: "ies"}[len(doubted) == 1], strings.Join(names, ", "))
		return 1
	}
	return 0
}

// runsBelow names a few run directories under dir, for one given its
// parent by mistake ("" when there are none).
func runsBelow(dir string) string {
	const few = 3
	runs := report.RunDirsBelow(dir, few+1)
	if len(runs) == 0 {
		return ""
	}
	more := ""
	if len(runs) > few {
		runs, more = runs[:few], ", …"
	}
	return "; runs below it: " + strings.Join(runs, ", ") + more
}

// timelineCmd (re)builds the timeline page of run directories.
func timelineCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("timeline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "name shown on the page (default: a spec's name from its spec.json, else the directory's name)")
	if err := parseInterleaved(fs, args); err != nil {
		return usageExit(err)
	}
	if fs.NArg() == 0 {
		fmt.Fprintf(stderr, "esimhil timeline: no run directories\nusage: %s\n", synopsis("timeline"))
		return 2
	}
	code := 0
	for _, dir := range fs.Args() {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			if err == nil {
				err = errors.New("not a directory")
			}
			fmt.Fprintf(stderr, "esimhil timeline: %s: %v (want a run's directory, which holds its events.jsonl)\n", dir, err)
			code = 1
			continue
		}
		// A directory without events.jsonl is no run (a run's --out, make
		// run's out/): a page there would show nothing, beside the evidence.
		if st, err := os.Stat(filepath.Join(dir, harness.EventsFile)); err != nil || !st.Mode().IsRegular() {
			fmt.Fprintf(stderr, "esimhil timeline: %s: no %s in it (want a run's directory, which holds its events.jsonl)%s\n",
				dir, harness.EventsFile, runsBelow(dir))
			code = 1
			continue
		}
		// The run's --out is the directory above a scenario's.
		if err := stillRunning(filepath.Dir(filepath.Clean(dir)), dir); err != nil {
			fmt.Fprintf(stderr, "esimhil timeline: %s: %v; no page written\n", dir, err)
			code = 1
			continue
		}
		n := *name
		if n == "" {
			// A spec's page is titled by its spec, as its rig wrote it
			// (outside tester sw97: rebuilt under the directory's name).
			n = filepath.Base(filepath.Clean(dir))
			if spec, err := report.ReadSpecFile(dir); err == nil && spec.Name != "" {
				n = spec.Name
			}
		} else if ends, err := timeline.ReadLogEnds(filepath.Join(dir, harness.EventsFile)); err == nil && ends.Scenario != "" && ends.Scenario != n {
			// Said, not refused: a spec's page is titled by its spec, and
			// a reader may want another title (outside tester sw87).
			fmt.Fprintf(stderr, "esimhil timeline: %s: the page is titled %q, but its %s's run_started names scenario %q\n", dir, n, harness.EventsFile, ends.Scenario)
		}
		run, note := rebuiltRun(dir, n)
		if note != "" {
			fmt.Fprintf(stderr, "esimhil timeline: %s: %s\n", dir, note)
		}
		if v := timeline.PageVerdict(filepath.Join(dir, timeline.FileName)); run.ErrTitle == foreignRecordTitle && report.Judged(v) {
			// The page there was written with a verdict, by the run; one
			// without would replace it (outside tester sw88).
			fmt.Fprintf(stderr, "esimhil timeline: %s: its record is not this directory's (above): the page there is kept, as the run that wrote it left it; put that run's own record back, or remove %s to write a page with no verdict\n",
				dir, timeline.FileName)
			code = 1
			continue
		}
		path, err := timeline.Write(dir, run)
		if err != nil {
			fmt.Fprintf(stderr, "esimhil timeline: %v\n", err)
			code = 1
			continue
		}
		// The page a killed run left pending is written now; any other
		// INCOMPLETE says more than that, and stays. So does a pending
		// one over an event log cut mid-line, which is not whole.
		if b, err := os.ReadFile(filepath.Join(dir, harness.IncompleteFile)); err == nil && strings.HasPrefix(string(b), timeline.PagePending) {
			if ends, err := timeline.ReadLogEnds(filepath.Join(dir, harness.EventsFile)); err == nil && ends.Cut {
				fmt.Fprintf(stderr, "esimhil timeline: %s: %s kept: events.jsonl ends in the middle of a line\n", dir, harness.IncompleteFile)
			} else if err := os.Remove(filepath.Join(dir, harness.IncompleteFile)); err != nil {
				fmt.Fprintf(stderr, "esimhil timeline: %v\n", err)
				code = 1
			}
		}
		if n := timeline.Pages(dir); n > 1 {
			fmt.Fprintf(stdout, "%s (and %d more pages beside it)\n", path, n-1)
			continue
		}
		fmt.Fprintln(stdout, path)
	}
	return code
}

func emulateCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("emulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("scenario", "", "scenario file (default: the built-in roaming scenario)")
	link := fs.String("link", "", "create this symlink to the modem's tty")
	speed := fs.Float64("speed", 1, "simulated seconds per wall second")
	mode := captureFlag(fs, "capture mode: tap, live or auto")
	out := fs.String("out", "", "directory for artifacts (default: a temporary directory)")
	pers := fs.String("personality", "", "modem dialect: "+strings.Join(personality.Names(), ", ")+", or a personality file (a .yaml path: quirks, one esimhil lab personality wrote) (default: the scenario's)")
	state := fs.String("state", "", "durable state file: the card's NVM (and the platform's replay counters in FILE"+harness.PlatformStateSuffix+"), loaded at start if present, written at every change")
	if err := parseInterleaved(fs, args); err != nil {
		return usageExit(err)
	}
	if stray := strayOperands(fs); stray != "" {
		fmt.Fprintf(stderr, "esimhil emulate: %s\nusage: %s\n", stray, synopsis("emulate"))
		return 2
	}
	if !(*speed > 0) || math.IsInf(*speed, 0) {
		fmt.Fprintf(stderr, "esimhil emulate: --speed %v: want simulated seconds per wall second, more than 0 (1: real time, 60: a minute a second)\n", *speed)
		return 2
	}
	if err := checkCapture(fs, *mode); err != nil {
		fmt.Fprintf(stderr, "esimhil emulate: %v\n", err)
		return 2
	}
	if *state != "" {
		// Written at every change, beside itself: a directory that is
		// not there failed the first write, the modem already up.
		if err := checkWritable(*state); err != nil {
			fmt.Fprintf(stderr, "esimhil emulate: --state %v\n", err)
			return 2
		}
	}
	var s *scenario.Scenario
	var err error
	if *file != "" {
		s, err = scenario.Load(*file)
	} else {
		s, err = scenario.Parse(fixtures.DefaultScenarioName, fixtures.DefaultScenario)
	}
	if err != nil {
		fmt.Fprintf(stderr, "esimhil emulate: %v\n", err)
		return 1
	}
	restored := false
	if *state != "" {
		_, err := os.Stat(*state)
		restored = err == nil
	}
	// A personality file (its quirks, one a recording made) instead of
	// a built-in name: a modem's dialect rehearsed on the desk.
	var dialect *personality.Personality
	if personality.IsFile(*pers) {
		p, err := personality.LoadNameOrFile(*pers)
		if err != nil {
			fmt.Fprintf(stderr, "esimhil emulate: --personality: %v\n", err)
			return 1
		}
		dialect, *pers = &p, ""
	}
	// A state file that cannot be written stops the emulator: the card
	// must not go on acknowledging what it does not store.
	run, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	r, err := harness.NewRig(s, harness.Options{
		Link: *link, NoHost: true, NoTLSTickets: true, Dir: *out, Capture: capture.Mode(*mode), Personality: *pers, Dialect: dialect, State: *state,
		OnStateError: func(err error) { stop(fmt.Errorf("state not stored: %w", err)) },
	})
	if err != nil {
		fmt.Fprintf(stderr, "esimhil emulate: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "scenario  %s\n", s.Name)
	fmt.Fprintf(stdout, "seed      %d\n", r.Seed)
	fmt.Fprintf(stdout, "modem     %s (%s)\n", r.Personality.Name, r.Personality.Model)
	fmt.Fprintf(stdout, "tty       %s\n", r.Modem.Path())
	if *link != "" {
		fmt.Fprintf(stdout, "link      %s\n", *link)
	}
	if *state != "" {
		from := "new card"
		if restored {
			from = "card restored"
		}
		fmt.Fprintf(stdout, "state     %s (%s; written at every change)\n", *state, from)
	}
	scheme := "http"
	if s.Platform.TLS {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "platform  %s://%s (Host: %s)\n", scheme, r.Platform.Addr(), harness.PlatformHost)
	for _, e := range r.SMDPEndpoints() {
		fmt.Fprintf(stdout, "smdp      %s https://%s (listening on %s)\n", e.Operator, e.Host, e.Addr)
		if ac, err := r.ActivationCode(e.Operator); err == nil {
			fmt.Fprintf(stdout, "          activation code %s\n", ac)
		} else {
			fmt.Fprintf(stderr, "esimhil emulate: %s: %v\n", e.Operator, err)
		}
	}
	if ci, err := r.WriteCI(); err == nil {
		fmt.Fprintf(stdout, "test CI   %s\n", ci)
	}
	fmt.Fprintf(stdout, "artifacts %s\n", r.Dir())
	fmt.Fprintf(stdout, "speed     %gx (Ctrl-C to stop)\n", *speed)
	r.Loop.FollowWall(run, *speed, 50*time.Millisecond, func(err error) {
		fmt.Fprintf(stderr, "esimhil emulate: %v\n", err)
	})
	stateFailed := ctx.Err() == nil && run.Err() != nil
	if stateFailed {
		r.MarkIncomplete(context.Cause(run).Error())
	}
	if err := r.Close(); err != nil {
		fmt.Fprintf(stderr, "esimhil emulate: close: %v\n", err)
		return 1
	}
	switch {
	case stateFailed:
		fmt.Fprintf(stderr, "esimhil emulate: %v; stopped\n", context.Cause(run))
		return 1
	case ctx.Err() != nil:
		fmt.Fprintf(stdout, "%v; artifacts in %s\n", context.Cause(ctx), r.Dir())
		return interruptedCode(ctx)
	}
	fmt.Fprintf(stdout, "stopped; artifacts in %s\n", r.Dir())
	return 0
}

// continued indents the lines of a result's text after its first, as
// the lines under a FAIL are: an error joined from two (a capture's and
// its flush's on a full disk) read as a line of its own at column 0
// (outside tester t63).
func continued(text string) string {
	return strings.ReplaceAll(text, "\n", "\n      ")
}

// labSpeedIn is the clock rate a lab run's at.log in dir names in its
// first line (lab.SpeedOf), 0 when it names none.
func labSpeedIn(dir string) float64 {
	f, err := os.Open(filepath.Join(dir, harness.ATLogFile))
	if err != nil {
		return 0
	}
	defer f.Close()
	head := make([]byte, 4096) // a header line is a path and a few words
	n, _ := io.ReadFull(f, head)
	line, _, _ := strings.Cut(string(head[:n]), "\n")
	speed, _ := lab.SpeedOf(line)
	return speed
}

// rebuiltRun is what a page written again from dir says of its run: the
// verdict, times and message its spec.json (a spec) or ../results.json (an
// `esimhil run` scenario) recorded, the seed of its run_started event, and
// INCOMPLETE's reason. note says what could not be found.
func rebuiltRun(dir, name string) (timeline.Run, string) {
	run := timeline.Run{Name: name}
	run.SMDP, run.SMDPOrder = keptSMDPs(dir)
	if b, err := os.ReadFile(filepath.Join(dir, harness.IncompleteFile)); err == nil && !strings.HasPrefix(string(b), timeline.PagePending) {
		run.Incomplete = strings.TrimSpace(string(b))
	}
	var entry *report.Entry
	var damaged error // a record there that does not read
	spec, err := report.ReadSpecFile(dir)
	switch {
	case err == nil:
		entry = &spec
	case errors.Is(err, os.ErrNotExist):
		es, err := report.ReadScenarios(filepath.Join(dir, "..", report.ScenariosFile))
		switch {
		case err == nil:
			for i := range es {
				if es[i].Dir != "" && filepath.Base(filepath.Clean(es[i].Dir)) == filepath.Base(filepath.Clean(dir)) {
					entry = &es[i]
				}
			}
		case !errors.Is(err, os.ErrNotExist):
			damaged = err
		}
	default:
		damaged = err
	}
	note, foreign := "", ""
	var disagree []string
	if entry != nil {
		// What the directory holds now: the record may predate its end,
		// or be of another run than the directory holds.
		disagree = report.Reconcile(entry)
		disagree = append(disagree, report.Recheck(entry, harness.Recheck)...)
		if entry.Verdict == report.NotRecorded {
			foreign, entry = entry.Message, nil
		}
	}
	if entry != nil {
		run.Kind, run.Verdict, run.Simulated, run.Wall, run.Speed = entry.Kind, entry.Verdict, entry.Simulated, entry.Wall, entry.LabSpeed
		run.Unfired = entry.Unfired
		run.OpenCycle = entry.OpenCycle
		run.Dropped = entry.Dropped
		run.Owed = entry.Owed
		run.TimesUnknown = entry.Unfinished
		if entry.Seed != nil {
			run.Seed = *entry.Seed
		}
		switch entry.Verdict {
		case "fail":
			run.Mismatches = strings.Split(entry.Message, "\n")
		case "error":
			run.Err = entry.Message
		}
		switch {
		case len(disagree) > 0:
			run.ErrTitle = "Its record and its directory disagree"
			if run.Err == "" && len(run.Mismatches) == 0 {
				run.Err = strings.Join(disagree, "\n") // a passing record's: nothing else speaks
			}
			note = strings.Join(disagree, "; ")
		case entry.Unfinished:
			run.ErrTitle = "Not finished"
			// The record's message says so in its own first words.
			run.Err = strings.TrimPrefix(strings.TrimPrefix(run.Err, "not finished: "), "did not finish: ")
		case entry.Verdict == "error" && strings.HasPrefix(entry.Message, "stopped by "):
			run.ErrTitle = timeline.StoppedTitle
		}
	} else if foreign != "" {
		note = strings.Join(disagree, "; ") + ": the page shows no verdict"
		run.ErrTitle, run.Err = foreignRecordTitle, foreign
		run.TimesUnknown = true
	} else if damaged != nil {
		// Not "no verdict recorded": one was, and cannot be read
		// (outside tester sw130 N5).
		note = "its record does not read: " + damaged.Error() + ": the page shows no verdict"
		run.ErrTitle, run.Err = damagedRecordTitle, damaged.Error()
		run.TimesUnknown = true
	} else {
		note = "no verdict recorded for it (" + report.SpecFile + " beside it, or ../" + report.ScenariosFile + "): the page shows none"
		run.TimesUnknown = true
	}
	if entry == nil {
		// No record: a lab run's at.log says its clock in its first
		// line (outside tester t63: the page fell back to "simulated").
		run.Speed = labSpeedIn(dir)
	}
	if err := notesFromLog(dir, &run.Dropped, &run.Owed); err != nil {
		note = joinNote(note, harness.EventsFile+": "+err.Error()+": the page may not name every note the card dropped or owed")
	}
	ends, err := timeline.ReadLogEnds(filepath.Join(dir, harness.EventsFile))
	if entry == nil || entry.Seed == nil {
		run.Seed, run.NoSeed = ends.Seed, err != nil || !ends.HasSeed
	}
	run.Personality = ends.Personality // the log says what the modem spoke
	return run, note
}

// notesFromLog fills in what a run's record leaves empty of the notes
// the card dropped and still owed the platform and the SM-DP+s, from the
// run's event log in dir (scenario.NotesInLog): with no record, or an
// unfinished run's, which names none though its log may end in run_ended
// (outside tester t84 N3: a run killed while its page was written). A log
// that cannot be read says nothing; one with a bad line, the error.
func notesFromLog(dir string, dropped *string, stillOwed *owed.Notes) error {
	if *dropped != "" && stillOwed.AllSaid() {
		return nil
	}
	f, err := os.Open(filepath.Join(dir, harness.EventsFile))
	if err != nil {
		return nil
	}
	defer f.Close()
	n, err := scenario.NotesInLog(f)
	*dropped, *stillOwed = cmp.Or(*dropped, n.Dropped), stillOwed.Or(n.Owed)
	return err
}

// joinNote adds more to a rebuilt page's note.
func joinNote(note, more string) string {
	if note == "" {
		return more
	}
	return note + "; " + more
}

// gather is report.Gather with each finished scenario's verdict checked
// again from its directory (report.Recheck).
func gather(out string) ([]report.Entry, []string, error) {
	entries, notes, err := report.Gather(out)
	if err != nil {
		return nil, nil, err
	}
	for i := range entries {
		e := &entries[i]
		notes = append(notes, report.Recheck(e, harness.Recheck)...)
		if e.Kind == "scenario" && e.Unfinished && e.Dir != "" {
			// Its record was written before the end: what the log says
			// of the notes, the index and JUnit say too.
			if err := notesFromLog(e.Dir, &e.Dropped, &e.Owed); err != nil {
				notes = append(notes, fmt.Sprintf("%s %q: %s: %v: its notes may not all be named", e.Kind, e.Name, harness.EventsFile, err))
			}
		}
	}
	return entries, notes, nil
}

// keptSMDPs maps each SM-DP+ host of the scenario a run's directory kept
// to its operator, as the run's own page had them (outside tester sw98: a
// page written again drew an SM-DP+ named unlike its operator on a lane
// of its host's), and the operators in the scenario's order (their lanes'
// order); nil without a kept scenario that parses.
func keptSMDPs(dir string) (hosts map[string]string, order []string) {
	src, err := os.ReadFile(filepath.Join(dir, ScenarioCopy))
	if err != nil {
		return nil, nil
	}
	s, err := scenario.Parse(ScenarioCopy, src)
	if err != nil {
		return nil, nil
	}
	return harness.SMDPHosts(s), harness.SMDPOperators(s)
}

// damagedRecordTitle heads the page of a run whose record does not read.
const damagedRecordTitle = "Its record is damaged; the page shows no verdict"

// foreignRecordTitle heads the page of a run whose record is another run's.
const foreignRecordTitle = "Its record is another run's"

// captureFlag is --capture. Unset, it is $ESIMHIL_CAPTURE, which every rig
// of a suite takes, else the tap: one variable chooses for both.
func captureFlag(fs *flag.FlagSet, usage string) *string {
	def := string(capture.Default)
	if v := os.Getenv(harness.CaptureEnv); v != "" {
		def = v
	}
	return fs.String("capture", def, usage+"; unset: $"+harness.CaptureEnv+", else tap")
}

// checkCapture checks --capture's mode, naming where it came from.
func checkCapture(fs *flag.FlagSet, mode string) error {
	if _, err := capture.ParseMode(mode); err != nil {
		from := "$" + harness.CaptureEnv
		if flagGiven(fs, "capture") {
			from = "--capture"
		}
		return fmt.Errorf("%s: %w", from, err)
	}
	return nil
}

// junitClobbers says why writing the JUnit report at path would destroy
// evidence: the run's own results.json or index page in out, a file in a
// scenario's directory there, or an existing file that is no JUnit
// report (a scenario, a log given by mistake).
func junitClobbers(path, out string) error {
	abs, err1 := filepath.Abs(path)
	absOut, err2 := filepath.Abs(out)
	if err1 == nil && err2 == nil {
		switch rel, err := filepath.Rel(absOut, abs); {
		case err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)):
		case rel == report.ScenariosFile || rel == report.IndexFile:
			return fmt.Errorf("is the run's own %s in --out; name another file", rel)
		case strings.ContainsRune(rel, filepath.Separator):
			return fmt.Errorf("is inside %s, where the run keeps a scenario's artifacts; name a file beside them (e.g. %s)",
				filepath.Join(out, strings.SplitN(rel, string(filepath.Separator), 2)[0]), filepath.Join(out, "junit.xml"))
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil // not there (or unreadable: the write will say)
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	if n > 0 && !bytes.Contains(head[:n], []byte("<testsuite")) {
		return errors.New("exists and is not a JUnit report: refusing to overwrite it")
	}
	return nil
}

// savedIn is path when writing it did not fail (err), else "".
func savedIn(err error, path string) string {
	if err != nil {
		return ""
	}
	return path
}

// writableDir says whether a file can be made in dir, or in the nearest
// directory above it that exists (dir itself is made when the file is
// written), by making one there: on a read-only mount, or for root, the
// mode bits do not tell. Its error names the directories, never the
// probe (outside tester t135 F9: "open /proc/.esimhil-probe-1272792903").
func writableDir(dir string) error {
	want := dir
	for {
		st, err := os.Stat(dir)
		if err == nil {
			if !st.IsDir() {
				return fmt.Errorf("%s is not a directory", dir)
			}
			break
		}
		// ENOTDIR: a plain file above, which the next round names.
		if !errors.Is(err, iofs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
			return err
		}
		up := filepath.Dir(dir)
		if up == dir {
			return err
		}
		dir = up
	}
	f, err := os.CreateTemp(dir, ".esimhil-probe-*")
	if err != nil {
		why := err
		var pe *iofs.PathError
		if errors.As(err, &pe) {
			why = pe.Err // the probe's name is ours, not the user's
		}
		if dir != want {
			return fmt.Errorf("%s does not exist, and %s, the nearest directory above it that does, takes no new directory: %v", want, dir, why)
		}
		return fmt.Errorf("%s takes no new file: %v", dir, why)
	}
	f.Close()
	return os.Remove(f.Name())
}
