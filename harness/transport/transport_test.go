//go:build linux

package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/esimhil/esimhil/harness/ser2net"
	"github.com/esimhil/esimhil/internal/answerpty"
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

// comPortAT is a fake RFC 2217 server that first writes pre, then agrees
// to COM-PORT-OPTION, acknowledges every COM-PORT command and writes
// answer to each "AT\r" it reads.
func comPortAT(t *testing.T, pre, answer []byte) string {
	return fakeServer(t, func(c net.Conn) {
		var d telnet.Decoder
		buf := make([]byte, 1024)
		c.Write(pre)
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
				c.Write(answer)
			}
		}
	})
}

// A server that answers COM-PORT commands, after garbage and oversized
// subnegotiations, and sends modem-state notifications between data.
func TestRFC2217Garbage(t *testing.T) {
	var junk []byte
	junk = append(junk, telnet.IAC, telnet.SB, 44) // overlong, never closed by SE
	junk = append(junk, bytes.Repeat([]byte{9}, telnet.MaxSubneg+5)...)
	junk = append(junk, telnet.IAC, telnet.SE, telnet.IAC, 0x42, telnet.IAC, telnet.SB, 44, 250, telnet.IAC, telnet.SE)
	addr := comPortAT(t, junk, append(telnet.EncodeComPort(telnet.CPNotifyModemState, true, []byte{telnet.ModemDSR | telnet.ModemCD}),
		[]byte("\r\nOK\xff\xff\r\n")...))
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

// A server that notifies its modem state again with nothing changed, as
// ser2net does twice on every connect (outside tester o303: "# modem
// state (none)" twice in at.log): only news reaches OnModemState — the
// first state, a change, and a delta bit (a ring's trailing edge) even
// when it repeats.
func TestRFC2217ModemStateRepeats(t *testing.T) {
	sent := []byte{0, 0, telnet.ModemDSR | telnet.ModemCD, telnet.ModemDSR | telnet.ModemCD, telnet.ModemTERI, telnet.ModemTERI, telnet.ModemDSR, telnet.ModemDSR}
	var answer []byte
	for _, s := range sent {
		answer = append(answer, telnet.EncodeComPort(telnet.CPNotifyModemState, true, []byte{s})...)
	}
	addr := comPortAT(t, nil, append(answer, "\r\nOK\r\n"...))
	states := make(chan byte, len(sent))
	p, err := Open(context.Background(), "rfc2217://"+addr, Config{OnModemState: func(s byte) { states <- s }})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.Write([]byte("AT\r"))
	if got := readFull(t, p, 6); string(got) != "\r\nOK\r\n" {
		t.Errorf("%q", got)
	}
	var got []byte
	for len(states) > 0 {
		got = append(got, <-states)
	}
	want := []byte{0, telnet.ModemDSR | telnet.ModemCD, telnet.ModemTERI, telnet.ModemTERI, telnet.ModemDSR}
	if !bytes.Equal(got, want) {
		t.Errorf("states % X; want % X", got, want)
	}
}

func TestRFC2217Refused(t *testing.T) {
	addr := fakeServer(t, func(c net.Conn) {
		c.Read(make([]byte, 64)) // the client's WILL COM-PORT-OPTION
		c.Write(telnet.Negotiate(telnet.DONT, 44))
		io.Copy(io.Discard, c)
	})
	_, err := Open(context.Background(), "rfc2217://"+addr, Config{})
	if err == nil || !strings.Contains(err.Error(), "refused COM-PORT-OPTION") {
		t.Errorf("%v", err)
	}
	addr = comPortFake(t, []byte{0, 0, 0x25, 0x80}) // 9600
	_, err = Open(context.Background(), "rfc2217://"+addr, Config{})
	if err == nil || !strings.Contains(err.Error(), "asked for 115200 baud, the server set 9600") {
		t.Errorf("%v", err)
	}
	// One that takes COM-PORT-OPTION and never confirms a setting is a
	// telnet server all the same, not a raw port (outside tester sw66).
	addr = comPortFake(t, nil)
	_, err = Open(context.Background(), "rfc2217://"+addr, Config{DialTimeout: 300 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "the server agreed to COM-PORT-OPTION (RFC 2217) but did not confirm the line settings within 300ms") || strings.Contains(err.Error(), "raw TCP") {
		t.Errorf("silent after COM-PORT-OPTION: %v", err)
	}
}

// comPortFake is an RFC 2217 server that agrees to COM-PORT-OPTION and
// answers SET-BAUDRATE with baud, and no other setting (nil: none).
func comPortFake(t *testing.T, baud []byte) string {
	return fakeServer(t, func(c net.Conn) {
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
				if baud != nil && e.Kind == telnet.Subnegotiation && e.Payload[0] == telnet.CPSetBaudRate {
					c.Write(telnet.EncodeComPort(telnet.CPSetBaudRate, true, baud))
				}
			}
		}
	})
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
		// Wordless: not ser2net's refusals, which it words (sw128 F7).
		{"", "the server closed the connection (EOF): another client connected after this one and took the port"},
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

// inUse sets InUseFor for a test.
func inUse(t *testing.T, d time.Duration) {
	t.Helper()
	saved := InUseFor
	InUseFor = d
	t.Cleanup(func() { InUseFor = saved })
}

// ser2net refuses a first open while the device is still held for the
// client before (closing it takes ser2net a moment after that client
// left): Open tries again for a short while, telling OnRetry, and opens
// once the device is free; one still in use after InUseFor is refused,
// naming ser2net, the port, that another client holds the device and how
// long Open tried. Raw TCP and RFC 2217 (ser2net 4.3 negotiates first,
// then says why and closes) alike; no other refusal is tried again.
func TestOpenRetriesDeviceInUse(t *testing.T) {
	const refusal = "Port's device already in use\r\n"
	negotiation := "\xff\xfb\x03\xff\xfd\x03\xff\xfb\x00\xff\xfd\x00\xff\xfd,"
	for _, tc := range []struct{ scheme, says string }{
		{"tcp", refusal},
		{"rfc2217", negotiation + refusal},
	} {
		t.Run(tc.scheme, func(t *testing.T) {
			inUse(t, 2*time.Second)
			var mu sync.Mutex
			n, busy := 0, 2
			addr := fakeServer(t, func(c net.Conn) {
				mu.Lock()
				n++
				refuse := n <= busy
				mu.Unlock()
				if refuse {
					c.Write([]byte(tc.says))
					return
				}
				if tc.scheme == "tcp" {
					<-waitClosed(c)
					return
				}
				serveRFC2217(c)
			})
			var retries []error
			start := time.Now()
			p, err := Open(OnRetry(context.Background(), func(err error) { retries = append(retries, err) }), tc.scheme+"://"+addr, Config{DialTimeout: 2 * time.Second})
			if err != nil {
				t.Fatalf("in use twice, then free: %v", err)
			}
			p.Close()
			if len(retries) != 2 || !errors.Is(retries[0], ErrRefused) || !strings.Contains(retries[0].Error(), "ser2net: Port's device already in use") {
				t.Errorf("retries %v, want the 2 refusals", retries)
			}
			// Under the 2 s InUseFor, with room for a loaded machine.
			if d := time.Since(start); d > 1800*time.Millisecond {
				t.Errorf("took %v for two refusals", d)
			}
			// In use for good: refused after InUseFor, not later.
			inUse(t, 300*time.Millisecond)
			mu.Lock()
			n, busy = 0, 1000
			mu.Unlock()
			start = time.Now()
			_, err = Open(context.Background(), tc.scheme+"://"+addr, Config{DialTimeout: 2 * time.Second})
			d := time.Since(start)
			if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tc.scheme+"://"+addr) ||
				!strings.Contains(err.Error(), "ser2net: Port's device already in use (another client holds the device") ||
				!strings.Contains(err.Error(), "still in use after") {
				t.Errorf("in use for good: %v", err)
			}
			if d < 300*time.Millisecond || d > 3*time.Second {
				t.Errorf("in use for good: refused after %v, want about 300ms", d)
			}
		})
	}
	// Another refusal is final at once: a device absent takes longer to
	// come back than a first open should wait (Reopen waits for it).
	inUse(t, 2*time.Second)
	calls := 0
	addr := fakeServer(t, func(c net.Conn) { c.Write([]byte("Device open failure: Value or file not found\r\n")) })
	_, err := Open(OnRetry(context.Background(), func(error) { calls++ }), "tcp://"+addr, Config{})
	if !errors.Is(err, ErrRefused) || calls != 0 || strings.Contains(err.Error(), "still in use") {
		t.Errorf("device absent: %v, %d retries", err, calls)
	}
}

