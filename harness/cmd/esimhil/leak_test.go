package main

import (
	"os"
	"testing"

	"github.com/esimhil/esimhil/internal/leakcheck"
)

// childEnv makes the test binary run as the esimhil command itself, for
// tests that need a second process (an emulator serving a fleet).
const childEnv = "ESIMHIL_TEST_AS_CLI"

// TestMain fails the package's tests if they leave goroutines running or
// file descriptors open.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		main()
	}
	leakcheck.Main(m)
}
