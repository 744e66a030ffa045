package specs

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/dialect"
	"github.com/esimhil/esimhil/harness/framework"
	"github.com/esimhil/esimhil/harness/lab"
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

// The env:lab specs talk to a modem only as a host can: AT over a
// transport (a device path, ser2net raw TCP or RFC 2217), in the
// personality's dialect, with waits from the personality's real-hardware
// timeouts. `make lab MODEM=…` runs them against a real modem; `make test`
// runs them against the emulated device of the scenario behind each
// transport.
var _ = Describe("A modem in the lab", framework.Lab, func() {
	It("answers the basics: AT, identification, SIM, ICCID, IMSI, registration, operator, signal", func() {
		r := framework.NewLabRig(framework.Load("lab-home.yaml"))
		Expect(labOne(r, "AT+CGMM")).NotTo(BeEmpty())
		Expect(labOne(r, "AT+CPIN?")).To(Equal("+CPIN: READY"))
		id, err := r.Host().ICCID()
		Expect(err).NotTo(HaveOccurred())
		Expect(ident.IsICCID(id)).To(BeTrue(), "an ICCID with its Luhn digit (ITU-T E.118): %s", id)
		_, err = dialect.ParseIMSI(labOne(r, "AT+CIMI"))
		Expect(err).NotTo(HaveOccurred())
		stat := awaitRegistered(r)
		Expect(stat).To(BeElementOf(1, 5))
		_, err = dialect.ParsePLMN(labOne(r, "AT+COPS?"))
		Expect(err).NotTo(HaveOccurred())
		csq := labOne(r, "AT+CSQ")
		Expect(csq).To(MatchRegexp(`^\+CSQ: ([0-9]|[12][0-9]|3[01]|99),([0-7]|99)$`))
		if csq == "+CSQ: 99,99" {
			// 27.007 §8.5: not known or not detectable. Many LTE modules
			// say so through +CSQ while registered (their figures are in
			// +CESQ): no failure, but the transcript should not hide it.
			r.Note("+CSQ: 99,99 while registered (stat %d): signal not known or not detectable (27.007 §8.5); many LTE modules report LTE signal only in +CESQ", stat)
		}
	})

	It("reaches the card's ISD-R: EID, EUICCInfo1, one enabled profile", func() {
		r := framework.NewLabRig(framework.Load("lab-home.yaml"))
		h := r.Host()
		eid, err := h.EID()
		Expect(err).NotTo(HaveOccurred())
		Expect(ident.IsEID(eid)).To(BeTrue(), "an EID with valid check digits (SGP.29): %s", eid)
		info, err := h.EUICCInfo1()
		Expect(err).NotTo(HaveOccurred())
		Expect(info.SVN[0]).To(BeNumerically(">=", 2), "SGP.22 v2 or later")
		Expect(info.CiPKIDVerify).NotTo(BeEmpty(), "at least one CI key the card verifies with")
		profiles, err := h.Profiles()
		Expect(err).NotTo(HaveOccurred())
		Expect(enabled(profiles)).To(HaveLen(1), "exactly one enabled profile in %v", profiles)
	})

	It("enables another profile with REFRESH, re-attaches on it, and goes back", func() {
		r := framework.NewLabRig(framework.Load("lab-home.yaml"))
		h := r.Host()
		awaitRegistered(r)
		profiles, err := h.Profiles()
		Expect(err).NotTo(HaveOccurred())
		Expect(len(profiles)).To(BeNumerically(">=", 2), "the card needs a second profile to switch to")
		orig := enabled(profiles)[0].ICCID
		// A spec that fails or is stopped between the two enables leaves
		// a real card on another operator's profile: put the original
		// back, once, and say where the card was left either way.
		DeferCleanup(func() {
			now, err := h.ICCID()
			if err == nil && now == orig {
				return
			}
			res, eerr := h.Enable(orig)
			back, _ := h.ICCID()
			note := fmt.Sprintf("the card was on %q (%v) when the spec ended; enabling the original %s again: %s; now on %q", now, err, orig, lab.EnableOutcome(resultText(res), eerr), back)
			AddReportEntry("card state", note)
			GinkgoWriter.Println(note)
		})
		var other string
		for _, p := range profiles {
			if !p.Enabled {
				other = p.ICCID
				break
			}
		}
		labSend(r, "AT+CEREG=2")
		for _, to := range []string{other, orig} {
			By("enabling " + to)
			r.AT.ClearURCs()
			// catBusy: a proactive session (the last REFRESH) still
			// runs; the card takes the enable once it ends.
			var res int
			Eventually(func() (string, error) {
				var err error
				res, err = h.Enable(to)
				return resultText(res), err
			}).WithTimeout(r.Timeouts.Reattach).WithPolling(time.Second).ShouldNot(Equal(resultText(es10.ResultCatBusy)), "catBusy for longer than the re-attach timeout")
			Expect(resultText(res)).To(Equal(resultText(es10.ResultOK)), "enableResult")
			seen := awaitReattach(r, r.Timeouts.Reattach)
			// A network that denies the new profile makes the card fall
			// back: the failure says so from the URCs, not only the ICCIDs.
			now, err := h.ICCID()
			Expect(err).NotTo(HaveOccurred())
			Expect(now).To(Equal(to), func() string { return lab.AfterEnable(to, now, seen) })
			profiles, err = h.Profiles()
			Expect(err).NotTo(HaveOccurred())
			Expect(enabled(profiles)).To(ConsistOf(dialect.Profile{ICCID: to, Enabled: true}))
		}
	})

	It("lets the card see it roams, ask the platform, switch and report the attach", framework.NeedsRoaming, func() {
		r := framework.NewLabRig(framework.Load("lab-roam.yaml"))
		if stat := awaitRegistered(r); stat != 5 {
			framework.Fail(fmt.Sprintf("not roaming when the run starts: +CEREG? says %q (<stat> %d, %s), where HAS=roaming (%s) declares a device that roams (<stat> 5); a standalone esimhil emulate's card runs on its own clock and platform (README, Lab runs: Against esimhil emulate)",
				labOne(r, "AT+CEREG?"), stat, map[int]string{1: "registered, home"}[stat], framework.LabHasEnv))
		}
		labSend(r, "AT+CEREG=2")
		before, _ := r.Host().ICCID()
		plmn := servingOn(r)

		By("the card's own periodic check: REFRESH, detach, re-attach on the preferred operator")
		awaitReattach(r, r.Wait(r.CheckInterval)+r.Timeouts.Reattach)
		after, err := r.Host().ICCID()
		Expect(err).NotTo(HaveOccurred())
		Expect(after).NotTo(Equal(before))
		servingAfter := servingOn(r)
		Expect(servingAfter).NotTo(Equal(plmn))
		awaitPlatform(r, `"/v1/notifications"`)

		By("the platform saw the list request from the roaming network and the attach-success report")
		Expect(r.Close()).To(Succeed())
		msgs, err := framework.LabTraffic(r)
		Expect(err).NotTo(HaveOccurred())
		Expect(msgs).NotTo(BeEmpty())
		Expect(msgs[0].Kind).To(Equal(capture.KindPreferredList))
		Expect(msgs[0].ListRequest.ServingPLMN).To(Equal(plmn))
		var reports []string
		for _, m := range msgs {
			if m.Kind == capture.KindNotification {
				reports = append(reports, m.Notification.Kind+"@"+m.Notification.PLMN)
			}
		}
		Expect(reports).To(ConsistOf("attach-success@"+servingAfter), "one attach-success, from the network it attached to")
	})

	It("switches again when the device is moved to another country", framework.NeedsRoaming, framework.NeedsRadioControl, func() {
		r := framework.NewLabRig(framework.Load("lab-roam.yaml"))
		awaitRegistered(r)
		labSend(r, "AT+CEREG=2")
		awaitReattach(r, r.Wait(r.CheckInterval)+r.Timeouts.Reattach)
		first, _ := r.Host().ICCID()

		By("moving the device to Berlin: roaming again, another check, another switch")
		r.AT.ClearURCs()
		Expect(r.Radio.MoveTo("DE-Berlin")).To(Succeed())
		awaitReattach(r, r.Wait(r.CheckInterval)+r.Timeouts.Reattach)
		Expect(r.Host().ICCID()).NotTo(Equal(first))
		Expect(servingOn(r)).To(HavePrefix("262"))
	})
})

