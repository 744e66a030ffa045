package dialect

import (
	"strings"
	"testing"
)

func TestParseIMSI(t *testing.T) {
	for _, tc := range []struct {
		line, want, err string
	}{
		{"208010000000012", "208010000000012", ""},
		{"+CIMI: 208010000000012", "208010000000012", ""},
		{"+CIMI:208010000000012", "208010000000012", ""},
		{`"208010000000012"`, "208010000000012", ""},
		{"31026012345", "31026012345", ""}, // shorter than 15: TS 23.003 allows it
		{"208011", "208011", ""},
		{"20801", "", "not an IMSI (6 to 15 digits"},
		{"2080100000000123", "", "not an IMSI"},
		{"ERROR", "", "not an IMSI"},
		{"+CIMI: 20801000000001A", "", "not an IMSI"},
	} {
		got, err := ParseIMSI(tc.line)
		if tc.err == "" && (err != nil || got != tc.want) || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%q: %q, %v; want %q, %q", tc.line, got, err, tc.want, tc.err)
		}
	}
}

func TestParsePLMN(t *testing.T) {
	for _, tc := range []struct {
		line, oper, err string
	}{
		{`+COPS: 0,2,"20801",7`, "20801", ""},
		{`+COPS: 1,2,"310260"`, "310260", ""},
		{`+COPS: 0,0,"Orange F",7`, "", `names the operator in format 0 (long alphanumeric), not 2 (numeric): the modem ignored AT+COPS=3,2`},
		{`+COPS: 0,1,"Orange",7`, "", `format 1 (short alphanumeric)`},
		{`+COPS: 0`, "", "not registered"},
		{`+COPS: 0,2,"2080",7`, "", "no numeric PLMN"},
		{`+CEREG: 0`, "", "no +COPS? answer"},
	} {
		c, err := ParsePLMN(tc.line)
		if tc.err == "" && (err != nil || c.Oper != tc.oper) || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%q: %+v, %v; want %q, %q", tc.line, c, err, tc.oper, tc.err)
		}
	}
}
