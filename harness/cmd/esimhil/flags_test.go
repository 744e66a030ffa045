package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/scenario"
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

// The flag and the scenario file read a seed alike.
func TestSeedFlagMatchesScenario(t *testing.T) {
	for _, v := range []string{"0", "010", "-5", "0x10", "0X1f", "-0x5f", "0o17", "+7", "0x7fffffffffffffff"} {
		s, err := scenario.Parse("s.yaml", []byte("name: t\nseed: "+v+"\nnetwork:\n  operators:\n    - {id: a, plmn: \"00101\", country: FR}\n  cells:\n    - {area: X, operator: a, rsrp: -80}\ndevice:\n  eid: \"89049032000001000000000000000171\"\n  check_interval: 5m\n  profiles:\n    - {iccid: \"89860000000000000019\", operator: a, enabled: true}\nitinerary:\n  - {at: 0s, area: X}\n"))
		if err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		var f seedFlag
		if err := f.Set(v); err != nil || int64(f) != s.Seed {
			t.Errorf("--seed %s = %d (%v), seed: %s = %d", v, f, err, v, s.Seed)
		}
	}
}
