package fieldlog

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// TestHTMLPage: a log saved as a web page (a ticket, an issue) reads as
// the text of its <pre> blocks — of its body when it has none — with its
// character references unescaped and every line where the file has it,
// and says it was a page (outside tester sw99: the quotes of +COPS came
// out as &quot; and the page's markup as notes).
func TestHTMLPage(t *testing.T) {
	const session = "AT+COPS?\n+COPS: 0,2,&quot;26202&quot;,7\n\nOK\n"
	for _, tc := range []struct {
		name, text string
		line       int // of the +COPS answer
	}{
		{"a pre block", "<!DOCTYPE html>\n<html lang=\"en\">\n<head><title>Issue #79</title>\n<style>\npre { color: red }\n</style></head>\n<body><p>Here's the output:</p>\n<pre><code>" + session + "</code></pre>\n<p>Any idea?</p></body></html>\n", 9},
		{"no pre", "<html><body>\n" + session + "</body></html>\n", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("ticket.html", []byte(tc.text), "")
			if err != nil {
				t.Fatal(err)
			}
			if !tr.Page {
				t.Error("not said to be a page")
			}
			var got []string
			for _, e := range tr.Entries {
				got = append(got, e.Role.String()+" "+e.Text)
				if e.Text == `+COPS: 0,2,"26202",7` && e.Line != tc.line {
					t.Errorf("the answer at line %d, want the file's %d", e.Line, tc.line)
				}
			}
			if want := []string{"command AT+COPS?", "echo AT+COPS?", `info +COPS: 0,2,"26202",7`, "final OK"}; strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("entries %q, want %q", got, want)
			}
		})
	}
	t.Run("not a page", func(t *testing.T) {
		// A log that holds markup of its own is not a page.
		tr, err := Read("plain.log", []byte("AT+CGDCONT?\n+CGDCONT: 1,\"IP\",\"<html>\"\n\nOK\n"), "")
		if err != nil {
			t.Fatal(err)
		}
		if tr.Page || !strings.Contains(tr.Entries[len(tr.Entries)-2].Text, `"<html>"`) {
			t.Errorf("page %v, entries %+v", tr.Page, tr.Entries)
		}
	})
}

// FuzzPageText: any page reads without a panic, line for line.
func FuzzPageText(f *testing.F) {
	f.Add([]byte("<html><body><pre>AT\nOK\n</pre></body></html>\n"))
	f.Add([]byte("<!DOCTYPE html>\n<p>\xc4\xb0\xff</p><pre>AT+COPS?\n+COPS: 0,2,&quot;26202&quot;,7\nOK</pre>"))
	f.Add([]byte("<html><pre>unclosed <b"))
	f.Add([]byte("<html><pre>AT&#10;OK&#13;\n</pre>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, ok := pageText(data)
		if ok && bytes.Count(out, []byte{'\n'}) != bytes.Count(data, []byte{'\n'}) {
			t.Errorf("%d lines from %d", bytes.Count(out, []byte{'\n'}), bytes.Count(data, []byte{'\n'}))
		}
	})
}

// TestBootEndsACommandInFlight: a modem that boots with a command in
// flight (a watchdog during an lpac download) never answers it: the boot
// ends the wait, the log is not read as cut short (outside tester sw111:
// refused as "truncated?" with ten lines after the command).
func TestBootEndsACommandInFlight(t *testing.T) {
	text := "> AT+CPIN?\n< +CPIN: READY\n< OK\n> AT+CGLA=1,16,\"81E2910003BF2000\"\n< RDY\n< +CPIN: READY\n"
	tr, err := Read("lpac.log", []byte(text), Plain)
	if err != nil {
		t.Fatal(err)
	}
	cmds := tr.Commands()
	if len(cmds) != 2 || slices.ContainsFunc(tr.Answer(cmds[1]), func(e Entry) bool { return e.Role == Final }) {
		t.Errorf("commands %v, the second's answer %v", cmds, tr.Answer(cmds[1]))
	}
	if _, err := Read("cut.log", []byte("> AT+CSQ\n< +CSQ: 1\n"), Plain); err == nil {
		t.Error("a log cut inside an answer read whole")
	}
}

// TestHTMLPageEdges: a "<pre" inside a script is no <pre> block (the
// body's text is read), and a page saved with CR-only line ends keeps
// them (outside review sw114: the log blanked; one line).
func TestHTMLPageEdges(t *testing.T) {
	for _, tc := range []struct{ name, text string }{
		{"pre in a script", "<html><head><script>var s = \"<pre>\";</script></head><body>\nAT+CSQ\n+CSQ: 20,99\n\nOK\n</body></html>\n"},
		{"CR-only", "<html><body><pre>\rAT+CSQ\r+CSQ: 20,99\r\rOK\r</pre></body></html>\r"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("ticket.html", []byte(tc.text), "")
			if err != nil {
				t.Fatal(err)
			}
			if cmds := tr.Commands(); len(cmds) != 1 || tr.Entries[cmds[0]].Text != "AT+CSQ" {
				t.Errorf("entries %+v", tr.Entries)
			}
		})
	}
}
