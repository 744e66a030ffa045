package specs

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/emulators/clock"
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
		// <tac> and <ci> are hexadecimal (27.007 §10.1.22), in the case
		// the modem prints (location_hex): only they are read either way.
		Expect(one(r, "AT+CEREG?")).To(MatchRegexp(`^\+CEREG: 2,1,"(?i:3a9b)","(?i:0000c33d)",7$`))
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

// One operator's outage (coverage: lost with an operator): its cells go,
// the others stay. A device on it loses its registration and looks at once
// at what is left, where a network that does not take its subscriber
// denies it; a device on another network notices neither edge. The spec's
// seed moves the card's check phase, so its attempts are counted, not
// timed.
var _ = Describe("One network's outage", framework.Emulated, func() {
	It("drops the device on it to a denial elsewhere, leaves the device elsewhere alone, and the card returns once it sees its cells again", func() {
		r := framework.NewRig(framework.Load("operator-outage.yaml"))
		send(r, "AT+CEREG=3")
		advanceTo(r, 90*time.Minute)
		Expect(iccid(r)).To(Equal(sfrICCID))
		Expect(one(r, "AT+COPS=3,2;+COPS?")).To(Equal(`+COPS: 0,2,"20810",7`))

		advanceTo(r, 92*time.Minute)
		By("SFR down: Orange alone is there, and denies an SFR subscriber (cause 11)")
		Expect(one(r, "AT+CEREG?")).To(MatchRegexp(`^\+CEREG: 3,3,"[0-9a-fA-F]{4}","[0-9a-fA-F]{8}",7?,0,11$`))
		for _, e := range events(r, "attach_attempt") {
			if e.T.After(clock.Epoch.Add(91 * time.Minute)) {
				Expect(e.Str("plmn")).NotTo(Equal("20810"), "SFR's cells are gone")
			}
		}
		Expect(events(r, "detach")).To(HaveLen(1), "the outage sends no detach: only the first switch's REFRESH did")

		advanceTo(r, 4*time.Hour)
		By("the rescue onto China Mobile, then SFR whenever the back-off allows while it is down, and once its cells are back in sight, where it holds")
		attempts := cardEvents(r, "attempt", "operator")
		Expect(len(attempts)).To(BeNumerically(">=", 4))
		Expect(attempts[:2]).To(Equal([]string{"sfr", "cmcc"}))
		Expect(attempts[2:]).To(HaveEach("sfr"))
		Expect(iccid(r)).To(Equal(sfrICCID))
		Expect(servingPLMN(r)).To(Equal("20810"))
		faults := events(r, "fault")
		Expect(faults).To(HaveLen(2))
		for i, f := range faults {
			Expect(f.Fields).To(HaveKeyWithValue("target", "sfr"))
			Expect(f.Fields).To(HaveKeyWithValue("on", i == 0))
		}
		up := faults[1].T
		var failed, heldAfter int
		for _, e := range events(r, "attach_failed") {
			Expect(e.T.Before(up)).To(BeTrue(), "an attach failed at %v, after SFR came back", e.T)
			failed++
		}
		for _, e := range events(r, "cycle_ended") {
			if e.Str("outcome") == "attach-success" && e.Str("operator") == "sfr" && e.T.After(up) {
				heldAfter++
			}
		}
		Expect(failed).To(Equal(len(attempts)-3), "each SFR attempt during the outage failed; the last one held")
		Expect(heldAfter).To(Equal(1))

		By("as SFR came back, only a device without service looked for it")
		var lastStat int
		for _, e := range events(r, "registration") {
			if !e.T.After(up) {
				lastStat = int(e.Get("stat").(int))
			}
		}
		var attachesAtUp int
		for _, e := range events(r, "attach_attempt") {
			if e.T.Equal(up) {
				attachesAtUp++
			}
		}
		if lastStat == 1 || lastStat == 5 {
			Expect(attachesAtUp).To(BeZero(), "registered (stat %d) as SFR came back", lastStat)
		} else {
			Expect(attachesAtUp).To(Equal(1), "without service (stat %d) as SFR came back", lastStat)
		}
	})
})