// serveRFC2217 is an RFC 2217 server that agrees to everything asked and
// confirms each setting as asked, until the client leaves.
func serveRFC2217(c net.Conn) { serveRFC2217Acks(c, nil) }

// serveRFC2217Acks is serveRFC2217 confirming a setting cmd with
// acks[cmd] where acks has it.
func serveRFC2217Acks(c net.Conn, acks map[byte][]byte) {
	var d telnet.Decoder
	buf := make([]byte, 1024)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		_, evs := d.Feed(buf[:n])
		for _, e := range evs {
			switch {
			case e.Kind == telnet.Negotiation && e.Cmd == telnet.WILL && e.Opt == telnet.OptComPort:
				c.Write(telnet.Negotiate(telnet.DO, telnet.OptComPort))
			case e.Kind == telnet.Subnegotiation && e.Opt == telnet.OptComPort:
				v, ok := acks[e.Payload[0]]
				if !ok {
					v = e.Payload[1:]
				}
				c.Write(telnet.EncodeComPort(e.Payload[0], true, v))
			}
		}
	}
}

// Against ser2net itself: one client holds the device through the raw
// port; an RFC 2217 open of the same device meets "Port's device already
// in use", and opens once the first client left. Back to back, as lab
// discover --probe and then lab record run, the second open succeeds
// every time (ser2net closes the device a moment after the client).
func TestSer2netDeviceInUse(t *testing.T) {
	_, s := startSer2net(t)
	inUse(t, 2*time.Second)
	first, err := Open(context.Background(), s.RawAddr(), Config{})
	if err != nil {
		t.Fatalf("%v\nser2net: %s", err, s.Log())
	}
	go func() { time.Sleep(300 * time.Millisecond); first.Close() }()
	var mu sync.Mutex
	var retries []error
	p, err := Open(OnRetry(context.Background(), func(err error) { mu.Lock(); retries = append(retries, err); mu.Unlock() }), s.RFC2217Addr(), Config{})
	if err != nil {
		t.Fatalf("open after the first client left: %v\nser2net: %s", err, s.Log())
	}
	mu.Lock()
	if len(retries) == 0 || !strings.Contains(retries[0].Error(), "ser2net: Port's device already in use") {
		t.Errorf("retries %v, want ser2net's refusal", retries)
	}
	mu.Unlock()
	// Held past the bound: refused, in bounded time.
	inUse(t, 400*time.Millisecond)
	start := time.Now()
	_, err = Open(context.Background(), s.RawAddr(), Config{})
	if d := time.Since(start); err == nil || !strings.Contains(err.Error(), s.RawAddr()+": ser2net: Port's device already in use (another client holds the device") || d > 4*time.Second {
		t.Errorf("held past the bound: %v after %v", err, d)
	}
	p.Close()
	// Back to back, each way.
	inUse(t, 2*time.Second)
	for i := range 6 {
		addrs := []string{s.RawAddr(), s.RFC2217Addr()}
		a, b := addrs[i%2], addrs[1-i%2]
		p, err := Open(context.Background(), a, Config{})
		if err != nil {
			t.Fatalf("%s: %v", a, err)
		}
		p.Write([]byte("AT\r"))
		p.Close()
		if p, err = Open(context.Background(), b, Config{}); err != nil {
			t.Fatalf("%s straight after %s: %v\nser2net: %s", b, a, err, s.Log())
		}
		p.Close()
	}
}

