package record

import (
	"bufio"
	"errors"
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/transport"
	"github.com/esimhil/esimhil/internal/personality"
)

// stepClock is a Clock whose time moves only by the polls: each takes
// every, and its try waits a few milliseconds of wall time for an answer.
type stepClock struct {
	mu  sync.Mutex // the client's reader stamps the lines it reads
	now time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) Wait(time.Duration, func() (bool, error)) (bool, error) {
	return false, errors.New("not in this test")
}

func (c *stepClock) Poll(d, every time.Duration, try func(time.Duration) (bool, error)) (int, bool, error) {
	for n := 1; time.Duration(n)*every <= d; n++ {
		c.mu.Lock()
		c.now = c.now.Add(every)
		c.mu.Unlock()
		if ok, err := try(30 * time.Millisecond); ok || err != nil {
			return n, ok, err
		}
	}
	return int(d / every), false, nil
}

// bootingModem is a modem on a pipe that ignores its first silent-1 AT
// lines (rebooting), says a boot URC and answers the next ERROR (half
// up), and the later ones with echo and OK; every other line gets OK.
func bootingModem(t *testing.T, silent int, opts ...atclient.Option) *atclient.Client {
	t.Helper()
	a, b := net.Pipe()
	go func() {
		r := bufio.NewReader(b)
		polls := 0
		for {
			line, err := r.ReadString('\r')
			if err != nil {
				return
			}
			answer := "\r\nOK\r\n"
			if line == "AT\r" {
				switch polls++; {
				case polls < silent:
					continue
				case polls == silent:
					answer = "\r\n+BOOT: 1\r\nAT\r\r\nERROR\r\n"
				default:
					answer = "AT\r\r\nOK\r\n"
				}
			}
			if _, err := io.WriteString(b, answer); err != nil {
				return
			}
		}
	}()
	c := atclient.New(transport.Stream("pipe", a), opts...)
	t.Cleanup(func() { c.Close(); b.Close() })
	return c
}

// A ready step polls until the modem answers OK and notes how long and how
// many polls it took, or that it did not answer; its polls and their
// answers are notes, so two recordings that took different numbers of
// polls do not differ. Before, a script had no such step.
func TestReadyStep(t *testing.T) {
	s, err := ParseScript("s.yaml", []byte("name: x\nsteps:\n  - {ready: 60s}\n  - AT+CGMM\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Steps[0].String(); got != "ready within 60s" {
		t.Errorf("String: %q", got)
	}
	run := func(silent int, s *Script) []string {
		t.Helper()
		var log Log
		clk := &stepClock{now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
		c := bootingModem(t, silent, atclient.WithTrace(&log), atclient.WithTimestamps(clk.Now))
		if err := Run(c, personality.Generic(), s, &log, clk); err != nil {
			t.Fatal(err)
		}
		return log.Lines()
	}
	quick := run(1, s) // the first poll ERROR, the second OK
	slow := run(4, s)  // three polls unanswered, the fourth ERROR, the fifth OK
	short := *s
	short.Steps = append([]Step{{Ready: 5 * time.Second}}, s.Steps[1:]...)
	never := run(100, &short) // 5 polls unanswered
	text := strings.Join(slow, "\n")
	for _, want := range []string{
		"# step 1: ready within 60s",
		"00:00:01Z # poll > AT", "00:00:04Z # poll < ERROR", "00:00:04Z < +BOOT: 1", "00:00:05Z # poll < AT", "00:00:05Z # poll < OK",
		"00:00:05Z # step 1: ready after 5s (5 polls)",
		"> AT+CGMM",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in:\n%s", want, text)
		}
	}
	if n := len(regexp.MustCompile(`(?m)Z [<>] AT$`).FindAllString(text, -1)); n != 0 {
		t.Errorf("%d polls among the conversation's lines:\n%s", n, text)
	}
	if got := strings.Join(never, "\n"); !strings.Contains(got, "# step 1: not ready within 5s (5 polls)") {
		t.Errorf("never ready:\n%s", got)
	}
	rec := &Recording{Script: s, Lines: slow}
	for name, played := range map[string][]string{"one poll": quick, "five polls": slow} {
		ds, err := Diff(rec, played)
		if err != nil || len(ds) != 0 {
			t.Errorf("%s against five: %v %v", name, ds, err)
		}
	}
	// Not ready at all is a difference: the answers after the wait
	// are all there is to compare.
	if ds, err := Diff(rec, never); err != nil || len(ds) == 0 {
		t.Errorf("never ready against five: %v %v", ds, err)
	}
}

// Wall's wait asks again only when the modem says something unsolicited:
// never on a timer while the line is quiet (it once polled every 50 ms),
// at once when the line comes, and with the error when the port is gone.
func TestWallWaitWakesOnURCs(t *testing.T) {
	a, b := net.Pipe()
	c := atclient.New(transport.Stream("pipe", a))
	t.Cleanup(func() { c.Close(); b.Close() })
	w := Wall{AT: c}
	asks := 0
	take := func() (bool, error) {
		asks++
		_, ok, err := c.TakeURC(func(u string) bool { return u == "RDY" })
		return ok, err
	}
	// Quiet: asked at the start and at the end, nothing between.
	if ok, err := w.Wait(300*time.Millisecond, take); ok || err != nil || asks != 2 {
		t.Errorf("quiet line: %v %v after %d asks, want false, nil, 2", ok, err, asks)
	}
	// Another URC wakes it to ask, then the awaited one ends the wait (or
	// both are in before the first ask, which then finds RDY).
	asks = 0
	go func() {
		io.WriteString(b, "\r\n+QIND: SMS DONE\r\n")
		io.WriteString(b, "\r\nRDY\r\n")
	}()
	start := time.Now()
	if ok, err := w.Wait(10*time.Second, take); !ok || err != nil || asks < 1 || asks > 3 || time.Since(start) > 5*time.Second {
		t.Errorf("RDY: %v %v after %d asks in %v", ok, err, asks, time.Since(start))
	}
	// The port gone: the waiter wakes to the client's error.
	go b.Close()
	if ok, err := w.Wait(10*time.Second, take); ok || err == nil {
		t.Errorf("port gone: %v %v", ok, err)
	}
}

// The waits in at.log's notes read as a script writes them, to the
// millisecond, never with Duration.Seconds()'s float noise (outside
// tester sw128 F8: "RDY after 10.975999999999999s").
func TestSecondsAsAScriptWritesThem(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{10976 * time.Millisecond, "10.976s"},
		{10*time.Second + 975999999, "10.976s"},
		{60 * time.Second, "60s"},
		{1500 * time.Millisecond, "1.5s"},
		{100 * time.Millisecond, "0.1s"},
		{4 * time.Millisecond, "0.004s"},
		{0, "0s"},
		{10 * time.Minute, "600s"},
	} {
		if got := seconds(tc.d); got != tc.want {
			t.Errorf("seconds(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
