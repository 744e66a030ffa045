package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Flags come anywhere among the operands; "--" ends them.
func TestParseInterleaved(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		out      string
		verbose  bool
		operands []string
		err      bool
	}{
		{"flags first", []string{"--out", "D", "a.yaml"}, "D", false, []string{"a.yaml"}, false},
		{"flags after", []string{"a.yaml", "--out", "D", "b.yaml"}, "D", false, []string{"a.yaml", "b.yaml"}, false},
		{"with =", []string{"a.yaml", "-out=D"}, "D", false, []string{"a.yaml"}, false},
		{"a bool takes no value", []string{"a.yaml", "-v", "b.yaml"}, "out", true, []string{"a.yaml", "b.yaml"}, false},
		{"after --", []string{"a.yaml", "--", "--out", "-v"}, "out", false, []string{"a.yaml", "--out", "-v"}, false},
		{"stdin's -", []string{"-", "-v"}, "out", true, []string{"-"}, false},
		{"unknown flag after an operand", []string{"a.yaml", "--nope"}, "out", false, nil, true},
		{"a value missing", []string{"a.yaml", "--out"}, "out", false, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			out := fs.String("out", "out", "")
			v := fs.Bool("v", false, "")
			err := parseInterleaved(fs, tc.args)
			if (err != nil) != tc.err {
				t.Fatalf("error %v, want error %v", err, tc.err)
			}
			if err != nil {
				return
			}
			if *out != tc.out || *v != tc.verbose || !slices.Equal(fs.Args(), tc.operands) {
				t.Errorf("out %q v %v operands %q; want %q %v %q", *out, *v, fs.Args(), tc.out, tc.verbose, tc.operands)
			}
		})
	}
}

// A seed is read as a scenario file's seed: is: decimal as the CLI prints
// it ("010" is seed 10, not octal 8), or hex 0x… and octal 0o… (outside
// tester t195: the file took 0x10, the flag refused it); words, "0b" and
// numbers past int64 are refused, naming the flag.
func TestSeedAsScenario(t *testing.T) {
	scen := filepath.Join("..", "..", "..", "fixtures", "scenarios", "home-no-request.yaml")
	var stdout, stderr bytes.Buffer
	for _, tc := range []struct{ in, want string }{
		{"010", "(seed 10,"},
		{"0x10", "(seed 16,"},
		{"-0X5f", "(seed -95,"},
		{"0o10", "(seed 8,"},
		{"0x8000000000000000", ""},
		{"-0x8000000000000000", "(seed -9223372036854775808,"},
		{"ten", ""},
		{"0b10", ""},
		{"99999999999999999999", ""},
	} {
		stdout.Reset()
		stderr.Reset()
		code := cli(context.Background(), []string{"run", "--seed", tc.in, "--out", t.TempDir(), scen}, &stdout, &stderr)
		if tc.want == "" {
			if code != 2 || !strings.Contains(stderr.String(), "-seed") {
				t.Errorf("--seed %s: exit %d, %q", tc.in, code, stderr.String())
			}
			continue
		}
		if code != 0 || !strings.Contains(stdout.String(), tc.want) {
			t.Errorf("--seed %s: exit %d, %s%s", tc.in, code, stdout.String(), stderr.String())
		}
	}
}

