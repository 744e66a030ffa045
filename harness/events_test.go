package harness

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/emulators/eventlog"
)

// The README's event table lists, per actor, exactly the kinds the code
// registers (eventlog.Register in each package that logs; this package
// links all of them).
func TestREADMEEventTable(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "## The event log")
	if start < 0 {
		t.Fatal("README has no \"## The event log\" section")
	}
	section := text[start:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	row := regexp.MustCompile("(?m)^\\| (euicc|modem|world|platform|smdp|harness) \\| (.*) \\|$")
	kind := regexp.MustCompile("`([a-z][a-z0-9_-]*)( [{][^`]*[}])?`")
	documented := map[string][]string{}
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		for _, k := range kind.FindAllStringSubmatch(m[2], -1) {
			documented[m[1]] = append(documented[m[1]], k[1])
		}
	}
	for actor, kinds := range eventlog.Registered() {
		if strings.HasPrefix(actor, "test") {
			continue
		}
		var want []string
		for _, k := range kinds {
			want = append(want, string(k))
		}
		got := documented[actor]
		slices.Sort(got)
		for _, k := range want {
			if !slices.Contains(got, k) {
				t.Errorf("README event table, actor %s: kind %s is registered but not documented", actor, k)
			}
		}
		for _, k := range got {
			if !slices.Contains(want, k) {
				t.Errorf("README event table, actor %s: kind %s is documented but no code registers it", actor, k)
			}
		}
		if c := slices.Compact(slices.Clone(got)); len(c) != len(got) {
			t.Errorf("README event table, actor %s: a kind listed twice: %v", actor, got)
		}
		delete(documented, actor)
	}
	for actor := range documented {
		t.Errorf("README event table: actor %s registers no kinds", actor)
	}
}
