package specs

import (
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/framework"
)

// send runs one AT command on the rig's tty and returns its information
// lines; the final result must be OK.
func send(r *harness.Rig, cmd string) []string {
	GinkgoHelper()
	resp, err := r.AT.Command(cmd)
	Expect(err).NotTo(HaveOccurred(), "AT command %q", cmd)
	return resp.Lines
}

// answer runs one AT command and returns its final result line, whatever it is.
func answer(r *harness.Rig, cmd string) (lines []string, final string) {
	GinkgoHelper()
	resp, err := r.AT.Command(cmd)
	if resp != nil {
		return resp.Lines, resp.Final
	}
	Expect(err).To(HaveOccurred())
	return nil, finalOf(err)
}

func finalOf(err error) string {
	s := err.Error()
	if i := strings.Index(s, "+CME ERROR"); i >= 0 {
		return s[i:]
	}
	return s
}

// one runs a command that answers exactly one information line.
func one(r *harness.Rig, cmd string) string {
	GinkgoHelper()
	lines := send(r, cmd)
	Expect(lines).To(HaveLen(1), "answer to %s", cmd)
	return lines[0]
}

// restart restarts the modem the way a host of its dialect does
// (dialect.RestartLines: AT+CFUN=1,1, an nRF91's AT+CFUN=0 then
// AT+CFUN=1); the caller waits for the boot.
func restart(r *harness.Rig) {
	GinkgoHelper()
	Expect(r.Host().Restart()).To(Succeed())
}

func advance(r *harness.Rig, d time.Duration) {
	GinkgoHelper()
	Expect(r.Advance(d)).To(Succeed())
}

func advanceTo(r *harness.Rig, t time.Duration) {
	GinkgoHelper()
	Expect(r.AdvanceTo(t)).To(Succeed())
}

// registrations returns the <stat> of every +CEREG URC seen so far
// (framework.Registrations).
func registrations(r *harness.Rig) []int {
	GinkgoHelper()
	return framework.Registrations(r)
}

// servingPLMN reads +COPS? and returns the numeric operator ("" if none).
func servingPLMN(r *harness.Rig) string {
	GinkgoHelper()
	return framework.ServingPLMN(r)
}

// iccid reads the ICCID with the personality's command.
func iccid(r *harness.Rig) string {
	GinkgoHelper()
	return framework.ICCID(r)
}

// traffic closes the rig (flushing the capture) and decodes the platform
// messages it carried.
func traffic(r *harness.Rig) []capture.Message {
	GinkgoHelper()
	return framework.Traffic(r)
}

func kinds(evs []eventlog.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = string(e.Kind)
	}
	return out
}

// events returns the rig's events of one kind; an unregistered kind fails
// the spec (framework.Events).
func events(r *harness.Rig, kind eventlog.Kind) []eventlog.Event {
	GinkgoHelper()
	return framework.Events(r, kind)
}

// profileList reads the card's ProfileInfoList the way an LPA does: open the
// ISD-R on a logical channel, GetProfilesInfo (BF2D) in STORE DATA, close the
// channel, in the personality's dialect (+CCHO/+CGLA/+CCHC or +CSIM). It
// returns the answer as `+CGLA: <len>,"<hex of data and SW>"`, the form the
// generic modem prints, so that lists read under every dialect compare.
func profileList(r *harness.Rig) string {
	GinkgoHelper()
	h := r.Host()
	ch, err := h.OpenISDR()
	Expect(err).NotTo(HaveOccurred())
	rsp, err := ch.Transmit([]byte{0x80, 0xE2, 0x91, 0x00, 0x03, 0xBF, 0x2D, 0x00})
	Expect(err).NotTo(HaveOccurred())
	Expect(ch.Close()).To(Succeed())
	list := fmt.Sprintf(`+CGLA: %d,"%X"`, 2*len(rsp), rsp)
	Expect(list).To(HaveSuffix(`9000"`))
	return list
}

// reasons returns the reason fields of the card's events of the given kinds.
// passedOver are the reasons of the lists the card could try nothing of
// (list_passed_over: no cycle started), "operator: why" each.
func passedOver(r *harness.Rig) []string {
	GinkgoHelper()
	var out []string
	for _, e := range events(r, "list_passed_over") {
		out = append(out, e.Strs("reasons")...)
	}
	return out
}

func reasons(r *harness.Rig, kinds ...eventlog.Kind) []string {
	GinkgoHelper()
	var out []string
	for _, k := range kinds {
		for _, e := range events(r, k) {
			if e.Actor == eventlog.EUICC && e.Str("reason") != "" {
				out = append(out, string(k)+": "+e.Str("reason"))
			}
		}
	}
	return out
}
