package field

import (
	"slices"
	"strings"
	"testing"
)

// TestManualSelectionReject: a denial after the host's AT+COPS=1 is the
// chosen network's reject (TS 24.301: causes #11-#15 come from the visited
// network): the fault names it as the operator and the home network as
// the subscriber, its window opening at the command; the chosen network
// gets a cell where the reject shows it, the home network its own; the
// +CME ERROR the modem gave sets cops_reject_error when it is not the
// cause's own; a network no operator stands for, or a denial without a
// cause, is a to-do that spells out the fault.
func TestManualSelectionReject(t *testing.T) {
	const sfr = "    - {id: sfr, plmn: \"20810\", country: FR, name: SFR}\n"
	const bouygues = "    - {id: bouygues, plmn: \"20820\", country: FR}\n"
	const vodafone = "    - {id: vodafone-it, plmn: \"22210\", country: IT}\n"
	reject := func(cmd, cause, final string) string {
		return "[1.000] > AT+CEREG=3\n[1.010] < OK\n" +
			"[2.000] > " + cmd + "\n[4.000] < +CEREG: 2\n" +
			"[9.000] < +CEREG: 3,\"1A2B\",\"01234567\",7,0," + cause + "\n[9.010] < " + final + "\n" +
			"[12.000] > AT+CEREG?\n[12.010] < +CEREG: 3,3,\"1A2B\",\"01234567\",7,0," + cause + "\n[12.020] < OK\n"
	}
	tests := []struct {
		name, ops, log string
		want           []string // in the scenario
		notWant        []string
		assumed        []string
		todo           string
	}{
		{"by number, cause #11, its own error", sfr, reject(`AT+COPS=1,2,"20810",7`, "11", "+CME ERROR: 111"),
			[]string{"{attach_reject: 11, operator: sfr, subscriber: orange-fr, from: 11s, until: 19s}",
				"{area: FR, operator: sfr, rsrp: -90, tac: 0x1A2B, cell_id: 0x01234567}",
				"{area: FR, operator: orange-fr, rsrp: -90}", "{at: 0s, area: FR}"},
			[]string{"operator: orange-fr, subscriber: orange-fr", "cops_reject_error"},
			[]string{"sfr, the network the host selected at host.log:3, rejected orange-fr's subscriber with EMM cause #11"}, ""},
		// The host chose the subscriber's own network: its fault is on
		// the run's clock as every other (the logs begin 10 s into the
		// run here), not the logs' — a window of 1 s to 9 s closed
		// before the logs began, and the reject at 19 s was not made.
		{"its own network, cause #15", sfr, reject(`AT+COPS=1,2,"20801",7`, "15", "+CME ERROR: 30"),
			[]string{"{attach_reject: 15, operator: orange-fr, subscriber: orange-fr, tac: 0x1A2B, from: 11s, until: 19s}"},
			[]string{"operator: sfr, subscriber"},
			[]string{"orange-fr's network rejected its subscriber with EMM cause #15 at host.log:5, after the host selected it (host.log:3)"}, ""},
		{"by name, cause #15, answered 30", sfr, reject(`AT+COPS=1,0,"SFR"`, "15", "+CME ERROR: 30"),
			[]string{"{attach_reject: 15, operator: sfr, subscriber: orange-fr,"},
			nil, []string{"device.quirks.cops_reject_error: 30"}, ""},
		{"mode 4", sfr, reject(`AT+COPS=4,2,"20810"`, "13", "OK"),
			[]string{"{attach_reject: 13, operator: sfr, subscriber: orange-fr,"}, nil, nil, ""},
		{"abroad", vodafone, reject(`AT+COPS=1,2,"22210"`, "11", "+CME ERROR: 111"),
			[]string{"{attach_reject: 11, operator: vodafone-it, subscriber: orange-fr,", "{at: 0s, area: IT}",
				"{area: IT, operator: vodafone-it,"},
			[]string{"operator: orange-fr, rsrp"}, []string{"the host selected vodafone-it (22210, IT) at host.log:3: the device is in IT from the start"}, ""},
		{"by number, a network the manifest does not name", bouygues, reject(`AT+COPS=1,2,"20810"`, "11", "+CME ERROR: 111"),
			[]string{"{attach_reject: 11, operator: op20810, subscriber: orange-fr,", "{id: op20810, plmn: \"20810\", country: FR}"}, nil,
			[]string{"operator op20810 (FR) for PLMN 20810, which host.log shows (the network the host selected)"}, ""},
		{"by name, a network the manifest does not name", bouygues, reject(`AT+COPS=1,0,"SFR"`, "11", "+CME ERROR: 111"),
			nil, []string{"attach_reject"}, nil,
			"follows the host's manual selection of \"SFR\" (host.log:3), a network the manifest does not name: give network.operators an operator for it (id, plmn, country, name), and the manifest faults: - {attach_reject: 11, operator: <its id>, subscriber: orange-fr, from: 1s, until: 9s}"},
		{"no cause", sfr, "[2.000] > AT+COPS=1,2,\"20810\"\n[4.000] < +CEREG: 2\n[9.000] < +CEREG: 3\n[9.010] < +CME ERROR: 30\n",
			nil, []string{"attach_reject"}, nil,
			"the world's roaming agreements decide it; if sfr turned orange-fr's subscriber away, give the manifest faults: - {attach_reject: <EMM cause, 15 when the log does not say>, operator: sfr, subscriber: orange-fr, from: 0s, until: 8s}"},
		{"registered before: leaving it is no dead zone", sfr,
			"[0.500] > AT+CEREG=3\n[0.510] < OK\n[1.000] > AT+CEREG?\n[1.010] < +CEREG: 3,1,\"1A2C\",\"0123ABCD\",7\n[1.020] < OK\n" +
				"[2.000] > AT+COPS=1,2,\"20810\"\n[4.000] < +CEREG: 2\n[9.000] < +CEREG: 3,\"1A2B\",\"01234567\",7,0,11\n[9.010] < +CME ERROR: 111\n",
			[]string{"{attach_reject: 11, operator: sfr, subscriber: orange-fr,", "{area: FR, operator: orange-fr, rsrp: -90, tac: 0x1A2C, cell_id: 0x0123ABCD}"},
			[]string{"coverage: lost"}, nil, ""},
		// The host's registration URCs off: the error alone shows the
		// cause (outside tester sw101: replayed as no service at once).
		{"the cause's own error alone", vodafone, "[1.000] > AT+CEREG=0\n[1.010] < OK\n[2.000] > AT+COPS=1,2,\"22210\"\n[20.000] < +CME ERROR: 111\n",
			[]string{"{attach_reject: 11, operator: vodafone-it, subscriber: orange-fr,", "{at: 0s, area: IT}"}, nil,
			[]string{"vodafone-it, the network the host selected at host.log:3, rejected orange-fr's subscriber with EMM cause #11 at host.log:4"}, ""},
		{"an error of no cause alone", vodafone, "[2.000] > AT+COPS=1,2,\"22210\"\n[3.000] < +CME ERROR: 30\n",
			nil, []string{"attach_reject"}, nil, "the modem answered +CME ERROR: 30 to AT+COPS=1,2,\"22210\" at host.log:2"},
		{"automatic again: the home network's own", sfr,
			"[1.000] > AT+COPS=1,2,\"20810\"\n[1.010] < +CME ERROR: 30\n[2.000] > AT+COPS=0\n[2.010] < OK\n[9.000] < +CEREG: 3,\"1A2B\",\"01234567\",7,0,11\n",
			[]string{"{attach_reject: 11, operator: orange-fr, subscriber: orange-fr,"}, []string{"operator: sfr"}, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			manifest := strings.Replace(orangePlain("sel", "generic"), "    - {id: orange-fr, plmn: \"20801\", country: FR}\n",
				"    - {id: orange-fr, plmn: \"20801\", country: FR}\n"+tc.ops, 1)
			dir := writeFixture(t, "sel", map[string]string{ManifestFile: manifest, "host.log": tc.log})
			p := reconstruct(t, dir, Options{})
			sc := string(p.ScenarioYAML)
			all := strings.Join(p.Assumptions, "\n")
			for _, w := range tc.want {
				if !strings.Contains(sc, w) {
					t.Errorf("scenario lacks %s:\n%s\n%s", w, sc, all)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(sc, w) {
					t.Errorf("scenario has %s:\n%s", w, sc)
				}
			}
			for _, a := range tc.assumed {
				if !assumed(p, a) {
					t.Errorf("not assumed %q:\n%s", a, all)
				}
			}
			asked := slices.ContainsFunc(p.ToDo, func(s string) bool { return tc.todo != "" && strings.Contains(s, tc.todo) })
			if asked != (tc.todo != "") {
				t.Errorf("to do %q:\n%s", tc.todo, strings.Join(p.ToDo, "\n"))
			}
			if tc.todo == "" && slices.ContainsFunc(p.ToDo, func(s string) bool { return strings.Contains(s, "COPS") || strings.Contains(s, "attach_reject") }) {
				t.Errorf("an unexpected to do:\n%s", strings.Join(p.ToDo, "\n"))
			}
		})
	}
}

