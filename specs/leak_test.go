package specs

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/esimhil/esimhil/internal/leakcheck"
)

// TestMain fails the suite if its specs leave goroutines running or file
// descriptors open (every rig closed, every server joined). Ginkgo's own
// interrupt handler runs for the life of the process.
func TestMain(m *testing.M) {
	leakcheck.Main(m, goleak.IgnoreTopFunction("github.com/onsi/ginkgo/v2/internal/interrupt_handler.(*InterruptHandler).registerForInterrupts.func2"))
}
