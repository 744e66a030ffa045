package replay

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/field"
)

// TestMalformedAnswer: a field modem's +CGLA answer whose hex is no APDU
// (45 digits) is where a draft puts the failure, named for what it is;
// the replay's divergence says the recorded answer is malformed, and the
// EID the answer would have given is assumed saying why.
func TestMalformedAnswer(t *testing.T) {
	log := "> AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\n< +CCHO: 1\n< OK\n" +
		"> AT+CGLA=1,22,\"81E2910006BF3E035C015A\"\n" +
		"< +CGLA: 45,\"BF3E125A1089049032003820000000000000640271900\"\n< OK\n"
	path := filepath.Join(t.TempDir(), "session.log")
	if err := os.WriteFile(path, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Draft(t.TempDir(), "odd", "", []string{path})
	if err != nil {
		t.Fatal(err)
	}
	const why = "45 hex digits, not whole bytes"
	want := `the modem's answer to AT+CGLA=1,22,"81E2910006BF3E035C015A" is malformed: ` + why
	manifest, err := os.ReadFile(filepath.Join(d.Dir, field.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if !d.Found || d.Failure.Line != 5 || !strings.Contains(string(manifest), strconv.Quote(want)) {
		t.Errorf("draft's failure %+v (found %v), want line 5: %s\n%s", d.Failure, d.Found, want, manifest)
	}

	res := replay(t, newFixture(t, "odd", map[string]string{"session.log": log,
		field.ManifestFile: orangeFixture("odd", "generic", "session.log", "plain", 5)}))
	if res.OK || res.Divergence == nil || res.Divergence.Src.Line != 5 ||
		!strings.Contains(res.Divergence.Context, "the recorded answer is malformed ("+why+")") {
		t.Errorf("OK %v, divergence %+v: want one at session.log:5 saying the answer is malformed\n%s", res.OK, res.Divergence, Report(res))
	}
	lost := "EID 89049032000001000000000000000171: neither the manifest nor the logs give one; the answer to GetEID at session.log:5 is malformed (" + why + ")"
	if !slices.Contains(res.Plan.Assumptions, lost) {
		t.Errorf("assumptions %q, want %q", res.Plan.Assumptions, lost)
	}
}
