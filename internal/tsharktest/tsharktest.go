// Package tsharktest runs Debian's tshark on a capture for tests that
// check the files the harness writes with Wireshark's own dissectors, as
// a user opening them would (ci/install.sh installs the package).
package tsharktest

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Run runs tshark with args and returns its standard output; a missing
// tshark or a failed run fails the test, naming the arguments and what
// tshark said.
func Run(t testing.TB, args ...string) string {
	t.Helper()
	path, err := exec.LookPath("tshark")
	if err != nil {
		t.Fatal("tshark is not installed: captures are checked with Wireshark's own dissectors; run ci/install.sh (Debian package tshark)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}