// v250Modem is a modem's command line on a pty, as V.250 has it: bytes
// gather until CR; a line of "AT" and printable text answers OK, any
// other (binary bytes: a telnet negotiation) ERROR; with echo on, each
// byte goes back as it comes. It returns the tty's path and the lines
// the modem got.
func v250Modem(t *testing.T, echo bool) (string, func() []string) {
	t.Helper()
	master, path := answerpty.Master(t)
	var mu sync.Mutex
	var lines []string
	go func() {
		buf := make([]byte, 512)
		var line []byte
		for {
			n, err := master.Read(buf)
			if err != nil {
				return
			}
			if echo {
				master.Write(buf[:n])
			}
			for _, b := range buf[:n] {
				if b != '\r' {
					line = append(line, b)
					continue
				}
				text := string(line)
				line = line[:0]
				mu.Lock()
				lines = append(lines, text)
				mu.Unlock()
				ok := strings.HasPrefix(strings.ToUpper(text), "AT")
				for _, c := range text {
					ok = ok && c >= ' ' && c < 0x7f
				}
				if ok {
					master.Write([]byte("\r\nOK\r\n"))
				} else {
					master.Write([]byte("\r\nERROR\r\n"))
				}
			}
		}
	}()
	return path, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), lines...) }
}

// rfc2217:// at ser2net's raw port: the negotiation's bytes reach the
// modem as the start of a command line. The failed open ends that line
// with a CR and reads the modem's ERROR (and, with echo on, the echo), so
// the next client's first command is answered as its own, not joined to
// the telnet bytes and answered ERROR. The error says the bound it used.
func TestRFC2217OnARawPortLeavesTheLineClean(t *testing.T) {
	for _, echo := range []bool{false, true} {
		t.Run(fmt.Sprintf("echo=%v", echo), func(t *testing.T) {
			dir := t.TempDir()
			tty, lines := v250Modem(t, echo)
			s, err := ser2net.Start(context.Background(), tty, dir)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Stop() })
			addr := "rfc2217://" + strings.TrimPrefix(s.RawAddr(), "tcp://")
			_, err = Open(context.Background(), addr, Config{DialTimeout: 700 * time.Millisecond})
			if err == nil || !strings.Contains(err.Error(), "the answer to them, ERROR, was read") {
				t.Errorf("%v", err)
			}
			want := "no RFC 2217 answer to the COM-PORT-OPTION negotiation within 700ms: is it a raw TCP port (use tcp://)?"
			if echo {
				want = "the server sent the client's telnet negotiation back, as a modem with echo on behind a raw TCP port does: is it a raw TCP port (use tcp://)?"
			}
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%v, want %q", err, want)
			}
			inUse(t, 2*time.Second)
			p, err := Open(context.Background(), s.RawAddr(), Config{})
			if err != nil {
				t.Fatalf("%v\nser2net: %s", err, s.Log())
			}
			defer p.Close()
			if _, err := p.Write([]byte("AT\r")); err != nil {
				t.Fatal(err)
			}
			want = "\r\nOK\r\n"
			if echo {
				want = "AT\r" + want
			}
			if got := readFull(t, p, len(want)); string(got) != want {
				t.Errorf("the next client's AT got %q, want %q; the modem's lines: %q", got, want, lines())
			}
			if got := lines(); len(got) == 0 || got[len(got)-1] != "AT" {
				t.Errorf("the modem's lines: %q, want the next client's AT on its own", got)
			}
		})
	}
}

