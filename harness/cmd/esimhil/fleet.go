package main

import (
	"cmp"
	"context"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/cmd/internal/seedflag"
	"github.com/esimhil/esimhil/harness/fleet"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/rlimit"
)

const fleetUsage = `usage:
  esimhil fleet --scenario-template F [--devices N] [--arrive-within D] [--dwell D] [--ptys N]
                [--seed N] [--shard i/n] [--platform URL] [--smdp op=URL]... [--out FILE]
                [--accept-unchecked] [--give-up-after D] [--lists strict|report]
  esimhil fleet merge [--out FILE] [--accept-unchecked] [--accept-stopped] RESULT.json...
  esimhil serve --scenario F [--seed N] [--listen HOST:PORT] [--smdp-listen op=HOST:PORT]... [--ci FILE]
                [--out DIR] [--max-events-bytes N]
`

const uncheckedUsage = "pass a storm whose external platform's log could not be read whole (reported NOT CHECKED) on its other figures"

// fleetMemoryLimit keeps a storm's heap (and so its resident memory)
// under 2 GiB: the garbage collector works harder as it nears it.
const fleetMemoryLimit = 1792 << 20

// repeated collects a repeatable flag.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// fleetCommands are esimhil fleet's own commands; any other first
// operand is the storm's (refused as stray).
var fleetCommands = map[string]runFunc{"merge": noContext(fleetMergeCmd)}

func fleetCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if run, ok := fleetCommands[args[0]]; ok {
			return run(ctx, args[1:], stdout, stderr)
		}
	}
	fs := flag.NewFlagSet("fleet", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tmpl := fs.String("scenario-template", "", "fleet template (fixtures/fleet/*.yaml)")
	// Typed as the template's fields are checked, so a typo is refused
	// saying what was wanted (outside tester sw116: "parse error").
	devices := intVar(fs, "devices", 0, fmt.Sprintf("a whole number of devices from 1 to %d", fleet.MaxDevices), "`number` of devices (default: the template's)")
	within := durationVar(fs, "arrive-within", 0, "arrival window, a `duration` such as 10m (default: the template's)")
	dwell := durationVar(fs, "dwell", 0, "how long each device is followed after it arrives, a `duration` such as 30m (default: the template's)")
	// Default 0, not a -1 sentinel: only a given flag is read (Visit), and
	// -h printed "(default -1)" beside a refusal of -1 as negative.
	ptys := intVar(fs, "ptys", 0, "a whole number of devices on a pty, from 0 to --devices", "`number` of devices with a real pty; the others are linked in memory (default: the template's)")
	seed := seedflag.Var(fs, "seed", 0, "seed of the whole fleet and of its test PKI (default: the template's, or else its base scenario's)")
	shard := fs.String("shard", "", "run one slice i/n of the fleet (0 ≤ i < n)")
	platformURL := fs.String("platform", "", "external platform http[s]://host:port (default: the emulator, in this process)")
	var smdps repeated
	fs.Var(&smdps, "smdp", "external SM-DP+ of an operator, op=https://host:port (repeatable; needs --platform)")
	out := fs.String("out", "", "write the mergeable result (JSON) to this file")
	acceptUnchecked := fs.Bool("accept-unchecked", false, uncheckedUsage)
	lists := fs.String("lists", fleet.ListsStrict, "how the cards' preferred lists are held against the template's: strict fails a device given another list; report (with --platform) counts and names each departure")
	giveUp := durationVar(fs, "give-up-after", 2*time.Minute, "stop the storm when its servers have sent nothing for this `duration` while exchanges waited (0: never)")
	if err := parseInterleaved(fs, args); err != nil {
		return usageExit(err)
	}
	if stray := strayOperands(fs); stray != "" {
		fmt.Fprintf(stderr, "esimhil fleet: %s\n%s", stray, fleetUsage)
		return 2
	}
	if *tmpl == "" {
		fmt.Fprintf(stderr, "esimhil fleet: --scenario-template is required\n%s", fleetUsage)
		return 2
	}
	// Every problem is reported, one line each, before anything runs:
	// fixing one to meet the next would take as many tries as problems.
	var probs []string
	problem := func(err error) {
		// The template's reader and Validate give one line a problem:
		// those of the file carry its name and place, a flag's its name.
		probs = append(probs, strings.Split(err.Error(), "\n")...)
	}
	// The slice this process runs, before the pty room is judged; a
	// bad one is told after the template's problems, in the flags' order.
	var shardI, shardN int
	var shardErr error
	if *shard != "" {
		shardI, shardN, shardErr = parseShard(*shard)
	}
	t, err := fleet.Load(*tmpl)
	// Every device loads $ESIMHIL_PERSONALITY: a bad one is one problem
	// before the storm, not one failure a device — checked as esimhil run
	// checks it.
	if _, perr := readPersonalityEnv(); perr != nil {
		problem(perr)
	}
	if err != nil {
		problem(err)
	} else {
		// A flag given replaces the template's value, even with its default.
		var given fleet.Flags
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "devices":
				given.Devices = devices
			case "arrive-within":
				given.ArriveWithin = within
			case "dwell":
				given.Dwell = dwell
			case "ptys":
				given.PTYs = ptys
			case "seed":
				given.Seed = seed
			}
		})
		t.Override(given)
		room := ptyRoom()
		room.Shard, room.Shards = shardI, shardN
		if shardErr != nil {
			// Which devices this process runs is unknown: the room is
			// judged once the shard is right (outside tester sw129).
			room = fleet.NoPTYLimit
		}
		if err := t.Validate(room); err != nil {
			problem(err)
		}
	}
	if *giveUp != 0 && *giveUp < fleet.MinGiveUpAfter {
		problem(fmt.Errorf("--give-up-after %v: want 0 (never) or at least %v, the cards' own BIP limit for an exchange", *giveUp, fleet.MinGiveUpAfter))
	}
	cfg := fleet.Config{Template: t, Platform: *platformURL, SMDP: map[string]string{}, Progress: stderr, GiveUpAfter: *giveUp, Shard: shardI, Shards: shardN, Lists: *lists}
	if err := fleet.CheckLists(*lists, *platformURL); err != nil {
		problem(err)
	}
	// An empty --platform (a Job's PLATFORM_URL left unset) was refused
	// with the flags, never taken for the emulated platform.
	if *platformURL != "" {
		if err := checkURL(*platformURL, "http", "https"); err != nil {
			problem(fmt.Errorf("--platform %q: %w", *platformURL, err))
		}
	}
	if shardErr != nil {
		problem(shardErr)
	}
	for _, v := range smdps {
		op, u, err := fleet.ParseSMDPFlag(v)
		if err != nil {
			problem(err)
			continue
		}
		if err := checkURL(u, "https"); err != nil {
			if scheme, _, _ := strings.Cut(u, "://"); strings.EqualFold(scheme, "http") {
				err = errors.New("ES9+ is HTTPS (SGP.22 §2.6.6), the cards speak nothing else: want https://host:port")
			}
			problem(fmt.Errorf("--smdp %s=%s: %w", op, u, err))
			continue
		}
		if prev, ok := cfg.SMDP[op]; ok {
			// The first would be neither probed nor used.
			problem(fmt.Errorf("--smdp %s given twice (%s and %s): one SM-DP+ an operator", op, prev, u))
			continue
		}
		cfg.SMDP[op] = u
	}
	if *out != "" {
		// Before the storm, not after it: a shard of a Kubernetes job
		// would lose its whole run to a mistyped path.
		if err := checkWritable(*out); err != nil {
			problem(fmt.Errorf("--out %w", err))
		}
	}
	if len(probs) > 0 {
		for _, line := range probs {
			fmt.Fprintf(stderr, "esimhil fleet: %s\n", line)
		}
		return 2
	}
	if *out != "" {
		// A result left from an earlier storm would pass for this one's
		// if this one is killed before it writes its own (a preempted
		// pod, the OOM killer): gone now, a killed storm leaves none, and
		// a merge says the shard is missing.
		if err := os.Remove(*out); err != nil && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(stderr, "esimhil fleet: --out %s: the earlier result cannot be removed: %v\n", *out, err)
			return 2
		}
	}
	debug.SetMemoryLimit(fleetMemoryLimit)
	res, err := fleet.Run(ctx, cfg)
	if res == nil {
		fmt.Fprintf(stderr, "esimhil fleet: %v\n", err)
		if ctx.Err() != nil && !errors.Is(err, fleet.ErrRefused) {
			return interruptedCode(ctx) // stopped before the storm: 130/143, not bad input
		}
		return notStartedCode(err)
	}
	if *acceptUnchecked {
		res.AcceptUnchecked()
	}
	res.Print(stdout)
	if *out != "" {
		if werr := res.Write(*out); werr != nil {
			fmt.Fprintf(stderr, "esimhil fleet: %v\n", werr)
			return 1
		}
		fmt.Fprintf(stdout, "result     %s\n", *out)
	}
	// The result says whether the stop cut the storm short: a signal that
	// came once every device had retired (while the report was written)
	// leaves a whole result, which merge takes, and so does the exit
	// status (a pod's Job index is not run again for it).
	stopped := res.StoppedBy != "" || res.Stopped > 0 || res.NotStarted > 0
	if ctx.Err() != nil && !stopped {
		if fleet.LogCutByStop(res.Unchecked) {
			fmt.Fprintf(stdout, "signal     %v after the storm ended, during the last read of the platform's log: the result is whole but for that log (NOT CHECKED)\n", context.Cause(ctx))
		} else {
			fmt.Fprintf(stdout, "signal     %v after the storm ended: the result is whole\n", context.Cause(ctx))
		}
	}
	switch {
	case ctx.Err() != nil && stopped:
		fmt.Fprintf(stdout, "STOP       %v: %s; the rate counts those that finished their dwell; fleet merge refuses this result (run the shard again; or merge --accept-stopped, marked STOPPED)\n",
			context.Cause(ctx), res.StopCounts())
		return interruptedCode(ctx)
	case errors.Is(err, fleet.ErrSilentServers):
		fmt.Fprintf(stdout, "STOP       %v: %s; fleet merge refuses this result (merge --accept-stopped takes it, marked STOPPED)\n",
			err, res.StopCounts())
		fmt.Fprintf(stderr, "esimhil fleet: FAIL: %v\n", err)
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "esimhil fleet: %v\n", err)
		return 1
	case !res.OK():
		fmt.Fprintf(stderr, "esimhil fleet: FAIL: %s (the lines in capitals above say why)\n", res.Verdict())
		return 1
	}
	return 0
}