// TestManualSelectionWithoutTimes: in a log without times the commands
// after a manual selection are played once the emulated modem has
// answered it, and its reject is still placed on the chosen network.
func TestManualSelectionWithoutTimes(t *testing.T) {
	manifest := strings.Replace(orangePlain("sel", "generic"), "format: plain", "format: terminal", 1)
	manifest = strings.Replace(manifest, "    - {id: orange-fr, plmn: \"20801\", country: FR}\n",
		"    - {id: orange-fr, plmn: \"20801\", country: FR}\n    - {id: sfr, plmn: \"20810\", country: FR}\n", 1)
	dir := writeFixture(t, "sel", map[string]string{ManifestFile: manifest,
		"host.log": "AT+CEREG=3\r\nOK\r\nAT+COPS=1,2,\"20810\"\r\n+CEREG: 2\r\n+CEREG: 3,\"1A2B\",\"01234567\",7,0,15\r\n+CME ERROR: 30\r\nAT+CEREG?\r\n+CEREG: 3,3,\"1A2B\",\"01234567\",7,0,15\r\nOK\r\n"})
	p := reconstruct(t, dir, Options{})
	if !strings.Contains(string(p.ScenarioYAML), "{attach_reject: 15, operator: sfr, subscriber: orange-fr,") {
		t.Errorf("scenario:\n%s\n%s", p.ScenarioYAML, strings.Join(p.Assumptions, "\n"))
	}
	var sel, next Step
	for _, s := range p.Steps {
		switch s.Line {
		case `AT+COPS=1,2,"20810"`:
			sel = s
		case "AT+CEREG?":
			next = s
		}
	}
	if next.At-sel.At < maxAttachTime || !assumed(p, "the commands after the manual selection host.log:3 are played 3s later") {
		t.Errorf("played %v after the selection:\n%s", next.At-sel.At, strings.Join(p.Assumptions, "\n"))
	}
}

