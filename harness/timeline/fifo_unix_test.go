//go:build unix

package timeline

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// An event log that cannot be read twice (a named pipe) is read once,
// with no room counted first: counting it used to consume it.
func TestEventLogFromAPipe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skip("no named pipes here:", err)
	}
	const log = `{"t":"2026-01-01T00:00:00Z","actor":"card","event":"boot"}` + "\n" +
		`{"t":"2026-01-01T00:01:00Z","actor":"card","event":"boot"}` + "\n"
	done := make(chan error, 1)
	go func() {
		w, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err == nil {
			_, err = w.WriteString(log)
			w.Close()
		}
		done <- err
	}()
	evs, lines, err := scanEventLog(path, nil, nil)
	if werr := <-done; werr != nil {
		t.Fatal(werr)
	}
	if err != nil || len(evs) != 2 || lines != 2 {
		t.Fatalf("read %d events of %d lines, %v; want 2 of 2", len(evs), lines, err)
	}
}
