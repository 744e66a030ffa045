package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/esimhil/esimhil/fixtures"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/lab"
	"github.com/esimhil/esimhil/harness/lab/discover"
	"github.com/esimhil/esimhil/harness/lab/record"
	"github.com/esimhil/esimhil/harness/simtrace"
	"github.com/esimhil/esimhil/harness/transport"
	"github.com/esimhil/esimhil/internal/personality"
)

const labUsage = `usage:
  esimhil lab discover [--sysfs DIR] [--probe PORT] [--baud N] [--timeout D]
  esimhil lab record --modem PORT --out DIR [--script FILE] [--personality NAME|auto]
                     [--scenario FILE] [--baud N] [--timeout D] [--restart D] [--simtrace udp://HOST:PORT|off]
  esimhil lab sniff [--simtrace udp://HOST:PORT] [--out FILE.pcapng] [--for D]
  esimhil lab diff DIR [--personality NAME] [--scenario FILE] [--timeout D]
  esimhil lab personality DIR [--name NAME]
PORT is a device (/dev/ttyUSB2, /dev/serial/by-id/...), tcp://host:port
(ser2net raw) or rfc2217://host:port (ser2net telnet(rfc2217)).
--simtrace is where a SIMtrace2's simtrace2-sniff sends GSMTAP (default for
sniff: udp://0.0.0.0:4729; record: off); its SIM datagrams go into the
pcapng (record: DIR/traffic.pcapng) and sniff prints the card's APDUs.
`

// labCommands are esimhil lab's commands.
var labCommands = map[string]runFunc{
	"discover":    labDiscover,
	"record":      labRecord,
	"diff":        noContext(labDiff),
	"personality": noContext(labPersonality),
	"sniff":       labSniff,
}

func labCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, labUsage)
		return 2
	}
	if run, ok := labCommands[args[0]]; ok {
		return run(ctx, args[1:], stdout, stderr)
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, labUsage)
		return 0
	}
	fmt.Fprintf(stderr, "esimhil lab: unknown command %q\n%s", args[0], labUsage)
	return 2
}

// positionalUsage makes fs's --help name the command's positional
// argument before its flags: the flag package knows only the flags
// (outside tester sw130 N9: lab personality --help showed -name alone).
func positionalUsage(fs *flag.FlagSet, synopsis, arg string) {
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage of %s:\n  esimhil %s\n  %s\n", fs.Name(), synopsis, arg)
		fs.PrintDefaults()
	}
}

// labUsageOnce prints the lab usage after a lab command's arguments
// were not its own, unless the flag package printed the command's flags
// and why already (-h, a flag it does not know): once is enough (outside
// tester sw128 F8: lab discover --help printed both).
func labUsageOnce(stderr io.Writer, parseErr error) {
	if parseErr == nil {
		fmt.Fprint(stderr, labUsage)
	}
}

func labDiscover(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lab discover", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sysfs := fs.String("sysfs", "/sys", "sysfs root to scan (a fake tree in tests)")
	probe := fs.String("probe", "", "probe this port and propose a personality instead of scanning")
	baud := intVar(fs, "baud", 115200, "a baud rate, such as 115200", "baud `rate` for --probe")
	timeout := durationVar(fs, "timeout", 5*time.Second, "time one command of --probe may take (as lab record's)")
	if err := parseInterleaved(fs, args); err != nil {
		return usageExit(err)
	}
	if fs.NArg() != 0 {
		labUsageOnce(stderr, nil)
		return 2
	}
	if *probe == "" && (flagGiven(fs, "baud") || flagGiven(fs, "timeout")) {
		// A scan opens no port: a rate or a time would go unused.
		fmt.Fprintf(stderr, "esimhil lab discover: --baud and --timeout are for --probe PORT; a scan opens no port\n")
		return 2
	}
	if *probe != "" {
		if !checkBaud(fs, "lab discover", *probe, *baud, stderr) || !checkTimeout("lab discover", *timeout, stderr) {
			return 2
		}
		// The client of lab record, given the same time: a modem slow
		// to answer is probed as it is recorded, not refused.
		c, err := openAT(ctx, *probe, *baud, *timeout, func(s string) { fmt.Fprintf(stderr, "esimhil lab discover: %s\n", s) })
		if err != nil {
			fmt.Fprintf(stderr, "esimhil lab discover: %v\n", err)
			return 1
		}
		defer c.Close()
		pr, err := discover.Probe(c)
		if err != nil {
			fmt.Fprintf(stderr, "esimhil lab discover: %v\n", err)
			return 1
		}
		fmt.Fprint(stdout, pr)
		return 0
	}
	devs, err := discover.Scan(*sysfs)
	if err != nil {
		fmt.Fprintf(stderr, "esimhil lab discover: %v\n", err)
		return 1
	}
	fmt.Fprint(stdout, discover.Table(devs))
	modems := 0
	for _, d := range devs {
		if d.Modem {
			modems++
		}
	}
	if modems == 0 {
		fmt.Fprintln(stderr, "esimhil lab discover: no USB modem found (known vendors: Quectel 2c7c, SIMCom 1e0e, Sierra 1199, u-blox 1546, Telit 1bc7, Fibocom 2cb7)")
		return 1
	}
	return 0
}

