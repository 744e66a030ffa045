package harness

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/exactjson"
)

// The platform's state file is checked field by field; the temporary file
// a kill left behind is removed; missing files mean a new card.
func TestLoadState(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "card.json")
	if nvm, counters, err := loadState(path); nvm != nil || counters != nil || err != nil {
		t.Fatalf("no files: %v %v %v", nvm, counters, err)
	}
	const eid = "89049032000001000000000000000171"
	if err := savePlatformState(path, map[string]uint64{eid: 7}); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, ".card.json.tmp-123")
	os.WriteFile(stale, []byte("half"), 0o600)
	_, counters, err := loadState(path)
	if err != nil || counters[eid] != 7 {
		t.Fatalf("counters %v, %v", counters, err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Error("stale temporary file left")
	}
	for _, tc := range []struct{ body, want string }{
		{`{"version":1,"last_seq":{"12":3}}`, `last_seq["12"]: not an EID`},
		{`{"version":2,"last_seq":{}}`, "version: 2, want 1"},
		{`{"version":1,"last_seq":{"` + eid + `":-1}}`, `last_seq["` + eid + `"]: want an integer, 0 or more, got -1`},
		{`{"version":1,"seq":{}}`, `unknown member "seq"`},
		{`{"version":1,"Last_Seq":{"` + eid + `":3}}`, `unknown member "Last_Seq"; did you mean "last_seq"?`},
		{`{"version":1,"last_seq":{"` + eid + `":3,"` + eid + `":2}}`, `last_seq: duplicate member "` + eid + `"`},
		{`{"version":1,"last_seq":{"` + eid + `":18446744073709551615}}`, `last_seq["` + eid + `"]: 18446744073709551615 above 9223372036854775807`},
		{`{"version":1,"last_seq":{}} {}`, "malformed JSON: data after the object"},
	} {
		os.WriteFile(path+PlatformStateSuffix, []byte(tc.body), 0o600)
		if _, _, err := loadState(path); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "card.json.platform.json") {
			t.Errorf("%s: error %v, want the file and %q", tc.body, err, tc.want)
		}
	}
}

// A state file that is not JSON is named with the line and column where
// it stops reading as JSON, as other files' errors are; any other problem
// with the file only (outside tester t135 F9).
func TestStateFileErrorPlace(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"{\"version\":1,\n", "card.json:2:1: malformed JSON: unexpected EOF"},
		{"{\n  x\n}", "card.json:2:3: malformed JSON: invalid character 'x'"},
		{`{"version":"1"}`, "card.json: version: want an integer, got a string"},
	} {
		var v struct {
			Version int `json:"version"`
		}
		err := exactjson.Decode([]byte(tc.src), &v)
		if got := inFile("card.json", []byte(tc.src), err); got == nil || !strings.HasPrefix(got.Error(), tc.want) {
			t.Errorf("%q: %v, want %s", tc.src, got, tc.want)
		}
	}
}
