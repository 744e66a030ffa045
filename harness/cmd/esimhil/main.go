// Command esimhil runs scenarios on the emulated rig and starts a standalone
// emulated modem for people and tools to drive.
//
//	esimhil run [--seed N] [--out DIR] [--capture auto|live|tap] SCENARIO.yaml...
//	esimhil emulate [--scenario F] [--link PATH] [--speed X] [--capture MODE]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/esimhil/esimhil/fixtures"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/scenario"
)

const usage = `usage:
  esimhil run [--seed N] [--out DIR] [--capture auto|live|tap] SCENARIO.yaml...
  esimhil emulate [--scenario F] [--link PATH] [--speed X] [--capture auto|live|tap] [--out DIR]
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
	out := fs.String("out", "out", "directory for per-scenario artifacts")
	mode := fs.String("capture", "auto", "capture mode: auto, live (AF_PACKET, needs CAP_NET_RAW) or tap")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintf(stderr, "esimhil run: no scenario files\n%s", usage)
		return 2
	}
	code := 0
	for _, path := range fs.Args() {
		s, err := scenario.Load(path)
		if err != nil {
			fmt.Fprintf(stdout, "ERROR %s: %v\n", path, err)
			code = 1
			continue
		}
		res := harness.RunScenario(s, harness.Options{
			Seed: *seed, Dir: filepath.Join(*out, s.Name), Capture: capture.Mode(*mode),
		})
		switch {
		case res.Err != nil:
			fmt.Fprintf(stdout, "ERROR %s (seed %d): %v [%s]\n", s.Name, res.Seed, res.Err, res.Dir)
			code = 1
		case len(res.Mismatches) > 0:
			fmt.Fprintf(stdout, "FAIL  %s (seed %d, %v simulated, %v): %d expectation(s) failed [%s]\n",
				s.Name, res.Seed, res.Simulated, res.Wall.Round(time.Millisecond), len(res.Mismatches), res.Dir)
			for _, m := range res.Mismatches {
				fmt.Fprintf(stdout, "      - %s\n", m)
			}
			code = 1
		default:
			fmt.Fprintf(stdout, "PASS  %s (seed %d, %v simulated, %v) [%s]\n",
				s.Name, res.Seed, res.Simulated, res.Wall.Round(time.Millisecond), res.Dir)
		}
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
	if err := fs.Parse(args); err != nil {
		return 2
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
	r, err := harness.NewRig(s, harness.Options{Link: *link, NoHost: true, Dir: *out, Capture: capture.Mode(*mode)})
	if err != nil {
		fmt.Fprintf(stderr, "esimhil emulate: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "scenario  %s\n", s.Name)
	fmt.Fprintf(stdout, "tty       %s\n", r.Modem.Path())
	scheme := "http"
	if s.Platform.TLS {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "platform  %s://%s (Host: %s)\n", scheme, r.Platform.Addr(), harness.PlatformHost)
	for _, e := range r.SMDPEndpoints() {
		fmt.Fprintf(stdout, "smdp      %s https://%s (listening on %s)\n", e.Operator, e.Host, e.Addr)
	}
	if ci, err := r.WriteCI(); err == nil {
		fmt.Fprintf(stdout, "test CI   %s\n", ci)
	}
	fmt.Fprintf(stdout, "artifacts %s\n", r.Dir())
	fmt.Fprintf(stdout, "speed     %gx (Ctrl-C to stop)\n", *speed)
	r.Loop.FollowWall(ctx, *speed, 50*time.Millisecond, func(err error) {
		fmt.Fprintf(stderr, "esimhil emulate: %v\n", err)
	})
	if err := r.Close(); err != nil {
		fmt.Fprintf(stderr, "esimhil emulate: close: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "stopped; artifacts in %s\n", r.Dir())
	return 0
}