// ser2net's RFC 2217 accepter, its device absent, negotiates, says why
// and closes at once. The client hears that out before it writes: ser2net
// closing with a request of ours unread makes the kernel reset the
// connection, and what it had not sent yet (the refusal, on a loaded
// machine) is dropped; the error named no device (CI once). The fake
// plays the race's loss whenever the client spoke first.
func TestRFC2217RefusalBeforeTheClientSpeaks(t *testing.T) {
	const says = "\xff\xfb\x03\xff\xfd\x03\xff\xfb\x00\xff\xfd\x00\xff\xfd,Device open failure: Value or file not found\r\n"
	addr := fakeServer(t, func(c net.Conn) {
		time.Sleep(30 * time.Millisecond) // opening the device
		c.SetReadDeadline(time.Now().Add(time.Millisecond))
		if n, _ := c.Read(make([]byte, 64)); n > 0 {
			c.(*net.TCPConn).SetLinger(0) // a reset, and nothing said
			return
		}
		c.Write([]byte(says))
	})
	for i := range 5 {
		_, err := Open(context.Background(), "rfc2217://"+addr, Config{DialTimeout: 2 * time.Second})
		var r *RefusedError
		if !errors.As(err, &r) || r.Text != "Device open failure: Value or file not found" {
			t.Fatalf("open %d: %v", i+1, err)
		}
	}
}

