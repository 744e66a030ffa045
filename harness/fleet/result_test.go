package fleet

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A result file fleet merge cannot take is refused by the value's JSON
// path, in JSON's terms, never by Go's types.
func TestReadResultErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, text, want string }{
		{"a count that is a string", `{"devices": "many"}`, "devices: want an integer, got a string"},
		{"a fraction of a device", `{"failures": {"rig": {"devices": 1.5, "first": [0]}}}`, "failures.rig.devices: want an integer, got 1.5"},
		{"a span that is not a time", `{"runs": [{"shard": "0/2", "start": "yesterday"}]}`,
			`runs[0].start: parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"`},
		{"a misspelt member", `{"Devices": 3}`, `unknown member "Devices"; did you mean "devices"?`},
		{"a member twice", `{"devices": 3, "devices": 4}`, `duplicate member "devices"`},
		{"outcomes a list", `{"outcomes": [1]}`, "outcomes: want an object, got an array"},
		{"two values", `{} {}`, "malformed JSON: data after the object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, "shard.json")
			if err := os.WriteFile(p, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadResult(p)
			if err == nil {
				t.Fatalf("taken, want %q", tc.want)
			}
			got := strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "")
			if want := "fleet result shard.json: " + tc.want; got != want {
				t.Errorf("error\n  %s\nwant\n  %s", got, want)
			}
			for _, leak := range []string{"Go ", "fleet.", "[]", "map[", "unmarshal", "int64", "time.Time"} {
				if strings.Contains(got, leak) {
					t.Errorf("error %q speaks of Go (%q)", got, leak)
				}
			}
		})
	}
}
