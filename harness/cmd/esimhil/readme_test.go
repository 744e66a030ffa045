package main

import (
	"bytes"
	"context"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The docs a user copies commands from. A command line shown there that
// names a subcommand or a flag the CLI does not have fails at once for
// whoever types it (outside tester t260): this keeps them true without
// running anything.
var docsWithCommands = []string{
	"README.md",
	"docs/platform-api.md",
	"docs/conformance.md",
	"docs/applet-modes.md",
	"docs/performance.md",
	"docs/fleet-indexed-job.yaml",
	"fixtures/scenarios/README.md",
	"fixtures/fleet/README.md",
}

// docCommand is one `esimhil …` command line a doc shows.
type docCommand struct {
	where string   // file:line
	cmd   []string // the subcommand's words: "run", or "lab", "record"
	flags []string // the flags it gives, without dashes or values
}

var (
	// An invocation: esimhil, bin/esimhil or ./bin/esimhil at a word's
	// start, then a lower-case word. "esimhil run:" is a message the
	// command prints, not a command line.
	invocationRe = regexp.MustCompile(`(?:^|[\s="'$]|` + "`" + `)(?:\./)?(?:bin/)?esimhil ([a-z]+)(?: ([a-z]+))?([^:a-z]|$)`)
	flagRe       = regexp.MustCompile(`^\[?(--?[a-z][a-z0-9-]*)`)
	helpFlagRe   = regexp.MustCompile(`(?m)^  -([a-z][a-z0-9-]*)`)
	// What ends a command line's words: a pipe, a list, a redirection,
	// a comment, prose after it.
	commandEndRe = regexp.MustCompile(`\s(?:\||&&|;|>|#|2>)`)
)

// subcommands are the commands cli dispatches, each with its own (lab's,
// fleet's merge), read from cli's table: a command added there is held
// against the docs with no list here to keep.
var subcommands = func() map[string][]string {
	out := map[string][]string{}
	for name, c := range commands {
		out[name] = slices.Sorted(maps.Keys(c.subs))
	}
	return out
}()

// docCommands finds the command lines in text: in code blocks, each line
// (a trailing backslash joining the next), and elsewhere each inline code
// span.
func docCommands(name, text string) []docCommand {
	var out []docCommand
	add := func(line int, s string) {
		for _, m := range invocationRe.FindAllStringSubmatchIndex(s, -1) {
			words := []string{s[m[2]:m[3]]}
			rest := s[m[3]:]
			if m[4] >= 0 {
				if sub := s[m[4]:m[5]]; slices.Contains(subcommands[words[0]], sub) {
					words = append(words, sub)
					rest = s[m[5]:]
				} else if words[0] == "lab" || words[0] == "fleet" {
					// lab's second word is its command, and fleet takes
					// no operand but merge: one they lack is named so.
					words = append(words, sub)
					rest = s[m[5]:]
				}
			}
			if m[6] < m[7] && s[m[6]] == ':' {
				continue
			}
			if i := commandEndRe.FindStringIndex(rest); i != nil {
				rest = rest[:i[0]]
			}
			// The next invocation in the same span starts a command of its own.
			if i := invocationRe.FindStringIndex(rest); i != nil {
				rest = rest[:i[0]]
			}
			var flags []string
			for _, f := range strings.Fields(rest) {
				if fm := flagRe.FindStringSubmatch(f); fm != nil {
					flags = append(flags, strings.TrimLeft(fm[1], "-"))
				}
			}
			out = append(out, docCommand{where: name + ":" + strconv.Itoa(line), cmd: words, flags: flags})
		}
	}
	lines := strings.Split(text, "\n")
	inBlock := false
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			inBlock = !inBlock
			continue
		}
		if inBlock || strings.HasSuffix(name, ".yaml") {
			start := i
			for i+1 < len(lines) && continues(l, lines[i+1]) {
				i++
				l = strings.TrimSuffix(l, "\\") + " " + lines[i]
			}
			add(start+1, l)
			continue
		}
		// Inline code spans; one may run over a line break.
		for j := i; ; j++ {
			if strings.Count(l, "`")%2 == 0 || j+1 >= len(lines) {
				break
			}
			l += " " + lines[j+1]
		}
		parts := strings.Split(l, "`")
		for k := 1; k < len(parts); k += 2 {
			add(i+1, parts[k])
		}
	}
	return out
}

// continues says whether next goes on line's command: after a trailing
// backslash, or as an indented line that starts with a flag (a usage
// block's "[--out DIR] …", a Job's args folded over lines).
func continues(line, next string) bool {
	t := strings.TrimSpace(next)
	switch {
	case strings.HasSuffix(line, "\\"):
		return true
	case strings.HasPrefix(next, " ") && (strings.HasPrefix(t, "[-") || strings.HasPrefix(t, "--")):
		return true
	}
	return false
}

// helpFlags are the flags a subcommand's -h lists.
func helpFlags(t *testing.T, cmd []string) (map[string]bool, bool) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli(context.Background(), append(append([]string{}, cmd...), "-h"), &stdout, &stderr)
	if code != 0 {
		return nil, false
	}
	flags := map[string]bool{"h": true, "help": true}
	for _, m := range helpFlagRe.FindAllStringSubmatch(stdout.String()+stderr.String(), -1) {
		flags[m[1]] = true
	}
	return flags, true
}

