package replay

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// "fixed" needs both halves: the replay leaves the recording no later
// than the failure, and the manifest's check holds. A fixture whose
// check names what the fixed card does not do fails, naming what did
// not happen (t235 F4: a judge that dropped the check passed all three
// "fixed" fixtures with a false check, and survived every layer).
func TestFixedNeedsItsCheck(t *testing.T) {
	for _, tc := range []struct {
		fixture, check, falseCheck string
	}{
		{"lists-crossing-border", "  attempts: [sfr]\n", "  attempts: [bouygues-fr]\n"},
		{"stale-signal-order", "  attempts: [bouygues-fr]\n", "  attempts: [sfr]\n"},
		{"notification-lost-power-cut", "  notifications: [attach-success@platform]\n", "  notifications: [attach-success@platform, attach-success@platform]\n"},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			// As it stands, the fixture is fixed.
			if res := replay(t, copyFixture(t, tc.fixture)); !res.OK {
				t.Fatalf("the fixture as it stands: %s", res.Why)
			}
			dir := copyFixture(t, tc.fixture)
			path := filepath.Join(dir, "manifest.yaml")
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), tc.check) {
				t.Fatalf("manifest lacks %q", tc.check)
			}
			if err := os.WriteFile(path, []byte(strings.Replace(string(b), tc.check, tc.falseCheck, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			res := replay(t, dir)
			if res.OK || len(res.Mismatches) == 0 || !strings.Contains(res.Why, "what was expected does not happen") {
				t.Errorf("check %q: OK %v, mismatches %q, why %q; want a failure naming what did not happen", strings.TrimSpace(tc.falseCheck), res.OK, res.Mismatches, res.Why)
			}
		})
	}
}