// A tty another process has open already — a ser2net exporting it (as
// root it gets past TIOCEXCL, and it takes no lock), a cat, a console —
// is refused at open, naming the process: it would take the modem's
// answers. The process on the pty's other end (an emulator holding its
// master, and its slave open) is the modem, not a reader (outside tester
// sw128 F5).
func TestOpenRefusesATTYOthersHaveOpen(t *testing.T) {
	for _, tc := range []struct {
		name   string
		holds  func(m, s *os.File) []*os.File // what a child process holds
		refuse bool
	}{
		{"nobody else", nil, false},
		{"another process has the tty open", func(m, s *os.File) []*os.File { return []*os.File{s} }, true},
		{"the pty's other end (its emulator)", func(m, s *os.File) []*os.File { return []*os.File{m, s} }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			link := filepath.Join(t.TempDir(), "modem")
			m, s, err := pty.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			defer s.Close()
			if err := os.Symlink(s.Name(), link); err != nil {
				t.Fatal(err)
			}
			pid := 0
			if tc.holds != nil {
				cmd := exec.Command("sleep", "60")
				cmd.ExtraFiles = tc.holds(m, s)
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				defer func() { cmd.Process.Kill(); cmd.Wait() }()
				pid = cmd.Process.Pid
			}
			p, err := Open(context.Background(), link, Config{})
			if p != nil {
				p.Close()
			}
			want := fmt.Sprintf("%s: in use: other processes have it open: pid %d (sleep)", link, pid)
			switch {
			case tc.refuse && (!errors.Is(err, ErrInUse) || !strings.Contains(fmt.Sprint(err), want)):
				t.Errorf("%v, want %q", err, want)
			case !tc.refuse && err != nil:
				t.Errorf("refused: %v", err)
			}
		})
	}
}