func TestDocsCommandsExist(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	texts := map[string]string{
		// The CLI's own usage lines, which it prints on a refusal.
		"usage":       "```\n" + usage + "\n```",
		"fleetUsage":  "```\n" + fleetUsage + "\n```",
		"labUsage":    "```\n" + labUsage + "\n```",
		"replayUsage": "```\n" + replayUsage + "\n```",
	}
	names := []string{"usage", "fleetUsage", "labUsage", "replayUsage"}
	for _, name := range docsWithCommands {
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		texts[name] = string(b)
		names = append(names, name)
	}
	known := map[string]map[string]bool{}
	checked := 0
	for _, name := range names {
		for _, c := range docCommands(name, texts[name]) {
			key := strings.Join(c.cmd, " ")
			if subs := subcommands[c.cmd[0]]; c.cmd[0] == "lab" && len(c.cmd) == 1 {
				if len(c.flags) > 0 {
					t.Errorf("%s: esimhil lab %v: lab takes one of %v before its flags", c.where, c.flags, subs)
				}
				continue
			}
			if _, ok := subcommands[c.cmd[0]]; !ok {
				continue // prose: "esimhil writes none"
			}
			if len(c.cmd) == 2 && !slices.Contains(subcommands[c.cmd[0]], c.cmd[1]) {
				t.Errorf("%s: esimhil %s: no such command (esimhil %s has %v)", c.where, key, c.cmd[0], subcommands[c.cmd[0]])
				continue
			}
			flags, ok := known[key]
			if !ok {
				if flags, ok = helpFlags(t, c.cmd); !ok {
					t.Errorf("%s: esimhil %s: no such command (its -h fails)", c.where, key)
					known[key] = nil
					continue
				}
				known[key] = flags
			}
			if flags == nil {
				continue
			}
			for _, f := range c.flags {
				checked++
				if !flags[f] {
					var have []string
					for k := range flags {
						have = append(have, k)
					}
					sort.Strings(have)
					t.Errorf("%s: esimhil %s --%s: the command has no such flag (it has %v)", c.where, key, f, have)
				}
			}
		}
	}
	t.Logf("checked %d flags on the docs' and the usage texts' command lines", checked)
	if checked < 100 {
		t.Errorf("checked %d flags in the docs' command lines: the extraction found too few to be working", checked)
	}
}

func TestDocCommandsExtraction(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"doc.md", "run `esimhil run --seed 7 --out out/rerun x.yaml` now", []string{"run:seed,out"}},
		{"doc.md", "```sh\nbin/esimhil lab record --modem /dev/ttyUSB2 \\\n  --out rec   # comment --nope\n```", []string{"lab record:modem,out"}},
		{"doc.md", "says `esimhil run: unknown flag --bogus; usage: esimhil run [--seed N] [--out DIR] …`", []string{"run:seed,out"}},
		{"doc.md", "`esimhil run pass.yaml | head -1` and `esimhil fleet merge --out m.json a.json`", []string{"run:", "fleet merge:out"}},
		{"doc.md", "`ESIMHIL_PERSONALITY=x esimhil replay -v d`", []string{"replay:v"}},
		{"doc.md", "```\nbin/esimhil serve --scenario F\n      [--out DIR] [--max-events-bytes N]   # DIR\n```", []string{"serve:scenario,out,max-events-bytes"}},
		{"job.yaml", "  - >-\n    exec esimhil fleet\n    --shard \"${JOB_COMPLETION_INDEX}/8\"\n    --out x\n  env:", []string{"fleet:shard,out"}},
	} {
		var got []string
		for _, c := range docCommands(tc.name, tc.text) {
			got = append(got, strings.Join(c.cmd, " ")+":"+strings.Join(c.flags, ","))
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%q: got %q, want %q", tc.text, got, tc.want)
		}
	}
}

// README's usage block under "The CLI" lists every flag of every command:
// one added to the CLI and not there is a flag no user learns of.
func TestReadmeUsageListsEveryFlag(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "\n## The CLI\n")
	if start < 0 {
		t.Fatal(`README.md has no "## The CLI" section`)
	}
	open := strings.Index(text[start:], "\n```sh\n")
	if open < 0 {
		t.Fatal(`README.md's "The CLI" has no sh block`)
	}
	body := text[start+open+len("\n```sh\n"):]
	body = body[:strings.Index(body, "\n```")]
	listed := map[string]map[string]bool{}
	for _, c := range docCommands("README.md", "```\n"+body+"\n```") {
		key := strings.Join(c.cmd, " ")
		if listed[key] == nil {
			listed[key] = map[string]bool{}
		}
		for _, f := range c.flags {
			listed[key][f] = true
		}
	}
	for cmd, subs := range subcommands {
		cmds := [][]string{{cmd}}
		if cmd == "lab" {
			cmds = nil
		}
		for _, s := range subs {
			cmds = append(cmds, []string{cmd, s})
		}
		for _, c := range cmds {
			key := strings.Join(c, " ")
			flags, ok := helpFlags(t, c)
			if !ok {
				t.Errorf("esimhil %s -h fails", key)
				continue
			}
			if listed[key] == nil {
				t.Errorf("README.md's usage block under \"The CLI\" has no line for esimhil %s", key)
				continue
			}
			for f := range flags {
				if f != "h" && f != "help" && !listed[key][f] {
					t.Errorf("README.md's usage block under \"The CLI\": esimhil %s lacks --%s, which the command takes", key, f)
				}
			}
		}
	}
}