// checkBaud refuses --baud 0 (which the transport would take for its
// default) and a negative rate, before anything else is said, and warns that --baud
// given for raw TCP sets nothing: ser2net's own configuration sets the
// UART's speed there (RFC 2217 carries it).
func checkBaud(fs *flag.FlagSet, cmd, addr string, baud int, stderr io.Writer) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "baud" })
	if !given {
		return true
	}
	if baud <= 0 {
		fmt.Fprintf(stderr, "esimhil %s: --baud %d: not a rate a UART is set to (leave --baud out for 115200)\n", cmd, baud)
		return false
	}
	if strings.HasPrefix(addr, "tcp://") {
		fmt.Fprintf(stderr, "esimhil %s: warning: --baud %d has no effect on %s: raw TCP carries no line settings (ser2net's configuration sets the UART's speed; rfc2217:// sets it from --baud)\n", cmd, baud, addr)
	}
	return true
}

// openAT opens the modem's port for lab discover --probe and lab record;
// note gets what the open tried again (lab.OpenPort). --timeout bounds
// the connection and the RFC 2217 handshake too: the time asked for an
// answer is the time an RFC 2217 server is given for its own.
func openAT(ctx context.Context, addr string, baud int, timeout time.Duration, note func(string), opts ...atclient.Option) (*atclient.Client, error) {
	p, err := lab.OpenPort(ctx, addr, transport.Config{Baud: baud, DialTimeout: timeout}, note)
	if err != nil {
		return nil, err
	}
	// The modems' known unprefixed URCs (SMS DONE, *ATREADY: 1) are no
	// part of an identity or an answer.
	urcs := atclient.WithURCs(lab.ModemURCs(personality.Personality{})...)
	return atclient.New(p, append([]atclient.Option{atclient.WithTimeout(timeout), urcs, atclient.WithQuiet(lab.Quiet)}, opts...)...), nil
}

