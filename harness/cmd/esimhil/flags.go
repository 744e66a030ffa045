package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/esimhil/esimhil/harness/scenario"
)

// parseInterleaved parses args with flags before, among or after the
// command's operands ("esimhil run a.yaml --out D", as GNU tools take
// them): Go's flag package stops at the first operand and would take the
// flags after it for files. A "--" ends the flags; what follows is
// operands all.
//
// A refused flag is said in one line, "esimhil fleet: --devices "1e12":
// want …", then where the flags are listed — not Go's "invalid value …
// for flag -devices: …" followed by the whole usage, under which the one
// line that matters scrolled away. -h still prints the usage. The
// command is named as fs is ("fleet merge").
func parseInterleaved(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	err := parseSplit(fs, args)
	fs.SetOutput(out)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintf(out, "Usage of %s:\n", fs.Name())
		fs.PrintDefaults()
		return err
	}
	fmt.Fprintf(out, "esimhil %s: %s\nesimhil %s -h for the flags\n", fs.Name(), flagError(fs.Name(), err), fs.Name())
	return err
}

// flagError words a refusal of package flag in the command's terms: a
// value refused names its flag and what was given ("--speed "abc": want a
// number"), an unknown flag the command's usage, what it takes.
func flagError(cmd string, err error) string {
	msg := err.Error()
	if m := invalidValue.FindStringSubmatch(msg); m != nil {
		switch m[3] {
		case "parse error": // strconv's, for a number flag of package flag
			return fmt.Sprintf("--%s %q: want a number", m[2], m[1])
		case "value out of range":
			return fmt.Sprintf("--%s %q: out of range", m[2], m[1])
		}
		return "--" + m[2] + " " + m[3]
	}
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		msg = "unknown flag --" + name
		if u := synopsis(cmd); u != "" {
			msg += "; usage: " + u
		}
		return msg
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return "--" + name + ": its value is missing"
	}
	return msg
}

// synopsis is cmd's line of the usage ("fleet merge" included), on one
// line; "" for a command it does not list.
func synopsis(cmd string) string {
	var found []string
	for _, block := range []string{usage, fleetUsage} {
		var cur []string
		flush := func() {
			if len(cur) > 0 {
				found = append(found, strings.Join(cur, " "))
			}
			cur = nil
		}
		for _, line := range strings.Split(block, "\n") {
			t := strings.TrimSpace(line)
			switch {
			case strings.HasPrefix(t, "esimhil "):
				flush()
				words := strings.Fields(t)
				name := words[1]
				if len(words) > 2 && words[2] == "merge" {
					name += " merge"
				}
				if name == cmd {
					cur = []string{strings.Join(words, " ")}
				}
			case t != "" && cur != nil:
				cur = append(cur, strings.Join(strings.Fields(t), " "))
			default:
				flush()
			}
		}
		flush()
	}
	longest := "" // the fuller, when both blocks list it
	for _, f := range found {
		if len(f) > len(longest) {
			longest = f
		}
	}
	return longest
}

// parseSplit parses args with the flags taken out from among the
// operands (parseInterleaved).
func parseSplit(fs *flag.FlagSet, args []string) error {
	var flags, operands []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			operands = append(operands, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			operands = append(operands, a)
			continue
		}
		flags = append(flags, a)
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if f := fs.Lookup(name); f != nil && !hasValue && !isBool(f) {
			if i+1 == len(args) {
				return fs.Parse([]string{a}) // its value missing: flag's own error
			}
			i++
			flags = append(flags, args[i]) // its value
		}
	}
	return fs.Parse(append(append(flags, "--"), operands...))
}

// strayOperands names, for a command that takes only flags, what it was
// given besides them ("" for nothing): a stray word read as "the
// required flag is missing" when the flag was there.
func strayOperands(fs *flag.FlagSet) string {
	switch n := fs.NArg(); n {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("unexpected argument %q: it takes only flags", fs.Arg(0))
	default:
		return fmt.Sprintf("unexpected arguments %q and %d more: it takes only flags", fs.Arg(0), n-1)
	}
}

// isBool reports a flag that takes no value (-v).
func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// seedFlag is a seed as a scenario's seed: takes it (scenario.ParseInt):
// decimal as the CLI prints it, or 0x…/0o…; flag.Int64 would read "010"
// as octal 8, a seed other than the one typed.
type seedFlag int64

func (s *seedFlag) String() string { return strconv.FormatInt(int64(*s), 10) }

func (s *seedFlag) Set(v string) error {
	n, err := scenario.ParseInt(v)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return fmt.Errorf("%q out of range (a 64-bit signed integer)", v)
		}
		return fmt.Errorf("%q: want an integer (decimal, 0x… hex or 0o… octal, as in a scenario's seed)", v)
	}
	*s = seedFlag(n)
	return nil
}

// seedVar defines a seed flag.
func seedVar(fs *flag.FlagSet, name string, value int64, usage string) *int64 {
	s := seedFlag(value)
	fs.Var(&s, name, usage)
	return (*int64)(&s)
}

// flagGiven reports whether the command line set the flag name (even to
// its default).
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// intFlag is a decimal integer flag whose refusal says what it wants
// ("a whole number of devices from 1 to 1000000"), not flag.Int's
// "parse error"; as seedFlag, "010" is ten, not octal eight.
type intFlag struct {
	n    *int
	want string
}

func (f *intFlag) String() string {
	if f.n == nil {
		return "0"
	}
	return strconv.Itoa(*f.n)
}

func (f *intFlag) Set(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil {
		return fmt.Errorf("%q: want %s", v, f.want)
	}
	*f.n = n
	return nil
}

// intVar defines an intFlag; want says what it takes, usage is -h's
// (a `name` in it names the value there).
func intVar(fs *flag.FlagSet, name string, value int, want, usage string) *int {
	f := &intFlag{n: &value, want: want}
	fs.Var(f, name, usage)
	return f.n
}

// durationFlag is a Go duration flag whose refusal says a unit is
// missing ("10" for 10m) rather than flag.Duration's "parse error".
type durationFlag struct{ d *time.Duration }

func (f *durationFlag) String() string {
	if f.d == nil {
		return "0s"
	}
	return f.d.String()
}

func (f *durationFlag) Set(v string) error {
	d, err := time.ParseDuration(v)
	if err != nil {
		if _, nerr := strconv.ParseFloat(v, 64); nerr == nil {
			return fmt.Errorf("%q: no unit: want a Go duration with a unit, such as %sm or %ss (units h, m, s, ms)", v, v, v)
		}
		return fmt.Errorf("%q: want a Go duration with a unit, such as 10m or 1h30m (units h, m, s, ms)", v)
	}
	*f.d = d
	return nil
}

func durationVar(fs *flag.FlagSet, name string, value time.Duration, usage string) *time.Duration {
	f := &durationFlag{d: &value}
	fs.Var(f, name, usage)
	return f.d
}

// invalidValue is how package flag words a value its flag refused.
var invalidValue = regexp.MustCompile(`^invalid value "(.*)" for flag -([^:]+): (.*)$`)
