package modem

import (
	"testing"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/internal/personality"
)

// wireModem starts a modem of personality name over a Wire, so a test
// compares the bytes it sends (headers, trailers) exactly; its boot
// output is dropped.
func wireModem(t *testing.T, name string) (*Modem, *wireBuf) {
	t.Helper()
	p, err := personality.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	loop := clock.NewLoop(clock.NewVirtual(clock.Epoch))
	card := newFakeCard()
	w := &wireBuf{}
	m, err := New(Options{Loop: loop, Card: card, Network: &fakeNet{reg: roaming()}, STK: &fakeSTK{card: card},
		Wire: w, Personality: p})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	w.Reset()
	return m, w
}

// bytesExchange is a line the host writes (its CR included) and the bytes
// the modem sends back for it, echo off.
type bytesExchange struct{ in, want string }

func runBytes(t *testing.T, name string, steps []bytesExchange) {
	t.Helper()
	m, w := wireModem(t, name)
	m.Input([]byte("ATE0\r"))
	w.Reset()
	for _, s := range steps {
		m.Input([]byte(s.in))
		if got := w.String(); got != s.want {
			t.Errorf("%s %q: sent %q, want %q", name, s.in, got, s.want)
		}
		w.Reset()
	}
}

// TestNumericResultCodes: under ATV0 a result code has no header and ends
// in CR (V.250 §5.7.1), information text ends in CR LF, and an extended
// syntax result code — +CME ERROR, in either +CMEE form, with a
// personality's own wording too — is framed as a result code, not as
// information text (V.250 §5.7.2). The modem used to end +CME ERROR in
// CR LF under V0, so a host reading "<code><CR>" finals found the LF
// ahead of the next answer.
func TestNumericResultCodes(t *testing.T) {
	for _, name := range []string{"generic", "quectel-eg25"} {
		runBytes(t, name, []bytesExchange{
			{"ATV0\r", "0\r"},
			{"AT\r", "0\r"},
			{"AT+FOO\r", "4\r"},
			{"AT+CMEE?\r", "+CMEE: 0\r\n0\r"},
			{"AT+CSIM=3\r", "4\r"}, // +CMEE=0: ERROR's number
			{"AT+CMEE=1\r", "0\r"},
			{"AT+CSIM=3\r", "+CME ERROR: 50\r"},
			{"AT+FOO\r", "4\r"}, // unknown: plain ERROR whatever +CMEE says
			{"AT+CMEE=2\r", "0\r"},
			{"ATV1\r", "\r\nOK\r\n"},
			{"ATV0\r", "0\r"},
		})
	}
	runBytes(t, "generic", []bytesExchange{
		{"ATV0;+CMEE=2\r", "0\r"},
		{"AT+CSIM=3\r", "+CME ERROR: incorrect parameters\r"},
	})
	runBytes(t, "quectel-eg25", []bytesExchange{
		{"ATV0;+CMEE=2\r", "0\r"},
		{"AT+CSIM=3\r", "+CME ERROR: Incorrect parameters\r"}, // its own wording
		{"ATV1\r", "\r\nOK\r\n"},
		{"AT+CSIM=3\r", "\r\n+CME ERROR: Incorrect parameters\r\n"},
	})
}

// TestSpacesAndCase: V.250 §5.2.1 ignores spaces outside constants and
// takes commands in either case; the modem refused "AT+CMEE = 2" and
// "AT + CMEE?" with ERROR.
func TestSpacesAndCase(t *testing.T) {
	runBytes(t, "generic", []bytesExchange{
		{"AT+CMEE = 2\r", "\r\nOK\r\n"},
		{"AT + CMEE ?\r", "\r\n+CMEE: 2\r\n\r\nOK\r\n"},
		{"aT+cMeE =?\r", "\r\n+CMEE: (0-2)\r\n\r\nOK\r\n"},
		{"at+cmee=1 ; +cmee?\r", "\r\n+CMEE: 1\r\n\r\nOK\r\n"},
		{"AT E 0 V 1\r", "\r\nOK\r\n"},
		{"ATS7 = 60;S7 ?\r", "\r\n060\r\n\r\nOK\r\n"},
		{"AT+CMEE=1 2\r", "\r\n+CME ERROR: 50\r\n"}, // a space inside a number is no space to skip
		{"AT+ \r", "\r\nERROR\r\n"},
	})
}

