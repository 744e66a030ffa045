package dialect

import (
	"testing"

	"github.com/esimhil/esimhil/harness/atclient"
)

func TestHexAnswer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		lines  []string
		answer string
		want   string // hex, "" = error
	}{
		{"CGLA", []string{`+CGLA: 6,"AB9000"`}, "+CGLA", "AB9000"},
		{"CSIM after a URC-like line", []string{"+CEREG: 1", `+CSIM: 4,"6A82"`}, "+CSIM", "6A82"},
		{"length disagrees", []string{`+CGLA: 8,"AB9000"`}, "+CGLA", ""},
		{"odd hex", []string{`+CGLA: 5,"AB900"`}, "+CGLA", ""},
		{"no status word", []string{`+CGLA: 2,"AB"`}, "+CGLA", ""},
		{"no length", []string{`+CGLA: "9000"`}, "+CGLA", ""},
		{"without the space (an A7908E)", []string{`+CGLA:4,"611A"`}, "+CGLA", "611A"},
		{"missing", []string{"+CCHO: 1"}, "+CGLA", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := HexAnswer(&atclient.Response{Lines: tc.lines, Final: "OK"}, tc.answer)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("got %X, want an error", b)
				}
				return
			}
			if err != nil || upper(b) != tc.want {
				t.Fatalf("got %X, %v; want %s", b, err, tc.want)
			}
		})
	}
}

func upper(b []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func TestCleanICCID(t *testing.T) {
	for in, want := range map[string]string{
		"89860000000000000019": "89860000000000000019", `"8986000000000000002F"`: "8986000000000000002",
		" 89331000000000000029 ": "89331000000000000029",
	} {
		if got := cleanICCID(in); got != want {
			t.Errorf("cleanICCID(%q) = %q, want %q", in, got, want)
		}
	}
}
