package at

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestEncoder(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"v1 info", Encoder{Verbose: true}.Info("+CFUN: 1"), "\r\n+CFUN: 1\r\n"},
		{"v0 info", Encoder{}.Info("+CFUN: 1"), "+CFUN: 1\r\n"},
		{"v1 ok", Encoder{Verbose: true}.OK(), "\r\nOK\r\n"},
		{"v0 ok", Encoder{}.OK(), "0\r"},
		{"v1 error", Encoder{Verbose: true}.Error(), "\r\nERROR\r\n"},
		{"v0 error", Encoder{}.Error(), "4\r"},
		{"cmee0", Encoder{Verbose: true}.CME(CMESIMNotInserted), "\r\nERROR\r\n"},
		{"cmee1", Encoder{Verbose: true, CMEE: 1}.CME(CMESIMNotInserted), "\r\n+CME ERROR: 10\r\n"},
		{"cmee2", Encoder{Verbose: true, CMEE: 2}.CME(CMEIncorrectParameters), "\r\n+CME ERROR: incorrect parameters\r\n"},
		{"final nil", Encoder{Verbose: true}.Final(nil), "\r\nOK\r\n"},
		{"final wrapped cme", Encoder{Verbose: true, CMEE: 1}.Final(fmt.Errorf("csim: %w", CMESIMBusy)), "\r\n+CME ERROR: 14\r\n"},
		{"final other", Encoder{Verbose: true, CMEE: 1}.Final(errors.New("x")), "\r\nERROR\r\n"},
		{"urc", Encoder{Verbose: true}.URC("+CEREG: 5"), "\r\n+CEREG: 5\r\n"},
		// V.250 §5.7.2: an extended syntax result code takes V0's framing
		// (no header, CR), not information text's CR LF.
		{"v0 cmee1", Encoder{CMEE: 1}.CME(CMESIMNotInserted), "+CME ERROR: 10\r"},
		{"v0 cmee2", Encoder{CMEE: 2}.CME(CMESIMBusy), "+CME ERROR: SIM busy\r"},
		{"v0 cmee0", Encoder{}.CME(CMESIMBusy), "4\r"},
		{"v0 final cme", Encoder{CMEE: 1}.Final(fmt.Errorf("x: %w", CMEIncorrectParameters)), "+CME ERROR: 50\r"},
		{"v0 urc", Encoder{}.URC("+CEREG: 5"), "+CEREG: 5\r"},
		{"v1 ext result", Encoder{Verbose: true}.ExtResult("+CME ERROR: 3"), "\r\n+CME ERROR: 3\r\n"},
		// S3 and S4 make the headers and trailers (V.250 §6.2.1, §6.2.2).
		{"s3 s4 v1 ok", Encoder{Verbose: true, S3: '#', S4: '~'}.OK(), "#~OK#~"},
		{"s3 s4 v1 info", Encoder{Verbose: true, S3: '#', S4: '~'}.Info("+CFUN: 1"), "#~+CFUN: 1#~"},
		{"s3 s4 v0 info", Encoder{S3: '#', S4: '~'}.Info("+CFUN: 1"), "+CFUN: 1#~"},
		{"s3 v0 error", Encoder{S3: '#'}.Error(), "4#"},
		{"s3 v0 cme", Encoder{CMEE: 1, S3: '#', S4: '~'}.CME(CMENotSupported), "+CME ERROR: 4#"},
		{"s4 alone", Encoder{Verbose: true, S4: '~'}.URC("RDY"), "\r~RDY\r~"},
		// The append forms give the same bytes after what dst holds.
		{"append v1 info", Encoder{Verbose: true}.AppendInfo([]byte("x"), "+CFUN: 1"), "x\r\n+CFUN: 1\r\n"},
		{"append v0 info", Encoder{}.AppendInfo([]byte("x"), "+CFUN: 1"), "x+CFUN: 1\r\n"},
		{"append s3 s4 v1 info", Encoder{Verbose: true, S3: '#', S4: '~'}.AppendInfo(nil, "+CFUN: 1"), "#~+CFUN: 1#~"},
		{"append s3 s4 v0 info", Encoder{S3: '#', S4: '~'}.AppendInfo(nil, "+CFUN: 1"), "+CFUN: 1#~"},
		{"append v1 ok", Encoder{Verbose: true}.AppendOK([]byte("x")), "x\r\nOK\r\n"},
		{"append v0 ok", Encoder{}.AppendOK([]byte("x")), "x0\r"},
		{"append s3 s4 v1 ok", Encoder{Verbose: true, S3: '#', S4: '~'}.AppendOK(nil), "#~OK#~"},
		{"append s3 v0 ok", Encoder{S3: '#'}.AppendOK(nil), "0#"},
	}
	for _, tc := range tests {
		if string(tc.got) != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

func TestCMEText(t *testing.T) {
	for code, text := range map[CMEError]string{3: "operation not allowed", 4: "operation not supported",
		10: "SIM not inserted", 13: "SIM failure", 14: "SIM busy", 21: "invalid index",
		30: "no network service", 50: "incorrect parameters", 100: "unknown", 999: "unknown"} {
		if code.Text() != text {
			t.Errorf("%d: %q, want %q", code, code.Text(), text)
		}
	}
}

func TestLineReader(t *testing.T) {
	in := "\r\n+CEREG: 2,5\r\n\r\nOK\r\nAT\r\r\n0\r" + strings.Repeat("x", MaxResponseLine+1) + "\r\nlast"
	lr := NewLineReader(strings.NewReader(in))
	want := []string{"+CEREG: 2,5", "OK", "AT", "0", "!toolong", "last", "!eof"}
	for i, w := range want {
		l, err := lr.Next()
		got := l
		switch {
		case errors.Is(err, ErrResponseTooLong):
			got = "!toolong"
		case err == io.EOF:
			got = "!eof"
		case err != nil:
			t.Fatalf("line %d: %v", i, err)
		}
		if got != w {
			t.Fatalf("line %d: got %q, want %q", i, got, w)
		}
	}
}

// TestLineReaderAnswerAgain: an answer given again (a poll, GetEID) and
// OK read as before without a copy of either; the lines between keep
// their own text.
func TestLineReaderAnswerAgain(t *testing.T) {
	const cgla = `+CGLA: 46,"BF3E125A10890490320000010000000000000001239000"`
	answer := "\r\n" + cgla + "\r\n\r\nOK\r\n"
	var in strings.Builder
	for range 110 {
		in.WriteString(answer)
	}
	lr := NewLineReader(strings.NewReader("\r\n+CSQ: 20,99\r\n\r\nOK\r\n" + answer + "\r\nOK\r\n" + in.String()))
	for i, want := range []string{"+CSQ: 20,99", "OK", cgla, "OK", "OK", cgla, "OK"} {
		if got, err := lr.Next(); got != want || err != nil {
			t.Fatalf("line %d: %q, %v; want %q", i, got, err, want)
		}
	}
	if n := testing.AllocsPerRun(100, func() {
		if l, _ := lr.Next(); l != cgla {
			t.Fatalf("answer %q", l)
		}
		if l, _ := lr.Next(); l != "OK" {
			t.Fatalf("final %q", l)
		}
	}); n != 0 {
		t.Errorf("an answer again: %.0f allocations, want 0", n)
	}
}

// steps is a reader that hands out chunks and errors in turn.
type steps []any

func (s *steps) Read(p []byte) (int, error) {
	if len(*s) == 0 {
		return 0, io.EOF
	}
	x := (*s)[0]
	*s = (*s)[1:]
	if err, ok := x.(error); ok {
		return 0, err
	}
	return copy(p, x.(string)), nil
}

// A read error in the middle of a line (a deadline that hands the port to
// another goroutine) loses nothing: the next Next finishes the line.
func TestLineReaderKeepsTheLineAcrossAnError(t *testing.T) {
	errHandOver := errors.New("deadline")
	lr := NewLineReader(&steps{"\r\n+CE", errHandOver, "REG: 1\r\nO", errHandOver, "K\r\n"})
	var got []string
	for {
		l, err := lr.Next()
		if errors.Is(err, errHandOver) {
			got = append(got, "!")
			continue
		}
		if err != nil {
			break
		}
		got = append(got, l)
	}
	if want := []string{"!", "+CEREG: 1", "!", "OK"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("lines %q, want %q", got, want)
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		line string
		want Result
	}{
		{"OK", Result{Kind: FinalOK}},
		{"ERROR", Result{Kind: FinalError, Code: -1, Text: "ERROR"}},
		{"NO CARRIER", Result{Kind: FinalError, Code: -1, Text: "NO CARRIER"}},
		{"COMMAND NOT SUPPORT", Result{Kind: FinalError, Code: -1, Text: "COMMAND NOT SUPPORT"}},
		{"+CME ERROR: 10", Result{Kind: FinalCME, Code: 10, Text: "SIM not inserted"}},
		{"+CME ERROR: SIM busy", Result{Kind: FinalCME, Code: 14, Text: "SIM busy"}},
		{"+CME ERROR: vendor thing", Result{Kind: FinalCME, Code: -1, Text: "vendor thing"}},
		{"+CMS ERROR: 500", Result{Kind: FinalCMS, Code: 500, Text: "500"}},
		{"+CEREG: 5", Result{Kind: Info}},
		{"OKAY", Result{Kind: Info}},
		{"0", Result{Kind: Info}},
	}
	for _, tc := range tests {
		if got := Classify(tc.line); got != tc.want {
			t.Errorf("Classify(%q) = %+v, want %+v", tc.line, got, tc.want)
		}
	}
}

// FuzzLineReader checks that any byte stream yields bounded, terminator-free
// lines and that classification never panics.
func FuzzLineReader(f *testing.F) {
	for _, s := range []string{"\r\nOK\r\n", "\r\n+CME ERROR: 10\r\n", "0\r4\r", "\n\n\r", "+CME ERROR:", "+CMS ERROR: -1\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lr := NewLineReader(strings.NewReader(string(data)))
		for i := 0; i <= len(data); i++ {
			l, err := lr.Next()
			if err == io.EOF {
				return
			}
			if err != nil && !errors.Is(err, ErrResponseTooLong) {
				t.Fatalf("unexpected error %v", err)
			}
			if len(l) > MaxResponseLine || strings.ContainsAny(l, "\r\n") || (err == nil && l == "") {
				t.Fatalf("bad line %q", l)
			}
			_ = Classify(l)
		}
		t.Fatalf("reader did not reach EOF")
	})
}

