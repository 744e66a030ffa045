package specs

import (
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/framework"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/es9"
)

// downloadedSFR is the ICCID of the first profile SFR's SM-DP+ delivers:
// 89 + PLMN 20810 + serial + Luhn digit.
const downloadedSFR = "89208100000000000010"

// withFaults is roam-fr-download.yaml without its expectations and with the
// given fault lines. SFR alone in the list: a failed download has no next
// operator to move on to (claim 3), so the card stays and tries again next
// period.
func withFaults(name string, faults ...string) *scenario.Scenario {
	GinkgoHelper()
	return framework.Variant("roam-fr-download.yaml", name, map[string]string{"FR: [sfr, orange-fr]": "FR: [sfr]"}, faults...)
}

// trace names each decoded exchange: "platform:<path kind>" or "es9:<function>".
func trace(msgs []capture.Message) []string {
	var out []string
	for _, m := range msgs {
		switch {
		case m.ES9 != nil:
			out = append(out, "es9:"+m.ES9.Function)
		case m.Notification != nil:
			out = append(out, "platform:notification:"+m.Notification.Kind)
		default:
			out = append(out, "platform:"+m.Kind)
		}
	}
	return out
}

// Claims 2 and 4: download through the platform with SGP.22 mutual
// authentication, then the switch.
var _ = Describe("Profile download", framework.Emulated, func() {
	It("downloads the first preferred operator's profile after mutual authentication, notifies, switches and re-attaches", func() {
		r := framework.NewRig(framework.Load("roam-fr-download.yaml"))
		send(r, "AT+CEREG=2")
		advanceTo(r, 59*time.Minute)
		before := profileList(r)
		Expect(before).NotTo(ContainSubstring("5A0A9802")) // no SFR profile yet

		advanceTo(r, 2*time.Hour)
		Expect(iccid(r)).To(Equal(downloadedSFR))
		Expect(servingPLMN(r)).To(Equal("20810"))
		Expect(one(r, "AT+CEREG?")).To(MatchRegexp(`^\+CEREG: 2,1,`))
		Expect(registrations(r)).To(Equal([]int{1, 5, 0, 1}))
		after := profileList(r)
		Expect(after).To(ContainSubstring("5A0A98680000000000000091"), "the original is kept")
		Expect(after).To(ContainSubstring("5A0A98021800000000000001"), "the downloaded SFR profile, BCD swapped")

		By("the event log tells the method's steps")
		Expect(events(r, "eligibility")[0].Fields).To(HaveKeyWithValue("ok", true))
		for _, e := range events(r, "mutual_auth") {
			Expect(e.Fields).To(HaveKeyWithValue("ok", true), "%s", e)
		}
		Expect(events(r, "mutual_auth")).To(HaveLen(2), "one check on each side")
		By("the SM-DP+ learns the device's TAC from ctxParams1, the first 8 digits of the IMEI the modem reports")
		imei := one(r, "AT+CGSN")
		Expect(imei).To(MatchRegexp(`^[0-9]{15}$`))
		var tacs []any
		for _, e := range events(r, "mutual_auth") {
			if e.Actor == "smdp" {
				tacs = append(tacs, e.Fields["tac"])
			}
		}
		Expect(tacs).To(Equal([]any{imei[:8]}))
		Expect(events(r, "profile_installed")[0].Fields).To(HaveKeyWithValue("iccid", downloadedSFR))
		Expect(events(r, "download_result")[0].Fields).To(HaveKeyWithValue("ok", true))

		By("the capture shows, in order, the list, the download request, the four ES9+ calls, both download-success notifications and the attach-success report")
		msgs := traffic(r)
		Expect(trace(msgs)).To(HaveExactElements(
			"platform:preferred-list", "platform:download",
			"es9:initiateAuthentication", "es9:authenticateClient", "es9:getBoundProfilePackage",
			"es9:handleNotification", "platform:notification:download-success",
			"platform:notification:attach-success", "es9:handleNotification"))
		for _, m := range msgs {
			if m.ES9 != nil {
				Expect(m.ES9.Server).To(Equal("smdp.sfr.test"))
				if m.ES9.Function == "handleNotification" {
					Expect(m.ES9.Status).To(Equal(204))
				} else {
					Expect(m.ES9.ExecutionStatus).To(Equal("Executed-Success"), "%s", m.ES9.Function)
				}
			}
		}
		Expect(msgs[1].DownloadResp.ActivationCode).To(Equal("LPA:1$smdp.sfr.test$MID-000171-0001"))
		Expect(msgs[6].Notification.ICCID).To(Equal(downloadedSFR))
		Expect(filepath.Join(r.Dir(), "traffic.keys")).To(BeARegularFile(), "TLS secrets beside the capture")
	})

	It("speaks HTTPS to the platform when the scenario asks, and the capture still decodes", func() {
		r := framework.NewRig(framework.Variant("roam-fr-download.yaml", "roam-fr-download-https",
			map[string]string{"  order_by: tariff\n": "  order_by: tariff\n  tls: true\n"}))
		advanceTo(r, 2*time.Hour)
		Expect(iccid(r)).To(Equal(downloadedSFR))
		Expect(r.Close()).To(Succeed())
		ex, err := capture.ReadHTTP(filepath.Join(r.Dir(), harness.TrafficFile))
		Expect(err).NotTo(HaveOccurred())
		Expect(ex).NotTo(BeEmpty())
		for _, e := range ex {
			Expect(e.TLS).To(BeTrue(), "%s %s travelled in clear", e.Method, e.Path)
		}
		msgs, err := r.PlatformTraffic()
		Expect(err).NotTo(HaveOccurred())
		Expect(trace(msgs)[:2]).To(Equal([]string{"platform:preferred-list", "platform:download"}))
	})

	type faultCase struct {
		fault   string
		window  bool   // the fault clears at 1h20m and the next period succeeds
		reason  string // part of the card's reason
		reached bool   // the download request reached the platform
		// noRoom: the card's memory is full; it does not order the
		// profile again until a profile leaves the card, and says why.
		noRoom bool
	}
	DescribeTable("a broken download leaves the card as it was and is tried again next period (a full card's not: it would not fit)",
		func(fc faultCase) {
			line := "{download: " + fc.fault + ", operator: sfr}"
			if fc.window {
				line = "{download: " + fc.fault + ", operator: sfr, from: 1h, until: 1h20m}"
			}
			r := framework.NewRig(withFaults("download-"+fc.fault, line))
			send(r, "AT+CEREG=2")
			advanceTo(r, 59*time.Minute)
			before := profileList(r)

			advanceTo(r, 1*time.Hour+15*time.Minute)
			Expect(reasons(r, "download_result", "mutual_auth", "preferred_list_failed")).
				To(ContainElement(ContainSubstring(fc.reason)))
			Expect(profileList(r)).To(Equal(before), "no partially installed profile")
			Expect(iccid(r)).To(Equal(cmccICCID), "the original profile is still enabled")
			Expect(one(r, "AT+CEREG?")).To(MatchRegexp(`^\+CEREG: 2,5,`), "and attached (roaming)")
			Expect(servingPLMN(r)).To(Equal("20801"))
			tries := events(r, "download_requested")
			if !fc.reached {
				tries = events(r, "preferred_list_failed")
			}
			if fc.noRoom {
				Expect(tries).To(HaveLen(2), "one order, the card's and the platform's events of it: the next would not fit either")
				Expect(passedOver(r)).To(ContainElement(ContainSubstring("sfr: no room on the card: its install failed for lack of memory (errorReason 10)")))
			} else {
				Expect(len(tries)).To(BeNumerically(">=", 3), "a try at 1h, 1h05m, 1h10m, 1h15m")
			}
			Expect(events(r, "profile_installed")).To(BeEmpty())

			advanceTo(r, 2*time.Hour)
			if fc.window {
				// Each order delivers a fresh ICCID from SFR's range.
				Expect(iccid(r)).To(MatchRegexp(`^892081\d{14}$`), "the first period after the fault cleared downloads")
				Expect(servingPLMN(r)).To(Equal("20810"))
			} else {
				Expect(iccid(r)).To(Equal(cmccICCID))
				Expect(profileList(r)).To(Equal(before))
			}
			msgs := traffic(r)
			Expect(trace(msgs)).To(ContainElement("platform:preferred-list"), "the capture decodes, failed handshakes included")
		},
		Entry("SM-DP+ unreachable", faultCase{scenario.SMDPUnreachable, true, "initiateAuthentication: open channel: result 3A/07", true, false}),
		Entry("TLS failure", faultCase{scenario.TLSFailure, true, "certificate signed by unknown authority", true, false}),
		Entry("eUICC certificate from an unknown CI", faultCase{scenario.UnknownCI, false, "unknown CI", true, false}),
		Entry("expired SM-DP+ certificate", faultCase{scenario.ExpiredSMDPCert, true, "certificate has expired", true, false}),
		Entry("bad serverSignature1", faultCase{scenario.BadServerSignature, true, "serverSignature1: signature does not verify", true, false}),
		Entry("bad euiccSignature1", faultCase{scenario.BadEUICCSignature, true, "euiccSignature1 does not verify", true, false}),
		Entry("wrong transactionId", faultCase{scenario.WrongTransactionID, true, "transactionId does not match", true, false}),
		Entry("EID outside the EUM range", faultCase{scenario.EIDOutOfRange, true, "EID outside the EUM's permitted range", true, false}),
		Entry("eligibility refused", faultCase{scenario.EligibilityRefused, true, "eligibility: eid not allowed", true, false}),
		Entry("connection reset during getBoundProfilePackage", faultCase{scenario.ConnectionReset, true, "getBoundProfilePackage", true, false}),
		Entry("tampered bound profile package", faultCase{scenario.TamperedBPP, true, "install failed: bppCommandId 5 loadProfileElements, errorReason 8 scp03tSecurityError", true, false}),
		Entry("truncated bound profile package", faultCase{scenario.TruncatedBPP, true, "install failed: bppCommandId 5 loadProfileElements, errorReason 12 installFailedDueToPEProcessingError", true, false}),
		Entry("card out of memory", faultCase{scenario.OutOfMemory, false, "errorReason 10", true, true}),
	)

	It("keeps a notification the platform does not acknowledge, sends it again after a restart, and never loses it", func() {
		r := framework.NewRig(withFaults("download-no-ack", "{platform: no_ack, from: 1h, until: 3h}"))
		advanceTo(r, 1*time.Hour+10*time.Minute)
		Expect(iccid(r)).To(Equal(downloadedSFR), "the download itself succeeded")
		Expect(platformNotes(r, "download-success")).To(BeZero())
		failedBefore := len(failedNotes(r))
		Expect(failedBefore).To(BeNumerically(">=", 1))

		By("a modem restart (the dialect's: AT+CFUN=1,1, or an nRF91's +CFUN=0 then 1) resets the card: the notification is still owed")
		restart(r)
		advance(r, 30*time.Second)
		Expect(len(failedNotes(r))).To(BeNumerically(">", failedBefore), "tried again after the restart")
		Expect(platformNotes(r, "download-success")).To(BeZero())

		advanceTo(r, 3*time.Hour+10*time.Minute)
		Expect(platformNotes(r, "download-success")).To(Equal(1), "delivered once the platform acknowledges, exactly once")
		Expect(platformNotes(r, "attach-success")).To(Equal(1))
		msgs := traffic(r)
		var acked []string
		for _, m := range msgs {
			if m.Notification != nil && m.Status == 200 {
				acked = append(acked, m.Notification.Kind)
			}
		}
		Expect(acked).To(ConsistOf("download-success", "attach-success"))
	})

	// A card whose 64 profile slots are all taken cannot install another
	// profile (its ISD-R refuses at storeMetadata, errorReason 10): it
	// orders none, passes over the operators it would have to download
	// and goes on to the next preferred one it holds (claim 3's order).
	// Outside tester t244: 234 orders and package transfers refused in
	// 182 h. One slot free, the download goes ahead.
	DescribeTable("a full card orders no download and switches to the next preferred operator it holds",
		func(profiles int, full bool) {
			r := framework.NewRig(fullCard("roam-fr-full-card-"+strconv.Itoa(profiles), profiles))
			advanceTo(r, 2*time.Hour)
			if full {
				Expect(iccid(r)).To(Equal(orangeFRFiller), "the next preferred operator, preinstalled")
				Expect(servingPLMN(r)).To(Equal("20801"))
				Expect(reasons(r, "attempt_skipped")).To(ContainElement("attempt_skipped: no room on the card: 64 of 64 profiles"))
				Expect(events(r, "download_requested")).To(BeEmpty(), "neither the card nor the platform ordered")
				Expect(events(r, "order")).To(BeEmpty(), "no order reached SFR's SM-DP+")
				for _, k := range trace(traffic(r)) {
					Expect(k).NotTo(Or(Equal("platform:download"), HavePrefix("es9:")))
				}
				return
			}
			Expect(iccid(r)).To(Equal(downloadedSFR), "the 64th profile fits")
			Expect(events(r, "order")).To(HaveLen(1))
		},
		Entry("64 of 64 profiles", 64, true),
		Entry("63 of 64 profiles", 63, false),
	)
})

