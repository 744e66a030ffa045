package lab

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// hostSide are the packages that talk to a modem as a host does: they must
// work the same against a USB tty, a ser2net port and the emulator, so none
// of them may depend on an emulator (STYLE.md, warthog618).
var hostSide = []string{
	"github.com/esimhil/esimhil/harness/atclient",
	"github.com/esimhil/esimhil/harness/dialect",
	"github.com/esimhil/esimhil/harness/transport",
	"github.com/esimhil/esimhil/harness/ser2net",
	"github.com/esimhil/esimhil/harness/lab",
	"github.com/esimhil/esimhil/harness/lab/...",
	"github.com/esimhil/esimhil/internal/personality",
	"github.com/esimhil/esimhil/internal/codec/...",
}

// TestHostSideImportsNoEmulator runs `go list -deps` on the host-side
// packages and fails on any emulators/ package. Their tests may use the
// emulator as the modem they talk to; the packages themselves may not.
func TestHostSideImportsNoEmulator(t *testing.T) {
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	args := append([]string{"list", "-deps", "-f", "{{.ImportPath}}"}, hostSide...)
	out, err := exec.Command(goTool, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 20 {
		t.Fatalf("go list gave %d packages: %q", len(deps), deps)
	}
	seen := map[string]bool{}
	for _, d := range deps {
		seen[d] = true
		if strings.Contains(d, "/esimhil/emulators/") || strings.HasSuffix(d, "/esimhil/emulators") {
			t.Errorf("host-side packages depend on %s", d)
		}
	}
	for _, p := range hostSide {
		if !strings.HasSuffix(p, "/...") && !seen[p] {
			t.Errorf("%s not in the list: the check checks nothing", p)
		}
	}
}
