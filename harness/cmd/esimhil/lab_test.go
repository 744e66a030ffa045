package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestLabCommands(t *testing.T) {
	fixtures := filepath.Join("..", "..", "..", "fixtures")
	tests := []struct {
		args     []string
		code     int
		out, err string
	}{
		{[]string{"lab", "discover", "--sysfs", filepath.Join(fixtures, "sysfs", "lab-bench")}, 0, "2c7c:0125  Quectel EC25/EG25-G", ""},
		{[]string{"lab", "discover", "--sysfs", filepath.Join(fixtures, "sysfs", "no-modem")}, 1, "not a modem: FTDI", "no USB modem found"},
		{[]string{"lab", "discover", "--probe", filepath.Join(t.TempDir(), "nothing")}, 1, "", "no such file"},
		{[]string{"lab", "record", "--modem", "/dev/null"}, 2, "", "--modem and --out are required"},
		{[]string{"lab", "record", "--modem", "/dev/null", "--out", t.TempDir(), "--script", filepath.Join(fixtures, "scripts", "probe-es10.yaml")}, 1, "", "/dev/null: not a tty"},
		{[]string{"lab", "diff", filepath.Join(fixtures, "recordings", "emulator-sierra-em7511")}, 0, "0 difference(s)", ""},
		{[]string{"lab", "diff", filepath.Join(fixtures, "recordings", "emulator-sierra-em7511"), "--personality", "generic"}, 1, "at.log:12: recorded < EM7511-like (esimhil)\n           emulator < esimhil modem emulator", ""},
		{[]string{"lab", "diff", t.TempDir()}, 2, "", "manifest.yaml"},
		{[]string{"lab", "personality", filepath.Join(fixtures, "recordings", "emulator-quectel-eg25"), "--name", "x"}, 0, "name: x\nbase: quectel-eg25\n", ""},
		{[]string{"lab", "frobnicate"}, 2, "", "unknown command"},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		code := cli(context.Background(), tc.args, &stdout, &stderr)
		if code != tc.code || !strings.Contains(stdout.String(), tc.out) || !strings.Contains(stderr.String(), tc.err) {
			t.Errorf("%q: exit %d\nstdout %s\nstderr %s", tc.args, code, stdout.String(), stderr.String())
		}
	}
}
