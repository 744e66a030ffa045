package modem

import "testing"

// TestInitStrings: what hosts' init strings set — V.250's X, &C, &D and
// S-registers, +CSCS — answers as V.250 and 27.007 define it and is kept
// until ATZ or AT&F; what the modem does not model is refused, not
// pretended.
func TestInitStrings(t *testing.T) {
	r := newRig(t)
	r.cmd(t, "ATE0")
	r.exchanges(t, []exchange{
		// Init strings of ModemManager, TinyGSM and a dial-up script.
		{"ATE0V1", "OK"},
		{"ATX4&C1", "OK"},
		{"AT&FE0V1X1&C1&D2S0=0", "OK"},
		{"ATS0?;S3?;S4?;S7?", "000|013|010|050|OK"},
		{"ATS0=2;S0?", "002|OK"},
		{"ATS0=;S0?", "000|OK"},
		{"ATS0=?;S3=?", "(0-255)|(13)|OK"},
		{"ATS3=13", "OK"},
		{"ATS3=10", "ERROR"}, // the line's own CR: not changed here
		{"ATS0=256", "ERROR"},
		{"ATS99?", "ERROR"},
		{"ATX5", "ERROR"},
		{"AT&C2", "ERROR"},
		{"AT&D3", "ERROR"},
		{"AT&D", "OK"},
		// Character sets: the modem's strings are ASCII; UCS2 is refused
		// so the host takes one of these.
		{"AT+CMEE=1", "OK"},
		{"AT+CSCS=?", `+CSCS: ("IRA","GSM")|OK`},
		{"AT+CSCS?", `+CSCS: "IRA"|OK`},
		{`AT+CSCS="gsm";+CSCS?`, `+CSCS: "GSM"|OK`},
		{`AT+CSCS="UCS2"`, "+CME ERROR: 4"},
		{"AT+CSCS=IRA", "+CME ERROR: 50"},
		{"AT+CSCS?", `+CSCS: "GSM"|OK`},
		// No subscriber number on the emulated profiles.
		{"AT+CNUM", "OK"},
		// ATZ restores the defaults.
		{"ATS0=5", "OK"},
		{"ATZ", "OK"},
		{"ATE0;S0?", "000|OK"},
		{"AT+CSCS?", `+CSCS: "IRA"|OK`},
	})
}
