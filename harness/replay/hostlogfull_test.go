package replay

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// fullDisk writes through to its file until limit bytes, then fails as a
// full disk does (a short write and ENOSPC).
type fullDisk struct {
	f     *os.File
	limit int
}

func (d *fullDisk) Write(b []byte) (int, error) {
	if len(b) <= d.limit {
		d.limit -= len(b)
		return d.f.Write(b)
	}
	n, _ := d.f.Write(b[:d.limit])
	d.limit = 0
	return n, &os.PathError{Op: "write", Path: d.f.Name(), Err: syscall.ENOSPC}
}

func (d *fullDisk) Close() error { return d.f.Close() }

// TestHostLogFull: a host.log the disk could not take whole (outside
// tester t216) is no transcript to judge the replay by: the replay is an
// error naming host.log and the cause — not a verdict read from the lines
// that made it to disk, nor "the log ends before the final result …:
// truncated?", which blamed the replay's own log and advised cutting it.
func TestHostLogFull(t *testing.T) {
	for _, limit := range []int{0, 100, 400} {
		was := createHostLog
		createHostLog = func(path string) (io.WriteCloser, error) {
			f, err := os.Create(path)
			return &fullDisk{f: f, limit: limit}, err
		}
		res, err := Run(filepath.Join(corpus, "reattach-slower-than-wait"), Options{Dir: t.TempDir()})
		createHostLog = was
		if err == nil {
			t.Errorf("host.log cut at %d bytes: no error; verdict ok=%v: %s", limit, res.OK, res.Why)
			continue
		}
		if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), HostLog+": ") {
			t.Errorf("host.log cut at %d bytes: %v, want host.log's ENOSPC", limit, err)
		}
	}
}
