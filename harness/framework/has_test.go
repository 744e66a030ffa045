package framework

import (
	"strings"
	"testing"
)

// What a lab offers is checked: a typo in HAS is refused, not a silent
// skip of the specs it meant to turn on.
func TestCheckHas(t *testing.T) {
	for _, tc := range []struct {
		has  []string
		want string // "" for none
	}{
		{[]string{"roaming", "radio-control", "port-control", "simtrace"}, ""},
		{nil, ""},
		{[]string{"roaming", "roamin"}, `ESIMHIL_LAB_HAS names "roamin", which no spec needs; known: port-control, radio-control, roaming, simtrace`},
		{[]string{"port_control"}, `names "port_control"`},
	} {
		err := checkHas(tc.has)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%q: %v, want %q", tc.has, err, tc.want)
		}
	}
}

// A lab spec whose modem went away or booted under it, unasked, does not
// pass: what it saw may be the restart's. The port-control spec asks.
func TestUnaskedRestart(t *testing.T) {
	for _, tc := range []struct {
		labels  []string
		port    string
		reopens int
		down    bool
		refused string
		boots   []string
		want    string
		not     string
	}{
		{nil, "/dev/ttyUSB2", 0, false, "", nil, "", ""},
		{[]string{"env:lab"}, "/dev/ttyUSB2", 1, false, "", nil, "port dropped and came back 1 time(s) during this spec, which did not ask for it", "kickolduser"},
		{[]string{"env:lab"}, "tcp://lab:2001", 1, false, "", nil, "or another client connected to tcp://lab:2001, which a ser2net with kickolduser hands the port to", ""},
		{[]string{"env:lab"}, "rfc2217://lab:2002", 1, false, "", nil, "a ser2net with kickolduser", ""},
		{[]string{"env:lab"}, "/dev/ttyUSB2", 0, false, "", []string{"RDY", "RDY"}, "the modem booted 2 time(s) during this spec (RDY), which did not ask for it", ""},
		{[]string{"env:lab"}, "/dev/ttyUSB2", 0, false, "", []string{"its echo back on after ATE0"}, "the modem booted 1 time(s) during this spec (its echo back on after ATE0)", ""},
		{[]string{"env:lab", "needs:port-control"}, "tcp://lab:2001", 1, false, "", []string{"RDY"}, "", ""},
		// The command in flight failed before the port was back.
		{[]string{"env:lab"}, "tcp://lab:2001", 0, true, "", nil, "the modem's port dropped during this spec, which did not ask for it, and is not back: a modem that reset (or a transport that failed) under it; or another client connected to tcp://lab:2001", ""},
		// ser2net said the device is gone: not another client (outside tester o303).
		{[]string{"env:lab"}, "tcp://lab:2001", 0, true, "Device open failure: Value or file not found", nil, `ser2net at tcp://lab:2001 says "Device open failure: Value or file not found": the device behind it is gone`, "kickolduser"},
		// Back once, then away again as the spec ends (outside tester o303).
		{[]string{"env:lab"}, "tcp://lab:2001", 1, true, "", nil, "the modem's port dropped and came back 1 time(s) during this spec, which did not ask for it, then dropped again and is not back: a modem", ""},
	} {
		got := unaskedRestart(tc.labels, tc.port, tc.reopens, tc.down, tc.refused, tc.boots)
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) || tc.not != "" && strings.Contains(got, tc.not) {
			t.Errorf("%v on %s, %d reopens, boots %q: %q, want %q", tc.labels, tc.port, tc.reopens, tc.boots, got, tc.want)
		}
	}
}

// A lab spec whose own assertion failed because its modem reset says so
// in that failure: Ginkgo shows only the first one.
func TestFailMessageNamesTheUnaskedRestart(t *testing.T) {
	drop := unaskedRestart([]string{"env:lab"}, "/dev/ttyUSB2", 1, false, "", nil)
	for _, tc := range []struct {
		name    string
		unasked func() string
		msg     string
		want    string
	}{
		{"no lab spec", nil, "Timed out", "Timed out"},
		{"a lab spec, nothing unasked", func() string { return "" }, "Timed out", "Timed out"},
		{"a drop before the failure", func() string { return drop }, "Timed out", "Timed out\n" + drop + unaskedWhen},
		{"said once", func() string { return drop }, "Timed out\n" + drop, "Timed out\n" + drop},
	} {
		setLabUnasked(tc.unasked)
		if got := failMessage(tc.msg); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	setLabUnasked(nil)
}

// A wrong PERSONALITY fails as a bare ERROR: the failure itself names the
// port and the personality lab discover proposes.
func TestFailMessageNamesTheDialect(t *testing.T) {
	hint := "the modem names itself \"EM7511\", and the rule of esimhil lab discover --probe proposes personality sierra-em7511, not generic, given (…): if its commands fail, try PERSONALITY=sierra-em7511"
	for _, tc := range []struct {
		name, port, hint, msg, want string
	}{
		{"no hint", "tcp://lab:2001", "", "AT+CCID: at: ERROR", "AT+CCID: at: ERROR"},
		{"a hint", "tcp://lab:2001", hint, "AT+CCID: at: ERROR", "AT+CCID: at: ERROR\non tcp://lab:2001: " + hint},
		{"said once", "tcp://lab:2001", hint, "x\non tcp://lab:2001: " + hint, "x\non tcp://lab:2001: " + hint},
	} {
		setLabDialect(tc.port, tc.hint)
		if got := failMessage(tc.msg); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	setLabDialect("", "")
}

// make lab BAUD=…: a UART modem's line speed, checked before the run.
func TestLabBaud(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want int
		err  string
	}{
		{"", 0, ""},
		{"9600", 9600, ""},
		{"115200", 115200, ""},
		{"fast", 0, `ESIMHIL_LAB_BAUD="fast" (make lab BAUD=...): want a line speed in baud`},
		{"-1", 0, "want a line speed"},
	} {
		got, err := labBaud(tc.v)
		if got != tc.want || tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%q: %d, %v; want %d, %q", tc.v, got, err, tc.want, tc.err)
		}
	}
}

// The suite is named for what it runs on: a make lab's JUnit files its
// specs under the lab, not the emulated rig (outside tester sw128 F8).
func TestSuiteName(t *testing.T) {
	for _, tc := range []struct{ modem, target, want string }{
		{"/dev/ttyUSB2", "", "esimhil lab"},
		{"tcp://lab:3001", "", "esimhil lab"},
		{"", "rfc2217", "esimhil lab (emulator over rfc2217)"},
		{"", "", "esimhil emulated rig"},
	} {
		t.Setenv(LabModemEnv, tc.modem)
		t.Setenv(LabTargetEnv, tc.target)
		if got := SuiteName(); got != tc.want {
			t.Errorf("modem %q, target %q: %q, want %q", tc.modem, tc.target, got, tc.want)
		}
	}
}
