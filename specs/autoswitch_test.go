package specs

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/cardwire"
	"github.com/esimhil/esimhil/harness/framework"
)

const (
	cmccICCID     = "89860000000000000019"
	sfrICCID      = "89331000000000000029"
	vodafoneICCID = "89492000000000000037"
)

// Claims 1, 4 and 5 of the seed patent on the emulated rig: periodic roaming
// check, preferred-list request, switch to a preinstalled profile, REFRESH,
// re-attach, attach-success report.
var _ = Describe("Autoswitch", framework.Emulated, func() {
	It("makes no preferred-list request while the device is at home", func() {
		r := framework.NewRig(framework.Load("home-no-request.yaml"))
		send(r, "AT+CEREG=2")
		advance(r, 2*time.Hour)

		Expect(one(r, "AT+CEREG?")).To(MatchRegexp(`^\+CEREG: 2,1,"[0-9a-f]{4}","[0-9a-f]{8}",7$`))
		Expect(servingPLMN(r)).To(Equal("46000"))
		Expect(iccid(r)).To(Equal(cmccICCID))
		Expect(registrations(r)).To(Equal([]int{1}))
		Expect(events(r, "roaming_detected")).To(BeEmpty())
		Expect(traffic(r)).To(BeEmpty(), "no request may reach the platform")
	})

	It("switches to the first preferred operator's preinstalled profile, re-attaches at home and reports it", func() {
		r := framework.NewRig(framework.Load("roam-fr-preinstalled.yaml"))
		send(r, "AT+CEREG=2")
		advance(r, 59*time.Minute)
		Expect(iccid(r)).To(Equal(cmccICCID))
		Expect(servingPLMN(r)).To(Equal("46000"))

		advanceTo(r, 2*time.Hour)

		By("the modem shows the switch on the AT interface")
		Expect(registrations(r)).To(Equal([]int{1, 5, 0, 1}),
			"+CEREG URCs: home in Beijing, roaming on Orange in Paris, detached by the REFRESH, home on SFR")
		Expect(servingPLMN(r)).To(Equal("20810"))
		Expect(iccid(r)).To(Equal(sfrICCID))
		Expect(one(r, "AT+CIMI")).To(HavePrefix("20810"))
		Expect(one(r, "AT+CEREG?")).To(MatchRegexp(`^\+CEREG: 2,1,"[0-9a-f]{4}","[0-9a-f]{8}",7$`))

		By("the events follow the method's order")
		Expect(kinds(r.Log.Events())).To(ContainElements(
			"roaming_detected", "preferred_list_requested", "preferred_list_received",
			"profile_enabled", "refresh", "attach_result", "notification_sent"))
		Expect(events(r, "roaming_detected")[0].Str("serving_plmn")).To(Equal("20801"))
		Expect(events(r, "profile_enabled")[0].Fields).To(HaveKeyWithValue("iccid", sfrICCID))

		By("the capture carries the list request and the attach-success report")
		msgs := traffic(r)
		Expect(msgs).To(HaveLen(2))
		Expect(msgs[0].Kind).To(Equal(capture.KindPreferredList))
		Expect(msgs[0].Status).To(Equal(200))
		Expect(msgs[0].ListRequest.ServingPLMN).To(Equal("20801"))
		Expect(msgs[0].ListRequest.HomePLMN).To(Equal("46000"))
		Expect(msgs[0].ListRequest.TAC).To(Equal("3a9b"))
		Expect(msgs[0].ListRequest.CellID).To(Equal("0000c33d"))
		Expect(msgs[0].ListResponse.Operators).To(HaveLen(2))
		Expect(msgs[0].ListResponse.Operators[0].ID).To(Equal("sfr"))
		Expect(msgs[1].Kind).To(Equal(capture.KindNotification))
		Expect(msgs[1].Notification.Kind).To(Equal("attach-success"))
		Expect(msgs[1].Notification.Operator).To(Equal("sfr"))
		Expect(msgs[1].Notification.PLMN).To(Equal("20810"))
		Expect(msgs[1].Ack.Ack).To(BeTrue())

		By("the card's own traffic shows the same steps in claim order")
		steps, err := cardwire.CheckClaim1(apduLane(r), cardwire.Claim1{Roaming: "20801", Platform: r.Platform.Addr(), Attached: "20810"})
		Expect(err).NotTo(HaveOccurred())
		Expect(steps[2].APDUs[0].Qualifier()).To(Equal(wantRefresh(r)))
	})

	DescribeTable("orders the list as the platform is configured (claim 5)",
		func(file, first, plmn string) {
			r := framework.NewRig(framework.Load(file))
			advanceTo(r, 2*time.Hour)
			Expect(servingPLMN(r)).To(Equal(plmn))
			msgs := traffic(r)
			Expect(msgs).NotTo(BeEmpty())
			Expect(msgs[0].ListResponse).NotTo(BeNil())
			Expect(msgs[0].ListResponse.Operators[0].ID).To(Equal(first))
		},
		Entry("by tariff: SFR (0.5) before Orange (0.8)", "roam-fr-preinstalled.yaml", "sfr", "20810"),
		Entry("by signal: Orange (-85 dBm) before SFR (-101 dBm)", "roam-fr-signal-order.yaml", "orange-fr", "20801"),
	)

	It("keeps roaming on the original profile while the platform is unreachable and retries with back-off", func() {
		r := framework.NewRig(framework.Load("roam-platform-unreachable.yaml"))
		send(r, "AT+CEREG=2")
		advanceTo(r, 89*time.Minute)

		Expect(servingPLMN(r)).To(Equal("20801"), "still roaming on Orange")
		Expect(one(r, "AT+CEREG?")).To(MatchRegexp(`^\+CEREG: 2,5,`))
		Expect(iccid(r)).To(Equal(cmccICCID))
		var failed, skipped []time.Duration
		for _, e := range events(r, "preferred_list_failed") {
			failed = append(failed, sinceStart(r, e))
		}
		for _, e := range events(r, "platform_backoff") {
			skipped = append(skipped, sinceStart(r, e))
		}
		Expect(failed).To(Equal([]time.Duration{time.Hour, 70 * time.Minute, 85 * time.Minute}),
			"each unanswered request spaces the next out: 1, then 2 checks skipped")
		Expect(skipped).To(Equal([]time.Duration{65 * time.Minute, 75 * time.Minute, 80 * time.Minute}))
		Expect(events(r, "profile_enabled")).To(BeEmpty())

		advanceTo(r, 2*time.Hour)
		Expect(servingPLMN(r)).To(Equal("20810"), "switched once the platform came back and the pause earned at 1h25m ran out (1h50m)")
		Expect(iccid(r)).To(Equal(sfrICCID))
		msgs := traffic(r)
		Expect(msgs).To(HaveLen(2), "refused connections never reach the wire as HTTP")
		Expect(msgs[0].Kind).To(Equal(capture.KindPreferredList))
		Expect(msgs[1].Notification.Kind).To(Equal("attach-success"))

		var edges []string
		for _, e := range events(r, eventlog.KindFault) {
			edges = append(edges, fmt.Sprintf("%v on=%v entry=%v", e.T.Sub(events(r, eventlog.KindRunStarted)[0].T), e.Get("on"), e.Get("entry")))
		}
		Expect(edges).To(Equal([]string{"50m0s on=true entry=0", "1h30m0s on=false entry=0"}), "both edges of the window name its entry")
	})

	It("stays roaming on the original profile when the area's list is empty", func() {
		r := framework.NewRig(framework.Load("roam-empty-list.yaml"))
		send(r, "AT+CEREG=2")
		advanceTo(r, 2*time.Hour)

		Expect(servingPLMN(r)).To(Equal("26201"))
		Expect(one(r, "AT+CEREG?")).To(MatchRegexp(`^\+CEREG: 2,5,`))
		Expect(iccid(r)).To(Equal(cmccICCID))
		Expect(registrations(r)).To(Equal([]int{1, 5}))
		Expect(events(r, "preferred_list_empty")).NotTo(BeEmpty())
		msgs := traffic(r)
		Expect(msgs).NotTo(BeEmpty())
		for _, m := range msgs {
			Expect(m.Kind).To(Equal(capture.KindPreferredList))
			Expect(m.ListResponse.Operators).To(BeEmpty())
		}
	})

	It("switches again on a second trip to another country", func() {
		r := framework.NewRig(framework.Load("two-trips.yaml"))
		send(r, "AT+CEREG=2")
		advanceTo(r, 2*time.Hour)
		Expect(iccid(r)).To(Equal(sfrICCID))
		Expect(servingPLMN(r)).To(Equal("20810"))

		advanceTo(r, 4*time.Hour)
		Expect(iccid(r)).To(Equal(vodafoneICCID))
		Expect(servingPLMN(r)).To(Equal("26202"))
		Expect(registrations(r)).To(Equal([]int{1, 5, 0, 1, 5, 0, 1}))

		msgs := traffic(r)
		var served []string
		for _, m := range msgs {
			if m.Kind == capture.KindPreferredList {
				served = append(served, m.ListRequest.ServingPLMN+"→"+m.ListResponse.Operators[0].ID)
			}
		}
		Expect(served).To(Equal([]string{"20801→sfr", "26201→vodafone-de"}))
	})
})
