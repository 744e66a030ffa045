package at

import "testing"

// V.250 §5.4.2.2: '"' and '\' inside a string constant are \22 and \5C,
// and any byte may be '\' and two hex digits.
func TestStringConstant(t *testing.T) {
	for _, tc := range []struct{ text, wire string }{
		{"Orange F", "Orange F"},
		{`Tele "2"`, `Tele \222\22`},
		{`a\b`, `a\5Cb`},
		{`\`, `\5C`},
		{`"`, `\22`},
		{`\22`, `\5C22`},
		{"T\x05l\x05com", "T\x05l\x05com"}, // GSM codes stay bytes
		{"\x5c\x22\x00", `\5C\22` + "\x00"},
		{"", ""},
	} {
		if got := EscapeString(tc.text); got != tc.wire {
			t.Errorf("EscapeString(%q) = %q, want %q", tc.text, got, tc.wire)
		}
		if got, ok := UnescapeString(tc.wire); got != tc.text || !ok {
			t.Errorf("UnescapeString(%q) = %q, %v, want %q", tc.wire, got, ok, tc.text)
		}
	}
	for _, tc := range []struct {
		wire, text string
		ok         bool
	}{
		{`T\05l\05com`, "T\x05l\x05com", true},
		{`\00`, "\x00", true},
		{`\1b\65`, "\x1b\x65", true},
		{`Caf\E9`, "Caf\xe9", true},
		{`a\b`, `a\b`, false},
		{`a\5`, `a\5`, false},
		{`a\`, `a\`, false},
		{`\zz\41`, `\zzA`, false},
	} {
		if got, ok := UnescapeString(tc.wire); got != tc.text || ok != tc.ok {
			t.Errorf("UnescapeString(%q) = %q, %v, want %q, %v", tc.wire, got, ok, tc.text, tc.ok)
		}
	}
}

func FuzzStringConstant(f *testing.F) {
	f.Add(`Tele "2" \ x`)
	f.Fuzz(func(t *testing.T, s string) {
		w := EscapeString(s)
		for i := 0; i < len(w); i++ {
			if w[i] == '"' {
				t.Fatalf("EscapeString(%q) = %q holds a quote", s, w)
			}
		}
		if got, ok := UnescapeString(w); got != s || !ok {
			t.Fatalf("round trip %q -> %q -> %q, %v", s, w, got, ok)
		}
	})
}

// On a command line every byte outside 20h-7Eh goes escaped too.
func TestCommandStringConstant(t *testing.T) {
	for _, tc := range []struct{ codes, wire string }{
		{"Orange F", "Orange F"},
		{"a\x00b\x02c\x11d", `a\00b\02c\11d`},
		{"Net\x1b\x65", `Net\1Be`},
		{`Tele "2" \`, `Tele \222\22 \5C`},
		{"caf\xc3\xa9\x7f", `caf\C3\A9\7F`},
	} {
		if got := EscapeCommandString(tc.codes); got != tc.wire {
			t.Errorf("EscapeCommandString(%q) = %q, want %q", tc.codes, got, tc.wire)
		}
		if got, ok := UnescapeString(tc.wire); got != tc.codes || !ok {
			t.Errorf("UnescapeString(%q) = %q, %v, want %q", tc.wire, got, ok, tc.codes)
		}
	}
}
