package atclient

import (
	"strings"
	"testing"
	"time"
)

// A modem that restarts says RDY and is back to its defaults: the client
// sets it up again at once, whether or not a command follows, and once.
func TestSetUpAfterBoot(t *testing.T) { onBothPorts(t, testSetUpAfterBoot) }

func testSetUpAfterBoot(t *testing.T, kind string) {
	ok := "\r\nOK\r\n"
	c, s := newScriptOn(t, kind, map[string]string{
		"AT": ok, "ATE0": ok, "AT+CMEE=2": ok,
		"AT+CFUN=1,1": ok + "\r\nRDY\r\n",
		"AT+CSQ":      "\r\n+CSQ: 20,99\r\n" + ok,
	}, WithTimeout(2*time.Second), WithSetUp(func(do func(string) (*Response, error)) error {
		for _, l := range []string{"ATE0", "AT+CMEE=2"} {
			if _, err := do(l); err != nil {
				return err
			}
		}
		return nil
	}, "RDY"))
	for _, l := range []string{"AT", "AT+CFUN=1,1"} {
		if _, err := c.Command(l); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.WaitURC("RDY", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	// A host that only awaits URCs sends nothing: the set-up goes out
	// by itself.
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(s.lines(), "AT+CMEE=2"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no set-up after RDY with no command sent: the modem got %s", s.lines())
		}
	}
	for _, l := range []string{"AT+CSQ", "AT+CSQ"} {
		if _, err := c.Command(l); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := s.lines(), "AT|AT+CFUN=1,1|ATE0|AT+CMEE=2|AT+CSQ|AT+CSQ"; got != want {
		t.Errorf("the modem got %s, want %s", got, want)
	}
}

// A USB modem re-enumerates as it restarts: once its port is back, the
// set-up goes out before the next command, and the trace says why.
func TestSetUpAfterPortBack(t *testing.T) {
	m := newPTYModem(t, t.TempDir())
	c, tw := reopeningClient(t, m.link, WithReconnect(5*time.Second),
		WithSetUp(func(do func(string) (*Response, error)) error { _, err := do("ATE0"); return err }, "RDY"))
	if _, err := c.Command("AT"); err != nil {
		t.Fatal(err)
	}
	m.unplug()
	time.Sleep(200 * time.Millisecond)
	m.plugIn()
	if _, err := c.Command("AT+CFUN?"); err != nil {
		t.Fatalf("after the port came back: %v", err)
	}
	got := tw.String()
	back := strings.Index(got, "# port back")
	why := strings.Index(got, "the port came back: its settings may be the defaults again")
	ate0 := strings.Index(got, "> ATE0")
	cfun := strings.Index(got, "> AT+CFUN?")
	if back < 0 || why < back || ate0 < why || cfun < ate0 {
		t.Errorf("trace, want the port back, the set-up, then the command:\n%s", got)
	}
}

// A port that drops after a command began but before its line went out
// (here while the client waits for an earlier command's late answer; on
// a bench, ser2net restarted in the 30 ms the client lets the line go
// quiet) comes back with the modem's defaults as one that dropped between
// commands does: the set-up goes out before that command line, not after
// it (outside tester o303: AT+CCHC=1 went out on the port back, then the
// set-up). The set-up may itself go unanswered (the modem still booting
// on the port back: o303's ATE0 sent as RDY came): the command line then
// waits for that late answer and resynchronises first, as after any
// command that timed out, rather than go out at once and take the
// set-up's answer for its own. want: trace marks in their order (the
// last of each, the command's first).
func TestSetUpBeforeMidCommandLine(t *testing.T) {
	for _, tc := range []struct {
		name, setUp string
		before      []string
		want        []string
	}{
		{"the port back", "ATE0", []string{"AT"}, []string{"# port back", "> ATE0"}},
		{"the set-up unanswered", "AT+SILENT", nil, []string{"> AT+SILENT", "# resynchronising after AT+SILENT"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newPTYModem(t, t.TempDir())
			c, tw := reopeningClient(t, m.link, WithTimeout(600*time.Millisecond), WithReconnect(5*time.Second),
				WithSetUp(func(do func(string) (*Response, error)) error { _, err := do(tc.setUp); return err }, "RDY"))
			for _, line := range tc.before {
				if _, err := c.Command(line); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := c.Command("AT+SILENT"); err == nil {
				t.Fatal("AT+SILENT answered")
			}
			done := make(chan error, 1)
			go func() { _, err := c.Command("AT+CSQ"); done <- err }()
			time.Sleep(150 * time.Millisecond) // AT+CSQ waits for AT+SILENT's late answer
			m.unplug()
			time.Sleep(200 * time.Millisecond)
			m.plugIn()
			if err := <-done; err != nil {
				t.Fatalf("after the port came back: %v\n%s", err, tw.String())
			}
			got := tw.String()
			at := -1
			for _, mark := range append(tc.want, "> AT+CSQ") {
				i := strings.LastIndex(got, mark)
				if mark == "> AT+CSQ" {
					i = strings.Index(got, mark)
				}
				if i < 0 || i < at {
					t.Fatalf("trace, want %q in this order:\n%s", append(tc.want, "> AT+CSQ"), got)
				}
				at = i
			}
		})
	}
}
