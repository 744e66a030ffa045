package ser2net

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfig(t *testing.T) {
	got := Export{Device: "/dev/esimhil-modem", Raw: 3001, RFC2217: 3002, Host: "0.0.0.0"}.Config()
	for _, want := range []string{
		"%YAML 1.1\n---\n",
		"connection: &modem-raw\n  accepter: tcp,0.0.0.0,3001\n  connector: serialdev,/dev/esimhil-modem,115200n81,local\n",
		"connection: &modem-rfc2217\n  accepter: telnet(rfc2217),tcp,0.0.0.0,3002\n",
		"    kickolduser: true\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("config lacks %q:\n%s", want, got)
		}
	}
}

// Without ser2net the tests fail, saying how to get it, instead of
// skipping.
func TestMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	saved := installed
	installed = nil
	defer func() { installed = saved }()
	_, err := Start(context.Background(), "/dev/null", t.TempDir())
	if !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), "run ci/install.sh") {
		t.Errorf("%v", err)
	}
}

// ser2net listens before the device exists: it opens it per connection,
// so a modem that re-enumerates behind it is picked up again.
func TestStartsWithoutTheDevice(t *testing.T) {
	s, err := Start(context.Background(), "/nonexistent/tty", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if !strings.HasPrefix(s.RawAddr(), "tcp://127.0.0.1:") || !strings.HasPrefix(s.RFC2217Addr(), "rfc2217://127.0.0.1:") {
		t.Errorf("%s %s", s.RawAddr(), s.RFC2217Addr())
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
}

// A ser2net that never listens is given up after listenWait, and the
// refusal names that bound, not a number of its own.
func TestNotListeningNamesTheBound(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "ser2net")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\necho 'a connection line it cannot use'\nexec sleep 60\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	saved := listenWait
	listenWait = 300 * time.Millisecond
	defer func() { listenWait = saved }()
	ports, err := freePorts(2)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Export{Device: "/dev/null", Raw: ports[0], RFC2217: ports[1]}.run(context.Background(), bin, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "not listening on ports") || !strings.Contains(err.Error(), "after 300ms:") {
		t.Fatalf("%v", err)
	}
}