// Against ser2net itself (kickolduser, as the README configures it): a
// client that connects to the raw port just after this one takes the
// port, and ser2net closes this one wordlessly as it opens. Open says
// that another client took it or holds it (the close does not tell
// which), and does not take the port back (outside tester sw128 F7).
func TestSer2netLaterClientTakesThePort(t *testing.T) {
	m, s := startSer2net(t)
	saved := refusalWait
	refusalWait = 10 * time.Second // the other client comes within it, however loaded the machine
	t.Cleanup(func() { refusalWait = saved })
	intruder := make(chan net.Conn, 1)
	go func() {
		// Once ser2net has this client's connection, the other connects.
		for !established(s.Raw) {
			time.Sleep(5 * time.Millisecond) // polling /proc, no event to wait on
		}
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.Raw))
		if err != nil {
			t.Error(err)
		}
		intruder <- c
	}()
	p, err := Open(context.Background(), s.RawAddr(), Config{})
	c := <-intruder
	if c == nil {
		return
	}
	defer c.Close()
	if err == nil {
		p.Close()
		t.Fatalf("open succeeded though another client took the port\nser2net: %s", s.Log())
	}
	if !strings.Contains(err.Error(), s.RawAddr()+": the server closed the connection as it opened (EOF): another client connected after this one and took the port") ||
		!strings.Contains(err.Error(), "not tried again") {
		t.Errorf("%v", err)
	}
	// The port is the other client's still: what it sends reaches the modem.
	if _, err := c.Write([]byte("AT\r")); err != nil {
		t.Fatal(err)
	}
	if got := readFull(t, m, 3); string(got) != "AT\r" {
		t.Errorf("the other client's line reached the modem as %q", got)
	}
}

// Against ser2net itself (kickolduser): the client that connects last
// gets the port, even while ser2net is still opening the device for the
// one before, which is closed; an earlier client never keeps it. The
// wording of a wordless close (ServerClosedWhy) rests on this (outside
// tester sw130 N7 took a holder that connected later for an earlier one).
func TestSer2netLastClientTakesThePort(t *testing.T) {
	m, s := startSer2net(t)
	for _, tc := range []struct {
		addr string
		port int
	}{{s.RawAddr(), s.Raw}, {s.RFC2217Addr(), s.RFC2217}} {
		t.Run(tc.addr[:strings.Index(tc.addr, ":")], func(t *testing.T) {
			earlier, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", tc.port))
			if err != nil {
				t.Fatal(err)
			}
			defer earlier.Close()
			p, err := Open(context.Background(), tc.addr, Config{})
			if err != nil {
				t.Fatalf("the later client: %v\nser2net: %s", err, s.Log())
			}
			defer p.Close()
			earlier.SetReadDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.Copy(io.Discard, earlier); err != nil {
				t.Errorf("the earlier client was not closed: %v", err)
			}
			if _, err := p.Write([]byte("AT\r")); err != nil {
				t.Fatal(err)
			}
			if got := readFull(t, m, 3); string(got) != "AT\r" {
				t.Errorf("the later client's line reached the modem as %q", got)
			}
		})
	}
}

// established reports an established TCP connection to the local port,
// from /proc/net/tcp (state 01).
func established(port int) bool {
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return false
	}
	want := fmt.Sprintf(":%04X", port)
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 3 && strings.HasSuffix(f[1], want) && f[3] == "01" {
			return true
		}
	}
	return false
}