func labRecord(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lab record", flag.ContinueOnError)
	fs.SetOutput(stderr)
	modem := fs.String("modem", "", "the modem's AT port")
	out := fs.String("out", "", "recording directory to write")
	scriptFile := fs.String("script", "", "AT script (default: the built-in fixtures/scripts/probe-es10.yaml)")
	pers := fs.String("personality", "auto", "the modem's dialect, or auto to probe it")
	scen := fs.String("scenario", "", "emulator scenario that lab diff plays the script against (default: the built-in lab-home)")
	baud := intVar(fs, "baud", 115200, "a baud rate, such as 115200", "baud `rate`")
	timeout := durationVar(fs, "timeout", 5*time.Second, "time one command may take")
	restart := durationVar(fs, "restart", personality.DefaultTimeouts.Restart, "how long a port that dropped (a modem resetting, ser2net restarted) may take to come back")
	sniff := fs.String("simtrace", simtrace.Off, "where a SIMtrace2 sends GSMTAP (udp://host:port): its APDUs go into DIR/traffic.pcapng")
	if err := parseInterleaved(fs, args); err != nil {
		return usageExit(err)
	}
	if err := checkSimtrace(*sniff); err != nil {
		fmt.Fprintf(stderr, "esimhil lab record: %v\n", err)
		return 2
	}
	if fs.NArg() != 0 || *modem == "" || *out == "" {
		fmt.Fprintf(stderr, "esimhil lab record: --modem and --out are required\n%s", labUsage)
		return 2
	}
	if !checkBaud(fs, "lab record", *modem, *baud, stderr) || !checkTimeout("lab record", *timeout, stderr) {
		return 2
	}
	if st, err := os.Stat(*out); err == nil && !st.IsDir() {
		fmt.Fprintf(stderr, "esimhil lab record: --out %s: a file, not a directory: name the recording's directory\n", *out)
		return 2
	}
	if *restart < 0 {
		fmt.Fprintf(stderr, "esimhil lab record: --restart %v: want 0 (a dropped port ends the session) or more\n", *restart)
		return 2
	}
	// The manifest names the scenario as lab diff finds it: a built-in by
	// its name, a file relative to the recording (so the two move together).
	rel := "lab-home"
	if *scen != "" {
		if _, err := os.Stat(*scen); err != nil {
			fmt.Fprintf(stderr, "esimhil lab record: --scenario: %v\n", err)
			return 2
		}
		abs, _ := filepath.Abs(*scen)
		absOut, _ := filepath.Abs(*out)
		if r, err := filepath.Rel(absOut, abs); err == nil {
			rel = r
		} else {
			rel = abs
		}
	}
	// Recording again into a recording (a firmware update) keeps what a
	// person wrote in its manifest: the accepted differences and their
	// reasons, the note; lab diff says which no longer apply. Read before
	// the modem is: one it cannot read stops the run before the session.
	var earlier record.Manifest
	kept, err := keepWritten(*out, &earlier)
	if err != nil {
		fmt.Fprintf(stderr, "esimhil lab record: %v\n", err)
		return 1
	}
	// The card capture is staged until the session is saved: a record
	// that fails before leaves the directory as it was (t136 F1).
	cardCapture, err := recordSniff(*sniff, *out, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "esimhil lab record: %v\n", err)
		return 1
	}
	defer cardCapture.discard()
	text, scriptName := fixtures.ProbeScript, fixtures.ProbeScriptName
	if *scriptFile != "" {
		if text, err = os.ReadFile(*scriptFile); err != nil {
			fmt.Fprintf(stderr, "esimhil lab record: %v\n", err)
			return 1
		}
		scriptName = *scriptFile
	}
	script, err := record.ParseScript(scriptName, text)
	if err != nil {
		fmt.Fprintf(stderr, "esimhil lab record: %v\n", err)
		return 1
	}
	var log record.Log
	// What the open tried again goes to standard error only: at.log
	// starts at the script's first step, and the manifest's accept list
	// names its lines by number.
	c, err := openAT(ctx, *modem, *baud, *timeout, func(s string) { fmt.Fprintf(stderr, "esimhil lab record: %s\n", s) },
		atclient.WithTrace(&log), atclient.WithTimestamps(time.Now), atclient.WithReconnect(*restart),
		// A port that drops and comes back between steps brings a modem
		// at its defaults: the preparation goes out again before the next
		// step, as "# set-up" notes, and drops: says so (outside tester
		// o303: "# port dropped", "# port back", exit 0, nothing else).
		atclient.WithSetUp(log.SetUp))
	if err != nil {
		fmt.Fprintf(stderr, "esimhil lab record: %v\n", err)
		return 1
	}
	defer c.Close()
	name := *pers
	if name == "auto" {
		pr, err := discover.Probe(c)
		if err != nil {
			fmt.Fprintf(stderr, "esimhil lab record: %v\n", err)
			return 1
		}
		name = pr.Personality
		fmt.Fprintf(stdout, "personality %s (probed: %v)\n", name, pr.Reasons)
	}
	p, err := personality.LoadNameOrFile(name)
	if err != nil {
		fmt.Fprintf(stderr, "esimhil lab record: %v\n", err)
		return 1
	}
	// The probe's own exchanges are not part of the recording.
	if err := record.Prepare(c); err != nil {
		fmt.Fprintf(stderr, "esimhil lab record: %v\n", err)
		return 1
	}
	log.Reset()
	// A signal ends the recording at once (the port's reads do not watch
	// ctx): what came before is saved, marked incomplete.
	stopOnSignal := context.AfterFunc(ctx, func() { c.Close() })
	identity, recErr := record.Record(c, p, script, &log)
	stopOnSignal()
	// One reading of the log for at.log, the manifest and the messages: a
	// flood still being dropped would make each count differ.
	recorded, nKept, nDropped := log.Snapshot()
	cut, timedOut, noisy, strays := log.Cut(), log.TimedOut(), log.Noisy(), log.Strays()
	drops, setUpFailed := log.Drops()
	// Every ES10 step refused, none reached the card: never a silent
	// success (outside tester t72: a probed simcom-a7600 sent +CSIM to a
	// module that refuses it and has +CCHO/+CGLA, exit 0). A probed
	// personality whose way the modem lacks is the probe's mistake: the
	// script is recorded again over the other way, when the modem says it
	// has it.
	cardWarning := ""
	var retry wayTried
	if refusal, refused := log.CardRefused(); refused && recErr == nil && nDropped == 0 && strays == 0 && len(cut) == 0 && len(timedOut) == 0 {
		retry = otherWay(ctx, c, p, script, &log, refusal, recorded, *pers == "auto", stdout)
		cardWarning = retry.warning
		if retry.reached {
			p = retry.p
			identity = record.IdentityOf(log.Lines())
			recorded, nKept, nDropped = log.Snapshot()
			cut, timedOut, noisy, strays = log.Cut(), log.TimedOut(), log.Noisy(), log.Strays()
			drops, setUpFailed = log.Drops()
		}
		if cardWarning != "" {
			recorded = append(recorded, fmt.Sprintf("%s # warning: %s", time.Now().Format(time.RFC3339Nano), cardWarning))
		}
	}
	m := record.Manifest{Script: script.Name, Modem: *modem, Personality: p.Name, Identity: identity.Text, NoIdentity: identity.Missing, Timeout: *timeout,
		Recorded: time.Now().UTC().Truncate(time.Second), Scenario: rel, Cut: strings.Join(cut, "; "),
		RetriedUnder: retry.under, Retried: retry.outcome, Drops: drops}
	if recErr != nil {
		// What came before is kept, and says it is not the whole script.
		m.Incomplete = recErr.Error()
		if ctx.Err() != nil {
			m.Incomplete = fmt.Sprintf("%v (%v)", recErr, context.Cause(ctx))
		}
	}
	// A final result with no command pending may have shifted the
	// answers after it by one: never saved as the modem's conversation
	// (outside tester sw128 F6: "identity: OK").
	if n := nDropped; n > 0 && m.Incomplete == "" {
		// The bound on a recording's lines was reached (a URC flood):
		// what the script did after it is not in at.log (outside tester
		// sw128 F4).
		m.Incomplete = fmt.Sprintf("%d line(s) past the %d a recording keeps were dropped (a flood of URCs or noise?): the steps after them are not in %s", n, record.MaxLogLines, record.LogFile)
		m.Identity = ""
		m.NoIdentity = "not taken from a recording that is incomplete: " + m.Incomplete
	}
	if setUpFailed && m.Incomplete == "" {
		// The steps after it were recorded against a modem at its
		// defaults (echo on, +CMEE=0), not in the state of those before.
		m.Incomplete = fmt.Sprintf("the port dropped, the script not asking for it, and the modem could not be set up again (drops: %s): the steps after it are not in the recording's state", strings.Join(drops, "; "))
	}
	if n := strays; n > 0 && m.Incomplete == "" {
		m.Incomplete = fmt.Sprintf("the modem sent %d final result(s) with no command pending (# ... with no command pending in %s): an answer may be filed under the wrong command", n, record.LogFile)
		m.Identity = ""
		m.NoIdentity = "not taken from a recording that is incomplete: " + m.Incomplete
	}
	m.Accept, m.Note = earlier.Accept, earlier.Note
	// One session's files replace the earlier recording's together; a
	// capture the receiver could not complete is still this session's.
	capFile, err := cardCapture.finish()
	if err != nil {
		fmt.Fprintf(stderr, "esimhil lab record: %v\n", err)
	}
	session := record.Session{Manifest: m, Script: text, Lines: recorded, Capture: capFile}
	if retry.under != "" {
		session.Retry = retry.lines
		if session.Retry == nil {
			session.Retry = []string{}
		}
	}
	if err := record.SaveSession(*out, session); err != nil {
		fmt.Fprintf(stderr, "esimhil lab record: %v\n", err)
		return 1
	}
	if recErr == nil && m.Incomplete != "" {
		fmt.Fprintf(stderr, "esimhil lab record: %s; the %d lines recorded are in %s, marked incomplete: record again\n", m.Incomplete, nKept, *out)
		return 1
	}
	if recErr != nil {
		// The step whose answer the drop cut, most often the one before
		// the step that met the port gone for good, is named first.
		for _, s := range cut {
			fmt.Fprintf(stderr, "esimhil lab record: %s\n", s)
		}
		fmt.Fprintf(stderr, "esimhil lab record: %s; the %d lines recorded before are in %s, marked incomplete\n", m.Incomplete, nKept, *out)
		if ctx.Err() != nil {
			return interruptedCode(ctx)
		}
		return 1
	}
	fmt.Fprintf(stdout, "recorded %d lines from %s (%s) into %s%s\n", nKept, *modem, p.Name, *out, kept)
	// Whole, but never silent: a drop the script did not ask for is named,
	// with the set-up that went out again after it.
	for _, d := range drops {
		fmt.Fprintf(stderr, "esimhil lab record: warning: the port dropped and came back, the script did not ask for it: %s (# set-up in %s; drops: in the manifest)\n", d, filepath.Join(*out, record.LogFile))
	}
	if m.Identity == "" {
		// Loud, not silent: a recording without the modem's model drafts
		// none (outside tester sw128 F3).
		fmt.Fprintf(stderr, "esimhil lab record: warning: no identity recorded: %s (no_identity: in %s); lab personality drafts no model from it\n",
			m.NoIdentity, filepath.Join(*out, record.ManifestFile))
	}
	// A command the modem did not answer in time makes the recording
	// unlike the modem's usual conversation (and, with an answer that
	// came late, slower than --timeout allows): never a silent success.
	// An answer a port drop cut is not the modem's answer either: the
	// manifest names its step, which diff and personality then refuse.
	if len(cut) > 0 {
		for _, s := range cut {
			fmt.Fprintf(stderr, "esimhil lab record: %s\n", s)
		}
		fmt.Fprintf(stderr, "esimhil lab record: the port dropped while %d step(s) awaited their answer (# port dropped in %s; cut: in the manifest); record again\n",
			len(cut), filepath.Join(*out, record.LogFile))
	}
	if to := timedOut; len(to) > 0 {
		for _, s := range to {
			fmt.Fprintf(stderr, "esimhil lab record: %s\n", s)
		}
		advice := "record again with a longer --timeout"
		if noisy {
			advice = "check the port's speed and line settings (--baud, the serial server's) before a longer --timeout"
		}
		if len(cut) > 0 {
			// A timeout beside a drop is the drop's (outside tester
			// sw104: a late-noticed drop was advised a longer timeout).
			advice = "the port also dropped (above): record again once it is steady, and with a longer --timeout only if the modem itself is slow"
		}
		fmt.Fprintf(stderr, "esimhil lab record: %d command(s) timed out or were not sent; a late answer is filed under its command in %s (see the # notes), and a command the modem was too busy to take (silent even to the client's probe) was not sent; %s\n",
			len(to), filepath.Join(*out, record.LogFile), advice)
		return 1
	}
	if cardWarning != "" {
		fmt.Fprintf(stderr, "esimhil lab record: warning: %s (# warning: in %s)\n", cardWarning, filepath.Join(*out, record.LogFile))
		return 1
	}
	if len(cut) > 0 {
		return 1
	}
	return 0
}

