package specs

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/framework"
)

// atLog is the rig's at.log: every line both ways, host and modem.
func atLog(r *harness.Rig) string {
	GinkgoHelper()
	b, err := os.ReadFile(filepath.Join(r.Dir(), harness.ATLogFile))
	Expect(err).NotTo(HaveOccurred())
	return string(b)
}

// A field failure of autonomous switching: the card enables an operator's
// profile whose PIN1 verification is enabled. Nobody enters a PIN, so the
// modem reports SIM PIN, reads no IMSI and never attaches; the card's
// attach check fails and it falls back to the original profile (claim 3),
// then switches to the next preferred operator, which attaches.
var _ = Describe("A PIN-locked profile", framework.Emulated, func() {
	It("leaves the modem at SIM PIN without an attach; the card falls back to the original, then the next operator attaches", func() {
		r := framework.NewRig(framework.Load("pin-locked-profile.yaml"))
		send(r, "AT+CMEE=2")
		send(r, "AT+CEREG=2")
		advanceTo(r, time.Hour+time.Minute)

		By("on SFR's profile the modem wants PIN1 and has no subscriber")
		Expect(iccid(r)).To(Equal(sfrICCID)) // also reads the REFRESH's URCs before +CPIN?
		Expect(one(r, "AT+CPIN?")).To(Equal("+CPIN: SIM PIN"))
		_, final := answer(r, "AT+CIMI")
		Expect(final).To(MatchRegexp(`^\+CME ERROR: (11|SIM PIN required)$`))
		Expect(one(r, "AT+CRSM=176,28423,0,0,9")).To(Equal("+CRSM: 105,130"), "EF IMSI: security status not satisfied")
		Expect(one(r, "AT+CEREG?")).To(MatchRegexp(`^\+CEREG: 2,0$`))
		Expect(one(r, "AT+CLCK=\"SC\",2")).To(Equal("+CLCK: 1"))
		Expect(one(r, `AT+CPINR="SIM PIN"`)).To(Equal("+CPINR: SIM PIN,3,3"), "no attempt spent: the host entered nothing")
		if slices.Contains(r.Personality.BootURCs, "+CPIN: READY") {
			Expect(r.AT.URCs()).To(ContainElement("+CPIN: SIM PIN"), "the personality reports the card's state")
		}

		advanceTo(r, 2*time.Hour)

		By("the AT traffic: roaming, the REFRESH to SFR and no registration, back on the original, then home on Orange")
		Expect(registrations(r)).To(Equal([]int{1, 5, 0, 5, 0, 1}))
		Expect(servingPLMN(r)).To(Equal("20801"))
		Expect(iccid(r)).To(Equal("89330100000000000038"))
		Expect(one(r, "AT+CPIN?")).To(Equal("+CPIN: READY"))
		for _, l := range strings.Split(atLog(r), "\n") {
			Expect(l).NotTo(MatchRegexp(`> AT\+CPIN=`), "the host never enters a PIN")
		}

		By("the event log: the modem saw SIM PIN, the network saw no attach on SFR's profile, the card fell back")
		var locked []eventlog.Event
		for _, e := range events(r, "card") {
			if e.Actor == eventlog.Modem && e.Get("pin") != nil {
				locked = append(locked, e)
			}
		}
		Expect(locked).To(HaveLen(1))
		Expect(locked[0].Fields).To(And(HaveKeyWithValue("iccid", sfrICCID), HaveKeyWithValue("pin", "SIM PIN"), HaveKeyWithValue("imsi", "")))
		enabled := events(r, "profile_enabled")
		Expect(switches(enabled)).To(Equal([]string{"sfr", "cmcc*", "orange-fr"}))
		failed := events(r, "attach_failed")
		Expect(operatorsOf(failed, "operator")).To(Equal([]string{"sfr"}))
		for _, e := range events(r, "attach_attempt") {
			Expect(e.T.After(enabled[0].T) && e.T.Before(failed[0].T)).To(BeFalse(), "an attach while SFR's profile was locked: %+v", e)
		}
		Expect(events(r, "fallback")[0].Fields).To(And(HaveKeyWithValue("from_operator", "sfr"), HaveKeyWithValue("to_operator", "cmcc")))
		Expect(events(r, "fallback_attached")[0].Fields).To(HaveKeyWithValue("plmn", "20801"))

		By("the capture: the list, the attach-failure report for SFR, then attach-success for Orange")
		msgs := traffic(r)
		Expect(trace(msgs)).To(Equal([]string{"platform:preferred-list",
			"platform:notification:attach-failure", "platform:notification:attach-success"}))
		Expect(msgs[1].Notification.Operator).To(Equal("sfr"))
		Expect(msgs[2].Notification.Operator).To(Equal("orange-fr"))
	})

	It("attaches on the locked profile once the host enters the PIN, and needs it again after a restart", func() {
		r := framework.NewRig(framework.Load("pin-locked-profile.yaml"))
		send(r, "AT+CMEE=1")
		send(r, "AT+CEREG=1")
		advanceTo(r, time.Hour+time.Minute)
		send(r, "AT") // the REFRESH's URCs read before the question that shares their prefix
		Expect(one(r, "AT+CPIN?")).To(Equal("+CPIN: SIM PIN"))

		_, final := answer(r, `AT+CPIN="0000"`)
		Expect(final).To(MatchRegexp(`^\+CME ERROR: (16|incorrect password)$`))
		Expect(one(r, `AT+CPINR="SIM PIN"`)).To(Equal("+CPINR: SIM PIN,2,3"))
		send(r, `AT+CPIN="1234"`)
		advance(r, 10*time.Second)
		send(r, "AT") // a personality's "+CPIN: READY" URC read before the question
		Expect(one(r, "AT+CPIN?")).To(Equal("+CPIN: READY"))
		Expect(one(r, "AT+CEREG?")).To(Equal("+CEREG: 1,1"), "home on SFR")
		Expect(servingPLMN(r)).To(Equal("20810"))
		Expect(events(r, "attach_failed")).To(BeEmpty(), "the attach came within the card's wait")

		restart(r)
		advance(r, time.Minute)
		send(r, "AT+CMEE=1")
		send(r, "AT")
		Expect(one(r, "AT+CPIN?")).To(Equal("+CPIN: SIM PIN"), "the verification does not survive the restart")
		Expect(one(r, `AT+CPINR="SIM PIN"`)).To(Equal("+CPINR: SIM PIN,3,3"), "the good PIN reset the counter, on the card's NVM")
	})
})
