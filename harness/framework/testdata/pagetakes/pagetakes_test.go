// Package pagetakes is a suite whose only spec reads its rig's capture
// and passes; framework_test runs it with every spec's artifacts kept, to
// see the spec's timeline page take the rig's decoded capture (the rig
// lives on through the page: shared, none of it was freed) and the rig's
// readers still answer after it.
package pagetakes_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/framework"
)

func TestPageTakes(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "pagetakes")
}

var _ = Describe("A kept spec's page", func() {
	It("takes the rig's decoded capture", func() {
		var r *harness.Rig
		// Registered before the rig's cleanup, so run after its page.
		DeferCleanup(func() {
			Expect(r.DecodedTraffic()).To(BeNil(), "the rig kept the decoded capture its page was given")
			l, err := r.APDULane()
			Expect(err).NotTo(HaveOccurred(), "the APDU lane after the page")
			Expect(l.APDUs).NotTo(BeEmpty(), "the APDU lane after the page")
		})
		s := framework.Load("home-no-request.yaml")
		r = framework.NewRig(s)
		Expect(r.AdvanceTo(harness.Horizon(s))).To(Succeed())
	})
})
