package fieldlog

import (
	"encoding/base64"
	"os"
	"path/filepath"
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

// A platform log's entry is evidence only as far as its body_size,
// body_sha256 and truncated say (platformapi.CheckedBody, the fleet
// reader's rule): a cut body's members read from the kept bytes where
// whole, the one cut and any after it named as not read; a body that
// contradicts its size or hash read not at all, and said (outside tester
// t166 F7: a cut body lost every field, serving_plmn with it, and a
// re-serialised one was taken as it was).
func TestPlatformBodyChecked(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "platform-trunc.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := Read("platform-trunc.jsonl", data, Platform)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		serving, eid, kind string
		signals            int
		unread             string
	}{
		{"21407", "89049032123451234512345678901235", "", 0, `body cut at 2048 of its 2399 bytes (truncated): "signal" and any member after it not read`},
		{"", "", "", 0, "body: 102 bytes, not its body_size 97: none of it read"},
		{"", "89049032123451234512345678901235", "", 0, `body cut at 2048 of its 2568 bytes (truncated): "signal" and any member after it not read`},
	}
	if len(tr.Requests) != len(tests) {
		t.Fatalf("%d requests, want %d", len(tr.Requests), len(tests))
	}
	for i, tc := range tests {
		r := tr.Requests[i]
		if r.ServingPLMN != tc.serving || r.EID != tc.eid || r.Kind != tc.kind || len(r.Signal) != tc.signals || r.Unread != tc.unread {
			t.Errorf("request %d: serving %q eid %q kind %q, %d signals, unread %q; want %q %q %q, %d, %q",
				i, r.ServingPLMN, r.EID, r.Kind, len(r.Signal), r.Unread, tc.serving, tc.eid, tc.kind, tc.signals, tc.unread)
		}
	}
}
