package transport

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/esimhil/esimhil/harness/ser2net"
	"github.com/esimhil/esimhil/internal/codec/telnet"
)

// newPTY opens a pty pair and links it at link; the test gets the master.
func newPTY(t *testing.T, link string) *os.File {
	t.Helper()
	m, s, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(link)
	if err := os.Symlink(s.Name(), link); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m
}

func readFull(t *testing.T, r io.Reader, n int) []byte {
	t.Helper()
	buf := make([]byte, n)
	done := make(chan error, 1)
	go func() { _, err := io.ReadFull(r, buf); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no %d bytes within 5 s", n)
	}
	return buf
}

func TestSerialSettingsAndExclusive(t *testing.T) {
	link := filepath.Join(t.TempDir(), "modem")
	m := newPTY(t, link)
	tests := []struct {
		cfg  Config
		want string
		excl bool
	}{
		// A pty keeps 8 data bits and no parity whatever it is told
		// (Linux pty_set_termios); a UART takes all of it.
		{Config{Baud: 9600, Parity: 'E', StopBits: 2, DataBits: 7, Flow: FlowHardware, Shared: true}, "9600 8N2 rtscts raw=true", false},
		{Config{}, "115200 8N1 none raw=true", true},
		{Config{Baud: 921600, Flow: FlowSoftware}, "921600 8N1 xonxoff raw=true", true},
	}
	for _, tc := range tests {
		p, err := Open(context.Background(), link, tc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		f := p.(*port).cur.(ttyFile).File
		got, err := LineSettings(f)
		if err != nil || got != tc.want {
			t.Errorf("%+v: %q %v, want %q", tc.cfg, got, err, tc.want)
		}
		var excl int
		rc, _ := f.SyscallConn()
		rc.Control(func(fd uintptr) { excl, err = unix.IoctlGetInt(int(fd), unix.TIOCGEXCL) })
		if err != nil || (excl != 0) != tc.excl {
			t.Errorf("%+v: TIOCGEXCL %d %v, want %v", tc.cfg, excl, err, tc.excl)
		}
		// Raw both ways: CR and 0xFF pass unchanged.
		if _, err := p.Write([]byte("AT\r\xff")); err != nil {
			t.Fatal(err)
		}
		if got := readFull(t, m, 4); string(got) != "AT\r\xff" {
			t.Errorf("to the modem: %q", got)
		}
		m.Write([]byte("\r\nOK\r\n"))
		if got := readFull(t, p, 6); string(got) != "\r\nOK\r\n" {
			t.Errorf("from the modem: %q", got)
		}
		p.Close()
		// The tty outlives the close (the modem holds its master): the
		// exclusive flag must go with the harness, or every later open
		// but root's meets EBUSY.
		after, err := os.OpenFile(link, os.O_RDWR|unix.O_NOCTTY, 0)
		if err != nil {
			t.Fatal(err)
		}
		excl, err = unix.IoctlGetInt(int(after.Fd()), unix.TIOCGEXCL)
		after.Close()
		if err != nil || excl != 0 {
			t.Errorf("%+v: TIOCGEXCL %d %v after Close, want 0", tc.cfg, excl, err)
		}
	}
}

// Two openers of one port: the second is refused while the first holds
// it, root or not (TIOCEXCL does not hold root back; the lock does), and
// gets it once the first closed it.
func TestSecondOpenerRefused(t *testing.T) {
	link := filepath.Join(t.TempDir(), "modem")
	newPTY(t, link)
	first, err := Open(context.Background(), link, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := Open(context.Background(), link, Config{}); err == nil || !strings.Contains(err.Error(), "in use") {
		if p != nil {
			p.Close()
		}
		t.Fatalf("second open while the first holds the port: %v", err)
	}
	first.Close()
	second, err := Open(context.Background(), link, Config{})
	if err != nil {
		t.Fatalf("after the first closed the port: %v", err)
	}
	second.Close()
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "plain")
	os.WriteFile(file, nil, 0o644)
	tests := []struct {
		addr string
		cfg  Config
		want string
	}{
		{file, Config{}, "not a tty"},
		{"/dev/null", Config{}, "not a tty"},
		{filepath.Join(dir, "nothing"), Config{}, "no such file"},
		{"/dev/null", Config{Baud: 1234}, "baud 1234: not a rate a UART is set to"},
		{"/dev/null", Config{Parity: 'X'}, "parity"},
		{"/dev/null", Config{DataBits: 9}, "data bits 9"},
		{"/dev/null", Config{Flow: "dtrdsr"}, "flow"},
		{"ftp://x:1", Config{}, "unknown scheme"},
		{"tcp://nohostport", Config{}, "want tcp://host:port"},
		{"rfc2217://nohostport", Config{}, "want rfc2217://host:port"},
		// The rate an RFC 2217 server sets on its UART is checked too.
		{"rfc2217://127.0.0.1:1", Config{Baud: 12345}, "baud 12345: not a rate a UART is set to"},
		{"/dev/null", Config{Baud: -5}, "baud -5: not a rate a UART is set to"},
		// The low rates V.250's +IPR lists and modules still boot at are
		// rates: /dev/null fails as no tty, not as a bad rate.
		{"/dev/null", Config{Baud: 4800}, "not a tty"},
		{"/dev/null", Config{Baud: 1200}, "not a tty"},
	}
	for _, tc := range tests {
		_, err := Open(context.Background(), tc.addr, tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), strings.TrimPrefix(tc.addr, "rfc2217://")) {
			t.Errorf("%s: %v, want %q", tc.addr, err, tc.want)
		}
	}
}

