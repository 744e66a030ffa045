package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/esimhil/esimhil/harness/field"
	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/harness/replay"
	"github.com/esimhil/esimhil/harness/timeline"
	"github.com/esimhil/esimhil/internal/bidi"
)

const replayUsage = `usage:
  esimhil replay [--out DIR] [-v] FIXTURE_DIR...   replay field fixtures (fixtures/field/<name>) and judge them
  esimhil log [--format F] LOG...                  print a log's normalised transcript
  esimhil fixture --name N [--dir D] [--source S] LOG...
                                                   draft a field fixture (D/N) from pasted logs
`

// replayCmd replays field fixtures: one verdict line each (with the first
// divergence under it when there is one), exit 0 when every verdict is
// what its manifest expects, 1 otherwise or when a fixture does not load.
func replayCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", filepath.Join("out", "replay"), "directory for per-fixture artifacts")
	verbose := fs.Bool("v", false, "print what the reconstruction assumed")
	if err := parseInterleaved(fs, args); err != nil {
		return usageExit(err)
	}
	if fs.NArg() == 0 {
		fmt.Fprintf(stderr, "esimhil replay: no fixture directories\n%s", replayUsage)
		return 2
	}
	if err := replayDirsClash(fs.Args(), *out); err != nil {
		fmt.Fprintf(stderr, "esimhil replay: %v\n", err)
		return 2
	}
	code := 0
	for i, dir := range fs.Args() {
		if ctx.Err() != nil {
			fmt.Fprintf(stdout, "SKIP  %d fixture(s) not replayed: %v\n", fs.NArg()-i, context.Cause(ctx))
			return interruptedCode(ctx)
		}
		if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
			// fixtures/field/* takes in the README too.
			fmt.Fprintf(stdout, "SKIP  %s: a file, not a fixture directory\n", dir)
			continue
		}
		name := filepath.Base(filepath.Clean(dir))
		res, err := replay.Run(dir, replay.Options{Dir: filepath.Join(*out, name), Context: ctx})
		if ctx.Err() != nil {
			fmt.Fprintf(stdout, "STOP  %s: %v\n", name, context.Cause(ctx))
			return interruptedCode(ctx)
		}
		if err != nil {
			fmt.Fprintf(stdout, "ERROR %s: %v\n", dir, err)
			code = 1
			continue
		}
		fmt.Fprint(stdout, replay.Report(res))
		fmt.Fprintf(stdout, "      [%s, %v]\n", res.Dir, res.Wall.Round(1e6))
		if _, err := timeline.Write(res.Dir, replayPage(res)); err != nil {
			fmt.Fprintf(stderr, "esimhil replay: %s: no timeline page: %v\n", name, err)
			code = 1
		}
		if d := res.Plan.Fixture.Manifest.Drafted(); len(d) > 0 {
			fmt.Fprintf(stdout, "      still drafted: %s (say them before the fixture joins fixtures/field)\n", strings.Join(d, ", "))
		}
		if *verbose {
			for _, a := range res.Plan.Assumptions {
				fmt.Fprintf(stdout, "      assumed: %s\n", a)
			}
			for _, a := range res.Adapted {
				fmt.Fprintf(stdout, "      adapted: %s\n", a)
			}
		}
		if !res.OK {
			code = 1
		}
	}
	return code
}

// replayPage is the replay's run for its timeline page, with the
// replay's own verdict: the CLI's user ran the replay, so its verdict is
// the page's (a field replay spec's page carries the spec's instead,
// framework.KeepOwnRun). A failed replay's page says why, and which of the
// manifest's checks did not hold; report.txt beside it has both sides of
// a divergence.
func replayPage(res *replay.Result) timeline.Run {
	run := timeline.Run{Name: res.Name, Kind: "replay", Seed: res.Seed, Personality: res.Personality,
		Simulated: res.Simulated, Wall: res.Wall, Verdict: "pass"}
	if !res.OK {
		run.Verdict = "fail"
		run.Mismatches = append([]string{res.Why}, res.Mismatches...)
	}
	return run
}

// replayDirsClash says which two fixture directories would replay into
// one artifacts directory (out/<base name>), before anything replays: the
// second one's would overwrite the first one's, and both verdict lines
// would point at what only the last left (outside tester sw76 S3).
func replayDirsClash(dirs []string, out string) error {
	named := map[string]string{}
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
			continue // skipped as it replays
		}
		name := filepath.Base(filepath.Clean(dir))
		first, ok := named[name]
		if !ok {
			named[name] = dir
			continue
		}
		if sameDir(first, dir) {
			return fmt.Errorf("fixture %s is given twice (as %s and %s): replay it once", name, first, dir)
		}
		return fmt.Errorf("fixtures %s and %s are both named %q, which names the artifacts directory %s: the second would overwrite the first one's evidence; replay them in separate runs, each with its own --out",
			first, dir, name, filepath.Join(out, name))
	}
	return nil
}

// sameDir reports whether a and b name one directory (through symlinks,
// or the same path spelt twice).
func sameDir(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	if err1 == nil && err2 == nil {
		return os.SameFile(sa, sb)
	}
	aa, err1 := filepath.Abs(a)
	ab, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == ab
}

