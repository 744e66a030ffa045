package lab

import (
	"testing"

	"github.com/esimhil/esimhil/internal/leakcheck"
)

// TestMain fails the package's tests if they leave goroutines running or
// file descriptors open.
// The tests that mostly wait out timeouts on the wall clock, each on its
// own pty or socket, call t.Parallel: they wait side by side.
func TestMain(m *testing.M) { leakcheck.Main(m) }
