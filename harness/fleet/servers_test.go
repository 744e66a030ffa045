package fleet

import (
	"net"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/smdp"
)

// `esimhil serve --listen`: the platform gets the port asked for, each
// SM-DP+ another; a port in use is refused before any SM-DP+ starts, and
// names the platform.
func TestStartServersFixedPort(t *testing.T) {
	tp := loadTemplate(t, 1, 0)
	pki, err := NewPKI(tp.Base, 1)
	if err != nil {
		t.Fatal(err)
	}
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := free.Addr().String()
	free.Close()
	log := eventlog.NewPassing(clock.Wall{}.Now)
	sv, err := StartServers(tp.Base, pki, 1, clock.Wall{}, log, addr, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	defer sv.Close()
	if got := sv.Platform.Addr().String(); got != addr {
		t.Fatalf("platform on %s, asked for %s", got, addr)
	}
	if len(sv.SMDP) == 0 {
		t.Fatal("no SM-DP+ in the storm's base scenario")
	}
	for op, srv := range sv.SMDP {
		if a := srv.Addr(); !a.IsValid() || a.String() == addr {
			t.Errorf("SM-DP+ %s on %v", op, a)
		}
	}
	again, err := StartServers(tp.Base, pki, 1, clock.Wall{}, log, addr, nil, false)
	if err == nil {
		again.Close()
		t.Fatal("a second platform on the same port started")
	}
	if !strings.HasPrefix(err.Error(), "platform: listen tcp "+addr) {
		t.Fatalf("error %v, want the platform's listen error", err)
	}
}

// A URL without a host is refused by its shape, as one of another
// scheme is, not by what the resolver makes of an empty name.
func TestParseEndpoint(t *testing.T) {
	tests := []struct {
		raw, want string // want: the error's text, "" for none
	}{
		{"http://127.0.0.1:8080", ""},
		{"https://127.0.0.1", ""},
		{"http://", `"http://": no host: want http://host:port or https://host:port`},
		{"https://", `"https://": no host: want http://host:port or https://host:port`},
		{"http://:8080", `"http://:8080": no host: want http://host:port or https://host:port`},
		{"ftp://x", `"ftp://x": want http://host:port or https://host:port`},
		{"http://127.0.0.1:0", `"http://127.0.0.1:0": bad port "0"`},
		{"http://127.0.0.1/api", "no path please"},
		{"127.0.0.1:1", `"127.0.0.1:1": no scheme: want http://host:port or https://host:port`}, // not url.Parse's "first path segment …"
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			_, _, err := ParseEndpoint(tc.raw)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// Each SM-DP+ holds what it was sized for: esimhil serve's the emulator's
// defaults, a storm's in-process ones the storm's sessions and every
// finished order (r85 #11: serve held 1<<17 abandoned sessions for their
// TTL; t86 F9: and every finished order for good).
func TestStartServersSessionCap(t *testing.T) {
	tp := loadTemplate(t, 1, 0)
	pki, err := NewPKI(tp.Base, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name                   string
		storm                  bool
		sessions, finishedKept int
	}{
		{"serve", false, smdp.DefaultMaxSessions, smdp.DefaultMaxFinished},
		{"a storm", true, 1 << 17, stormOrders},
	} {
		sv, err := StartServers(tp.Base, pki, 1, clock.Wall{}, eventlog.NewPassing(clock.Wall{}.Now), "127.0.0.1:0", nil, tc.storm)
		if err != nil {
			t.Fatal(err)
		}
		for op, srv := range sv.SMDP {
			if got, kept := srv.MaxSessions(), srv.MaxFinished(); got != tc.sessions || kept != tc.finishedKept {
				t.Errorf("%s: SM-DP+ %s holds %d sessions and keeps %d finished orders, want %d, %d", tc.name, op, got, kept, tc.sessions, tc.finishedKept)
			}
		}
		sv.Close()
	}
}
