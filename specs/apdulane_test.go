package specs

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/cardwire"
	"github.com/esimhil/esimhil/harness/framework"
	"github.com/esimhil/esimhil/harness/simtrace"
	"github.com/esimhil/esimhil/internal/codec/stk"
)

// apduLane closes the rig (completing the capture) and decodes the card's
// APDU lane from traffic.pcapng, as a sniffer between modem and card
// would have recorded it.
func apduLane(r *harness.Rig) *simtrace.Lane {
	GinkgoHelper()
	Expect(r.Close()).To(Succeed())
	l, err := r.APDULane()
	Expect(err).NotTo(HaveOccurred())
	Expect(l.Summary()).To(BeEmpty(), "a lane without malformed APDUs from the host decodes without a warning")
	return l
}

// wantRefresh is the REFRESH mode the card must pick under the rig's
// modem: "eUICC Profile State Change" when its terminal profile announces
// it, UICC reset otherwise.
func wantRefresh(r *harness.Rig) byte {
	if r.Personality.RefreshProfileStateChange {
		return stk.RefreshEUICCProfileChange
	}
	return stk.RefreshUICCReset
}

// after asserts that step s begins after step prev ended.
func after(s, prev cardwire.Step) {
	GinkgoHelper()
	Expect(s.Time()).To(BeTemporally(">=", prev.End()), "%s comes after %s", s.Name, prev.Name)
}

// near asserts that a wire step happened when the event log says the card
// decided it (same simulated instant: the lane's frames are 1 µs apart).
func near(s cardwire.Step, e eventlog.Event) {
	GinkgoHelper()
	Expect(s.Time()).To(BeTemporally("~", e.T, time.Millisecond), "%s on the wire and %s in the log", s.Name, e.Kind)
}

// The method seen from the card's own traffic: the APDUs between modem
// and card, recorded in traffic.pcapng as GSMTAP SIM (what a SIMtrace2
// records in the lab) and checked with the wire checks a lab run uses
// against a real card (harness/cardwire), in claim order.
var _ = Describe("The card's APDU lane", framework.Emulated, func() {
	It("shows claim 1 in order: roaming check, list request, switch in the terminal's REFRESH mode, attach check, report", func() {
		r := framework.NewRig(framework.Load("roam-fr-preinstalled.yaml"))
		advanceTo(r, 2*time.Hour)
		platform := r.Platform.Addr()
		lane := apduLane(r)
		w := cardwire.NewWalk(lane)

		By("the periodic check: timer expiration, PROVIDE LOCAL INFORMATION answered with the visited network")
		check, err := w.RoamingCheck("20801")
		Expect(err).NotTo(HaveOccurred())
		Expect(check.APDUs[0].Envelope.TimerID).To(BeEquivalentTo(1))
		Expect(check.APDUs[1].Qualifier()).To(BeEquivalentTo(stk.PLILocation))
		near(check, events(r, "roaming_detected")[0])

		By("the preferred-list request: OPEN CHANNEL to the platform, SEND DATA")
		list, err := w.ListRequest(platform)
		Expect(err).NotTo(HaveOccurred())
		after(list, check)
		Expect(string(list.APDUs[2].Proactive.Data)).To(HavePrefix("POST /v1/preferred-list HTTP/1.1\r\n"), "the HTTP request in the first SEND DATA")

		By("the switch: REFRESH in the mode the terminal profile allows, then the card's reset")
		sw, err := w.Switch()
		Expect(err).NotTo(HaveOccurred())
		after(sw, list)
		Expect(sw.APDUs[0].Qualifier()).To(Equal(wantRefresh(r)), "personality %s", r.Personality.Name)
		near(sw, events(r, "refresh")[0])

		By("the attach check: location status, normal service, on SFR's network")
		attach, err := w.AttachCheck("20810")
		Expect(err).NotTo(HaveOccurred())
		after(attach, sw)

		By("the attach-success report to the platform")
		report, err := w.Request("attach report", platform)
		Expect(err).NotTo(HaveOccurred())
		after(report, attach)
		Expect(string(report.APDUs[2].Proactive.Data)).To(HavePrefix("POST /v1/notifications HTTP/1.1\r\n"))

		By("and the same in one call, as a lab run makes it")
		steps, err := cardwire.CheckClaim1(lane, cardwire.Claim1{Roaming: "20801", Platform: platform, Attached: "20810"})
		Expect(err).NotTo(HaveOccurred())
		Expect(steps).To(HaveLen(5))
	})

	It("shows claim 2 in order: list request, download request, ES9+ to the operator's SM-DP+, switch, attach check", func() {
		r := framework.NewRig(framework.Load("roam-fr-download.yaml"))
		advanceTo(r, 2*time.Hour)
		platform, smdp := r.Platform.Addr(), r.SMDP["sfr"].Addr()
		w := cardwire.NewWalk(apduLane(r))

		check, err := w.RoamingCheck("20801")
		Expect(err).NotTo(HaveOccurred())
		list, err := w.ListRequest(platform)
		Expect(err).NotTo(HaveOccurred())
		after(list, check)
		download, err := w.Request("download request", platform)
		Expect(err).NotTo(HaveOccurred())
		after(download, list)
		Expect(string(download.APDUs[2].Proactive.Data)).To(HavePrefix("POST /v1/download HTTP/1.1\r\n"))
		es9, err := w.Request("ES9+ to SFR's SM-DP+", smdp)
		Expect(err).NotTo(HaveOccurred())
		after(es9, download)
		Expect(es9.APDUs[2].Proactive.Data[0]).To(BeEquivalentTo(0x16), "a TLS handshake record: ES9+ is HTTPS")
		sw, err := w.Switch()
		Expect(err).NotTo(HaveOccurred())
		after(sw, es9)
		Expect(sw.APDUs[0].Qualifier()).To(Equal(wantRefresh(r)))
		attach, err := w.AttachCheck("20810")
		Expect(err).NotTo(HaveOccurred())
		after(attach, sw)
	})

	It("shows claim 3 in order: rejected attach, fallback to the original, then the next operator", func() {
		r := framework.NewRig(framework.Load("fallback-reject-then-preinstalled.yaml"))
		advanceTo(r, 2*time.Hour)
		platform := r.Platform.Addr()
		w := cardwire.NewWalk(apduLane(r))

		_, err := w.RoamingCheck("20801")
		Expect(err).NotTo(HaveOccurred())
		_, err = w.ListRequest(platform)
		Expect(err).NotTo(HaveOccurred())
		toSFR, err := w.Switch()
		Expect(err).NotTo(HaveOccurred())
		By("SFR rejects: the card learns it from a location status without normal service")
		failed, err := w.AttachFailed("20810")
		Expect(err).NotTo(HaveOccurred())
		after(failed, toSFR)
		near(failed, events(r, "attach_failed")[0])
		By("the card switches back to its original profile, which roams on Orange again")
		back, err := w.Switch()
		Expect(err).NotTo(HaveOccurred())
		after(back, failed)
		near(back, events(r, "fallback")[0])
		onOriginal, err := w.AttachCheck("20801")
		Expect(err).NotTo(HaveOccurred())
		report, err := w.Request("attach-failure report", platform)
		Expect(err).NotTo(HaveOccurred())
		after(report, onOriginal)
		By("then Orange's preinstalled profile: another switch, normal service at home on Orange")
		toOrange, err := w.Switch()
		Expect(err).NotTo(HaveOccurred())
		after(toOrange, report)
		_, err = w.AttachCheck("20801")
		Expect(err).NotTo(HaveOccurred())
	})
})
