package specs

import (
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/framework"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/es9"
)

const (
	telekomICCID  = "89491000000000000013"
	vodafoneDEICC = "89492000000000000037"
)

// cardEvents returns a field of each of the card's events of one kind.
func cardEvents(r *harness.Rig, kind eventlog.Kind, field string) []string {
	GinkgoHelper()
	return operatorsOf(framework.ActorEvents(r, eventlog.EUICC, kind), field)
}

// outcomes lists the card's cycle outcomes, "outcome:operator".
func outcomes(r *harness.Rig) []string {
	GinkgoHelper()
	var out []string
	for _, e := range framework.ActorEvents(r, eventlog.EUICC, "cycle_ended") {
		out = append(out, e.Str("outcome")+":"+e.Str("operator"))
	}
	return out
}

// notes lists the platform notifications in the decoded capture,
// "kind:operator", each acknowledgement once (a resend is the same note).
func notes(msgs []capture.Message) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range msgs {
		if m.Kind != capture.KindNotification || m.Notification == nil || m.Status != 200 {
			continue
		}
		if m.Ack != nil && m.Ack.ID != "" {
			if seen[m.Ack.ID] {
				continue
			}
			seen[m.Ack.ID] = true
		}
		out = append(out, m.Notification.Kind+":"+m.Notification.Operator)
	}
	return out
}

