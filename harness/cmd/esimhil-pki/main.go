// Command esimhil-pki (re)generates the TEST ONLY PKI of the emulated rig:
// a CI, an EUM with a permitted EID range, one eUICC certificate per EID and
// per SM-DP+ the auth, binding and TLS certificates, each PEM file with its
// private key. Keys follow from the seed; running it again with the same
// seed leaves existing files unchanged.
//
//	go run ./harness/cmd/esimhil-pki [--seed N] [--out DIR] [--eid EID]... [--smdp OP=HOST]...
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/esimhil/esimhil/emulators/rsp"
	"github.com/esimhil/esimhil/harness/cmd/internal/seedflag"
)

// Defaults: the EID of the built-in scenario and the three operators' SM-DP+.
var (
	defaultEIDs  = []string{"89049032000001000000000000000171"}
	defaultSMDPs = map[string]string{
		"sfr":         "smdp.sfr.test",
		"orange-fr":   "smdp.orange-fr.test",
		"vodafone-de": "smdp.vodafone-de.test",
	}
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("esimhil-pki", flag.ContinueOnError)
	fs.SetOutput(stderr)
	// Read as esimhil's --seed and a scenario's seed: "010" is ten, as
	// esimhil prints it, not octal 8 and so another PKI than the one meant.
	seed := seedflag.Var(fs, "seed", 1, "seed the keys are derived from")
	out := fs.String("out", "fixtures/pki", "directory to write the PEM files to")
	var eids, smdps list
	fs.Var(&eids, "eid", "EID to issue an eUICC certificate for (repeatable)")
	fs.Var(&smdps, "smdp", "SM-DP+ as operator=host (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "esimhil-pki: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	cfg := rsp.PKIConfig{Seed: *seed, EIDs: eids, SMDPs: map[string]string{}}
	if len(cfg.EIDs) == 0 {
		cfg.EIDs = defaultEIDs
	}
	for _, s := range smdps {
		op, host, ok := strings.Cut(s, "=")
		if !ok || op == "" || host == "" || strings.ContainsAny(op, "/\\") {
			fmt.Fprintf(stderr, "esimhil-pki: --smdp %q: want operator=host\n", s)
			return 2
		}
		cfg.SMDPs[op] = host
	}
	if len(cfg.SMDPs) == 0 {
		cfg.SMDPs = defaultSMDPs
	}
	p, err := rsp.GeneratePKI(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "esimhil-pki: %v\n", err)
		return 1
	}
	if err := p.Write(*out); err != nil {
		fmt.Fprintf(stderr, "esimhil-pki: %v\n", err)
		return 1
	}
	ops := make([]string, 0, len(cfg.SMDPs))
	for op := range cfg.SMDPs {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	fmt.Fprintf(stdout, "TEST ONLY PKI (seed %d) in %s: CI, EUM, %d eUICC, SM-DP+ %s\n",
		*seed, *out, len(cfg.EIDs), strings.Join(ops, ", "))
	return 0
}
