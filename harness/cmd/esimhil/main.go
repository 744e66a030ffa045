// Command esimhil runs scenarios on the emulated rig and starts a standalone
// emulated modem for people and tools to drive.
//
//	esimhil run [--seed N] [--out DIR] [--capture tap|live|auto] SCENARIO.yaml...
//	esimhil emulate [--scenario F] [--personality NAME] [--state FILE] [--link PATH] [--speed X] [--capture MODE]
//	esimhil lab discover|record|diff|personality|sniff ...
//	esimhil replay [--out DIR] [-v] FIXTURE_DIR...
//	esimhil log [--format F] LOG...
//	esimhil fixture --name N [--dir D] [--source S] LOG...
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/esimhil/esimhil/fixtures"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/personality"
)

const usage = `usage:
  esimhil run [--seed N] [--out DIR] [--capture tap|live|auto] SCENARIO.yaml...
  esimhil emulate [--scenario F] [--personality NAME] [--state FILE] [--link PATH] [--speed X]
                  [--capture tap|live|auto] [--out DIR]
  esimhil lab discover|record|diff|personality|sniff ...   (esimhil lab for details)
  esimhil replay [--out DIR] [-v] FIXTURE_DIR...
  esimhil log [--format F] LOG...
  esimhil fixture --name N [--dir D] [--source S] LOG...
`

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-sigs
		// A second signal kills at once (the default action).
		signal.Reset(os.Interrupt, syscall.SIGTERM)
		cancel(stopSignal{sig})
	}()
	os.Exit(cli(ctx, os.Args[1:], os.Stdout, os.Stderr))
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
	}
	return sig.String()
}

// interruptedCode is the exit status of a command a signal ended: 128 plus
// the signal's number, as shells report a process killed by it (130 for
// SIGINT, 143 for SIGTERM).
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
	switch args[0] {
	case "run":
		return runCmd(ctx, args[1:], stdout, stderr)
	case "emulate":
		return emulateCmd(ctx, args[1:], stdout, stderr)
	case "lab":
		return labCmd(ctx, args[1:], stdout, stderr)
	case "replay":
		return replayCmd(ctx, args[1:], stdout, stderr)
	case "log":
		return logCmd(args[1:], stdout, stderr)
	case "fixture":
		return fixtureCmd(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "esimhil: unknown command %q\n%s", args[0], usage)
	return 2
}

func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seed := fs.Int64("seed", 0, "seed for every random choice (0: the scenario's own seed)")
	out := fs.String("out", "out", "directory for per-scenario artifacts")
	mode := fs.String("capture", string(capture.Default), "capture mode: tap, live (AF_PACKET, needs CAP_NET_RAW) or auto (live when possible)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintf(stderr, "esimhil run: no scenario files\n%s", usage)
		return 2
	}
	code := 0
	for i, path := range fs.Args() {
		if ctx.Err() != nil {
			fmt.Fprintf(stdout, "SKIP  %d scenario(s) not run: %v\n", fs.NArg()-i, context.Cause(ctx))
			return interruptedCode(ctx)
		}
		s, err := scenario.Load(path)
		if err != nil {
			fmt.Fprintf(stdout, "ERROR %s: %v\n", path, err)
			code = 1
			continue
		}
		name := s.Name
		res := harness.RunScenario(s, harness.Options{
			Seed: *seed, Dir: filepath.Join(*out, s.Name), Capture: capture.Mode(*mode), Context: ctx,
			Progress: func(now, horizon time.Duration) {
				fmt.Fprintf(stderr, "...   %s: %v of %v simulated\n", name, now, horizon)
			},
		})
		switch {
		case ctx.Err() != nil:
			fmt.Fprintf(stdout, "STOP  %s (seed %d, %v of %v simulated): %v; artifacts incomplete [%s]\n",
				s.Name, res.Seed, res.Simulated, harness.Horizon(s), context.Cause(ctx), res.Dir)
			if n := fs.NArg() - i - 1; n > 0 {
				fmt.Fprintf(stdout, "SKIP  %d scenario(s) not run: %v\n", n, context.Cause(ctx))
			}
			return interruptedCode(ctx)
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
	mode := fs.String("capture", string(capture.Default), "capture mode: tap, live or auto")
	out := fs.String("out", "", "directory for artifacts (default: a temporary directory)")
	pers := fs.String("personality", "", "modem dialect: "+strings.Join(personality.Names(), ", ")+" (default: the scenario's)")
	state := fs.String("state", "", "durable state file: the card's NVM (and the platform's replay counters in FILE"+harness.PlatformStateSuffix+"), loaded at start if present, written at every change")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "esimhil emulate: unexpected arguments %q\n%s", fs.Args(), usage)
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
	restored := false
	if *state != "" {
		_, err := os.Stat(*state)
		restored = err == nil
	}
	// A state file that cannot be written stops the emulator: the card
	// must not go on acknowledging what it does not store.
	run, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	r, err := harness.NewRig(s, harness.Options{
		Link: *link, NoHost: true, Dir: *out, Capture: capture.Mode(*mode), Personality: *pers, State: *state,
		OnStateError: func(err error) { stop(fmt.Errorf("state not stored: %w", err)) },
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
