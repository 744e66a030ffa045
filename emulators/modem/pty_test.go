//go:build linux

package modem

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/internal/codec/at"
)

func startBare(t *testing.T, link string) (*Modem, *clock.Loop, error) {
	t.Helper()
	loop := clock.NewLoop(clock.NewVirtual(clock.Epoch))
	card := newFakeCard()
	m, err := New(Options{Loop: loop, Card: card, Network: &fakeNet{reg: roaming()}, STK: &fakeSTK{card: card}, Link: link})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		return nil, nil, err
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return m, loop, nil
}

func TestLinkReplacesStaleSymlink(t *testing.T) {
	link := filepath.Join(t.TempDir(), "ttyESIM")
	if err := os.Symlink("/dev/pts/does-not-exist", link); err != nil {
		t.Fatal(err)
	}
	m, _, err := startBare(t, link)
	if err != nil {
		t.Fatal(err)
	}
	target, err := os.Readlink(link)
	if err != nil || !strings.HasPrefix(target, fmt.Sprintf("/proc/%d/fd/", os.Getpid())) {
		t.Errorf("link -> %q, %v", target, err)
	}
	if m.Path() != link {
		t.Errorf("Path %q, want %q", m.Path(), link)
	}
}

// The link leads to the modem's tty through the emulator's own
// descriptor, so once the emulator is gone it leads nowhere — not into
// the pty the kernel hands the next program under the same number (a
// ser2net that opens a killed emulator's link again would talk to it).
func TestLinkLeadsNowhereOnceTheModemIsGone(t *testing.T) {
	link := filepath.Join(t.TempDir(), "ttyESIM")
	m, _, err := startBare(t, link)
	if err != nil {
		t.Fatal(err)
	}
	target, err := os.Readlink(link)
	if err != nil {
		t.Fatal(err)
	}
	via, err := os.Stat(link)
	if err != nil {
		t.Fatal(err)
	}
	pts, err := os.Stat(m.path)
	if err != nil || !os.SameFile(via, pts) || !strings.HasPrefix(m.path, "/dev/pts/") {
		t.Fatalf("the link opens %v, not the modem's tty %s (%v)", via, m.path, err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	// As a kill -9 leaves it: the link kept, the descriptor gone.
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	// (This process lives on, and may reuse the descriptor's number for
	// a file of its own; a killed emulator's has no descriptors at all.)
	if st, err := os.Stat(link); err == nil && st.Mode()&os.ModeCharDevice != 0 {
		t.Fatalf("a stale link still leads to a tty (%s)", target)
	}
}

// A second modem asked for the link of one that runs is refused: it
// would cut the first off its host, and remove the link on its way out.
func TestLinkOfARunningModemIsRefused(t *testing.T) {
	link := filepath.Join(t.TempDir(), "ttyESIM")
	if _, _, err := startBare(t, link); err != nil {
		t.Fatal(err)
	}
	first, err := os.Readlink(link)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := startBare(t, link); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("a second modem on the link: %v", err)
	}
	if now, err := os.Readlink(link); err != nil || now != first {
		t.Errorf("link -> %q (%v), want the first modem's %q", now, err, first)
	}
}

func TestLinkRefusesRegularFile(t *testing.T) {
	link := filepath.Join(t.TempDir(), "ttyESIM")
	if err := os.WriteFile(link, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := startBare(t, link); err == nil || !strings.Contains(err.Error(), "not a symlink") {
		t.Fatalf("Start over a regular file: %v", err)
	}
	if b, _ := os.ReadFile(link); string(b) != "keep me" {
		t.Errorf("file clobbered")
	}
}

// With nobody reading the slave, output beyond MaxQueuedOutput is dropped
// and counted, and command handling never blocks.
func TestUnreadOutputIsDropped(t *testing.T) {
	m, loop, err := startBare(t, "")
	if err != nil {
		t.Fatal(err)
	}
	line := at.Line{Text: "AT+COPS=?;+CFUN=?;+CESQ=?;+CSQ=?"}
	for i := 0; m.DroppedOutput() == 0; i++ {
		if i > 20000 {
			t.Fatalf("nothing dropped after %d lines", i)
		}
		loop.Do(func() { m.handleLine(line, nil) })
	}
}

// A stray close of the master's descriptor number by other code, and the
// number reused by the next file opened: the modem still thinks its pty
// open, and says what the descriptor holds now (the rare hang-up seen in
// exploration sweeps has this shape).
func TestPTYStateStrayClose(t *testing.T) {
	r := newRig(t)
	var fd int
	rc, err := r.m.master.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	rc.Control(func(d uintptr) { fd = int(d) })
	// As a double close elsewhere would: behind the os.File's back. Closing
	// only a duplicate would leave the master alive, so the original goes;
	// a dup2 of /dev/null onto the number stands for the reuse.
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	keep, err := syscall.Dup(fd) // the modem's Close must still have something to close
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Dup2(int(null.Fd()), fd); err != nil {
		t.Fatal(err)
	}
	got := r.m.PTYState()
	syscall.Dup2(keep, fd) // give the modem its master back for Close
	syscall.Close(keep)
	if !strings.Contains(got, fmt.Sprintf("its descriptor %d now holds another file (/dev/null): closed behind its back and the number reused", fd)) {
		t.Errorf("after a stray close and reuse: %q", got)
	}
}

// TestPTYState: what the modem tells of its pty when a host finds the tty
// hung up — open, lost (its master's read failed while it ran), closed.
func TestPTYState(t *testing.T) {
	r := newRig(t)
	if got := r.m.PTYState(); !strings.HasPrefix(got, "the modem's pty master is open as far as the modem knows, and its descriptor ") {
		t.Errorf("running: %q", got)
	}
	r.m.master.Close() // behind the modem's back
	select {
	case <-r.m.readEnd: // the read loop noticed
	case <-time.After(5 * time.Second):
		t.Fatal("the read loop did not end")
	}
	if got := r.m.PTYState(); !strings.Contains(got, "lost its pty") || !strings.Contains(got, "file already closed") {
		t.Errorf("after its master closed: %q", got)
	}
	r.m.Close()
	if got := r.m.PTYState(); got != "the modem closed its pty (Close)" {
		t.Errorf("after Close: %q", got)
	}
}

// OpenPeer gives this modem's own pty slave, whatever its path names
// meanwhile: a host on it talks to this modem.
func TestOpenPeer(t *testing.T) {
	for _, tc := range []struct{ name, link string }{
		{"no link", ""},
		{"link", filepath.Join(t.TempDir(), "modem")},
	} {
		t.Run(tc.name, func(t *testing.T) { testOpenPeer(t, tc.link) })
	}
}

// testOpenPeer: the peer is named as Path names the pty (its link, if
// any: a host's messages name what it was told to open) and talks to the
// modem.
func testOpenPeer(t *testing.T, link string) {
	m, loop, err := startBare(t, link)
	if err != nil {
		t.Fatal(err)
	}
	f, err := m.OpenPeer()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Name() != m.Path() {
		t.Errorf("peer named %q, want the pty's path %q", f.Name(), m.Path())
	}
	if _, err := f.Write([]byte("ATE0\r")); err != nil {
		t.Fatal(err)
	}
	var got []byte
	buf := make([]byte, 64)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(string(got), "OK") && time.Now().Before(deadline) {
		loop.Settle()
		if err := f.SetReadDeadline(time.Now().Add(100 * time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		n, _ := f.Read(buf)
		got = append(got, buf[:n]...)
	}
	if !strings.Contains(string(got), "OK") {
		t.Errorf("the peer read %q, want the modem's OK", got)
	}
}

// A stale link that names the very pty this modem was given (a restarted
// emulator often gets its old number back) is replaced, not refused as a
// pty in use.
func TestLinkNamingTheModemsOwnPty(t *testing.T) {
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	defer slave.Close()
	link := filepath.Join(t.TempDir(), "ttyESIM")
	if err := os.Symlink(slave.Name(), link); err != nil {
		t.Fatal(err)
	}
	if err := publishLink(slave.Name(), link); err != nil {
		t.Fatalf("a link already naming the modem's own pty: %v", err)
	}
	if err := publishLink("/dev/pts/does-not-exist", link); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("taking over a link to another open pty: %v", err)
	}
}

// A link is judged by where its whole chain of symlinks leads: an alias
// of another emulator's link (alias → modemA → /proc/<pid>/fd/<n>) is in
// use and refused, not replaced and then removed at stop (outside tester
// t135 F5); a chain that ends in nothing, a plain file or this modem's
// own pty is stale and replaced.
func TestLinkChainToAPtyInUse(t *testing.T) {
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	defer slave.Close()
	held := fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), slave.Fd()) // as an emulator links its pty
	const own = "/dev/pts/own-target"
	for _, tc := range []struct {
		name  string
		chain []string // link → chain[0] → chain[1] …, relative names in the test's directory
		inUse bool
	}{
		{"straight to an open pty", []string{slave.Name()}, true},
		{"through another link", []string{"modemA", slave.Name()}, true},
		{"through two links to a descriptor", []string{"b", "modemA", held}, true},
		{"to a pty gone", []string{"modemA", "/dev/pts/does-not-exist"}, false},
		{"to a plain file", []string{"modemA", "plain"}, false},
		{"to this modem's own pty", []string{"modemA", own}, false},
		{"a cycle", []string{"modemA", "ttyESIM"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "plain"), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
			link := filepath.Join(dir, "ttyESIM")
			from := link
			for _, to := range tc.chain {
				if err := os.Symlink(to, from); err != nil {
					t.Fatal(err)
				}
				from = filepath.Join(dir, to) // a relative name is in dir; the last is not followed
			}
			err := publishLink(own, link)
			if tc.inUse != (err != nil) {
				t.Fatalf("in use %v, got %v", tc.inUse, err)
			}
			if tc.inUse {
				if !strings.Contains(err.Error(), "a pseudo-terminal in use") {
					t.Errorf("error %v", err)
				}
				if got, _ := os.Readlink(link); got != tc.chain[0] {
					t.Errorf("the link was changed to %q", got)
				}
				return
			}
			if got, _ := os.Readlink(link); got != own {
				t.Errorf("the link points to %q, want %q", got, own)
			}
			if b, _ := os.ReadFile(filepath.Join(dir, "plain")); string(b) != "x" {
				t.Error("the plain file changed")
			}
		})
	}
}

