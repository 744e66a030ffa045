package harness

import (
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/cardwire"
	"github.com/esimhil/esimhil/harness/simtrace"
	"github.com/esimhil/esimhil/internal/codec/gsmtap"
)

var updateSIMTrace = flag.Bool("update", false, "rewrite fixtures/simtrace/ from an emulated run")

// simtraceFixture is the recorded GSMTAP stream the lab specs replay, and
// what the wire checks must find on it.
const simtraceFixture = "../fixtures/simtrace/roam-fr-preinstalled"

// sniffer is where the fixture's datagrams come from: simtrace2-sniff's
// socket on the bench host.
var fixtureSniffer = netip.MustParseAddrPort("127.0.0.1:41729")

// TestSIMTraceFixture checks the recorded stream: it decodes without a
// warning and shows claim 1 in order with its manifest's values. With
// -update it is made again from an emulated run (see
// fixtures/simtrace/README.md).
func TestSIMTraceFixture(t *testing.T) {
	if *updateSIMTrace {
		writeSIMTraceFixture(t)
	}
	rec, err := simtrace.LoadRecording(simtraceFixture)
	if err != nil {
		t.Fatal(err)
	}
	m := rec.Manifest
	tr, err := simtrace.Read(simtraceFixture + ".pcapng")
	if err != nil {
		t.Fatal(err)
	}
	l, err := tr.Only()
	if err != nil {
		t.Fatal(err)
	}
	if l.Source.String() != m.Source || len(l.ATRs)+len(l.APDUs) != m.Datagrams || tr.Total() != 0 {
		t.Fatalf("lane from %s: %d ATRs + %d APDUs, warnings %q; manifest: %s, %d datagrams",
			l.Source, len(l.ATRs), len(l.APDUs), tr.Summary(), m.Source, m.Datagrams)
	}
	steps, err := cardwire.CheckClaim1(l, cardwire.Claim1{Roaming: m.Roaming, Platform: netip.MustParseAddrPort(m.Platform), Attached: m.Attached})
	if err != nil {
		t.Fatal(err)
	}
	if q := steps[2].APDUs[0].Qualifier(); q != m.Refresh {
		t.Errorf("REFRESH %02X, manifest %02X", q, m.Refresh)
	}
	// T=0: every answer to a command with data came through GET RESPONSE.
	var chained int
	for _, a := range l.APDUs {
		if a.SW>>8 == 0x61 {
			chained++
			if !a.Answered || a.AnswerSW == 0 {
				t.Errorf("frame %d %s: answer not collected", a.Frame, a)
			}
		}
	}
	if chained == 0 {
		t.Error("no 61xx on a T=0 trace")
	}
}

// writeSIMTraceFixture runs the preinstalled switch (generic modem, seed
// 1, an LPA reading the EID) and writes its lane as a SIMtrace2 sends it
// (the emulated contacts are T=0 already: case 4 answers come through
// 61xx and GET RESPONSE), from one sniffer socket to 127.0.0.1:4729,
// stamped as if recorded from 2026-11-30 10:00 UTC.
func writeSIMTraceFixture(t *testing.T) {
	r := laneRun(t, "generic")
	src := filepath.Join(r.Dir(), TrafficFile)
	dgs, err := capture.ReadDatagrams(src, gsmtap.Port)
	if err != nil {
		t.Fatal(err)
	}
	recorded := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	sess, err := capture.Start(capture.Config{Path: simtraceFixture + ".pcapng", Mode: capture.Tap, Clock: clock.NewVirtual(recorded)})
	if err != nil {
		t.Fatal(err)
	}
	dst := netip.AddrPortFrom(fixtureSniffer.Addr(), gsmtap.Port)
	n := 0
	for _, d := range dgs.List {
		ts := recorded.Add(d.Time.Sub(clock.Epoch))
		if err := sess.WriteDatagram(ts, fixtureSniffer, dst, d.Payload); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	m := simtrace.Manifest{Scenario: "roam-fr-preinstalled.yaml", Source: fixtureSniffer.String(), Datagrams: n,
		Roaming: "20801", Platform: r.Platform.Addr().String(), Attached: "20810", Refresh: 0x09}
	b, err := yaml.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	head := "# What the wire checks must find on roam-fr-preinstalled.pcapng (see README.md).\n"
	if err := os.WriteFile(simtraceFixture+".yaml", append([]byte(head), b...), 0o644); err != nil {
		t.Fatal(err)
	}
}