// Claim 3 in every country (issue 8): the fallback is the profile that
// carried the device into the area, and when it cannot attach either the
// card does not wait: it tries its other profiles and goes on down the list.
var _ = Describe("Fallback in a second country", framework.Emulated, func() {
	It("falls back to the profile that carried the device there, not the first-boot one, and goes on down the list", func() {
		r := framework.NewRig(framework.Load("second-country.yaml"))
		send(r, "AT+CEREG=2")
		advanceTo(r, 2*time.Hour)
		Expect(iccid(r)).To(Equal(sfrICCID), "home on SFR in France")
		before := len(registrations(r))

		advanceTo(r, 4*time.Hour)
		By("the AT interface: roaming on SFR in Berlin, denied on Telekom, roaming on SFR again, home on Vodafone")
		Expect(registrations(r)[before-1:]).To(Equal([]int{1, 5, 0, 3, 0, 5, 0, 1}))
		Expect(iccid(r)).To(Equal(vodafoneDEICC))
		Expect(servingPLMN(r)).To(Equal("26202"))

		By("the event log: the cycle's original is SFR")
		Expect(cardEvents(r, "cycle_started", "original")).To(Equal([]string{"cmcc", "sfr"}))
		Expect(cardEvents(r, "attempt", "operator")).To(Equal([]string{"sfr", "telekom-de", "vodafone-de"}))
		Expect(cardEvents(r, "fallback", "to_operator")).To(Equal([]string{"sfr"}), "not China Mobile, which has no agreement in Germany")
		Expect(cardEvents(r, "fallback_attached", "plmn")).To(Equal([]string{"26202"}))
		Expect(outcomes(r)).To(Equal([]string{"attach-success:sfr", "attach-success:vodafone-de"}), "one outcome per cycle")

		By("the capture: one list per country, the failure reported between the attempts, one success each")
		msgs := traffic(r)
		Expect(trace(msgs)).To(Equal([]string{"platform:preferred-list", "platform:notification:attach-success",
			"platform:preferred-list", "platform:notification:attach-failure", "platform:notification:attach-success"}))
		Expect(notes(msgs)).To(Equal([]string{"attach-success:sfr", "attach-failure:telekom-de", "attach-success:vodafone-de"}))
	})

	It("tries its other profiles when the original cannot attach, then goes on down the list without a bearer", func() {
		// Vodafone refuses SFR's roamers at its third attach attempt (SFR
		// arriving in Berlin, Telekom's subscriber being tried, then SFR
		// falling back): the original is denied too; China Mobile has no
		// agreement in Germany; Vodafone's own profile is the list's next,
		// not a fallback.
		r := framework.NewRig(framework.Variant("second-country.yaml", "second-country-no-fallback", nil,
			"{attach_reject: 13, operator: vodafone-de, subscriber: sfr, attempt: 3}"))
		send(r, "AT+CEREG=2")
		advanceTo(r, 4*time.Hour)

		Expect(iccid(r)).To(Equal(vodafoneDEICC))
		Expect(one(r, "AT+CEREG?")).To(MatchRegexp(`^\+CEREG: 2,1,`))
		Expect(cardEvents(r, "fallback", "to_operator")).To(Equal([]string{"sfr", "cmcc"}), "the original, then the first-boot profile")
		Expect(cardEvents(r, "fallback_failed", "operator")).To(Equal([]string{"sfr", "cmcc"}))
		Expect(cardEvents(r, "fallback_exhausted", "operators")).To(HaveLen(1))
		Expect(events(r, "fallback_attached")).To(BeEmpty())
		Expect(cardEvents(r, "attempt", "operator")).To(Equal([]string{"sfr", "telekom-de", "vodafone-de"}))
		Expect(outcomes(r)).To(Equal([]string{"attach-success:sfr", "attach-success:vodafone-de"}))

		By("the failure report waited for a bearer and went out before the success, once each")
		Expect(notes(traffic(r))).To(Equal([]string{"attach-success:sfr", "attach-failure:telekom-de", "attach-success:vodafone-de"}))
	})

	It("falls back when a profile roams across a border before it attached, and ends the cycle where the fallback attaches abroad", func() {
		r := framework.NewRig(framework.Load("border-during-attach.yaml"))
		send(r, "AT+CEREG=2")
		advanceTo(r, 60*time.Minute+50*time.Second)
		Expect(iccid(r)).To(Equal(sfrICCID), "SFR enabled in Paris, its network silent, the modem restarting its attach (T3411)")
		Expect(len(events(r, "attach_retry"))).To(BeNumerically(">=", 1), "the T3411 restarts on SFR before the border")

		advanceTo(r, 64*time.Minute)
		By("the AT interface: SFR roamed on Vodafone in Berlin; the card fell back, China Mobile was refused there, Telekom attached at home")
		Expect(iccid(r)).To(Equal(telekomICCID))
		Expect(servingPLMN(r)).To(Equal("26201"))

		advanceTo(r, 2*time.Hour)
		Expect(iccid(r)).To(Equal(telekomICCID))

		By("the event log: SFR failed in France, the fallbacks in order, the cycle ended in Germany with nothing backed off")
		Expect(cardEvents(r, "attach_failed", "reason")).To(Equal([]string{"normal service on another network 26202"}))
		Expect(cardEvents(r, "fallback", "to_operator")).To(Equal([]string{"cmcc", "telekom-de"}))
		Expect(cardEvents(r, "fallback_attached", "plmn")).To(Equal([]string{"26201"}))
		Expect(events(r, "backoff")).To(BeEmpty())
		Expect(cardEvents(r, "cycle_ended", "reason")).To(Equal([]string{"the device left the area of the list"}))
		Expect(outcomes(r)).To(Equal([]string{"list-exhausted:"}))

		By("the capture: the French cycle's two reports, and no list asked for at home")
		msgs := traffic(r)
		Expect(notes(msgs)).To(Equal([]string{"attach-failure:sfr", "list-exhausted:"}))
		var lists []string
		for _, m := range msgs {
			if m.Kind == capture.KindPreferredList && m.ListRequest != nil {
				lists = append(lists, m.ListRequest.HomePLMN+"@"+m.ListRequest.ServingPLMN)
			}
		}
		Expect(lists).To(Equal([]string{"46000@20801"}))
	})

	It("backs off, in a border area, a profile a neighbour's network serves, once the fallback attaches there again", func() {
		r := framework.NewRig(framework.Load("border-area-static.yaml"))
		send(r, "AT+CEREG=2")
		advanceTo(r, 6*time.Hour)

		By("the AT interface: Telekom at home after one detour, and the device never moved")
		Expect(iccid(r)).To(Equal(telekomICCID))
		Expect(servingPLMN(r)).To(Equal("26201"))
		Expect(events(r, "area_changed")).To(HaveLen(2))

		By("the event log: Vodafone failed on Orange, China Mobile attached on Telekom again, Vodafone backed off in Germany, Telekom attached")
		Expect(cardEvents(r, "attach_failed", "reason")).To(Equal([]string{"normal service on another network 20801"}))
		Expect(cardEvents(r, "fallback_attached", "plmn")).To(Equal([]string{"26201"}))
		Expect(cardEvents(r, "backoff", "area")).To(Equal([]string{"262"}))
		Expect(cardEvents(r, "attempt", "operator")).To(Equal([]string{"vodafone-de", "telekom-de"}))
		Expect(events(r, "refresh")).To(HaveLen(3), "three switches in six hours: Vodafone, back to China Mobile, Telekom")
		Expect(outcomes(r)).To(Equal([]string{"attach-success:telekom-de"}))

		By("the capture: one list request, the failure and the success, once each")
		Expect(notes(traffic(r))).To(Equal([]string{"attach-failure:vodafone-de", "attach-success:telekom-de"}))
	})

	It("ends the cycle with one attach-success when the list reaches the profile already serving", func() {
		r := framework.NewRig(framework.Load("serving-in-list.yaml"))
		send(r, "AT+CEREG=2")
		advanceTo(r, 75*time.Minute)

		Expect(iccid(r)).To(Equal(cmccICCID))
		Expect(registrations(r)).To(Equal([]int{1, 5, 0, 3, 0, 5}), "no REFRESH after the fallback: the list led back to where the device is")
		Expect(cardEvents(r, "preferred_already_enabled", "operator")).To(Equal([]string{"cmcc", "cmcc"}))
		Expect(outcomes(r)).To(Equal([]string{"attach-success:cmcc"}),
			"the first cycle's one outcome; the next list starts none: SFR sits out its back-off, and the first it could try serves already")
		Expect(notes(traffic(r))).To(Equal([]string{"attach-failure:sfr", "attach-success:cmcc"}))
	})
})