// The pty the modem opens is a real pair: its path names the slave the
// modem holds (the device of the slave opened by that path is the same),
// the slave is raw, the master is non-blocking (under the poller, so Close
// ends the read loop), and a host opening the path talks to the modem.
func TestPTYIsARealPair(t *testing.T) {
	m, loop, err := startBare(t, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m.Path(), "/dev/pts/") {
		t.Fatalf("path %q", m.Path())
	}
	var held, byPath syscall.Stat_t
	if err := syscall.Fstat(int(m.slave.Fd()), &held); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Stat(m.Path(), &byPath); err != nil {
		t.Fatal(err)
	}
	if held.Rdev != byPath.Rdev {
		t.Errorf("the slave held is device %#x, the path names %#x", held.Rdev, byPath.Rdev)
	}
	rc, err := m.master.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var fl int
	rc.Control(func(fd uintptr) { fl, err = unix.FcntlInt(fd, unix.F_GETFL, 0) })
	if err != nil || fl&unix.O_NONBLOCK == 0 {
		t.Errorf("master flags %#x (%v), want non-blocking", fl, err)
	}
	tio, err := unix.IoctlGetTermios(int(m.slave.Fd()), unix.TCGETS)
	if err != nil || tio.Lflag&(unix.ECHO|unix.ICANON) != 0 || tio.Oflag&unix.OPOST != 0 {
		t.Errorf("slave termios %+v (%v), want raw", tio, err)
	}
	host, err := os.OpenFile(m.Path(), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	if _, err := host.Write([]byte("AT\r")); err != nil {
		t.Fatal(err)
	}
	var got []byte
	buf := make([]byte, 64)
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(string(got), "OK") && time.Now().Before(deadline); {
		loop.Settle()
		host.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		n, _ := host.Read(buf)
		got = append(got, buf[:n]...)
	}
	if !strings.Contains(string(got), "OK") {
		t.Errorf("a host on %s read %q, want OK", m.Path(), got)
	}
	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the read loop: the master is not under the poller")
	}
}