// An RFC 2217 server that sets the line otherwise than asked is refused
// in a person's words — the rate, "no flow control" — never with a nil
// error or the raw bytes alone; a connection refused names its address
// once (outside tester sw128 F8: "(<nil>)", "the server answered server
// SET-CONTROL 02, asked for 01", "rfc2217://…: tcp://…: dial tcp").
func TestRFC2217SettingsRefusedInWords(t *testing.T) {
	for _, tc := range []struct {
		name string
		acks map[byte][]byte // the server's value per setting; others as asked
		want string
	}{
		{"baud", map[byte][]byte{telnet.CPSetBaudRate: {0, 0, 0x25, 0x80}}, "asked for 115200 baud, the server set 9600"},
		{"flow", map[byte][]byte{telnet.CPSetControl: {telnet.ControlFlowXonXoff}}, "asked for no flow control, the server set XON/XOFF flow control"},
		{"parity", map[byte][]byte{telnet.CPSetParity: {telnet.ParityEven}}, "asked for no parity, the server set even parity"},
		{"stop", map[byte][]byte{telnet.CPSetStopSize: {telnet.Stop2}}, "asked for 1 stop bit, the server set 2 stop bits"},
		{"data size", map[byte][]byte{telnet.CPSetDataSize: {7}}, "asked for 8 data bits, the server set 7 data bits"},
		{"unknown value", map[byte][]byte{telnet.CPSetControl: {0x42}}, "asked for no flow control, the server set SET-CONTROL 42"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := comPortAcks(t, tc.acks)
			_, err := Open(context.Background(), "rfc2217://"+addr, Config{DialTimeout: 2 * time.Second})
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "<nil>") || strings.Contains(err.Error(), "server SET-") {
				t.Errorf("%v, want %q", err, tc.want)
			}
		})
	}
	// Nothing listens on the port: one name, the one given.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	free := l.Addr().String()
	l.Close()
	for _, scheme := range []string{"tcp", "rfc2217"} {
		_, err := Open(context.Background(), scheme+"://"+free, Config{DialTimeout: 2 * time.Second})
		if err == nil || !strings.HasPrefix(err.Error(), scheme+"://"+free+": dial tcp") || strings.Count(err.Error(), "://") != 1 {
			t.Errorf("%s: %v, want the address named once", scheme, err)
		}
	}
}

// comPortAcks is an RFC 2217 server that agrees to COM-PORT-OPTION and
// confirms each setting with acks[cmd], or as asked.
func comPortAcks(t *testing.T, acks map[byte][]byte) string {
	return fakeServer(t, func(c net.Conn) { serveRFC2217Acks(c, acks) })
}

// ser2net's refusal can come after the watch (a loaded lab host, a long
// link): as the new connection's first line it is still a refusal, never
// the modem's text (outside tester o303: a late "Device open failure"
// was taken as the port back and written to at.log as the modem's line).
// A modem's first line that starts like one ("Port…") passes whole.
func TestSer2netRefusalAfterTheWatch(t *testing.T) {
	saved := refusalWait
	refusalWait = 30 * time.Millisecond
	t.Cleanup(func() { refusalWait = saved })
	for _, tc := range []struct{ says, want string }{
		{"\r\nDevice open failure: Value or file not found\r\n", ""},
		{"Device open failure: gone", ""}, // then the close, no line end
		{"\r\nPort 1 ready\r\n", "\r\nPort 1 ready\r\n"},
		{"\r\nOK\r\n", "\r\nOK\r\n"},
	} {
		addr := fakeServer(t, func(c net.Conn) {
			time.Sleep(300 * time.Millisecond)
			c.Write([]byte(tc.says))
			if tc.want != "" {
				<-waitClosed(c)
			}
		})
		p, err := Open(context.Background(), "tcp://"+addr, Config{})
		if err != nil {
			t.Fatalf("%q: open: %v", tc.says, err)
		}
		if tc.want != "" {
			if got := readFull(t, p, len(tc.want)); string(got) != tc.want {
				t.Errorf("read %q, want %q", got, tc.want)
			}
		} else {
			// A reader's deadline that passes first (the AT client polls
			// with them) is no answer either way.
			dl := p.(interface{ SetReadDeadline(time.Time) error })
			if err := dl.SetReadDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
				t.Fatal(err)
			}
			if n, err := p.Read(make([]byte, 64)); n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("%q: read %d bytes, %v before the refusal came; want the deadline", tc.says, n, err)
			}
			if err := dl.SetReadDeadline(time.Time{}); err != nil {
				t.Fatal(err)
			}
			n, err := p.Read(make([]byte, 64))
			var r *RefusedError
			if n != 0 || !errors.As(err, &r) || r.Text != strings.Trim(tc.says, "\r\n") {
				t.Errorf("%q: read %d bytes, %v; want ser2net's refusal", tc.says, n, err)
			}
		}
		p.Close()
	}
}
