// Package tsharktest runs Debian's tshark on a capture for tests that
// check the files the harness writes with Wireshark's own dissectors, as
// a user opening them would (ci/install.sh installs the package).
package tsharktest

import (
	"bytes"
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/dissectorports"
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

// LiveOptions gives the options a live capture at path needs to dissect
// as a user is told to open it (README, "Capture"): none, unless one of
// its connections has a client port Wireshark hands to a protocol of its
// own (internal/dissectorports; the kernel picks one for about 1 in 4,000
// connections), when HTTP and TLS must be tried before the port's
// dissector. A tapped capture never needs it: the tap writes a stand-in.
func LiveOptions(t testing.TB, path string) []string {
	t.Helper()
	for _, f := range strings.Fields(Run(t, "-r", path, "-Y", "tcp.flags.syn == 1 && tcp.flags.ack == 0", "-T", "fields", "-e", "tcp.srcport")) {
		if p, err := strconv.ParseUint(f, 10, 16); err == nil && dissectorports.Taken(uint16(p)) {
			return []string{"-o", "tcp.try_heuristic_first:TRUE"}
		}
	}
	return nil
}
