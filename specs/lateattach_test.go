package specs

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/framework"
)

// platformLog lists the notifications the platform's own log recorded,
// "kind:operator", in order.
func platformLog(r *harness.Rig) []string {
	GinkgoHelper()
	var out []string
	for _, e := range framework.ActorEvents(r, eventlog.Platform, "notification_received") {
		out = append(out, e.Str("kind")+":"+e.Str("operator"))
	}
	return out
}

// Claim 7 after a cycle gave up (D6): the profile the card stayed on after
// reporting its attach failed attaches later, when the networks come back;
// the card reports attach-success for it then, once, so the platform's
// last word about the device is true.
var _ = Describe("A late attach", framework.Emulated, func() {
	It("is reported attach-success once when the profile a rescue gave up on attaches later", func() {
		r := framework.NewRig(framework.Load("late-attach.yaml"))
		send(r, "AT+CEREG=2")
		advanceTo(r, 100*time.Minute)

		By("while the networks are silent: every rescue round ends list-exhausted, nothing attached")
		Expect(platformLog(r)).NotTo(ContainElement(HavePrefix("attach-success")))
		Expect(outcomes(r)).To(HaveEach("list-exhausted:"))
		Expect(iccid(r)).To(Equal(sfrICCID), "the last round left SFR enabled: nothing to fall back to")

		advanceTo(r, 3*time.Hour)
		By("the platform's log: the failures, then attach-success for SFR, last and once")
		logged := platformLog(r)
		Expect(logged).NotTo(BeEmpty())
		Expect(logged[len(logged)-1]).To(Equal("attach-success:sfr"))
		Expect(logged[:len(logged)-1]).NotTo(ContainElement(HavePrefix("attach-success")), "once")

		By("the AT interface: home on SFR, by the modem's own retry")
		Expect(one(r, "AT+CEREG?")).To(MatchRegexp(`^\+CEREG: 2,1,`))
		Expect(servingPLMN(r)).To(Equal("20810"))

		By("the event log: one late_attach for SFR, after the world attached it; no new cycle outcome")
		late := framework.ActorEvents(r, eventlog.EUICC, "late_attach")
		Expect(late).To(HaveLen(1))
		Expect(late[0].Fields).To(And(HaveKeyWithValue("operator", "sfr"), HaveKeyWithValue("iccid", sfrICCID),
			HaveKeyWithValue("plmn", "20810")))
		attached := false
		for _, e := range framework.ActorEvents(r, eventlog.World, "attach_result") {
			if e.Get("ok") == true && e.Str("operator") == "sfr" && !e.T.After(late[0].T) {
				attached = true
			}
		}
		Expect(attached).To(BeTrue(), "the world attached SFR before the card reported it")
		Expect(outcomes(r)).To(HaveEach("list-exhausted:"), "the late report is no cycle outcome")

		By("back-off: each rescue round counts one failure, the first China Mobile's lost service besides")
		Expect(events(r, "backoff")).To(HaveLen(len(events(r, "attach_failed")) + 1))

		By("the capture shows what the platform logged")
		Expect(notes(traffic(r))).To(Equal(logged))
	})

	It("is still reported after a power cut between the failure and the attach", func() {
		// Power off after the third round (SFR left enabled, the reports
		// still owed: no bearer), back on 40 min later, after the networks came
		// back: the card boots on SFR from NVM, which attaches at power-on.
		r := framework.NewRig(framework.Variant("late-attach.yaml", "late-attach-power-cut", nil,
			"{power_cut: list_exhausted, actor: euicc, nth: 3, off: 40m}"))
		advanceTo(r, 3*time.Hour)

		Expect(iccid(r)).To(Equal(sfrICCID))
		logged := platformLog(r)
		Expect(logged).To(Equal([]string{"attach-failure:sfr", "list-exhausted:", "attach-failure:cmcc", "list-exhausted:",
			"attach-failure:sfr", "list-exhausted:", "attach-success:sfr"}))
		Expect(framework.ActorEvents(r, eventlog.EUICC, "late_attach")).To(HaveLen(1))
		Expect(notes(traffic(r))).To(Equal(logged))
	})
})
