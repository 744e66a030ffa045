package field

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestCEERCause: the EMM cause a +CEER answer gives, by number or by the
// text 27.007 gives its +CME ERROR 100 + cause.
func TestCEERCause(t *testing.T) {
	for _, tc := range []struct {
		text string
		want int
	}{
		{`+CEER: "PLMN not allowed"`, 11},
		{`+CEER: "EMM cause 11: PLMN not allowed"`, 11},
		{`+CEER: "roaming not allowed in this location area"`, 13},
		{`+CEER: LTE EMM cause #15`, 15},
		{`+CEER: "Roaming not allowed in this tracking area"`, 13}, // TS 24.301's name
		{`+CEER: "No cause information available"`, 0},
		{`+CEER: "EMM cause 300"`, 0}, // one octet (outside review sw114)
		{`+CEER: "SIM failure"`, 0},   // a +CME text, no EMM cause
		{`+CSQ: 20,99`, 0},
	} {
		if got := ceerCause(tc.text); got != tc.want {
			t.Errorf("ceerCause(%q) = %d, want %d", tc.text, got, tc.want)
		}
	}
}

// TestDenialCauses: a denial with no cause of its own takes the one a
// +CEER after it gives (outside tester sw101: the draft said the log gave
// none); placed on no network the logs name, it is a to-do with that
// cause, not a fault on a network without a cell. A denial on a network
// the modem names is that network's fault, the subscriber's beside it
// (sw101: a national roaming network's #11 put on the home network).
func TestDenialCauses(t *testing.T) {
	head := "[0.000] > AT+CIMI\n[0.010] < 208019876543210\n[0.011] < OK\n"
	for _, tc := range []struct {
		name, log string
		fault     string // in the scenario, "" for none
		todo      string
	}{
		{"+CEER after the only denial", head + "[10.000] < +CEREG: 3\n[10.500] > AT+CEER\n[10.510] < +CEER: \"PLMN not allowed\"\n[10.511] < OK\n",
			"", "orange-fr's network rejected its subscriber with EMM cause #11 at plain.log:4"},
		{"+CEER after an unplaced denial", head + "[1.000] > AT+CEREG?\n[1.010] < +CEREG: 0,1\n[1.011] < OK\n" +
			"[10.000] < +CEREG: 3\n[10.500] > AT+CEER\n[10.510] < +CEER: \"PLMN not allowed\"\n[10.511] < OK\n",
			"", "the registration denied at plain.log:7 with EMM cause #11 is on a network the logs neither name nor place"},
		{"the named network's denial", head + "[5.000] > AT+CEREG=3\n[5.010] < OK\n[6.000] > AT+COPS?\n[6.010] < +COPS: 0,2,\"20810\",7\n[6.011] < OK\n" +
			"[6.100] > AT+CEREG?\n[6.110] < +CEREG: 3,5,\"1A2B\",\"01A2D301\",7\n[6.111] < OK\n[10.000] < +CEREG: 3,\"1A2B\",\"01A2D301\",7,0,11\n",
			"{attach_reject: 11, operator: sfr, subscriber: orange-fr,", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := reconstruct(t, writeFixture(t, "deny", map[string]string{ManifestFile: strings.Replace(cnFRManifest("deny", "quectel-eg25"), "  operators:\n", "  operators:\n    - {id: sfr, plmn: \"20810\", country: FR}\n", 1), "plain.log": tc.log}), Options{})
			y := string(p.ScenarioYAML)
			if tc.fault != "" && !strings.Contains(y, tc.fault) {
				t.Errorf("scenario lacks %s:\n%s\n%s", tc.fault, y, strings.Join(p.Assumptions, "\n"))
			}
			if tc.todo != "" && !strings.Contains(strings.Join(p.ToDo, "\n"), tc.todo) {
				t.Errorf("to-dos lack %q:\n%s", tc.todo, strings.Join(p.ToDo, "\n"))
			}
		})
	}
}

