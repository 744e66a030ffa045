package modem

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/internal/codec/at"
)

// keystroke is one write to the tty and what the modem sends back for it;
// do, if set, runs (on the loop's side) before the read.
type keystroke struct {
	in, out string
	do      func(t *testing.T, r *rig)
}

// typing writes s a byte at a time, each echoed as itself.
func typing(s string) []keystroke {
	out := make([]keystroke, len(s))
	for i := range len(s) {
		out[i] = keystroke{in: s[i : i+1], out: s[i : i+1]}
	}
	return out
}

func keys(parts ...[]keystroke) []keystroke {
	var out []keystroke
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// TestEchoPerByte types on the real pty a byte at a time and reads, after
// each, what the modem sent back (V.250 §5.2.1, §6.2.4: the echo of each
// character as it comes, S5 editing the line). A byte echoed wrongly, or
// one echoed that should not be, shows in the next read: the stream is
// compared whole, in order. The old modem echoed a line only once its
// terminator came.
func TestEchoPerByte(t *testing.T) {
	const cgmi = "\r\nesimhil\r\n\r\nOK\r\n"
	var lines int64 // LinesIn when the power went
	tests := []struct {
		name string
		keys []keystroke
	}{
		{"each byte as it comes", keys(typing("AT+CGMI"), []keystroke{{in: "\r", out: "\r" + cgmi}})},
		{"backspace removes the character before it", keys(typing("AT+CGMM"),
			[]keystroke{{in: "\b", out: "\b \b"}}, typing("I"),
			[]keystroke{{in: "\r", out: "\r" + cgmi}})}, // AT+CGMI, not the model
		{"DEL as backspace", keys(typing("AT+CGMX"),
			[]keystroke{{in: "\x7f", out: "\b \b"}}, typing("R"),
			[]keystroke{{in: "\r", out: "\r\r\n1.0\r\n\r\nOK\r\n"}})},
		{"backspace with nothing to remove is not echoed", keys(
			[]keystroke{{in: "\b"}}, typing("A"),
			[]keystroke{{in: "\b", out: "\b \b"}, {in: "\b"}}, typing("AT"),
			[]keystroke{{in: "\r", out: "\r\r\nOK\r\n"}})},
		{"CR LF: the LF ends nothing", keys(typing("AT"),
			[]keystroke{{in: "\r", out: "\r\r\nOK\r\n"}, {in: "\n"}, {in: "\r"}}, typing("AT"),
			[]keystroke{{in: "\n", out: "\r\r\nOK\r\n"}})},
		{"A/ runs the previous line at its slash", keys(
			[]keystroke{{in: "AT+CGMI\r", out: "AT+CGMI\r" + cgmi}}, typing("A"),
			[]keystroke{{in: "/", out: "/" + cgmi}})},
		{"control bytes alone (gammu's ESC CR) are no line: no echo, no answer", keys(
			[]keystroke{{in: "\x1b"}, {in: "\r"}, {in: "\x1a\r"}}, typing("AT"),
			[]keystroke{{in: "\r", out: "\r\r\nOK\r\n"}})},
		// V.250 §5.2.1: what comes before the prefix is no part of the
		// line; a control byte there is not echoed either.
		{"ESC or Ctrl-Z before AT in one write (leaving an SMS prompt)", []keystroke{
			{in: "\x1bAT+CGMI\r", out: "AT+CGMI\r" + cgmi}, {in: "\x1aAT\r", out: "AT\r\r\nOK\r\n"},
			{in: "xyzAT\r", out: "xyzAT\r\r\nOK\r\n"}, {in: "xyz\r", out: "xyz\r\r\nERROR\r\n"}}},
		{"a control byte is echoed and spoils the line", keys(typing("AT"),
			[]keystroke{{in: "\x01", out: "\x01"}, {in: "\r", out: "\r\r\nERROR\r\n"}})},
		// A/ repeats the previous command line, the refused one too: ERROR
		// again, not the line before it.
		{"A/ after a refused line refuses again", keys(
			[]keystroke{{in: "AT+CGMI\r", out: "AT+CGMI\r" + cgmi}}, typing("AT"),
			[]keystroke{{in: "\x01", out: "\x01"}, {in: "\r", out: "\r\r\nERROR\r\n"}}, typing("A"),
			[]keystroke{{in: "/", out: "/\r\nERROR\r\n"}})},
		{"no echo with ATE0", keys(
			[]keystroke{{in: "ATE0\r", out: "ATE0\r\r\nOK\r\n"}, {in: "A"}, {in: "T"}, {in: "\b"}, {in: "T"},
				{in: "\r", out: "\r\nOK\r\n"}})},
		{"no echo without power", keys(
			[]keystroke{{do: func(t *testing.T, r *rig) {
				lines = r.m.LinesIn()
				r.loop.Do(r.m.PowerOff)
			}}, {in: "A"}, {in: "T"}, {in: "\r"}, {out: "\r\nRDY\r\n", do: func(t *testing.T, r *rig) {
				if !r.m.AwaitLinesIn(lines, 3*time.Second) {
					t.Fatal("the line typed without power was not taken in")
				}
				r.loop.Do(r.m.PowerOn)
			}}}, typing("AT"), []keystroke{{in: "\r", out: "\r\r\nOK\r\n"}})},
		// The line buffer goes with the power: "MI" alone is no command.
		{"a half-typed line is lost at power off", keys(typing("AT+CG"),
			[]keystroke{{out: "\r\nRDY\r\n", do: func(t *testing.T, r *rig) { r.loop.Do(func() { r.m.PowerOff(); r.m.PowerOn() }) }}},
			typing("MI"), []keystroke{{in: "\r", out: "\r\r\nERROR\r\n"}})},
		// So does the previous command line A/ repeats (V.250 §5.2.4):
		// after a power cycle or a restart there is none, and A/ is an
		// empty line, OK — not the line before, which here would restart
		// the modem again.
		{"A/ after a power cycle repeats nothing", keys(
			[]keystroke{{in: "AT+CGMI\r", out: "AT+CGMI\r" + cgmi},
				{out: "\r\nRDY\r\n", do: func(t *testing.T, r *rig) { r.loop.Do(func() { r.m.PowerOff(); r.m.PowerOn() }) }}},
			typing("A"), []keystroke{{in: "/", out: "/\r\nOK\r\n"}})},
		{"A/ after a +CFUN=1,1 restart repeats nothing", keys(
			[]keystroke{{in: "AT+CGMI;+CFUN=1,1\r", out: "AT+CGMI;+CFUN=1,1\r" + cgmi},
				{out: "\r\nRDY\r\n", do: func(t *testing.T, r *rig) { r.advance(t, time.Minute) }}},
			typing("A"), []keystroke{{in: "/", out: "/\r\nOK\r\n"}})},
		// A URC is held back while a command runs, not while a line is
		// typed: it comes between the echoed halves of the line.
		{"a URC during a half-typed line", keys(
			[]keystroke{{in: "AT+CEREG=1\r", out: "AT+CEREG=1\r\r\nOK\r\n"}}, typing("AT+CG"),
			[]keystroke{{out: "\r\n+CEREG: 5\r\n", do: func(t *testing.T, r *rig) { r.advance(t, 2*time.Second) }}},
			typing("MI"), []keystroke{{in: "\r", out: "\r" + cgmi}})},
		// What hosts do: the output is the same bytes as before.
		{"a whole line in one write", []keystroke{{in: "AT+CGMI\r\n", out: "AT+CGMI\r" + cgmi}, {in: "A/", out: "A/" + cgmi}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.c.Close() // the test talks to the tty itself
			f, err := os.OpenFile(r.m.Path(), os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var sent, got strings.Builder
			buf := make([]byte, 256)
			for _, k := range tc.keys {
				if k.do != nil {
					k.do(t, r)
				}
				if k.in != "" {
					if _, err := f.WriteString(k.in); err != nil {
						t.Fatal(err)
					}
				}
				sent.WriteString(k.in)
				want := got.String() + k.out
				f.SetReadDeadline(time.Now().Add(3 * time.Second))
				for got.Len() < len(want) {
					n, err := f.Read(buf)
					if err != nil {
						t.Fatalf("after %q: read %q: %v", sent.String(), got.String(), err)
					}
					got.Write(buf[:n])
				}
				if got.String() != want {
					t.Fatalf("after %q: the modem sent %q, want %q", sent.String(), got.String(), want)
				}
			}
		})
	}
}

// TestFrameTyped: the pieces a read's bytes make, cut where lines end.
func TestFrameTyped(t *testing.T) {
	var sp at.Splitter
	got := frameTyped(&sp, []byte("AT\r\nATX\bI\rAT+C"), nil)
	want := []typed{
		{echo: []byte("AT\r"), line: at.Line{Text: "AT"}, ends: true},
		{echo: []byte("ATX\b \bI\r"), line: at.Line{Text: "ATI"}, ends: true},
		{echo: []byte("AT+C")},
	}
	if len(got) != len(want) {
		t.Fatalf("%d pieces %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if string(got[i].echo) != string(want[i].echo) || got[i].line != want[i].line || got[i].ends != want[i].ends {
			t.Errorf("piece %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if rest := frameTyped(&sp, []byte("GMI\r"), nil); len(rest) != 1 || string(rest[0].echo) != "GMI\r" || rest[0].line.Text != "AT+CGMI" {
		t.Errorf("the rest of the line: %+v", rest)
	}
}

// TestFrameTypedIn: the echoes' array kept from one read serves the
// next, each read's pieces as frameTyped cuts them.
func TestFrameTypedIn(t *testing.T) {
	var sp, fresh at.Splitter
	var all []byte
	for _, read := range []string{"AT+CGLA=1,22,\"81E2\"\r", "AT\r\nATX\bI\rAT+C", "GMI\r", "AT+CGLA=1,22,\"81E2\"\r"} {
		var got []typed
		got, all = frameTypedIn(&sp, []byte(read), nil, all)
		want := frameTyped(&fresh, []byte(read), nil)
		if len(got) != len(want) {
			t.Fatalf("%q: %d pieces, want %d", read, len(got), len(want))
		}
		for i := range want {
			if string(got[i].echo) != string(want[i].echo) || got[i].line != want[i].line || got[i].ends != want[i].ends {
				t.Errorf("%q piece %d: %+v, want %+v", read, i, got[i], want[i])
			}
		}
	}
}

type wireBuf struct{ strings.Builder }

func (w *wireBuf) Send(b []byte) { w.Write(b) }

// TestEchoOverWire: a Wire host typing a byte at a time gets the same
// echo as one on the pty.
func TestEchoOverWire(t *testing.T) {
	loop := clock.NewLoop(clock.NewVirtual(clock.Epoch))
	card := newFakeCard()
	w := &wireBuf{}
	m, err := New(Options{Loop: loop, Card: card, Network: &fakeNet{reg: roaming()}, STK: &fakeSTK{card: card}, Wire: w})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	w.Reset() // boot output
	for _, c := range []byte("AT+CGMM\bI\r") {
		m.Input([]byte{c})
	}
	if got, want := w.String(), "AT+CGMM\b \bI\r\r\nesimhil\r\n\r\nOK\r\n"; got != want {
		t.Errorf("wire %q, want %q", got, want)
	}
}

// TestParseKept: a command line sent again runs the commands parsed the
// first time (a host's poll costs no parse); another line is parsed.
func TestParseKept(t *testing.T) {
	var m Modem
	first, err := m.parse("AT+CSQ;+CREG?")
	if err != nil || len(first) != 2 {
		t.Fatalf("%+v %v", first, err)
	}
	again, _ := m.parse("AT+CSQ;+CREG?")
	if &again[0] != &first[0] {
		t.Error("the same line parsed again")
	}
	other, err := m.parse("AT+CGMI")
	if err != nil || len(other) != 1 || other[0].Name != "+CGMI" {
		t.Errorf("another line: %+v %v", other, err)
	}
	if _, err := m.parse("AT+CSQ;+"); err == nil {
		t.Error("a bad line parsed")
	}
	if kept, _ := m.parse("AT+CGMI"); &kept[0] != &other[0] {
		t.Error("a bad line replaced the kept one")
	}
}
