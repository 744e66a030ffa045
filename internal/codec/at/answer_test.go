package at

import "testing"

func TestInfoName(t *testing.T) {
	for _, tc := range []struct {
		line, name string
		ok         bool
	}{
		{"+CPIN: READY", "+CPIN", true},
		{"+CSQ:5,6", "+CSQ", true}, // no blank after the colon (u-blox)
		{"^SIMST: 1", "^SIMST", true},
		{"%XSIM: 1", "%XSIM", true},
		{"+CCHC", "+CCHC", true}, // the name alone
		{"+CME ERROR: 10", "", false},
		{"232100000000001", "", false},
		{"OK", "", false},
		{"+", "", false},
		{"", "", false},
	} {
		if name, ok := InfoName(tc.line); name != tc.name || ok != tc.ok {
			t.Errorf("InfoName(%q) = %q, %v; want %q, %v", tc.line, name, ok, tc.name, tc.ok)
		}
	}
}