// A tty that disappears (the modem resets and re-enumerates) and comes
// back under the same name: Read fails, Reopen waits for it.
func TestSerialReopen(t *testing.T) {
	link := filepath.Join(t.TempDir(), "modem")
	m := newPTY(t, link)
	p, err := Open(context.Background(), link, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	m.Close()
	os.Remove(link)
	if _, err := p.Read(make([]byte, 10)); err == nil {
		t.Fatal("read from a vanished tty succeeded")
	}
	back := make(chan *os.File)
	go func() { time.Sleep(200 * time.Millisecond); back <- newPTY(t, link) }()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Reopen(ctx); err != nil {
		t.Fatal(err)
	}
	m2 := <-back
	m2.Write([]byte("RDY\r\n"))
	if got := readFull(t, p, 5); string(got) != "RDY\r\n" {
		t.Errorf("%q", got)
	}
	// Gone for good: Reopen gives up with ctx and says so.
	m2.Close()
	os.Remove(link)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	if err := p.Reopen(ctx2); err == nil || !strings.Contains(err.Error(), link+" did not come back") {
		t.Errorf("%v", err)
	}
}

// startSer2net exports a pty through a real ser2net.
func startSer2net(t *testing.T) (*os.File, *ser2net.Server) {
	t.Helper()
	dir := t.TempDir()
	link := filepath.Join(dir, "modem")
	m := newPTY(t, link)
	s, err := ser2net.Start(context.Background(), link, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop() })
	return m, s
}

// Through ser2net both ways, raw TCP and RFC 2217: bytes arrive unchanged
// (0xFF doubled and undoubled by the telnet layer only).
func TestSer2net(t *testing.T) {
	m, s := startSer2net(t)
	for _, addr := range []string{s.RawAddr(), s.RFC2217Addr()} {
		t.Run(addr[:strings.Index(addr, ":")], func(t *testing.T) {
			p, err := Open(context.Background(), addr, Config{})
			if err != nil {
				t.Fatalf("%v\nser2net: %s", err, s.Log())
			}
			defer p.Close()
			if _, err := p.Write([]byte("AT+CSIM\xff\r")); err != nil {
				t.Fatal(err)
			}
			if got := readFull(t, m, 9); string(got) != "AT+CSIM\xff\r" {
				t.Errorf("to the modem: %q", got)
			}
			m.Write([]byte("\r\n\xffOK\r\n"))
			if got := readFull(t, p, 7); string(got) != "\r\n\xffOK\r\n" {
				t.Errorf("from the modem: %q", got)
			}
		})
		time.Sleep(50 * time.Millisecond) // ser2net closes the device after the client
	}
}

// ser2net itself, its device absent: both ports say why, in its words.
func TestSer2netDeviceAbsent(t *testing.T) {
	dir := t.TempDir()
	s, err := ser2net.Start(context.Background(), filepath.Join(dir, "no-modem"), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop() })
	for _, addr := range []string{s.RawAddr(), s.RFC2217Addr()} {
		p, err := Open(context.Background(), addr, Config{DialTimeout: 2 * time.Second})
		if err == nil {
			p.Close()
		}
		if err == nil || !strings.Contains(err.Error(), "Device open failure") {
			t.Errorf("%s: %v\nser2net: %s", addr, err, s.Log())
		}
	}
}