// TestSearchThenDenial: a registered device that searches and is denied
// within the minute was dropped and refused by the network: a dead zone
// until the attach the reject answers, not to the end (which would leave
// the reject unshown), and not itself the failure (outside tester sw101).
func TestSearchThenDenial(t *testing.T) {
	log := "[0.000] > AT+CIMI\n[0.010] < 208019876543210\n[0.011] < OK\n[1.000] > AT+CEREG=3\n[1.010] < OK\n" +
		"[2.000] > AT+CEREG?\n[2.010] < +CEREG: 3,1,\"1A2B\",\"01A2D301\",7\n[2.011] < OK\n" +
		"[100.000] < +CEREG: 2\n[112.000] < +CEREG: 3,\"1A2B\",\"01A2D301\",7,0,11\n"
	p := reconstruct(t, writeFixture(t, "drop", map[string]string{ManifestFile: cnFRManifest("drop", "quectel-eg25"), "plain.log": log}), Options{})
	y := string(p.ScenarioYAML)
	for _, want := range []string{
		"{attach_reject: 11, operator: orange-fr, subscriber: orange-fr, from: 2m1s, until: 2m3s}",
		"{coverage: lost, from: 1m50s, until: 2m1.5s}",
	} {
		if !strings.Contains(y, want) {
			t.Errorf("scenario lacks %s:\n%s", want, y)
		}
	}
	if lost := p.LostRegistrations(); len(lost) != 0 {
		t.Errorf("lost registrations %v, want none: the denial is what went wrong", lost)
	}
}

// TestFailureOnAnUnplayedPort: a failure line on an AT port the manifest
// does not play is refused where it is given: the replay would compare
// nothing there and say it followed the logs through it (outside tester
// sw101).
func TestFailureOnAnUnplayedPort(t *testing.T) {
	mm := "<dbg> [1772445601.105911] [ttyUSB2/at] --> 'AT+CPIN?<CR>'\n" +
		"<dbg> [1772445601.109011] [ttyUSB2/at] <-- '<CR><LF>+CPIN: READY<CR><LF><CR><LF>OK<CR><LF>'\n" +
		"<dbg> [1772445601.305911] [ttyUSB3/at] <-- '<CR><LF>+CEREG: 3<CR><LF>'\n"
	manifest := func(port string) string {
		return "name: ports\nsource: \"a test\"\nlogs:\n  - {file: mm.log, format: mm, port: " + port + "}\n" +
			"device:\n  personality: quectel-eg25\nexpected: \"registered\"\nfailure: {log: mm.log, line: 3, what: \"denied\"}\nexpect: reproduces\n"
	}
	_, err := Load(writeFixture(t, "ports", map[string]string{ManifestFile: manifest("ttyUSB2"), "mm.log": mm}))
	if want := "failure.line: mm.log:3 is AT port ttyUSB3's, which the replay does not play (port: ttyUSB2): name a line of that port, or give port: all"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want %q", err, want)
	}
	if _, err := Load(writeFixture(t, "ports", map[string]string{ManifestFile: manifest("all"), "mm.log": mm})); err != nil {
		t.Errorf("port: all: %v", err)
	}
}

// TestDeniedFromThePowerOnUntimed: a log without times that shows the
// device searching, then denied, and never registered, with the
// manifest's reject for its network: the device meets the reject at its
// power-on attach, not out of coverage throughout (outside tester sw105:
// the manifest's fault, as the to-do asked, changed nothing), and the
// URCs of that attach, before the logs, are not compared.
func TestDeniedFromThePowerOnUntimed(t *testing.T) {
	log := "> AT+CEREG=2\n< OK\n< +CEREG: 2,\"0B2C\",\"01A2B3C4\",7\n< +CEREG: 3,\"0B2C\",\"01A2B3C4\",7\n> AT+CPIN?\n< +CPIN: READY\n< OK\n"
	manifest := orangePlain("untimed", "generic") + "faults:\n  - {attach_reject: 15, operator: orange-fr}\n"
	p := reconstruct(t, writeFixture(t, "untimed", map[string]string{ManifestFile: manifest, "host.log": log}), Options{})
	if assumed(p, "out of coverage throughout") || !assumed(p, "the device is in FR from the start, where its attach meets it") {
		t.Errorf("assumptions:\n%s", strings.Join(p.Assumptions, "\n"))
	}
	if want := []Src{{"host.log", 3}, {"host.log", 4}}; !slices.Equal(p.Unshown, want) {
		t.Errorf("unshown %v, want %v", p.Unshown, want)
	}
}