func TestHexAnswer(t *testing.T) {
	for _, tc := range []struct {
		line, name string
		ok         bool
		data       string // hex; "" with ok: an error
		lengthOK   bool
	}{
		{`+CGLA: 6,"AB9000"`, "+CGLA", true, "AB9000", true},
		{`+CGLA:4,"611A"`, "+CGLA", true, "611A", true}, // an A7908E
		{`+cgla: 4,"6a82"`, "+CGLA", true, "6A82", true},
		{`+CSIM: 8,"AB9000"`, "+CSIM", true, "AB9000", false},
		{`+CSIM: 4,"9000"`, "+CGLA", false, "", false},
		{`+CGLAX: 4,"9000"`, "+CGLA", false, "", false},
		{`+CGLA: 5,"AB900"`, "+CGLA", true, "", false},
		{`+CGLA: 2,"AB"`, "+CGLA", true, "", false},
		{`+CGLA: 4`, "+CGLA", true, "", false},
		{`+CGLA`, "+CGLA", false, "", false},
	} {
		a, ok, err := ParseHexAnswer(tc.line, tc.name)
		if ok != tc.ok || ok && (err == nil) != (tc.data != "") || fmt.Sprintf("%X", a.Data) != tc.data || tc.data != "" && a.LengthOK() != tc.lengthOK {
			t.Errorf("ParseHexAnswer(%q, %s) = %+v, %v, %v", tc.line, tc.name, a, ok, err)
		}
	}
	for _, tc := range []struct {
		rsp   []byte
		space bool
		want  string
	}{
		{[]byte{0x61, 0x1A}, true, `+CGLA: 4,"611A"`},
		{[]byte{0x90, 0x00}, false, `+CGLA:4,"9000"`},
		{bytes.Repeat([]byte{0xAB}, 200), true, `+CGLA: 400,"` + strings.Repeat("AB", 200) + `"`}, // longer than FormatHexAnswer's stack buffer
	} {
		if got := FormatHexAnswer("+CGLA", tc.rsp, tc.space); got != tc.want {
			t.Errorf("FormatHexAnswer: %q, want %q", got, tc.want)
		}
		if got := AppendHexAnswer([]byte("x"), "+CGLA", tc.rsp, tc.space); string(got) != "x"+tc.want {
			t.Errorf("AppendHexAnswer: %q, want %q", got, "x"+tc.want)
		}
	}
	for _, space := range []bool{true, false} {
		line := FormatHexAnswer("+CGLA", []byte{0x61, 0x1A}, space)
		if a, ok, err := ParseHexAnswer(line, "+CGLA"); !ok || err != nil || !a.LengthOK() || fmt.Sprintf("%X", a.Data) != "611A" {
			t.Errorf("%q does not read back: %+v %v %v", line, a, ok, err)
		}
	}
}

