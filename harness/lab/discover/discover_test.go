package discover

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/lab"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/harness/transport"
	"github.com/esimhil/esimhil/internal/answerpty"
	"github.com/esimhil/esimhil/internal/answertcp"
	"github.com/esimhil/esimhil/internal/personality"
)

const fakes = "../../../fixtures/sysfs"

func TestScanLabBench(t *testing.T) {
	devs, err := Scan(filepath.Join(fakes, "lab-bench"))
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		id, at, pers, serial string
		ports                int
		modem                bool
	}
	var got []row
	for _, d := range devs {
		r := row{id: strings.ToLower(strings.TrimSpace(Table([]Device{d})[strings.Index(Table([]Device{d}), "\n")+1:][:9])),
			at: d.ATPort, serial: d.Serial, ports: len(d.Ports), modem: d.Modem}
		if d.Known != nil {
			r.pers = d.Known.Personality
		}
		got = append(got, r)
	}
	want := []row{
		{"2c7c:0125", "ttyUSB2", "quectel-eg25", "", 4, true},
		{"1e0e:9011", "ttyUSB6", "simcom-a7600", "0123456789ABCDEF", 5, true},
		{"1199:9091", "ttyUSB11", "sierra-em7511", "UF92385714031025", 3, true},
		{"2cb7:0007", "ttyACM0", "fibocom-l850", "004999010640000", 2, true},
		{"0403:6001", "", "", "A50285BI", 1, false},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d devices:\n%s", len(got), Table(devs))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("device %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	// Every personality named in the table exists.
	for _, k := range KnownModems {
		if _, err := personality.Load(k.Personality); err != nil {
			t.Errorf("%s: %v", k.Name, err)
		}
	}
	tab := Table(devs)
	for _, s := range []string{"2c7c:0125  Quectel EC25/EG25-G", "0:ttyUSB0(option) 1:ttyUSB1(option) 2:ttyUSB2(option) 3:ttyUSB3(option)",
		"2:ttyACM0(cdc_acm)", "not a modem: FTDI FT232R"} {
		if !strings.Contains(tab, s) {
			t.Errorf("table lacks %q:\n%s", s, tab)
		}
	}
}

func TestScanNoModem(t *testing.T) {
	devs, err := Scan(filepath.Join(fakes, "no-modem"))
	if err != nil || len(devs) != 1 || devs[0].Modem {
		t.Fatalf("%+v %v", devs, err)
	}
	if _, err := Scan(t.TempDir()); err == nil || !strings.Contains(err.Error(), "is "+os.TempDir()) && !strings.Contains(err.Error(), "a sysfs tree") {
		t.Errorf("not a sysfs tree: %v", err)
	}
	// A tty whose device link leads nowhere USB.
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "class/tty/ttyUSB0"), 0o755)
	os.MkdirAll(filepath.Join(root, "devices/platform/serial8250/tty0"), 0o755)
	os.Symlink("../../../devices/platform/serial8250/tty0", filepath.Join(root, "class/tty/ttyUSB0/device"))
	if _, err := Scan(root); err == nil || !strings.Contains(err.Error(), "ttyUSB0: not a USB tty") {
		t.Errorf("%v", err)
	}
}

// Probing the emulator under each personality proposes that personality.
func TestProbeEveryPersonality(t *testing.T) {
	s, err := scenario.Load("../../../fixtures/scenarios/lab-home.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range personality.Names() {
		t.Run(name, func(t *testing.T) {
			pr := probeEmulated(t, s, name)
			if pr.Personality != name || pr.ICCID != "89330100000000000012" {
				t.Errorf("proposal:\n%s", pr)
			}
		})
	}
}