// Outside tester t198: every command refuses, before anything runs and
// with exit 2, a value that is the next flag (its own went missing), an
// empty value (a variable left unset), a bool, duration or URL that
// cannot be one, naming the flag and what was given — never a run with
// a setting nobody chose ("--platform --devices 20" ran a storm against
// the emulated platform's default, "--shard ”" the whole fleet, "lab
// sniff --for -1s" sniffed until a signal).
func TestFlagValuesRefused(t *testing.T) {
	scen := filepath.Join("..", "..", "..", "fixtures", "scenarios", "home-no-request.yaml")
	fl := []string{"fleet", "--scenario-template", fleetTemplate, "--devices", "1"}
	ext := append(slices.Clone(fl), "--platform", "https://127.0.0.1:1")
	dir, drafts := t.TempDir(), t.TempDir()
	for _, tc := range []struct {
		args []string
		want string // stderr's first line
	}{
		// A value that is the next flag.
		{append(slices.Clone(fl), "--platform", "--devices", "20"), "esimhil fleet: --platform: its value is missing (the next argument, --devices, is a flag)"},
		{append(slices.Clone(fl), "--out", "--seed", "3"), "esimhil fleet: --out: its value is missing (the next argument, --seed, is a flag)"},
		{append(slices.Clone(ext), "--smdp", "-devices=2"), "esimhil fleet: --smdp: its value is missing (the next argument, --devices, is a flag)"},
		{[]string{"fleet", "merge", "--out", "--accept-unchecked", "x.json"}, "esimhil fleet merge: --out: its value is missing (the next argument, --accept-unchecked, is a flag)"},
		{[]string{"run", "--out", "--seed", "3", scen}, "esimhil run: --out: its value is missing (the next argument, --seed, is a flag)"},
		{[]string{"run", scen, "--seed", "--help"}, "esimhil run: --seed: its value is missing (the next argument, --help, is a flag)"},
		{[]string{"serve", "--scenario", scen, "--listen", "--ci", "x"}, "esimhil serve: --listen: its value is missing (the next argument, --ci, is a flag)"},
		{[]string{"fixture", "--name", "--dir", "x", "a.log"}, "esimhil fixture: --name: its value is missing (the next argument, --dir, is a flag)"},
		{[]string{"lab", "record", "--modem", "--out", dir}, "esimhil lab record: --modem: its value is missing (the next argument, --out, is a flag)"},
		{[]string{"lab", "sniff", "--out", "--for", "1s"}, "esimhil lab sniff: --out: its value is missing (the next argument, --for, is a flag)"},
		// A single-valued flag given twice with two values: which one
		// was meant? (--smdp is repeatable; its operators may not repeat.)
		{append(slices.Clone(fl), "--ptys", "0", "--devices", "3"), `esimhil fleet: --devices given twice ("1" and "3"): give it once`},
		{[]string{"run", "--seed", "1", scen, "-seed=2"}, `esimhil run: --seed given twice ("1" and "2"): give it once`},
		// Empty values.
		{append(slices.Clone(fl), "--shard", ""), `esimhil fleet: --shard "": empty value (an unset variable?); give one, or leave the flag out for its default`},
		{append(slices.Clone(fl), "--lists="), `esimhil fleet: --lists "": empty value`},
		{append(slices.Clone(fl), "--out", " "), `esimhil fleet: --out " ": empty value`},
		{[]string{"run", "--out", "", scen}, `esimhil run: --out "": empty value`},
		{[]string{"serve", "--scenario", scen, "--ci", ""}, `esimhil serve: --ci "": empty value`},
		{[]string{"log", "--format", "", "a.log"}, `esimhil log: --format "": empty value`},
		{[]string{"lab", "record", "--modem", "/dev/null", "--out", dir, "--simtrace", ""}, `esimhil lab record: --simtrace "": empty value`},
		// Bools, durations, numbers.
		{append(slices.Clone(fl), "--accept-unchecked=maybe"), `esimhil fleet: --accept-unchecked "maybe": want true or false (or the flag alone for true)`},
		{[]string{"replay", "-v=2", "x"}, `esimhil replay: --v "2": want true or false`},
		// A bool's value given apart is no value of it (package flag takes
		// the flag alone for true and the word for an operand): "false"
		// would turn it on, and then be a stray argument or a file.
		{append(slices.Clone(fl), "--accept-unchecked", "false"), `esimhil fleet: --accept-unchecked false: the flag takes its value after "=" (alone it is true): give --accept-unchecked=false`},
		{[]string{"fleet", "merge", "a.json", "--accept-stopped", "true"}, `esimhil fleet merge: --accept-stopped true: the flag takes its value after "=" (alone it is true): give --accept-stopped=true`},
		{[]string{"replay", "-v", "false", "x"}, `esimhil replay: -v false: the flag takes its value after "=" (alone it is true): give -v=false`},
		{append(slices.Clone(fl), "--arrive-within", "NaN"), `esimhil fleet: --arrive-within "NaN": want a Go duration with a unit, such as 10m or 1h30m (units h, m, s, ms)`},
		{append(slices.Clone(fl), "--dwell", "100000000h"), `esimhil fleet: --dwell "100000000h": out of range: at most 2562047h0m0s`},
		{[]string{"lab", "discover", "--probe", "/dev/null", "--timeout", "10"}, `esimhil lab discover: --timeout "10": no unit: want a Go duration with a unit, such as 10m or 10s (units h, m, s, ms)`},
		{[]string{"lab", "discover", "--timeout", "1s"}, "esimhil lab discover: --baud and --timeout are for --probe PORT; a scan opens no port"},
		{[]string{"lab", "discover", "--probe", "/dev/null", "--baud", "fast"}, `esimhil lab discover: --baud "fast": want a baud rate, such as 115200`},
		{[]string{"lab", "record", "--modem", "/dev/null", "--out", dir, "--restart", "-1s"}, "esimhil lab record: --restart -1s: want 0 (a dropped port ends the session) or more"},
		{[]string{"lab", "diff", "x", "--timeout", "3"}, `esimhil lab diff: --timeout "3": no unit`},
		{[]string{"lab", "sniff", "--for", "-1s", "--out", filepath.Join(dir, "s.pcapng")}, "esimhil lab sniff: --for -1s: want more than 0 (leave it out to stop at Ctrl-C or SIGTERM)"},
		{[]string{"lab", "sniff", "--for", "1s", "--out", "/nonexistent/s.pcapng"}, "esimhil lab sniff: --out /nonexistent/s.pcapng: its directory /nonexistent does not exist"},
		{[]string{"emulate", "--state", "/nonexistent/dir/s.json"}, "esimhil emulate: --state /nonexistent/dir/s.json: its directory /nonexistent/dir does not exist"},
		{[]string{"lab", "record", "--modem", "/dev/null", "--out", "flags_test.go"}, "esimhil lab record: --out flags_test.go: a file, not a directory: name the recording's directory"},
		{[]string{"log", "--format", "minicom", "a.log"}, `esimhil log: --format "minicom": want one of atlog, `},
		// URLs: the platform's http or https, an SM-DP+'s https (ES9+),
		// a SIMtrace's udp; host, port 1-65535, nothing after them.
		{append(slices.Clone(fl), "--platform", "127.0.0.1:8443"), `esimhil fleet: --platform "127.0.0.1:8443": no scheme: want http://host:port or https://host:port`},
		{append(slices.Clone(fl), "--platform", "ftp://127.0.0.1:1"), `esimhil fleet: --platform "ftp://127.0.0.1:1": scheme "ftp": want http://host:port or https://host:port`},
		{append(slices.Clone(fl), "--platform", "https://:8443"), `esimhil fleet: --platform "https://:8443": no host`},
		{append(slices.Clone(fl), "--platform", "https://127.0.0.1:99999"), `esimhil fleet: --platform "https://127.0.0.1:99999": port 99999: want 1-65535`},
		{append(slices.Clone(fl), "--platform", "https://127.0.0.1:1/v1?x=1"), `esimhil fleet: --platform "https://127.0.0.1:1/v1?x=1": want http://host:port or https://host:port alone: no path, query or user (the routes are fixed)`},
		{append(slices.Clone(ext), "--smdp", "sfr=http://127.0.0.1:2"), `esimhil fleet: --smdp sfr=http://127.0.0.1:2: ES9+ is HTTPS (SGP.22 §2.6.6), the cards speak nothing else: want https://host:port`},
		{append(slices.Clone(ext), "--smdp", "sfr=127.0.0.1:2"), `esimhil fleet: --smdp sfr=127.0.0.1:2: no scheme: want https://host:port`},
		{append(slices.Clone(ext), "--smdp", "sfr"), `esimhil fleet: --smdp "sfr": want operator=https://host:port`},
		{append(slices.Clone(ext), "--smdp", "sfr=https://127.0.0.1:2", "--smdp", "sfr=https://127.0.0.1:3"), "esimhil fleet: --smdp sfr given twice (https://127.0.0.1:2 and https://127.0.0.1:3): one SM-DP+ an operator"},
		{[]string{"lab", "record", "--modem", "/dev/null", "--out", dir, "--simtrace", "http://127.0.0.1:4729"}, `esimhil lab record: --simtrace "http://127.0.0.1:4729": scheme "http": want udp://host:port`},
		{[]string{"lab", "sniff", "--simtrace", "udp://127.0.0.1:99999", "--for", "1s", "--out", filepath.Join(dir, "s.pcapng")}, `esimhil lab sniff: --simtrace "udp://127.0.0.1:99999": port 99999: want 0-65535`},
		{[]string{"lab", "sniff", "--simtrace", "127.0.0.1:99999", "--for", "1s", "--out", filepath.Join(dir, "s.pcapng")}, `esimhil lab sniff: --simtrace "127.0.0.1:99999": port 99999: want 0-65535 (GSMTAP's is 4729; 0: any free one)`},
		// Shards.
		{append(slices.Clone(fl), "--shard", "0/0"), `esimhil fleet: --shard "0/0": want i/n with 0 ≤ i < n`},
		{append(slices.Clone(fl), "--shard", "1/-1"), `esimhil fleet: --shard "1/-1": want i/n with 0 ≤ i < n`},
		{append(slices.Clone(fl), "--shard", "a/b"), `esimhil fleet: --shard "a/b": want i/n with 0 ≤ i < n`},
		// A fixture's name names one directory under --dir: no path, no
		// parent, nothing outside field.NameChars (t207: "../../x" was
		// an error of the draft, exit 1).
		{[]string{"fixture", "--dir", drafts, "--name", "../x", "a.log"}, `esimhil fixture: --name "../x": a path, not a name`},
		{[]string{"fixture", "--dir", drafts, "--name", "../../x", "a.log"}, `esimhil fixture: --name "../../x": a path, not a name: the fixture's directory is made under --dir; want lower-case letters, digits,`},
		{[]string{"fixture", "--dir", drafts, "--name", "..", "a.log"}, `esimhil fixture: --name "..": it holds "..", which names a parent directory`},
		{[]string{"fixture", "--dir", drafts, "--name", `gw\x`, "a.log"}, `esimhil fixture: --name "gw\\x": a path, not a name`},
		{[]string{"fixture", "--dir", drafts, "--name", "", "a.log"}, `esimhil fixture: --name "": empty value`},
		{[]string{"fixture", "--dir", drafts, "--name", "Ticket 4411", "a.log"}, `esimhil fixture: --name "Ticket 4411": character 1, 'T', is outside the set; want lower-case letters`},
		{[]string{"fixture", "--dir", drafts, "--name", "-x", "a.log"}, `esimhil fixture: --name "-x": it starts with '-'`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := cli(context.Background(), tc.args, &out, &errOut)
			if code != 2 || !strings.HasPrefix(errOut.String(), tc.want) {
				t.Errorf("exit %d, stdout %q, stderr\n%s\nwant exit 2 and stderr starting\n%s", code, out.String(), errOut.String(), tc.want)
			}
		})
	}
	// Refused before anything is written.
	if es, err := os.ReadDir(drafts); err != nil || len(es) != 0 {
		t.Errorf("in --dir: %v, %v: want nothing", es, err)
	}
	if _, err := os.Stat(filepath.Join(drafts, "..", "x")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("--name ../x: %v: want nothing written", err)
	}
}

// A value that starts with '-' but names no flag is a value: a negative
// number is refused or taken by its flag's own rule, and "--out=--seed"
// says so explicitly.
func TestFlagValueLikeAFlag(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("out", "out", "")
	n := fs.Int("n", 0, "")
	if err := parseInterleaved(fs, []string{"--n", "-3", "--out=--n"}); err != nil || *n != -3 || *out != "--n" {
		t.Errorf("err %v, n %d, out %q; want -3 and --n", err, *n, *out)
	}
}
