package fieldlog

import (
	"fmt"
	"strings"
	"testing"
)

// TestMMWrappedPaste: a ModemManager line a paste hard-wrapped (a mail's
// 78 columns, a console's width) inside an APDU's hex reads joined, as a
// terminal's or lpac's +CGLA line does, the hex's rest followed by the
// read's own CR LF and final result; wrapped elsewhere, it is refused
// naming the line it runs on to. Before, both were "serial data without
// its closing quote" alone.
func TestMMWrappedPaste(t *testing.T) {
	const pre = "Mar 02 10:00:01 gw ModemManager[812]: <dbg> [ttyUSB2/at] "
	hex := "BF2D3EA03CE3" + strings.Repeat("0123456789ABCDEF", 7) + "9000"
	cmd := pre + `--> 'AT+CGLA=1,22,"81E2910006BF2D035C015A"<CR>'` + "\n"
	answer := pre + `<-- '<CR><LF>+CGLA: 128,"` + hex + `"<CR><LF><CR><LF>OK<CR><LF>'`
	wrap := func(l string, w int) string {
		var b strings.Builder
		for len(l) > w {
			b.WriteString(l[:w] + "\n")
			l = l[w:]
		}
		return b.String() + l + "\n"
	}
	const hint = "; line 3, which starts as no line of the log does, is probably its rest, a paste's wrap: join them"
	for _, tc := range []struct {
		name, log string
		want      string // the entries but the command, or the error (… for its quote)
	}{
		{"the answer wrapped at 100 columns", cmd + wrap(answer, 100), `info +CGLA: 128,"` + hex + `" (2-4)|final OK (2-4)`},
		{"at 120", cmd + wrap(answer, 120), `info +CGLA: 128,"` + hex + `" (2-3)|final OK (2-3)`},
		{"the command wrapped", wrap(pre+`--> 'AT+CGLA=1,128,"`+hex+`"<CR>'`, 90) + pre + `<-- '<CR><LF>OK<CR><LF>'` + "\n", `final OK (4-0)`},
		{"at 80, before the hex", cmd + wrap(answer, 80), "j.log:2: serial data without its closing quote: …" + hint},
		{"wrapped in its CR LF", cmd + answer[:len(answer)-20] + "\n" + answer[len(answer)-20:] + "\n", "j.log:2: serial data without its closing quote: …" + hint},
		{"cut, the last line", cmd + answer[:len(answer)-20] + "\n", "j.log:2: the log is cut off inside a serial read: no closing quote…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("j.log", []byte(tc.log), MM)
			if strings.HasPrefix(tc.want, "j.log:") {
				head, tail, _ := strings.Cut(tc.want, "…")
				if err == nil || !strings.HasPrefix(err.Error(), head) || !strings.HasSuffix(err.Error(), tail) {
					t.Fatalf("error %v, want %s", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range tr.Entries {
				if e.Role == Command && e.Text != `AT+CGLA=1,22,"81E2910006BF2D035C015A"` && e.Text != `AT+CGLA=1,128,"`+hex+`"` {
					t.Errorf("command %q, not the log's", e.Text)
				}
				if e.Role != Note && e.Role != Command {
					got = append(got, fmt.Sprintf("%s %s (%d-%d)", strings.ToLower(e.Role.String()), e.Text, e.Line, e.End))
				}
			}
			if g := strings.Join(got, "|"); g != tc.want {
				t.Errorf("entries %q, want %q", got, tc.want)
			}
		})
	}
}