func TestRFC2217OnARawPort(t *testing.T) {
	_, s := startSer2net(t)
	addr := "rfc2217://" + strings.TrimPrefix(s.RawAddr(), "tcp://")
	_, err := Open(context.Background(), addr, Config{DialTimeout: 300 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "is it a raw TCP port") {
		t.Errorf("%v", err)
	}
}

// The reverse mistake: tcp:// at ser2net's RFC 2217 port, whose telnet
// negotiation would otherwise reach the AT client as the modem's words.
func TestRawOnAnRFC2217Port(t *testing.T) {
	_, s := startSer2net(t)
	addr := "tcp://" + strings.TrimPrefix(s.RFC2217Addr(), "rfc2217://")
	p, err := Open(context.Background(), addr, Config{DialTimeout: 300 * time.Millisecond})
	if err == nil {
		p.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "use rfc2217://") {
		t.Errorf("%v", err)
	}
}

// fakeServer runs script against each accepted connection; at the end of
// the test every connection is closed and every script has returned.
func fakeServer(t *testing.T, script func(c net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() { defer wg.Done(); defer c.Close(); script(c) }()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return l.Addr().String()
}

// waitClosed is closed when the peer or the test closes c.
func waitClosed(c net.Conn) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		io.Copy(io.Discard, c)
	}()
	return ch
}

// A server that answers COM-PORT commands, after garbage and oversized
// subnegotiations, and sends modem-state notifications between data.
func TestRFC2217Garbage(t *testing.T) {
	addr := fakeServer(t, func(c net.Conn) {
		var d telnet.Decoder
		buf := make([]byte, 1024)
		var junk []byte
		junk = append(junk, telnet.IAC, telnet.SB, 44) // overlong, never closed by SE
		junk = append(junk, bytes.Repeat([]byte{9}, telnet.MaxSubneg+5)...)
		junk = append(junk, telnet.IAC, telnet.SE, telnet.IAC, 0x42, telnet.IAC, telnet.SB, 44, 250, telnet.IAC, telnet.SE)
		c.Write(junk)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			data, evs := d.Feed(buf[:n])
			for _, e := range evs {
				switch {
				case e.Kind == telnet.Negotiation && e.Cmd == telnet.WILL && e.Opt == 44:
					c.Write(telnet.Negotiate(telnet.DO, 44))
				case e.Kind == telnet.Subnegotiation && e.Opt == 44:
					c.Write(telnet.EncodeComPort(e.Payload[0], true, e.Payload[1:]))
				}
			}
			if bytes.Contains(data, []byte("AT\r")) {
				c.Write(append(telnet.EncodeComPort(telnet.CPNotifyModemState, true, []byte{telnet.ModemDSR | telnet.ModemCD}),
					[]byte("\r\nOK\xff\xff\r\n")...))
			}
		}
	})
	states := make(chan byte, 4)
	p, err := Open(context.Background(), "rfc2217://"+addr, Config{OnModemState: func(s byte) { states <- s }})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.Write([]byte("AT\r"))
	if got := readFull(t, p, 7); string(got) != "\r\nOK\xff\r\n" {
		t.Errorf("%q", got)
	}
	if s := <-states; s != 0xA0 {
		t.Errorf("modem state %02X", s)
	}
}

func TestRFC2217Refused(t *testing.T) {
	addr := fakeServer(t, func(c net.Conn) {
		c.Write(telnet.Negotiate(telnet.DONT, 44))
		io.Copy(io.Discard, c)
	})
	_, err := Open(context.Background(), "rfc2217://"+addr, Config{})
	if err == nil || !strings.Contains(err.Error(), "refused COM-PORT-OPTION") {
		t.Errorf("%v", err)
	}
	addr = fakeServer(t, func(c net.Conn) {
		var d telnet.Decoder
		buf := make([]byte, 256)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			_, evs := d.Feed(buf[:n])
			for _, e := range evs {
				if e.Kind == telnet.Negotiation && e.Cmd == telnet.WILL && e.Opt == 44 {
					c.Write(telnet.Negotiate(telnet.DO, 44))
				}
				if e.Kind == telnet.Subnegotiation && e.Payload[0] == telnet.CPSetBaudRate {
					c.Write(telnet.EncodeComPort(telnet.CPSetBaudRate, true, []byte{0, 0, 0x25, 0x80}))
				}
			}
		}
	})
	_, err = Open(context.Background(), "rfc2217://"+addr, Config{})
	if err == nil || !strings.Contains(err.Error(), "asked for 115200 baud, the server set 9600") {
		t.Errorf("%v", err)
	}
}

