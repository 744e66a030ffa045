// Package ser2net runs Debian's ser2net (4.x, YAML configuration) to export
// a tty on loopback TCP ports, once as raw TCP and once as telnet with the
// COM-PORT option (RFC 2217), the way a lab host shares its modems. Tests
// use it to put the emulator's pty behind a real third-party serial server;
// Config renders the same YAML that the README shows for a lab host.
package ser2net

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/esimhil/esimhil/internal/stall"
)

// ErrMissing says how to get ser2net when it is not installed.
var ErrMissing = errors.New("ser2net not found on PATH: run ci/install.sh (it installs the Debian package ser2net)")

// Export is one serial device exported on two TCP ports.
type Export struct {
	Device  string // the tty ser2net opens (a symlink to a pty works)
	Raw     int    // accepter: tcp,PORT
	RFC2217 int    // accepter: telnet(rfc2217),tcp,PORT
	Line    string // line settings, default "115200n81"
	Host    string // address to listen on, default 127.0.0.1
}

// Config renders ser2net's YAML for the export: `local` because a modem's
// USB port has no modem-control lines worth waiting for, `kickolduser` so
// that a harness reconnecting after a dropped connection is never locked
// out by its own stale session.
func (e Export) Config() string {
	line, host := e.Line, e.Host
	if line == "" {
		line = "115200n81"
	}
	if host == "" {
		host = "127.0.0.1"
	}
	var b strings.Builder
	b.WriteString("%YAML 1.1\n---\n")
	conn := func(alias, accepter string) {
		fmt.Fprintf(&b, "connection: &%s\n  accepter: %s\n  connector: serialdev,%s,%s,local\n  options:\n    kickolduser: true\n", alias, accepter, e.Device, line)
	}
	if e.Raw != 0 {
		conn("modem-raw", fmt.Sprintf("tcp,%s,%d", host, e.Raw))
	}
	if e.RFC2217 != 0 {
		conn("modem-rfc2217", fmt.Sprintf("telnet(rfc2217),tcp,%s,%d", host, e.RFC2217))
	}
	return b.String()
}

// Server is a running ser2net.
type Server struct {
	Export
	cmd  *exec.Cmd
	dir  string
	out  *syncWriter
	done chan struct{}
}

// RawAddr and RFC2217Addr are the transport addresses of the two ports.
func (s *Server) RawAddr() string { return fmt.Sprintf("tcp://%s:%d", s.Host, s.Raw) }

func (s *Server) RFC2217Addr() string { return fmt.Sprintf("rfc2217://%s:%d", s.Host, s.RFC2217) }

// Start exports device on two free loopback ports. dir receives the YAML
// configuration and ser2net's log. It returns once both ports accept.
func Start(ctx context.Context, device, dir string) (*Server, error) {
	if err := supported(); err != nil {
		return nil, err
	}
	bin, err := lookPath()
	if err != nil {
		return nil, err
	}
	var last error
	for range 5 { // a free port can be taken between our probe and ser2net's bind
		s, err := start(ctx, bin, device, dir)
		if err == nil {
			return s, nil
		}
		last = err
	}
	return nil, last
}

func start(ctx context.Context, bin, device, dir string) (*Server, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	return Export{Device: device, Raw: ports[0], RFC2217: ports[1], Host: "127.0.0.1"}.run(ctx, bin, dir)
}

// run starts ser2net on the export's ports.
func (e Export) run(ctx context.Context, bin, dir string) (*Server, error) {
	s := &Server{Export: e, dir: dir, done: make(chan struct{})}
	ports := []int{e.Raw, e.RFC2217}
	cfg := filepath.Join(dir, "ser2net.yaml")
	if err := os.WriteFile(cfg, []byte(s.Config()), 0o644); err != nil {
		return nil, fmt.Errorf("ser2net config: %w", err)
	}
	// -n: stay in the foreground; -d: log to stdout; -u: no UUCP lock
	// files in /var/lock (a pty needs none, and parallel runs must not
	// share them).
	s.cmd = exec.Command(bin, "-n", "-d", "-u", "-c", cfg)
	s.out = &syncWriter{b: new(bytes.Buffer)}
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	s.cmd.SysProcAttr = procAttr()
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start ser2net: %w", err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	// Wait until both ports listen, watching /proc/net/tcp rather than
	// connecting: a probe connection makes ser2net open the device, and
	// the real client would race with its close.
	// Of the time this process ran: ports ser2net opened while it was
	// stopped are found, not timed out (t192).
	w := stall.Begin(nil, listenWait)
	for !listening(ports) {
		if w.Left(time.Now()) <= 0 {
			s.Stop()
			// ser2net keeps running on a bad connection line, so its log
			// is the only witness.
			return nil, fmt.Errorf("ser2net not listening on ports %v after %v: %s", ports, listenWait, s.Log())
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("ser2net exited: %s", s.Log())
		case <-ctx.Done():
			s.Stop()
			return nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return s, nil
}

// listenWait bounds how long ser2net takes to listen on its ports (a
// variable only for a test to shorten; the refusal names it).
var listenWait = 5 * time.Second

// Restart stops ser2net and starts it again on the same ports (a lab
// host's ser2net restarted under its clients: every TCP connection drops).
func (s *Server) Restart(ctx context.Context) (*Server, error) {
	s.Stop()
	bin, err := lookPath()
	if err != nil {
		return nil, err
	}
	return s.Export.run(ctx, bin, s.dir)
}

// Log is what ser2net printed so far.
func (s *Server) Log() string {
	s.out.mu.Lock()
	defer s.out.mu.Unlock()
	return strings.TrimSpace(s.out.b.String())
}

// Stop ends ser2net (SIGTERM, then SIGKILL after 2 s) and waits for it.
func (s *Server) Stop() error {
	if s == nil || s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	select {
	case <-s.done:
		return nil
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	// The 2 s are of the time this process ran: ser2net may have ended
	// while it was stopped.
	t := stall.Begin(nil, 2*time.Second).NewTimer()
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return nil
		case now := <-t.C:
			if !t.Out(now) {
				continue
			}
			s.cmd.Process.Kill()
			<-s.done
			return nil
		}
	}
}

// listening reports whether every port has a listening IPv4 socket, from
// /proc/net/tcp (local address as hex IP:port, state 0A = LISTEN).
func listening(ports []int) bool {
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return false
	}
	for _, p := range ports {
		want := fmt.Sprintf(":%04X ", p)
		found := false
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) > 3 && strings.HasSuffix(f[1]+" ", want) && f[3] == "0A" {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// installed is where Debian's package puts the binary.
var installed = []string{"/usr/sbin/ser2net", "/usr/bin/ser2net"}

// lookPath finds ser2net on the PATH, or where Debian installs it (a
// PATH without the sbin directories is common outside a login shell).
func lookPath() (string, error) {
	if p, err := exec.LookPath("ser2net"); err == nil {
		return p, nil
	}
	for _, p := range installed {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", ErrMissing
}

// freePorts finds n loopback ports nobody listens on.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
