package telnet

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func events(evs []Event) string {
	var s []string
	for _, e := range evs {
		s = append(s, e.String())
	}
	return strings.Join(s, "; ")
}

// TestDecode: each vector is what ser2net 4.3 or a broken peer sends.
func TestDecode(t *testing.T) {
	tests := []struct {
		name   string
		binary bool
		in     []byte
		data   string
		events string
	}{
		{"plain data", true, []byte("OK\r\n"), "OK\r\n", ""},
		{"doubled IAC is one data byte", true, []byte{'A', IAC, IAC, 'B'}, "A\xffB", ""},
		// ser2net 4.3.11 greets a telnet(rfc2217) client with these.
		{"ser2net greeting", true, []byte{IAC, WILL, 3, IAC, DO, 3, IAC, WILL, 1, IAC, DONT, 1, IAC, DO, 0, IAC, WILL, 0, IAC, DO, 44},
			"", "WILL 3; DO 3; WILL 1; DONT 1; DO 0; WILL 0; DO 44"},
		{"modem state notification", true, []byte{IAC, SB, 44, 107, 0x30, IAC, SE, 'O', 'K'}, "OK", "SB 44 6B 30"},
		{"baud answer 115200", true, []byte{IAC, SB, 44, 101, 0, 1, 0xC2, 0, IAC, SE}, "", "SB 44 65 00 01 C2 00"},
		{"IAC doubled inside SB", true, []byte{IAC, SB, 44, 101, 0, 0, IAC, IAC, IAC, SE}, "", "SB 44 65 00 00 FF"},
		{"NOP and AYT between data", true, []byte{'a', IAC, NOP, 'b', IAC, AYT}, "ab", "NOP; AYT"},
		{"CR NUL in a non-binary stream", false, []byte("AT\r\x00OK\r\n"), "AT\rOK\r\n", ""},
		{"CR NUL in a binary stream", true, []byte("AT\r\x00"), "AT\r\x00", ""},
		{"SB not closed by SE", true, []byte{IAC, SB, 44, 1, 2, IAC, WILL, 3, 'x'}, "x", "malformed: subnegotiation of option 44 not closed by IAC SE; WILL 3"},
		{"SE alone", true, []byte{IAC, SE, 'x'}, "x", "malformed: SE outside a subnegotiation"},
		{"SB without option", true, []byte{IAC, SB, IAC, NOP}, "", "malformed: subnegotiation without an option; NOP"},
		{"overlong SB", true, append(append([]byte{IAC, SB, 44}, bytes.Repeat([]byte{7}, MaxSubneg+10)...), IAC, SE, 'z'),
			"z", fmt.Sprintf("malformed: subnegotiation of option 44 longer than %d bytes", MaxSubneg)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Whole, then one byte at a time: splits must not matter.
			for _, step := range []int{len(tc.in), 1} {
				d := Decoder{Binary: tc.binary}
				var data []byte
				var evs []Event
				for i := 0; i < len(tc.in); i += step {
					dd, ee := d.Feed(tc.in[i:min(i+step, len(tc.in))])
					data = append(data, dd...)
					for _, e := range ee {
						e.Payload = bytes.Clone(e.Payload)
						evs = append(evs, e)
					}
				}
				if string(data) != tc.data || events(evs) != tc.events {
					t.Errorf("step %d: data %q events %q, want %q %q", step, data, events(evs), tc.data, tc.events)
				}
			}
		})
	}
}

func TestEscape(t *testing.T) {
	if got := Escape([]byte{'A', IAC, '\r'}, true); !bytes.Equal(got, []byte{'A', IAC, IAC, '\r'}) {
		t.Errorf("binary: % X", got)
	}
	if got := Escape([]byte("AT\rX\r\n"), false); string(got) != "AT\r\x00X\r\n" {
		t.Errorf("NVT: %q", got)
	}
	if got := Subneg(44, []byte{1, 0, 0, IAC, 0}); !bytes.Equal(got, []byte{IAC, SB, 44, 1, 0, 0, IAC, IAC, 0, IAC, SE}) {
		t.Errorf("subneg: % X", got)
	}
}