// A ser2net port whose TCP connection drops: Read fails, Reopen connects
// again once the port accepts.
func TestTCPReopen(t *testing.T) {
	drop := make(chan struct{}, 1)
	addr := fakeServer(t, func(c net.Conn) {
		c.Write([]byte("hello\r\n"))
		select {
		case <-drop:
		case <-waitClosed(c):
		}
	})
	p, err := Open(context.Background(), "tcp://"+addr, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	readFull(t, p, 7)
	drop <- struct{}{}
	if _, err := p.Read(make([]byte, 1)); err == nil {
		t.Fatal("read after the drop")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Reopen(ctx); err != nil {
		t.Fatal(err)
	}
	if got := readFull(t, p, 7); string(got) != "hello\r\n" {
		t.Errorf("%q", got)
	}
	p.Close()
	if _, err := p.Write([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("write after close: %v", err)
	}
	if err := p.Reopen(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("reopen after close: %v", err)
	}
}

// A tty's end of stream says why: hung up (its master closed) or set by
// somebody else to return from a read without data.
func TestTTYEndSaysWhy(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(master, slave *os.File) error
		want string
	}{
		{"master closed", func(m, _ *os.File) error { return m.Close() }, "the tty hung up"},
		{"VMIN=0 VTIME=0", func(_, s *os.File) error {
			tio, err := unix.IoctlGetTermios(int(s.Fd()), unix.TCGETS)
			if err != nil {
				return err
			}
			tio.Cc[unix.VMIN], tio.Cc[unix.VTIME] = 0, 0
			return unix.IoctlSetTermios(int(s.Fd()), unix.TCSETS, tio)
		}, "VMIN=0 VTIME=0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, s, err := pty.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			defer s.Close()
			p, err := Open(context.Background(), s.Name(), Config{Shared: true})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if err := tc.end(m, s); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { _, err := p.Read(make([]byte, 16)); done <- err }()
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("read did not end")
			}
			t.Log(err)
			if !errors.Is(err, io.EOF) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "/dev/pts/") {
				t.Fatalf("read: %v, want EOF saying %q and naming the pts", err, tc.want)
			}
		})
	}
}