// TestCinterionICCID: Cinterion's AT^SCID reads the ICCID (outside tester
// sw105: the draft made one up).
func TestCinterionICCID(t *testing.T) {
	if prefix, ok := ICCIDAnswer("^SCID: 89372020001234567890"); !ok || prefix != "^SCID: " {
		t.Errorf("ICCIDAnswer = %q, %v", prefix, ok)
	}
	// Sequans' answer names the operator after the ICCID (sw107).
	if prefix, ok := ICCIDAnswer(`+SQNCCID: "89882280666012345678",""`); !ok || prefix != "+SQNCCID: " {
		t.Errorf("ICCIDAnswer(+SQNCCID) = %q, %v", prefix, ok)
	}
	log := "> AT^SCID\n< ^SCID: 89330100005021044451\n< OK\n"
	f, err := Load(writeFixture(t, "scid", map[string]string{ManifestFile: orangePlain("scid", "generic"), "host.log": log}))
	if err != nil {
		t.Fatal(err)
	}
	fs := Extract(f, nil, nil)
	if len(fs.Identities) != 1 || fs.Identities[0].ICCID != "89330100005021044451" {
		t.Errorf("identities %+v", fs.Identities)
	}
}

// TestModemManagerRegistrationState: ModemManager's own line for a
// registration state change is a registration when no AT line shows one
// beside it (outside tester sw107: a journal of a modem registered at
// home read as never registered); beside the +CEREG URC it follows, it
// adds nothing.
func TestModemManagerRegistrationState(t *testing.T) {
	const (
		state = "Dec 05 10:14:02 gw ModemManager[712]: <info>  [1764929642.140113] [modem0] 3GPP registration state changed (unknown -> home)\n"
		urc   = "Dec 05 10:14:02 gw ModemManager[712]: <debug> [1764929642.139000] [ttyUSB2/at] <-- '<CR><LF>+CEREG: 1<CR><LF>'\n"
		cpin  = "Dec 05 10:14:00 gw ModemManager[712]: <debug> [1764929640.100000] [ttyUSB2/at] --> 'AT+CPIN?<CR>'\n" +
			"Dec 05 10:14:00 gw ModemManager[712]: <debug> [1764929640.110000] [ttyUSB2/at] <-- '<CR><LF>+CPIN: READY<CR><LF><CR><LF>OK<CR><LF>'\n"
	)
	manifest := func(name string) string {
		return "name: " + name + "\nsource: \"a test\"\nlogs:\n  - {file: mm.log, format: mm}\ndevice:\n  personality: quectel-eg25\n" +
			"  profiles:\n    - {iccid: \"89330100005021044451\", operator: orange-fr, enabled: true}\nnetwork:\n  operators:\n    - {id: orange-fr, plmn: \"20801\", country: FR}\n" +
			"expected: \"registered\"\nfailure: {log: mm.log, line: 1, what: \"none\"}\nexpect: reproduces\n"
	}
	for _, tc := range []struct {
		name, log string
		want      []int // the registrations' stats
	}{
		{"state alone", cpin + state, []int{1}},
		{"beside its URC", cpin + urc + state, []int{1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Load(writeFixture(t, "mm", map[string]string{ManifestFile: manifest("mm"), "mm.log": tc.log}))
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, r := range Extract(f, nil, nil).Regs {
				got = append(got, r.Stat)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("registrations %v, want %v", got, tc.want)
			}
		})
	}
}

// TestDerivedRejectFromThePowerOn: in a log without times, the reject a
// first denial shows (its cause from +CEER) is the power-on attach's: its
// window opens at 0, not a second before the logs' one instant (outside
// tester sw107: the device registered at its power-on and answered +COPS
// as registered).
func TestDerivedRejectFromThePowerOn(t *testing.T) {
	log := "> AT+CEREG=2\n< OK\n< +CEREG: 2,\"0B2C\",\"01A2B3C4\",7\n< +CEREG: 3,\"0B2C\",\"01A2B3C4\",7\n" +
		"> AT+CEER\n< +CEER: \"EMM cause 15: no suitable cells in tracking area\"\n< OK\n"
	p := reconstruct(t, writeFixture(t, "untimed", map[string]string{ManifestFile: orangePlain("untimed", "generic"), "host.log": log}), Options{})
	if y := string(p.ScenarioYAML); !strings.Contains(y, "{attach_reject: 15, operator: orange-fr, subscriber: orange-fr, tac: 0x0B2C, from: 0s,") {
		t.Errorf("scenario:\n%s", y)
	}
}