// probeEmulated probes the emulated device of scenario s under the named
// personality, as lab discover --probe does a real one.
func probeEmulated(t *testing.T, s *scenario.Scenario, name string) Proposal {
	t.Helper()
	r, err := harness.NewRig(s, harness.Options{Seed: 1, Dir: t.TempDir(), Capture: capture.Tap, NoHost: true, Personality: name})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c, err := atclient.Open(r.Modem.Path(), atclient.WithTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	pr, err := Probe(c)
	if err != nil {
		t.Fatal(err)
	}
	return pr
}

// A modem that finds no card says so once a command, and the proposal
// says the card is missing, not only that no ICCID command answered.
func TestProbeNoCard(t *testing.T) {
	s, err := scenario.Load("../../../fixtures/scenarios/lab-home.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s.Faults = append(s.Faults, scenario.Fault{Kind: scenario.CardAbsent})
	text := probeEmulated(t, s, "generic").String()
	if strings.Count(text, "AT+CCID: SIM not inserted") != 1 || !strings.Contains(text, "the modem finds no card") {
		t.Errorf("proposal:\n%s", text)
	}
}

// A GPS port streaming NMEA sentences is refused, saying why.
func TestProbeRefusesNonModem(t *testing.T) {
	master, port := answerpty.Master(t)
	go func() {
		for range 100 {
			if _, err := master.Write([]byte("$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n")); err != nil {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	c, err := atclient.Open(port, atclient.WithTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = Probe(c)
	if err == nil || !strings.Contains(err.Error(), lab.ErrNotAModem.Error()) || !strings.Contains(err.Error(), "refusing "+port) {
		t.Errorf("%v", err)
	}
}

// The probe and a lab run use one rule (lab.Propose), and the probe says
// its real reason: an EG25 whose AT+QCCID answers +CCID: is proposed
// generic because of that answer, not because no pattern matched.
func TestProbeSaysWhyTheIdentityDidNotDecide(t *testing.T) {
	const iccid = "89330100000000000012"
	for _, tc := range []struct {
		name  string
		qccid string
		want  string
		why   string
	}{
		{"+QCCID answers", "+QCCID: " + iccid, "quectel-eg25", "the identity matches quectel-eg25"},
		{"+QCCID answers +CCID:", "+CCID: " + iccid, "generic", `but its AT+QCCID did not read the ICCID (AT+QCCID: no "+QCCID: " line in ["+CCID: ` + iccid + `"])`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			port := answerpty.Open(t, func(l string) string {
				switch strings.ToUpper(strings.TrimSpace(l)) {
				case "ATI":
					return "\r\nQuectel\r\nEG25\r\nRevision: EG25GGBR07A08M2G\r\n\r\nOK\r\n"
				case "AT+QCCID":
					return "\r\n" + tc.qccid + "\r\n\r\nOK\r\n"
				case "AT+CCID":
					return "\r\n+CCID: " + iccid + "\r\n\r\nOK\r\n"
				case "AT+CICCID", "AT!ICCID?":
					return "\r\nERROR\r\n"
				}
				return "\r\nOK\r\n"
			})
			c, err := atclient.Open(port, atclient.WithTimeout(2*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			pr, err := Probe(c)
			if err != nil {
				t.Fatal(err)
			}
			why := strings.Join(pr.Reasons, "; ")
			if pr.Personality != tc.want || !strings.Contains(why, tc.why) || strings.Contains(why, "no vendor pattern matches") {
				t.Errorf("%s: %s, want %s and %q", tc.name, pr, tc.want, tc.why)
			}
		})
	}
}

// A modem read at the wrong baud rate or parity: its answers are bytes
// that form no line. The probe refuses it saying so, not as a silent or
// foreign port.
func TestProbeRefusesGarbleAsWrongBaud(t *testing.T) {
	master, port := answerpty.Master(t)
	go func() {
		buf := make([]byte, 64)
		for {
			if _, err := master.Read(buf); err != nil {
				return
			}
			if _, err := master.Write([]byte("\xbb(1\x8d\xbb(")); err != nil {
				return
			}
		}
	}()
	c, err := atclient.Open(port, atclient.WithTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = Probe(c)
	if err == nil || !strings.Contains(err.Error(), "not a modem's AT port: bytes but no line or final result to AT (ATV1 not sent: the port answered nothing in step, only bytes that are no answer, not even to ATS3?), in ") ||
		!strings.Contains(err.Error(), "wrong BAUD or parity?") || strings.Contains(err.Error(), "GPS") || strings.Contains(err.Error(), "no OK to AT") {
		t.Errorf("%v", err)
	}
}

// A modem too busy for the probe (ATI answered after 1 s, the probe
// giving each command 200 ms) gets no proposal that passes for one: the
// probe fails naming what went unanswered, rather than exit 0 with an
// empty identity (outside tester sw62, N18).
func TestProbeRefusesAnUnansweredIdentity(t *testing.T) {
	port := answerpty.Open(t, func(l string) string {
		switch l {
		case "ATI":
			time.Sleep(time.Second) // busy: what comes meanwhile waits
			return "\r\nQuectel\r\nEG25\r\nRevision: EG25GGBR07A08M2G\r\n\r\nOK\r\n"
		case "ATS3?":
			return "\r\n013\r\n\r\nOK\r\n"
		}
		return "\r\nOK\r\n"
	})
	c, err := atclient.Open(port, atclient.WithTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = Probe(c)
	if !errors.Is(err, ErrUnanswered) || !strings.Contains(err.Error(), "ATI") || !strings.Contains(err.Error(), "--timeout") {
		t.Errorf("%v", err)
	}
}

// A port that goes away in the middle of the probe (ser2net stopped, the
// USB modem pulled) is no proposal: the probe says the port went, where
// it exited 0 with an empty identity (outside tester sw73).
func TestProbePortGoneMidway(t *testing.T) {
	link := answertcp.Serve(t, func(n int, in string) (string, bool) {
		switch {
		case n > 1:
			return "", true // every reconnection hung up at once: gone
		case in == "":
			return "", false
		case strings.HasPrefix(in, "ATI"):
			return "", true
		}
		return "\r\nOK\r\n", false
	})
	p, err := transport.Open(context.Background(), link, transport.Config{})
	if err != nil {
		t.Fatal(err)
	}
	c := atclient.New(p, atclient.WithTimeout(300*time.Millisecond), atclient.WithReconnect(500*time.Millisecond))
	defer c.Close()
	_, err = Probe(c)
	if err == nil || !strings.Contains(err.Error(), "during the probe") {
		t.Errorf("Probe: %v", err)
	}
}

// A modem that sends every final result twice: the probe's commands each
// get their own answer (the client waits for the port to fall quiet), and
// the probe fails saying the modem sent results with no command pending,
// never a proposal that passes (outside tester sw128 F6: the same modem
// proposed one way or the other from run to run, exit 0).
func TestProbeRefusesDoubledFinalResults(t *testing.T) {
	port := answerpty.Open(t, func(l string) string {
		switch strings.TrimSpace(l) {
		case "ATI", "AT+CGMM":
			return "\r\nFakeModem X1\r\n\r\nOK\r\n\r\nOK\r\n"
		case "AT+CGMI":
			return "\r\nFakeCo\r\n\r\nOK\r\n\r\nOK\r\n"
		case "AT+CCID":
			return "\r\n+CCID: 89330100000000000012\r\n\r\nOK\r\n\r\nOK\r\n"
		}
		return "\r\nOK\r\n\r\nOK\r\n"
	})
	c, err := atclient.Open(port, atclient.WithTimeout(time.Second), atclient.WithQuiet(lab.Quiet))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	pr, err := Probe(c)
	if err == nil || !strings.Contains(err.Error(), "final result(s) with no command pending during the probe") {
		t.Fatalf("%v: %+v", err, pr)
	}
	if !slices.Contains(pr.Identity, "FakeCo") {
		t.Errorf("identity %q: the +CGMI answer went elsewhere", pr.Identity)
	}
}
