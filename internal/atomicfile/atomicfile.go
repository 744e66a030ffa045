// Package atomicfile replaces files whole: what is written goes to a
// temporary file beside the target and is renamed over it, so a reader —
// or the next run after a crash — sees the old file or the new one, never
// half of either.
package atomicfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Write replaces path with what fill writes (buffered), with permissions
// perm. With sync the new contents and the rename are made durable: the
// file and then its directory are synced (state a restart must find).
func Write(path string, perm os.FileMode, sync bool, fill func(io.Writer) error) error {
	dir, _ := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := Temp(path, perm, sync, fill)
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		if tmp != "" {
			os.Remove(tmp)
		}
		return fmt.Errorf("write %s: %w", path, err)
	}
	if !sync {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	err = d.Sync()
	d.Close()
	if err != nil {
		return fmt.Errorf("write %s: sync directory: %w", path, err)
	}
	return nil
}

// Temp writes what fill writes to a new temporary file beside path (the
// name RemoveStale finds) and returns its name, for a caller that renames
// several such files over their targets once all are written. On error
// the temporary file is removed and the name is "".
func Temp(path string, perm os.FileMode, sync bool, fill func(io.Writer) error) (string, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return "", err
	}
	tmp := f.Name()
	bw := bufio.NewWriterSize(f, 64<<10)
	err = fill(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Chmod(perm)
	}
	if err == nil && sync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return "", err
	}
	return tmp, nil
}

// WriteFile is Write of data.
func WriteFile(path string, data []byte, perm os.FileMode, sync bool) error {
	return Write(path, perm, sync, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// RemoveStale removes the temporary files a process killed in the middle
// of a Write of path left beside it (path itself is whole: old or new).
func RemoveStale(path string) {
	dir, base := filepath.Split(path)
	stale, _ := filepath.Glob(filepath.Join(dir, "."+base+".tmp-*"))
	for _, f := range stale {
		os.Remove(f)
	}
}
