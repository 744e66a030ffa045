package explore

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/capture"
)

// TestScratchSameOutcome: a case as the exploration runs it (runCase's
// runScratch: no artifacts, the modem linked to its host in memory) has
// the Outcome it has on a rig with a directory and a pty (Run): the same
// events, as the JSON lines events.jsonl holds, the same profiles, the
// same decoded traffic (but for what differs between any two runs,
// trafficDiff), the same capture error — and it leaves no file behind,
// not even a temporary one. The link changes no byte of the record
// either: the case with a directory in memory writes the events.jsonl
// and at.log it writes over the pty.
func TestScratchSameOutcome(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 3×30 generated cases")
	}
	t.Setenv(LinkEnv, "") // the default: in memory
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where a rig would make its directory or a capture its file
	gen := Generator(Probe())
	traffic := 0
	for i := 1; i <= 30; i++ {
		c := gen.Example(i)
		scratch, serr := runScratch(c.Scenario)
		if ents, err := os.ReadDir(tmp); err != nil || len(ents) != 0 {
			t.Fatalf("example %d: the scratch run left %d entries in $TMPDIR (%v)", i, len(ents), err)
		}
		dir := t.TempDir()
		full, ferr := Run(c.Scenario, dir)
		if (serr == nil) != (ferr == nil) {
			t.Fatalf("example %d (seed %d): scratch run: %v; run with a directory: %v", i, c.Seed, serr, ferr)
		}
		file, err := os.ReadFile(filepath.Join(dir, harness.EventsFile))
		if err != nil {
			t.Fatal(err)
		}
		if got := jsonLines(t, scratch.Events); !bytes.Equal(got, file) || !bytes.Equal(jsonLines(t, full.Events), file) {
			t.Errorf("example %d (seed %d): the scratch run's events (%d bytes as JSON lines) differ from events.jsonl (%d bytes)",
				i, c.Seed, len(got), len(file))
		}
		if !reflect.DeepEqual(scratch.Profiles, full.Profiles) {
			t.Errorf("example %d (seed %d): profiles %+v, with a directory %+v", i, c.Seed, scratch.Profiles, full.Profiles)
		}
		if d := trafficDiff(scratch.Traffic, full.Traffic); d != "" {
			t.Errorf("example %d (seed %d): the scratch run's traffic differs from the run's with a directory: %s", i, c.Seed, d)
		}
		if fmt.Sprint(scratch.CaptureErr) != fmt.Sprint(full.CaptureErr) {
			t.Errorf("example %d (seed %d): capture error %v, with a directory %v", i, c.Seed, scratch.CaptureErr, full.CaptureErr)
		}
		memDir := t.TempDir()
		if _, err := run(c.Scenario, harness.Options{Dir: memDir, InMemory: true}); (err == nil) != (ferr == nil) {
			t.Fatalf("example %d (seed %d): in memory: %v; over a pty: %v", i, c.Seed, err, ferr)
		}
		for _, name := range []string{harness.EventsFile, harness.ATLogFile} {
			pty, err1 := os.ReadFile(filepath.Join(dir, name))
			mem, err2 := os.ReadFile(filepath.Join(memDir, name))
			if err1 != nil || err2 != nil {
				t.Fatalf("example %d: %v; %v", i, err1, err2)
			}
			if !bytes.Equal(pty, mem) {
				t.Errorf("example %d (seed %d): %s in memory (%d bytes) differs from over a pty (%d bytes)", i, c.Seed, name, len(mem), len(pty))
			}
		}
		traffic += len(full.Traffic)
	}
	if traffic == 0 {
		t.Fatal("no case had any traffic: nothing compared")
	}
}

// jsonLines is events as the event log streams them into events.jsonl.
func jsonLines(t *testing.T, events []eventlog.Event) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := eventlog.WriteLines(&b, events); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// stampJitter is how far a message's time may move from run to run,
// directory or not: the tap stamps the frames of one simulated instant
// 1 µs apart (its stampAt), and how many frames a connection's bytes take
// depends on how its reads split.
const stampJitter = time.Millisecond