// TestRATLimits: an access technology the emulated modem lacks — a
// BG95's eMTC (<AcT> 8) asked for in AT+COPS, NB-IoT (9) or GSM (0) in a
// registration line, or NB-IoT asked for in AT+COPS, which finds no cell
// of the emulated world — is a limit named once per technology and
// where; E-UTRAN (7) is not.
func TestRATLimits(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		want      []string
	}{
		{"E-UTRAN", "> AT+COPS=1,2,\"20801\",7\n< OK\n< +CEREG: 1,\"1A2B\",\"01234567\",7\n", nil},
		// One the field modem found no cell for either answers as the
		// emulated modem does: no limit (outside tester sw122).
		{"NB-IoT asked for, none found", "> AT+COPS=1,2,\"20801\",9\n< +CME ERROR: no network service\n", nil},
		{"NB-IoT asked for", "> AT+COPS=1,2,\"20801\",9\n< OK\n",
			[]string{`host.log:1: the host asks for <AcT> 9 (NB-IoT, E-UTRAN NB-S1) in AT+COPS=1,2,"20801",9, for which the emulated modem, E-UTRAN in WB-S1 mode alone, finds no cell`}},
		{"eMTC asked for, NB-IoT shown twice", "> AT+COPS=1,2,\"20801\",8\n< +CEREG: 3,\"1A2B\",\"01234567\",9,0,11\n< +CME ERROR: 30\n> AT+CEREG?\n< +CEREG: 3,3,\"1A2B\",\"01234567\",9,0,11\n< OK\n",
			[]string{`host.log:1: the host asks for <AcT> 8 (eMTC on a Quectel BG95/BG96 (27.007's EC-GSM-IoT)) in AT+COPS=1,2,"20801",8, which the emulated modem refuses with +CME ERROR: 50`,
				`host.log:2: the field modem reports <AcT> 9 (NB-IoT, E-UTRAN NB-S1) in +CEREG: 3,"1A2B","01234567",9,0,11, where the emulated modem, E-UTRAN alone, reports 7`}},
		{"GSM read", "> AT+CREG?\n< +CREG: 2,1,\"0B5A\",\"00C3F21E\",0\n< OK\n",
			[]string{`host.log:2: the field modem reports <AcT> 0 (GSM) in +CREG: 2,1,"0B5A","00C3F21E",0`}},
		// t178 N9: +COPS?'s <AcT> is the registration's too, once per
		// technology with a registration line's.
		{"GSM in +COPS?, then in +CREG?", "> AT+COPS?\n< +COPS: 0,2,\"20801\",0\n< OK\n> AT+CREG?\n< +CREG: 2,1,\"0B5A\",\"00C3F21E\",0\n< OK\n",
			[]string{`host.log:2: the field modem reports <AcT> 0 (GSM) in +COPS: 0,2,"20801",0, where the emulated modem, E-UTRAN alone, reports 7`}},
		{"E-UTRAN in +COPS?", "> AT+COPS?\n< +COPS: 0,2,\"20801\",7\n< OK\n", nil},
		// sw115: an nRF91's registrations with the network's PSM timers.
		{"PSM timers shown, twice", "> AT+CEREG=5\n< OK\n< +CEREG: 1,\"0A2B\",\"01A2B3C4\",7,,,\"11100000\",\"11100000\"\n> AT+CEREG?\n< +CEREG: 5,1,\"0A2B\",\"01A2B3C4\",7,,,\"11100000\",\"11100000\"\n< OK\n",
			[]string{`host.log:3: the field modem shows the PSM timers its network gave (<Active-Time> "11100000", <Periodic-TAU> "11100000") in +CEREG: 1,"0A2B","01A2B3C4",7,,,"11100000","11100000", where the emulated modem, which negotiates no PSM, shows none: no personality or manifest field gives the emulated modem PSM`}},
		// A location of 0s and 1s (a lab network's) is no timer.
		{"binary-looking location", "> AT+CEREG?\n< +CEREG: 2,1,\"0001\",\"0010\"\n< OK\n", nil},
		// 27.007 before Release 7 has no <AcT> field: the 0 after <ci>
		// is the cause type, no GSM.
		{"denial without <AcT>", "< +CEREG: 3,\"1A2B\",\"01A2B3C4\",0,15\n", nil},
		{"NB-IoT, <stat> of two digits", "< +CEREG: 10,\"1A2B\",\"01A2B3C4\",9\n",
			[]string{`host.log:1: the field modem reports <AcT> 9 (NB-IoT, E-UTRAN NB-S1) in +CEREG: 10,"1A2B","01A2B3C4",9`}},
		{"PSM timers none given", "< +CEREG: 1,\"0A2B\",\"01A2B3C4\",7,,,\"\",\"\"\n",
			[]string{`host.log:1: the field modem shows the PSM timers its network gave (<Active-Time> "", <Periodic-TAU> "")`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Load(writeFixture(t, "rat", map[string]string{ManifestFile: orangePlain("rat", "generic"), "host.log": tc.log}))
			if err != nil {
				t.Fatal(err)
			}
			got := Texts(RATLimits(f))
			if len(got) != len(tc.want) {
				t.Fatalf("limits:\n%s\nwant %d", strings.Join(got, "\n"), len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("limit %d:\n%s\nwant %s", i, got[i], w)
				}
			}
		})
	}
}

