package at

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	q := func(s string) Arg { return Arg{Raw: s, Quoted: true} }
	n := func(s string) Arg { return Arg{Raw: s} }
	empty := Arg{Empty: true}
	tests := []struct {
		line string
		want []Command
	}{
		{"AT", nil},
		{"at", nil},
		{"  AT  ", nil},
		{"ATE0", []Command{{Name: "E", Form: Set, Args: []Arg{n("0")}}}},
		{"ATE0V1Z", []Command{{Name: "E", Form: Set, Args: []Arg{n("0")}}, {Name: "V", Form: Set, Args: []Arg{n("1")}}, {Name: "Z"}}},
		{"AT&F", []Command{{Name: "&F"}}},
		// Names upper case however typed: "&w" is no slice of the line.
		{`at&f&wz\q3&w0`, []Command{{Name: "&F"}, {Name: "&W"}, {Name: "Z"}, {Name: `\Q`, Form: Set, Args: []Arg{n("3")}}, {Name: "&W", Form: Set, Args: []Arg{n("0")}}}},
		{"ateqvx", []Command{{Name: "E"}, {Name: "Q"}, {Name: "V"}, {Name: "X"}}},
		{"atq0", []Command{{Name: "Q", Form: Set, Args: []Arg{n("0")}}}},
		{"ATS0=2", []Command{{Name: "S0", Form: Set, Args: []Arg{n("2")}}}},
		{"ATS3=?;S3?", []Command{{Name: "S3", Form: Test}, {Name: "S3", Form: Read}}},
		{"ATS7?", []Command{{Name: "S7", Form: Read}}},
		{"AT+CIMI", []Command{{Name: "+CIMI"}}},
		{"AT+cfun?", []Command{{Name: "+CFUN", Form: Read}}},
		{"AT+CFUN=?", []Command{{Name: "+CFUN", Form: Test}}},
		{"AT+CFUN=1,1", []Command{{Name: "+CFUN", Form: Set, Args: []Arg{n("1"), n("1")}}}},
		{"AT+CFUN=", []Command{{Name: "+CFUN", Form: Set, Args: []Arg{empty}}}},
		{`AT+CSIM=10,"00A4040000"`, []Command{{Name: "+CSIM", Form: Set, Args: []Arg{n("10"), q("00A4040000")}}}},
		{`AT+CRSM=176,28423,,,9`, []Command{{Name: "+CRSM", Form: Set, Args: []Arg{n("176"), n("28423"), empty, empty, n("9")}}}},
		{`AT+COPS=1,2,"20801" ;+CEREG?`, []Command{
			{Name: "+COPS", Form: Set, Args: []Arg{n("1"), n("2"), q("20801")}},
			{Name: "+CEREG", Form: Read}}},
		{`AT+CMEE=2;+CFUN?;`, []Command{{Name: "+CMEE", Form: Set, Args: []Arg{n("2")}}, {Name: "+CFUN", Form: Read}}},
		{`ATE1+CMEE=1`, []Command{{Name: "E", Form: Set, Args: []Arg{n("1")}}, {Name: "+CMEE", Form: Set, Args: []Arg{n("1")}}}},
		{`AT$QCPWD=1;!ICCID?`, []Command{{Name: "$QCPWD", Form: Set, Args: []Arg{n("1")}}, {Name: "!ICCID", Form: Read}}},
		{`AT+X=" a;b,c "`, []Command{{Name: "+X", Form: Set, Args: []Arg{q(" a;b,c ")}}}},
		{`ATD*99#;`, []Command{{Name: "D", Form: Set, Args: []Arg{n("*99#")}}}},
		// V.250 §5.2.1: spaces outside constants are ignored.
		{"AT+CMEE = 2", []Command{{Name: "+CMEE", Form: Set, Args: []Arg{n("2")}}}},
		{"AT + cmee ?", []Command{{Name: "+CMEE", Form: Read}}},
		{"AT+CEREG= ?", []Command{{Name: "+CEREG", Form: Test}}},
		{"AT+CEREG = ? ; +COPS ?", []Command{{Name: "+CEREG", Form: Test}, {Name: "+COPS", Form: Read}}},
		{`AT+CCHO = "A000"`, []Command{{Name: "+CCHO", Form: Set, Args: []Arg{q("A000")}}}},
		{"ATE 0 V 1", []Command{{Name: "E", Form: Set, Args: []Arg{n("0")}}, {Name: "V", Form: Set, Args: []Arg{n("1")}}}},
		{"ATS0 = 2;S7 ?;S3 = ?", []Command{{Name: "S0", Form: Set, Args: []Arg{n("2")}}, {Name: "S7", Form: Read}, {Name: "S3", Form: Test}}},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			got, err := Parse(tc.line)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// TestParseLongLine: a line of thousands of basic commands costs a few
// allocations for its slice, not one per command (a name each) nor a copy
// at every quarter it grew by (the field-log reader met a line of a
// million).
func TestParseLongLine(t *testing.T) {
	line := "AT" + strings.Repeat("EQVX", 1024)
	allocs := testing.AllocsPerRun(10, func() {
		if cmds, err := Parse(line); err != nil || len(cmds) != 4096 {
			t.Fatalf("Parse: %d commands, %v", len(cmds), err)
		}
	})
	// log2(4096) growths, a few more under -race; one a command before.
	if allocs > 64 {
		t.Errorf("Parse of %d commands: %v allocations", 4096, allocs)
	}
}

func TestParseErrors(t *testing.T) {
	for _, line := range []string{
		"", "A", "XT", "AT+CSIM=4,\"0070", "AT;", "AT+CFUN?;;+CIMI", "AT+", "AT+CFUN?E0",
		"AT+X=1\"2\"", "AT+X=\"1\"2", "AT=1", "ATS=1", "ATS1", "AT&1", "AT+X=1,\"a",
		"AT+ ", "AT+ ?",
	} {
		t.Run(line, func(t *testing.T) {
			if cmds, err := Parse(line); !errors.Is(err, ErrSyntax) {
				t.Errorf("Parse(%q) = %+v, %v; want ErrSyntax", line, cmds, err)
			}
		})
	}
}

func TestArgInt(t *testing.T) {
	tests := []struct {
		a    Arg
		want int
		ok   bool
	}{
		{Arg{Raw: "0"}, 0, true},
		{Arg{Raw: "176"}, 176, true},
		{Arg{Raw: "+1"}, 0, false},
		{Arg{Raw: "-1"}, 0, false},
		{Arg{Raw: "1x"}, 0, false},
		{Arg{Raw: "1234567890"}, 0, false},
		{Arg{Empty: true}, 0, false},
		{Arg{Raw: "1", Quoted: true}, 0, false},
	}
	for _, tc := range tests {
		got, err := tc.a.Int()
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("%+v.Int() = %d, %v", tc.a, got, err)
		}
	}
}
