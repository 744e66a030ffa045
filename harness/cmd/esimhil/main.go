// Command esimhil runs scenarios on the emulated rig and starts a standalone
// emulated modem for people and tools to drive.
//
//	esimhil run [--seed N] [--out DIR] [--capture auto|live|tap] [--junit FILE] SCENARIO.yaml...
//	esimhil report [--out DIR]
//	esimhil timeline [--name NAME] RUNDIR...
//	esimhil emulate [--scenario F] [--personality NAME] [--state FILE] [--link PATH] [--speed X] [--capture MODE]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/esimhil/esimhil/emulators/modem"
	"github.com/esimhil/esimhil/fixtures"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/progress"
	"github.com/esimhil/esimhil/harness/report"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/harness/timeline"
)

const usage = `usage:
  esimhil run [--seed N] [--out DIR] [--capture auto|live|tap] [--junit FILE] SCENARIO.yaml...
  esimhil report [--out DIR]
  esimhil timeline [--name NAME] RUNDIR...
  esimhil emulate [--scenario F] [--personality NAME] [--state FILE] [--link PATH] [--speed X]
                  [--capture auto|live|tap] [--out DIR]
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// cli runs one command; ctx ends `emulate`.
func cli(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "run":
		return runCmd(args[1:], stdout, stderr)
	case "emulate":
		return emulateCmd(ctx, args[1:], stdout, stderr)
	case "report":
		return reportCmd(args[1:], stdout, stderr)
	case "timeline":
		return timelineCmd(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "esimhil: unknown command %q\n%s", args[0], usage)
	return 2
}

func runCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seed := fs.Int64("seed", 0, "seed for every random choice (0: the scenario's own seed)")
	out := fs.String("out", "out", "directory for per-scenario artifacts, timelines and results.json")
	mode := fs.String("capture", "auto", "capture mode: auto, live (AF_PACKET, needs CAP_NET_RAW) or tap")
	junit := fs.String("junit", "", "also write the results as JUnit XML to this file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintf(stderr, "esimhil run: no scenario files\n%s", usage)
		return 2
	}
	code := 0
	meter := progress.New(stdout, "run", fs.NArg(), progress.Unit("scenarios"))
	var results []report.Entry
	for _, path := range fs.Args() {
		s, err := scenario.Load(path)
		if err != nil {
			meter.Printf("ERROR %s: %v\n", path, err)
			meter.Done(false)
			results = append(results, report.Entry{Kind: "scenario", Name: path, Verdict: "error", Message: err.Error()})
			code = 1
			continue
		}
		res := harness.RunScenario(s, harness.Options{
			Seed: *seed, Dir: filepath.Join(*out, s.Name), Capture: capture.Mode(*mode),
		})
		e := report.Entry{Kind: "scenario", Name: s.Name, Verdict: res.Verdict(), Seed: res.Seed,
			Simulated: res.Simulated, Wall: res.Wall, Dir: res.Dir, Timeline: res.Timeline}
		switch {
		case res.Err != nil:
			meter.Printf("ERROR %s (seed %d): %v [%s]\n", s.Name, res.Seed, res.Err, res.Dir)
			e.Message = res.Err.Error()
			code = 1
		case len(res.Mismatches) > 0:
			meter.Printf("FAIL  %s (seed %d, %v simulated, %v): %d expectation(s) failed [%s]\n",
				s.Name, res.Seed, res.Simulated, res.Wall.Round(time.Millisecond), len(res.Mismatches), res.Dir)
			for _, m := range res.Mismatches {
				meter.Printf("      - %s\n", m)
			}
			e.Message = strings.Join(res.Mismatches, "\n")
			code = 1
		default:
			meter.Printf("PASS  %s (seed %d, %v simulated, %v) [%s]\n",
				s.Name, res.Seed, res.Simulated, res.Wall.Round(time.Millisecond), res.Dir)
		}
		if res.TimelineErr != nil {
			meter.Printf("      (no timeline: %v)\n", res.TimelineErr)
		}
		meter.Done(res.OK())
		results = append(results, e)
	}
	meter.Finish()
	if err := report.WriteScenarios(filepath.Join(*out, report.ScenariosFile), results); err != nil {
		fmt.Fprintf(stderr, "esimhil run: %v\n", err)
		code = 1
	}
	if *junit != "" {
		if err := report.WriteJUnit(*junit, "esimhil scenarios", results); err != nil {
			fmt.Fprintf(stderr, "esimhil run: %v\n", err)
			code = 1
		}
	}
	return code
}

// reportCmd writes DIR/index.html from what make run left in DIR.
func reportCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "out", "the run's output directory (report.json, scenarios/)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	entries, notes, err := report.Gather(*out)
	if err != nil {
		fmt.Fprintf(stderr, "esimhil report: %v\n", err)
		return 1
	}
	path, err := report.WriteIndex(*out, entries, notes)
	if err != nil {
		fmt.Fprintf(stderr, "esimhil report: %v\n", err)
		return 1
	}
	for _, n := range notes {
		fmt.Fprintf(stderr, "esimhil report: %s\n", n)
	}
	fmt.Fprintf(stdout, "%s: %d runs\n", path, len(entries))
	return 0
}

// timelineCmd (re)builds the timeline page of run directories.
func timelineCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("timeline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "name shown on the page (default: the directory's name)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintf(stderr, "esimhil timeline: no run directories\n%s", usage)
		return 2
	}
	code := 0
	for _, dir := range fs.Args() {
		n := *name
		if n == "" {
			n = filepath.Base(filepath.Clean(dir))
		}
		path, err := timeline.Write(dir, timeline.Run{Name: n})
		if err != nil {
			fmt.Fprintf(stderr, "esimhil timeline: %v\n", err)
			code = 1
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
	mode := fs.String("capture", "auto", "capture mode: auto, live or tap")
	out := fs.String("out", "", "directory for artifacts (default: a temporary directory)")
	pers := fs.String("personality", "", "modem dialect: "+strings.Join(modem.Personalities(), ", ")+" (default: the scenario's)")
	state := fs.String("state", "", "card NVM file: loaded at start if it exists, saved at a clean stop")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "esimhil emulate: unexpected arguments %q\n%s", fs.Args(), usage)
		return 2
	}
	var nvm []byte
	if *state != "" {
		b, err := os.ReadFile(*state)
		if err != nil && !errors.Is(err, iofs.ErrNotExist) {
			fmt.Fprintf(stderr, "esimhil emulate: %v\n", err)
			return 1
		}
		nvm = b
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
	r, err := harness.NewRig(s, harness.Options{
		Link: *link, NoHost: true, Dir: *out, Capture: capture.Mode(*mode), Personality: *pers, NVM: nvm,
	})
	if err != nil {
		fmt.Fprintf(stderr, "esimhil emulate: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "scenario  %s\n", s.Name)
	fmt.Fprintf(stdout, "modem     %s (%s)\n", r.Personality.Name, r.Personality.Model)
	fmt.Fprintf(stdout, "tty       %s\n", r.Modem.Path())
	if *link != "" {
		fmt.Fprintf(stdout, "link      %s\n", *link)
	}
	if *state != "" {
		from := "new card"
		if nvm != nil {
			from = "card restored"
		}
		fmt.Fprintf(stdout, "state     %s (%s)\n", *state, from)
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
	r.Loop.FollowWall(ctx, *speed, 50*time.Millisecond, func(err error) {
		fmt.Fprintf(stderr, "esimhil emulate: %v\n", err)
	})
	code := 0
	if *state != "" {
		if err := saveState(r, *state); err != nil {
			fmt.Fprintf(stderr, "esimhil emulate: %v\n", err)
			code = 1
		} else {
			fmt.Fprintf(stdout, "card NVM saved to %s\n", *state)
		}
	}
	if err := r.Close(); err != nil {
		fmt.Fprintf(stderr, "esimhil emulate: close: %v\n", err)
		return 1
	}
	if code != 0 {
		return code
	}
	fmt.Fprintf(stdout, "stopped; artifacts in %s\n", r.Dir())
	return 0
}

// saveState writes the card's NVM image next to path and renames it in
// place, so an interrupted save never leaves half a card.
func saveState(r *harness.Rig, path string) error {
	var img []byte
	var err error
	r.Loop.Do(func() { img, err = r.Card.NVM() })
	if err != nil {
		return fmt.Errorf("card NVM: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, img, 0o644); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("save state: %w", err)
	}
	return nil
}
