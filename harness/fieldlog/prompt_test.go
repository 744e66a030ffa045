package fieldlog

import (
	"fmt"
	"strings"
	"testing"
)

// TestPromptInputEnds: what a host types after the modem's "> " prompt
// ends at its Ctrl-Z (send) or ESC (cancel), which no CR follows, in
// every reader that cuts the host's bytes into lines: the next command is
// its own, with its own answer.
func TestPromptInputEnds(t *testing.T) {
	const pdu = "0001000B914306214365F7000006C8329BFD0601"
	// The conversation, as the bytes each side sent.
	type send struct {
		host bool
		data string
	}
	conv := func(end string) []send {
		return []send{
			{true, "AT+CMGS=18\r"},
			{false, "\r\n> "},
			{true, pdu + end},
			{false, "\r\n+CMGS: 7\r\n\r\nOK\r\n"},
			{true, "AT+CSQ\r"},
			{false, "\r\n+CSQ: 17,99\r\n\r\nOK\r\n"},
		}
	}
	strace := func(c []send) string {
		var b strings.Builder
		for _, s := range c {
			call := "read"
			if s.host {
				call = "write"
			}
			q := strings.NewReplacer("\r", `\r`, "\n", `\n`, "\x1a", `\32`, "\x1b", `\33`).Replace(s.data)
			fmt.Fprintf(&b, "%s(3, \"%s\", %d) = %d\n", call, q, len(s.data), len(s.data))
		}
		return b.String()
	}
	socatX := func(c []send) string {
		var b strings.Builder
		for i, s := range c {
			dir := '<'
			if s.host {
				dir = '>'
			}
			fmt.Fprintf(&b, "%c 2026/12/01 08:41:46.%06d  length=%d from=0 to=%d\n % x\n", dir, 100*(i+1), len(s.data), len(s.data)-1, s.data)
		}
		return b.String()
	}
	jpnevulator := func(c []send) string {
		var b strings.Builder
		for i, s := range c {
			src := "/dev/ttyUSB2"
			if s.host {
				src = "/dev/pts/1"
			}
			fmt.Fprintf(&b, "2026-12-01 11:03:50.%06d: %s\n% X\n", 100*(i+1), src, s.data)
		}
		return b.String()
	}
	for _, tc := range []struct {
		name string
		f    Format
		log  func([]send) string
	}{
		{"strace", Strace, strace},
		{"socat -x", Socat, socatX},
		{"jpnevulator", Jpnevulator, jpnevulator},
	} {
		for _, end := range []string{"\x1a", "\x1b"} {
			t.Run(tc.name+" "+Escape(end), func(t *testing.T) {
				tr, err := Read("test.log", []byte(tc.log(conv(end))), tc.f)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, e := range tr.Entries {
					s := e.Role.String() + " " + Escape(e.Text)
					if e.Cmd >= 0 {
						s += " (to " + Escape(tr.Entries[e.Cmd].Text) + ")"
					}
					got = append(got, s)
				}
				want := []string{
					"command AT+CMGS=18", "info >  (to AT+CMGS=18)",
					"command " + Escape(pdu+end), "info +CMGS: 7 (to " + Escape(pdu+end) + ")", "final OK (to " + Escape(pdu+end) + ")",
					"command AT+CSQ", "info +CSQ: 17,99 (to AT+CSQ)", "final OK (to AT+CSQ)",
				}
				if strings.Join(got, "|") != strings.Join(want, "|") {
					t.Errorf("entries\n  %q\nwant\n  %q", got, want)
				}
			})
		}
	}
}
