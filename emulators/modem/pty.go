package modem

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
	"golang.org/x/term"

	"github.com/esimhil/esimhil/internal/growstack"
	"github.com/esimhil/esimhil/internal/pollfile"
)

// openPTY opens the pty pair, puts the slave in raw mode (no echo, no CR/LF
// translation: the modem does both itself) and publishes the link. The
// modem keeps the slave open so that the master never reads EIO when a host
// closes its side.
func (m *Modem) openPTY() error {
	if errNoPTY != nil {
		return errNoPTY
	}
	master, slave, err := pty.Open()
	if err != nil {
		return fmt.Errorf("open pty: %w", err)
	}
	// Under the poller, so that Close can interrupt a pending Read (pty
	// hands the master back in blocking mode).
	if master, err = pollfile.Of(master); err != nil {
		slave.Close()
		return fmt.Errorf("pty master: %w", err)
	}
	if err := makeRaw(slave); err != nil {
		master.Close()
		slave.Close()
		return err
	}
	linked := ""
	if m.o.Link != "" {
		linked = linkTarget(slave)
		if err := publishLink(linked, m.o.Link); err != nil {
			master.Close()
			slave.Close()
			return err
		}
	}
	id, _, _ := fileID(master)
	m.mu.Lock()
	m.master, m.slave, m.path, m.masterID, m.linked = master, slave, slave.Name(), id, linked
	m.mu.Unlock()
	m.out.setDirect(nonBlockingWriter(master))
	m.readEnd = make(chan struct{})
	m.wg.Add(2)
	go m.readLoop()
	go m.writeLoop()
	return nil
}

// makeRaw goes through SyscallConn so the file stays non-blocking and Close
// can interrupt a pending read.
func makeRaw(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return fmt.Errorf("raw mode %s: %w", f.Name(), err)
	}
	var rawErr error
	if err := rc.Control(func(fd uintptr) { _, rawErr = term.MakeRaw(int(fd)) }); err != nil {
		return fmt.Errorf("raw mode %s: %w", f.Name(), err)
	}
	if rawErr != nil {
		return fmt.Errorf("raw mode %s: %w", f.Name(), rawErr)
	}
	return nil
}

// linkTarget is what --link points at: the slave through this process's
// own descriptor (/proc/<pid>/fd/<n>, which opens the same tty), not
// /dev/pts/<n>. The kernel hands a pty number to the next program that
// asks as soon as it is free, so a link left by a killed emulator would
// lead a host, or a ser2net that opens it again, into that program's
// pty; through /proc it leads nowhere once the process is gone. Where
// /proc does not give the same tty, the slave's name.
func linkTarget(slave *os.File) string {
	rc, err := slave.SyscallConn()
	if err != nil {
		return slave.Name()
	}
	fd := -1
	if rc.Control(func(d uintptr) { fd = int(d) }) != nil || fd < 0 {
		return slave.Name()
	}
	via := fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), fd)
	a, err1 := os.Stat(via)
	b, err2 := slave.Stat()
	if err1 != nil || err2 != nil || !os.SameFile(a, b) {
		return slave.Name()
	}
	return via
}

// publishLink points link at target, replacing a stale symlink but never a
// regular file.
func publishLink(target, link string) error {
	if fi, err := os.Lstat(link); err == nil {
		if fi.Mode()&fs.ModeSymlink == 0 {
			return fmt.Errorf("link %s exists and is not a symlink", link)
		}
		// A link to another pty that is open belongs to someone (another
		// emulator): taking it over would cut that one off its host. A
		// stale one is replaced: its pty gone with the process, or the
		// number handed to this modem (the kernel gives the lowest free
		// one, so a restarted emulator often gets its old number back).
		if old, via, ok := ptyInUse(link, target); ok {
			return fmt.Errorf("link %s points to %s%s, a pseudo-terminal in use (another emulator?): give another --link, or remove it", link, old, via)
		}
		if err := os.Remove(link); err != nil {
			return fmt.Errorf("replace link %s: %w", link, err)
		}
	}
	if err := os.Symlink(target, link); err != nil {
		return fmt.Errorf("publish link: %w", err)
	}
	return nil
}

// nonBlockingWriter writes to a non-blocking fd at once, or not at all
// (EAGAIN: the host is not reading and the pty buffer is full).
func nonBlockingWriter(f *os.File) func([]byte) (int, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil
	}
	w := &directWrite{rc: rc}
	w.fn = w.control
	return w.write
}

// directWrite is nonBlockingWriter's state: its Control function is
// bound once, where a closure over each write's bytes and results would
// be allocated each time. Its caller serializes the writes (outQueue.mu).
type directWrite struct {
	rc  syscall.RawConn
	fn  func(fd uintptr)
	b   []byte
	n   int
	err error
}

func (w *directWrite) write(b []byte) (int, error) {
	w.b, w.n, w.err = b, 0, nil
	err := w.rc.Control(w.fn)
	n, werr := w.n, w.err
	w.b, w.err = nil, nil
	if err != nil {
		return 0, err
	}
	return max(n, 0), werr
}