func TestAPDUCommandLines(t *testing.T) {
	apdu := []byte{0x80, 0xE2, 0x91, 0x00, 0x03, 0xBF, 0x2D, 0x00}
	if got := CGLA("000000000385a7cf", apdu); got != `AT+CGLA=000000000385a7cf,16,"80E2910003BF2D00"` {
		t.Errorf("CGLA: %s", got)
	}
	if got := CSIM(apdu); got != `AT+CSIM=16,"80E2910003BF2D00"` {
		t.Errorf("CSIM: %s", got)
	}
	cmds, err := Parse(CGLA("1", apdu))
	if err != nil || len(cmds) != 1 || cmds[0].Name != "+CGLA" || len(cmds[0].Args) != 3 || cmds[0].Args[2].Raw != "80E2910003BF2D00" {
		t.Errorf("CGLA does not parse back: %+v %v", cmds, err)
	}
}

// TestHexProblem: a log's malformed APDU is named by what is wrong with
// it, not repeated whole.
func TestHexProblem(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{`+CGLA: 45,"BF3E125A1089049032003820000000000000640271900"`, `+CGLA answer: 45 hex digits, not whole bytes`},
		{`+CGLA: 46,"BF3E125A10890490320038200000000000006402ZZ9000"`, `+CGLA answer: character 41 ("ZZ9000"…) is not a hex digit`},
		{`+CSIM: 6,"90 00"`, `+CSIM answer: character 3 (" 00"…) is not a hex digit`},
		{`+CGLA: 6,"AB9000XYZXYZXYZ"`, `+CGLA answer: character 7 ("XYZXYZXY"…) is not a hex digit`},
	} {
		name, _, _ := strings.Cut(tc.line, ":")
		_, ok, err := ParseHexAnswer(tc.line, name)
		if !ok || err == nil || err.Error() != tc.want {
			t.Errorf("ParseHexAnswer(%q) = %v, %v; want %q", tc.line, ok, err, tc.want)
		} else if why := HexAnswerWhy(err); why != strings.TrimPrefix(tc.want, name+" answer: ") {
			t.Errorf("HexAnswerWhy = %q", why)
		}
	}
}

