package leakcheck

import "testing"

// TestMain checks this package's own tests the way it checks the others.
func TestMain(m *testing.M) { Main(m) }
