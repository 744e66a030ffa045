// Package specs holds the Ginkgo suites that drive the rig. Every spec builds
// its own rig through harness/framework and asserts only on what can be
// observed from outside: AT traffic, the event log and the decoded capture.
package specs

import (
	"fmt"
	"testing"

	"github.com/esimhil/esimhil/harness/framework"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestSpecs(t *testing.T) {
	// framework.Fail: a lab spec's failure says when its modem reset
	// under it (the check at its end would come second, and be lost).
	RegisterFailHandler(framework.Fail)
	// Errors as their message, once: not Gomega's dump of their insides.
	framework.RegisterErrorFormat()
	RunSpecs(t, framework.SuiteName())
}

// A spec skipped for a reason (a lab that lacks what it needs) says why
// on the console, not only under -v.
var _ = ReportAfterSuite("skip reasons", func(r Report) {
	if s := framework.SkipSummary(r); s != "" {
		fmt.Print("\n" + s)
	}
})
