//go:build unix

package yamlnode

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A named pipe no program writes to is refused at once, not waited on; one
// with a writer (a shell's <(…)) is read to its end.
func TestReadFileNamedPipe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.yaml")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skip("no named pipes here:", err)
	}
	if _, err := ReadFile(path, 1<<20); err == nil || !strings.Contains(err.Error(), "a named pipe that no program writes to") {
		t.Errorf("no writer: %v", err)
	}
	// A reader held open lets the writer open without waiting, as a
	// shell's pipe is open before the program reads it.
	hold, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	w, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteString("a: b\n"); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if data, err := ReadFile(path, 1<<20); err != nil || string(data) != "a: b\n" {
		t.Errorf("with a writer: %q, %v", data, err)
	}
}
