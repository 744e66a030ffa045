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

// A seed is read in decimal, as the CLI prints it: "010" is seed 10, not
// octal 8; hex, words and numbers past int64 are refused, naming the flag.
func TestSeedIsDecimal(t *testing.T) {
	scen := filepath.Join("..", "..", "..", "fixtures", "scenarios", "home-no-request.yaml")
	var stdout, stderr bytes.Buffer
	if code := cli(context.Background(), []string{"run", "--seed", "010", "--out", t.TempDir(), scen}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "(seed 10,") {
		t.Errorf("--seed 010: exit %d, %s%s", code, stdout.String(), stderr.String())
	}
	for _, bad := range []string{"0x10", "ten", "99999999999999999999"} {
		stdout.Reset()
		stderr.Reset()
		if code := cli(context.Background(), []string{"run", "--seed", bad, "--out", t.TempDir(), scen}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "-seed") {
			t.Errorf("--seed %s: exit %d, %q", bad, code, stderr.String())
		}
	}
}
