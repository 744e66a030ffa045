package field

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEIDFetchedOverCSIM: a GetEID sent over +CGLA whose 61xx answer is
// fetched by a GET RESPONSE over +CSIM on the session's channel gives the
// card's EID (outside tester t166 F8: not read).
func TestEIDFetchedOverCSIM(t *testing.T) {
	log, err := os.ReadFile(filepath.Join("testdata", "plain-cgla-then-csim.log"))
	if err != nil {
		t.Fatal(err)
	}
	man := strings.Replace(cnFRManifest("eid", "generic"), "  personality: generic\n",
		"  personality: generic\n  profiles:\n    - {iccid: \"89330123456789012342\", operator: orange-fr, enabled: true}\n", 1)
	p := reconstruct(t, writeFixture(t, "eid", map[string]string{ManifestFile: man, "plain.log": string(log)}), Options{})
	if p.Facts.EID != "89049032123451234512345678901235" || p.Facts.EIDSrc.Line != 8 {
		t.Errorf("EID %q from %s, want 89049032123451234512345678901235 from plain.log:8", p.Facts.EID, p.Facts.EIDSrc)
	}
}
