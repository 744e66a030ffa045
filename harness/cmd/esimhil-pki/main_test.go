package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/rsp"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	args := []string{"--seed", "7", "--out", dir, "--eid", "89049032000001000000000000000947", "--smdp", "tmo=smdp.tmo.test"}
	if code := run(args, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	p, err := rsp.LoadPKI(dir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, _, err := rsp.VerifyEUICC(p.CI.X509, p.EUM.DER, p.EUICC["89049032000001000000000000000947"].DER, now); err != nil {
		t.Fatal(err)
	}
	if p.SMDP["tmo"] == nil || p.SMDP["tmo"].Host != "smdp.tmo.test" || len(p.SMDP) != 1 {
		t.Fatalf("SM-DP+ set: %+v", p.SMDP)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "smdp-tmo-tls.pem"))
	if code := run(args, &out, &errb); code != 0 {
		t.Fatal(errb.String())
	}
	after, _ := os.ReadFile(filepath.Join(dir, "smdp-tmo-tls.pem"))
	if !bytes.Equal(before, after) {
		t.Fatal("same seed rewrote a file")
	}
}

func TestRunBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--smdp", "nohost"},
		{"--smdp", "=h"},
		{"--eid", "123", "--out", t.TempDir()},
		{"stray"},
	} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code == 0 {
			t.Errorf("%v: exit 0", args)
		}
	}
}

// The summary line names the seed the keys came from, as given
// (it printed the flag's address: "seed 52612839992472" for --seed 1).
func TestRunSaysItsSeed(t *testing.T) {
	for _, c := range []struct{ arg, want string }{
		{"1", "(seed 1)"},
		{"010", "(seed 10)"},
		{"0x0a", "(seed 10)"},
		{"-3", "(seed -3)"},
	} {
		var out, errb bytes.Buffer
		if code := run([]string{"--seed", c.arg, "--out", t.TempDir()}, &out, &errb); code != 0 {
			t.Fatalf("--seed %s: exit %d: %s", c.arg, code, errb.String())
		}
		if !strings.Contains(out.String(), c.want) {
			t.Errorf("--seed %s: %q, want it to say %s", c.arg, out.String(), c.want)
		}
	}
}

// A seed reads as esimhil's --seed: "010" is ten (flag.Int64 made it
// octal 8, another PKI), 0x0a too.
func TestSeedAsEsimhil(t *testing.T) {
	ca := func(seed string) []byte {
		t.Helper()
		dir := t.TempDir()
		var out, errb bytes.Buffer
		if code := run([]string{"--seed", seed, "--out", dir}, &out, &errb); code != 0 {
			t.Fatalf("--seed %s: exit %d: %s", seed, code, errb.String())
		}
		b, err := os.ReadFile(filepath.Join(dir, "ci.pem"))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ten := ca("10")
	for _, s := range []string{"010", "0x0a", "0o12"} {
		if !bytes.Equal(ca(s), ten) {
			t.Errorf("--seed %s made another PKI than --seed 10", s)
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"--seed", "1e3", "--out", t.TempDir()}, &out, &errb); code != 2 {
		t.Errorf("--seed 1e3: exit %d", code)
	}
}