// The round trip: whatever is escaped decodes to itself.
func TestEscapeRoundTrip(t *testing.T) {
	in := []byte{0, 1, IAC, '\r', 0, '\r', '\n', IAC, IAC, SE, 'x'}
	for _, bin := range []bool{true, false} {
		d := Decoder{Binary: bin}
		data, evs := d.Feed(Escape(in, bin))
		if !bytes.Equal(data, in) || len(evs) != 0 {
			t.Errorf("binary %v: % X %v", bin, data, evs)
		}
	}
}

func TestOptions(t *testing.T) {
	o := Options{Accept: func(opt byte, us bool) bool {
		return opt == OptBinary || opt == OptSGA || opt == OptComPort && us
	}}
	steps := []struct {
		cmd, opt byte
		want     []byte
	}{
		{WILL, OptSGA, Negotiate(DO, OptSGA)},
		{WILL, OptSGA, nil}, // already on: no answer, no loop
		{WILL, OptEcho, Negotiate(DONT, OptEcho)},
		{DONT, OptEcho, nil},
		{DO, OptComPort, Negotiate(WILL, OptComPort)},
		{DO, 99, Negotiate(WONT, 99)},
		{WONT, OptSGA, Negotiate(DONT, OptSGA)},
		{WONT, OptSGA, nil},
	}
	for i, s := range steps {
		if got := o.Receive(s.cmd, s.opt); !bytes.Equal(got, s.want) {
			t.Errorf("step %d %s %d: % X, want % X", i, CmdName(s.cmd), s.opt, got, s.want)
		}
	}
	if !o.Us(OptComPort) || o.Him(OptSGA) || o.Him(OptEcho) {
		t.Error("state")
	}
	// Our request, then the peer's acknowledgement: no further answer.
	if got := o.Request(OptBinary, false); !bytes.Equal(got, Negotiate(DO, OptBinary)) || !o.Pending(OptBinary, false) {
		t.Errorf("request % X", got)
	}
	if got := o.Receive(WILL, OptBinary); got != nil || !o.Him(OptBinary) {
		t.Errorf("ack answered % X", got)
	}
	if got := o.Request(OptBinary, false); got != nil {
		t.Errorf("second request % X", got)
	}
	// A refused request of ours.
	o.Request(OptSGA, true)
	if got := o.Receive(DONT, OptSGA); got != nil || o.Us(OptSGA) || o.Pending(OptSGA, true) {
		t.Errorf("refusal % X", got)
	}
}

func TestComPort(t *testing.T) {
	if got := SetBaudRate(115200); !bytes.Equal(got, []byte{IAC, SB, 44, 1, 0, 1, 0xC2, 0, IAC, SE}) {
		t.Errorf("SET-BAUDRATE % X", got)
	}
	// 0x0000FF00-ish rates put an IAC inside the value.
	if got := SetBaudRate(0xFF); !bytes.Equal(got, []byte{IAC, SB, 44, 1, 0, 0, 0, IAC, IAC, IAC, SE}) {
		t.Errorf("SET-BAUDRATE with IAC % X", got)
	}
	if got := SetByte(CPSetParity, ParityNone); !bytes.Equal(got, []byte{IAC, SB, 44, 3, 1, IAC, SE}) {
		t.Errorf("SET-PARITY % X", got)
	}
	c, err := ParseComPort([]byte{101, 0, 1, 0xC2, 0})
	if err != nil || !c.Reply || c.Cmd != CPSetBaudRate {
		t.Fatalf("%v %v", c, err)
	}
	if b, err := c.Baud(); err != nil || b != 115200 {
		t.Errorf("baud %d %v", b, err)
	}
	c, err = ParseComPort([]byte{107, ModemCD | ModemDSR})
	if v, _ := c.Byte(); err != nil || c.Cmd != CPNotifyModemState || v != 0xA0 {
		t.Errorf("modem state %v %v", c, err)
	}
	for _, bad := range [][]byte{nil, {101, 1, 2}, {113}, {250, 1}, {103}, {102, 8, 9}} {
		if c, err := ParseComPort(bad); err == nil {
			t.Errorf("% X: %v, want an error", bad, c)
		}
	}
	if _, err := (ComPort{Cmd: CPSetParity, Value: []byte{1}}).Baud(); err == nil {
		t.Error("Baud of SET-PARITY")
	}
}
