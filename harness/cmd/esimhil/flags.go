package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
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
		if fs.Usage != nil { // the command's own (lab diff's operand)
			fs.Usage()
			return err
		}
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
	if m := invalidBool.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("--%s %q: want true or false (or the flag alone for true)", m[2], m[1])
	}
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
	given := map[string]string{} // each single-valued flag's value
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
		name, val, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f := fs.Lookup(name)
		if f != nil && isBool(f) && !hasValue && i+1 < len(args) && (args[i+1] == "true" || args[i+1] == "false") {
			// Package flag takes a bool alone for true and the word
			// after it for an operand: "--accept-unchecked false"
			// would turn the flag on, then the word be a stray
			// argument or a file to read.
			return fmt.Errorf("%s %s: the flag takes its value after \"=\" (alone it is true): give %s=%s", a, args[i+1], a, args[i+1])
		}
		if f == nil || isBool(f) {
			continue
		}
		if !hasValue {
			if i+1 == len(args) {
				return fs.Parse([]string{a}) // its value missing: flag's own error
			}
			i++
			val = args[i]
			flags = append(flags, val) // its value
		}
		if err := checkValue(fs, name, val, !hasValue); err != nil {
			return err
		}
		if _, many := f.Value.(*repeated); !many {
			// Package flag keeps the last: the first would be dropped
			// without a word (a script's default and an override).
			if prev, ok := given[f.Name]; ok && prev != val {
				return fmt.Errorf("--%s given twice (%q and %q): give it once", f.Name, prev, val)
			}
			given[f.Name] = val
		}
	}
	return fs.Parse(append(append(flags, "--"), operands...))
}

// checkValue refuses, for a flag that takes a value, a value that is
// another of the command's flags ("--out --seed 3": --out's value was
// left out, and package flag would take "--seed" for it and 3 for an
// operand) and an empty one (a variable left unset in a script or a
// Job), which would otherwise run with the flag's default, or with
// nothing where the default is something: say why rather than run with
// a setting nobody chose.
func checkValue(fs *flag.FlagSet, name, val string, apart bool) error {
	if other, ok := namesFlag(fs, val); ok && apart {
		return fmt.Errorf("--%s: its value is missing (the next argument, %s, is a flag)", name, other)
	}
	if strings.TrimSpace(val) == "" {
		return fmt.Errorf("--%s %q: empty value (an unset variable?); give one, or leave the flag out for its default", name, val)
	}
	return nil
}

// namesFlag reports whether arg is one of fs's flags, or -h/--help,
// written as on a command line ("--seed", "-seed=3"), and which.
func namesFlag(fs *flag.FlagSet, arg string) (string, bool) {
	if len(arg) < 2 || arg[0] != '-' {
		return "", false
	}
	name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	if name == "" || (fs.Lookup(name) == nil && name != "h" && name != "help") {
		return "", false // "-1", "-5m": a negative number, not a flag
	}
	return "--" + name, true
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

// flagGiven reports whether the command line set the flag name (even to
// its default).
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// intFlag is a decimal integer flag whose refusal says what it wants
// ("a whole number of devices from 1 to 1000000"), not flag.Int's
// "parse error"; as a seed (seedflag), "010" is ten, not octal eight.
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
		return durationError(v)
	}
	*f.d = d
	return nil
}

// durationShape is a duration as time.ParseDuration writes them: a
// number and a unit, repeated. One of this shape that it refused is too
// long for it, not malformed.
var durationShape = regexp.MustCompile(`^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$`)

// durationError says what is wrong with v, a value time.ParseDuration
// refused: its unit missing ("10" for 10m), too long, or no duration.
func durationError(v string) error {
	if n, err := strconv.ParseFloat(v, 64); err == nil && !math.IsNaN(n) && !math.IsInf(n, 0) {
		return fmt.Errorf("%q: no unit: want a Go duration with a unit, such as %sm or %ss (units h, m, s, ms)", v, v, v)
	}
	if durationShape.MatchString(v) {
		return fmt.Errorf("%q: out of range: at most %v", v, time.Duration(math.MaxInt64).Truncate(time.Hour))
	}
	return fmt.Errorf("%q: want a Go duration with a unit, such as 10m or 1h30m (units h, m, s, ms)", v)
}

func durationVar(fs *flag.FlagSet, name string, value time.Duration, usage string) *time.Duration {
	f := &durationFlag{d: &value}
	fs.Var(f, name, usage)
	return f.d
}

// invalidValue is how package flag words a value its flag refused.
var invalidValue = regexp.MustCompile(`^invalid value "(.*)" for flag -([^:]+): (.*)$`)

// invalidBool is how package flag words a refused bool flag's value.
var invalidBool = regexp.MustCompile(`^invalid boolean value "(.*)" for -([^:]+): (.*)$`)

// checkURL refuses a URL-valued flag's value that is not
// scheme://host[:port] with one of schemes, checked as the command
// starts, before anything runs: no scheme ("127.0.0.1:443", which
// url.Parse reads as a path), another scheme, no host, a port outside
// 1-65535 (a server dialled), or a path, query, fragment or user the servers' fixed routes
// have no place for. A name is not resolved here (the fleet's probe
// does that, and says why it cannot reach the server).
func checkURL(v string, schemes ...string) error { return checkURLPort(v, 1, schemes...) }

// checkURLPort is checkURL with the least port it takes: 0 for an
// address listened on (any free port, which the command prints).
func checkURLPort(v string, minPort int, schemes ...string) error {
	want := schemes[0] + "://host:port"
	for _, s := range schemes[1:] {
		want += " or " + s + "://host:port"
	}
	scheme, _, ok := strings.Cut(v, "://")
	if !ok {
		return fmt.Errorf("no scheme: want %s", want)
	}
	if !slices.Contains(schemes, strings.ToLower(scheme)) {
		return fmt.Errorf("scheme %q: want %s", scheme, want)
	}
	u, err := url.Parse(v)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("%v: want %s", err, want)
	}
	switch {
	case u.Hostname() == "":
		return fmt.Errorf("no host: want %s", want)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/"):
		return fmt.Errorf("want %s alone: no path, query or user (the routes are fixed)", want)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < minPort || n > 65535 {
			return fmt.Errorf("port %s: want %d-65535", p, minPort)
		}
	}
	return nil
}
