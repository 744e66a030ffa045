package specs

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness/framework"
	"github.com/esimhil/esimhil/harness/scenario"
)

// Vodafone's first delivered profile (89 + 26202 + serial + Luhn) and O2's.
const (
	vodafoneICCIDPrefix = "8926202"
	o2ICCIDPrefix       = "8926207"
)

// Issue 9 §1: a fault hits exactly what its entry names — the operator, the
// attempt, the window — wherever it is injected (card, platform, SM-DP+),
// and each injection is logged as a fault event naming it and its target.
var _ = Describe("Fault scope", framework.Emulated, func() {
	// fault-scoped-to-operator.yaml: Berlin's list is Vodafone then O2.
	// O2's network refuses its own subscribers until 1h30m, so every cycle
	// before then tries Vodafone again.
	scoped := func(name, fault string) *scenario.Scenario {
		return framework.Variant("fault-scoped-to-operator.yaml", name, map[string]string{
			"{download: eligibility_refused, operator: vodafone-de, until: 1h30m}": fault})
	}
	installed := func(evs []eventlog.Event, prefix string) []time.Duration {
		var out []time.Duration
		for _, e := range evs {
			if e.Kind == "profile_installed" && len(e.Str("iccid")) > len(prefix) && e.Str("iccid")[:len(prefix)] == prefix {
				out = append(out, e.T.Sub(evs[0].T))
			}
		}
		return out
	}

	body := func(fault string) {
		r := framework.NewRig(scoped("scoped-"+fault, "{download: "+fault+", operator: vodafone-de, until: 1h30m}"))
		advanceTo(r, 4*time.Hour)
		evs := r.Log.Events()

		By("every injection names the fault, hits Vodafone, and lies in the window")
		var hits int
		for _, e := range evs {
			if e.Kind != "fault" || e.Actor != eventlog.Harness {
				continue
			}
			Expect(e.Fields).To(HaveKeyWithValue("fault", "download"), "%s", e)
			Expect(e.Fields).To(HaveKeyWithValue("name", fault), "%s", e)
			Expect(e.Fields).To(HaveKeyWithValue("target", "vodafone-de"), "%s", e)
			on, isSwitch := e.Get("on").(bool)
			if isSwitch && !on {
				Expect(e.T.Sub(evs[0].T)).To(Equal(90*time.Minute), "switched off at the window's end: %s", e)
				continue
			}
			Expect(e.T.Sub(evs[0].T)).To(BeNumerically("<", 90*time.Minute), "%s", e)
			hits++
		}
		Expect(hits).To(BeNumerically(">=", 1), "the fault was injected")

		By("O2's download went through while the fault was in force")
		Expect(installed(evs, o2ICCIDPrefix)).To(HaveLen(1))
		Expect(installed(evs, o2ICCIDPrefix)[0]).To(BeNumerically("<", 90*time.Minute))
		var vodafoneFailed int
		for _, e := range r.Log.Kind("download_result") {
			switch e.Str("operator") {
			case "o2-de":
				Expect(e.Fields).To(HaveKeyWithValue("ok", true), "O2 is never hit: %s", e)
			case "vodafone-de":
				if e.Get("ok") == false {
					vodafoneFailed++
					Expect(e.T.Sub(evs[0].T)).To(BeNumerically("<", 90*time.Minute), "Vodafone fails only in the window: %s", e)
				}
			}
		}
		Expect(vodafoneFailed).To(BeNumerically(">=", 1))

		if fault == scenario.OutOfMemory {
			// A card with no room for a package does not order it again
			// until a profile leaves it (README, "A card with no room"):
			// the window's end at the SM-DP+ is nothing the card can see.
			By("the card does not order Vodafone again after its install failed for lack of memory, and stays on O2")
			Expect(installed(evs, vodafoneICCIDPrefix)).To(BeEmpty())
			Expect(append(reasons(r, "attempt_skipped"), passedOver(r)...)).To(ContainElement(ContainSubstring("no room on the card")))
			Expect(iccid(r)).To(HavePrefix(o2ICCIDPrefix))
			return
		}
		By("Vodafone's download works once the window closed, and the device is at home on it")
		vf := installed(evs, vodafoneICCIDPrefix)
		Expect(vf).To(HaveLen(1))
		Expect(vf[0]).To(BeNumerically(">=", 90*time.Minute))
		Expect(iccid(r)).To(HavePrefix(vodafoneICCIDPrefix))
		Expect(servingPLMN(r)).To(Equal("26202"))
		Expect(one(r, "AT+CEREG?")).To(MatchRegexp(`^\+CEREG: \d,1(,|$)`))
	}
	DescribeTable("a download fault on Vodafone until 1h30m: O2 downloads meanwhile, Vodafone downloads after",
		append([]any{body}, downloadFaultEntries()...)...)

	It("limits a download fault to the attempt it names", func() {
		r := framework.NewRig(scoped("scoped-attempt", "{download: connection_reset, operator: vodafone-de, attempt: 1}"))
		advanceTo(r, 2*time.Hour)
		var fired []eventlog.Event
		for _, e := range events(r, "fault") {
			if e.Actor == eventlog.Harness {
				fired = append(fired, e)
			}
		}
		Expect(fired).To(HaveLen(1), "one injection, on the first attempt")
		Expect(fired[0].Fields).To(And(HaveKeyWithValue("name", "connection_reset"), HaveKeyWithValue("attempt", 1),
			HaveKeyWithValue("at", "smdp"), HaveKeyWithValue("target", "vodafone-de")))
		var vodafone []bool
		for _, e := range r.Log.Kind("download_result") {
			if e.Str("operator") == "vodafone-de" {
				vodafone = append(vodafone, e.Get("ok") == true)
			}
		}
		Expect(vodafone).To(HaveLen(2), "the first attempt broke, the second worked")
		Expect(vodafone).To(Equal([]bool{false, true}))
	})
})

func downloadFaultEntries() []any {
	var out []any
	for _, f := range scenario.DownloadFaults {
		out = append(out, Entry(f, f))
	}
	return out
}
