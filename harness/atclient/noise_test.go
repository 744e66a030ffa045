package atclient

import (
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/internal/answerpty"
)

// Line noise (a UART at power-up: NUL, 0xFF, XOFF, DEL) is no answer
// text: a line of it is left out of the command's answer (ATI's lines
// are the modem's identity), a final result or URC glitched by it is
// still taken, and the trace shows the bytes escaped, never raw, so that
// at.log stays text (outside tester sw61, F4).
func TestLineNoise(t *testing.T) {
	const noise = "\x00\xff\x13garbage\x7f"
	path := answerpty.Open(t, func(l string) string {
		switch l {
		case "ATI":
			return "\r\n" + noise + "\r\nFake Modem Inc\r\nFM100\r\n\r\nOK\r\n"
		case "AT+CGMM":
			return "\r\nFM100\r\n\r\n\x00\xffOK\r\n" // the final glitched
		case "AT+CPIN?":
			return "\r\n\xffRDY\r\n\r\n+CPIN: READY\r\n\r\nOK\r\n"
		case "AT+COPS?":
			return "\r\n+COPS: 0,0,\"Telefónica\",7\r\n\r\nOK\r\n" // UTF-8 is text
		}
		return "\r\nOK\r\n"
	})
	trace := lockedWriter{w: &strings.Builder{}}
	c, err := Open(path, WithTimeout(2*time.Second), WithTrace(&trace))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	for _, tc := range []struct{ cmd, lines string }{
		{"ATI", "Fake Modem Inc|FM100"},
		{"AT+CGMM", "FM100"},
		{"AT+CPIN?", "+CPIN: READY"},
		{"AT+COPS?", `+COPS: 0,0,"Telefónica",7`},
	} {
		rsp, err := c.Command(tc.cmd)
		if err != nil || strings.Join(rsp.Lines, "|") != tc.lines {
			t.Fatalf("%s: %+v %v, want %q; trace:\n%s", tc.cmd, rsp, err, tc.lines, trace.String())
		}
	}
	if urcs := c.URCs(); len(urcs) != 1 || urcs[0] != "RDY" {
		t.Errorf("URCs %q, want the glitched RDY", urcs)
	}
	log := trace.String()
	for l := range strings.Lines(log) {
		if fieldlog.Noisy(strings.TrimSuffix(l, "\n")) {
			t.Errorf("the trace holds raw noise: %q", l)
		}
	}
	for _, want := range []string{`< \x00\xFF\x13garbage\x7F`, "a line with 4 noise byte(s)", `< \x00\xFFOK`, `noise byte(s) in the line taken as "OK"`, `taken as "RDY"`, "Telefónica"} {
		if !strings.Contains(log, want) {
			t.Errorf("trace lacks %q:\n%s", want, log)
		}
	}
}

// A command answered by noise alone — a port at another speed — times out
// saying so, not as a slow modem (outside tester sw104: garbage on the
// line was advised a longer --timeout).
func TestNoiseInsteadOfAnAnswer(t *testing.T) {
	path := answerpty.Open(t, func(l string) string {
		if l == "AT+CGMM" {
			return "\r\n\x00\xff\x13\xfe\r\n\xff\xff\xff\r\n"
		}
		return "\r\nOK\r\n"
	})
	c, err := Open(path, WithTimeout(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Command("AT+CGMM"); err == nil {
		t.Fatal("noise taken for an answer")
	}
	to := c.Timeouts()
	if len(to) != 1 || to[0].Noise != 2 || !strings.Contains(to[0].String(), "2 line(s) of noise meanwhile, no text: a wrong speed or line settings") {
		t.Errorf("timeouts %+v", to)
	}
}
