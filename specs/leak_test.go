package specs

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/esimhil/esimhil/internal/leakcheck"
)

// TestMain fails the suite if its specs leave goroutines running or file
// descriptors open (every rig closed, every server joined). Ginkgo's own
// interrupt handler (and, run in parallel, its poll of the parallel server)
// runs for the life of the process.
func TestMain(m *testing.M) {
	const handler = "github.com/onsi/ginkgo/v2/internal/interrupt_handler.(*InterruptHandler).registerForInterrupts"
	leakcheck.Main(m, goleak.IgnoreTopFunction(handler+".func1"), goleak.IgnoreTopFunction(handler+".func2"))
}
