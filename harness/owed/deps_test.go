package owed

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/esimhil/esimhil/"

// TestALeafThePageAndTheReportCanName: the notes a run still owes are
// worded here, a leaf (the standard library and the event log), so that
// the page writer and the report name them without the scenario package
// and what it drags in: the card's applet, the world, the fixtures, the
// YAML reader (r85 #10). `go list` says what each package builds on;
// their tests may use more.
func TestALeafThePageAndTheReportCanName(t *testing.T) {
	stdOrEventlog := func(p string) bool {
		return !strings.Contains(strings.Split(p, "/")[0], ".") || p == module+"emulators/eventlog"
	}
	noScenario := func(p string) bool {
		return !slices.Contains([]string{"harness/scenario", "emulators/euicc/applet", "emulators/world", "fixtures", "internal/yamlnode"}, strings.TrimPrefix(p, module))
	}
	for _, tc := range []struct {
		pkg  string
		deps bool // all it builds on (-deps), not only what it imports
		want string
		ok   func(string) bool
	}{
		{"harness/owed", false, module + "emulators/eventlog", stdOrEventlog},
		{"harness/timeline", true, module + "harness/owed", noScenario},
		{"harness/report", true, module + "harness/owed", noScenario},
	} {
		format, args := "{{join .Imports \"\\n\"}}", []string{"list"}
		if tc.deps {
			format, args = "{{.ImportPath}}", append(args, "-deps")
		}
		out, err := exec.Command("go", append(args, "-f", format, module+tc.pkg)...).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", tc.pkg, err, out)
		}
		got := strings.Fields(string(out))
		if !slices.Contains(got, tc.want) {
			t.Errorf("%s: %s not in go list's %q: the check checks nothing", tc.pkg, tc.want, got)
		}
		for _, p := range got {
			if !tc.ok(p) {
				t.Errorf("%s builds on %s", tc.pkg, p)
			}
		}
	}
}
