package specs

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/framework"
)

// A card the modem cannot detect (a contact failure, a SIM-detect line a
// soldered eUICC never asserts) leaves the device without a subscriber:
// the host reads SIM not inserted, nothing attaches, and the card, out of
// power, checks nothing until it is back.
var _ = Describe("A card out of the modem's reach", framework.Emulated, func() {
	It("answers SIM not inserted and attaches nothing; back in Paris, it boots, roams and switches at its next check", func() {
		r := framework.NewRig(framework.Load("card-absent.yaml"))
		send(r, "AT+CMEE=1")
		send(r, "AT+CEREG=2")
		advance(r, 55*time.Minute)

		By("no card: its commands answer +CME ERROR: 10, the device is not registered")
		for _, cmd := range []string{"AT+CPIN?", "AT+CIMI"} {
			_, err := r.AT.Command(cmd)
			var cme *atclient.CMEError
			Expect(err).To(BeAssignableToTypeOf(cme), cmd)
			Expect(err.(*atclient.CMEError).Code).To(Equal(10), cmd)
		}
		Expect(one(r, "AT+CEREG?")).To(Equal("+CEREG: 2,0"))

		advanceTo(r, 1*time.Hour+50*time.Minute)
		By("out of power, the card checked nothing in Paris")
		Expect(events(r, "roaming_detected")).To(BeEmpty())
		Expect(events(r, "preferred_list_requested")).To(BeEmpty())

		advanceTo(r, 2*time.Hour+10*time.Minute)
		By("back, it is read as at boot, roams on Orange, then switches to SFR")
		send(r, "AT") // the card's +CPIN: READY URCs (boot, REFRESH) are read before the question
		Expect(one(r, "AT+CPIN?")).To(Equal("+CPIN: READY"))
		Expect(iccid(r)).To(Equal(sfrICCID))
		Expect(servingPLMN(r)).To(Equal("20810"))
		Expect(registrations(r)).To(Equal([]int{1, 0, 5, 0, 1}), "Beijing, the card gone, roaming in Paris, the REFRESH, SFR")
		faults := events(r, "fault")
		Expect(faults).To(HaveLen(2))
		Expect(faults[0].Fields).To(HaveKeyWithValue("fault", "card_absent"))
		Expect(faults[0].Fields).To(HaveKeyWithValue("on", true))
		Expect(faults[1].Fields).To(HaveKeyWithValue("on", false))
		sent := events(r, "notification_sent")
		Expect(sent).To(HaveLen(1))
		Expect(sent[0].Str("kind")).To(Equal("attach-success"))
	})
})
