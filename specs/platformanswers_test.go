package specs

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/framework"
	"github.com/esimhil/esimhil/internal/personality"
)

// sinceStart is when e happened, from the start of the run.
func sinceStart(r *harness.Rig, e eventlog.Event) time.Duration {
	GinkgoHelper()
	return e.T.Sub(events(r, eventlog.KindRunStarted)[0].T)
}

// listMessages are the captured preferred-list exchanges.
func listMessages(msgs []capture.Message) []capture.Message {
	var out []capture.Message
	for _, m := range msgs {
		if m.Kind == capture.KindPreferredList {
			out = append(out, m)
		}
	}
	return out
}

// stillRoamingOnOrange: the AT interface shows China Mobile still roaming
// on Orange, and the card's profile list as it was: nothing installed,
// nothing switched.
func stillRoamingOnOrange(r *harness.Rig, before string) {
	GinkgoHelper()
	Expect(servingPLMN(r)).To(Equal("20801"), "still roaming on Orange")
	Expect(one(r, "AT+CEREG?")).To(MatchRegexp(`^\+CEREG: 2,5,`))
	Expect(iccid(r)).To(Equal(cmccICCID))
	Expect(profileList(r)).To(Equal(before), "nothing installed, nothing switched")
}

// roamsOnOrangeUntil runs r, which lands on Orange at 1h, to until and
// holds that the card is still there on its own profile, nothing
// installed: what every misbehaving platform of these specs leaves.
func roamsOnOrangeUntil(r *harness.Rig, until time.Duration) {
	GinkgoHelper()
	send(r, "AT+CEREG=2")
	advanceTo(r, 59*time.Minute)
	before := profileList(r)
	advanceTo(r, until)
	stillRoamingOnOrange(r, before)
}