// TestCOPSModeLimits: a +COPS? answer in manual selection (<mode> 1) the
// logs do not show the host ask for is a limit (outside tester t178 N9:
// the replay's modem answered 0 without a word); after the host's own
// AT+COPS=1, which the replay plays, or in automatic mode, none.
func TestCOPSModeLimits(t *testing.T) {
	for _, tc := range []struct {
		name, log, want string
	}{
		{"manual, never asked for", "> AT+COPS?\n< +COPS: 1,2,\"20801\",7\n< OK\n> AT+COPS?\n< +COPS: 1,2,\"20801\",7\n< OK\n",
			`host.log:2: the field modem answers +COPS: 1,2,"20801",7, in manual selection (<mode> 1), which the logs do not show the host ask for`},
		{"manual after the host's selection", "> AT+COPS=1,2,\"20801\",7\n< OK\n> AT+COPS?\n< +COPS: 1,2,\"20801\",7\n< OK\n", ""},
		{"automatic", "> AT+COPS?\n< +COPS: 0,2,\"20801\",7\n< OK\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Load(writeFixture(t, "mode", map[string]string{ManifestFile: orangePlain("mode", "generic"), "host.log": tc.log}))
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(Texts(COPSModeLimits(f)), "\n")
			if tc.want == "" && got != "" || !strings.HasPrefix(got, tc.want) || strings.Contains(got, "\n") {
				t.Errorf("limits:\n%s\nwant one beginning %s", got, tc.want)
			}
		})
	}
}