// TestICCIDReadThroughCRSMUnquoted: an Android RIL's log shows +CRSM's
// answer bare, its hex unquoted: the ICCID all the same (outside tester
// sw109: the draft made one up).
func TestICCIDReadThroughCRSMUnquoted(t *testing.T) {
	log := "> AT+CRSM=176,12258,0,0,10\n< +CRSM: 144,0,98331000000512404415\n< OK\n"
	f, err := Load(writeFixture(t, "crsm", map[string]string{ManifestFile: orangePlain("crsm", "generic"), "host.log": log}))
	if err != nil {
		t.Fatal(err)
	}
	if ids := Extract(f, nil, nil).Identities; len(ids) != 1 || ids[0].ICCID != "89330100005021044451" {
		t.Errorf("identities %+v", ids)
	}
}

// TestCEERBeforeTheDenial: in a log without times, a +CEER answer before
// the denial is not its cause: the lines' order decides where the times
// tie (outside review sw114).
func TestCEERBeforeTheDenial(t *testing.T) {
	log := "> AT+CEER\n< +CEER: \"PLMN not allowed\"\n< OK\n> AT+CEREG?\n< +CEREG: 0,3\n< OK\n"
	f, err := Load(writeFixture(t, "ceer", map[string]string{ManifestFile: orangePlain("ceer", "generic"), "host.log": log}))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range Extract(f, nil, nil).Regs {
		if r.Stat == 3 && r.Cause != 0 {
			t.Errorf("denial %s given cause #%d by a +CEER before it", r.Src, r.Cause)
		}
	}
}

// TestPSMRegistrationsRead: the registration lines of <n> 4 and 5, with
// the PSM timers after empty cause fields, and a denial's with both, are
// registrations (outside tester sw115: an nRF91 log read as never
// registered, its "no service" lost).
func TestPSMRegistrationsRead(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		stats     []int
		cause     int // the last registration's
	}{
		{"URC and read form", "> AT+CEREG=5\n< OK\n< +CEREG: 2,\"0A2B\",\"01A2B3C4\",7\n< +CEREG: 1,\"0A2B\",\"01A2B3C4\",7,,,\"11100000\",\"11100000\"\n" +
			"> AT+CEREG?\n< +CEREG: 5,1,\"0A2B\",\"01A2B3C4\",7,,,\"11100000\",\"11100000\"\n< OK\n", []int{2, 1, 1}, 0},
		{"a denial with its cause and timers", "> AT+CEREG?\n< +CEREG: 5,3,\"FFFE\",\"FFFFFFFF\",7,0,15,\"00000000\",\"00000000\"\n< OK\n", []int{3}, 15},
		{"stat 4 with zero timers", "> AT+CEREG?\n< +CEREG: 5,4,\"FFFE\",\"FFFFFFFF\",7,0,0,\"00000000\",\"00000000\"\n< OK\n", []int{4}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Load(writeFixture(t, "psm", map[string]string{ManifestFile: orangePlain("psm", "generic"), "host.log": tc.log}))
			if err != nil {
				t.Fatal(err)
			}
			regs := Extract(f, nil, nil).Regs
			var got []int
			for _, r := range regs {
				got = append(got, r.Stat)
			}
			if !slices.Equal(got, tc.stats) {
				t.Fatalf("registrations %v, want %v", got, tc.stats)
			}
			if c := regs[len(regs)-1].Cause; c != tc.cause {
				t.Errorf("cause %d, want %d", c, tc.cause)
			}
		})
	}
}

// TestSelectionDenialInItsPlace: a manual selection's +CME ERROR denial in
// a log without times stands among the registrations where its line is,
// not after them all (outside reviewer: a second sort by time alone left
// it last).
func TestSelectionDenialInItsPlace(t *testing.T) {
	log := "> AT+CEREG=2\n< OK\n> AT+COPS=1,2,\"20810\"\n< +CME ERROR: 111\n> AT+COPS=0\n< OK\n< +CEREG: 1,\"1A2B\",\"01234567\",7\n"
	f, err := Load(writeFixture(t, "sel", map[string]string{ManifestFile: orangePlain("sel", "generic"), "host.log": log}))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range Extract(f, nil, nil).Regs {
		got = append(got, fmt.Sprintf("%s %d", r.Name, r.Stat))
	}
	if want := []string{"+COPS 3", "+CEREG 1"}; !slices.Equal(got, want) {
		t.Errorf("registrations %q, want %q", got, want)
	}
}
