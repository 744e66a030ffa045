package specs

import (
	"context"
	"encoding/hex"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/harness/cardwire"
	"github.com/esimhil/esimhil/harness/framework"
	"github.com/esimhil/esimhil/harness/lab"
	"github.com/esimhil/esimhil/harness/simtrace"
	"github.com/esimhil/esimhil/internal/codec/gsmtap"
)

// hexBytes decodes a hex vector ("02 04 01", spaces allowed).
func hexBytes(s string) []byte {
	GinkgoHelper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	Expect(err).NotTo(HaveOccurred())
	return b
}

// recordedStream is the SIMtrace2 stream the lab specs replay
// (fixtures/simtrace/README.md).
func recordedStream() simtrace.Recording {
	GinkgoHelper()
	rec, err := simtrace.LoadRecording(filepath.Join(framework.Root(), "fixtures", "simtrace", "roam-fr-preinstalled"))
	Expect(err).NotTo(HaveOccurred())
	return rec
}

// replayerTo opens a replaying sniffer aimed at the run's receiver.
func replayerTo(r *lab.Rig) *simtrace.Replayer {
	GinkgoHelper()
	Expect(r.SIMTrace.IsValid()).To(BeTrue(), "the run listens for a SIMtrace2")
	to := r.SIMTrace
	if to.Addr().IsUnspecified() {
		to = netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), to.Port())
	}
	p, err := simtrace.NewReplayer(to)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(p.Close)
	return p
}

// platformAddr is the backend's platform as an address (0.0.0.0:8080 for
// a real lab: any address on that port).
func platformAddr(r *lab.Rig) netip.AddrPort {
	GinkgoHelper()
	u, err := url.Parse(r.Backend.Platform())
	Expect(err).NotTo(HaveOccurred())
	a, err := netip.ParseAddrPort(u.Host)
	Expect(err).NotTo(HaveOccurred())
	return a
}

// The card's own traffic in the lab: a SIMtrace2 between modem and card
// sends every APDU as GSMTAP to the run's receiver, which merges it into
// the run's traffic.pcapng; the wire checks of the emulated specs run on
// it unchanged. `make test` plays the sniffer with a recorded stream over
// loopback UDP.
var _ = Describe("The card's APDU lane in the lab", framework.Lab, func() {
	It("shows claim 1 in order on the card's own traffic", framework.NeedsRoaming, framework.NeedsSIMTrace, func() {
		r := framework.NewLabRig(framework.Load("lab-roam.yaml"))
		Expect(awaitRegistered(r)).To(Equal(5), "roaming when the run starts")
		labSend(r, "AT+CEREG=2")
		roaming := servingOn(r)
		awaitReattach(r, r.Wait(r.CheckInterval)+r.Timeouts.Reattach)
		attached := servingOn(r)
		awaitPlatform(r, `"/v1/notifications"`)
		platform := platformAddr(r)
		Expect(r.Close()).To(Succeed())

		lane, err := framework.LabCardLane(r)
		Expect(err).NotTo(HaveOccurred())
		steps, err := cardwire.CheckClaim1(lane, cardwire.Claim1{Roaming: roaming, Platform: platform, Attached: attached})
		Expect(err).NotTo(HaveOccurred())
		Expect(steps).To(HaveLen(5))
	})

	It("merges a SIMtrace2's GSMTAP stream into the run's capture, where the wire checks find claim 1", framework.NeedsSIMTrace, func() {
		r := framework.NewLabRig(framework.Load("lab-home.yaml"))
		rec := recordedStream()
		p := replayerTo(r)
		Expect(p.Replay(context.Background(), rec.Stream)).To(Succeed())
		Expect(r.Close()).To(Succeed(), "the run's capture check holds with the sniffer's datagrams in it")

		tr, err := simtrace.Read(r.Backend.CaptureFile())
		Expect(err).NotTo(HaveOccurred())
		lane := tr.Lane(p.From())
		Expect(lane).NotTo(BeNil(), "a lane from the sniffer at %s", p.From())
		Expect(len(lane.ATRs)+len(lane.APDUs)).To(Equal(rec.Manifest.Datagrams), "every datagram the sniffer sent")
		Expect(lane.Summary()).To(BeEmpty())
		m := rec.Manifest
		steps, err := cardwire.CheckClaim1(lane, cardwire.Claim1{Roaming: m.Roaming, Platform: netip.MustParseAddrPort(m.Platform), Attached: m.Attached})
		Expect(err).NotTo(HaveOccurred())
		Expect(steps[2].APDUs[0].Qualifier()).To(Equal(m.Refresh))
		Expect(lane.APDUs[0].Time).To(BeTemporally(">=", lane.ATRs[0].Time), "stamped as they arrived")

		By("the run's platform traffic is intact beside it")
		_, err = framework.LabTraffic(r)
		Expect(err).NotTo(HaveOccurred())
	})

	It("skips what is not a SIMtrace2's GSMTAP SIM, counts a sniffer that starts mid-session, and keeps the rest of the evidence", framework.NeedsSIMTrace, func() {
		r := framework.NewLabRig(framework.Load("lab-home.yaml"))
		rec := recordedStream()
		p := replayerTo(r)
		for _, h := range []string{
			"02 04",                            // truncated
			"48 54 54 50 2F 31 2E 31 20 32 30", // another protocol on the port
			"02 04 01 00 0001 C4 1E 00000000 01 00 00 00 06 12 00 00", // GSMTAP of another type (GSM Um)
		} {
			Expect(p.Send(hexBytes(h))).To(Succeed())
		}
		By("the sniffer starts in the middle of the session, and its last APDU has no response")
		half := rec.Stream[len(rec.Stream)/2:]
		Expect(p.Replay(context.Background(), half)).To(Succeed())
		Expect(p.Send(append(gsmtap.SIMHeader(gsmtap.SubAPDU).Append(nil), hexBytes("80 C2 00 00 03 D7 01 00")...))).To(Succeed())
		Expect(r.Close()).To(Succeed(), "the run's capture check holds")

		tr, err := simtrace.Read(r.Backend.CaptureFile())
		Expect(err).NotTo(HaveOccurred())
		Expect(tr.Summary()).To(BeEmpty(), "what is not GSMTAP SIM never reached the capture")
		lane := tr.Lane(p.From())
		Expect(lane).NotTo(BeNil())
		Expect(len(lane.ATRs) + len(lane.APDUs)).To(Equal(len(half)))
		Expect(lane.Count(simtrace.MidSession)).To(BeNumerically(">=", 1), "the missing start is counted: %s", lane.Summary())
		Expect(lane.Count(simtrace.NoResponse)).To(Equal(1))
		_, err = framework.LabTraffic(r)
		Expect(err).NotTo(HaveOccurred())
	})
})