// fleetFailed is fleet's exit status when the fleet itself could not
// start (its test PKI, its emulated servers): no fault of the input, so
// not 2, and no storm ran, so not 1.
const fleetFailed = 3

// notStartedCode is the exit status of a storm that never started: 2
// when it was refused (flags that do not fit the template, an external
// server the probe refused), fleetFailed when the fleet failed.
func notStartedCode(err error) int {
	if errors.Is(err, fleet.ErrRefused) {
		return 2
	}
	return fleetFailed
}

// parseShard reads --shard's "i/n".
func parseShard(s string) (i, n int, err error) {
	if i, n, err = fleet.ParseShard(s); err != nil {
		return 0, 0, fmt.Errorf("--shard %q: %w (a Kubernetes Indexed Job passes $JOB_COMPLETION_INDEX as i)", s, err)
	}
	return i, n, nil
}

// ptyRoom is how many more pseudo-terminals this process may open, and
// which limit says so: the kernel's pty.max less those in use, or the
// open-file limit (a device on a pty holds three descriptors).
func ptyRoom() fleet.PTYRoom {
	read := func(p string) (int, bool) {
		b, err := os.ReadFile(p)
		if err != nil {
			return 0, false
		}
		n, err := strconv.Atoi(strings.TrimSpace(string(b)))
		return n, err == nil
	}
	room := fleet.NoPTYLimit
	if max, ok := read("/proc/sys/kernel/pty/max"); ok {
		if nr, ok := read("/proc/sys/kernel/pty/nr"); ok {
			room = fleet.PTYRoom{N: max - nr, Limit: fmt.Sprintf("kernel.pty.max %d less the %d in use", max, nr)}
		}
	}
	if cur, ok := rlimit.Files(); ok {
		fds := (int(cur) - 64) / 3
		if room.N < 0 || fds < room.N {
			room = fleet.PTYRoom{N: max(fds, 0), Limit: fmt.Sprintf("the open-file limit, ulimit -n %d: three descriptors a device on a pty, 64 kept for the rest", cur)}
		}
	}
	return room
}

func fleetMergeCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fleet merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "write the merged result (JSON) to this file")
	acceptUnchecked := fs.Bool("accept-unchecked", false, uncheckedUsage)
	acceptStopped := fs.Bool("accept-stopped", false, "merge a shard stopped before its end (a signal, --give-up-after), marked STOPPED: the totals hold the part of it that ran, and the verdict fails")
	if err := parseInterleaved(fs, args); err != nil {
		return usageExit(err)
	}
	if fs.NArg() == 0 {
		fmt.Fprintf(stderr, "esimhil fleet merge: no result files\n%s", fleetUsage)
		return 2
	}
	if *out != "" {
		if err := checkWritable(*out); err != nil {
			fmt.Fprintf(stderr, "esimhil fleet merge: --out %v\n", err)
			return 2
		}
		if st, err := os.Stat(*out); err == nil {
			for _, p := range fs.Args() {
				if in, err := os.Stat(p); err == nil && os.SameFile(st, in) {
					// The shard's own result would be gone, merged or not.
					fmt.Fprintf(stderr, "esimhil fleet merge: --out %s is the input %s: name a file of its own\n", *out, p)
					return 2
				}
			}
		}
	}
	var rs []*fleet.Result
	for _, p := range fs.Args() {
		r, err := fleet.ReadResult(p)
		if err != nil {
			// Bad input, as for a storm (2): 1 would say the storm
			// found failed devices.
			fmt.Fprintf(stderr, "esimhil fleet merge: %v\n", err)
			return 2
		}
		rs = append(rs, r)
	}
	merge := fleet.Merge
	if *acceptStopped {
		merge = fleet.MergeStopped
	}
	m, err := merge(rs)
	if err != nil {
		fmt.Fprintf(stderr, "esimhil fleet merge: %v\n", err)
		return 2
	}
	if *acceptUnchecked {
		m.AcceptUnchecked()
	}
	m.Print(stdout)
	if *out != "" {
		if err := m.Write(*out); err != nil {
			fmt.Fprintf(stderr, "esimhil fleet merge: %v\n", err)
			return 1
		}
	}
	if !m.OK() {
		fmt.Fprintf(stderr, "esimhil fleet merge: FAIL: %s (the lines in capitals above say why)\n", m.Verdict())
		return 1
	}
	return 0
}

// DefaultServeEventsBytes bounds serve's events.jsonl: a serve left under
// storms for days would otherwise fill the disk (reviewer r85).
const DefaultServeEventsBytes = 1 << 30

