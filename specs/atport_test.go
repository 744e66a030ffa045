package specs

import (
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/framework"
)

// The card runs the method on its own: a modem whose AT port hangs (its
// AT task stalls; the radio, the toolkit and the card go on) changes
// nothing but what the host hears.
var _ = Describe("A hung AT port", framework.Emulated, func() {
	It("leaves the host deaf while the card switches, re-attaches and reports on its own; back, the host reads the new profile", func() {
		r := framework.NewRig(framework.Load("at-port-hung.yaml"))
		send(r, "AT+CEREG=2")
		advance(r, 55*time.Minute)

		By("the port says nothing: no echo, no answer")
		_, err := r.AT.CommandWithin("AT+CSQ", 300*time.Millisecond)
		Expect(err).To(MatchError(atclient.ErrTimeout))

		advanceTo(r, 2*time.Hour)
		By("the card switched without the host")
		Expect(events(r, "profile_enabled")).To(HaveLen(1))
		Expect(events(r, "refresh")).To(HaveLen(1))
		sent := events(r, "notification_sent")
		Expect(sent).To(HaveLen(1))
		Expect(sent[0].Str("kind")).To(Equal("attach-success"))
		ok := 0
		for _, e := range events(r, "attach_result") {
			if e.Get("ok") == true && e.Str("plmn") == "20810" {
				ok++
			}
		}
		Expect(ok).To(Equal(1), "one successful attach on SFR while the port was hung")

		advanceTo(r, 3*time.Hour+time.Minute)
		By("back, it answers; what it did not say while hung is lost")
		Expect(registrations(r)).To(Equal([]int{1}), "the only +CEREG URC the host got is Beijing's, before the hang")
		Expect(iccid(r)).To(Equal(sfrICCID))
		Expect(servingPLMN(r)).To(Equal("20810"))
		Expect(one(r, "AT+CIMI")).To(HavePrefix("20810"))

		By("the event log and at.log say when and what")
		faults := events(r, "fault")
		Expect(faults).To(HaveLen(2))
		Expect(faults[0].Fields).To(HaveKeyWithValue("on", true))
		Expect(faults[0].Fields).To(HaveKeyWithValue("fault", "at_port_hang"))
		Expect(faults[1].Fields).To(HaveKeyWithValue("on", false))
		Expect(r.Close()).To(Succeed())
		atlog, err := os.ReadFile(filepath.Join(r.Dir(), harness.ATLogFile))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(atlog)).To(ContainSubstring("> AT+CSQ (ignored: AT port hung)"))
	})
})
