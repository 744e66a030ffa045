// Package seedflag is the --seed flag of the esimhil commands (esimhil,
// esimhil-pki): a seed read as a scenario's seed is (scenario.ParseInt),
// so the same text gives the same seed, the same run and the same PKI
// whichever command or file it is given to.
package seedflag

import (
	"errors"
	"flag"
	"fmt"
	"strconv"

	"github.com/esimhil/esimhil/harness/scenario"
)

// Value is a seed as a scenario's seed: decimal as the CLI prints it, or
// 0x…/0o…; flag.Int64 would read "010" as octal 8, a seed other than the
// one typed.
type Value int64

func (s *Value) String() string { return strconv.FormatInt(int64(*s), 10) }

// Set reads v; flag prefixes its refusal with the flag's name.
func (s *Value) Set(v string) error {
	n, err := scenario.ParseInt(v)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return fmt.Errorf("%q out of range (a 64-bit signed integer)", v)
		}
		return fmt.Errorf("%q: want an integer (decimal, 0x… hex or 0o… octal, as in a scenario's seed)", v)
	}
	*s = Value(n)
	return nil
}

// Var defines a seed flag on fs, value its default.
func Var(fs *flag.FlagSet, name string, value int64, usage string) *int64 {
	s := Value(value)
	fs.Var(&s, name, usage)
	return (*int64)(&s)
}
