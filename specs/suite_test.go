// Package specs holds the Ginkgo suites that drive the rig. Every spec builds
// its own rig through harness/framework and asserts only on what can be
// observed from outside: AT traffic, the event log and the decoded capture.
package specs

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestSpecs(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "esimhil emulated rig")
}
