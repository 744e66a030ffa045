package ser2net

import (
	"context"
	"errors"
	"strings"
	"testing"
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