// wayTried is what otherWay did and found.
type wayTried struct {
	warning string // for at.log's last note and standard error ("" when the card was reached)
	// reached: the script was recorded again into the log under p, and
	// that reached the card: it is the recording now.
	reached bool
	p       personality.Personality
	// A recording again that did not reach the card, or is not whole:
	// its personality, what it gave, and its lines, kept in retry.log
	// (record.Manifest.RetriedUnder).
	under, outcome string
	lines          []string
}

// wayName is the way to the card p takes.
func wayName(p personality.Personality) string {
	if p.CSIMOnly {
		return "+CSIM"
	}
	return "+CCHO/+CGLA"
}

// otherWay follows a recording whose every ES10 step the modem refused
// (refusal) under p. For a probed personality (probed) whose way the
// modem lacks while it answers the other's test form OK — in the
// recording, or asked now, unrecorded — it records the script again into
// log over that way. Every message says what was tried and what each
// way answered, and names a command's answer only when it was sent
// (outside tester t83 F4: a refusal both ways advised the retry it had
// just made, and dropped it).
func otherWay(ctx context.Context, c *atclient.Client, p personality.Personality, script *record.Script, log *record.Log, refusal record.CardRefusal, recorded []string, probed bool, stdout io.Writer) wayTried {
	warning := fmt.Sprintf("every ES10 step (%d) was refused under %s (%s), none reached the card (the first: %s)", len(refusal.Steps), p.Name, wayName(p), refusal.Steps[0])
	if !refusal.Lacks {
		return wayTried{warning: warning + "; the modem names the card: is it inserted and powered? record again once AT+CPIN? answers READY"}
	}
	way, err := record.OtherWayOf(p)
	if err != nil {
		return wayTried{warning: warning + "; " + err.Error()}
	}
	test, final, line, sent := way.TestAnswered(recorded)
	where := fmt.Sprintf("%s:%d", record.LogFile, line)
	if !sent {
		// Not in the script: asked now, after the recording's lines.
		test, where = way.Tests[0], "asked after the script, not in "+record.LogFile
		final = finalOf(c.Command(test))
	}
	if final == "" {
		final = "nothing" // the recording ends before its final result
	}
	if final != "OK" {
		return wayTried{warning: fmt.Sprintf("%s; the other way, %s, was not tried: %s answered %s (%s): check the personality (esimhil lab discover --probe) and the card",
			warning, way.Name, test, final, where)}
	}
	if !probed {
		return wayTried{warning: fmt.Sprintf("%s; the modem answers %s OK (%s), so it may reach the card through %s: record again with --personality %s",
			warning, test, where, way.Name, way.Personality.Name)}
	}
	// (No at.log line: at.log is the recording that reached the card, or
	// the probe's, whose last note says what the retry gave.)
	fmt.Fprintf(stdout, "personality %s (under %s, the probe's, every ES10 step was refused: %s; the modem answers %s OK: recording again through %s)\n",
		way.Personality.Name, p.Name, refusal.Steps[0], test, way.Name)
	log.Reset()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	_, err = record.Record(c, way.Personality, script, log)
	stop()
	lines, _, dropped := log.Snapshot()
	again, refused := log.CardRefused()
	tried := wayTried{under: way.Personality.Name, lines: lines}
	var whole []string
	if dropped > 0 {
		whole = append(whole, fmt.Sprintf("%d line(s) dropped", dropped))
	}
	if n := log.Strays(); n > 0 {
		whole = append(whole, fmt.Sprintf("%d final result(s) with no command pending", n))
	}
	whole = append(append(whole, log.Cut()...), log.TimedOut()...)
	advice := "record again with --personality " + way.Personality.Name
	switch {
	case err != nil:
		tried.outcome = fmt.Sprintf("the recording stopped: %v", err)
	case refused && again.Lacks:
		tried.outcome = fmt.Sprintf("every ES10 step (%d) was refused there too (the first: %s)", len(again.Steps), again.Steps[0])
		advice = "neither way reaches the card: see whether the module gives the host the card at all (its firmware, its SIM settings) and whether the card answers; lab personality drafts nothing from this recording"
	case refused:
		tried.outcome = fmt.Sprintf("every ES10 step (%d) was refused there too (the first: %s)", len(again.Steps), again.Steps[0])
		advice = "the modem names the card: is it inserted and powered? record again once AT+CPIN? answers READY"
	case len(whole) > 0:
		tried.outcome = "the recording is not whole: " + strings.Join(whole, "; ")
	default:
		return wayTried{reached: true, p: way.Personality}
	}
	tried.warning = fmt.Sprintf("%s; the modem answers %s OK (%s), so the script was recorded again under %s (%s): %s (its conversation: %s); %s",
		warning, test, where, way.Personality.Name, way.Name, tried.outcome, record.RetryLogFile, advice)
	return tried
}

