package field

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProfileListWithoutOwner: a GetProfilesInfo answer without
// profileOwner (an LPA asking with a tag list) leaves a profile's
// operator to the IMSI the logs read beside its ICCID, or after a switch
// to it; only a profile neither gives is asked for (outside tester t166
// F4: the list made the draft refuse the home profile, whose ICCID and
// IMSI the log reads side by side).
func TestProfileListWithoutOwner(t *testing.T) {
	log, err := os.ReadFile(filepath.Join("testdata", "teraterm-switch.log"))
	if err != nil {
		t.Fatal(err)
	}
	// The tester's list names a Spanish profile …765 that the log never
	// enables (it enables …761): listed as …761, the IMSI read after the
	// switch and its REFRESH is that profile's.
	switched := strings.Replace(string(log), "98439078563412907835", "98439078563412907816", 1)
	for _, tc := range []struct {
		name, log string
		err       string   // the draft's refusal, "" for none
		assumed   []string // an assumption's parts
	}{
		{"a listed profile the log never switches to", string(log),
			"plain.log:20: profile 89340987654321098753 has no owner PLMN and no IMSI read beside it or after a switch to it tells its operator", nil},
		{"the other profile switched to", switched,
			"", []string{"profile 89340987654321098761, listed without its owner, is op21407's: IMSI 214071234567890, read at plain.log:39 after the switch to it"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			man := strings.Replace(cnFRManifest("owner", "quectel-eg25"), "format: plain", "format: terminal", 1)
			man = strings.Replace(man, "    - {id: cmcc, plmn: \"46000\", country: CN}\n", "", 1)
			f, err := Load(writeFixture(t, "owner", map[string]string{ManifestFile: man, "plain.log": tc.log}))
			if err != nil {
				t.Fatal(err)
			}
			p, err := Reconstruct(f, Options{})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !assumed(p, tc.assumed...) {
				t.Errorf("no assumption %q:\n%s", tc.assumed, strings.Join(p.Assumptions, "\n"))
			}
			// The home profile took its operator from the IMSI beside its ICCID.
			if y := string(p.ScenarioYAML); !strings.Contains(y, "89330123456789012342") || !strings.Contains(y, "208011234567890") {
				t.Errorf("the home profile and its IMSI are not in the scenario:\n%s", y)
			}
		})
	}
}