// TestCauselessSelectionError: a manual selection denied with no cause
// shown, answered with an error no EMM cause's own, sets
// cops_reject_error to it — the modem's word whatever the cause —, also
// when its registration URCs trail the error (u-blox's +CME ERROR: not
// found, then +CREG: 3 and +CEREG: 3: outside tester t193, replayed as
// PLMN not allowed). A cause's own error (111) may be the unknown
// cause's and sets nothing, nor does a denial after the next command.
func TestCauselessSelectionError(t *testing.T) {
	const sfr = "    - {id: sfr, plmn: \"20810\", country: FR, name: SFR}\n"
	const sel = "[1.000] > AT+CMEE=2\n[1.010] < OK\n[2.000] > AT+COPS=1,2,\"20810\"\n"
	for _, tc := range []struct {
		name, log string
		want      string // the cops_reject_error assumed; "" none
	}{
		{"the URCs after the error", sel + "[9.000] < +CME ERROR: not found\n[9.050] < +CREG: 3\n[9.060] < +CEREG: 3\n", "22"},
		{"the URC before the error", sel + "[4.000] < +CEREG: 2\n[9.000] < +CEREG: 3\n[9.010] < +CME ERROR: 30\n", "30"},
		{"untimed, the URCs after the error", "> AT+CMEE=2\n< OK\n> AT+COPS=1,2,\"20810\"\n< +CME ERROR: not found\n< +CREG: 3\n< +CEREG: 3\n> AT\n< OK\n", "22"},
		{"a cause's own error", sel + "[4.000] < +CEREG: 2\n[9.000] < +CEREG: 3\n[9.010] < +CME ERROR: 111\n", ""},
		{"a denial after the next command", sel + "[9.000] < +CME ERROR: not found\n[9.500] > AT+COPS=0\n[9.510] < OK\n[10.000] < +CEREG: 3\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			manifest := strings.Replace(orangePlain("sel", "generic"), "    - {id: orange-fr, plmn: \"20801\", country: FR}\n",
				"    - {id: orange-fr, plmn: \"20801\", country: FR}\n"+sfr, 1)
			p := reconstruct(t, writeFixture(t, "sel", map[string]string{ManifestFile: manifest, "host.log": tc.log}), Options{})
			got := ""
			for _, a := range p.Assumptions {
				if _, v, ok := strings.Cut(a, "device.quirks.cops_reject_error: "); ok {
					got, _, _ = strings.Cut(v, " ")
				}
			}
			if got != tc.want {
				t.Errorf("cops_reject_error %q, want %q:\n%s", got, tc.want, strings.Join(p.Assumptions, "\n"))
			}
		})
	}
}