// finalOf is the final result a command got: OK, the modem's error, or
// what kept it from one.
func finalOf(rsp *atclient.Response, err error) string {
	var cme *atclient.CMEError
	switch {
	case err == nil:
		return rsp.Final
	case errors.As(err, &cme):
		return cme.Error()
	case errors.Is(err, atclient.ErrError):
		return "ERROR"
	}
	return fmt.Sprintf("no final result (%v)", err)
}

// keepWritten carries into m what a person wrote in the manifest of the
// recording already in dir (the accepted differences with their reasons,
// the note), and says so ("" when there was none).
func keepWritten(dir string, m *record.Manifest) (string, error) {
	file := filepath.Join(dir, record.ManifestFile)
	b, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	old, err := record.ParseManifest(file, b)
	if err != nil {
		return "", fmt.Errorf("%s holds a manifest it cannot read (%w): fix or remove it, or record into another --out", dir, err)
	}
	m.Accept, m.Note = old.Accept, old.Note
	if len(old.Accept) == 0 && old.Note == "" {
		return "", nil
	}
	return fmt.Sprintf(" (kept the earlier manifest's %d accepted difference(s) and its note: esimhil lab diff %s says which still apply)", len(old.Accept), dir), nil
}

func labDiff(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lab diff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pers := fs.String("personality", "", "emulator dialect, a built-in name or a personality file (default: the recording's)")
	scen := fs.String("scenario", "", "emulator scenario (default: the recording's)")
	timeout := durationVar(fs, "timeout", 0, "simulated time one command may take (default: the recording's --timeout, 5s if it names none)")
	positionalUsage(fs, "lab diff RECORDING [flags]", "RECORDING\n    \ta directory lab record wrote, replayed against the emulator")
	dir, err := oneOperand(fs, args, stderr)
	if err != nil {
		return usageExit(err)
	}
	// Unset means the recording's; a --timeout given is checked like
	// lab record's, 0 included (it would judge every command silent).
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "timeout" })
	if given && !checkTimeout("lab diff", *timeout, stderr) {
		return 2
	}
	ds, rec, err := harness.DiffRecording(dir, *pers, *scen, *timeout)
	if err != nil {
		fmt.Fprintf(stderr, "esimhil lab diff: %v\n", err)
		return 2
	}
	for _, d := range ds {
		fmt.Fprintf(stdout, "%s/%s\n", dir, d)
	}
	n := record.Unaccepted(ds)
	fmt.Fprintf(stdout, "%s: %d difference(s), %d not accepted by %s (emulator under %s, %v a command)\n",
		dir, len(ds), n, record.ManifestFile, rec.Manifest.Personality, rec.Manifest.Timeout)
	if n > 0 {
		return 1
	}
	return 0
}

