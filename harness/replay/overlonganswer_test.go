package replay

import (
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/field"
	"github.com/esimhil/esimhil/harness/fieldlog"
)

// TestOverlongAnswerLineUnknown: inside a modem's answer, the AT client's
// "<overlong line dropped>" is the log's limit, not what the modem sent:
// it matches the line of the replayed answer there, whatever its text,
// and the plan says so. A final result where it stands still diverges
// (t207 left: it was compared as the modem's text).
func TestOverlongAnswerLineUnknown(t *testing.T) {
	const head = "2026-01-01T00:00:10Z > AT+CMEE=2\n2026-01-01T00:00:10Z < OK\n"
	for _, tc := range []struct {
		name, log string
		ok        bool
	}{
		{"an information line dropped", head + "2026-01-01T00:00:11Z > AT+CSQ\n2026-01-01T00:00:11Z < " + fieldlog.OverlongLine + "\n2026-01-01T00:00:11Z < OK\n", true},
		{"a line more than the replay gives", head + "2026-01-01T00:00:11Z > AT+CMEE=2\n2026-01-01T00:00:11Z < " + fieldlog.OverlongLine + "\n2026-01-01T00:00:11Z < OK\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := replay(t, newFixture(t, "overlong-answer", map[string]string{"at.log": tc.log, field.ManifestFile: orangeFixture("overlong-answer", "generic", "at.log", "atlog", 5)}))
			if res.OK != tc.ok {
				t.Errorf("OK %v, want %v:\n%s", res.OK, tc.ok, Report(res))
			}
			if all := strings.Join(res.Plan.Assumptions, "\n"); !strings.Contains(all, `"<overlong line dropped>" stands for a line of the modem's answer that was over the recorder's bound (at.log:4)`) {
				t.Errorf("assumptions:\n%s", all)
			}
		})
	}
}
