//go:build unix

package harness

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/stall"
)

// stoppedChildEnv, set, makes TestStoppedRunPasses the child run: the
// value names the stop point (stopPoints) and the run's directory.
const stoppedChildEnv = "ESIMHIL_TEST_STOPPED_CHILD"

// stopFor is how long a child is stopped: past the tightest wall-time
// bound the run holds at either stop point — the host's AT timeout (5 s)
// at one, the loop's bound on I/O in flight and the BIP link's idle
// limit (10 s each) at the other.
const stopFor = 11 * time.Second

// stopPoints are where a child asks to be stopped, each holding the peer
// that answers a wait of the run's: at an at.log line (the modem took the
// host's command in: the host waits for the answer) or at an event (the
// platform's handler serves a request: the card's BIP exchange is in
// flight, the loop waits for it and the terminal reads the link).
var stopPoints = map[string]struct{ atLine, event string }{
	"host-command": {atLine: "> AT+COPS?"},
	"bip-exchange": {event: "preferred_list_served"},
}

// A run stopped (SIGSTOP) for longer than its wall-time bounds while it
// waits on a peer, and then continued (SIGCONT), passes with the event
// log of a run never stopped: a process that could not run is no peer
// that stopped answering (internal/stall; t192). Without the stall
// accounting the host's AT command times out, or the loop gives up on
// the exchange in flight, or the terminal drops the link, and the run
// ends in an ERROR or with another log.
func TestStoppedRunPasses(t *testing.T) {
	if v := os.Getenv(stoppedChildEnv); v != "" {
		point, dir, _ := strings.Cut(v, ":")
		stoppedChild(t, point, dir)
		return
	}
	if testing.Short() {
		t.Skip("stops two runs for 11 s")
	}
	s := stoppedScenario(t)
	ref := RunScenario(s, Options{Seed: 1, Dir: filepath.Join(t.TempDir(), "ref")})
	if !ref.OK() {
		t.Fatalf("the run never stopped failed: %v %v", ref.Err, ref.Mismatches)
	}
	want, err := os.ReadFile(filepath.Join(ref.Dir, EventsFile))
	if err != nil {
		t.Fatal(err)
	}
	// The children run at once: each is stopped most of its time.
	for point := range stopPoints {
		t.Run(point, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "stopped")
			if out, err := runStopped(point, dir); err != nil {
				t.Fatalf("the stopped run failed: %v\n%s", err, out)
			}
			got, err := os.ReadFile(filepath.Join(dir, EventsFile))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("the stopped run's %s differs from the one never stopped:\n%s", EventsFile, firstDiff(want, got))
			}
		})
	}
}

// runStopped runs the child for point into dir, stops it for stopFor when
// it asks, continues it, and returns its output.
func runStopped(point, dir string) (string, error) {
	marks, markw, err := os.Pipe()
	if err != nil {
		return "", err
	}
	defer marks.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestStoppedRunPasses$", "-test.count=1", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), stoppedChildEnv+"="+point+":"+dir)
	cmd.ExtraFiles = []*os.File{markw} // fd 3: the child says when to stop it
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Start()
	markw.Close()
	if err != nil {
		return "", err
	}
	var stopped sync.WaitGroup
	stopped.Go(func() {
		line, err := bufio.NewReader(marks).ReadString('\n')
		if err != nil || line != "stop\n" {
			return // the child ended (its error is in its output)
		}
		_ = cmd.Process.Signal(syscall.SIGSTOP)
		time.Sleep(stopFor) // wall time is what this test is about
		_ = cmd.Process.Signal(syscall.SIGCONT)
	})
	err = cmd.Wait()
	stopped.Wait()
	return out.String(), err
}

// stoppedScenario is a short run with a download (BIP exchanges) and the
// host's polls after it.
func stoppedScenario(t *testing.T) *scenario.Scenario {
	t.Helper()
	s, err := scenario.Load(filepath.Join("..", "fixtures", "scenarios", "roam-fr-download.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// stoppedChild runs the scenario into dir, holding the peer at the stop
// point until the process has been stopped and continued: the peer
// answers only after the stop, as one whose answer came during the stop
// is read only after it, and the wait on it holds the whole stop.
func stoppedChild(t *testing.T, point, dir string) {
	at, ok := stopPoints[point]
	if !ok {
		t.Fatalf("no stop point %q", point)
	}
	mark := os.NewFile(3, "marks")
	defer mark.Close()
	h := &stopHold{mark: mark}
	o := Options{Seed: 1, Dir: dir}
	if at.atLine != "" {
		o.ATLog = writerFunc(func(p []byte) {
			if strings.Contains(string(p), at.atLine) {
				h.hold()
			}
		})
	} else {
		o.built = func(r *Rig) {
			r.Log.Subscribe(func(e eventlog.Event) {
				if string(e.Kind) == at.event {
					h.hold()
				}
			})
		}
	}
	res := RunScenario(stoppedScenario(t), o)
	if !h.held.Load() {
		t.Errorf("the run never reached %s: nothing was stopped", point)
	}
	if !res.OK() {
		t.Fatalf("stopped for %v at %s, the run failed: %v %v", time.Duration(h.stalled.Load()), point, res.Err, res.Mismatches)
	}
}

// writerFunc is an io.Writer that only looks at what it is given.
type writerFunc func([]byte)

func (f writerFunc) Write(p []byte) (int, error) { f(p); return len(p), nil }

// stopHold, the first time it is called, asks to be stopped (a line on
// mark) and holds its caller until the process has been (stall.Default
// saw it), then a little longer: past the host's last look at a port
// before it gives up.
type stopHold struct {
	mark    *os.File
	held    atomic.Bool
	stalled atomic.Int64
}

func (h *stopHold) hold() {
	if h.held.Swap(true) {
		return
	}
	s0 := stall.Default().Stalled()
	if _, err := fmt.Fprintln(h.mark, "stop"); err != nil {
		return
	}
	for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		d := stall.Default().Stalled() - s0
		h.stalled.Store(int64(d))
		if d >= stopFor/2 {
			break
		}
	}
	time.Sleep(100 * time.Millisecond)
}

// firstDiff shows the first line where two logs part.
func firstDiff(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range max(len(al), len(bl)) {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, x, y)
		}
	}
	return "(same lines)"
}