var _ = Describe("A lab modem's port", framework.Lab, func() {
	It("drops and comes back: the client reconnects and the run goes on", framework.NeedsPortControl, func() {
		r := framework.NewLabRig(framework.Load("lab-home.yaml"))
		awaitRegistered(r)
		before, err := r.Host().ICCID()
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Port).NotTo(BeNil(), "port-control offered, but the lab gives no way to drop the port")
		reopens := r.AT.Reopens()
		Expect(r.Port.Drop()).To(Succeed())
		// A drop command that exits 0 without taking the port away (a
		// wrong host, a script that does nothing) must not pass: the
		// client has to have seen the port go and come back.
		Eventually(func() error {
			if _, err := r.AT.Command("AT"); err != nil {
				return err
			}
			if r.AT.Reopens() == reopens {
				return fmt.Errorf("the port answers but never dropped: the drop command (%s) succeeded without taking %s away", framework.LabPortDropEnv, r.Modem)
			}
			return nil
		}).WithTimeout(r.Timeouts.Restart).WithPolling(100*time.Millisecond).Should(Succeed(), "the port dropped and is back within the restart timeout")
		Expect(r.Host().ICCID()).To(Equal(before))
		Expect(labOne(r, "AT+CPIN?")).To(Equal("+CPIN: READY"))
	})
})

// labSend runs one AT command on the lab rig; the final result must be OK.
func labSend(r *lab.Rig, cmd string) []string {
	GinkgoHelper()
	rsp, err := r.AT.Command(cmd)
	Expect(err).NotTo(HaveOccurred(), "AT command %q on %s", cmd, r.Modem)
	return rsp.Lines
}