// readLoop frames command lines and runs each, and the echo of what was
// typed, inside the loop, so that both are serialized with timers and card
// traffic.
func (m *Modem) readLoop() {
	defer m.wg.Done()
	defer close(m.readEnd)
	growstack.Grow() // command lines run here, down to the card: deep
	buf := make([]byte, 4096)
	for {
		n, err := m.master.Read(buf)
		if n > 0 {
			m.loop.Do(func() { m.takeBytes(buf[:n]) })
		}
		if err != nil {
			m.mu.Lock()
			if !m.closed {
				m.lost = fmt.Errorf("pty master %s: read: %w", m.path, err)
			}
			m.mu.Unlock()
			return
		}
	}
}

// PTYState says how the modem's side of its pty stands, for a host that
// found the tty hung up: closed by Close, lost (its read failed while the
// modem ran: the master closed behind its back), or open.
func (m *Modem) PTYState() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.closed:
		return "the modem closed its pty (Close)"
	case m.lost != nil:
		return "the modem lost its pty: " + m.lost.Error()
	case m.master == nil:
		return "the modem has no pty yet"
	}
	// Open as far as the modem knows: if the host sees the tty hung up,
	// the master's descriptor was closed behind the modem's back. Which
	// file the descriptor number holds now tells a stray close (nothing,
	// EBADF) from a close and a reuse (another file: whose number it was).
	id, fd, err := fileID(m.master)
	switch {
	case err != nil:
		return fmt.Sprintf("the modem's pty master is open as far as the modem knows, but its descriptor %d is not: %v", fd, err)
	case m.masterID == [2]uint64{}:
		return fmt.Sprintf("the modem's pty master is open as far as the modem knows (descriptor %d; its identity at open was not read)", fd)
	case id != m.masterID:
		what, _ := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
		return fmt.Sprintf("the modem's pty master is open as far as the modem knows, but its descriptor %d now holds another file (%s): closed behind its back and the number reused", fd, what)
	}
	return fmt.Sprintf("the modem's pty master is open as far as the modem knows, and its descriptor %d still is the master", fd)
}

func (m *Modem) writeLoop() {
	defer m.wg.Done()
	for {
		b, ok := m.out.pop()
		if !ok {
			return
		}
		_, err := m.master.Write(b)
		m.out.written()
		if err != nil {
			return
		}
	}
}

// send queues encoded response bytes and logs them as lines.
func (m *Modem) send(b []byte) {
	if m.st.hung {
		return // a hung AT port says nothing: not sent, not in at.log
	}
	if m.o.ATLog != nil {
		if t := bytes.TrimSpace(b); len(t) > 0 {
			m.st.logLine = append(m.atLogStamp('<'), t...)
			m.writeLogLine()
		}
	}
	m.out.push(b)
}

func (m *Modem) logIn(text string) {
	if m.o.ATLog != nil {
		m.st.logLine = append(m.atLogStamp('>'), text...)
		m.writeLogLine()
	}
}

// atLogStamp starts at.log's next line: simulated time and direction.
func (m *Modem) atLogStamp(dir byte) []byte {
	// logLine still starts with the last line's stamp (only this writes
	// its start): simulated time stands still while a command runs, so
	// a line and its answer share one, formatted once. == rather than
	// Equal: the location must be the same too for the text to be.
	if now := m.loop.Now(); m.st.stampLen == 0 || now != m.st.stampAt {
		m.st.logLine = now.AppendFormat(m.st.logLine[:0], time.RFC3339Nano)
		m.st.stampAt, m.st.stampLen = now, len(m.st.logLine)
	}
	return append(m.st.logLine[:m.st.stampLen], ' ', dir, ' ')
}

func (m *Modem) writeLogLine() {
	m.st.logLine = append(m.st.logLine, '\n')
	_, _ = m.o.ATLog.Write(m.st.logLine)
}

// outQueue holds output until the writer drains it; past max bytes it
// drops the oldest chunks, so simulated work never blocks on the pty.
type outQueue struct {
	mu      sync.Mutex
	cond    *sync.Cond
	q       [][]byte
	size    int
	max     int
	dropped int64
	total   int64 // bytes ever sent (written at once or queued)
	closed  bool
	// direct, if set, writes without blocking and reports how much it
	// wrote; push uses it while nothing is queued or being written, so
	// an answer leaves without waking the writer goroutine.
	direct  func([]byte) (int, error)
	writing bool // the writer goroutine holds a chunk
	// batch collects the output of one command line (echo, information
	// text, final result) so it leaves in one write.
	batch    []byte
	batching bool
}

// begin starts collecting output; end sends what was collected.
func (o *outQueue) begin() {
	o.mu.Lock()
	o.batching = true
	o.mu.Unlock()
}