func TestResetsCard(t *testing.T) {
	for _, tc := range []struct {
		line string
		want bool
	}{
		{"AT+CFUN=1,1", true},
		{"AT+CFUN=0", true},
		{"at+cfun=4,1", true},
		{"AT+CFUN=1", false},
		{"AT+CFUN=4", false},
		{"AT+CFUN?", false},
		{"AT+CFUN=?", false},
		{"AT+CGLA=1,10,\"81C0000015\"", false},
		{"ATE0;+CFUN=1,1", true},
		{"AT!RESET", true},
		{"AT#REBOOT", true},
		{"AT+CRESET", true},
		{"AT^RESET", true},
		{"AT+CRESET=?", false},
		{"AT+QPOWD=1", false},
		{"AT+CFUN=16", true},
		{"AT+CFUN=15", true},
		{"AT+QRST=1", true},
		{"AT+CPWROFF", false},
		{"garbage", false},
	} {
		cmds, _ := Parse(tc.line)
		if got := ResetsCard(cmds); got != tc.want {
			t.Errorf("ResetsCard(%q) = %v, want %v", tc.line, got, tc.want)
		}
	}
}

// Every power URC is a boot URC, and the readiness notices are not
// power URCs: a reader ends what it followed on the card's channels at a
// power URC, never at an SMS DONE that arrives mid-exchange.
func TestIsPowerURC(t *testing.T) {
	for _, u := range BootURCs {
		want := u != "SMS DONE" && u != "PB DONE" && u != "Call Ready" && u != "SMS Ready"
		if got := IsPowerURC(u); got != want {
			t.Errorf("IsPowerURC(%q) = %v, want %v", u, got, want)
		}
	}
	if IsPowerURC("+CPIN: READY") || IsPowerURC("OK") {
		t.Error("a non-boot line taken for a power URC")
	}
}

