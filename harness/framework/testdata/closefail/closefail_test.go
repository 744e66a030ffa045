// Package closefail is a suite whose only spec passes its own checks and
// whose rig then fails to close (an event of a kind nobody registered):
// framework_test runs it to see the spec fail with its artifacts kept.
package closefail_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/harness/framework"
)

func TestCloseFail(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "closefail")
}

var _ = Describe("A rig that fails to close", func() {
	It("fails the spec that passed", func() {
		r := framework.NewRig(framework.Load("home-no-request.yaml"))
		Expect(r.Advance(0)).To(Succeed())
		r.Log.Emit("spec", "not-a-registered-kind", nil)
	})
})
