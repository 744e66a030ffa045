package main

import (
	"bytes"
	"os"
	"path/filepath"
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
