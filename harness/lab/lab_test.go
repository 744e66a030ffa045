package lab

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/internal/personality"
)

// fakeModem is a pty whose master answers each line with answer(line).
func fakeModem(t *testing.T, answer func(line string) string) string {
	t.Helper()
	m, s, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	fd, _ := syscall.Dup(int(m.Fd()))
	m.Close()
	syscall.SetNonblock(fd, true)
	master := os.NewFile(uintptr(fd), "ptmx")
	t.Cleanup(func() { master.Close(); s.Close() })
	go func() {
		buf := make([]byte, 512)
		var line []byte
		for {
			n, err := master.Read(buf)
			if err != nil {
				return
			}
			for _, b := range buf[:n] {
				if b != '\r' {
					line = append(line, b)
					continue
				}
				if a := answer(string(line)); a != "" {
					master.Write([]byte(a))
				}
				line = line[:0]
			}
		}
	}()
	return s.Name()
}

func timeouts(d time.Duration) personality.Personality {
	p := personality.Generic()
	p.Timeouts = personality.Timeouts{Command: d, Restart: d, Reattach: d, Download: d}
	return p
}

func TestOpenRefusesNonModem(t *testing.T) {
	port := fakeModem(t, func(string) string { return "$GPGSV,3,1,11,03,03,111,00*74\r\n" })
	_, err := Open(context.Background(), Config{Modem: port, Dir: t.TempDir(), Personality: timeouts(100 * time.Millisecond), Slack: time.Millisecond})
	if !errors.Is(err, ErrNotAModem) || !strings.Contains(err.Error(), port+": not a modem's AT port: no OK to AT, nor after ATV1") {
		t.Fatalf("%v", err)
	}
	if _, err := Open(context.Background(), Config{Dir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "no modem given") {
		t.Errorf("no modem: %v", err)
	}
}

// A modem an aborted session left in numeric result codes (ATV0) is a
// modem: Check sets ATV1 and finds its OK.
func TestCheckRestoresVerboseResults(t *testing.T) {
	var mu sync.Mutex
	verbose := false
	port := fakeModem(t, func(l string) string {
		mu.Lock()
		defer mu.Unlock()
		if strings.EqualFold(l, "ATV1") {
			verbose = true
		}
		if verbose {
			return "\r\nOK\r\n"
		}
		return "0\r"
	})
	r, err := Open(context.Background(), Config{Modem: port, Dir: t.TempDir(), Personality: timeouts(200 * time.Millisecond), Slack: time.Millisecond})
	if err != nil {
		t.Fatalf("a modem in ATV0: %v", err)
	}
	r.Close()
}

// A modem that goes silent mid-run: the command fails naming itself and
// the port within the personality's command timeout, and the transcript
// has every line with wall-clock time.
func TestSilentModemNamesTheCommand(t *testing.T) {
	port := fakeModem(t, func(l string) string {
		if strings.HasPrefix(l, "AT+CGLA") {
			return ""
		}
		return "\r\nOK\r\n"
	})
	dir := t.TempDir()
	r, err := Open(context.Background(), Config{Modem: port, Dir: dir, Personality: timeouts(150 * time.Millisecond), Slack: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = r.AT.Command(`AT+CGLA=1,10,"80CA005A00"`)
	if !errors.Is(err, atclient.ErrTimeout) || !strings.Contains(err.Error(), `AT+CGLA=1,10,"80CA005A00": at: timeout after 200ms: no final result from `+port) {
		t.Fatalf("%v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("hung for %v", time.Since(start))
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, TranscriptFile))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for _, l := range lines {
		ts, _, _ := strings.Cut(l, " ")
		if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
			t.Errorf("line without a wall-clock time: %q", l)
		}
	}
	if !strings.Contains(string(b), `> AT+CGLA=1,10,"80CA005A00"`) || !strings.Contains(string(b), "> ATE0") {
		t.Errorf("transcript:\n%s", b)
	}
}

func TestScale(t *testing.T) {
	got := Scale(personality.DefaultTimeouts, 20, 2*time.Second)
	want := personality.Timeouts{Command: 7 * time.Second, Restart: 4 * time.Second, Reattach: 2500 * time.Millisecond, Download: 6500 * time.Millisecond}
	if got != want {
		t.Errorf("%+v, want %+v", got, want)
	}
}