// A card whose free memory is smaller than SFR's package (device.free_nvm)
// is refused at authenticateClient by SFR's SM-DP+, which reads the free
// memory the card signed into EUICCInfo2 (SGP.22 §5.6.3, 8.1/4.8), so
// no package is bound or sent; the card remembers SFR as having no room,
// orders it no more, and enables the next preferred operator it holds
// (claim 3). With room the same card downloads SFR's profile.
var _ = Describe("Profile download to a card without room", framework.Emulated, func() {
	DescribeTable("the SM-DP+'s eligibility check on the card's free memory",
		func(freeNVM int, room bool) {
			home := "    - {iccid: \"89860000000000000019\", operator: cmcc, enabled: true}\n"
			r := framework.NewRig(framework.Variant("roam-fr-download.yaml", "roam-fr-free-nvm-"+strconv.Itoa(freeNVM), map[string]string{
				home:                     home + "    - {iccid: \"" + orangeFRFiller + "\", operator: orange-fr}\n",
				"  check_interval: 5m\n": "  check_interval: 5m\n  free_nvm: " + strconv.Itoa(freeNVM) + "\n",
			}))
			advanceTo(r, 3*time.Hour)
			if room {
				Expect(iccid(r)).To(Equal(downloadedSFR))
				Expect(events(r, "bpp_sent")).To(HaveLen(1))
				return
			}
			refusals := 0
			for _, e := range events(r, "es9_error") {
				if e.Str("function") == "authenticateClient" {
					Expect(e.Str("subject") + "/" + e.Str("reason")).To(Equal("8.1/4.8"))
					Expect(e.Str("message")).To(HavePrefix("eUICC does not have sufficient space for this Profile: extCardResource reports " + strconv.Itoa(freeNVM) + " bytes"))
					refusals++
				}
			}
			Expect(refusals).To(Equal(1), "one order refused: the card does not come back without room")
			Expect(events(r, "bpp_sent")).To(BeEmpty(), "no package bound or sent")
			Expect(reasons(r, "download_result")).To(ContainElement(ContainSubstring("authenticateClient: status Failed subject 8.1 reason 4.8")))
			Expect(events(r, "profile_installed")).To(BeEmpty())
			Expect(iccid(r)).To(Equal(orangeFRFiller), "the next preferred operator, preinstalled")
			Expect(servingPLMN(r)).To(Equal("20801"))
			msgs := traffic(r) // closes the rig
			es9calls := trace(msgs)
			Expect(es9calls).To(ContainElement("es9:authenticateClient"))
			Expect(es9calls).NotTo(ContainElement("es9:getBoundProfilePackage"), "no package asked for")

			By("the refused session cancelled on both sides, postponed, and the SM-DP+ taking it: the order kept for when room comes (SGP.22 §3.0.2, §5.6.5)")
			var after []string // what follows the refusal on the wire
			refused := false
			for _, m := range msgs {
				switch {
				case m.ES9 == nil:
				case m.ES9.Function == es9.FnAuthenticateClient:
					refused = m.ES9.SubjectCode == "8.1" && m.ES9.ReasonCode == "4.8"
				case refused && m.ES9.Function == es9.FnCancelSession:
					req, ok := m.ES9.Request.(*es9.CancelSessionRequest)
					Expect(ok).To(BeTrue(), "a decoded cancelSession body")
					c, err := es10.DecodeCancelSessionResponse(req.CancelSessionResponse)
					Expect(err).NotTo(HaveOccurred())
					after = append(after, fmt.Sprintf("cancelSession reason %d: %s", c.Reason, m.ES9.ExecutionStatus))
				}
			}
			Expect(after).To(Equal([]string{"cancelSession reason 1: Executed-Success"}))
		},
		Entry("2048 bytes free: no room for SFR's package", 2048, false),
		Entry("200,000 bytes free: room", 200000, true),
	)
})

