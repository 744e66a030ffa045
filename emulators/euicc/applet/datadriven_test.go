package applet

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A tiny data-driven test driver in the manner of etcd raft's interaction
// tests: a script file is a sequence of cases, each a command line, optional
// input lines, a "----" line and the expected output up to a blank line.
// Lines starting with # between cases are comments (each script opens with
// the claim or clause it shows). go test -rewrite writes the actual output
// back into the files.
//
//	# claim 1: the periodic check starts at boot
//	boot
//	----
//	StartTimer 1 5m0s
var rewrite = flag.Bool("rewrite", false, "rewrite testdata/*.txt with the actual output")

// scriptCase is one command of a script file.
type scriptCase struct {
	Line   int      // 1-based line of the command
	Cmd    string   // the command line
	Input  []string // lines between the command and "----"
	Want   string   // expected output (lines joined by \n, no trailing newline)
	before []string // comment and blank lines before the command, kept by -rewrite
}

// parseScript splits a script file into cases.
func parseScript(t *testing.T, path, text string) (cases []scriptCase, trailer []string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	var pending []string
	for i := 0; i < len(lines); {
		l := lines[i]
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			pending = append(pending, l)
			i++
			continue
		}
		c := scriptCase{Line: i + 1, Cmd: l, before: pending}
		pending = nil
		i++
		for i < len(lines) && lines[i] != "----" {
			if strings.TrimSpace(lines[i]) == "" {
				t.Fatalf("%s:%d: %q: blank line before ----", path, i+1, c.Cmd)
			}
			c.Input = append(c.Input, lines[i])
			i++
		}
		if i == len(lines) {
			t.Fatalf("%s:%d: %q: no ---- line", path, c.Line, c.Cmd)
		}
		i++ // ----
		var out []string
		for i < len(lines) && lines[i] != "" {
			out = append(out, lines[i])
			i++
		}
		c.Want = strings.Join(out, "\n")
		cases = append(cases, c)
	}
	return cases, pending
}

// runScripts runs every testdata/<glob> file as a subtest; run returns the
// output of one case (it may call t.Fatal for a malformed command).
func runScripts(t *testing.T, glob string, newRun func() func(t *testing.T, c scriptCase) string) {
	files, err := filepath.Glob(filepath.Join("testdata", glob))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts testdata/%s: %v", glob, err)
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(b), "#") {
				t.Errorf("%s: a script opens with a comment citing the claim or clause it shows", path)
			}
			cases, trailer := parseScript(t, path, string(b))
			run := newRun()
			var out strings.Builder
			for _, c := range cases {
				got := strings.TrimRight(run(t, c), "\n")
				for _, l := range c.before {
					out.WriteString(l + "\n")
				}
				out.WriteString(c.Cmd + "\n")
				for _, l := range c.Input {
					out.WriteString(l + "\n")
				}
				out.WriteString("----\n")
				if got != "" {
					out.WriteString(got + "\n")
				}
				if !*rewrite && got != c.Want {
					t.Errorf("%s:%d: %s\n got:\n%s\nwant:\n%s", path, c.Line, c.Cmd, indent(got), indent(c.Want))
				}
			}
			for _, l := range trailer {
				out.WriteString(l + "\n")
			}
			if *rewrite {
				if err := os.WriteFile(path, []byte(out.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func indent(s string) string {
	if s == "" {
		return "  (nothing)"
	}
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

// TestScriptParser pins the file format down.
func TestScriptParser(t *testing.T) {
	text := "# claim 1\nboot\n----\nStartTimer 1 5m0s\n\n# two\ninfo normal 46000\nextra input\n----\n\ncheck\n----\n"
	cases, _ := parseScript(t, "x.txt", text)
	if len(cases) != 3 || cases[0].Want != "StartTimer 1 5m0s" || cases[1].Input[0] != "extra input" || cases[1].Want != "" || cases[2].Cmd != "check" {
		t.Fatalf("cases %+v", cases)
	}
	if cases[1].Line != 7 || len(cases[1].before) != 2 {
		t.Fatalf("line %d before %q", cases[1].Line, cases[1].before)
	}
}
