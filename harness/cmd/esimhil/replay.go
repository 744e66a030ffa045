package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/harness/replay"
)

const replayUsage = `usage:
  esimhil replay [--out DIR] [-v] FIXTURE_DIR...   replay field fixtures (fixtures/field/<name>) and judge them
  esimhil log [--format F] LOG...                  print a log's normalised transcript
`

// replayCmd replays field fixtures: one verdict line each (with the first
// divergence under it when there is one), exit 0 when every verdict is
// what its manifest expects, 1 otherwise or when a fixture does not load.
func replayCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", filepath.Join("out", "replay"), "directory for per-fixture artifacts")
	verbose := fs.Bool("v", false, "print what the reconstruction assumed")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintf(stderr, "esimhil replay: no fixture directories\n%s", replayUsage)
		return 2
	}
	code := 0
	for i, dir := range fs.Args() {
		if ctx.Err() != nil {
			fmt.Fprintf(stdout, "SKIP  %d fixture(s) not replayed: %v\n", fs.NArg()-i, context.Cause(ctx))
			return interruptedCode(ctx)
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
		if *verbose {
			for _, a := range res.Plan.Assumptions {
				fmt.Fprintf(stdout, "      assumed: %s\n", a)
			}
		}
		if !res.OK {
			code = 1
		}
	}
	return code
}

// logCmd prints the normalised transcript of logs, as replay reads them.
func logCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("log", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "", "the log's format: "+formatNames()+" (default: detected)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintf(stderr, "esimhil log: no log files\n%s", replayUsage)
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
		fmt.Fprintf(stdout, "# %s: format %s, times: %s\n", path, t.Format, t.Clock)
		if err := t.Render(stdout); err != nil {
			fmt.Fprintf(stderr, "esimhil log: %v\n", err)
			return 1
		}
	}
	return code
}

func formatNames() string {
	var s []string
	for _, f := range fieldlog.Formats {
		s = append(s, string(f))
	}
	return strings.Join(s, ", ")
}