// serveCmd runs the emulated platform and SM-DP+s of a scenario on their
// own, on the wall clock, for a fleet (or any client) in another process.
func serveCmd(ctx context.Context, args []string, stdout, stderr io.Writer) (ret int) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("scenario", "", "scenario whose operators, lists and SM-DP+s to serve")
	seed := seedflag.Var(fs, "seed", 0, "seed of the test PKI, the fleet's (default: the scenario's seed, as a fleet template on it defaults to)")
	listen := fs.String("listen", "127.0.0.1:0", "the platform's address (port 0: any); the SM-DP+s listen on the same host, on ports of their own")
	ciFile := fs.String("ci", "", "also write the test CI certificate (PEM) to this file")
	var smdpListens repeated
	fs.Var(&smdpListens, "smdp-listen", "an operator's SM-DP+ address, op=HOST:PORT (repeatable; default: a port of its own on --listen's host)")
	out := fs.String("out", filepath.Join("out", "serve"), "directory for events.jsonl: every event of the platform and the SM-DP+s, written as it happens")
	maxEvents := intVar(fs, "max-events-bytes", DefaultServeEventsBytes, fmt.Sprintf("a whole number of bytes, at least %d (1 GiB: %d)", eventlog.StreamLineRoom, DefaultServeEventsBytes),
		"bound on events.jsonl's size: past it a last event says so, and later ones are not written")
	if err := parseInterleaved(fs, args); err != nil {
		return usageExit(err)
	}
	if stray := strayOperands(fs); stray != "" {
		fmt.Fprintf(stderr, "esimhil serve: %s\nusage: %s\n", stray, synopsis("serve"))
		return 2
	}
	if *file == "" {
		fmt.Fprintf(stderr, "esimhil serve: --scenario is required\nusage: %s\n", synopsis("serve"))
		return 2
	}
	s, data, err := scenario.LoadSource(*file)
	if err == nil {
		err = fleet.UnservedFaults(*file, data, s)
	}
	if err != nil {
		if t, terr := fleet.Load(*file); terr == nil {
			// A fleet template: what serve wants is its base scenario,
			// said alone (outside tester sw82: the scenario parser's
			// "unknown field" first read like a broken file).
			fmt.Fprintf(stderr, "esimhil serve: %s is a fleet template (esimhil fleet --scenario-template); serve its base scenario: --scenario %s\n", *file, t.Base.File)
			return 2
		}
		fmt.Fprintf(stderr, "esimhil serve: %v\n", err)
		return 2
	}
	smdpListen, probs := parseSMDPListen(smdpListens, s, *listen)
	if len(probs) > 0 {
		for _, p := range probs {
			fmt.Fprintf(stderr, "esimhil serve: %s\n", p)
		}
		return 2
	}
	if !flagGiven(fs, "seed") {
		// The seed a fleet template on this scenario runs at when it
		// names none: their test CIs then agree.
		*seed = s.Seed
	}
	if *maxEvents < eventlog.StreamLineRoom {
		fmt.Fprintf(stderr, "esimhil serve: --max-events-bytes %d: want at least %d\n", *maxEvents, eventlog.StreamLineRoom)
		return 2
	}
	if *ciFile != "" {
		// Before the servers start and print their flags.
		if err := checkWritable(*ciFile); err != nil {
			fmt.Fprintf(stderr, "esimhil serve: --ci %v\n", err)
			return 2
		}
	}
	// A run's record is not serve's to write into.
	if err := refuseRunRecord(*out); err != nil {
		fmt.Fprintf(stderr, "esimhil serve: %v\n", err)
		return 2
	}
	// One serve writes DIR's events.jsonl at a time (a run's lock: a run
	// into the same directory is refused too).
	unlock, err := lockDir(*out)
	if err != nil {
		fmt.Fprintf(stderr, "esimhil serve: %v\n", err)
		return 2
	}
	defer unlock()
	// An earlier serve's events are kept, moved aside.
	if kept, err := keepEarlierEvents(*out); err != nil {
		fmt.Fprintf(stderr, "esimhil serve: --out %s: keeping the earlier %s: %v\n", *out, harness.EventsFile, err)
		return 2
	} else if kept != "" {
		fmt.Fprintf(stderr, "esimhil serve: the earlier %s moved to %s\n", harness.EventsFile, kept)
	}
	pki, err := fleet.NewPKI(s, *seed)
	if err != nil {
		fmt.Fprintf(stderr, "esimhil serve: %v\n", err)
		return 1
	}
	// The servers' events, as a run's events.jsonl has them (each line
	// bounded by eventlog.MaxLine), written as they happen by the log's
	// own stream, unbuffered: a serve killed at any point leaves every
	// event before the kill on disk. Nothing is kept in memory.
	eventsPath := filepath.Join(*out, harness.EventsFile)
	events, err := os.Create(eventsPath)
	if err != nil {
		fmt.Fprintf(stderr, "esimhil serve: --out %v\n", err)
		return 2
	}
	log := eventlog.NewPassing(time.Now)
	full := func() {
		fmt.Fprintf(stderr, "esimhil serve: warning: %s reached --max-events-bytes %d: later events are not written (the servers go on)\n", eventsPath, *maxEvents)
	}
	// A write that fails (a full disk) stops the stream for good: said
	// at once, as the bound is, not only at exit (outside tester t86 F4).
	failed := func(err error) {
		fmt.Fprintf(stderr, "esimhil serve: warning: %s: %v: later events are not written (the servers go on)\n", eventsPath, err)
	}
	if err := log.StreamBounded(events, int64(*maxEvents), full, failed); err != nil {
		events.Close()
		fmt.Fprintf(stderr, "esimhil serve: %v\n", err)
		return 1
	}
	sv, err := fleet.StartServers(s, pki, *seed, clock.Wall{}, log, *listen, smdpListen, false)
	if err != nil {
		events.Close()
		fmt.Fprintf(stderr, "esimhil serve: %v\n", err)
		return 1
	}
	defer func() {
		// The servers stop before the file closes: their last events go
		// in it. A file that could not be written whole fails the serve.
		sv.Close()
		if err := cmp.Or(log.StreamErr(), events.Sync(), events.Close()); err != nil {
			fmt.Fprintf(stderr, "esimhil serve: %s: %v\n", eventsPath, err)
			if ret == 0 {
				ret = 1
			}
		}
	}()
	scheme := "http"
	if s.Platform.TLS {
		scheme = "https"
	}
	flags := fmt.Sprintf("--seed %d --platform %s://%s", *seed, scheme, sv.Platform.Addr())
	fmt.Fprintf(stdout, "platform  %s://%s\n", scheme, sv.Platform.Addr())
	hosts := slices.Sorted(maps.Keys(sv.Hosts))
	slices.SortFunc(hosts, func(a, b string) int { return strings.Compare(sv.Hosts[a], sv.Hosts[b]) })
	for _, host := range hosts {
		op := sv.Hosts[host]
		fmt.Fprintf(stdout, "smdp      %s=https://%s (host %s)\n", op, sv.SMDP[op].Addr(), host)
		flags += fmt.Sprintf(" --smdp %s=https://%s", op, sv.SMDP[op].Addr())
	}
	fmt.Fprintf(stdout, "seed      %d (the test CI's keys follow from it)\n", *seed)
	fmt.Fprintf(stdout, "flags     %s\n", flags)
	if *ciFile != "" {
		b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pki.CI.DER})
		if err := os.WriteFile(*ciFile, b, 0o644); err != nil {
			fmt.Fprintf(stderr, "esimhil serve: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "test CI   %s\n", *ciFile)
	}
	fmt.Fprintf(stdout, "events    %s\n", eventsPath)
	fmt.Fprintln(stdout, "serving (Ctrl-C to stop)")
	<-ctx.Done()
	if errors.Is(context.Cause(ctx), context.Canceled) {
		return 0
	}
	return interruptedCode(ctx)
}