// labOne runs a command whose answer is one line. A second line is most
// likely a URC the client could not tell from the answer: the failure
// names it as such (framework.Fail adds a reset, if one came first), not
// as a wrong answer.
func labOne(r *lab.Rig, cmd string) string {
	GinkgoHelper()
	lines := labSend(r, cmd)
	line, err := (&atclient.Response{Lines: lines, Final: "OK"}).One(cmd)
	if err != nil {
		framework.Fail(err.Error())
	}
	return line
}

var ceregRead = regexp.MustCompile(`^\+CEREG: \d,(\d)`)

// awaitRegistered polls +CEREG? until the modem is registered (home or
// roaming) and returns <stat>; a device just powered needs its attach.
func awaitRegistered(r *lab.Rig) int {
	GinkgoHelper()
	stat := 0
	Eventually(func() int {
		m := ceregRead.FindStringSubmatch(labOne(r, "AT+CEREG?"))
		if m != nil {
			stat, _ = strconv.Atoi(m[1])
		}
		return stat
	}).WithTimeout(r.Timeouts.Reattach).WithPolling(50*time.Millisecond).Should(BeElementOf(1, 5),
		"registered within %v (the personality's re-attach timeout, README Lab runs: Timeouts, scaled to the device)", r.Timeouts.Reattach)
	return stat
}

// awaitReattach waits for a REFRESH's detach (+CEREG: 0) and then a
// registration (+CEREG: 1 or 5) among the URCs, and forgets the URCs seen
// after returning them.
func awaitReattach(r *lab.Rig, detachWithin time.Duration) []string {
	GinkgoHelper()
	var seen []string
	Eventually(func() (string, error) {
		// A port that dropped (a modem unplugged) is the failure, not
		// the network: say so, and stop once the client gave up on it.
		if err := r.AT.PortErr(); err != nil {
			if errors.Is(err, atclient.ErrPortDown) {
				return "", err
			}
			return "", StopTrying("the AT port is gone").Wrap(err)
		}
		detached := false
		seen = r.AT.URCs()
		for _, u := range seen {
			// A +CEREG URC's <stat> comes first, with or without the
			// location after it (27.007 §10.1.22: "+CEREG: 0,"","""
			// from modules that always give the fields).
			st, ok := framework.CEREGStat(u)
			switch {
			case !ok:
			case st == 0:
				detached = true
			case detached && (st == 1 || st == 5):
				return "re-attached", nil
			}
		}
		return fmt.Sprint(seen), nil
	}).WithTimeout(detachWithin+r.Timeouts.Reattach).WithPolling(20*time.Millisecond).Should(Equal("re-attached"), func() string {
		return fmt.Sprintf("a detach (+CEREG: 0) and a registration after it within %v; %s", detachWithin+r.Timeouts.Reattach, portHealth(r))
	})
	r.AT.ClearURCs()
	return seen
}

// portHealth asks the modem for an AT once a wait on its URCs failed, so
// that the failure tells a silent AT port (hung, unplugged) from a modem
// that talks but did not register.
func portHealth(r *lab.Rig) string {
	if err := r.AT.PortErr(); err != nil {
		return "the AT port is not there: " + err.Error()
	}
	if _, err := r.AT.CommandWithin("AT", 3*time.Second); err != nil {
		return "and the modem does not answer AT either (" + err.Error() + "): its AT port went silent, not only the network"
	}
	return "the modem answers AT: the network did not re-attach it"
}

// resultText is an EnableProfile result with SGP.22's name: "5 (catBusy)".
func resultText(r int) string {
	return fmt.Sprintf("%d (%s)", r, es10.ResultNameOf(es10.TagEnableProfile, r))
}

func servingOn(r *lab.Rig) string {
	GinkgoHelper()
	c, err := dialect.ParsePLMN(labOne(r, "AT+COPS?"))
	Expect(err).NotTo(HaveOccurred())
	return c.Oper
}

func enabled(ps []dialect.Profile) []dialect.Profile {
	var out []dialect.Profile
	for _, p := range ps {
		if p.Enabled {
			out = append(out, p)
		}
	}
	return out
}

// awaitPlatform polls the platform's own record of what it received
// (GET /v1/inspect/received, docs/platform-api.md) until it holds want.
func awaitPlatform(r *lab.Rig, want string) {
	GinkgoHelper()
	base := r.Backend.Platform()
	Expect(base).NotTo(BeEmpty(), "the backend runs a platform")
	Eventually(func() (string, error) {
		req, _ := http.NewRequest(http.MethodGet, base+"/v1/inspect/received", nil)
		req.Host = harness.PlatformHost
		rsp, err := http.DefaultClient.Do(req)
		if err != nil {
			return "", err
		}
		defer rsp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(rsp.Body, 1<<20))
		return string(b), err
	}).WithTimeout(r.Timeouts.Reattach).WithPolling(50*time.Millisecond).Should(ContainSubstring(want),
		fmt.Sprintf("the platform receives %s", want))
}