// Refuses: the command itself refused (what a modem without it answers),
// not another cause the error names.
func TestRefuses(t *testing.T) {
	for _, tc := range []struct {
		line string
		want bool
	}{
		{"ERROR", true},
		{"COMMAND NOT SUPPORT", true},
		{"+CME ERROR: 3", true},
		{"+CME ERROR: 4", true},
		{"+CME ERROR: operation not supported", true},
		{"+CME ERROR: 100", true},
		{"+CME ERROR: command not support", true}, // a vendor's own text
		{"+CME ERROR: 10", false},
		{"+CME ERROR: SIM not inserted", false},
		{"+CME ERROR: 14", false},
		{"+CMS ERROR: 500", false},
		{"NO CARRIER", false},
		{"OK", false},
		{"+CSIM: 4,\"6D00\"", false},
	} {
		if got := Classify(tc.line).Refuses(); got != tc.want {
			t.Errorf("%q: Refuses() = %v, want %v", tc.line, got, tc.want)
		}
	}
}

// CME reads a +CME ERROR's code as a field log's reader needs it, from
// the one classifier (r85 #9): a number, or 27.007's words.
func TestResultCME(t *testing.T) {
	for _, tc := range []struct {
		line string
		code CMEError
		ok   bool
	}{
		{"+CME ERROR: 13", CMESIMFailure, true},
		{"+CME ERROR:21", CMEInvalidIndex, true},
		{"+CME ERROR: SIM busy", CMESIMBusy, true},
		{"+CME ERROR: invalid index", CMEInvalidIndex, true},
		{"+CME ERROR: Parameters error", 0, false}, // no words of 27.007's
		{"+CME ERROR: -1", 0, false},
		{"+CMS ERROR: 500", 0, false},
		{"ERROR", 0, false},
		{"OK", 0, false},
	} {
		if code, ok := Classify(tc.line).CME(); code != tc.code || ok != tc.ok {
			t.Errorf("Classify(%q).CME() = %d, %v; want %d, %v", tc.line, code, ok, tc.code, tc.ok)
		}
	}
}

// GoesDown: the commands after which the modem may restart or switch
// off (the AT client's echo and port follow them), restarts and
// power-downs both; not their read and test forms, nor V.250's Z.
func TestGoesDown(t *testing.T) {
	for line, want := range map[string]bool{
		"AT+CFUN=1,1": true, "AT+CFUN=0": true, "AT+CFUN=16": true, "AT!RESET": true, "AT#REBOOT": true,
		"AT+CRESET": true, "AT^RESET": true, "AT+QRST=1": true, "AT+QRST=1,0": true,
		"AT+QPOWD": true, "AT+QPOWD=1": true, "AT+CPWROFF": true, "AT+CPOWD=1": true,
		"AT+CFUN?": false, "AT+CFUN=?": false, "AT!RESET?": false, "AT+QPOWD=?": false, "ATZ": false, "AT+CSQ": false,
	} {
		cmds, err := Parse(line)
		if err != nil || len(cmds) != 1 {
			t.Fatalf("Parse(%q): %v, %v", line, cmds, err)
		}
		if got := GoesDown(cmds[0]); got != want {
			t.Errorf("GoesDown(%q) = %v, want %v", line, got, want)
		}
	}
}
