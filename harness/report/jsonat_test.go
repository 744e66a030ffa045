package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A results.json that does not read is placed at its line and column
// (outside tester sw127 F14: "unexpected end of JSON input" named only the
// file).
func TestBadResultsPlaced(t *testing.T) {
	for _, tc := range []struct {
		name, text, want string
	}{
		{"cut short", "[\n  {\n    \"name\": \"x\",\n", "results.json:3:17: unexpected end of JSON input"},
		{"syntax", "[\n  {\"name\": \"x\",, \"seed\": 1}\n]\n", "results.json:2:16: invalid character ','"},
		{"mistyped", "[\n  {\n    \"name\": \"x\",\n    \"seed\": \"one\"\n  }\n]\n", "results.json:4:17: json: cannot unmarshal string"},
		// Columns count characters, as an editor shows them (outside
		// tester sw130 N5: col 21 here, by bytes).
		{"after non-ASCII", "[\n  {\"name\": \"ééé\",, \"seed\": 1}\n]\n", "results.json:2:18: invalid character ','"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "results.json")
			if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadScenarios(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one with %q", err, tc.want)
			}
		})
	}
}