func (o *outQueue) end() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.batching = false
	o.pushLocked(o.batch)
	// pushLocked wrote the batch or copied what it queued: its array
	// serves the next.
	o.batch = o.batch[:0]
}

func newOutQueue(max int) *outQueue {
	o := &outQueue{max: max}
	o.cond = sync.NewCond(&o.mu)
	return o
}

func (o *outQueue) push(b []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.pushLocked(b)
}

func (o *outQueue) pushLocked(b []byte) {
	if o.closed || len(b) == 0 {
		return
	}
	if o.batching {
		o.batch = append(o.batch, b...)
		return
	}
	// Counted whichever way it leaves: Written is what the host is owed.
	o.total += int64(len(b))
	if o.direct != nil && len(o.q) == 0 && !o.writing {
		n, _ := o.direct(b)
		if n >= len(b) {
			return
		}
		b = b[max(n, 0):]
	}
	o.q = append(o.q, append([]byte(nil), b...))
	o.size += len(b)
	for o.size > o.max && len(o.q) > 0 {
		o.size -= len(o.q[0])
		o.dropped += int64(len(o.q[0]))
		o.q[0] = nil
		o.q = o.q[1:]
	}
	o.cond.Signal()
}

func (o *outQueue) pop() ([]byte, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for len(o.q) == 0 && !o.closed {
		o.cond.Wait()
	}
	if o.closed {
		return nil, false
	}
	b := o.q[0]
	o.q[0] = nil
	o.q = o.q[1:]
	o.size -= len(b)
	o.writing = true
	return b, true
}

// written ends the writer's hold on the chunk pop returned.
func (o *outQueue) written() {
	o.mu.Lock()
	o.writing = false
	o.mu.Unlock()
}

func (o *outQueue) setDirect(w func([]byte) (int, error)) {
	o.mu.Lock()
	o.direct = w
	o.mu.Unlock()
}

func (o *outQueue) close() {
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
	o.cond.Broadcast()
}

func (o *outQueue) totalBytes() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.total
}

func (o *outQueue) droppedBytes() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.dropped
}

// OpenPeer opens the slave of this modem's own pty from its master
// (TIOCGPTPEER), not by its path: with several rigs in one process, the
// path /dev/pts/N can still name a pty another rig has just closed, whose
// node goes a moment later, and a host that opened that one reads EOF.
// Off Linux, without the ioctl, it opens the path (peer_other.go).
// The caller closes the file.
func (m *Modem) OpenPeer() (*os.File, error) {
	m.mu.Lock()
	master, name, slavePath := m.master, m.path, m.path
	if m.o.Link != "" {
		name = m.o.Link // as Path: what the host is told it opened
	}
	m.mu.Unlock()
	if master == nil {
		return nil, errors.New("modem: no pty (not started, or wired in memory)")
	}
	rc, err := master.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("pty peer: %w", err)
	}
	fd, perr := -1, error(nil)
	if err := rc.Control(func(mfd uintptr) { fd, perr = openPeer(mfd, slavePath) }); err != nil {
		return nil, fmt.Errorf("pty peer: %w", err)
	}
	if perr != nil {
		return nil, fmt.Errorf("pty peer of %s: %w", name, perr)
	}
	return os.NewFile(uintptr(fd), name), nil
}

// maxLinkHops is how many symlinks ptyInUse follows (the kernel's own
// limit, ELOOP, is 40).
const maxLinkHops = 40

// ptyInUse follows link's chain of symlinks, hop by hop, and says whether
// one of them leads to a pty someone holds — old, and via, the links it
// went through — other than target: an alias of another emulator's link
// is as much in use as that link (outside tester t135 F5: only one hop was
// looked at, and the alias was replaced, then removed).
func ptyInUse(link, target string) (old, via string, ok bool) {
	cur := link
	var hops []string
	for range maxLinkHops {
		next, err := os.Readlink(cur)
		if err != nil {
			return "", "", false // the chain ends: in a file, or nothing
		}
		if !filepath.IsAbs(next) {
			next = filepath.Join(filepath.Dir(cur), next)
		}
		if next == target {
			return "", "", false // this modem's own pty
		}
		if inUse(next) {
			if len(hops) > 0 {
				via = " (through " + strings.Join(hops, " → ") + ")"
			}
			return next, via, true
		}
		if strings.HasPrefix(next, "/proc/") {
			return "", "", false // a descriptor link inUse judged stale
		}
		hops = append(hops, next)
		cur = next
	}
	return "", "", false
}

// inUse reports whether a link's old target is a pty someone holds: a
// /dev/pts node that exists, or a /proc descriptor of a process that
// still runs and still holds a tty there.
func inUse(old string) bool {
	st, err := os.Stat(old)
	switch {
	case err != nil:
		return false
	case strings.HasPrefix(old, "/dev/pts/"):
		return true
	case strings.HasPrefix(old, "/proc/"):
		return st.Mode()&fs.ModeCharDevice != 0
	}
	return false
}
