package fieldlog

import (
	"strings"
	"testing"
)

// TestOfonoEscapes: gatutil's escapes read back to the bytes: \r \n \t,
// three octal digits for another byte that does not print (ESC is
// \033), <CtrlZ>, and <ESC> for the 0x19 gatutil gives that label; a
// backslash it did not escape stays.
func TestOfonoEscapes(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`AT+CGMI\r`, "AT+CGMI\r"},
		{`\r\nOK\r\n`, "\r\nOK\r\n"},
		{`a\tb`, "a\tb"},
		{`0011<CtrlZ>`, "0011\x1a"},
		{`\033`, "\x1b"},
		{`<ESC>`, "\x19"},
		{`\000\377`, "\x00\xff"},
		{`C:\path`, `C:\path`},
		{`<CR>`, "<CR>"},
		{`ends in \`, `ends in \`},
	} {
		got, err := unescapeOfono(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("unescapeOfono(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{`\9`, `\01`, `\018`, `\400`, `x\7`} {
		if got, err := unescapeOfono(bad); err == nil {
			t.Errorf("unescapeOfono(%q) = %q, want an error", bad, got)
		}
	}
}

// TestOfonoChannels: a channel oFono only read (a GPS port's NMEA) and
// the hex dumps of a PPP or multiplexer channel are notes, not AT ports;
// `journalctl -o cat` (no prefix, no ofonod tag) is told by gatutil's
// escapes.
func TestOfonoChannels(t *testing.T) {
	log := "Aux: > AT+CSQ\\r\n" +
		"GPS: < $GPGGA,,,,,,0,,,,,,,,*66\\r\\n\n" +
		"PPP: > 7e ff 03 c0 21 01 01 00 0e 7e\n" +
		"Aux: < \\r\\n+CSQ: 20,99\\r\\n\\r\\nOK\\r\\n\n"
	if f, err := Detect("cat.log", []byte(log)); err != nil || f != Ofono {
		t.Fatalf("Detect = %q, %v", f, err)
	}
	tr, err := Read("cat.log", []byte(log), "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range tr.Entries {
		got = append(got, e.Role.String()+" "+e.Port+" "+e.Text)
	}
	want := "command Aux AT+CSQ|note  GPS: < $GPGGA,,,,,,0,,,,,,,,*66\\r\\n|note  PPP: > 7e ff 03 c0 21 01 01 00 0e 7e|info Aux +CSQ: 20,99|final Aux OK"
	if strings.Join(got, "|") != want {
		t.Errorf("entries\n got %q\nwant %q", strings.Join(got, "|"), want)
	}
}
