// Package leakcheck ends a test binary with a check that its tests left
// nothing running or open: no goroutine (go.uber.org/goleak) and no file
// descriptor that was not open before the first test. Every package's
// TestMain calls Main.
package leakcheck

import (
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Main runs the tests and fails the binary (exit status 1) if they leaked
// goroutines or file descriptors; opts extend goleak's (for goroutines a
// test framework keeps on purpose).
func Main(m *testing.M, opts ...goleak.Option) {
	warmUp()
	before := openFDs()
	code := m.Run()
	if code == 0 {
		// The process's stall meter (internal/stall) runs for its life.
		opts = append(opts, goleak.IgnoreAnyFunction("github.com/esimhil/esimhil/internal/stall.(*Meter).run"))
		if err := goleak.Find(opts...); err != nil {
			fmt.Fprintf(os.Stderr, "leakcheck: goroutines left running after the tests: %v\n", err)
			code = 1
		}
	}
	if code == 0 {
		// The testing package leaves -test.cpuprofile and -test.trace
		// open past m.Run (it stops writing, it does not close).
		outputs := testingOutputs()
		for n, target := range openFDs() {
			if outputs[target] {
				before[n] = target
			}
		}
		if leaked := leakedFDs(before); len(leaked) > 0 {
			fmt.Fprintf(os.Stderr, "leakcheck: file descriptors left open after the tests:\n  %s\n", strings.Join(leaked, "\n  "))
			code = 1
		}
	}
	os.Exit(code)
}

// testingOutputs are the absolute paths of the files the testing flags
// name (profiles, trace, coverage).
func testingOutputs() map[string]bool {
	out := map[string]bool{}
	dir := ""
	if f := flag.Lookup("test.outputdir"); f != nil {
		dir = f.Value.String()
	}
	for _, name := range []string{"test.cpuprofile", "test.trace", "test.memprofile", "test.blockprofile", "test.mutexprofile", "test.coverprofile"} {
		f := flag.Lookup(name)
		if f == nil || f.Value.String() == "" {
			continue
		}
		p := f.Value.String()
		if !filepath.IsAbs(p) && dir != "" {
			p = filepath.Join(dir, p)
		}
		if abs, err := filepath.Abs(p); err == nil {
			out[abs] = true
		}
	}
	return out
}

// warmUp opens what the Go runtime keeps for the life of the process once
// first used (the network poller's epoll and wake-up descriptors), so that
// they are part of the baseline and not counted as leaks.
func warmUp() {
	if ln, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
		ln.Close()
	}
}

// openFDs maps each open descriptor to what it refers to.
func openFDs() map[int]string {
	out := map[int]string{}
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return out // not Linux: nothing to compare
	}
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err != nil {
			continue // the directory's own descriptor, already closed
		}
		out[n] = target
	}
	return out
}

// leakedFDs lists descriptors open now that were not before, giving
// closes still in flight (a server's connection goroutines) a moment.
func leakedFDs(before map[int]string) []string {
	var leaked []string
	for try := 0; try < 50; try++ {
		leaked = leaked[:0]
		for n, target := range openFDs() {
			if before[n] != target {
				leaked = append(leaked, fmt.Sprintf("fd %d → %s", n, target))
			}
		}
		if len(leaked) == 0 {
			return nil
		}
		if try == 0 {
			// io.Copy between TCP connections splices through a pipe
			// that internal/poll keeps in a sync.Pool and closes by
			// finalizer: two collections empty the pool (and its victim
			// cache), so the runtime's spare pipes are not taken for a
			// test's leak.
			runtime.GC()
			runtime.GC()
		}
		time.Sleep(20 * time.Millisecond)
	}
	sort.Strings(leaked)
	return leaked
}