// TestQuietResultCodes: ATQ1 suppresses the final result codes (V.250
// §6.2.5) — its own OK too, being in force when that would go — while
// information text and URCs still go; ATQ0, ATZ and AT&F bring them back
// and AT&W keeps Q. The modem refused ATQ1 with ERROR.
func TestQuietResultCodes(t *testing.T) {
	runBytes(t, "generic", []bytesExchange{
		{"ATQ1\r", ""},
		{"AT\r", ""},
		{"AT+CGMI\r", "\r\nesimhil\r\n"},
		{"AT+FOO\r", ""},
		{"AT+CMEE=1;+CSIM=3\r", ""},
		{"ATQ0\r", "\r\nOK\r\n"},
		{"ATQ1;Z\r", "\r\nOK\r\n"}, // ATZ: no stored profile, the factory's Q0 (and E1)
		{"ATQ1E0&F\r", "ATQ1E0&F\r\r\nOK\r\n"},
		{"ATE0Q1;&W\r", "ATE0Q1;&W\r"},
		{"ATZ\r", ""},
		{"ATQ0\r", "\r\nOK\r\n"},
		{"ATQ2\r", "\r\nERROR\r\n"},
		{"ATQ?\r", "\r\nERROR\r\n"},
		{"ATQ1V0\r", ""},
		{"AT+CGMI\r", "esimhil\r\n"},
	})
}

// TestLineCharacters: S3 ends command lines and, with S4, frames every
// answer (its own line's result code already: V.250 §6.2.1); S5 edits the
// line and rubs out as S5, space, S5; AT&W keeps them, ATZ and AT&F bring
// them back. The modem refused any S3, S4 or S5 but the default.
func TestLineCharacters(t *testing.T) {
	runBytes(t, "generic", []bytesExchange{
		{"ATS3=35\r", "#\nOK#\n"},
		{"AT#", "#\nOK#\n"},
		{"AT\r", ""}, // CR is now a control byte inside a line
		{"#", "#\nERROR#\n"},
		{"ATS4=126#", "#~OK#~"},
		{"ATS3?;S4?#", "#~035#~#~126#~#~OK#~"},
		{"AT+CMEE=1;+CSIM=3#", "#~+CME ERROR: 50#~"},
		{"ATV0#", "0#"},
		{"AT+CGMI#", "esimhil#~0#"},
		{"ATV1;S3=13;S4=10#", "\r\nOK\r\n"},
		{"ATS5=126\r", "\r\nOK\r\n"},
		{"AT+CGMX~I\r", "\r\nesimhil\r\n\r\nOK\r\n"},
		{"ATE1\r", "\r\nOK\r\n"},
		{"AT+CGMX~I\r", "AT+CGMX~ ~I\r\r\nesimhil\r\n\r\nOK\r\n"},
		{"ATE0;S3=35;&W\r", "ATE0;S3=35;&W\r#\nOK#\n"},
		{"ATS3=13#", "\r\nOK\r\n"},
		{"ATZ\r", "#\nOK#\n"},
		{"ATS5?#", "#\n126#\n#\nOK#\n"},
		{"AT&F#", "\r\nOK\r\n"},
		{"ATE0;S3?;S4?;S5?\r", "ATE0;S3?;S4?;S5?\r\r\n013\r\n\r\n010\r\n\r\n008\r\n\r\nOK\r\n"},
		{"ATS3=0;S4=128;S5=200\r", "\r\nERROR\r\n"},
	})
}