// orangeFRFiller is the Orange profile fullCard preinstalls.
const orangeFRFiller = "89330100000000000012"

// fullCard is roam-fr-download.yaml with Orange's profile preinstalled
// (second in France's list) and China Mobile profiles filling the card
// to n profiles.
func fullCard(name string, n int) *scenario.Scenario {
	GinkgoHelper()
	home := "    - {iccid: \"89860000000000000019\", operator: cmcc, enabled: true}\n"
	lines := home + "    - {iccid: \"" + orangeFRFiller + "\", operator: orange-fr}\n"
	for i := 2; i < n; i++ {
		id, err := ident.MakeICCID(fmt.Sprintf("8986000000001%06d", i))
		Expect(err).NotTo(HaveOccurred())
		lines += "    - {iccid: \"" + id + "\", operator: cmcc}\n"
	}
	return framework.Variant("roam-fr-download.yaml", name, map[string]string{home: lines})
}

// platformNotes counts the notifications of a kind the platform recorded.
func platformNotes(r *harness.Rig, kind string) int {
	n := 0
	for _, e := range events(r, "notification_received") {
		if e.Actor == eventlog.Platform && e.Str("kind") == kind {
			n++
		}
	}
	return n
}

func failedNotes(r *harness.Rig) []eventlog.Event {
	var out []eventlog.Event
	for _, e := range events(r, "notification_failed") {
		if e.Str("to") == "platform" {
			out = append(out, e)
		}
	}
	return out
}
