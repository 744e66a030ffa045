package specs

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/harness/framework"
)

// A dead zone (coverage: lost): no cell of any network reaches the device,
// so the modem loses its registration without any reject and searches
// until the zone ends, when it attaches again; the card sees no service
// and acts on it only as its checks find it.
var _ = Describe("A dead zone", framework.Emulated, func() {
	It("loses the registration, searches, and attaches again as it ends; a long one brings the card's rescue", func() {
		r := framework.NewRig(framework.Load("coverage-lost.yaml"))
		send(r, "AT+CEREG=2")
		advanceTo(r, 90*time.Minute)
		Expect(iccid(r)).To(Equal(sfrICCID))
		before := len(registrations(r))

		advanceTo(r, 92*time.Minute)
		By("in the tunnel: searching, no serving cell, no signal")
		Expect(one(r, "AT+CEREG?")).To(Equal("+CEREG: 2,2"))
		Expect(one(r, "AT+CSQ")).To(Equal("+CSQ: 99,99"))

		advanceTo(r, 95*time.Minute)
		By("out of it: home on SFR's cell again, the card unmoved")
		Expect(registrations(r)[before:]).To(Equal([]int{2, 1}))
		Expect(one(r, "AT+CEREG?")).To(Equal(`+CEREG: 2,1,"3a9b","0000c33d",7`))
		Expect(events(r, "cycle_started")).To(HaveLen(1), "the Paris cycle alone")

		advanceTo(r, 3*time.Hour)
		By("the long zone: two checks without service, the rescue onto China Mobile, back to SFR by the list")
		Expect(cardEvents(r, "cycle_started", "trigger")).To(Equal([]string{"list", "rescue", "list"}))
		Expect(iccid(r)).To(Equal(sfrICCID))
		Expect(servingPLMN(r)).To(Equal("20810"))
		faults := events(r, "fault")
		Expect(faults).To(HaveLen(4))
		for i, f := range faults {
			Expect(f.Fields).To(HaveKeyWithValue("fault", "coverage_lost"))
			Expect(f.Fields).To(HaveKeyWithValue("on", i%2 == 0))
		}
		Expect(events(r, "detach")).To(HaveLen(2), "the network heard no detach as the zones began: only the two REFRESHes' own")
	})
})