// A read deadline set before the port dropped holds on the connection
// Reopen makes: a reader that reads the new one next times out, rather
// than blocking for good on a modem that says nothing (a `lab record`
// hung that way after ser2net restarted).
func TestReopenKeepsTheReadDeadline(t *testing.T) {
	accepted := make(chan net.Conn, 4)
	addr := fakeServer(t, func(c net.Conn) {
		accepted <- c
		<-waitClosed(c) // says nothing
	})
	p, err := Open(context.Background(), "tcp://"+addr, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	first := <-accepted
	d, ok := p.(interface{ SetReadDeadline(time.Time) error })
	if !ok {
		t.Fatal("a TCP port has no read deadline")
	}
	if err := d.SetReadDeadline(time.Now().Add(200 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	first.Close() // the drop
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Reopen(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := p.Read(make([]byte, 1))
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("read on the reopened port: %v, want the deadline", err)
		}
	case <-time.After(5 * time.Second):
		p.Close()
		t.Fatal("a read on the reopened port ignored the deadline set before the drop")
	}
}

// TTY takes a non-blocking file as it is, and a blocking one (f.Fd was
// called) through a non-blocking copy of its descriptor; either way the
// port is set up raw, carries bytes both ways, and its Close ends a Read
// waiting for data (the descriptor is under the poller).
func TestTTYTakesBlockingAndNonBlockingFiles(t *testing.T) {
	for _, tc := range []struct {
		name  string
		prime func(f *os.File)
	}{
		{"non-blocking", func(*os.File) {}},
		{"blocking", func(f *os.File) { f.Fd() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, s, err := pty.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			tc.prime(s)
			p, err := TTY(s.Name(), s, Config{Shared: true})
			if err != nil {
				t.Fatal(err)
			}
			rf := p.(*port).cur.(ttyFile).File
			settings, err := LineSettings(rf)
			if err != nil || !strings.HasSuffix(settings, "raw=true") {
				t.Errorf("line settings %q (%v), want raw", settings, err)
			}
			if _, err := p.Write([]byte("AT\r")); err != nil {
				t.Fatal(err)
			}
			if got := readFull(t, m, 3); string(got) != "AT\r" {
				t.Errorf("master read %q", got)
			}
			if _, err := m.Write([]byte("OK\r\n")); err != nil {
				t.Fatal(err)
			}
			if got := readFull(t, p, 4); string(got) != "OK\r\n" {
				t.Errorf("port read %q", got)
			}
			// A Read with nothing to read waits until Close, under the
			// poller; a blocking descriptor would hold it in the kernel.
			done := make(chan error, 1)
			go func() { _, err := rf.Read(make([]byte, 8)); done <- err }()
			for limit := time.Now().Add(5 * time.Second); !readWaiting(rf); runtime.Gosched() {
				if time.Now().After(limit) {
					t.Fatal("the Read is not waiting under the poller: the descriptor is blocking")
				}
			}
			p.Close()
			select {
			case err := <-done:
				if err == nil {
					t.Error("read after close: no error")
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Close did not end a waiting Read: the descriptor is not under the poller")
			}
		})
	}
}

// readWaiting reports whether a goroutine is parked in f's Read (the
// poller's wait, not a blocking read(2)).
func readWaiting(f *os.File) bool {
	buf := make([]byte, 1<<16)
	n := runtime.Stack(buf, true)
	return strings.Contains(string(buf[:n]), "internal/poll.runtime_pollWait") && strings.Contains(string(buf[:n]), "os.(*File).Read")
}

// ser2net's raw TCP port accepts while the device behind it is gone (a USB
// modem re-enumerating), writes its failure text and closes. That is not
// the port back, and the text is not the modem's: Reopen takes it as a
// failed attempt (backing off, reported to OnRetry) and comes back only
// with a connection that stays; the refusals never reach Read.
// An RFC 2217 port whose server closes at once (ser2net without its
// device) is refused for what it is, not as a broken pipe.
func TestRFC2217ClosedAtOnce(t *testing.T) {
	for _, tc := range []struct{ says, want string }{
		{"Device open failure: Value or file not found\r\n", "ser2net: Device open failure"},
		{"", "the server closed the connection"},
		// ser2net 4.3's RFC 2217 port without its device: its
		// negotiation first, then why, then the close.
		{"\xff\xfb\x03\xff\xfd\x03\xff\xfb\x00\xff\xfd\x00\xff\xfd,Device open failure: Value or file not found\r\n", "ser2net: Device open failure"},
	} {
		addr := fakeServer(t, func(c net.Conn) {
			c.Write([]byte(tc.says))
			c.Close()
		})
		_, err := Open(context.Background(), "rfc2217://"+addr, Config{DialTimeout: 2 * time.Second})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("server saying %q: %v", tc.says, err)
		}
	}
}

func TestSer2netRefusal(t *testing.T) {
	var mu sync.Mutex
	n := 0
	drop := make(chan struct{}, 1)
	addr := fakeServer(t, func(c net.Conn) {
		mu.Lock()
		n++
		k := n
		mu.Unlock()
		switch {
		case k == 1:
			c.Write([]byte("hello\r\n"))
			select {
			case <-drop:
			case <-waitClosed(c):
			}
		case k <= 4:
			c.Write([]byte("Device open failure: Value or file not found\r\n"))
		default:
			c.Write([]byte("RDY\r\n"))
			<-waitClosed(c)
		}
	})
	p, err := Open(context.Background(), "tcp://"+addr, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	readFull(t, p, 7)
	drop <- struct{}{}
	if _, err := p.Read(make([]byte, 1)); err == nil {
		t.Fatal("read after the drop")
	}
	var retries []error
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Reopen(OnRetry(ctx, func(err error) { retries = append(retries, err) })); err != nil {
		t.Fatal(err)
	}
	if got := readFull(t, p, 5); string(got) != "RDY\r\n" {
		t.Errorf("read %q after the refusals", got)
	}
	if len(retries) != 3 {
		t.Fatalf("retries %v, want the 3 refusals", retries)
	}
	var r *RefusedError
	if !errors.Is(retries[0], ErrRefused) || !errors.As(retries[0], &r) || r.Text != "Device open failure: Value or file not found" {
		t.Errorf("retry: %v", retries[0])
	}
	// A port ser2net refuses from the start is not opened.
	mu.Lock()
	n = 1
	mu.Unlock()
	if _, err := Open(context.Background(), "tcp://"+addr, Config{}); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "ser2net: Device open failure: Value or file not found") {
		t.Errorf("open: %v", err)
	}
}