// Coming home (issue 8; README "Decisions on the open points"): the home profile's network wins
// over any list.
var _ = Describe("Coming home", framework.Emulated, func() {
	It("enables the home profile when its network is back, without asking the platform", func() {
		r := framework.NewRig(framework.Load("return-home.yaml"))
		send(r, "AT+CEREG=2")
		advanceTo(r, 2*time.Hour)
		Expect(iccid(r)).To(Equal(sfrICCID))
		lists := len(events(r, "preferred_list_requested"))

		advanceTo(r, 4*time.Hour)
		Expect(iccid(r)).To(Equal(cmccICCID))
		Expect(servingPLMN(r)).To(Equal("46000"))
		Expect(one(r, "AT+CEREG?")).To(MatchRegexp(`^\+CEREG: 2,1,`))
		Expect(registrations(r)).To(Equal([]int{1, 5, 0, 1, 3, 0, 1}), "home on SFR in Paris; denied in Beijing; REFRESH; home on China Mobile")
		Expect(events(r, "preferred_list_requested")).To(HaveLen(lists), "no platform request to come home")
		Expect(cardEvents(r, "returning_home", "operator")).To(Equal([]string{"cmcc"}))
		Expect(cardEvents(r, "cycle_started", "trigger")).To(Equal([]string{"list", "home"}))
		Expect(outcomes(r)).To(Equal([]string{"attach-success:sfr", "attach-success:cmcc"}))

		msgs := traffic(r)
		Expect(trace(msgs)).To(Equal([]string{"platform:preferred-list", "platform:notification:attach-success", "platform:notification:attach-success"}))
		Expect(msgs[2].Notification.Operator).To(Equal("cmcc"))
		Expect(msgs[2].Notification.PLMN).To(Equal("46000"))
	})
})

