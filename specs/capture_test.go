package specs

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/framework"
	"github.com/esimhil/esimhil/harness/scenario"
)

// liveCapture reports whether this process may capture live.
func liveCapture() bool {
	s, err := capture.Start(capture.Config{Path: filepath.Join(GinkgoT().TempDir(), "probe.pcapng"), Mode: capture.Live})
	if err != nil {
		return false
	}
	s.Close()
	return true
}

// busy loads the machine until the spec ends: goroutines spinning in this
// process (they compete with the capture's reader for the Go scheduler)
// and shell processes spinning beside it (they compete for the CPUs, and
// with the kernel's softirq that delivers loopback packets).
func busy() {
	ctx, cancel := context.WithCancel(context.Background())
	DeferCleanup(cancel)
	for range max(1, runtime.NumCPU()/2) {
		go func() {
			for ctx.Err() == nil {
			}
		}()
	}
	for range runtime.NumCPU() {
		cmd := exec.Command("sh", "-c", "while :; do :; done")
		Expect(cmd.Start()).To(Succeed())
		DeferCleanup(func() {
			// Only the process this spec started.
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
	}
}

// Issue 9 §2: evidence is complete or says loudly that it is not. Every
// rig, at Close, holds the HTTP requests in its capture against the
// platform's and each SM-DP+'s own logs (and, live, against the kernel's
// drop counters); these specs do it under deliberate CPU load.
var _ = Describe("Capture completeness", framework.Emulated, framework.Slow, func() {
	// Ninety simulated minutes roaming in Berlin, a cycle a minute: a list
	// request, a download whose package Vodafone's SM-DP+ resets mid-way
	// (TLS, exchanges cut on the wire), a switch to O2 that O2 refuses,
	// and the reports — some three hundred requests on three servers.
	long := func(name string) *scenario.Scenario {
		return framework.Variant("fault-scoped-to-operator.yaml", name, map[string]string{
			// The shortest back-off (issue 8): a failed operator sits out
			// one check, so the cycles keep asking.
			"check_interval: 5m": "check_interval: 1m\n  backoff: {first: 1, max: 1}",
			"{download: eligibility_refused, operator: vodafone-de, until: 1h30m}":  "{download: connection_reset, operator: vodafone-de}",
			"{attach_reject: 15, operator: o2-de, subscriber: o2-de, until: 1h30m}": "{attach_reject: 15, operator: o2-de, subscriber: o2-de}",
		})
	}

	for _, mode := range []capture.Mode{capture.Tap, capture.Live} {
		It("keeps every request of a long scenario on a loaded machine ("+string(mode)+")", func() {
			if mode == capture.Live && !liveCapture() {
				Skip("live capture needs CAP_NET_RAW")
			}
			busy()
			r := framework.NewRig(long("capture-under-load-"+string(mode)), func(o *harness.Options) { o.Capture = mode })
			advanceTo(r, 150*time.Minute)
			Expect(r.Close()).To(Succeed(), "the capture matches the servers' own logs")
			Expect(r.Capture.Mode()).To(Equal(mode))
			if mode == capture.Live {
				Expect(r.Capture.Stats().Lost()).To(BeFalse(), "%s", r.Capture.Stats())
				AddReportEntry("kernel counters", r.Capture.Stats().String())
			}

			By("every request the servers logged is in the capture, and nothing else")
			ex, err := capture.ReadHTTP(filepath.Join(r.Dir(), harness.TrafficFile))
			Expect(err).NotTo(HaveOccurred())
			logged := 0
			pl, _ := r.Platform.Requests()
			logged += len(pl)
			for _, id := range []string{"vodafone-de", "o2-de"} {
				reqs, dropped := r.SMDP[id].Requests()
				Expect(dropped).To(BeZero())
				logged += len(reqs)
			}
			Expect(logged).To(BeNumerically(">", 250), "a cycle a minute while roaming")
			Expect(ex).To(HaveLen(logged))
			Expect(filepath.Join(r.Dir(), harness.CaptureIncompleteFile)).NotTo(BeAnExistingFile())
		})
	}

	It("fails the run, listing the missing requests, when the capture lacks one", func() {
		r := framework.NewRig(framework.Load("roam-fr-download.yaml"), func(o *harness.Options) { o.Capture = capture.Tap })
		advanceTo(r, 2*time.Hour)
		// The platform serves a request the wire never carried (straight
		// through its handler): what a capture that lost packets looks like
		// from the servers' side.
		r.Platform.Handler().ServeHTTP(httptest.NewRecorder(),
			httptest.NewRequest("POST", "/v1/notifications", strings.NewReader(`{"eid":"x"}`)))
		err := r.Close()
		Expect(errors.Is(err, capture.ErrIncomplete)).To(BeTrue(), "%v", err)
		Expect(err.Error()).To(ContainSubstring("missing from the capture: platform request"))
		Expect(err.Error()).To(ContainSubstring("POST /v1/notifications"))
		report, rerr := os.ReadFile(filepath.Join(r.Dir(), harness.CaptureIncompleteFile))
		Expect(rerr).NotTo(HaveOccurred())
		Expect(strings.Count(string(report), "\n")).To(Equal(1), "one request missing: %s", report)
	})
})