// The platform answers, but not as the API says: garbage, or late. The
// card must read either as a failed list, keep its profile and ask again.
var _ = Describe("Platform answers garbled or late", framework.Emulated, func() {
	It("reads a garbled preferred-list answer as a failed list, keeps its profile and asks again at the next check", func() {
		r := framework.NewRig(framework.Load("roam-platform-garbled.yaml"))
		roamsOnOrangeUntil(r, 89*time.Minute)
		failed := reasons(r, "preferred_list_failed")
		Expect(len(failed)).To(BeNumerically(">=", 6), "one failed list per 5-minute period from 1h to 1h25m")
		Expect(failed).To(HaveEach(HavePrefix("preferred_list_failed: malformed JSON")))
		faults := events(r, eventlog.KindFault)
		Expect(faults).To(HaveLen(len(failed)), "each garbled answer is one logged injection")
		var asked []time.Duration
		for _, e := range events(r, "preferred_list_requested") {
			asked = append(asked, sinceStart(r, e))
		}
		for i, f := range faults {
			Expect(f.Str("fault")).To(Equal("platform_garbled"))
			Expect(f.Str("target")).To(Equal("platform"))
			Expect(f.Str("at")).To(Equal("platform"))
			Expect(f.Get("entry")).To(Equal(0))
			Expect(asked).To(ContainElement(sinceStart(r, f)), "injection %d at a list request's instant", i)
		}
		Expect(events(r, "preferred_list_served")).To(BeEmpty(), "a garbled platform serves no list")
		Expect(events(r, "profile_enabled")).To(BeEmpty())

		advanceTo(r, 2*time.Hour)
		Expect(servingPLMN(r)).To(Equal("20810"), "switched once the answers were whole again")
		Expect(iccid(r)).To(Equal(sfrICCID))

		Expect(r.Close()).To(Succeed(), "the garbled answers are evidence: no capture incomplete")
		msgs, err := r.PlatformTraffic()
		Expect(err).NotTo(HaveOccurred(), "the capture decodes")
		lists := listMessages(msgs)
		Expect(lists).To(HaveLen(len(faults) + 1))
		for _, m := range lists[:len(faults)] {
			Expect(m.Status).To(Equal(200))
			Expect(m.ListRequest).NotTo(BeNil())
			Expect(m.ListResponse).To(BeNil())
			Expect(m.Malformed).NotTo(BeEmpty(), "a platform answer with a malformed body")
		}
		last := lists[len(faults)]
		Expect(last.Malformed).To(BeEmpty())
		Expect(last.ListResponse.Operators[0].ID).To(Equal("sfr"))
	})

	It("reads a 503 as a failed list it asks again at the next check, no back-off, and keeps a note answered 500 for a later check", func() {
		r := framework.NewRig(framework.Load("roam-platform-error.yaml"))
		roamsOnOrangeUntil(r, 89*time.Minute)
		failed := reasons(r, "preferred_list_failed")
		Expect(failed).To(HaveLen(6), "one failed list at each check from 1h to 1h25m: an answer is no reason to back off")
		Expect(failed).To(HaveEach(Equal("preferred_list_failed: http status 503: fault: the platform answers 503 (Status)")))
		Expect(events(r, "platform_backoff")).To(BeEmpty())
		rejected := events(r, "request_rejected")
		Expect(rejected).To(HaveLen(6), "the platform logs each answer as the error it is")
		for _, e := range rejected {
			Expect(e.Get("status")).To(Equal(503))
			Expect(e.Str("path")).To(Equal("/v1/preferred-list"))
		}
		Expect(events(r, "preferred_list_served")).To(BeEmpty(), "a failing platform serves no list")

		advanceTo(r, 2*time.Hour)
		Expect(servingPLMN(r)).To(Equal("20810"), "switched once the platform served again")
		var notes []time.Duration
		for _, e := range events(r, eventlog.KindFault) {
			Expect(e.Str("fault")).To(Equal("platform_status"))
			if e.Str("path") == "/v1/notifications" {
				Expect(e.Get("code")).To(Equal(500))
				notes = append(notes, sinceStart(r, e))
			}
		}
		Expect(notes).To(HaveLen(2), "the attach-success refused at the switch and at 1h35m")
		Expect(events(r, "notification_sent")).To(HaveLen(1), "delivered once the route served again")

		Expect(r.Close()).To(Succeed())
		msgs, err := r.PlatformTraffic()
		Expect(err).NotTo(HaveOccurred(), "the capture decodes")
		var statuses []int
		for _, m := range msgs {
			statuses = append(statuses, m.Status)
			if m.Status >= 500 {
				Expect(m.Error).To(HavePrefix("fault: the platform answers"), "the API's error body, decoded from the capture")
				Expect(m.Malformed).To(BeEmpty())
			}
		}
		Expect(statuses).To(Equal([]int{503, 503, 503, 503, 503, 503, 200, 500, 500, 200}))
	})

	It("gives up on an answer held past its 30 s reply guard and asks again after the platform's back-off, and takes one held 10 s", func() {
		r := framework.NewRig(framework.Load("roam-platform-slow.yaml"))
		roamsOnOrangeUntil(r, 74*time.Minute)
		var held, gaveUp, failed []time.Duration
		for _, e := range events(r, eventlog.KindFault) {
			Expect(e.Str("fault")).To(Equal("platform_slow"))
			Expect(e.Str("delay")).To(Equal("45s"))
			held = append(held, sinceStart(r, e))
		}
		for _, e := range events(r, "bip_error") {
			Expect(e.Str("reason")).To(Equal("POST /v1/preferred-list: no reply within 30s"))
			gaveUp = append(gaveUp, sinceStart(r, e))
		}
		for _, e := range events(r, "preferred_list_failed") {
			Expect(e.Str("reason")).To(Equal("no reply within 30s"))
			failed = append(failed, sinceStart(r, e))
		}
		Expect(held).To(Equal([]time.Duration{time.Hour, 70 * time.Minute}), "held at each request: none at 1h05m, skipped for the platform's back-off")
		want := []time.Duration{time.Hour + 30*time.Second, 70*time.Minute + 30*time.Second}
		Expect(gaveUp).To(Equal(want), "the card's reply guard, 30 s of simulated time")
		Expect(failed).To(Equal(want))
		Expect(events(r, "platform_backoff")).To(HaveLen(1), "1h05m: skipped")
		Expect(events(r, "preferred_list_served")).To(HaveLen(2), "served at once, its answer held")
		Expect(events(r, "profile_enabled")).To(BeEmpty())

		advanceTo(r, 2*time.Hour)
		received := events(r, "preferred_list_received")
		Expect(received).To(HaveLen(1))
		Expect(sinceStart(r, received[0])).To(Equal(85*time.Minute+10*time.Second), "the list asked at 1h25m, held 10 s, arrives 10 s late")
		Expect(servingPLMN(r)).To(Equal("20810"))
		Expect(iccid(r)).To(Equal(sfrICCID))

		Expect(r.Close()).To(Succeed(), "no capture incomplete")
		msgs, err := r.PlatformTraffic()
		Expect(err).NotTo(HaveOccurred())
		lists := listMessages(msgs)
		Expect(lists).To(HaveLen(3))
		for _, m := range lists[:2] {
			Expect(m.ListRequest).NotTo(BeNil())
			Expect(m.Status).To(BeZero(), "the card closed its channel first: the platform sent nothing")
		}
		Expect(lists[2].Status).To(Equal(200))
		Expect(lists[2].ListResponse.Operators[0].ID).To(Equal("sfr"))
	})

	// A module that implements little of the toolkit has no timers: its
	// terminal profile leaves TIMER MANAGEMENT out (quirk
	// no_timer_management). The card then runs its timers on the
	// terminal's STATUS polls (POLL INTERVAL, TS 102 223 §6.4.6), so its
	// wait for a held answer still ends at 30 s of simulated time.
	It("gives up at 30 s on a modem without toolkit timers too, counting the terminal's STATUS polls, and switches once an answer comes in time", func() {
		noTimers := personality.Generic()
		noTimers.NoTimerManagement = true
		r := framework.NewRig(framework.Load("roam-platform-slow.yaml"), func(o *harness.Options) { o.Dialect = &noTimers })
		roamsOnOrangeUntil(r, 74*time.Minute)
		var gaveUp []time.Duration
		for _, e := range events(r, "bip_error") {
			Expect(e.Str("reason")).To(Equal("POST /v1/preferred-list: no reply within 30s"))
			gaveUp = append(gaveUp, sinceStart(r, e))
		}
		Expect(gaveUp).To(Equal([]time.Duration{time.Hour + 30*time.Second, 70*time.Minute + 30*time.Second}),
			"the reply guard, six polls 5 s apart after each request (none at 1h05m: the platform's back-off)")
		Expect(reasons(r, "preferred_list_failed")).To(HaveEach(Equal("preferred_list_failed: no reply within 30s")))
		Expect(events(r, "stk_error")).To(BeEmpty(), "the card asks nothing its terminal profile leaves out")

		advanceTo(r, 2*time.Hour)
		received := events(r, "preferred_list_received")
		Expect(received).To(HaveLen(1))
		Expect(sinceStart(r, received[0])).To(Equal(85*time.Minute + 10*time.Second))
		Expect(servingPLMN(r)).To(Equal("20810"))
		Expect(one(r, "AT+CEREG?")).To(MatchRegexp(`^\+CEREG: 2,1,`))
		Expect(iccid(r)).To(Equal(sfrICCID))
	})
})