// parseSMDPListen reads serve's --smdp-listen op=HOST:PORT values
// against the scenario's operators with an SM-DP+, one problem a line.
func parseSMDPListen(vals []string, s *scenario.Scenario, listen string) (map[string]string, []string) {
	var ops []string
	for _, o := range s.Network.Operators {
		if o.SMDP != "" {
			ops = append(ops, o.ID)
		}
	}
	m := map[string]string{}
	var probs []string
	for _, v := range vals {
		op, addr, ok := strings.Cut(v, "=")
		host, port, err := net.SplitHostPort(addr)
		n, perr := strconv.Atoi(port)
		switch {
		case !ok || op == "":
			probs = append(probs, fmt.Sprintf("--smdp-listen %q: want operator=HOST:PORT", v))
		case !slices.Contains(ops, op):
			probs = append(probs, fmt.Sprintf("--smdp-listen %q: no operator %s with an SM-DP+ in the scenario (%s)", v, op, strings.Join(ops, ", ")))
		case err != nil || host == "" || perr != nil || n < 1 || n > 65535:
			// Port 0 would be a port of its own again, as without the flag.
			probs = append(probs, fmt.Sprintf("--smdp-listen %q: want operator=HOST:PORT with a host and a port 1-65535", v))
		case m[op] != "":
			probs = append(probs, fmt.Sprintf("--smdp-listen %s given twice (%s and %s): one address an SM-DP+", op, m[op], addr))
		case sameAddress(addr, listen):
			probs = append(probs, fmt.Sprintf("--smdp-listen %s=%s: the platform's --listen %s: one server an address", op, addr, listen))
		default:
			for _, other := range slices.Sorted(maps.Keys(m)) {
				if sameAddress(addr, m[other]) {
					probs = append(probs, fmt.Sprintf("--smdp-listen %s=%s: given to %s too: one server an address", op, addr, other))
				}
			}
			m[op] = addr
		}
	}
	return m, probs
}

// sameAddress reports whether two HOST:PORT listen addresses would take
// the same port: the same port on the same host, or on every host.
func sameAddress(a, b string) bool {
	ha, pa, err1 := net.SplitHostPort(a)
	hb, pb, err2 := net.SplitHostPort(b)
	if err1 != nil || err2 != nil || pa != pb || pa == "0" {
		return false
	}
	any := func(h string) bool { return h == "" || h == "0.0.0.0" || h == "::" }
	return ha == hb || any(ha) || any(hb)
}

// checkWritable says, before any work, why a file could not be written
// at path: its directory missing, path a directory, or a directory (or
// file) this process may not write. It creates and removes a temporary
// file beside path, as the result's own atomic write will.
func checkWritable(path string) error {
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("%s: its directory %s does not exist", path, dir)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("%s: is a directory; name a file in it", path)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".check-*")
	if err != nil {
		return fmt.Errorf("%s: cannot write in %s: %w", path, dir, err)
	}
	f.Close()
	os.Remove(f.Name())
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o222 == 0 {
		return fmt.Errorf("%s: the file is read-only", path)
	}
	return nil
}
