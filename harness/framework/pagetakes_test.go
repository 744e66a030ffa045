package framework_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/esimhil/esimhil/harness/framework"
	"github.com/esimhil/esimhil/harness/timeline"
)

// A kept spec's timeline page takes its rig's decoded capture
// (harness.Rig.TakeDecodedTraffic), and the rig's readers still answer
// after it: testdata/pagetakes fails otherwise.
func TestSpecPageTakesTheDecodedCapture(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a suite")
	}
	kept, tmp := t.TempDir(), t.TempDir()
	cmd := exec.Command("go", "test", "-count=1", "./testdata/pagetakes", "-ginkgo.no-color")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, framework.ArtifactsEnv+"="+kept)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if pages, _ := filepath.Glob(filepath.Join(kept, "*", timeline.FileName)); len(pages) != 1 {
		t.Errorf("pages %q, want the spec's one", pages)
	}
}