// logCmd prints the normalised transcript of logs, as replay reads them.
func logCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("log", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "", "the log's format: "+fieldlog.FormatNames()+" (default: detected)")
	if err := parseInterleaved(fs, args); err != nil {
		return usageExit(err)
	}
	if fs.NArg() == 0 {
		fmt.Fprintf(stderr, "esimhil log: no log files\n%s", replayUsage)
		return 2
	}
	if *format != "" && !slices.Contains(fieldlog.Formats, fieldlog.Format(*format)) {
		// Said once, before any file: not "empty log", nor each file's
		// own error under a format that does not exist.
		fmt.Fprintf(stderr, "esimhil log: --format %q: want one of %s (or leave it out to detect it)\n", *format, fieldlog.FormatNames())
		return 2
	}
	code := 0
	for _, path := range fs.Args() {
		t, err := fieldlog.ReadFile(path, fieldlog.Format(*format))
		if err != nil {
			fmt.Fprintf(stderr, "esimhil log: %v\n", err)
			code = 1
			continue
		}
		// The path, as the lines Render writes, shown, not obeyed.
		fmt.Fprint(stdout, bidi.Term(fmt.Sprintf("# %s: format %s, times: %s\n", path, t.Format, t.Clock)))
		if t.Page {
			fmt.Fprintf(stdout, "# %s\n", fieldlog.PageNote)
		}
		if t.Invisible != "" {
			fmt.Fprintf(stdout, "# %s\n", t.Invisible)
		}
		if err := t.Render(stdout); err != nil {
			fmt.Fprintf(stderr, "esimhil log: %v\n", err)
			return 1
		}
	}
	return code
}

// fixtureCmd drafts a field fixture from pasted logs: the logs copied into
// DIR/NAME and a manifest to check, then says how to replay it.
func fixtureCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fixture", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "the fixture's name (its directory's)")
	dir := fs.String("dir", filepath.Join("fixtures", "field"), "where the fixture's directory is made")
	source := fs.String("source", "", "where the logs come from, for the manifest")
	if err := parseInterleaved(fs, args); err != nil {
		return usageExit(err)
	}
	if *name == "" || fs.NArg() == 0 {
		fmt.Fprintf(stderr, "esimhil fixture: want --name and at least one log\n%s", replayUsage)
		return 2
	}
	if why := field.NameProblem(*name); why != "" {
		// A flag's value, refused before anything is written: "../../x"
		// would make the fixture outside --dir.
		fmt.Fprintf(stderr, "esimhil fixture: --name %q: %s; want %s\n", *name, why, field.NameChars)
		return 2
	}
	d, err := replay.Draft(*dir, *name, *source, fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "esimhil fixture: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s (personality %s", filepath.Join(d.Dir, "manifest.yaml"), d.Personality)
	if d.Quirks != "" {
		fmt.Fprintf(stdout, " with quirks %s", d.Quirks)
	}
	if len(d.Tried) > 0 {
		fmt.Fprintf(stdout, "; the logs contradict %d before it", len(d.Tried))
	}
	fmt.Fprintln(stdout, ")")
	for _, t := range d.Tried {
		fmt.Fprintf(stdout, "  not %s\n", t)
	}
	for _, w := range d.Warnings {
		fmt.Fprintf(stdout, "warning   %s\n", w)
	}
	switch {
	case d.Unplayed != "":
		fmt.Fprintf(stdout, "failure   %s (the first line where something went wrong: check it)\n", d.Failure)
		fmt.Fprintf(stdout, "to do     %s: nothing is compared there; name as the failure a line the replay compares\n", d.Unplayed)
	case d.PassedOver != "":
		fmt.Fprintf(stdout, "failure   %s (the first line the replay compares where something went wrong: check it)\n", d.Failure)
		fmt.Fprintf(stdout, "          %s\n", d.PassedOver)
	case d.Found:
		fmt.Fprintf(stdout, "failure   %s (the first line where something went wrong: check it)\n", d.Failure)
	default:
		fmt.Fprintf(stdout, "failure   none found: name the line that shows it (now %s)\n", d.Failure)
	}
	if d.Problem != nil {
		// Most problems ask the manifest for what the logs lack; some are
		// what no manifest mends (field.LogsCannot).
		what := "the fixture does not replay until the manifest gives what the logs lack"
		var lc field.LogsCannot
		logs := errors.As(d.Problem, &lc)
		if logs {
			what = "the fixture does not replay these logs as they are"
		}
		fmt.Fprintf(stdout, "to do     %s:\n          %v\n", what, d.Problem)
		for _, l := range d.Limits {
			fmt.Fprintf(stdout, "to do     %s\n", l)
		}
		if logs {
			fmt.Fprintf(stdout, "next      deal with the logs in %s as that line says, then: esimhil replay -v %s\n", d.Dir, d.Dir)
			return 1
		}
		fmt.Fprintf(stdout, "next      edit %s, then: esimhil replay -v %s\n", filepath.Join(d.Dir, "manifest.yaml"), d.Dir)
		return 1
	}
	for _, t := range d.Plan.ToDo {
		fmt.Fprintf(stdout, "to do     %s\n", t)
	}
	fmt.Fprintf(stdout, "assumed   %d things the logs do not say (esimhil replay -v lists them)\n", len(d.Plan.Assumptions))
	if d.Unplayed != "" {
		fmt.Fprintf(stdout, "next      name the failure in %s, then: esimhil replay -v %s\n", filepath.Join(d.Dir, "manifest.yaml"), d.Dir)
		return 1
	}
	fmt.Fprintf(stdout, "next      edit \"expected\", then: esimhil replay -v %s\n", d.Dir)
	return 0
}