func labPersonality(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lab personality", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "name of the new personality (default: <base>-draft)")
	positionalUsage(fs, "lab personality RECORDING [--name NAME]", "RECORDING\n    \ta directory lab record wrote; the draft YAML goes to standard output")
	dir, err := oneOperand(fs, args, stderr)
	if err != nil {
		return usageExit(err)
	}
	// A recording that cannot be drafted from (missing, incomplete, cut,
	// its personality unknown) exits 2, as lab diff does for it (outside
	// tester t136 F10: 1 here, 2 there, for one cut recording).
	rec, err := record.Load(dir)
	if err != nil {
		fmt.Fprintf(stderr, "esimhil lab personality: %v\n", err)
		return 2
	}
	y, err := record.Draft(rec, *name)
	if err != nil {
		fmt.Fprintf(stderr, "esimhil lab personality: %v\n", err)
		return 2
	}
	fmt.Fprint(stdout, y)
	return 0
}

// oneOperand parses a lab command's flags, before or after its one
// operand, the recording (parseInterleaved), and returns it; a command
// line with none or more is refused with the lab usage. The error is
// flag.ErrHelp for -h.
func oneOperand(fs *flag.FlagSet, args []string, stderr io.Writer) (string, error) {
	if err := parseInterleaved(fs, args); err != nil {
		return "", err
	}
	if fs.NArg() != 1 {
		labUsageOnce(stderr, nil)
		return "", errors.New("want one recording")
	}
	return fs.Arg(0), nil
}

// minTimeout is the least --timeout a lab command takes: a command, or a
// telnet negotiation over a network, is not answered faster, and a
// shorter bound would judge every modem silent.
const minTimeout = 100 * time.Millisecond

// checkTimeout refuses a --timeout that cannot be one, as a bad flag
// (outside tester sw66: 0 judged the modem no modem, -1s failed the dial).
func checkTimeout(cmd string, d time.Duration, stderr io.Writer) bool {
	if d < minTimeout {
		fmt.Fprintf(stderr, "esimhil %s: --timeout %v: want %v or more\n", cmd, d, minTimeout)
		return false
	}
	return true
}
