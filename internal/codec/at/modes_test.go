package at

import "testing"

func TestModesAfter(t *testing.T) {
	v0 := Modes{Echo: true}
	for _, tc := range []struct {
		from Modes
		line string
		want Modes
	}{
		{DefaultModes(), "ATV0", v0},
		{DefaultModes(), "ATE0V0", Modes{}},
		{DefaultModes(), "AT&FE0V0", Modes{}},
		{DefaultModes(), "ATV0+CMEE=1", v0},
		{DefaultModes(), "AT+CMEE=1;V0", v0},
		{DefaultModes(), "atv0", v0},
		{DefaultModes(), "ATE0 V 0", Modes{}},
		{DefaultModes(), "ATV", v0}, // a missing value is 0 (V.250 §5.3.1)
		{DefaultModes(), "ATE", Modes{Verbose: true}},
		{Modes{}, "ATV1", Modes{Verbose: true}},
		{Modes{}, "ATZ", DefaultModes()},
		{Modes{}, "AT&F", DefaultModes()},
		{Modes{}, "ATZ0", DefaultModes()},
		{Modes{}, "AT&FV0", Modes{Echo: true}},
		{Modes{}, "ATV?", Modes{}},
		{Modes{}, "ATV2", Modes{}},             // refused
		{Modes{}, "ATE1V7", Modes{Echo: true}}, // E1 ran, V7 is refused
		{Modes{}, "AT+CGLA=1,10,\"80E2", Modes{}},
		{Modes{}, "AT+CSQ", Modes{}},
		{DefaultModes(), "ATS0?", DefaultModes()},
	} {
		if got := tc.from.After(tc.line); got != tc.want {
			t.Errorf("%+v.After(%q) = %+v, want %+v", tc.from, tc.line, got, tc.want)
		}
	}
}

// A log's lines in order: AT&W stores E and V, ATZ loads them, AT&F the
// factory's; ATZ with nothing stored loads the factory's too.
func TestModesStoredProfile(t *testing.T) {
	for _, tc := range []struct {
		lines         []string
		echo, verbose bool
	}{
		{[]string{"ATV0&W", "ATV1", "ATZ"}, true, false},
		{[]string{"ATE0V0", "AT&W", "AT&F", "ATZ"}, false, false},
		{[]string{"ATE0V0", "AT&W0", "AT&F"}, true, true},
		{[]string{"ATV0", "ATZ"}, true, true},
		{[]string{"ATV0&W", "ATV1&W", "ATV0", "ATZ"}, true, true},
		{[]string{"ATV0&W", "AT&FZ"}, true, false}, // Z after &F still loads the stored profile
		{[]string{"ATE0&W", "ATE1Z"}, false, true},
		{[]string{"ATV0", "AT&W;V2", "ATV1", "ATZ"}, true, false}, // &W ran before V2 was refused
	} {
		m := DefaultModes()
		for _, l := range tc.lines {
			m = m.After(l)
		}
		if m.Echo != tc.echo || m.Verbose != tc.verbose {
			t.Errorf("%q: E%d V%d, want E%d V%d", tc.lines, b2i(m.Echo), b2i(m.Verbose), b2i(tc.echo), b2i(tc.verbose))
		}
	}
	stored := DefaultModes().After("ATV0&W")
	if v, ok := stored.SetsVerbose("ATZ"); !ok || v {
		t.Errorf("after ATV0&W, ATZ sets V to %v (ok %v), want numeric", v, ok)
	}
	if v, ok := stored.SetsVerbose("AT&F"); !ok || !v {
		t.Errorf("after ATV0&W, AT&F sets V to %v (ok %v), want verbose", v, ok)
	}
	if _, ok := stored.SetsVerbose("AT&W"); ok {
		t.Error("AT&W said to set V")
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestNumericResult(t *testing.T) {
	for _, tc := range []struct {
		line, want string
		ok         bool
	}{
		{"0", "OK", true}, {"1", "CONNECT", true}, {"2", "RING", true}, {"3", "NO CARRIER", true},
		{"4", "ERROR", true}, {"6", "NO DIALTONE", true}, {"7", "BUSY", true}, {"8", "NO ANSWER", true},
		{"5", "", false}, {"9", "", false}, {"00", "", false}, {"000", "", false}, {"", "", false}, {"OK", "", false}, {" 0", "", false},
	} {
		got, ok := NumericResult(tc.line)
		if got != tc.want || ok != tc.ok {
			t.Errorf("NumericResult(%q) = %q, %v; want %q, %v", tc.line, got, ok, tc.want, tc.ok)
		}
	}
}

func TestSetsVerbose(t *testing.T) {
	for _, tc := range []struct {
		line        string
		verbose, ok bool
	}{
		{"ATV0", false, true}, {"ATE0V0", false, true}, {"ATV", false, true}, {"ATV1", true, true},
		{"ATZ", true, true}, {"AT&F", true, true}, {"AT&FV0", false, true},
		{"ATE0", true, false}, {"AT+CSQ", true, false}, {"ATV?", true, false},
	} {
		if v, ok := SetsVerbose(tc.line); v != tc.verbose || ok != tc.ok {
			t.Errorf("SetsVerbose(%q) = %v, %v; want %v, %v", tc.line, v, ok, tc.verbose, tc.ok)
		}
	}
}
