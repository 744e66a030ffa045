package capture

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
)

// A file capture's packets reach the disk while the session runs, not
// only at Close (outside tester o314: `esimhil emulate`'s traffic.pcapng
// stayed at its 92-byte header for a whole lab session, so tshark on the
// running file saw nothing and a kill -9 lost up to 64 KiB). The file is
// polled until the packet is there, with a deadline far past fileLag: a
// condition, not a timing.
func TestFileCaptureOnDiskWhileRunning(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.pcapng")
	n := 0
	sess, err := Start(Config{Path: path, Mode: Tap, Clock: clock.NewVirtual(clock.Epoch), Events: func() int { n++; return n }})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	header := fileSize(t, path)
	if err := sess.WriteDatagram(time.Time{}, netip.MustParseAddrPort("[::1]:4729"), netip.MustParseAddrPort("[::2]:4729"), numbered(1)); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); fileSize(t, path) <= header; {
		if time.Now().After(deadline) {
			t.Fatalf("the file holds %d bytes, its header alone, 10 s after a packet was written", header)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}
