package main

import (
	"flag"
	"io"
	"slices"
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
