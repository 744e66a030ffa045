package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
)

// parseInterleaved parses args with flags before, among or after the
// command's operands ("esimhil run a.yaml --out D", as GNU tools take
// them): Go's flag package stops at the first operand and would take the
// flags after it for files. A "--" ends the flags; what follows is
// operands all.
func parseInterleaved(fs *flag.FlagSet, args []string) error {
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

// seedFlag is a seed given in decimal, as the CLI prints it: flag.Int64
// would read "010" as octal 8 and "0x10" as 16, a seed other than the
// one typed.
type seedFlag int64

func (s *seedFlag) String() string { return strconv.FormatInt(int64(*s), 10) }

func (s *seedFlag) Set(v string) error {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return fmt.Errorf("%q out of range (a 64-bit signed integer)", v)
		}
		return fmt.Errorf("%q: want a decimal integer", v)
	}
	*s = seedFlag(n)
	return nil
}

// seedVar defines a decimal seed flag.
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
