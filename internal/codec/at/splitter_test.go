package at

import (
	"errors"
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

func TestSplitter(t *testing.T) {
	long := "AT" + strings.Repeat("E", MaxLine)
	tests := []struct {
		name  string
		feeds []string
		want  []string // "!" prefix: an error wrapping the named sentinel
	}{
		{"cr", []string{"AT\r"}, []string{"AT"}},
		{"lf", []string{"AT\n"}, []string{"AT"}},
		{"crlf counts once", []string{"AT\r\nATE0\r\n"}, []string{"AT", "ATE0"}},
		{"lf cr is two terminators, empty dropped", []string{"AT\n\rATI\r"}, []string{"AT", "ATI"}},
		{"split across feeds", []string{"AT+C", "FUN?", "\r", "\nAT\r"}, []string{"AT+CFUN?", "AT"}},
		{"crlf split across feeds", []string{"AT\r", "\nAT\r"}, []string{"AT", "AT"}},
		{"empty lines ignored", []string{"\r\r\n\n\r\n"}, nil},
		{"backspace", []string{"ATX\bE0\r"}, []string{"ATE0"}},
		{"delete", []string{"ATZZ\x7f\r"}, []string{"ATZ"}},
		{"backspace on empty", []string{"\b\bAT\r"}, []string{"AT"}},
		{"no terminator yet", []string{"AT"}, nil},
		{"binary junk", []string{"A\x00T\r", "AT\r"}, []string{"!malformed", "AT"}},
		{"non-ascii", []string{"AT\xc3\xa9\r"}, []string{"!malformed"}},
		{"overlong", []string{long, "\r", "AT\r"}, []string{"!toolong", "AT"}},
		{"exactly max", []string{long[:MaxLine] + "\r"}, []string{long[:MaxLine]}},
		{"tab is control", []string{"AT\t\r"}, []string{"!malformed"}},
		{"control characters alone: no line", []string{"\x1b\r", "\x00\x1a\r\n", "\x1b", "\r", "AT\r"}, []string{"AT"}},
		// V.250 §5.2.1: what is no part of a command line is ignored;
		// the line begins at its prefix.
		{"a control byte before the prefix is no part of the line", []string{"\x1bAT+CMGF=0\r", "\x1aAT\r"}, []string{"AT+CMGF=0", "AT"}},
		{"text and 8-bit bytes before the prefix", []string{"xyzAT\r", "\xff\x00at+cgmi\r", "  AT\r", "AaT\r"}, []string{"AT", "at+cgmi", "AT", "aT"}},
		{"junk before the prefix across feeds", []string{"\x1bA", "T", "E0\r"}, []string{"ATE0"}},
		{"a control byte between A and T spoils the prefix", []string{"A\x01T\r", "\x1bA\x01T\r", "\x1b\x1bA\x01T\r"}, []string{"!malformed", "!malformed", "!malformed"}},
		{"a control byte after the prefix still spoils", []string{"\x1bAT\x01\r"}, []string{"!malformed"}},
		{"no prefix: still a line", []string{"xyz\r", "CGMI\r"}, []string{"xyz", "CGMI"}},
		{"junk before the prefix does not count to MaxLine", []string{strings.Repeat("x", 3*MaxLine), long[:MaxLine] + "\r"}, []string{long[:MaxLine]}},
		{"junk over MaxLine without a prefix is too long", []string{strings.Repeat("x", MaxLine+1) + "\r"}, []string{"!toolong"}},
		{"the prefix taken back is no prefix", []string{"AT\b\bxAT\r"}, []string{"AT"}},
		{"A/ after junk", []string{"\x1bA/", "xa/"}, []string{"!repeat A/", "!repeat a/"}},
		{"non-ASCII alone spoils the line", []string{"\xc3\xa9\r"}, []string{"!malformed"}},
		{"A/ needs no terminator", []string{"A/"}, []string{"!repeat A/"}},
		{"a/ lower case, across feeds", []string{"AT\ra", "/AT\r"}, []string{"AT", "!repeat a/", "AT"}},
		{"a slash later in a line is text", []string{"AT+X=A/\r", "ATA/\r"}, []string{"AT+X=A/", "ATA/"}},
		{"A/ after a backspace", []string{"AX\b/"}, []string{"!repeat A/"}},
		// V.250 §5.2.1, §5.2.4: the prefix is "A/" itself; a control byte
		// between its A and "/" spoils it as one between A and T does.
		{"a control byte between A and / is no repeat", []string{"A\x01/\r"}, []string{"!malformed"}},
		{"A\x01/ before AT is noise before the prefix", []string{"A\x01/A\x01/AT+CGMI\r"}, []string{"AT+CGMI"}},
		{"A\x01/ across feeds", []string{"A", "\x01", "/", "AT\r"}, []string{"AT"}},
		{"a control byte before the A still repeats", []string{"\x01A/", "\x1b\x1ba/"}, []string{"!repeat A/", "!repeat a/"}},
		{"A/ after A\x01/", []string{"A\x01/A/"}, []string{"!repeat A/"}},
		// One check for both prefixes: the control byte came, a backspace
		// and a fresh A do not take it back.
		{"A\x01, backspace, A: no prefix of either kind", []string{"A\x01\bA/\r", "A\x01\bAT\r"}, []string{"!malformed", "!malformed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s Splitter
			var got []string
			for _, f := range tc.feeds {
				for _, l := range s.Feed([]byte(f)) {
					switch {
					case errors.Is(l.Err, ErrMalformed):
						got = append(got, "!malformed")
					case errors.Is(l.Err, ErrLineTooLong):
						got = append(got, "!toolong")
					case l.Err != nil:
						t.Fatalf("unexpected error %v", l.Err)
					case l.Repeat:
						got = append(got, "!repeat "+l.Text)
					default:
						got = append(got, l.Text)
					}
				}
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSplitterBoundedMemory(t *testing.T) {
	var s Splitter
	chunk := []byte(strings.Repeat("A", 4096))
	for i := 0; i < 256; i++ {
		if out := s.Feed(chunk); len(out) != 0 {
			t.Fatalf("line completed without terminator")
		}
	}
	if cap(s.buf) > 2*MaxLine {
		t.Errorf("buffer grew to %d bytes", cap(s.buf))
	}
}

// FuzzSplitParse checks that any byte stream frames and parses without
// panicking, within the line bound, and that parsed lines re-render to a
// line that parses to the same commands.
func FuzzSplitParse(f *testing.F) {
	for _, s := range []string{
		"AT\r", "ATE0V1\r\n", "AT+CMEE=2;+CFUN?\r", "AT+CSIM=10,\"00A4040000\"\r",
		"AT+CRSM=176,28423,0,0,9\r", "AT+COPS=?;+CEREG=2\r", "AT+CGLA=1,10,\"8\r",
		"ATS0=1;S0?\r", "AT\x00\x01\r", "at+ccho=\"A0000005591010FFFFFFFF8900000100\"\n",
		"AT;;\r", "AT+CRSM=176,,,\r",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Splitter
		for _, l := range s.Feed(data) {
			if l.Err != nil {
				continue
			}
			if len(l.Text) > MaxLine {
				t.Fatalf("line of %d bytes", len(l.Text))
			}
			cmds, err := Parse(l.Text)
			if err != nil {
				continue
			}
			parts := make([]string, len(cmds))
			for i, c := range cmds {
				parts[i] = c.String()
			}
			again, err := Parse("AT" + strings.Join(parts, ";"))
			if err != nil {
				t.Fatalf("re-rendered %q does not parse: %v", parts, err)
			}
			if len(again) != len(cmds) {
				t.Fatalf("re-rendered %q: %d commands, want %d", parts, len(again), len(cmds))
			}
		}
	})
}

// TestSplitterChars: S3 ends a line and S5 edits it once they are set
// (V.250 §6.2.1, §6.2.3); CR is then a control byte like any other, a lone
// LF still ends a line, and an LF after S3 ends nothing.
func TestSplitterChars(t *testing.T) {
	tests := []struct {
		name   string
		s3, s5 byte
		feed   string
		want   []string
	}{
		{"S3 #", '#', 0, "AT#ATE0#\nAT\n", []string{"AT", "ATE0", "AT"}},
		{"CR is no terminator then", '#', 0, "AT\r#", []string{"!malformed"}},
		{"S3 LF: LF LF is two", '\n', 0, "AT\n\nATI\n", []string{"AT", "ATI"}},
		{"S5 ~", 0, '~', "ATX~E0\r", []string{"ATE0"}},
		{"BS is a control byte then", 0, '~', "ATX\bE0\r", []string{"!malformed"}},
		{"DEL still edits", 0, '~', "ATX\x7fE0\r", []string{"ATE0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Splitter{S3: tc.s3, S5: tc.s5}
			var got []string
			for _, l := range s.Feed([]byte(tc.feed)) {
				switch {
				case errors.Is(l.Err, ErrMalformed):
					got = append(got, "!malformed")
				case l.Err != nil:
					t.Fatalf("unexpected error %v", l.Err)
				default:
					got = append(got, l.Text)
				}
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// Plain takes a run of bytes as FeedByte takes them one by one: the same
// lines and the same splitter after, whatever S3 and S5.
func TestPlainAsFeedByte(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	alpha := []byte("AT+CGLA=1,\"/aA\r\n\x08\x7f\x01\xff xyz")
	for iter := 0; iter < 20000; iter++ {
		n := r.Intn(40)
		if iter%100 == 0 {
			n = MaxLine + 20
		}
		p := make([]byte, n)
		for i := range p {
			p[i] = alpha[r.Intn(len(alpha))]
		}
		a, b := Splitter{}, Splitter{}
		if iter%3 == 0 {
			a.S3, b.S3 = 'x', 'x'
			a.S5, b.S5 = 'y', 'y'
		}
		var la, lb []Line
		for _, c := range p {
			if l, ok := a.FeedByte(c); ok {
				la = append(la, l)
			}
		}
		for i := 0; i < len(p); {
			if k := b.Plain(p[i:]); k > 0 {
				i += k
				continue
			}
			if l, ok := b.FeedByte(p[i]); ok {
				lb = append(lb, l)
			}
			i++
		}
		if !reflect.DeepEqual(la, lb) || !reflect.DeepEqual(a, b) {
			t.Fatalf("%q: %v %v / %+v %+v", p, la, lb, a, b)
		}
	}
}

// Edit is the Splitter's editing step, which log readers share: S5 or
// DEL takes back one character, a UTF-8 one whole; any other byte is no
// edit.
func TestEdit(t *testing.T) {
	for _, tc := range []struct {
		name, line string
		c, s5      byte
		want       string
		ok         bool
	}{
		{"BS", "ATX", '\b', '\b', "AT", true},
		{"DEL", "ATX", Del, '\b', "AT", true},
		{"S5 set", "ATX", '~', '~', "AT", true},
		{"BS when S5 is set is no edit", "ATX", '\b', '~', "ATX", false},
		{"at the line's start", "", '\b', '\b', "", true},
		{"a UTF-8 character whole", "Telef\u00f3", '\b', '\b', "Telef", true},
		{"a letter", "AT", 'X', '\b', "AT", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Edit([]byte(tc.line), tc.c, tc.s5)
			if string(got) != tc.want || ok != tc.ok {
				t.Fatalf("Edit(%q, %#x, %#x) = %q, %v; want %q, %v", tc.line, tc.c, tc.s5, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestSplitterLineAgain: a line sent again (a poll) gets the last line's
// string, without a copy; another line its own text.
func TestSplitterLineAgain(t *testing.T) {
	var s Splitter
	feed := func(in string) string {
		ls := s.Feed([]byte(in))
		if len(ls) != 1 {
			t.Fatalf("%q: %d lines", in, len(ls))
		}
		return ls[0].Text
	}
	for _, tc := range []struct{ in, want string }{
		{"AT+CSQ\r", "AT+CSQ"}, {"AT+CSQ\r", "AT+CSQ"}, {"AT+CSQ=?\r", "AT+CSQ=?"}, {"AT+CS\bQ\r", "AT+CQ"}, {"AT+CSQ\r", "AT+CSQ"},
	} {
		if got := feed(tc.in); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.in, got, tc.want)
		}
	}
	line := []byte("AT+CGLA=1,22,\"81E2910006BF3E035C015A\"\r")
	feed(string(line))
	if n := testing.AllocsPerRun(100, func() {
		for _, c := range line {
			s.FeedByte(c)
		}
	}); n != 0 {
		t.Errorf("a line sent again: %.0f allocations, want 0", n)
	}
}