// trafficDiff says how a differs from b, "" if it does not: message by
// message, each field, with the times within stampJitter and each client
// address ("ip:port") by its IP: the port is the kernel's ephemeral one,
// drawn anew each run and sometimes drawn again for a later connection.
func trafficDiff(a, b []capture.Message) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d messages, against %d", len(a), len(b))
	}
	for i := range a {
		ma, mb := a[i], b[i]
		if d := ma.Time.Sub(mb.Time).Abs(); d > stampJitter {
			return fmt.Sprintf("message %d at %v, against %v", i+1, ma.Time, mb.Time)
		}
		ma.Time, mb.Time = time.Time{}, time.Time{}
		ma.Client, mb.Client = clientIP(ma.Client), clientIP(mb.Client)
		// A frame's number counts the TCP segments before it, whose cuts
		// vary from run to run; its mark among the events does not.
		ma.Frame, mb.Frame = 0, 0
		if ma.ES9 != nil && mb.ES9 != nil {
			ea, eb := *ma.ES9, *mb.ES9
			if d := ea.Time.Sub(eb.Time).Abs(); d > stampJitter {
				return fmt.Sprintf("message %d (ES9+) at %v, against %v", i+1, ea.Time, eb.Time)
			}
			ea.Time, eb.Time = time.Time{}, time.Time{}
			ea.Client, eb.Client = clientIP(ea.Client), clientIP(eb.Client)
			// The bodies carry the run's fresh challenges, transaction
			// ids and signatures (crypto/rand: no two runs share them,
			// and the event log holds none): their types are compared.
			ta := fmt.Sprintf("%T %T", ea.Request, ea.Response)
			if tb := fmt.Sprintf("%T %T", eb.Request, eb.Response); ta != tb {
				return fmt.Sprintf("message %d (ES9+): bodies %s, against %s", i+1, ta, tb)
			}
			ea.Request, eb.Request, ea.Response, eb.Response = nil, nil, nil, nil
			ma.ES9, mb.ES9 = &ea, &eb
		}
		if !reflect.DeepEqual(ma, mb) {
			return fmt.Sprintf("message %d:\n  %+v\nagainst\n  %+v", i+1, ma, mb)
		}
	}
	return ""
}

// clientIP is an "ip:port" address's IP, the address itself if it has
// no port.
func clientIP(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// $ESIMHIL_EXPLORE_LINK names the cases' link; a value that names none is
// refused, by TestExplore before the sweep and by every case run anyway.
func TestCaseLink(t *testing.T) {
	for _, tc := range []struct{ env, want string }{
		{"", "memory"}, {"memory", "memory"}, {"pty", "pty"}, {"PTY", ""}, {"tty", ""},
	} {
		t.Setenv(LinkEnv, tc.env)
		got, err := caseLink()
		if got != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("%s=%q: %q, %v; want %q", LinkEnv, tc.env, got, err, tc.want)
		}
		if tc.want == "" {
			if _, err := runScratch(nil); err == nil || !strings.Contains(err.Error(), LinkEnv) {
				t.Errorf("%s=%q: a case ran: %v", LinkEnv, tc.env, err)
			}
		}
	}
}

// TestRunTraffic: the platform exchanges the invariants compare with the
// run's events are those begun within them; the end read's (a note the
// card sent as it booted for the read) are left out, and an exchange
// without a mark is kept.
func TestRunTraffic(t *testing.T) {
	at := func(kind string, events int, ok bool) capture.Message {
		return capture.Message{Kind: kind, Mark: capture.Mark{Events: events, OK: ok}}
	}
	for _, tt := range []struct {
		name string
		in   []capture.Message
		n    int
		want []string
	}{
		{"all within the run", []capture.Message{at("a", 3, true), at("b", 10, true)}, 10, []string{"a", "b"}},
		{"the end read's left out", []capture.Message{at("a", 3, true), at("b", 11, true), at("c", 12, true)}, 10, []string{"a"}},
		{"unmarked kept", []capture.Message{at("a", 11, false)}, 10, []string{"a"}},
	} {
		var got []string
		for _, m := range runTraffic(tt.in, tt.n) {
			got = append(got, m.Kind)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