// Back-off (issue 8): failed operators sit out a growing number of periods
// in the area; the refused package is neither ordered again at every
// period.
var _ = Describe("Back-off", framework.Emulated, func() {
	It("bounds the REFRESHes a list whose operators all fail costs per hour", func() {
		r := framework.NewRig(framework.Load("backoff-all-fail.yaml"))
		advanceTo(r, 5*time.Hour)

		perHour := map[int]int{}
		for _, e := range framework.ActorEvents(r, eventlog.Modem, "refresh") {
			perHour[int(e.T.Sub(clock.Epoch)/time.Hour)]++
		}
		// Each cycle costs four REFRESHes (switch and fall back, twice).
		// Without back-off: a cycle every 5-minute period, 48 an hour.
		// With 1, 2, 4, 8 … periods off: cycles at 1h00, 1h10, 1h25, 1h50,
		// 2h35, then every 85 minutes at most.
		Expect(perHour[1]).To(BeNumerically("<=", 16), "first hour in France")
		for h := 2; h < 5; h++ {
			Expect(perHour[h]).To(BeNumerically("<=", 4), "hour %d", h)
		}
		Expect(perHour[1]+perHour[2]+perHour[3]+perHour[4]).To(BeNumerically("<=", 28), "4 hours, against 192 without back-off")

		var pauses []int
		for _, e := range framework.ActorEvents(r, eventlog.EUICC, "backoff") {
			if e.Str("operator") == "sfr" {
				n, _ := e.Get("periods").(int)
				pauses = append(pauses, n)
			}
		}
		Expect(len(pauses)).To(BeNumerically(">=", 5))
		Expect(pauses[:5]).To(Equal([]int{1, 2, 4, 8, 16}), "growing, capped")
		Expect(pauses[5:]).To(HaveEach(16))
		Expect(iccid(r)).To(Equal(cmccICCID), "still on the original")
		Expect(one(r, "AT+CEREG?")).To(MatchRegexp(`^\+CEREG: 0,5(,|$)`), "roaming on it")

		By("every attempted cycle ended with one list-exhausted, delivered once")
		n := 0
		for _, o := range outcomes(r) {
			if o == "list-exhausted:" {
				n++
			}
		}
		Expect(n).To(Equal(len(pauses)))
		Expect(notes(traffic(r))).To(HaveEach(Or(Equal("attach-failure:sfr"), Equal("attach-failure:orange-fr"), Equal("list-exhausted:"))))
	})

	It("sends the refused install result to the SM-DP+, cancels nothing after it, and orders again only after the back-off", func() {
		r := framework.NewRig(framework.Load("roam-fr-download-tampered.yaml"))
		advanceTo(r, 2*time.Hour)

		Expect(iccid(r)).To(MatchRegexp(`^8920810\d{13}$`), "SFR's third order: the package was sound again from 1h20m")
		orders := framework.ActorEvents(r, eventlog.Platform, "download_requested")
		var at []time.Duration
		for _, e := range orders {
			at = append(at, e.T.Sub(clock.Epoch).Round(time.Minute))
		}
		Expect(at).To(Equal([]time.Duration{60 * time.Minute, 70 * time.Minute, 85 * time.Minute}),
			"1h, then after one period off, then after two — not at every 5-minute period")

		By("the SM-DP+ took each failed result, which ended its session: nothing cancelled, nothing refused (SGP.22 §3.1.3.3, §5.6.4)")
		var results []any
		for _, e := range framework.ActorEvents(r, eventlog.SMDP, "notification_received") {
			if e.Str("kind") == "install" {
				results = append(results, e.Get("ok"))
			}
		}
		Expect(results).To(Equal([]any{false, false, true}))
		Expect(framework.ActorEvents(r, eventlog.SMDP, "session_cancelled")).To(BeEmpty())
		Expect(framework.ActorEvents(r, eventlog.SMDP, "es9_error")).To(BeEmpty())

		By("the capture: handleNotification with each result, executed, and no cancelSession")
		msgs := traffic(r)
		var calls []string
		for _, m := range msgs {
			if m.ES9 == nil {
				continue
			}
			switch m.ES9.Function {
			case es9.FnHandleNotification:
				req, ok := m.ES9.Request.(*es9.HandleNotificationRequest)
				Expect(ok).To(BeTrue(), "a decoded handleNotification body")
				n, err := es10.DecodePendingNotification(req.PendingNotification)
				Expect(err).NotTo(HaveOccurred())
				if n.Install != nil {
					Expect(m.Status).To(Equal(204))
					calls = append(calls, map[bool]string{true: "install-ok", false: "install-failed"}[n.Install.Data.OK])
				}
			case es9.FnCancelSession:
				calls = append(calls, "cancel")
			}
		}
		Expect(calls).To(Equal([]string{"install-failed", "install-failed", "install-ok"}))
	})
})

// expect.final (issue 8): what a host reads at the end of the run, not the
// last successful attach.
var _ = Describe("The run's final registration", framework.Emulated, func() {
	It("reports a run that ends unregistered as such", func() {
		s := framework.Load("unregistered-end.yaml")
		res := harness.RunScenario(s, harness.Options{Seed: GinkgoRandomSeed(), Dir: filepath.Join(GinkgoT().TempDir(), "run")})
		Expect(res.Err).NotTo(HaveOccurred())
		Expect(res.Mismatches).To(BeEmpty(), "final: searching (subscriber cmcc); last_attach: cmcc at home")

		s.Expect.Final.Registration = "home"
		res = harness.RunScenario(s, harness.Options{Seed: GinkgoRandomSeed(), Dir: filepath.Join(GinkgoT().TempDir(), "run2")})
		Expect(res.Err).NotTo(HaveOccurred())
		Expect(res.Mismatches).To(ConsistOf("final: got searching (subscriber cmcc), want home (subscriber cmcc)"))

		// Telekom's #11 put it in EF FPLMN: with only Telekom in sight the
		// T3402 retries select nothing (limited service, TS 23.122 §3.5).
		By("what the host read: searching, no operator")
		r := framework.NewRig(s)
		advanceTo(r, 3*time.Hour)
		Expect(one(r, "AT+CEREG?")).To(MatchRegexp(`^\+CEREG: 0,2(,|$)`))
		Expect(one(r, "AT+COPS?")).To(Equal("+COPS: 0"))
	})
})
