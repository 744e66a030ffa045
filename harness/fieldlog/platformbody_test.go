package fieldlog

import (
	"encoding/base64"
	"strings"
	"testing"
)

// A platform log's entry whose body is not UTF-8 carries it in base64
// (body_encoding, docs/platform-api.md): read as the bytes it stands
// for, its fields taken from them; a body_encoding the API does not name,
// or base64 that is not, is refused (outside tester t71, F3).
func TestPlatformBodyEncoding(t *testing.T) {
	const eid = "89049032000001000000000000000171"
	note := `{"eid":"` + eid + `","kind":"list-exhausted","plmn":"2081` + "\xff" + `"}`
	entry := func(extra string) string {
		return `{"index":0,"t":"2026-01-01T00:00:00Z","method":"POST","path":"/v1/notifications","status":400` + extra + "}\n"
	}
	tests := []struct {
		name, line string
		body, err  string // the body read; an error's start
	}{
		{"text", entry(`,"body":"{\"eid\":\"` + eid + `\"}"`), `{"eid":"` + eid + `"}`, ""},
		{"base64", entry(`,"body":"` + base64.StdEncoding.EncodeToString([]byte(note)) + `","body_encoding":"base64"`), note, ""},
		{"base64 with a line break", entry(`,"body":"e30=\n","body_encoding":"base64"`), "", "p.json:1: request entry: body: not base64"},
		{"an encoding unknown", entry(`,"body":"e30=","body_encoding":"hex"`), "", `p.json:1: request entry: body_encoding: unknown "hex"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("p.json", []byte(tc.line), Platform)
			if tc.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q…", err, tc.err)
				}
				return
			}
			if err != nil || len(tr.Requests) != 1 {
				t.Fatalf("%v, %+v", err, tr)
			}
			if r := tr.Requests[0]; r.Body != tc.body || r.EID != eid {
				t.Errorf("body %q, eid %q; want %q, %s", r.Body, r.EID, tc.body, eid)
			}
		})
	}
}
