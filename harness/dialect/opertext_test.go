package dialect

import "testing"

// TestOperText: a +COPS? name read back under the +CSCS the host set
// (27.007 §5.5): GSM codes raw or in a log's \xNN form, UCS2 hex; IRA
// and an unknown set as the name stands; V.250 escapes read in all.
func TestOperText(t *testing.T) {
	for _, c := range []struct {
		oper, cs, want string
		bad            bool
	}{
		{"T\x05l\x05com Libre", "GSM", "Télécom Libre", false},
		{`T\x05l\x05com Libre`, "GSM", "Télécom Libre", false},
		{`a\x00b\x02c\x11d`, "gsm", "a@b$c_d", false},
		// Every form fieldlog.Escape writes: 0x1A is 'Ξ' (TS 23.038),
		// which a log shows as <^Z>.
		{`<^Z>ENO\x1b\x65`, "GSM", "ΞENO€", false},
		{"Net\x1b\x65 \x1b\x3c1\x1b\x3e", "GSM", "Net€ [1]", false},
		{"T\x7erk", "GSM", "Türk", false},
		{"005400E9006C00E90063006F006D0020004C0069006200720065", "UCS2", "Télécom Libre", false},
		{"4E2D56FD79FB52A8", "UCS2", "中国移动", false},
		{"Orange F", "UCS2", "", true},
		{"T\xc3\xa9l", "GSM", "", true},
		{"Télécom", "IRA", "Télécom", false},
		{"T?l?com", "", "T?l?com", false},
		// V.250 §5.4.2.2 string constants: '"' and '\' come as \22 and
		// \5C (the emulated modem writes them so) in every set; a '\'
		// without two hex digits stays as sent.
		{`Tele \222\22`, "IRA", `Tele "2"`, false},
		{`a\5Cb`, "", `a\b`, false},
		{`a\b`, "IRA", `a\b`, false},
		{`\22\05\5C`, "GSM", `"éÖ`, false},
		{`\22\x05`, "GSM", `"é`, false},
	} {
		got, err := OperText(c.oper, c.cs)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("OperText(%q, %s) = %q, %v; want %q, error %v", c.oper, c.cs, got, err, c.want, c.bad)
		}
	}
}
