package framework

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/onsi/ginkgo/v2"

	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/capture"
)

// What a host sees of the device, for specs in any package: each helper
// fails the spec (through Ginkgo) when the device does not answer as a
// 27.007 modem does.

// hostAT is the rig's AT client, failing the spec by name where the rig
// has none (Options.NoHost: somebody else holds the tty), rather than with
// a nil dereference.
func hostAT(r *harness.Rig, what string) *atclient.Client {
	ginkgo.GinkgoHelper()
	if r.AT == nil {
		ginkgo.Fail(what + ": the rig has no host of its own (Options.NoHost): read it from the event log instead")
	}
	return r.AT
}

var ceregURC = regexp.MustCompile(`^\+CEREG: (\d)(,|$)`)

// Registrations returns the <stat> of every +CEREG URC the host has read
// so far, consecutive repeats folded (1 home, 2 searching, 3 denied, 5
// roaming). URCs travel through the tty on their own: an AT round trip
// first makes sure every URC the modem sent before it was read.
func Registrations(r *harness.Rig) []int {
	ginkgo.GinkgoHelper()
	at := hostAT(r, "registrations")
	if _, err := at.Command("AT"); err != nil {
		ginkgo.Fail("AT: " + err.Error())
	}
	var out []int
	for _, u := range at.URCs() {
		st, ok := CEREGStat(u)
		if ok && (len(out) == 0 || out[len(out)-1] != st) {
			out = append(out, st)
		}
	}
	return out
}

// CEREGStat reads a +CEREG URC's <stat>, which comes first, with or
// without the location after it (27.007 §10.1.22).
func CEREGStat(urc string) (int, bool) {
	m := ceregURC.FindStringSubmatch(urc)
	if m == nil {
		return 0, false
	}
	st, _ := strconv.Atoi(m[1])
	return st, true
}

var copsNumeric = regexp.MustCompile(`^\+COPS: \d,2,"(\d{5,6})",7$`)

// ServingPLMN reads AT+COPS? (numeric format, as the rig sets it) and
// returns the network the modem is registered on, "" when none.
func ServingPLMN(r *harness.Rig) string {
	ginkgo.GinkgoHelper()
	resp, err := hostAT(r, "AT+COPS?").Command("AT+COPS?")
	if err != nil || len(resp.Lines) != 1 {
		ginkgo.Fail("AT+COPS?: want one +COPS line: " + errText(err, resp))
	}
	if m := copsNumeric.FindStringSubmatch(resp.Lines[0]); m != nil {
		return m[1]
	}
	return ""
}

// ICCID reads the enabled profile's ICCID with the personality's command
// (AT+CCID, AT+QCCID, AT!ICCID?…), as a host of that modem does.
func ICCID(r *harness.Rig) string {
	ginkgo.GinkgoHelper()
	hostAT(r, "ICCID")
	id, err := r.Host().ICCID()
	if err != nil {
		ginkgo.Fail("ICCID: " + err.Error())
	}
	return id
}

// Traffic closes the rig, which writes its capture whole, and returns the
// platform and SM-DP+ messages it carried, decoded.
func Traffic(r *harness.Rig) []capture.Message {
	ginkgo.GinkgoHelper()
	if err := r.Close(); err != nil {
		ginkgo.Fail("close: " + err.Error())
	}
	msgs, err := r.PlatformTraffic()
	if err != nil {
		ginkgo.Fail("platform traffic: " + err.Error())
	}
	return msgs
}

// errText says what a command answered instead of what a helper wanted.
func errText(err error, resp *atclient.Response) string {
	switch {
	case err != nil:
		return err.Error()
	case resp == nil:
		return "no answer"
	}
	return strconv.Quote(strings.Join(append(resp.Lines, resp.Final), " | "))
}
