package specs

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/framework"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/es9"
)

// hostES10 runs one ES10 function as a host LPA does (logical channel to the
// ISD-R, STORE DATA in one block, in the personality's dialect) and
// returns the response without its status word, which must be 9000.
func hostES10(r *harness.Rig, req []byte) []byte {
	GinkgoHelper()
	ch, err := r.Host().OpenISDR()
	Expect(err).NotTo(HaveOccurred())
	rsp, err := ch.Transmit(append([]byte{0x80, 0xE2, 0x91, 0x00, byte(len(req))}, req...))
	Expect(err).NotTo(HaveOccurred())
	Expect(ch.Close()).To(Succeed())
	Expect(len(rsp)).To(BeNumerically(">=", 2))
	Expect(rsp[len(rsp)-2:]).To(Equal([]byte{0x90, 0x00}), "%s: %X", es10.FunctionName(uint32(req[0])<<8|uint32(req[1])), rsp)
	return rsp[:len(rsp)-2]
}

// Profile policy rules and the Rules Authorisation Table (SGP.22 §2.9):
// SFR's SM-DP+ delivers profiles that set PPR1 (ppr-blocks-switch.yaml).
var _ = Describe("Profile policy rules", framework.Emulated, func() {
	const vodafoneDE = "89492000000000000037"

	It("refuses a profile that sets PPR1 when the card's RAT allows no operator to: pprNotAllowed in the install result, at the SM-DP+ and in the event log", func() {
		r := framework.NewRig(framework.Variant("ppr-blocks-switch.yaml", "ppr-refused",
			map[string]string{"  rat:\n    - {ppr: [ppr1], operators: [208EE]}\n": ""}))
		advanceTo(r, 59*time.Minute)
		Expect(hostES10(r, es10.GetRATRequest())).To(Equal([]byte{0xBF, 0x43, 0x02, 0xA0, 0x00}), "GetRAT: an empty table")
		before := profileList(r)

		advanceTo(r, 1*time.Hour+10*time.Minute)
		By("the card refused the package at StoreMetadata and installed nothing")
		Expect(events(r, "profile_installed")).To(BeEmpty())
		Expect(profileList(r)).To(Equal(before))
		Expect(iccid(r)).To(Equal(cmccICCID), "still on the original profile")
		Expect(servingPLMN(r)).To(Equal("20801"), "roaming on Orange")
		results := events(r, "download_result")
		Expect(results).NotTo(BeEmpty())
		Expect(results[0].Fields).To(HaveKeyWithValue("ok", false))
		Expect(results[0].Str("reason")).To(Equal("install failed: bppCommandId 2 storeMetadata, errorReason 15 pprNotAllowed"), "StoreMetadata, pprNotAllowed")

		By("the SM-DP+ took the failed result, which ended the session: nothing is cancelled after it (SGP.22 §3.1.3.3, §5.6.4)")
		got := framework.ActorEvents(r, eventlog.SMDP, "notification_received")
		Expect(got).NotTo(BeEmpty())
		Expect(got[0].Fields).To(SatisfyAll(HaveKeyWithValue("kind", "install"), HaveKeyWithValue("ok", false),
			HaveKeyWithValue("error_reason", BeNumerically("==", es10.ReasonPPRNotAllowed))))
		Expect(framework.ActorEvents(r, eventlog.SMDP, "session_cancelled")).To(BeEmpty())
		Expect(framework.ActorEvents(r, eventlog.SMDP, "es9_error")).To(BeEmpty())

		By("the capture carries the rule in the SM-DP+'s metadata and pprNotAllowed in the card's signed install result")
		var sawMeta, sawPIR bool
		for _, m := range traffic(r) {
			switch {
			case m.ES9 == nil:
			case m.ES9.Function == es9.FnCancelSession:
				Fail("cancelSession after the install result")
			case m.ES9.Function == es9.FnAuthenticateClient && !sawMeta:
				resp, ok := m.ES9.Response.(*es9.AuthenticateClientResponse)
				Expect(ok).To(BeTrue(), "%T", m.ES9.Response)
				meta, err := es10.DecodeProfileMetadata(resp.ProfileMetadata)
				Expect(err).NotTo(HaveOccurred())
				Expect(meta.PPR).To(HaveValue(Equal(es10.BitsOf(es10.PPR1))))
				Expect(meta.Owner).To(HaveValue(HaveField("PLMN", "20810")))
				sawMeta = true
			case m.ES9.Function == es9.FnHandleNotification && !sawPIR:
				req, ok := m.ES9.Request.(*es9.HandleNotificationRequest)
				Expect(ok).To(BeTrue(), "%T", m.ES9.Request)
				n, err := es10.DecodePendingNotification(req.PendingNotification)
				Expect(err).NotTo(HaveOccurred())
				Expect(n.Install).NotTo(BeNil())
				d := n.Install.Data
				Expect(d.OK).To(BeFalse())
				Expect(d.CommandID).To(Equal(es10.BPPCmdStoreMetadata))
				Expect(d.ErrorReason).To(Equal(es10.ReasonPPRNotAllowed))
				Expect(d.Notification.ICCID).To(Equal(downloadedSFR), "the refused profile is named")
				sawPIR = true
			}
		}
		Expect(sawMeta && sawPIR).To(BeTrue(), "authenticateClient %v, handleNotification %v", sawMeta, sawPIR)
	})

	It("installs it when the RAT allows the operator, and the enabled PPR1 profile blocks every switch away from it", func() {
		r := framework.NewRig(framework.Load("ppr-blocks-switch.yaml"))
		send(r, "AT+CEREG=2")
		advanceTo(r, 2*time.Hour)
		rat, err := es10.DecodeRAT(hostES10(r, es10.GetRATRequest()))
		Expect(err).NotTo(HaveOccurred())
		Expect(rat).To(Equal([]es10.PolicyRule{{PPRs: es10.BitsOf(es10.PPR1), AllowedOperators: []es10.OperatorID{{PLMN: "208EE"}}}}))

		By("the download went through and the profile carries its rule")
		Expect(iccid(r)).To(Equal(downloadedSFR))
		Expect(servingPLMN(r)).To(Equal("20810"))
		list, code, err := es10.DecodeProfileInfoList(hostES10(r, es10.ProfileInfoListRequest{ICCID: downloadedSFR}.Encode()))
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(BeZero())
		Expect(list).To(HaveLen(1))
		Expect(list[0].PPR).To(HaveValue(Equal(es10.BitsOf(es10.PPR1))))
		Expect(list[0].State).To(Equal(es10.StateEnabled))

		By("a host LPA may not disable it: disallowedByPolicy")
		res, err := es10.DecodeResult(es10.TagDisableProfile, hostES10(r, es10.SwitchRequest{Tag: es10.TagDisableProfile,
			Profile: es10.ProfileID{ICCID: downloadedSFR}}.Encode()))
		Expect(err).NotTo(HaveOccurred())
		Expect(res).To(Equal(es10.ResultDisallowedByPolicy))

		By("in Berlin the card's own switch to Vodafone is refused as well, and it stays roaming on SFR")
		advanceTo(r, 3*time.Hour+10*time.Minute)
		failed := events(r, "profile_enable_failed")
		Expect(failed).To(HaveLen(1))
		Expect(failed[0].Fields).To(SatisfyAll(HaveKeyWithValue("iccid", vodafoneDE),
			HaveKeyWithValue("result", BeNumerically("==", es10.ResultDisallowedByPolicy))))
		Expect(reasons(r, "attach_failed")).To(ConsistOf("attach_failed: enable refused (result 3)"))
		Expect(events(r, "list_exhausted")).To(HaveLen(1))
		Expect(iccid(r)).To(Equal(downloadedSFR))
		Expect(servingPLMN(r)).To(Equal("26202"))
		Expect(one(r, "AT+CEREG?")).To(MatchRegexp(`^\+CEREG: 2,5,`), "roaming")
		var enabledEvents []string
		for _, e := range events(r, "profile_enabled") {
			enabledEvents = append(enabledEvents, e.Str("iccid"))
		}
		Expect(enabledEvents).To(Equal([]string{downloadedSFR}), "the only switch of the run")

		By("no disable notification went anywhere: the profile never left")
		for _, e := range framework.ActorEvents(r, eventlog.SMDP, "notification_received") {
			Expect(e.Str("kind")).NotTo(Equal("disable"))
		}
	})
})
