package specs

import (
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/framework"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

// efMSISDN is EF MSISDN (6F40) as a host reads it without +CNUM: its one
// record through +CRSM READ RECORD.
func efMSISDN(r *harness.Rig) string {
	GinkgoHelper()
	return fmt.Sprintf("%X", crsm(r, fmt.Sprintf("AT+CRSM=178,%d,1,4,%d", 0x6F40, saip.MSISDNRecordLen)))
}

// The subscriber number a host reads (AT+CNUM, TS 27.007 §7.1) is the
// enabled profile's own, from its EF MSISDN: the home profile's, a
// preinstalled profile's after the card's switch, and a downloaded
// profile's as its SM-DP+ numbered it. A host that reads it before and
// after a switch sees the switch.
var _ = Describe("The subscriber number", framework.Emulated, func() {
	It("is the enabled profile's: home, preinstalled after a switch, downloaded after a download", func() {
		r := framework.NewRig(framework.Load("subscriber-numbers.yaml"))
		send(r, "AT+CMEE=1")

		By("at home: China Mobile's international number")
		Expect(send(r, "AT+CNUM")).To(Equal([]string{`+CNUM: ,"+8613800138000",145`}))
		Expect(efMSISDN(r)).To(Equal(fmt.Sprintf("%X", saip.MSISDN("+8613800138000"))))

		By("in Paris, switched to SFR's preinstalled profile: its national number")
		advanceTo(r, 2*time.Hour)
		Expect(iccid(r)).To(Equal("89331000000000000029"))
		Expect(send(r, "AT+CNUM")).To(Equal([]string{`+CNUM: ,"0612345678",129`}))
		Expect(efMSISDN(r)).To(HaveSuffix("06"+"81"+"6021436587"+strings.Repeat("FF", 5)+"FFFF"),
			"length 6, TON/NPI unknown/E.164, 10 digits of swapped BCD, then filler")

		By("in Berlin, on the profile Vodafone's SM-DP+ delivered: the first number of its prefix")
		advanceTo(r, 4*time.Hour)
		Expect(servingPLMN(r)).To(Equal("26202"))
		Expect(send(r, "AT+CNUM")).To(Equal([]string{`+CNUM: ,"+4915200000001",145`}))
	})

	It("is refused while the profile wants its PIN, and absent from a profile that has none", func() {
		r := framework.NewRig(framework.Load("pin-locked-profile.yaml"))
		send(r, "AT+CMEE=1")
		Expect(send(r, "AT+CNUM")).To(BeEmpty(), "the home profile of this scenario has no number: OK alone")
		advanceTo(r, time.Hour+time.Minute)
		Expect(iccid(r)).To(Equal(sfrICCID)) // reads the REFRESH's URCs before +CPIN?
		Expect(one(r, "AT+CPIN?")).To(Equal("+CPIN: SIM PIN"))
		_, final := answer(r, "AT+CNUM")
		Expect(final).To(Equal("+CME ERROR: 11"))
	})
})
