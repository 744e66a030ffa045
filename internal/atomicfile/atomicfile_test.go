package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name string
		sync bool
		perm os.FileMode
		fill func(io.Writer) error
		want string // the file's contents afterwards
		err  error
	}{
		{"replaces", false, 0o644, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }, "new", nil},
		{"durable", true, 0o600, func(w io.Writer) error { _, err := io.WriteString(w, "kept"); return err }, "kept", nil},
		{"a failed fill leaves the old file", false, 0o644, func(w io.Writer) error { io.WriteString(w, "half"); return boom }, "old", boom},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "f.json")
			if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
			err := Write(path, tc.perm, tc.sync, tc.fill)
			if !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			b, _ := os.ReadFile(path)
			if string(b) != tc.want {
				t.Errorf("contents %q, want %q", b, tc.want)
			}
			if fi, err := os.Stat(path); err == nil && tc.err == nil && fi.Mode().Perm() != tc.perm {
				t.Errorf("mode %v, want %v", fi.Mode().Perm(), tc.perm)
			}
			if es, _ := os.ReadDir(dir); len(es) != 1 {
				t.Errorf("%d files in the directory, want 1 (no temporary file left)", len(es))
			}
		})
	}
}

func TestWriteFileNoDirectory(t *testing.T) {
	if err := WriteFile(filepath.Join(t.TempDir(), "no", "such", "f"), []byte("x"), 0o644, false); err == nil {
		t.Fatal("no error for a missing directory")
	}
}

// A Write killed before its rename leaves a temporary file; RemoveStale
// clears it and nothing else.
func TestRemoveStale(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "card.json")
	for _, f := range []string{"card.json", ".card.json.tmp-123", "other.json", ".other.json.tmp-9"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	RemoveStale(path)
	var left []string
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		left = append(left, e.Name())
	}
	if len(left) != 3 || left[0] != ".other.json.tmp-9" || left[1] != "card.json" || left[2] != "other.json" {
		t.Errorf("left %q", left)
	}
}
