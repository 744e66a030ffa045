// Package labopenfail is a suite whose lab specs fail while opening the
// modem: a port that answers ERROR to everything (not a modem), the same
// port again (refused at once, found by the spec before), and a port
// nobody listens on. framework_test runs it to see each keep the evidence
// of a failed spec.
package labopenfail_test

import (
	"os"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/harness/framework"
)

func TestLabOpenFail(t *testing.T) {
	RegisterFailHandler(framework.Fail)
	RunSpecs(t, "labopenfail")
}

var _ = Describe("A lab run that does not open", framework.Lab, func() {
	DescribeTable("fails with its evidence",
		func(env string) {
			GinkgoT().Setenv(framework.LabModemEnv, os.Getenv(env))
			framework.NewLabRig(framework.Load("lab-home.yaml"))
			Fail("the lab run opened")
		},
		Entry("not a modem", "LABOPENFAIL_ERROR_PORT"),
		Entry("found not a modem before", "LABOPENFAIL_ERROR_PORT"),
		Entry("refused", "LABOPENFAIL_CLOSED_PORT"),
	)
})

var _ = Ω
